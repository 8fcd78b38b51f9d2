// swift-tools-version:6.0
// The package: a DDPM toolkit in layers. Each target imports only those below it:
// CKernels (C SIMD kernels) < Tensors (engine, autodiff) < NN (layers, optimisers,
// weight files) < Diffusion (schedules, processes, samplers, U-Net) < Datasets
// < ddpm (the command-line tool).
import PackageDescription

let package = Package(
    name: "swift-ddpm",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
        .executable(name: "ddpm", targets: ["ddpm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CKernels",
            linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]
        ),
        .target(name: "Tensors", dependencies: ["CKernels"]),
        .target(name: "NN", dependencies: ["Tensors"]),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "Datasets",
            dependencies: ["Tensors", "NN", "CZlib"],
            resources: [.copy("Resources")]
        ),
        .target(name: "Diffusion", dependencies: ["Tensors", "NN"]),
        .executableTarget(
            name: "ddpm",
            dependencies: [
                "Tensors", "NN", "Diffusion", "Datasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "Tensors"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "NN", "Tensors"], exclude: ["Fixtures"]),
        .testTarget(name: "ddpmTests", dependencies: ["ddpm", "Diffusion", "Datasets", "NN", "Tensors"]),
    ],
    swiftLanguageModes: [.v5]
)
