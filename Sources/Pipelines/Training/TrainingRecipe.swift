import Diffusion
import Foundation

/// Everything that decides a training run besides the optimiser settings: the
/// data, the batch, the network and the noise schedule. Stored as JSON in every
/// checkpoint (`extra/run`), so that a resumed run rebuilds exactly the same
/// model and data order (`TrainingRun.resume`).
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// The `--data` source (`mnist`, `digits`, a folder, an IDX file, `toy:…`; `DataSource`).
    public var data: String
    /// Examples per step.
    public var batchSize: Int
    /// Mirror images left–right at random.
    public var horizontalFlip: Bool
    /// Images of a folder are resized / centre-cropped to this size.
    public var imageSize: Int?
    /// Points drawn once from a toy distribution to train on.
    public var toySamples: Int
    /// `DenoiserConfig.className`: "UNet2DModel" or "MLPDenoiser".
    public var modelClass: String
    /// The network's `config.json` text.
    public var modelConfig: String
    /// The `scheduler_config.json` text.
    public var scheduler: String
    /// Seeds the weights, the data order and the toy points (the trainer's draws use it too).
    public var seed: UInt64
    /// The classes and null class of a class-conditional run (nil: unconditional).
    public var conditioning: ClassConditioning?
    /// Decode the folder's images batch by batch instead of all at the start.
    public var stream: Bool?

    /// The checkpoint's `extra` key the recipe is stored under.
    public static let checkpointKey = "run"

    /// A recipe from its parts; the network and scheduler are stored as their JSON.
    ///
    /// - Throws: when the network or scheduler configuration cannot be encoded.
    public init(
        data: String, batchSize: Int, horizontalFlip: Bool = false, imageSize: Int? = nil,
        toySamples: Int = 16384, network: DenoiserConfig, scheduler: SchedulerConfig, seed: UInt64,
        conditioning: ClassConditioning? = nil, stream: Bool = false
    ) throws {
        self.data = data
        self.batchSize = batchSize
        self.horizontalFlip = horizontalFlip
        self.imageSize = imageSize
        self.toySamples = toySamples
        modelClass = network.className
        modelConfig = String(decoding: try network.jsonData(), as: UTF8.self)
        self.scheduler = String(decoding: scheduler.jsonData(), as: UTF8.self)
        self.seed = seed
        self.conditioning = conditioning
        self.stream = stream ? true : nil
    }

    /// The recipe as stored in a checkpoint (sorted keys, so equal recipes give equal text).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The recipe saved in `checkpoint`, read from `source` (named in the error).
    public init(in checkpoint: TrainingCheckpoint, source: String) throws {
        guard let text = checkpoint.extra[Self.checkpointKey],
            let recipe = try? JSONDecoder().decode(TrainingRecipe.self, from: Data(text.utf8))
        else {
            throw PipelineError(
                problem: "\(source): the training state has no readable run description (extra/run); it was not written by 'ddpm train'")
        }
        self = recipe
    }

    /// The network's configuration.
    ///
    /// - Throws: what `DenoiserConfig.parse` throws for a stored configuration it cannot read.
    public func network() throws -> DenoiserConfig { try DenoiserConfig.parse(Data(modelConfig.utf8)) }

    /// The noise schedule's configuration.
    ///
    /// - Throws: what `SchedulerConfig.parse` throws for a stored configuration it cannot read.
    public func schedulerConfig() throws -> SchedulerConfig { try SchedulerConfig.parse(Data(scheduler.utf8)) }
}
