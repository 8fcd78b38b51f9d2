import Foundation
import Tensors

/// The DDPM decoder `L_0` (DDPM §3.3, eq. 13): the log of the
/// probability a Gaussian `N(μ, σ²)` gives to the bin of a data value on the
/// 256-value grid of [−1, 1], elementwise, in nats, with gradients:
/// `p(x) = Φ((x + δ − μ)/σ) − Φ((x − δ − μ)/σ)`, `δ = 1/255`, the lower edge
/// −∞ at x = −1 and the upper edge +∞ at x = 1; `log(max(p, 1e−12))`.
///
/// Each bin is computed on the side where it does not cancel: a bin right of
/// the mean is mirrored to the left, a bin that straddles the mean is
/// `1 − Φ(l) − Φ(−u)`, and tail bins use `log Φ(u) + log(1 − Φ(l)/Φ(u))`.
public enum DiscretizedGaussian {
    /// Half the width of a bin of the 256-value grid.
    public static let halfBinWidth: Float = 1 / 255
    /// The floor on the bin probability.
    public static let probabilityFloor: Float = 1e-12

    /// log p(x) for data `x` on the grid, means `mean` and log-variances
    /// `logVariance` (broadcast to `x`).
    public static func logLikelihood(x: Tensor, mean: Tensor, logVariance: Tensor) -> Tensor {
        let centred = x - mean
        let inverseScale = (logVariance * -0.5).exp().broadcast(to: centred.shape)
        let upper = (centred + halfBinWidth) * inverseScale
        let lower = (centred - halfBinWidth) * inverseScale
        let floor = Float(Foundation.log(Double(probabilityFloor)))

        // Masks from the values (constants for autodiff).
        let n = centred.count
        var atBottom = [Float](repeating: 0, count: n), atTop = [Float](repeating: 0, count: n)
        var straddles = [Float](repeating: 0, count: n), rightOfMean = [Float](repeating: 0, count: n)
        let xs = x.broadcast(to: centred.shape).scalars
        for i in 0..<n {
            if xs[i] < -0.999 { atBottom[i] = 1 } else if xs[i] > 0.999 { atTop[i] = 1 }
            if lower.scalars[i] < 0, upper.scalars[i] > 0 { straddles[i] = 1 }
            if lower.scalars[i] >= 0 { rightOfMean[i] = 1 }
        }
        let shape = centred.shape
        let bottom = Tensor(shape: shape, scalars: atBottom), top = Tensor(shape: shape, scalars: atTop)
        let straddle = Tensor(shape: shape, scalars: straddles), right = Tensor(shape: shape, scalars: rightOfMean)

        // Edge bins: log Φ(u) at x = −1, log(1 − Φ(l)) = log Φ(−l) at x = 1.
        let logBottom = StandardNormal.logCDF(upper)
        let logTop = StandardNormal.logCDF(-lower)
        // Tail bins, mirrored to the left of the mean: near edge a ≤ 0, far edge b < a.
        let near = right * (-lower) + (1 - right) * upper
        let far = right * (-upper) + (1 - right) * lower
        let logNear = StandardNormal.logCDF(near), logFar = StandardNormal.logCDF(far)
        let logTail = logNear + (1 - (logFar - logNear).exp()).clamped(probabilityFloor, 1).log()
        // A bin across the mean: 1 − Φ(l) − Φ(−u), both terms below ½.
        let logMiddle = (1 - StandardNormal.logCDF(lower).exp() - StandardNormal.logCDF(-upper).exp())
            .clamped(probabilityFloor, 1).log()
        let interior = straddle * logMiddle + (1 - straddle) * logTail
        let combined = bottom * logBottom + top * logTop + (1 - bottom - top) * interior
        return combined.clamped(floor, 0)
    }
}
