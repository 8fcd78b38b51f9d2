import NN

/// How the learning rate decays after the warmup, spread over the run's
/// `steps` (saved with the run; `LearningRateSchedule` holds the formulas).
/// Resuming with more `--steps` stretches the decay to the new end.
public enum LearningRateDecay: Codable, Equatable, Sendable {
    /// The base rate throughout (diffusers' `constant_with_warmup`).
    case constant
    /// Linearly to zero at the last step (`linear`).
    case linear
    /// `cycles` cosine half-periods to zero; 1 is diffusers' `cosine`, more is
    /// `cosine_with_restarts` (hard restarts).
    case cosine(cycles: Int)
    /// `(η − endRate)·(1 − p)^power + endRate` (`polynomial`).
    case polynomial(power: Double, endRate: Double)

    /// The schedule for a run of `totalSteps` steps.
    public func schedule(baseRate: Double, warmupSteps: Int, totalSteps: Int) throws -> LearningRateSchedule {
        let decay: LearningRateSchedule.Decay
        switch self {
        case .constant: decay = .constant
        case .linear: decay = .linear(totalSteps: totalSteps)
        case let .cosine(cycles) where cycles == 1: decay = .cosine(totalSteps: totalSteps)
        case let .cosine(cycles): decay = .cosineWithRestarts(totalSteps: totalSteps, cycles: cycles)
        case let .polynomial(power, endRate): decay = .polynomial(totalSteps: totalSteps, power: power, endRate: Float(endRate))
        }
        return try LearningRateSchedule(baseRate: Float(baseRate), warmupSteps: warmupSteps, decay: decay)
    }
}
