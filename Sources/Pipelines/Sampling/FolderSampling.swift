import Diffusion
import Foundation
import Tensors

/// A model folder made ready to draw from: the folder loaded (ours or a diffusers
/// `UNet2DModel` folder), the labels of the samples, the network guided when a
/// guidance weight is asked for, and the sampler named — then `BatchedSampling`.
/// What `ddpm sample` and the studio's Sample page both do before the first step.
public struct FolderSampling {
    /// The folder as loaded: network, scheduler configuration, shape, classes, warnings.
    public let loaded: DenoiserFolder.Loaded
    /// The sample count, one label per sample and the grid's columns.
    public let plan: ClassChoice.Plan
    /// The batched sampling, ready to `draw(count:labels:…)` the plan's samples.
    public let pipeline: BatchedSampling

    /// Loads `folder` (named `name` in error messages) and checks every choice against
    /// it: the classes it knows, a null class for guidance, steps within its training timesteps.
    /// A guidance weight (finite, ≥ 0), its rescale (in [0, 1]) and guidance without a class
    /// are refused before the folder is read.
    public init(
        folder: URL, name: String? = nil, sampler: SamplerChoice, classes: ClassChoice = .none,
        guidance: Double? = nil, guidanceRescale: Double = 0, count: Int?, batchSize: Int, seed: UInt64
    ) throws {
        let name = name ?? folder.path
        if let guidance, !(guidance.isFinite && guidance >= 0) {
            throw PipelineError(problem: "guidance weight \(guidance) is not accepted; give a finite number ≥ 0")
        }
        guard guidanceRescale.isFinite, (0...1).contains(guidanceRescale) else {
            throw PipelineError(problem: "guidance rescale \(guidanceRescale) is not accepted; give a number in [0, 1]")
        }
        if guidance != nil, classes == .none {
            throw PipelineError(problem: "guidance needs a class to guide towards (a class index, or all)")
        }
        loaded = try DenoiserFolder.load(from: folder)
        plan = try classes.plan(count: count, for: loaded, named: name)
        let network = try ClassChoice.guidedModel(loaded, guidance: guidance, rescale: guidanceRescale, named: name)
        let diffusion = try loaded.scheduler.makeDiffusion()
        pipeline = try BatchedSampling(
            model: network, sampler: try sampler.makeSampler(diffusion: diffusion, scheduler: loaded.scheduler),
            exampleShape: loaded.exampleShape, batchSize: batchSize, seed: seed)
    }

    /// `[C, H, W]` for images, `[D]` for points.
    public var exampleShape: [Int] { loaded.exampleShape }

    /// What the folder is (shape, classes, schedule).
    public var summary: ModelFolderSummary { ModelFolderSummary(loaded) }

    /// Whether the model draws images that PNG can hold (1 or 3 channels).
    public var drawsPNGImages: Bool { summary.drawsPNGImages }

    /// Samples as written to `.npy`: images mapped from [−1, 1] to [0, 1] (`N×H×W`
    /// for one channel, as torchvision and pytorch-fid read them), points as they are.
    public static func npyArray(_ samples: Tensor, isImage: Bool) -> Tensor {
        guard isImage else { return samples }
        let scaled = samples.scalars.map { min(max(($0 + 1) / 2, 0), 1) }
        var shape = samples.shape
        if shape[1] == 1 { shape.remove(at: 1) }
        return Tensor(shape: shape, scalars: scaled)
    }
}
