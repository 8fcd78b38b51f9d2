import Diffusion
import Foundation
import Tensors

/// A Gaussian mixture `Σ π_k N(m_k, s_k² I)` over examples of `dimension`
/// values (any example shape: points `[B, d]`, images `[B, C, H, W]`), and
/// its exact ε-predictor: for `x_t = a x0 + σ ε` (a = √ᾱ_t, σ² = 1 − ᾱ_t) the
/// marginal is `Σ π_k N(a m_k, (a² s_k² + σ²) I)` and the optimal prediction is
/// `E[ε | x_t] = σ Σ_k w_k(x_t) (x_t − a m_k)/(a² s_k² + σ²)`.
public struct GaussianMixture: DenoisingModel {
    public let weights: [Double]
    public let means: [[Double]]
    public let deviations: [Double]
    public let schedule: NoiseSchedule

    public init(weights: [Double], means: [[Double]], deviations: [Double], schedule: NoiseSchedule) {
        precondition(
            weights.count == means.count && means.count == deviations.count && !means.isEmpty,
            "GaussianMixture: one weight, mean and deviation per component")
        self.weights = weights
        self.means = means
        self.deviations = deviations
        self.schedule = schedule
    }

    public var dimension: Int { means[0].count }

    /// `timesteps` has one entry per example, or one for the whole batch.
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let d = dimension
        precondition(x.rank >= 2 && x.count == x.shape[0] * d, "GaussianMixture expects examples of \(d) values, got \(x.shape)")
        var out = [Float](repeating: 0, count: x.count)
        let values = x.scalars
        for b in 0..<x.shape[0] {
            let t = timesteps.count == 1 ? timesteps[0] : timesteps[b]
            let a = schedule.double.sqrtAlphaBar[t], sigma2 = schedule.double.oneMinusAlphaBar[t]
            var logW = [Double](repeating: 0, count: weights.count)
            var variances = [Double](repeating: 0, count: weights.count)
            for k in 0..<weights.count {
                let v = a * a * deviations[k] * deviations[k] + sigma2
                variances[k] = v
                var squared = 0.0
                for j in 0..<d { let r = Double(values[b * d + j]) - a * means[k][j]; squared += r * r }
                logW[k] = log(weights[k]) - 0.5 * Double(d) * log(v) - squared / (2 * v)
            }
            let top = logW.max()!
            let w = logW.map { exp($0 - top) }
            let total = w.reduce(0, +)
            for j in 0..<d {
                var e = 0.0
                for k in 0..<weights.count {
                    e += w[k] / total * (Double(values[b * d + j]) - a * means[k][j]) / variances[k]
                }
                out[b * d + j] = Float(sigma2.squareRoot() * e)
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// `count` draws from the mixture, shape `[count, dimension]`.
    public func sample(_ count: Int, generator: inout RandomGenerator) -> Tensor {
        var values: [Float] = []
        for _ in 0..<count {
            let u = Double(generator.nextUniform())
            var k = 0, running = weights[0]
            while u >= running, k < weights.count - 1 { k += 1; running += weights[k] }
            for j in 0..<dimension { values.append(Float(means[k][j] + deviations[k] * Double(generator.nextNormal()))) }
        }
        return Tensor(shape: [count, dimension], scalars: values)
    }
}
