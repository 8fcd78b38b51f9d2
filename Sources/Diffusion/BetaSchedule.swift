import Foundation

/// A rule that produces the β array of a noise schedule for any number of
/// steps T (DDPM §4: linear, 1e-4 to 0.02 over T = 1000; Nichol & Dhariwal
/// 2021: cosine). Index `i` of the result is the paper's `β_{i+1}` (0-based,
/// as diffusers).
public enum BetaSchedule: Equatable, Sendable {
    /// DDPM: β evenly spaced from `start` to `end` (diffusers "linear"; not rescaled with T).
    case linear(start: Double = 1e-4, end: Double = 0.02)
    /// β = (evenly spaced from √start to √end)² (diffusers "scaled_linear").
    case scaledLinear(start: Double = 1e-4, end: Double = 0.02)
    /// Improved DDPM: `ᾱ(t) = f(t)/f(0)`, `f(t) = cos²((t/T + s)/(1 + s) · π/2)`,
    /// `β_i = min(1 − ᾱ((i+1)/T)/ᾱ(i/T), maxBeta)` (diffusers "squaredcos_cap_v2").
    case cosine(offset: Double = 0.008, maxBeta: Double = 0.999)
    /// β = sigmoid(evenly spaced from −6 to 6) · (end − start) + start (diffusers "sigmoid").
    case sigmoid(start: Double = 1e-4, end: Double = 0.02)
    /// A given β array; T must equal its length.
    case explicit([Double])

    /// The names accepted by `init(name:start:end:)`.
    public static let names = ["linear", "scaled_linear", "cosine", "squaredcos_cap_v2", "sigmoid"]

    /// The schedule with a diffusers-style name; `start`/`end` apply to the
    /// linear, scaled-linear and sigmoid schedules.
    ///
    /// - Throws: ``DiffusionError/unknownName(kind:name:accepted:)`` for a name not in ``names``.
    public init(name: String, start: Double = 1e-4, end: Double = 0.02) throws {
        switch name {
        case "linear": self = .linear(start: start, end: end)
        case "scaled_linear": self = .scaledLinear(start: start, end: end)
        case "cosine", "squaredcos_cap_v2": self = .cosine()
        case "sigmoid": self = .sigmoid(start: start, end: end)
        default: throw DiffusionError.unknownName(kind: "beta schedule", name: name, accepted: Self.names)
        }
    }

    /// The β array for `timesteps` steps, computed in Double.
    ///
    /// - Throws: ``DiffusionError/invalidParameter(name:value:accepted:)`` for fewer than one step, parameters out of range, or an explicit array of another length.
    public func betas(timesteps: Int) throws -> [Double] {
        guard timesteps >= 1 else {
            throw DiffusionError.invalidParameter(name: "number of timesteps T", value: "\(timesteps)", accepted: "an integer ≥ 1")
        }
        let count = timesteps
        /// `count` values evenly spaced from `a` to `b`, both included (numpy.linspace).
        func evenlySpaced(_ a: Double, _ b: Double) -> [Double] {
            guard count > 1 else { return [a] }
            let step = (b - a) / Double(count - 1)
            return (0..<count).map { $0 == count - 1 ? b : a + Double($0) * step }
        }
        switch self {
        case let .linear(start, end):
            return evenlySpaced(start, end)
        case let .scaledLinear(start, end):
            guard start >= 0, end >= 0 else {
                throw DiffusionError.invalidParameter(
                    name: "scaled_linear start/end", value: "\(start)/\(end)", accepted: "non-negative values")
            }
            return evenlySpaced(start.squareRoot(), end.squareRoot()).map { $0 * $0 }
        case let .cosine(offset, maxBeta):
            guard offset >= 0, maxBeta > 0, maxBeta < 1 else {
                throw DiffusionError.invalidParameter(
                    name: "cosine offset/maxBeta", value: "\(offset)/\(maxBeta)", accepted: "offset ≥ 0 and 0 < maxBeta < 1")
            }
            func f(_ t: Double) -> Double {
                let c = Foundation.cos((t + offset) / (1 + offset) * Double.pi / 2)
                return c * c
            }
            return (0..<count).map { i in
                Swift.min(1 - f(Double(i + 1) / Double(count)) / f(Double(i) / Double(count)), maxBeta)
            }
        case let .sigmoid(start, end):
            return evenlySpaced(-6, 6).map { 1 / (1 + Foundation.exp(-$0)) * (end - start) + start }
        case let .explicit(values):
            guard values.count == count else {
                throw DiffusionError.invalidParameter(
                    name: "number of timesteps T", value: "\(timesteps)", accepted: "the length of the explicit beta array, \(values.count)"
                )
            }
            return values
        }
    }
}
