import ArgumentParser
import Foundation
import QualityMetrics

/// `--features` and `--inception`: which network FID is measured in.
struct FeatureFlags: ParsableArguments {
    /// Where `--inception` is read from when the flag is not given.
    static let environmentVariable = "DDPM_INCEPTION_WEIGHTS"

    @Option(
        help: ArgumentHelp(
            "The feature network: mnist or inception (default mnist).",
            discussion: "mnist is the project's own digit classifier (bundled; grey 28×28 images); inception is "
                + "pytorch-fid's Inception-v3, whose FIDs are the numbers papers report (any image size; needs "
                + "--inception). Numbers from different networks are not comparable."))
    var features = "mnist"

    @Option(help: "The converted FID Inception weights (tools/convert_inception_weights.py); default $\(FeatureFlags.environmentVariable).")
    var inception: String?

    func validate() throws {
        try Check.oneOf(features, ["mnist", "inception"], flag: "--features")
        if inception != nil, features != "inception" {
            throw ValidationError("--inception applies to --features inception only")
        }
    }

    /// Whether the chosen network is the bundled MNIST classifier.
    var isMNIST: Bool { features == "mnist" }

    /// The chosen network with its weights.
    func network() throws -> any FeatureNetwork {
        if isMNIST { return try MNISTFeatureNet.bundled() }
        guard let path = inception ?? ProcessInfo.processInfo.environment[Self.environmentVariable], !path.isEmpty else {
            throw CommandError(
                "--features inception needs pytorch-fid's FID Inception weights: download \(InceptionV3FID.weightsURL), "
                    + "convert them with 'python tools/convert_inception_weights.py pt_inception-2015-12-05-6726825d.pth "
                    + "inception-fid.safetensors' (pip install torch safetensors), then pass --inception "
                    + "inception-fid.safetensors or set \(Self.environmentVariable)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("--inception \(path): no such file")
        }
        return try InceptionV3FID(contentsOf: URL(fileURLWithPath: path))
    }
}
