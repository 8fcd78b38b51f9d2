import ArgumentParser
import Datasets
import Foundation
import Metrics
import Tensors

/// `ddpm fid A B`: the Fréchet distance (and optionally KID) between two image
/// sets in the features of a named network.
struct FID: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fid",
        abstract: "Fréchet distance between two sets of images in a feature network's features.",
        discussion: "Each set is a folder of PNGs, a .npy of images in [0, 1] (as 'ddpm sample --npy' writes), "
            + "or mnist, mnist:train, mnist:test (the bundled digits). Numbers from different feature networks "
            + "are not comparable; the output names the network.")

    @Argument(help: "The first set.")
    var first: String

    @Argument(help: "The second set.")
    var second: String

    @Option(help: "The feature network: mnist (bundled, for 28×28 grey digits).")
    var features = "mnist"

    @Flag(help: "Also report KID (unbiased polynomial-kernel MMD², mean ± std over 100 subsets of up to 1000).")
    var kid = false

    @Option(help: "Seed of KID's subsets.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        try Check.oneOf(features, ["mnist"], flag: "--features")
    }

    func run() throws {
        threading.apply()
        let network = try MNISTFeatureNet.bundled()
        let a = try Self.images(first), b = try Self.images(second)
        let featuresA = try network.features(of: a), featuresB = try network.features(of: b)
        let d = MNISTFeatureNet.featureDimension
        let distance = try FrechetDistance.between(
            try FeatureStatistics(features: featuresA, count: a.shape[0], dimension: d),
            try FeatureStatistics(features: featuresB, count: b.shape[0], dimension: d))
        var generator = RandomGenerator(seed: seed)
        let kernel = kid ? try KernelInceptionDistance.between(featuresA, featuresB, dimension: d, generator: &generator) : nil
        if json {
            var fields = ["\"fid\": \(distance)", "\"features\": \"mnist\"", "\"n_first\": \(a.shape[0])", "\"n_second\": \(b.shape[0])"]
            if let kernel { fields += ["\"kid\": \(kernel.mean)", "\"kid_std\": \(kernel.standardDeviation)"] }
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            print(String(format: "FID %.4f  (%d vs %d images; %@)", distance, a.shape[0], b.shape[0], MNISTFeatureNet.displayName))
            if let kernel {
                print(
                    String(
                        format: "KID %.5f ± %.5f  (%d subsets of %d)", kernel.mean, kernel.standardDeviation,
                        kernel.subsets, kernel.subsetSize))
            }
        }
    }

    /// A set of grey 28×28 images `[N, 1, 28, 28]` in [−1, 1].
    static func images(_ argument: String) throws -> Tensor {
        let images: Tensor
        switch argument.lowercased() {
        case "mnist", "mnist:all": images = try BundledDataset.mnist.load(split: .all).images
        case "mnist:train": images = try BundledDataset.mnist.load(split: .train).images
        case "mnist:test": images = try BundledDataset.mnist.load(split: .test).images
        default:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw CommandError("\(argument): no such file or folder; give a folder of PNGs, a .npy of images, or mnist[:train|:test]")
            }
            if isDirectory.boolValue {
                images = try ImageFolder(path: argument, options: ImageFolder.Options(imageSize: 28, channels: .gray)).dataset.images
            } else {
                let array = try NPY.read(contentsOfFile: argument)
                let shape = array.shape
                guard
                    (shape.count == 3 && shape[1] == 28 && shape[2] == 28)
                        || (shape.count == 4 && shape[1] == 1 && shape[2] == 28 && shape[3] == 28)
                else {
                    throw CommandError(
                        "\(argument) holds an array of shape \(shape); the MNIST features need grey 28×28 images "
                            + "[N, 28, 28] or [N, 1, 28, 28] in [0, 1]")
                }
                if let bad = array.scalars.first(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw CommandError(
                        "\(argument) has the value \(bad); images in a .npy must be in [0, 1] (as 'ddpm sample --npy' writes)")
                }
                images = (array * 2 - 1).reshaped([shape[0], 1, 28, 28])
            }
        }
        guard images.shape.count == 4, images.shape[1] == 1, images.shape[2] == 28, images.shape[3] == 28 else {
            throw CommandError("\(argument): the MNIST features need grey 28×28 images; got \(images.shape)")
        }
        guard images.shape[0] >= 2 else { throw CommandError("\(argument) holds \(images.shape[0]) image; a distance needs at least 2") }
        return images
    }
}
