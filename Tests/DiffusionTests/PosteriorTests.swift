import Foundation
import Tensors
import XCTest
@testable import Diffusion

final class PosteriorTests: XCTestCase {
    /// Reference eq. 54–55: q(x_{t−1}|x_t, x0) = q(x_t|x_{t−1}) q(x_{t−1}|x0) / q(x_t|x0),
    /// evaluated on a 1-D grid: it integrates to one and has mean μ̃_t and variance β̃_t.
    func testPosteriorEqualsNormalisedProductOfGaussiansOnAGrid() throws {
        let s = try NoiseSchedule(.linear(start: 0.01, end: 0.2), timesteps: 10)
        let x0 = 0.3, xt = -0.4
        for t in [1, 5, 9] {
            let d = s.double
            let h = 1e-4
            var mass = 0.0, first = 0.0, second = 0.0
            for k in -60_000...60_000 {
                let y = Double(k) * h
                let density = exp(
                    logNormal(xt, mean: (1 - d.betas[t]).squareRoot() * y, variance: d.betas[t])
                        + logNormal(y, mean: d.sqrtAlphaBar[t - 1] * x0, variance: d.oneMinusAlphaBar[t - 1])
                        - logNormal(xt, mean: d.sqrtAlphaBar[t] * x0, variance: d.oneMinusAlphaBar[t]))
                mass += density * h
                first += density * y * h
                second += density * y * y * h
            }
            let mean = first / mass, variance = second / mass - mean * mean
            XCTAssertEqual(mass, 1, accuracy: 1e-9)
            let q = try s.posterior(
                x0: Tensor(shape: [1, 1], scalars: [Float(x0)]), xt: Tensor(shape: [1, 1], scalars: [Float(xt)]), timesteps: [t])
            XCTAssertEqual(Double(q.mean.item), mean, accuracy: 1e-6)
            XCTAssertEqual(Double(q.variance.item), variance, accuracy: 1e-7 * max(1, variance * 1e3))
            XCTAssertEqual(Double(q.logVariance.item), log(variance), accuracy: 1e-5)
        }
    }

    /// Eq. 101 (the ε-form of the mean) equals eq. 52 with x0 recovered from (x_t, ε),
    /// for the true noise and for an arbitrary prediction.
    func testEpsilonFormOfMeanEqualsPosteriorMean() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        var g = RandomGenerator(seed: 5)
        let x0 = Tensor.randn([4, 2, 3, 2], generator: &g)
        let steps = [1, 10, 500, 999]
        let (xt, noise) = try s.marginalSample(x0: x0, timesteps: steps, generator: &g)
        for epsilon in [noise, Tensor.randn(x0.shape, generator: &g)] {
            let recovered = try s.x0(fromEpsilon: epsilon, xt: xt, timesteps: steps)
            let viaPosterior = try s.posterior(x0: recovered, xt: xt, timesteps: steps).mean
            let viaEpsilon = try s.epsilonFormMean(xt: xt, epsilon: epsilon, timesteps: steps)
            assertClose(viaPosterior.scalars, viaEpsilon.scalars.map(Double.init), tolerance: 2e-5, "eq 101 vs eq 52")
        }
        let recovered = try s.x0(fromEpsilon: noise, xt: xt, timesteps: steps)
        assertClose(recovered.scalars, x0.scalars.map(Double.init), tolerance: 2e-4, "x0 recovered from the true noise")
    }

    /// x0, ε and v convert into each other consistently.
    func testPredictionConversionsRoundTrip() throws {
        let s = try NoiseSchedule(.cosine(), timesteps: 100)
        var g = RandomGenerator(seed: 9)
        let x0 = Tensor.randn([3, 4], generator: &g)
        let steps = [0, 50, 99]
        let (xt, noise) = try s.marginalSample(x0: x0, timesteps: steps, generator: &g)
        let v = try s.velocity(x0: x0, epsilon: noise, timesteps: steps)
        for type in PredictionType.allCases {
            let target = try s.target(for: type, x0: x0, epsilon: noise, timesteps: steps)
            let (x0Hat, epsilonHat) = try s.interpret(target, as: type, xt: xt, timesteps: steps)
            assertClose(x0Hat.scalars, x0.scalars.map(Double.init), tolerance: 5e-3, "x0 from \(type)")
            assertClose(epsilonHat.scalars, noise.scalars.map(Double.init), tolerance: 5e-3, "ε from \(type)")
        }
        assertClose(
            try s.target(for: .velocity, x0: x0, epsilon: noise, timesteps: steps).scalars, v.scalars.map(Double.init), tolerance: 1e-7)
    }

    /// For fixed variances and ε-prediction, L_{t−1} = β_t²/(2σ_t² α_t (1−ᾱ_t)) ‖ε − ε_θ‖² + const
    /// (eq. 107), the constant being the KL of the variances.
    func testWeightedEpsilonErrorEqualsKLForFixedVariances() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        let d = s.double
        for variance in [VarianceType.fixedSmall, .fixedLarge] {
            let diffusion = GaussianDiffusion(schedule: s, prediction: .epsilon, variance: variance)
            var g = RandomGenerator(seed: 21)
            let dims = 6
            let x0 = Tensor.randn([4, dims], generator: &g)
            let steps = [1, 7, 300, 999]
            let (xt, noise) = try s.marginalSample(x0: x0, timesteps: steps, generator: &g)
            let prediction = noise + Tensor.randn(x0.shape, generator: &g) * 0.3
            let bits = try diffusion.variationalBoundTerm(modelOutput: prediction, x0: x0, xt: xt, timesteps: steps)
            for b in 0..<4 {
                let t = steps[b]
                let sigma2 = variance == .fixedSmall ? d.posteriorVariance[t] : d.betas[t]
                let weight = d.betas[t] * d.betas[t] / (2 * sigma2 * d.alphas[t] * d.oneMinusAlphaBar[t])
                var squared = 0.0
                for j in 0..<dims { let e = Double(noise.scalars[b * dims + j] - prediction.scalars[b * dims + j]); squared += e * e }
                let constant = Double(dims) * 0.5 * (log(sigma2 / d.posteriorVariance[t]) + d.posteriorVariance[t] / sigma2 - 1)
                let klNats = Double(bits.scalars[b]) * Double(dims) * log(2.0)
                XCTAssertEqual(klNats, weight * squared + constant, accuracy: 1e-3 * max(1, klNats), "\(variance) t=\(t)")
            }
        }
    }
}
