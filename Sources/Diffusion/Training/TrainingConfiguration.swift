import Foundation

/// The settings of a training run that change how the weights evolve: the
/// optimiser (AdamW with linear warmup), gradient clipping, the EMA decay, the
/// loss, the seed of the timestep/noise draws, the number of steps and how
/// often to checkpoint. Saved with every checkpoint.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The training objective; `hybrid` uses λ = 0.001 (Improved DDPM).
    public enum Loss: String, Codable, CaseIterable, Sendable {
        case simple
        case hybrid

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
    public var loss: Loss
    /// Seed of the timestep and noise draws.
    public var seed: UInt64
    /// Write a checkpoint every this many steps (and always at the end).
    public var checkpointEvery: Int
    /// Feed class labels to the model (a class-conditional network).
    public var classConditional: Bool

    public init(steps: Int, learningRate: Double = 2e-4, warmupSteps: Int = 0, weightDecay: Double = 0,
                gradientClip: Double? = 1, emaDecay: Double = 0.999, loss: Loss = .simple, seed: UInt64 = 0,
                checkpointEvery: Int = 500, classConditional: Bool = false) {
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
        try check(checkpointEvery >= 1, "checkpoint interval", checkpointEvery, "an integer ≥ 1")
    }

    /// The settings as JSON (sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
