import Diffusion
import QualityMetrics
import Tensors

/// `train --fid-every N`: every N steps, the Fréchet distance between samples
/// of the EMA weights (`TrainingSamples`, a fixed seed, so the number moves
/// with the model alone) and the training images, in a chosen feature network.
/// The training images' statistics are computed once (and cached on disk).
public struct TrainingFID {
    /// Measure after every this many steps.
    public let every: Int
    /// The fixed draw of samples measured.
    public let samples: TrainingSamples
    /// The network whose features the distance is taken in.
    public let network: any FeatureNetwork
    /// The training images' statistics in `network`.
    public let reference: FeatureStatistics

    /// A measurement every `every` steps.
    ///
    /// - Throws: ``PipelineError`` for `every` below 1, fewer than 2 samples, or images the network cannot take.
    public init(every: Int, samples: TrainingSamples, network: any FeatureNetwork, reference: FeatureStatistics) throws {
        guard every >= 1 else { throw PipelineError(problem: "an FID every \(every) steps: give at least 1") }
        guard samples.count >= 2 else { throw PipelineError(problem: "an FID of \(samples.count) sample: give at least 2") }
        if let problem = network.problem(withImagesOf: [samples.count] + samples.exampleShape) {
            throw PipelineError(problem: "the model draws \(samples.exampleShape) images; \(problem)")
        }
        guard reference.dimension == network.featureDimension else {
            throw PipelineError(
                problem: "reference statistics of \(reference.dimension) dimensions for \(network.featureDimension)-d features")
        }
        self.every = every
        self.samples = samples
        self.network = network
        self.reference = reference
    }

    /// Whether the FID is measured after `step`.
    public func isDue(atStep step: Int) -> Bool { step % every == 0 }

    /// The FID of the trainer's current EMA weights.
    public func measure(_ trainer: Trainer) throws -> Double {
        return try FrechetDistance.between(try network.statistics(of: try samples.draw(from: trainer)), reference)
    }
}
