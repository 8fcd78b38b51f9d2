import ArgumentParser
import Foundation
import QualityMetrics
import Pipelines
import Tensors

/// `ddpm fid A B`: the Fréchet distance (and optionally KID and precision/recall)
/// between two image sets in the features of a named network; `--save-stats`
/// writes one set's statistics instead, as pytorch-fid's `--save-stats` does.
struct FID: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fid",
        abstract: "Fréchet distance between two sets of images in a feature network's features.",
        discussion: "Each set is a folder of PNG or JPEG images, a .npy of images in [0, 1] (as 'ddpm sample --npy' "
            + "writes), a .npz of statistics (mu, sigma: pytorch-fid's --save-stats files), mnist, mnist:train, "
            + "mnist:test (the bundled digits), cifar10:DIR or an IDX file. Statistics of data sets are cached in "
            + "$DDPM_CACHE_DIR (default ~/.cache/swift-ddpm/statistics). Numbers from different feature networks are "
            + "not comparable; the output names the network.")

    @Argument(help: "The first set (with --save-stats: the set to describe).")
    var first: String

    @Argument(help: "The second set (with --save-stats: the .npz to write).")
    var second: String

    @OptionGroup var featureFlags: FeatureFlags

    @Flag(help: "Also report KID (unbiased polynomial-kernel MMD², mean ± std over 100 subsets of up to 1000).")
    var kid = false

    @Flag(
        name: .customLong("precision-recall"),
        help: "Also improved precision and recall (Kynkäänniemi et al. 2019, k = 3), the first set taken as the samples.")
    var precisionRecall = false

    @Flag(
        name: .customLong("save-stats"),
        help: "Write the first set's statistics (mu, sigma) to the second argument, a new .npz, instead of comparing.")
    var saveStats = false

    @Flag(name: .customLong("no-cache"), help: "Compute data sets' statistics anew, neither reading nor writing the cache.")
    var noCache = false

    @Option(help: "Seed of KID's subsets.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    @OptionGroup var threading: ThreadingOptions

    func validate() throws {
        if saveStats {
            guard second.lowercased().hasSuffix(".npz") else {
                throw ValidationError("--save-stats writes a .npz; give the output file as the second argument (e.g. stats.npz)")
            }
            guard !FileManager.default.fileExists(atPath: second) else {
                throw ValidationError("--save-stats: \(second) exists; give a new file name (nothing was overwritten)")
            }
            if kid || precisionRecall {
                throw ValidationError("--save-stats writes statistics; --kid and --precision-recall compare two sets")
            }
        }
    }

    func run() throws {
        threading.apply()
        let network = try featureFlags.network()
        let cache = noCache ? nil : FeatureStatisticsCache.standard
        let a = try ImageSet(first)
        if saveStats {
            let statistics = try a.statistics(in: network, cache: cache, progress: progress(label: "features"))
            try statistics.writeNPZ(toFile: second)
            print("wrote the statistics of \(a.name) (\(statistics.count) images; \(network.displayName)) to \(second)")
            return
        }
        let b = try ImageSet(second)
        let d = network.featureDimension
        var generator = RandomGenerator(seed: seed)
        var kernel: KernelInceptionDistance.Result?
        var coverage: PrecisionRecall.Result?
        let statisticsA: FeatureStatistics, statisticsB: FeatureStatistics
        if kid || precisionRecall {
            for set in [a, b] where set.isStatistics {
                throw CommandError("\(set.name) holds statistics only; --kid and --precision-recall need the images of both sets")
            }
            let imagesA = try a.images(for: network), imagesB = try b.images(for: network)
            let featuresA = try extract(imagesA, network, label: "features 1")
            let featuresB = try extract(imagesB, network, label: "features 2")
            statisticsA = try FeatureStatistics(features: featuresA, count: imagesA.shape[0], dimension: d)
            statisticsB = try FeatureStatistics(features: featuresB, count: imagesB.shape[0], dimension: d)
            if kid { kernel = try KernelInceptionDistance.between(featuresA, featuresB, dimension: d, generator: &generator) }
            if precisionRecall { coverage = try PrecisionRecall.between(real: featuresB, generated: featuresA, dimension: d) }
        } else {
            statisticsA = try a.statistics(in: network, cache: cache, progress: progress(label: "features 1"))
            statisticsB = try b.statistics(in: network, cache: cache, progress: progress(label: "features 2"))
        }
        let distance = try FrechetDistance.between(statisticsA, statisticsB)
        if json {
            var fields = [
                "\"fid\": \(distance)", "\"features\": \"\(featureFlags.features)\"", "\"n_first\": \(statisticsA.count)",
                "\"n_second\": \(statisticsB.count)",
            ]
            if let kernel { fields += ["\"kid\": \(kernel.mean)", "\"kid_std\": \(kernel.standardDeviation)"] }
            if let coverage { fields += ["\"precision\": \(coverage.precision)", "\"recall\": \(coverage.recall)"] }
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            print(
                String(
                    format: "FID %.4f  (%@ vs %@; %@)", distance, Self.size(statisticsA), Self.size(statisticsB),
                    network.displayName))
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

    /// "500 images", or "statistics" for a file that does not say how many.
    static func size(_ statistics: FeatureStatistics) -> String {
        statistics.count > 0 ? "\(statistics.count) images" : "statistics"
    }

    /// A progress bar's update for feature extraction (drawn on a terminal only, not with --json).
    func progress(label: String) -> (Int, Int) -> Void {
        ProgressBar.counting(label: label, enabled: !json && Terminal.standardErrorIsTerminal)
    }

    /// The features of `images`, with the progress bar of `progress(label:)`.
    func extract(_ images: Tensor, _ network: any FeatureNetwork, label: String) throws -> [Float] {
        let report = progress(label: label)
        return try network.checkedFeatures(of: images) { report($0, images.shape[0]) }
    }
}
