import Tensors

/// The KL divergence of two diagonal Gaussians, elementwise, in nats
/// (tutorial eq. 77):
/// `KL(N(μ0, σ0²) ‖ N(μ1, σ1²)) = ½(log(σ1²/σ0²) + σ0²/σ1² + (μ0−μ1)²/σ1² − 1)`,
/// with the variances given as logs. Shapes broadcast.
public func gaussianKL(mean0: Tensor, logVariance0: Tensor, mean1: Tensor, logVariance1: Tensor) -> Tensor {
    ((logVariance1 - logVariance0) + (logVariance0 - logVariance1).exp()
        + (mean0 - mean1).square() * (-logVariance1).exp() - 1) * 0.5
}
