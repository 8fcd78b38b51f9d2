import Diffusion
import Tensors

/// Samples drawn during training from the EMA weights, for the preview grids
/// (`train --sample-every`) and the sample FID (`train --fid-every`): DPM-Solver++
/// 2M with 20 steps (fewer if T is smaller), seed 0, so successive draws show
/// the same noise as the model learns; for a class-conditional model one class
/// after another (plain conditional, no guidance). Drawing touches no training
/// state (`Trainer.withAveragedWeights`), so a run gives the same bits with or without it.
public struct TrainingSamples {
    /// How many samples are drawn.
    public let count: Int
    /// `[C, H, W]` of one image.
    public let exampleShape: [Int]
    /// One label per image, or nil for an unconditional model.
    public let labels: [Int]?
    /// Images drawn at once.
    public let batchSize: Int

    /// The draw of `count` images from `trainer`'s model, refused for a model of points.
    public init(count: Int, trainer: Trainer, batchSize: Int = 100) throws {
        guard let unet = ((trainer.model as? SelfConditionedDenoiser)?.network ?? trainer.model) as? UNet2DModel else {
            throw PipelineError(problem: "samples during training are images; this run trains a \(type(of: trainer.model)) on points")
        }
        guard count >= 1 else { throw PipelineError(problem: "\(count) samples: give at least 1") }
        self.count = count
        exampleShape = TrainingRun.exampleShape(of: trainer.model)
        let classes = Swift.max(1, (unet.config.numClassEmbeds ?? 1) - 1)
        labels = trainer.configuration.classConditional ? (0..<count).map { $0 % classes } : nil
        self.batchSize = Swift.min(batchSize, count)
    }

    /// The sampler of these draws.
    public static func sampler(_ diffusion: GaussianDiffusion) throws -> any Sampler {
        try DPMSolverPlusPlus(diffusion: diffusion, steps: Swift.min(20, diffusion.schedule.count))
    }

    /// The images `[count, C, H, W]` in [−1, 1] from the trainer's current EMA weights.
    public func draw(from trainer: Trainer) throws -> Tensor {
        try trainer.withAveragedWeights {
            let pipeline = try BatchedSampling(
                model: trainer.model, sampler: try Self.sampler(trainer.diffusion), exampleShape: exampleShape,
                batchSize: batchSize, seed: 0)
            return try pipeline.draw(count: count, labels: labels).samples
        }
    }
}
