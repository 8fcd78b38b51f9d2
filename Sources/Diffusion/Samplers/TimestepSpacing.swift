import Foundation

/// How N inference timesteps are picked from T training timesteps, as
/// diffusers' `DDIMScheduler.set_timesteps` (`timestep_spacing`). Lists come
/// out in sampling order (descending). numpy's round-half-to-even is kept.
public enum TimestepSpacing: String, CaseIterable, Sendable {
    /// `[0, k, 2k, …] + offset` with `k = T // N` (diffusers' default).
    case leading
    /// `round(T, T − T/N, …) − 1`: always starts at T − 1.
    case trailing
    /// `round(linspace(0, T − 1, N))`.
    case linspace

    /// The spacing with a diffusers name ("leading", "trailing", "linspace").
    ///
    /// - Throws: ``DiffusionError/unknownName(kind:name:accepted:)`` for another name.
    public init(name: String) throws {
        guard let value = TimestepSpacing(rawValue: name) else {
            throw DiffusionError.unknownName(kind: "timestep spacing", name: name, accepted: Self.allCases.map(\.rawValue))
        }
        self = value
    }

    /// The `steps` timesteps, descending, for `trainingSteps` training timesteps.
    ///
    /// - Throws: ``DiffusionError/invalidParameter(name:value:accepted:)`` for steps outside 1…T or an offset that leaves `0..<T`.
    public func timesteps(steps: Int, trainingSteps: Int, offset: Int = 0) throws -> [Int] {
        guard trainingSteps >= 1 else {
            throw DiffusionError.invalidParameter(name: "training timesteps T", value: "\(trainingSteps)", accepted: "an integer ≥ 1")
        }
        guard steps >= 1, steps <= trainingSteps else {
            throw DiffusionError.invalidParameter(
                name: "number of sampling steps", value: "\(steps)",
                accepted: "an integer in 1...\(trainingSteps) (the training timesteps)")
        }
        let result: [Int]
        switch self {
        case .leading:
            let ratio = trainingSteps / steps
            result = (0..<steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            let ratio = Double(trainingSteps) / Double(steps)
            let count = Int((Double(trainingSteps) / ratio).rounded(.up))
            result = (0..<count).map { Int((Double(trainingSteps) - Double($0) * ratio).rounded(.toNearestOrEven)) - 1 }
        case .linspace:
            result = Self.evenlySpaced(0, Double(trainingSteps - 1), count: steps).reversed()
                .map { Int($0.rounded(.toNearestOrEven)) }
        }
        if let bad = result.first(where: { $0 < 0 || $0 >= trainingSteps }) {
            throw DiffusionError.invalidParameter(
                name: "timestep offset", value: "\(offset)",
                accepted: "an offset that keeps every timestep in 0..<\(trainingSteps) (got \(bad))")
        }
        return result
    }

    /// numpy.linspace(a, b, count).
    static func evenlySpaced(_ a: Double, _ b: Double, count: Int) -> [Double] {
        guard count > 1 else { return [a] }
        let step = (b - a) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? b : a + Double($0) * step }
    }
}
