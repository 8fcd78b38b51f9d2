import Foundation
import Tensors

/// The forward (noising) process of tutorial eq. 1 (DDPM eq. 2):
/// one step `q(x_t|x_{t−1}) = N(√(1−β_t) x_{t−1}, β_t I)` (T 1) and the
/// closed form `q(x_t|x0) = N(√ᾱ_t x0, (1−ᾱ_t) I)` (T 37, 49–50), batched with
/// one 0-based timestep per example and any data shape `[B, …]`.
extension NoiseSchedule {
    /// The one-step kernel `q(x_t | x_{t−1})` at each example's timestep.
    ///
    /// - Parameters:
    ///   - previous: x_{t−1}, a batch `[B, …]`.
    ///   - timesteps: one 0-based timestep per example (the paper's t − 1).
    /// - Returns: N(√(1−β_t) x_{t−1}, β_t I), the variance one value per example.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func oneStepDistribution(previous: Tensor, timesteps: [Int]) throws -> DiagonalGaussian {
        try validate(timesteps: timesteps, for: previous, operation: "oneStepDistribution")
        let scale = coefficient(double.alphas.map { $0.squareRoot() }, at: timesteps, rank: previous.rank)
        return DiagonalGaussian(
            mean: previous * scale,
            variance: coefficient(double.betas, at: timesteps, rank: previous.rank),
            logVariance: coefficient(double.logBetas, at: timesteps, rank: previous.rank))
    }

    /// `x_t = √(1−β_t) x_{t−1} + √β_t ε` for the given noise ε.
    ///
    /// - Parameters:
    ///   - previous: x_{t−1}, a batch `[B, …]`.
    ///   - timesteps: one 0-based timestep per example.
    ///   - noise: ε ~ N(0, I), the shape of `previous`.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func oneStepSample(previous: Tensor, timesteps: [Int], noise: Tensor) throws -> Tensor {
        try validateSameShape(previous, noise, operation: "oneStepSample")
        let q = try oneStepDistribution(previous: previous, timesteps: timesteps)
        return q.mean + noise * coefficient(double.betas.map { $0.squareRoot() }, at: timesteps, rank: previous.rank)
    }

    /// The closed-form marginal `q(x_t | x0)` at each example's timestep.
    ///
    /// - Parameters:
    ///   - x0: the clean batch `[B, …]`, in [−1, 1] for images.
    ///   - timesteps: one 0-based timestep per example.
    /// - Returns: N(√ᾱ_t x0, (1 − ᾱ_t) I), the variance one value per example.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func marginalDistribution(x0: Tensor, timesteps: [Int]) throws -> DiagonalGaussian {
        try validate(timesteps: timesteps, for: x0, operation: "marginalDistribution")
        return DiagonalGaussian(
            mean: x0 * coefficient(double.sqrtAlphaBar, at: timesteps, rank: x0.rank),
            variance: coefficient(double.oneMinusAlphaBar, at: timesteps, rank: x0.rank),
            logVariance: coefficient(double.oneMinusAlphaBar.map { Foundation.log($0) }, at: timesteps, rank: x0.rank))
    }

    /// `x_t = √ᾱ_t x0 + √(1−ᾱ_t) ε` for the given noise ε (tutorial eq. 49, DDPM eq. 4).
    ///
    /// - Parameters:
    ///   - x0: the clean batch `[B, …]`.
    ///   - timesteps: one 0-based timestep per example, so every example can be noised to its own t.
    ///   - noise: ε ~ N(0, I), the shape of `x0`.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func marginalSample(x0: Tensor, timesteps: [Int], noise: Tensor) throws -> Tensor {
        try validate(timesteps: timesteps, for: x0, operation: "marginalSample")
        try validateSameShape(x0, noise, operation: "marginalSample")
        return x0 * coefficient(double.sqrtAlphaBar, at: timesteps, rank: x0.rank)
            + noise * coefficient(double.sqrtOneMinusAlphaBar, at: timesteps, rank: x0.rank)
    }

    /// Draws ε ~ N(0, I) from `generator` and returns `(x_t, ε)`: the noised batch and the noise,
    /// which is the training target of the ε-parameterisation.
    ///
    /// - Parameters:
    ///   - x0: the clean batch `[B, …]`.
    ///   - timesteps: one 0-based timestep per example.
    ///   - generator: the source of ε; it advances by one normal draw per value of `x0`.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func marginalSample(x0: Tensor, timesteps: [Int], generator: inout RandomGenerator) throws -> (sample: Tensor, noise: Tensor) {
        let noise = Tensor.randn(x0.shape, generator: &generator)
        return (try marginalSample(x0: x0, timesteps: timesteps, noise: noise), noise)
    }
}
