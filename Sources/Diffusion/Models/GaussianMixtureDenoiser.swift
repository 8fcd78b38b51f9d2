import Foundation
import Tensors

/// The exact ε-model of data drawn from a Gaussian mixture `Σ π_k N(m_k, s_k² I)`:
/// the network a perfectly trained DDPM would be, for checking samplers, bounds
/// and likelihoods against the truth.
///
/// For `x_t = a x0 + σ ε` (a = √ᾱ_t, σ² = 1 − ᾱ_t, tutorial eq. 49) the marginal is
/// `Σ π_k N(a m_k, (a² s_k² + σ²) I)`, and the optimal ε-prediction (the minimiser of
/// L_simple, DDPM eq. 14) is
/// `E[ε | x_t] = σ Σ_k w_k(x_t) (x_t − a m_k)/(a² s_k² + σ²)`,
/// with `w_k(x_t)` the posterior weight of component k. Examples hold `dimension`
/// values in any shape (points `[B, d]`, images `[B, C, H, W]` with C·H·W = d).
public struct GaussianMixtureDenoiser: DenoisingModel, Sendable {
    /// The components' weights π_k (positive, summing to 1).
    public let weights: [Double]
    /// The components' means m_k, each of `dimension` values.
    public let means: [[Double]]
    /// The components' standard deviations s_k (> 0), the same in every dimension.
    public let deviations: [Double]
    /// The schedule whose ᾱ_t the model is exact for.
    public let schedule: NoiseSchedule

    /// A mixture of `weights.count` components.
    /// - Throws: `DiffusionError.invalidParameter` when the counts differ or are 0, a weight is
    ///   not positive or the weights do not sum to 1, a deviation is not positive, or the
    ///   means differ in length.
    public init(weights: [Double], means: [[Double]], deviations: [Double], schedule: NoiseSchedule) throws {
        guard !weights.isEmpty, weights.count == means.count, means.count == deviations.count else {
            throw DiffusionError.invalidParameter(
                name: "mixture components", value: "\(weights.count) weights, \(means.count) means, \(deviations.count) deviations",
                accepted: "one weight, mean and deviation per component, at least one component")
        }
        guard weights.allSatisfy({ $0 > 0 && $0.isFinite }), abs(weights.reduce(0, +) - 1) < 1e-9 else {
            throw DiffusionError.invalidParameter(
                name: "mixture weights", value: "\(weights)", accepted: "positive weights that sum to 1")
        }
        guard deviations.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw DiffusionError.invalidParameter(name: "mixture deviations", value: "\(deviations)", accepted: "finite numbers > 0")
        }
        guard let first = means.first, !first.isEmpty, means.allSatisfy({ $0.count == first.count }) else {
            throw DiffusionError.invalidParameter(
                name: "mixture means", value: "lengths \(means.map(\.count))", accepted: "means of one length ≥ 1")
        }
        self.weights = weights
        self.means = means
        self.deviations = deviations
        self.schedule = schedule
    }

    /// The values in one example.
    public var dimension: Int { means[0].count }

    /// E[ε | x_t] for each example of `x`; `timesteps` has one entry per example, or one for the whole batch.
    /// - Throws: `DiffusionError` when the examples do not hold `dimension` values or a timestep is out of range.
    /// - Complexity: O(B · K · d) for B examples, K components and d values.
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let d = dimension
        guard x.rank >= 2, x.count == x.shape[0] * d else {
            throw DiffusionError.shapeMismatch(operation: "GaussianMixtureDenoiser", expected: "examples of \(d) values", got: x.shape)
        }
        guard timesteps.count == 1 || timesteps.count == x.shape[0], timesteps.allSatisfy({ (0..<schedule.count).contains($0) }) else {
            throw DiffusionError.invalidTimesteps(
                operation: "GaussianMixtureDenoiser", reason: "one timestep in 0..<\(schedule.count) per example, or one for all")
        }
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
                for j in 0..<d {
                    let r = Double(values[b * d + j]) - a * means[k][j]
                    squared += r * r
                }
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
            var k = 0
            var running = weights[0]
            while u >= running, k < weights.count - 1 {
                k += 1
                running += weights[k]
            }
            for j in 0..<dimension { values.append(Float(means[k][j] + deviations[k] * Double(generator.nextNormal()))) }
        }
        return Tensor(shape: [count, dimension], scalars: values)
    }
}
