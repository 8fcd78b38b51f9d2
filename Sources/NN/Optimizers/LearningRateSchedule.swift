import Foundation

/// A learning rate as a function of the optimiser step: linear warmup from 0,
/// then constant or cosine decay, as diffusers' `get_constant_schedule_with_warmup`
/// and `get_cosine_schedule_with_warmup` (PyTorch `LambdaLR` conventions).
///
/// `rate(atStep: s)` is the rate for the update that follows `s` completed
/// updates, so the very first update (s = 0) uses rate 0 when warming up:
///
///     warmup:  η·s/W                                    for s < W
///     then:    η                                        (constant)
///              η·½(1 + cos(π·min(1, (s − W)/(T − W))))  (cosine, T = total steps)
///
/// Unlike diffusers, whose cosine rises again past `T`, the rate stays 0 there.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// What happens after the warmup.
    public enum Decay: Codable, Equatable, Sendable {
        /// The base rate from then on.
        case constant
        /// Half a cosine period from the base rate to zero at `totalSteps`, zero after.
        case cosine(totalSteps: Int)
    }

    public var baseRate: Float
    public var warmupSteps: Int
    public var decay: Decay

    /// - Throws: `OptimizerConfigurationError` for a negative or non-finite
    ///   rate, negative warmup, or a cosine length not greater than the warmup.
    public init(baseRate: Float, warmupSteps: Int = 0, decay: Decay = .constant) throws {
        guard baseRate >= 0, baseRate.isFinite else {
            throw OptimizerConfigurationError("learning rate must be finite and ≥ 0, got \(baseRate)")
        }
        guard warmupSteps >= 0 else {
            throw OptimizerConfigurationError("warmup steps must be ≥ 0, got \(warmupSteps)")
        }
        if case .cosine(let total) = decay, total <= warmupSteps {
            throw OptimizerConfigurationError("cosine decay: total steps \(total) must exceed the \(warmupSteps) warmup steps")
        }
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.decay = decay
    }

    /// The multiplier of the base rate for the update after `step` completed updates.
    public func factor(atStep step: Int) -> Double {
        let s = Swift.max(step, 0)
        if s < warmupSteps { return Double(s) / Double(warmupSteps) }
        switch decay {
        case .constant:
            return 1
        case .cosine(let total):
            let progress = Swift.min(1, Double(s - warmupSteps) / Double(Swift.max(1, total - warmupSteps)))
            return 0.5 * (1 + Foundation.cos(Double.pi * progress))
        }
    }

    /// The learning rate for the update after `step` completed updates.
    public func rate(atStep step: Int) -> Float {
        Float(Double(baseRate) * factor(atStep: step))
    }
}
