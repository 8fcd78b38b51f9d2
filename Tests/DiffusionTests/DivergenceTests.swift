import Foundation
import Tensors
import XCTest
@testable import Diffusion

final class DivergenceTests: XCTestCase {
    /// The closed-form Gaussian KL (T 77) equals its Monte-Carlo estimate E_p[log p − log q].
    func testGaussianKLMatchesMonteCarlo() throws {
        let cases: [(Double, Double, Double, Double)] = [(0.3, 0.5, -0.2, 1.5), (0, 1, 0, 1), (1, 0.1, -1, 2), (0.5, 2, 0.4, 0.3)]
        let kl = gaussianKL(
            mean0: Tensor(cases.map { Float($0.0) }), logVariance0: Tensor(cases.map { Float(log($0.1)) }),
            mean1: Tensor(cases.map { Float($0.2) }), logVariance1: Tensor(cases.map { Float(log($0.3)) }))
        var g = RandomGenerator(seed: 17)
        let n = 200_000
        for (i, (m0, v0, m1, v1)) in cases.enumerated() {
            var values = [Double](repeating: 0, count: n)
            for k in 0..<n {
                let x = m0 + v0.squareRoot() * Double(g.nextNormal())
                values[k] = logNormal(x, mean: m0, variance: v0) - logNormal(x, mean: m1, variance: v1)
            }
            let m = moments(values)
            XCTAssertEqual(Double(kl.scalars[i]), m.mean, accuracy: 4 * (m.variance / Double(n)).squareRoot() + 1e-6, "case \(i)")
        }
    }

    /// log Φ against Foundation's erfc in Double, into the far left tail.
    func testLogCDFIsAccurateInLogSpace() {
        let xs: [Double] = [-37, -20, -8, -3, -1, -0.1, 0, 0.1, 1, 3, 6]
        let tensor = StandardNormal.logCDF(Tensor(xs.map { Float($0) }))
        for (i, x) in xs.enumerated() {
            let exact = log(0.5 * erfc(-x / 2.0.squareRoot()))
            XCTAssertEqual(StandardNormal.logCDF(x), exact, accuracy: 2e-7 * max(1, abs(exact)), "Double at \(x)")
            XCTAssertEqual(Double(tensor.scalars[i]), exact, accuracy: 1e-6 * max(1, abs(exact)), "Float at \(x)")
        }
    }

    /// The discretised-Gaussian decoder against a Double evaluation with erfc,
    /// at the edges, across the mean, in both tails and at the floor.
    func testDiscretisedGaussianMatchesDoubleReference() {
        let xs: [Double] = [-1, 1, 0, 0.2, -0.6, 0.9, -1, 1, 0.5, 0.0]
        let means: [Double] = [-0.9, 0.8, 0.01, -0.3, 0.1, 0.2, 0.3, -0.3, 0.5, 0.9]
        let logVariances: [Double] = [-4, -3, -6, -2, -9, -1, -2, -2, 0, -12]
        func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        let delta = 1.0 / 255
        let result = DiscretizedGaussian.logLikelihood(
            x: Tensor(xs.map { Float($0) }), mean: Tensor(means.map { Float($0) }),
            logVariance: Tensor(logVariances.map { Float($0) }))
        for i in 0..<xs.count {
            let sd = exp(0.5 * logVariances[i])
            let up = xs[i] > 0.999 ? 1.0 : cdf((xs[i] + delta - means[i]) / sd)
            let low = xs[i] < -0.999 ? 0.0 : cdf((xs[i] - delta - means[i]) / sd)
            var p = up - low
            if (xs[i] - delta - means[i]) / sd > 0, xs[i] <= 0.999 {
                p = cdf(-(xs[i] - delta - means[i]) / sd) - cdf(-(xs[i] + delta - means[i]) / sd)
            }
            let expected = log(max(p, 1e-12))
            XCTAssertEqual(Double(result.scalars[i]), expected, accuracy: 2e-4 * max(1, abs(expected)), "element \(i)")
        }
        XCTAssertEqual(Double(result.scalars[9]), log(1e-12), accuracy: 1e-4, "the floor")
    }

    /// Gradients of log Φ and of the decoder (with respect to mean and log-variance) match finite differences.
    func testDecoderGradientsMatchFiniteDifferences() {
        let x = Tensor([-1, -0.2, 0.1, 0.6, 1])
        let mean = Tensor(shape: [5], scalars: [-0.8, -0.1, 0.3, 0.2, 0.7], requiresGrad: true)
        let logVariance = Tensor(shape: [5], scalars: [-3, -2, -1.5, -2.5, -2], requiresGrad: true)
        let loss = DiscretizedGaussian.logLikelihood(x: x, mean: mean, logVariance: logVariance).sum()
        loss.backward()
        func value(_ m: [Float], _ l: [Float]) -> Double {
            GradMode.withoutGradient {
                Double(DiscretizedGaussian.logLikelihood(x: x, mean: Tensor(m), logVariance: Tensor(l)).sum().item)
            }
        }
        let h: Float = 1e-3
        for i in 0..<5 {
            var plus = mean.scalars, minus = mean.scalars
            plus[i] += h; minus[i] -= h
            let numeric = (value(plus, logVariance.scalars) - value(minus, logVariance.scalars)) / Double(2 * h)
            XCTAssertEqual(Double(mean.grad!.scalars[i]), numeric, accuracy: 2e-2 * max(1, abs(numeric)), "d/dmean \(i)")
            var lp = logVariance.scalars, lm = logVariance.scalars
            lp[i] += h; lm[i] -= h
            let numericL = (value(mean.scalars, lp) - value(mean.scalars, lm)) / Double(2 * h)
            XCTAssertEqual(Double(logVariance.grad!.scalars[i]), numericL, accuracy: 2e-2 * max(1, abs(numericL)), "d/dlogvar \(i)")
        }
    }
}
