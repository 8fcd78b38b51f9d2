import Tensors

/// The posterior of the forward process, `q(x_{t−1} | x_t, x0) = N(μ̃_t, β̃_t I)`
/// (tutorial eq. 52–53 and 75):
/// `μ̃_t = (√ᾱ_{t−1} β_t/(1−ᾱ_t)) x0 + (√α_t (1−ᾱ_{t−1})/(1−ᾱ_t)) x_t`,
/// `β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t) · β_t`. The log-variance is the clipped one.
extension NoiseSchedule {
    /// μ̃_t(x_t, x0) and β̃_t at each example's timestep.
    ///
    /// - Parameters:
    ///   - x0: the clean batch `[B, …]`.
    ///   - xt: the noised batch, the shape of `x0`.
    ///   - timesteps: one 0-based timestep per example.
    /// - Returns: N(μ̃_t, β̃_t I) with the clipped log-variance (β̃ at index 0 replaced by β̃ at index 1).
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func posterior(x0: Tensor, xt: Tensor, timesteps: [Int]) throws -> DiagonalGaussian {
        try validate(timesteps: timesteps, for: xt, operation: "posterior")
        try validateSameShape(xt, x0, operation: "posterior")
        return DiagonalGaussian(
            mean: posteriorMean(x0: x0, xt: xt, timesteps: timesteps),
            variance: coefficient(double.posteriorVariance, at: timesteps, rank: xt.rank),
            logVariance: coefficient(double.posteriorLogVarianceClipped, at: timesteps, rank: xt.rank))
    }

    /// μ̃_t (eq. 52), unchecked.
    func posteriorMean(x0: Tensor, xt: Tensor, timesteps: [Int]) -> Tensor {
        x0 * coefficient(double.posteriorMeanCoefficientX0, at: timesteps, rank: xt.rank)
            + xt * coefficient(double.posteriorMeanCoefficientXt, at: timesteps, rank: xt.rank)
    }

    /// The ε-form of the mean (tutorial eq. 101–102, DDPM eq. 11):
    /// `μ = (1/√α_t)(x_t − β_t/√(1−ᾱ_t) · ε)`.
    ///
    /// - Parameters:
    ///   - xt: the noised batch `[B, …]`.
    ///   - epsilon: the noise (or a network's ε̂), the shape of `xt`.
    ///   - timesteps: one 0-based timestep per example.
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when `timesteps` does not hold one
    ///   index in `0..<T` per example; ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the
    ///   tensors' shapes differ.
    public func epsilonFormMean(xt: Tensor, epsilon: Tensor, timesteps: [Int]) throws -> Tensor {
        try validate(timesteps: timesteps, for: xt, operation: "epsilonFormMean")
        try validateSameShape(xt, epsilon, operation: "epsilonFormMean")
        let epsilonScale = (0..<count).map { double.betas[$0] / double.sqrtOneMinusAlphaBar[$0] }
        return (xt - epsilon * coefficient(epsilonScale, at: timesteps, rank: xt.rank))
            * coefficient(double.reciprocalSqrtAlpha, at: timesteps, rank: xt.rank)
    }
}
