import Foundation
import Tensors

/// The standard normal CDF Φ in log space, stable in both tails and built
/// from differentiable tensor ops so that losses using it train.
///
/// `Φ(x) = ½ erfc(−x/√2)`. erfc uses the Chebyshev fit of Numerical Recipes
/// (`erfcc`, relative error < 1.2e−7 for all arguments), written as
/// `log erfc(z) = log τ − z² + P(τ)` with `τ = 1/(1 + z/2)`, so the left tail
/// never underflows: log Φ(−40) is as accurate as log Φ(−1).
public enum StandardNormal {
    /// The coefficients of P(τ), lowest order first.
    static let erfcCoefficients: [Double] = [
        -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
        0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
    ]

    /// log erfc(z) for z ≥ 0, in Double.
    static func logErfc(_ z: Double) -> Double {
        let tau = 1 / (1 + 0.5 * z)
        var polynomial = 0.0
        for c in erfcCoefficients.reversed() { polynomial = polynomial * tau + c }
        return Foundation.log(tau) - z * z + polynomial
    }

    /// log Φ(x) in Double.
    public static func logCDF(_ x: Double) -> Double {
        let logUpperTail = Foundation.log(0.5) + logErfc(Swift.abs(x) / 2.0.squareRoot())
        return x <= 0 ? logUpperTail : Foundation.log1p(-Foundation.exp(logUpperTail))
    }

    /// log Φ(x) elementwise, with gradients.
    public static func logCDF(_ x: Tensor) -> Tensor {
        let z = x.abs() * Float(1 / 2.0.squareRoot())
        let tau = 1 / (z * 0.5 + 1)
        var polynomial = Tensor.full(x.shape, Float(erfcCoefficients.last!))
        for c in erfcCoefficients.dropLast().reversed() { polynomial = polynomial * tau + Float(c) }
        // log Φ(−|x|) = log ½ + log erfc(|x|/√2); for x > 0, log Φ(x) = log(1 − Φ(−x)).
        let logLowerTail = tau.log() - z.square() + polynomial + Float(Foundation.log(0.5))
        let logUpperBody = (1 - logLowerTail.exp()).log()
        let isNegative = Tensor(shape: x.shape, scalars: x.scalars.map { $0 <= 0 ? 1 : 0 })
        return logLowerTail * isNegative + logUpperBody * (1 - isNegative)
    }
}
