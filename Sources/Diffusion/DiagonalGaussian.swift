import Tensors

/// A Gaussian with diagonal covariance over a batch: `mean` has the data's
/// shape `[B, …]`; `variance` and `logVariance` broadcast against it (either
/// per example `[B, 1, …, 1]` or per element).
///
/// `logVariance` may differ from `log(variance)` where the variance is zero
/// (β̃ at the first step, 0 by tutorial eq. 53): it then holds the clipped value.
public struct DiagonalGaussian {
    public let mean: Tensor
    public let variance: Tensor
    public let logVariance: Tensor

    public init(mean: Tensor, variance: Tensor, logVariance: Tensor) {
        self.mean = mean
        self.variance = variance
        self.logVariance = logVariance
    }
}
