import Tensors

/// What the network predicts: the noise ε (tutorial eq. 101–102 and 107),
/// the clean sample x0 (the other mean of the tutorial's last paragraph), or
/// the velocity `v = √ᾱ_t ε − √(1−ᾱ_t) x0` (Salimans & Ho 2022). Raw values
/// are diffusers' names.
public enum PredictionType: String, CaseIterable, Sendable {
    /// The noise ε (DDPM's ε-parameterisation).
    case epsilon
    /// The clean sample x0.
    case sample
    /// The velocity v = √ᾱ_t ε − √(1−ᾱ_t) x0 (diffusers' "v_prediction").
    case velocity = "v_prediction"

    /// The type with a diffusers name ("epsilon", "sample", "v_prediction").
    ///
    /// - Throws: ``DiffusionError/unknownName(kind:name:accepted:)`` for another name.
    public init(name: String) throws {
        guard let value = PredictionType(rawValue: name) else {
            throw DiffusionError.unknownName(kind: "prediction type", name: name, accepted: Self.allCases.map(\.rawValue))
        }
        self = value
    }
}

/// Conversions among x0, ε and v at each example's timestep.
extension NoiseSchedule {
    /// `x̂0 = (x_t − √(1−ᾱ_t) ε) / √ᾱ_t` (T text after 86).
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch, or ᾱ_t = 0 at a timestep (zero terminal SNR).
    public func x0(fromEpsilon epsilon: Tensor, xt: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: xt, operation: "x0(fromEpsilon:)")
        try validateSameShape(xt, epsilon, operation: "x0(fromEpsilon:)")
        if let t = timesteps.first(where: { double.alphaBar[$0] == 0 }) {
            throw DiffusionError.invalidTimesteps(
                operation: "x0(fromEpsilon:)",
                reason: "ᾱ = 0 at timestep \(t) (zero terminal SNR): x̂0 = (x_t − √(1−ᾱ) ε̂)/√ᾱ divides by zero; "
                    + "use v- or x0-prediction with a zero-terminal-SNR schedule")
        }
        let r = xt.rank
        return xt * coefficient(double.sqrtAlphaBar.map { 1 / $0 }, at: timesteps, rank: r)
            - epsilon * coefficient((0..<count).map { double.sqrtOneMinusAlphaBar[$0] / double.sqrtAlphaBar[$0] }, at: timesteps, rank: r)
    }

    /// `ε̂ = (x_t − √ᾱ_t x0) / √(1−ᾱ_t)`.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func epsilon(fromX0 x0: Tensor, xt: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: xt, operation: "epsilon(fromX0:)")
        try validateSameShape(xt, x0, operation: "epsilon(fromX0:)")
        let r = xt.rank
        return xt * coefficient(double.sqrtOneMinusAlphaBar.map { 1 / $0 }, at: timesteps, rank: r)
            - x0 * coefficient((0..<count).map { double.sqrtAlphaBar[$0] / double.sqrtOneMinusAlphaBar[$0] }, at: timesteps, rank: r)
    }

    /// `v = √ᾱ_t ε − √(1−ᾱ_t) x0`.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func velocity(x0: Tensor, epsilon: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: x0, operation: "velocity(x0:epsilon:)")
        try validateSameShape(x0, epsilon, operation: "velocity(x0:epsilon:)")
        return epsilon * coefficient(double.sqrtAlphaBar, at: timesteps, rank: x0.rank)
            - x0 * coefficient(double.sqrtOneMinusAlphaBar, at: timesteps, rank: x0.rank)
    }

    /// `x̂0 = √ᾱ_t x_t − √(1−ᾱ_t) v̂`.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func x0(fromVelocity velocity: Tensor, xt: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: xt, operation: "x0(fromVelocity:)")
        try validateSameShape(xt, velocity, operation: "x0(fromVelocity:)")
        return xt * coefficient(double.sqrtAlphaBar, at: timesteps, rank: xt.rank)
            - velocity * coefficient(double.sqrtOneMinusAlphaBar, at: timesteps, rank: xt.rank)
    }

    /// `ε̂ = √(1−ᾱ_t) x_t + √ᾱ_t v̂`.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func epsilon(fromVelocity velocity: Tensor, xt: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: xt, operation: "epsilon(fromVelocity:)")
        try validateSameShape(xt, velocity, operation: "epsilon(fromVelocity:)")
        return xt * coefficient(double.sqrtOneMinusAlphaBar, at: timesteps, rank: xt.rank)
            + velocity * coefficient(double.sqrtAlphaBar, at: timesteps, rank: xt.rank)
    }

    /// The (x̂0, ε̂) pair implied by a network prediction of the given type,
    /// both unclipped.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func interpret(
        _ prediction: Tensor, as type: PredictionType, xt: Tensor,
        timesteps: [Int]
    ) throws -> (x0: Tensor, epsilon: Tensor) {
        switch type {
        case .epsilon:
            return (try x0(fromEpsilon: prediction, xt: xt, timesteps: timesteps), prediction)
        case .sample:
            return (prediction, try epsilon(fromX0: prediction, xt: xt, timesteps: timesteps))
        case .velocity:
            return (
                try x0(fromVelocity: prediction, xt: xt, timesteps: timesteps),
                try epsilon(fromVelocity: prediction, xt: xt, timesteps: timesteps)
            )
        }
    }

    /// The training target of a prediction type for `(x0, ε)` at each example's timestep.
    ///
    /// - Throws: ``DiffusionError`` when the timesteps or shapes do not fit the batch.
    public func target(for type: PredictionType, x0: Tensor, epsilon: Tensor, timesteps: [Int]) throws -> Tensor {
        switch type {
        case .epsilon: return epsilon
        case .sample: return x0
        case .velocity: return try velocity(x0: x0, epsilon: epsilon, timesteps: timesteps)
        }
    }
}
