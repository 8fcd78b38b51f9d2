import Datasets
import Diffusion
import Foundation

/// What a user says about a training run (the `ddpm train` flags, or the
/// same from Swift), before the defaults that depend on the data are filled
/// in. `TrainingRecipe(choosing:)` turns it into a recipe.
public struct TrainingChoices: Sendable {
    /// The data source (`DataSource(parsing:)`): `mnist`, `digits`, `cifar10:…`, a folder, an IDX file, `toy:…`.
    public var data: String
    /// A U-Net preset (`UNetConfig.presetNames`); nil: chosen by the data.
    public var preset: String?
    /// A network `config.json`'s bytes and where they came from, instead of a preset.
    public var networkConfig: (data: Data, source: String)?
    /// How σ_t² is chosen (`--variance`).
    public var variance: VarianceType = .fixedSmall
    /// What the network predicts (`--prediction`).
    public var prediction: PredictionType = .epsilon
    /// `true`: the cosine schedule (`squaredcos_cap_v2`); else linear.
    public var cosineSchedule = false
    /// T, the training timesteps (`--timesteps`).
    public var timesteps = 1000
    /// Rescale the betas to zero terminal SNR (Lin et al. 2024).
    public var rescaleZeroTerminalSNR = false
    /// Self-conditioning (Chen et al. 2022): the U-Net also reads its last x̂0.
    public var selfCondition = false
    /// Class-conditional on the data's labels, dropped with `classDropout` for guidance.
    public var conditional = false
    /// The share of labels replaced by the null class (`--class-dropout`).
    public var classDropout = 0.1
    /// nil: 256 for toy points, 32 for images.
    public var batchSize: Int?
    /// Mirror images left–right at random (`--flip`).
    public var horizontalFlip = false
    /// Resize / centre-crop a folder's images to this size.
    public var imageSize: Int?
    /// The run's seed (`--seed`).
    public var seed: UInt64 = 0
    /// Decode a folder batch by batch.
    public var stream = false

    /// The choices for `data` with every other default.
    public init(data: String) {
        self.data = data
    }
}

extension TrainingRecipe {
    /// The recipe for `choices`: an MLP for toy points, else a U-Net — the
    /// given config, or the preset (by default `digits-tiny` for the 8×8
    /// digits, `rgb32-tiny` for CIFAR, `mnist-tiny` otherwise) with as many
    /// output channels as the variance type needs; self-conditioning doubles
    /// its input channels; a conditional run sizes its class embedding for
    /// the data's classes and a null class. Mismatches are refused with what
    /// would fit.
    public init(choosing choices: TrainingChoices) throws {
        let source = try DataSource(parsing: choices.data)
        let isToy: Bool
        if case .toy = source { isToy = true } else { isToy = false }
        if choices.conditional, isToy { throw PipelineError(problem: "--conditional needs labelled images; toy data has no classes") }
        let conditioning =
            choices.conditional
            ? try Self.conditioning(
                of: source, data: choices.data, imageSize: choices.imageSize,
                dropout: choices.classDropout)
            : nil
        let varianceType = choices.variance
        let network: DenoiserConfig
        if isToy {
            if choices.preset != nil {
                throw PipelineError(
                    problem: "--preset names U-Nets for images; toy data trains an MLP (use --model-config for an MLP config)")
            }
            if choices.selfCondition {
                throw PipelineError(problem: "--self-condition is for U-Nets on images; toy data trains an MLP")
            }
            var config = MLPDenoiserConfig(outputFactor: varianceType.outputChannelFactor)
            if let given = choices.networkConfig {
                config = try MLPDenoiserConfig.parse(given.data, source: given.source)
            }
            network = .mlp(config)
        } else {
            var config: UNetConfig
            if let given = choices.networkConfig {
                config = try UNetConfig.parse(given.data, source: given.source).config
            } else {
                let name: String
                switch source {
                case .bundled(.digits): name = choices.preset ?? "digits-tiny"
                case .cifar: name = choices.preset ?? "rgb32-tiny"
                default: name = choices.preset ?? "mnist-tiny"
                }
                config = try UNetConfig.preset(named: name)
                config.outChannels = config.inChannels * varianceType.outputChannelFactor
            }
            let configName = choices.networkConfig?.source ?? "the network"
            if choices.selfCondition, !config.selfCondition {
                config.selfCondition = true
                config.inChannels *= 2
            }
            if let conditioning {
                if let rows = config.numClassEmbeds, rows != conditioning.embeddingCount {
                    throw PipelineError(
                        problem: "\(configName): num_class_embeds is \(rows), but \(conditioning.classCount) "
                            + "classes and the null class need \(conditioning.embeddingCount)")
                }
                config.numClassEmbeds = conditioning.embeddingCount
            } else if let rows = config.numClassEmbeds {
                throw PipelineError(problem: "\(configName) is class-conditional (num_class_embeds \(rows)); train it with --conditional")
            }
            guard config.outChannels == config.imageChannels * varianceType.outputChannelFactor else {
                throw PipelineError(
                    problem: "the network has \(config.outChannels) output channels for \(config.imageChannels)-channel images; "
                        + "--variance \(varianceType.rawValue) needs \(config.imageChannels * varianceType.outputChannelFactor)")
            }
            network = .unet(config)
        }
        var scheduler = SchedulerConfig(
            trainTimesteps: choices.timesteps, betaSchedule: choices.cosineSchedule ? "squaredcos_cap_v2" : "linear",
            prediction: choices.prediction, variance: varianceType, clipSample: !isToy)
        scheduler.rescaleBetasZeroSNR = choices.rescaleZeroTerminalSNR
        try self.init(
            data: choices.data, batchSize: choices.batchSize ?? (isToy ? 256 : 32),
            horizontalFlip: choices.horizontalFlip, imageSize: choices.imageSize, toySamples: 16384,
            network: network, scheduler: scheduler, seed: choices.seed, conditioning: conditioning,
            stream: choices.stream)
    }

    /// The classes of the training data (its class names, or "0"… for
    /// numeric labels) and the null class after them.
    public static func conditioning(
        of source: DataSource, data: String, imageSize: Int?,
        dropout: Double
    ) throws -> ClassConditioning {
        // A folder's classes are its sub-folders: listed, not decoded (a streamed folder may not fit in memory).
        if case .imageFolder(let path) = source {
            let listing = try ImageFolder.Listing(path: path, options: ImageFolder.Options(imageSize: imageSize))
            guard let names = listing.classNames, !names.isEmpty else {
                throw PipelineError(problem: "--conditional: \(data) has no class labels (an image folder needs one sub-folder per class)")
            }
            return ClassConditioning(classNames: names, classDropout: dropout)
        }
        let (dataset, _) = try source.loadImages(split: .train, folderOptions: ImageFolder.Options(imageSize: imageSize))
        guard dataset.labels != nil, let count = dataset.classCount, count >= 1 else {
            throw PipelineError(
                problem: "--conditional: \(data) has no class labels (an image folder needs one sub-folder per class; "
                    + "an IDX file needs its labels file beside it)")
        }
        return ClassConditioning(classNames: dataset.classNames ?? (0..<count).map(String.init), classDropout: dropout)
    }
}
