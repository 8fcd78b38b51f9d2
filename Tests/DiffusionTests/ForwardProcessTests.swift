import Foundation
import Tensors
import XCTest
@testable import Diffusion

final class ForwardProcessTests: XCTestCase {
    /// Composing t one-step kernels: mean coefficient c_t = √α_t c_{t−1},
    /// variance v_t = α_t v_{t−1} + β_t, equals the closed form √ᾱ_t, 1 − ᾱ_t.
    func testClosedFormEqualsCompositionOfOneStepKernels() throws {
        for rule in [BetaSchedule.linear(), .cosine()] {
            let s = try NoiseSchedule(rule, timesteps: 1000)
            var c = 1.0, v = 0.0
            for i in 0..<s.count {
                c *= (1 - s.double.betas[i]).squareRoot()
                v = (1 - s.double.betas[i]) * v + s.double.betas[i]
                XCTAssertEqual(c, s.double.sqrtAlphaBar[i], accuracy: 1e-12)
                XCTAssertEqual(v, s.double.oneMinusAlphaBar[i], accuracy: 1e-12)
            }
        }
    }

    /// Monte-Carlo: t one-step samples and one closed-form sample share the moments of q(x_t|x0).
    func testMonteCarloMomentsOfComposedAndClosedFormSamples() throws {
        let s = try NoiseSchedule(.linear(start: 1e-3, end: 0.05), timesteps: 100)
        let n = 20_000, t = 39
        let x0 = Tensor.full([n, 1], 0.7)
        var g = RandomGenerator(seed: 11)
        var x = x0
        for i in 0...t {
            x = try s.oneStepSample(previous: x, timesteps: [Int](repeating: i, count: n), noise: Tensor.randn([n, 1], generator: &g))
        }
        let closed = try s.marginalSample(x0: x0, timesteps: [Int](repeating: t, count: n), generator: &g).sample
        let mean = s.double.sqrtAlphaBar[t] * 0.7, variance = s.double.oneMinusAlphaBar[t]
        for sample in [x, closed] {
            let m = moments(sample.scalars.map(Double.init))
            XCTAssertEqual(m.mean, mean, accuracy: 4 * (variance / Double(n)).squareRoot())
            XCTAssertEqual(m.variance, variance, accuracy: 4 * variance * (2 / Double(n)).squareRoot())
        }
        let q = try s.marginalDistribution(x0: x0, timesteps: [Int](repeating: t, count: n))
        XCTAssertEqual(Double(q.mean.scalars[0]), mean, accuracy: 1e-6)
        XCTAssertEqual(Double(q.variance.scalars[0]), variance, accuracy: 1e-6)
    }

    /// Per-example timesteps on non-square images and flat 2-D data.
    func testBatchedTimestepsOnAnyShape() throws {
        let s = try NoiseSchedule(.cosine(), timesteps: 20)
        for shape in [[2, 3, 4, 5], [2, 2]] {
            var g = RandomGenerator(seed: 3)
            let x0 = Tensor.randn(shape, generator: &g), noise = Tensor.randn(shape, generator: &g)
            let steps = [3, 17]
            let xt = try s.marginalSample(x0: x0, timesteps: steps, noise: noise)
            XCTAssertEqual(xt.shape, shape)
            let per = shape.dropFirst().reduce(1, *)
            for b in 0..<2 {
                for j in 0..<per {
                    let i = b * per + j
                    let expected =
                        s.double.sqrtAlphaBar[steps[b]] * Double(x0.scalars[i]) + s.double.sqrtOneMinusAlphaBar[steps[b]]
                        * Double(noise.scalars[i])
                    XCTAssertEqual(Double(xt.scalars[i]), expected, accuracy: 1e-6)
                }
            }
            let q1 = try s.oneStepDistribution(previous: x0, timesteps: steps)
            XCTAssertEqual(Double(q1.mean.scalars[per]), (1 - s.double.betas[17]).squareRoot() * Double(x0.scalars[per]), accuracy: 1e-6)
            XCTAssertEqual(Double(q1.variance.scalars[1]), s.double.betas[17], accuracy: 1e-7 * s.double.betas[17])
        }
    }
}
