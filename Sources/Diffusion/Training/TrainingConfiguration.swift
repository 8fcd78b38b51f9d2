import Foundation
import NN

/// The settings of a training run that change how the weights evolve: the
/// optimiser (AdamW with linear warmup), gradient clipping, the EMA decay, the
/// loss, the seed of the timestep/noise draws, the number of steps and how
/// often to checkpoint, and for a class-conditional network the label dropout
/// of classifier-free guidance, and the options of the objective (loss
/// weighting, offset noise, input perturbation), the learning-rate decay and
/// the EMA warmup and rates. Saved with every checkpoint; settings left at their
/// defaults are not written, so files of runs without them read and compare
/// exactly as before.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The training objective; `hybrid` uses λ = 0.001 (Improved DDPM).
    public enum Loss: String, Codable, CaseIterable, Sendable {
        /// L_simple (DDPM eq. 14).
        case simple
        /// L_simple + λ L_vlb with λ = 0.001 (Improved DDPM), for a learned variance.
        case hybrid

        /// The loss it names: L_simple, or the hybrid with λ = 0.001.
        public var kind: LossKind { self == .simple ? .simple : .hybrid(lambda: 0.001) }
    }

    /// Optimiser updates in the whole run.
    public var steps: Int
    /// AdamW's base learning rate.
    public var learningRate: Double
    /// Steps of linear warmup from 0 to the base rate.
    public var warmupSteps: Int
    /// AdamW's decoupled weight decay.
    public var weightDecay: Double
    /// The largest global gradient norm (clipped above it), or nil for none.
    public var gradientClip: Double?
    /// The EMA's target decay (diffusers' `EMAModel` warmup `(1 + k)/(10 + k)` below it).
    public var emaDecay: Double
    /// The training objective.
    public var loss: Loss
    /// Seed of the timestep and noise draws.
    public var seed: UInt64
    /// Write a checkpoint every this many steps (and always at the end).
    public var checkpointEvery: Int
    /// Feed class labels to the model (a class-conditional network).
    public var classConditional: Bool
    /// The probability p with which each label is replaced by `nullClass`
    /// (label dropout, so one network learns the conditional and the
    /// unconditional prediction; Ho & Salimans 2022). 0 turns it off.
    public var classDropout: Double
    /// The label of the unconditional class (needed when `classDropout` > 0).
    public var nullClass: Int?
    /// Loss weighting, offset noise, input perturbation.
    public var lossOptions = TrainingLossOptions()
    /// What the learning rate does after the warmup.
    public var learningRateDecay = LearningRateDecay.constant
    /// How the EMA decay grows at the start (diffusers' `(1 + k)/(10 + k)` by default).
    public var emaWarmup = ExponentialMovingAverage.Warmup.ratio
    /// Numbered snapshots of the training state kept besides the rolling one (0 = none).
    public var keepCheckpoints = 0
    /// Draw timesteps by the second moment of their recent losses (`ImportanceSampledTimesteps`).
    public var importanceSampling = false
    /// Further EMA decays averaged beside `emaDecay`, each with the same warmup
    /// (improved-diffusion's `--ema_rate 0.999,0.9999`); one model folder each.
    public var additionalEMADecays: [Double] = []
    /// Micro-batches per optimiser step: the batch is split into this many parts,
    /// their gradients summed before the step (for memory, and the one-process
    /// twin of data-parallel training over as many processes).
    public var accumulationSteps = 1
    /// How each step's timesteps and noise are drawn (`TrainingNoise`): per
    /// example for new runs; runs saved before that read as `.batchOrder` and
    /// continue as they began.
    public var noiseDraws = NoiseDraws.perExample

    /// How a step's random part is drawn.
    public enum NoiseDraws: String, Codable, Sendable {
        /// One generator for the batch, in batch order (runs saved before per-example draws).
        case batchOrder
        /// Example i of step s from its own stream (seed, s, i): the same draws however the
        /// batch is split over micro-batches or processes.
        case perExample
    }

    /// A configuration; the learning rate's default, 2·10⁻⁴, is DDPM's.
    public init(
        steps: Int, learningRate: Double = 2e-4, warmupSteps: Int = 0, weightDecay: Double = 0,
        gradientClip: Double? = 1, emaDecay: Double = 0.999, loss: Loss = .simple, seed: UInt64 = 0,
        checkpointEvery: Int = 500, classConditional: Bool = false, classDropout: Double = 0,
        nullClass: Int? = nil
    ) {
        self.steps = steps
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
        self.loss = loss
        self.seed = seed
        self.checkpointEvery = checkpointEvery
        self.classConditional = classConditional
        self.classDropout = classDropout
        self.nullClass = nullClass
    }

    enum CodingKeys: String, CodingKey {
        case steps, learningRate, warmupSteps, weightDecay, gradientClip, emaDecay, loss, seed, checkpointEvery
        case classConditional, classDropout, nullClass
        case lossWeighting, offsetNoise, inputPerturbation, learningRateDecay, emaWarmup, keepCheckpoints
        case importanceSampling, additionalEMADecays, accumulationSteps, noiseDraws
    }

    /// Writes every setting (as stored in checkpoints).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(warmupSteps, forKey: .warmupSteps)
        try container.encode(weightDecay, forKey: .weightDecay)
        try container.encodeIfPresent(gradientClip, forKey: .gradientClip)
        try container.encode(emaDecay, forKey: .emaDecay)
        try container.encode(loss, forKey: .loss)
        try container.encode(seed, forKey: .seed)
        try container.encode(checkpointEvery, forKey: .checkpointEvery)
        try container.encode(classConditional, forKey: .classConditional)
        try container.encode(classDropout, forKey: .classDropout)
        try container.encodeIfPresent(nullClass, forKey: .nullClass)
        if lossOptions.weighting != .none { try container.encode(lossOptions.weighting, forKey: .lossWeighting) }
        if lossOptions.offsetNoise != 0 { try container.encode(lossOptions.offsetNoise, forKey: .offsetNoise) }
        if lossOptions.inputPerturbation != 0 { try container.encode(lossOptions.inputPerturbation, forKey: .inputPerturbation) }
        if learningRateDecay != .constant { try container.encode(learningRateDecay, forKey: .learningRateDecay) }
        if emaWarmup != .ratio { try container.encode(emaWarmup, forKey: .emaWarmup) }
        if keepCheckpoints != 0 { try container.encode(keepCheckpoints, forKey: .keepCheckpoints) }
        if importanceSampling { try container.encode(importanceSampling, forKey: .importanceSampling) }
        if !additionalEMADecays.isEmpty { try container.encode(additionalEMADecays, forKey: .additionalEMADecays) }
        if accumulationSteps != 1 { try container.encode(accumulationSteps, forKey: .accumulationSteps) }
        if noiseDraws != .batchOrder { try container.encode(noiseDraws, forKey: .noiseDraws) }
    }

    /// Decodes saved settings; files written before label dropout existed read as p = 0.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        steps = try container.decode(Int.self, forKey: .steps)
        learningRate = try container.decode(Double.self, forKey: .learningRate)
        warmupSteps = try container.decode(Int.self, forKey: .warmupSteps)
        weightDecay = try container.decode(Double.self, forKey: .weightDecay)
        gradientClip = try container.decodeIfPresent(Double.self, forKey: .gradientClip)
        emaDecay = try container.decode(Double.self, forKey: .emaDecay)
        loss = try container.decode(Loss.self, forKey: .loss)
        seed = try container.decode(UInt64.self, forKey: .seed)
        checkpointEvery = try container.decode(Int.self, forKey: .checkpointEvery)
        classConditional = try container.decode(Bool.self, forKey: .classConditional)
        classDropout = try container.decodeIfPresent(Double.self, forKey: .classDropout) ?? 0
        nullClass = try container.decodeIfPresent(Int.self, forKey: .nullClass)
        lossOptions = TrainingLossOptions(
            weighting: try container.decodeIfPresent(LossWeighting.self, forKey: .lossWeighting) ?? .none,
            offsetNoise: try container.decodeIfPresent(Double.self, forKey: .offsetNoise) ?? 0,
            inputPerturbation: try container.decodeIfPresent(Double.self, forKey: .inputPerturbation) ?? 0)
        learningRateDecay = try container.decodeIfPresent(LearningRateDecay.self, forKey: .learningRateDecay) ?? .constant
        emaWarmup = try container.decodeIfPresent(ExponentialMovingAverage.Warmup.self, forKey: .emaWarmup) ?? .ratio
        keepCheckpoints = try container.decodeIfPresent(Int.self, forKey: .keepCheckpoints) ?? 0
        importanceSampling = try container.decodeIfPresent(Bool.self, forKey: .importanceSampling) ?? false
        additionalEMADecays = try container.decodeIfPresent([Double].self, forKey: .additionalEMADecays) ?? []
        accumulationSteps = try container.decodeIfPresent(Int.self, forKey: .accumulationSteps) ?? 1
        noiseDraws = try container.decodeIfPresent(NoiseDraws.self, forKey: .noiseDraws) ?? .batchOrder
    }

    /// Throws `TrainingError.invalidSetting` for the first value out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ value: Any, _ accepted: String) throws {
            if !ok { throw TrainingError.invalidSetting(name: name, value: "\(value)", accepted: accepted) }
        }
        try check(steps >= 1, "steps", steps, "an integer ≥ 1")
        try check(learningRate.isFinite && learningRate > 0, "learning rate", learningRate, "a finite number > 0")
        try check(warmupSteps >= 0, "warmup steps", warmupSteps, "an integer ≥ 0")
        try check(weightDecay.isFinite && weightDecay >= 0, "weight decay", weightDecay, "a finite number ≥ 0")
        if let gradientClip {
            try check(gradientClip.isFinite && gradientClip > 0, "gradient clip", gradientClip, "a finite number > 0")
        }
        try check(emaDecay.isFinite && emaDecay >= 0 && emaDecay < 1, "EMA decay", emaDecay, "a number in [0, 1)")
        for decay in additionalEMADecays {
            try check(decay.isFinite && decay >= 0 && decay < 1, "EMA decay", decay, "a number in [0, 1)")
        }
        try check(
            Set([emaDecay] + additionalEMADecays).count == additionalEMADecays.count + 1, "EMA decays",
            ([emaDecay] + additionalEMADecays).map { "\($0)" }.joined(separator: ","), "different rates")
        try check(checkpointEvery >= 1, "checkpoint interval", checkpointEvery, "an integer ≥ 1")
        try check(accumulationSteps >= 1, "micro-batches per step", accumulationSteps, "an integer ≥ 1")
        try check(
            accumulationSteps == 1 || noiseDraws == .perExample, "micro-batches per step", accumulationSteps,
            "1 for a run whose noise is drawn in batch order (saved before per-example draws)")
        try check(keepCheckpoints >= 0, "numbered checkpoints to keep", keepCheckpoints, "an integer ≥ 0 (0 = none)")
        try check(
            classDropout.isFinite && classDropout >= 0 && classDropout <= 1, "class dropout", classDropout,
            "a probability in [0, 1]")
        try check(
            lossOptions.offsetNoise.isFinite && lossOptions.offsetNoise >= 0, "offset noise",
            lossOptions.offsetNoise, "a finite number ≥ 0 (0.1 is usual)")
        try check(
            lossOptions.inputPerturbation.isFinite && lossOptions.inputPerturbation >= 0, "input perturbation",
            lossOptions.inputPerturbation, "a finite number ≥ 0 (0.1 is usual)")
        switch lossOptions.weighting {
        case let .minSNR(gamma), let .softMinSNR(gamma):
            try check(gamma.isFinite && gamma > 0, "SNR γ", gamma, "a finite number > 0 (5 is usual)")
        case let .p2(k, gamma):
            try check(
                k.isFinite && k > 0 && gamma.isFinite && gamma >= 0, "P2 weighting", "k \(k), γ \(gamma)",
                "k > 0 and γ ≥ 0")
        case .none, .signalToNoise:
            break
        }
        do {
            _ = try learningRateDecay.schedule(baseRate: learningRate, warmupSteps: warmupSteps, totalSteps: steps)
        } catch {
            throw TrainingError.invalidSetting(name: "learning-rate schedule", value: "\(learningRateDecay)", accepted: "\(error)")
        }
        if classDropout > 0 {
            try check(classConditional, "class dropout", classDropout, "0 for an unconditional network")
            try check(
                nullClass.map { $0 >= 0 } ?? false, "null class", nullClass.map(String.init) ?? "none",
                "a label ≥ 0 when the class dropout is above 0")
        }
    }

    /// The settings as JSON (sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
