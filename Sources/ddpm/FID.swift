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
        discussion: "Each set is a folder of PNG or JPEG images, a .npy of images in [0, 1] (as 'ddpm sample --npy' "
            + "writes), or mnist, mnist:train, mnist:test (the bundled digits). Numbers from different feature "
            + "networks are not comparable; the output names the network.")

    @Argument(help: "The first set.")
    var first: String

    @Argument(help: "The second set.")
    var second: String

    @OptionGroup var featureFlags: FeatureFlags

    @Flag(help: "Also report KID (unbiased polynomial-kernel MMD², mean ± std over 100 subsets of up to 1000).")
    var kid = false

    @Flag(
        name: .customLong("precision-recall"),
        help: "Also improved precision and recall (Kynkäänniemi et al. 2019, k = 3), the first set taken as the samples.")
    var precisionRecall = false

    @Option(help: "Seed of KID's subsets.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    @OptionGroup var threading: ThreadingOptions

    func run() throws {
        threading.apply()
        let network = try featureFlags.network()
        let a = try Self.images(first, for: network), b = try Self.images(second, for: network)
        let featuresA = try extract(a, network, label: "features 1"), featuresB = try extract(b, network, label: "features 2")
        let d = network.featureDimension
        let distance = try FrechetDistance.between(
            try FeatureStatistics(features: featuresA, count: a.shape[0], dimension: d),
            try FeatureStatistics(features: featuresB, count: b.shape[0], dimension: d))
        var generator = RandomGenerator(seed: seed)
        let kernel = kid ? try KernelInceptionDistance.between(featuresA, featuresB, dimension: d, generator: &generator) : nil
        let coverage = precisionRecall ? try PrecisionRecall.between(real: featuresB, generated: featuresA, dimension: d) : nil
        if json {
            var fields = [
                "\"fid\": \(distance)", "\"features\": \"\(featureFlags.features)\"", "\"n_first\": \(a.shape[0])",
                "\"n_second\": \(b.shape[0])",
            ]
            if let kernel { fields += ["\"kid\": \(kernel.mean)", "\"kid_std\": \(kernel.standardDeviation)"] }
            if let coverage { fields += ["\"precision\": \(coverage.precision)", "\"recall\": \(coverage.recall)"] }
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            print(String(format: "FID %.4f  (%d vs %d images; %@)", distance, a.shape[0], b.shape[0], network.displayName))
            if let kernel {
                print(
                    String(
                        format: "KID %.5f ± %.5f  (%d subsets of %d)", kernel.mean, kernel.standardDeviation,
                        kernel.subsets, kernel.subsetSize))
            }
            if let coverage {
                print(
                    String(
                        format: "precision %.4f  recall %.4f  (k = %d: the first set's share inside the second's "
                            + "manifold, and the second's inside the first's)", coverage.precision, coverage.recall, coverage.k))
            }
        }
    }

    /// The features of `images` with a progress bar.
    func extract(_ images: Tensor, _ network: any FeatureNetwork, label: String) throws -> [Float] {
        let bar = ProgressBar(total: images.shape[0], label: label, enabled: !json && Terminal.standardErrorIsTerminal)
        defer { bar.finish() }
        return try network.checkedFeatures(of: images) { bar.update(step: $0) }
    }

    /// A set of images `[N, C, H, W]` in [−1, 1] for `network` (a folder read with the network's `folderOptions`).
    static func images(_ argument: String, for network: any FeatureNetwork) throws -> Tensor {
        let images: Tensor
        switch argument.lowercased() {
        case "mnist", "mnist:all": images = try BundledDataset.mnist.load(split: .all).images
        case "mnist:train": images = try BundledDataset.mnist.load(split: .train).images
        case "mnist:test": images = try BundledDataset.mnist.load(split: .test).images
        default:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw CommandError("\(argument): no such file or folder; give a folder of images, a .npy of images, or mnist[:train|:test]")
            }
            if isDirectory.boolValue {
                images = try ImageFolder(path: argument, options: network.folderOptions).dataset.images
            } else {
                let array = try NPY.read(contentsOfFile: argument)
                var shape = array.shape
                if shape.count == 3 { shape.insert(1, at: 1) }
                if let problem = network.problem(withImagesOf: shape) {
                    throw CommandError("\(argument) holds an array of shape \(array.shape); \(problem) (or [N, H, W]) in [0, 1]")
                }
                if let bad = array.scalars.first(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw CommandError(
                        "\(argument) has the value \(bad); images in a .npy must be in [0, 1] (as 'ddpm sample --npy' writes)")
                }
                images = (array * 2 - 1).reshaped(shape)
            }
        }
        if let problem = network.problem(withImagesOf: images.shape) { throw CommandError("\(argument): \(problem)") }
        guard images.shape[0] >= 2 else { throw CommandError("\(argument) holds \(images.shape[0]) image; a distance needs at least 2") }
        return images
    }
}
