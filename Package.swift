// swift-tools-version:6.1
// The package: a DDPM toolkit in layers. Each target imports only those below it:
// CKernels (C SIMD kernels) < Tensors (engine, autodiff) < NN (layers, optimisers,
// weight files) < Diffusion (schedules, processes, samplers, U-Net) < Datasets
// (codecs incl. .npz through ZIPFoundation, data sets) / QualityMetrics (feature networks, FID, KID) < Pipelines (the
// training recipe, batched sampling, evaluation, image editing) < ddpm (the
// command-line tool: flags and printing). FileSupport (atomic file writes) sits
// beside the stack and is used by every layer that writes files; TestSupport
// (Tests/TestSupport) holds what the test targets share.
// The trait JPEG (off by default, so the default build needs no system package)
// lets Datasets read JPEG files through the system libjpeg-turbo (CJPEG); the trait
// MPI lets DistributedTraining spread a training run over processes through the
// system Open MPI (CMPI). Without it DistributedTraining only tells whether the
// program was started under mpirun.
import PackageDescription

let package = Package(
    name: "swift-ddpm",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
        .library(name: "Pipelines", targets: ["Pipelines"]),
        .library(name: "QualityMetrics", targets: ["QualityMetrics"]),
        .library(name: "DistributedTraining", targets: ["DistributedTraining"]),
        .executable(name: "ddpm", targets: ["ddpm"]),
    ],
    traits: [
        .trait(name: "JPEG", description: "Read JPEG images (baseline, progressive, EXIF orientation) through the "
            + "system libjpeg-turbo: apt install libjpeg62-turbo-dev, or brew install jpeg-turbo."),
        .trait(name: "MPI", description: "Data-parallel training over several processes (mpirun -np N ddpm train …) "
            + "through the system Open MPI: apt install openmpi-bin libopenmpi-dev, or brew install open-mpi."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        // `swift package generate-documentation`: the DocC catalogs and articles (scripts/check_docs.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CKernels",
            linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]
        ),
        .target(name: "Tensors", dependencies: ["CKernels"]),
        .target(name: "FileSupport"),
        .target(name: "NN", dependencies: ["Tensors", "FileSupport"]),
        .systemLibrary(
            name: "CSystemZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]
        ),
        .target(
            name: "Datasets",
            dependencies: [
                "Tensors", "FileSupport", "CSystemZlib", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .target(name: "CJPEG", condition: .when(traits: ["JPEG"])),
            ],
            resources: [.copy("Resources")]
        ),
        .target(name: "Diffusion", dependencies: ["Tensors", "NN", "FileSupport"]),
        .target(name: "QualityMetrics", dependencies: ["Tensors", "NN", "Datasets"], resources: [.copy("Resources")]),
        .target(name: "Pipelines", dependencies: ["Tensors", "NN", "FileSupport", "Diffusion", "Datasets", "QualityMetrics"]),
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
        ),
        .target(
            name: "DistributedTraining",
            dependencies: ["Diffusion", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]
        ),
        .executableTarget(
            name: "ddpm",
            dependencies: [
                "Tensors", "NN", "Diffusion", "Datasets", "QualityMetrics", "Pipelines", "FileSupport", "DistributedTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers every test target shares (temporary folders, tolerances, an exact mixture denoiser).
        .target(name: "TestSupport", dependencies: ["Tensors", "Diffusion"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "FileSupportTests", dependencies: ["FileSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "Tensors", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "NN", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "QualityMetricsTests", dependencies: ["QualityMetrics", "Datasets", "NN", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "PipelinesTests", dependencies: ["Pipelines", "Diffusion", "Datasets", "QualityMetrics", "NN", "Tensors", "TestSupport"]),
        .testTarget(name: "ddpmTests", dependencies: ["ddpm", "Diffusion", "Datasets", "QualityMetrics", "NN", "Tensors"]),
    ],
    swiftLanguageModes: [.v5]
)
