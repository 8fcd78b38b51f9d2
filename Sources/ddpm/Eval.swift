import ArgumentParser
import Datasets
import Diffusion
import Foundation
import QualityMetrics
import Pipelines
import Tensors

/// `ddpm eval`: the variational bound in bits/dim on a data split with its
/// parts, the noise-prediction error (ε-MSE) on the same images, the distance
/// of fresh samples to their nearest training image (a memorisation check,
/// next to the same distance for held-out images), and pixel statistics of
/// samples against the data. The measuring is `Pipelines.ModelEvaluation`'s.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bits/dim, ε-MSE, nearest-training-image distance and pixel statistics of a model.")

    @Option(help: "A model folder.")
    var model: String

    @Option(help: "The data the model was trained on (mnist, digits, a PNG folder or an IDX file).")
    var data: String

    @Option(help: "train, test or all.")
    var split = "test"

    @Option(help: "Images to score and samples to draw.")
    var n = 32

    @Option(help: "Evaluate one KL term per block of this many timesteps (1 = the exact bound; default T/50).")
    var stride: Int?

    @Option(name: .customLong("batch-size"), help: "Images evaluated at once.")
    var batchSize = 16

    @Option(help: "Sampling steps (DPM-Solver++) for the sample statistics.")
    var steps = 20

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @Flag(help: "Also the FID of the --n samples against the training images, in the --features network.")
    var fid = false

    @OptionGroup var featureFlags: FeatureFlags

    func validate() throws {
        try Check.existingFolder(model, flag: "--model")
        try Check.oneOf(split, DataSplit.allCases.map(\.rawValue), flag: "--split")
        try Check.within(n, 1...100_000, flag: "--n")
        if let stride { try Check.atLeast(stride, 1, flag: "--stride") }
        try Check.within(batchSize, 1...65536, flag: "--batch-size")
        try Check.within(steps, 1...10_000, flag: "--steps")
    }

    @OptionGroup var threading: ThreadingOptions

    func run() throws {
        threading.apply()
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: model))
        guard loaded.exampleShape.count == 3 else {
            throw CommandError("\(model) models \(loaded.exampleShape[0])-D points; eval scores image models (bits/dim needs 8-bit pixels)")
        }
        let source = try DataSource(parsing: data)
        let dataset = try source.loadImages(split: DataSplit(rawValue: split)!).dataset
        let training = try source.loadImages(split: .train).dataset
        let shape = [dataset.channels, dataset.height, dataset.width]
        guard shape == loaded.exampleShape else {
            throw CommandError(
                "the model takes \(loaded.exampleShape.map(String.init).joined(separator: "×")) images but --data \(data) has \(shape.map(String.init).joined(separator: "×"))"
            )
        }
        // The feature network is loaded and checked before any scoring, so a bad choice fails at once.
        let network = fid ? try featureFlags.network() : nil
        if let network, let problem = network.problem(withImagesOf: [1] + shape) {
            throw CommandError(
                "--fid: \(problem); this model draws \(shape.map(String.init).joined(separator: "×"))"
                    + (featureFlags.isMNIST ? " (--features inception takes any size)" : ""))
        }
        let diffusion = try loaded.scheduler.makeDiffusion()
        let T = diffusion.schedule.count
        let blockStride = stride ?? max(1, T / 50)
        guard n <= dataset.count else {
            throw CommandError(
                "--n \(n) is more than the \(dataset.count) images of the \(split) split of \(data); give --n \(dataset.count) or less")
        }
        let count = n
        let scored = try dataset.subset(Array(0..<count))
        let evaluation = try ModelEvaluation(
            model: loaded.model, diffusion: diffusion, conditional: loaded.classCount != nil,
            batchSize: batchSize)
        let bar = ProgressBar(total: count, label: "bits/dim")
        let bound = try evaluation.bitsPerDimension(scored, stride: blockStride, seed: seed) { bar.update(step: $0) }
        bar.finish()
        let kind = blockStride > 1 ? "estimate, one KL term per \(blockStride) timesteps" : "exact bound"
        print(
            String(
                format: "bits/dim on %d %@ images: %.4f  (prior %.5f + KL terms %.4f + decoder %.4f; %@)",
                count, split as NSString, bound.total, bound.prior, bound.klTerms, bound.decoder, kind as NSString))

        let error = try evaluation.noisePredictionError(scored, seed: seed)
        print(
            String(
                format: "ε-MSE on the %d %@ images at a uniform t: %.5f  (by quarter of t, low to high: %@)",
                count, split as NSString, error.mean,
                error.byQuarter.map { $0.map { String(format: "%.5f", $0) } ?? "–" }.joined(separator: " ") as NSString))

        let sampler = try DPMSolverPlusPlus(diffusion: diffusion, steps: min(steps, T))
        let samples = try SamplingLoop.draw(
            model: loaded.model, sampler: sampler, exampleShape: shape, count: count,
            batchSize: batchSize, seed: seed &+ 1,
            labels: try ClassSelection.labelPlan(classChoice: nil, n: count, loaded: loaded, model: model).labels
        ).samples
        let held = scored.images
        let sampleDistances = ModelEvaluation.nearestDistances(samples, to: training.images)
        let heldDistances = ModelEvaluation.nearestDistances(held, to: training.images, excludeIdentical: split != "test")
        print(
            String(
                format: "nearest training image (RMS pixel distance, [-1, 1] scale): samples median %.4f min %.4f; "
                    + "%@ images median %.4f min %.4f", ModelEvaluation.median(sampleDistances), sampleDistances.min() ?? 0,
                split as NSString, ModelEvaluation.median(heldDistances), heldDistances.min() ?? 0))
        if let network {
            let reference = try ImageSet(trainingData: data).statistics(
                in: network, cache: .standard, progress: ProgressBar.counting(label: "training images' features"))
            let distance = try FrechetDistance.between(try network.statistics(of: samples), reference)
            print(
                String(
                    format: "FID %.3f  (%d samples vs %d training images; %@)", distance, count, reference.count,
                    network.displayName))
        }
        let (sampleMean, sampleStd, sampleInk) = ModelEvaluation.pixelStatistics(samples)
        let (dataMean, dataStd, dataInk) = ModelEvaluation.pixelStatistics(held)
        print(
            String(
                format: "pixels: samples mean %.4f std %.4f bright (> 0) %.3f; data mean %.4f std %.4f bright %.3f",
                sampleMean, sampleStd, sampleInk, dataMean, dataStd, dataInk))
    }
}
