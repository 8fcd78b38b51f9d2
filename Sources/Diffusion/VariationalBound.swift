import Foundation
import Tensors

/// The terms of the variational bound (tutorial eq. 36, DDPM eq. 5),
/// per example, in bits per dimension (nats / (D ln 2)):
/// the prior `L_T = KL(q(x_T|x0) ‖ N(0, I))`, for t ≥ 1 (0-based index) the
/// Gaussian KL `L_{t−1} = KL(q(x_{t−1}|x_t, x0) ‖ p_θ(x_{t−1}|x_t))` (T 77),
/// and at index 0 the decoder `L_0 = −log p_θ(x0|x1)` (discretised Gaussian).
extension GaussianDiffusion {
    /// The term at each example's timestep, from a network output at x_t:
    /// the decoder NLL where the index is 0, the KL otherwise. Shape `[B]`.
    /// `detachMean` stops the gradient through μ_θ (hybrid loss).
    ///
    /// - Parameters:
    ///   - modelOutput: the network's output at `xt`.
    ///   - x0: the clean batch (on the 256-value grid for the decoder term to be a likelihood).
    ///   - xt: the noised batch.
    ///   - timesteps: one 0-based timestep per example.
    ///   - detachMean: whether the mean carries no gradient to the network.
    /// - Throws: ``DiffusionError`` when shapes or timesteps do not fit the batch.
    public func variationalBoundTerm(
        modelOutput: Tensor, x0: Tensor, xt: Tensor, timesteps: [Int],
        detachMean: Bool = false
    ) throws -> Tensor {
        try schedule.validateSameShape(xt, x0, operation: "variationalBoundTerm")
        let truth = try schedule.posterior(x0: x0, xt: xt, timesteps: timesteps)
        let model = try reverseStep(modelOutput: modelOutput, xt: xt, timesteps: timesteps, detachMean: detachMean).distribution
        let axes = Array(1..<xt.rank)
        let bitsPerNat = Float(1 / Foundation.log(2.0))
        let kl = gaussianKL(
            mean0: truth.mean, logVariance0: truth.logVariance,
            mean1: model.mean, logVariance1: model.logVariance
        ).broadcast(to: xt.shape)
        let klBits = (axes.isEmpty ? kl : kl.mean(axes: axes)) * bitsPerNat
        guard timesteps.contains(0) else { return klBits }
        let logLikelihood = DiscretizedGaussian.logLikelihood(x: x0, mean: model.mean, logVariance: model.logVariance)
        let decoderBits = (axes.isEmpty ? -logLikelihood : (-logLikelihood).mean(axes: axes)) * bitsPerNat
        let isFirst = Tensor(shape: [timesteps.count], scalars: timesteps.map { $0 == 0 ? 1 : 0 })
        return decoderBits * isFirst + klBits * (1 - isFirst)
    }

    /// The prior term `L_T = KL(q(x_T|x0) ‖ N(0, I))` per example, bits/dim, shape `[B]`.
    public func priorTerm(x0: Tensor) throws -> Tensor {
        let last = [Int](repeating: schedule.count - 1, count: x0.shape.first ?? 0)
        let q = try schedule.marginalDistribution(x0: x0, timesteps: last)
        let kl = gaussianKL(mean0: q.mean, logVariance0: q.logVariance, mean1: Tensor.zeros(x0.shape), logVariance1: Tensor.zeros(x0.shape))
        let axes = Array(1..<x0.rank)
        return (axes.isEmpty ? kl : kl.mean(axes: axes)) * Float(1 / Foundation.log(2.0))
    }
}
