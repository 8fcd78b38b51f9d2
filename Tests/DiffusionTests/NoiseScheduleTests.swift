import Foundation
import Tensors
import XCTest
@testable import Diffusion

final class NoiseScheduleTests: XCTestCase {
    func testDerivedArraysFollowTheirDefinitions() throws {
        for rule in [BetaSchedule.linear(), .cosine(), .scaledLinear(), .sigmoid()] {
            let s = try NoiseSchedule(rule, timesteps: 50)
            let d = s.double
            XCTAssertEqual(d.alphaBarPrevious[0], 1)
            XCTAssertEqual(d.posteriorVariance[0], 0)
            XCTAssertEqual(d.posteriorLogVarianceClipped[0], log(d.posteriorVariance[1]), accuracy: 1e-12)
            var product = 1.0
            for i in 0..<s.count {
                product *= 1 - d.betas[i]
                XCTAssertEqual(d.alphaBar[i], product, accuracy: 1e-14)
                XCTAssertEqual(d.oneMinusAlphaBar[i], 1 - product, accuracy: 1e-14)
                XCTAssertEqual(d.sqrtAlphaBar[i] * d.sqrtAlphaBar[i], d.alphaBar[i], accuracy: 1e-14)
                XCTAssertEqual(d.reciprocalSqrtAlpha[i], 1 / (1 - d.betas[i]).squareRoot(), accuracy: 1e-12)
                XCTAssertEqual(d.signalToNoise[i], d.alphaBar[i] / (1 - d.alphaBar[i]), accuracy: 1e-9 * d.signalToNoise[i])
                let previous = i == 0 ? 1.0 : d.alphaBar[i - 1]
                XCTAssertEqual(d.posteriorVariance[i], (1 - previous) / (1 - d.alphaBar[i]) * d.betas[i], accuracy: 1e-15)
                XCTAssertEqual(d.posteriorMeanCoefficientX0[i], previous.squareRoot() * d.betas[i] / (1 - d.alphaBar[i]), accuracy: 1e-12)
                XCTAssertEqual(
                    d.posteriorMeanCoefficientXt[i], (1 - d.betas[i]).squareRoot() * (1 - previous) / (1 - d.alphaBar[i]), accuracy: 1e-12)
                XCTAssertEqual(Double(s.float.alphaBar[i]), d.alphaBar[i], accuracy: 1e-7)
            }
        }
    }

    func testLinearAndCosineEndpoints() throws {
        let linear = try NoiseSchedule(.linear(), timesteps: 1000)
        XCTAssertEqual(linear.double.betas[0], 1e-4, accuracy: 1e-18)
        XCTAssertEqual(linear.double.betas[999], 0.02, accuracy: 1e-18)
        let cosine = try NoiseSchedule(.cosine(), timesteps: 1000)
        XCTAssertEqual(cosine.double.betas.max()!, 0.999, accuracy: 1e-15)
        // ᾱ follows f(t)/f(0) wherever the cap is not hit.
        func f(_ t: Double) -> Double { pow(cos((t + 0.008) / 1.008 * Double.pi / 2), 2) }
        XCTAssertEqual(cosine.double.alphaBar[499], f(0.5) / f(0), accuracy: 1e-12)
    }

    func testExplicitBetasAndAlphaBarRoundTrip() throws {
        let betas = [0.1, 0.2, 0.3]
        let s = try NoiseSchedule(betas: betas)
        let back = try NoiseSchedule(alphaBar: s.double.alphaBar)
        for i in 0..<3 { XCTAssertEqual(back.double.betas[i], betas[i], accuracy: 1e-14) }
        XCTAssertEqual(try NoiseSchedule(.explicit(betas), timesteps: 3).double.betas, betas)
        let one = try NoiseSchedule(betas: [0.5])
        XCTAssertEqual(one.double.posteriorLogVarianceClipped[0], log(0.5), accuracy: 1e-15)
    }

