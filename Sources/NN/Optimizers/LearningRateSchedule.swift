import Foundation

/// A learning rate as a function of the optimiser step: linear warmup from 0,
/// then a decay, as diffusers' `get_scheduler` names (`constant_with_warmup`,
/// `linear`, `cosine`, `cosine_with_restarts`, `polynomial`; PyTorch `LambdaLR`
/// conventions).
///
/// `rate(atStep: s)` is the rate for the update that follows `s` completed
/// updates, so the very first update (s = 0) uses rate 0 when warming up.
/// With p = min(1, (s − W)/(T − W)) the progress after the warmup:
///
///     warmup:      η·s/W                                    for s < W
///     constant:    η
///     linear:      η·(1 − p)
///     cosine:      η·½(1 + cos(π·((c·p) mod 1)))  for p < 1, 0 at p = 1 (c cycles, hard restarts)
///     polynomial:  (η − η_end)·(1 − p)^k + η_end
///
/// Unlike diffusers, whose cosine rises again past `T`, the rate stays 0 there.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// What happens after the warmup.
    public enum Decay: Codable, Equatable, Sendable {
        /// The base rate from then on.
        case constant
        /// Half a cosine period from the base rate to zero at `totalSteps`, zero after.
        case cosine(totalSteps: Int)
        /// Straight down from the base rate to zero at `totalSteps`.
        case linear(totalSteps: Int)
        /// `cycles` cosine half-periods, each restarting at the base rate (hard restarts).
        case cosineWithRestarts(totalSteps: Int, cycles: Int)
        /// `(η − endRate)·(1 − p)^power + endRate`, then `endRate`.
        case polynomial(totalSteps: Int, power: Double, endRate: Float)

        /// The step at which the decay ends, if it has one.
        var totalSteps: Int? {
            switch self {
            case .constant: return nil
            case let .cosine(total), let .linear(total), let .cosineWithRestarts(total, _), let .polynomial(total, _, _):
                return total
            }
        }
    }

    /// The rate after warmup, before decay.
    public var baseRate: Float
    /// Steps over which the rate rises linearly from 0.
    public var warmupSteps: Int
    /// How the rate falls after warmup.
    public var decay: Decay

    /// A schedule rising from 0 to `baseRate` over `warmupSteps`, then following `decay`.
    ///
    /// - Throws: ``OptimizerConfigurationError`` for a negative or non-finite
    ///   rate, negative warmup, or a cosine length not greater than the warmup.
    public init(baseRate: Float, warmupSteps: Int = 0, decay: Decay = .constant) throws {
        guard baseRate >= 0, baseRate.isFinite else {
            throw OptimizerConfigurationError("learning rate must be finite and ≥ 0, got \(baseRate)")
        }
        guard warmupSteps >= 0 else {
            throw OptimizerConfigurationError("warmup steps must be ≥ 0, got \(warmupSteps)")
        }
        if let total = decay.totalSteps, total <= warmupSteps {
            throw OptimizerConfigurationError("learning-rate decay: total steps \(total) must exceed the \(warmupSteps) warmup steps")
        }
        if case let .cosineWithRestarts(_, cycles) = decay, cycles < 1 {
            throw OptimizerConfigurationError("cosine with restarts: cycles must be ≥ 1, got \(cycles)")
        }
        if case let .polynomial(_, power, endRate) = decay {
            guard power > 0, power.isFinite, endRate >= 0, endRate <= baseRate else {
                throw OptimizerConfigurationError(
                    "polynomial decay: need power > 0 and 0 ≤ end rate ≤ \(baseRate), got power \(power), end rate \(endRate)")
            }
        }
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.decay = decay
    }

    /// The multiplier of the base rate for the update after `step` completed updates.
    public func factor(atStep step: Int) -> Double {
        let s = Swift.max(step, 0)
        if s < warmupSteps { return Double(s) / Double(warmupSteps) }
        guard let total = decay.totalSteps else { return 1 }
        let progress = Swift.min(1, Double(s - warmupSteps) / Double(Swift.max(1, total - warmupSteps)))
        switch decay {
        case .constant:
            return 1
        case .cosine:
            return 0.5 * (1 + Foundation.cos(Double.pi * progress))
        case .linear:
            return 1 - progress
        case let .cosineWithRestarts(_, cycles):
            guard progress < 1 else { return 0 }
            let phase = (Double(cycles) * progress).truncatingRemainder(dividingBy: 1)
            return 0.5 * (1 + Foundation.cos(Double.pi * phase))
        case let .polynomial(_, power, endRate):
            guard baseRate > 0 else { return 0 }
            let end = Double(endRate) / Double(baseRate)
            return (1 - end) * Foundation.pow(1 - progress, power) + end
        }
    }

    /// The learning rate for the update after `step` completed updates.
    public func rate(atStep step: Int) -> Float {
        Float(Double(baseRate) * factor(atStep: step))
    }
}
