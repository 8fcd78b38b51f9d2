import Foundation
import Tensors
@testable import Diffusion

/// Images drawn from a mixture `Σ_k ½ N(m_k, s² I)` of a few fixed pictures, and
/// its exact ε-predictor: for x_t = a x0 + σ ε (a = √ᾱ_t, σ² = 1 − ᾱ_t) the optimal
/// prediction is E[ε | x_t] = σ Σ_k w_k(x_t) (x_t − a m_k)/(a² s² + σ²), w the posterior
/// weights of the components. Any batch shape `[B, …]` whose example size matches.
struct ImageMixture: DenoisingModel {
    let means: [[Double]]
    let deviation: Double
    let schedule: NoiseSchedule

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let d = means[0].count
        precondition(x.count == x.shape[0] * d, "ImageMixture expects examples of \(d) values")
        var out = [Float](repeating: 0, count: x.count)
        let values = x.scalars
        for b in 0..<x.shape[0] {
            let t = timesteps.count == 1 ? timesteps[0] : timesteps[b]
            let a = schedule.double.sqrtAlphaBar[t], sigma2 = schedule.double.oneMinusAlphaBar[t]
            let v = a * a * deviation * deviation + sigma2
            let logW = means.map { mean in
                -(0..<d).reduce(0.0) { total, j in let r = Double(values[b * d + j]) - a * mean[j]; return total + r * r } / (2 * v)
            }
            let top = logW.max()!
            let w = logW.map { exp($0 - top) }
            let total = w.reduce(0, +)
            for j in 0..<d {
                var e = 0.0
                for k in means.indices { e += w[k] / total * (Double(values[b * d + j]) - a * means[k][j]) / v }
                out[b * d + j] = Float(sigma2.squareRoot() * e)
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }
}

/// Two 1×4×4 pictures: white left half / black right half, and the mirror image.
enum TwoPictures {
    static let left: [Double] = (0..<16).map { $0 % 4 < 2 ? 1 : -1 }
    static let right: [Double] = left.map { -$0 }

    static func diffusion() throws -> GaussianDiffusion {
        try GaussianDiffusion(schedule: NoiseSchedule(.cosine(), timesteps: 200), prediction: .epsilon, variance: .fixedSmall)
    }

    static func model(_ diffusion: GaussianDiffusion) -> ImageMixture {
        ImageMixture(means: [left, right], deviation: 0.02, schedule: diffusion.schedule)
    }

    static func tensor(_ values: [Double]) -> Tensor { Tensor(shape: [1, 1, 4, 4], scalars: values.map { Float($0) }) }
}
