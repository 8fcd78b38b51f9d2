import Tensors

/// A Gaussian with diagonal covariance over a batch: `mean` has the data's
/// shape `[B, …]`; `variance` and `logVariance` broadcast against it (either
/// per example `[B, 1, …, 1]` or per element).
///
/// `logVariance` may differ from `log(variance)` where the variance is zero
/// (β̃ at the first step, 0 by tutorial eq. 53): it then holds the clipped value.
public struct DiagonalGaussian {
    /// The mean, the shape of the data `[B, …]`.
    public let mean: Tensor
    /// The variance per dimension (broadcast against `mean`: often one value per example, `[B, 1, …]`).
    public let variance: Tensor
    /// The log of `variance`, kept separately for precision (the posterior's is the clipped one).
    public let logVariance: Tensor

    /// A Gaussian from its mean, variance and log-variance; the two last must agree.
    public init(mean: Tensor, variance: Tensor, logVariance: Tensor) {
        self.mean = mean
        self.variance = variance
        self.logVariance = logVariance
    }
}
