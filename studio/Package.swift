// swift-tools-version:6.2
// The studio: a web app over the toolkit (sample with live x_t and x̂0, the forward
// process on a slider, training runs as they grow). It is a package of its own, beside
// the toolkit and depending on it by path, so that the toolkit's build, its demo and its
// `swift test` never resolve or compile the server stack (Hummingbird, SwiftNIO), and a
// package that depends on the toolkit does not inherit it.
//   swift run -c release --package-path studio ddpm-studio --root DIR
import PackageDescription

let package = Package(
    name: "ddpm-studio",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Studio", targets: ["Studio"]),
        .executable(name: "ddpm-studio", targets: ["ddpm-studio"]),
    ],
    dependencies: [
        .package(name: "swift-ddpm", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Studio",
            dependencies: [
                .product(name: "Pipelines", package: "swift-ddpm"),
                .product(name: "Datasets", package: "swift-ddpm"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Pages")]
        ),
        .executableTarget(
            name: "ddpm-studio",
            dependencies: [
                "Studio", .product(name: "Tensors", package: "swift-ddpm"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "StudioTests",
            dependencies: [
                "Studio",
                .product(name: "Diffusion", package: "swift-ddpm"),
                .product(name: "Datasets", package: "swift-ddpm"),
                .product(name: "NN", package: "swift-ddpm"),
                .product(name: "Tensors", package: "swift-ddpm"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