    func testRespacingKeepsAlphaBarOnTheSubsequence() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        let tau = [0, 99, 499, 999]
        let r = try s.respaced(to: tau)
        for (i, t) in tau.enumerated() {
            XCTAssertEqual(r.double.alphaBar[i], s.double.alphaBar[t], accuracy: 1e-14)
            let previous = i == 0 ? 1.0 : s.double.alphaBar[tau[i - 1]]
            XCTAssertEqual(r.double.betas[i], 1 - s.double.alphaBar[t] / previous, accuracy: 1e-14)
        }
    }

    func testBadInputThrowsClearErrors() throws {
        assertThrowsDiffusionError("T") { try NoiseSchedule(.linear(), timesteps: 0) }
        assertThrowsDiffusionError("non-empty") { try NoiseSchedule(betas: []) }
        assertThrowsDiffusionError("beta[1] = 1.0") { try NoiseSchedule(betas: [0.1, 1.0, 0.2]) }  // 1 only last
        assertThrowsDiffusionError("beta[0] = 0.0") { try NoiseSchedule(betas: [0, 0.1]) }
        assertThrowsDiffusionError("beta[0] = -0.1") { try NoiseSchedule(betas: [-0.1]) }
        assertThrowsDiffusionError("beta[0] = nan") { try NoiseSchedule(betas: [.nan]) }
        assertThrowsDiffusionError("must strictly decrease") { try NoiseSchedule(alphaBar: [0.9, 0.95]) }
        assertThrowsDiffusionError("(0, 1)") { try NoiseSchedule(alphaBar: [0.9, 0, 0]) }  // 0 only last
        assertThrowsDiffusionError("unknown beta schedule 'quadratic'") { try BetaSchedule(name: "quadratic") }
        assertThrowsDiffusionError("unknown timestep spacing 'uniform'") { try TimestepSpacing(name: "uniform") }
        assertThrowsDiffusionError("unknown variance type 'learned'") { try VarianceType(name: "learned") }
        assertThrowsDiffusionError("unknown prediction type 'noise'") { try PredictionType(name: "noise") }
        assertThrowsDiffusionError("length of the explicit beta array") { try NoiseSchedule(.explicit([0.1]), timesteps: 2) }
        assertThrowsDiffusionError("maxBeta") { try NoiseSchedule(.cosine(maxBeta: 1.5), timesteps: 10) }
        let s = try NoiseSchedule(.linear(), timesteps: 10)
        assertThrowsDiffusionError("strictly increase") { try s.respaced(to: [3, 3]) }
        assertThrowsDiffusionError("sampling steps") { try TimestepSpacing.leading.timesteps(steps: 11, trainingSteps: 10) }
        assertThrowsDiffusionError("offset") { try TimestepSpacing.leading.timesteps(steps: 5, trainingSteps: 10, offset: 2) }
        let x = Tensor.zeros([2, 3])
        assertThrowsDiffusionError("outside 0..<10") { try s.marginalSample(x0: x, timesteps: [0, 10], noise: x) }
        assertThrowsDiffusionError("2 examples") { try s.marginalSample(x0: x, timesteps: [1], noise: x) }
        assertThrowsDiffusionError("expected shape [2, 3]") {
            try s.marginalSample(x0: x, timesteps: [1, 2], noise: Tensor.zeros([2, 4]))
        }
        assertThrowsDiffusionError("rank ≥ 1") { try s.posterior(x0: Tensor(1), xt: Tensor(1), timesteps: []) }
        let learned = GaussianDiffusion(schedule: s, variance: .learnedRange)
        assertThrowsDiffusionError("model output (learned_range)") {
            try learned.reverseStep(modelOutput: Tensor.zeros([2, 3]), xt: x, timesteps: [1, 1])
        }
        assertThrowsDiffusionError("eta") { try DDIMSampler(diffusion: learned, steps: 5, eta: -1) }
        assertThrowsDiffusionError("strictly decreasing") { try DDIMSampler(diffusion: learned, timesteps: [1, 5]) }
        assertThrowsDiffusionError("stride") {
            var g = RandomGenerator(seed: 1)
            return try learned.bitsPerDimension(
                model: try GaussianMixtureDenoiser(weights: [1], means: [[0, 0, 0]], deviations: [1], schedule: s),
                x0: x, stride: 0, generator: &g)
        }
        var g = RandomGenerator(seed: 1)
        assertThrowsDiffusionError("one label per example") {
            try DDPMSampler(diffusion: GaussianDiffusion(schedule: s)).sample(
                model: try GaussianMixtureDenoiser(weights: [1], means: [[0, 0, 0]], deviations: [1], schedule: s),
                shape: [2, 3], classLabels: [1], generator: &g)
        }
    }
}
