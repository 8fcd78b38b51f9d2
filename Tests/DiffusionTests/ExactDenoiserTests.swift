import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// With the exact ε-predictor of a Gaussian mixture, every sampler must
/// reproduce the mixture's moments, and the likelihood bound must be finite
/// and tighten as T grows.
final class ExactDenoiserTests: XCTestCase {
    let mixtureWeights = [0.3, 0.7]
    let mixtureMeans = [[-0.6], [0.5]]
    let mixtureDeviations = [0.1, 0.2]

    /// Mean, variance and the mass of the left mode of 1-D samples, against the mixture's.
    func assertMixtureMoments(_ samples: Tensor, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let values = samples.scalars.map(Double.init)
        XCTAssertTrue(values.allSatisfy { $0.isFinite }, "\(label): non-finite samples", file: file, line: line)
        let m = moments(values)
        let mean = zip(mixtureWeights, mixtureMeans).reduce(0) { $0 + $1.0 * $1.1[0] }
        let second = (0..<2).reduce(0.0) {
            $0 + mixtureWeights[$1] * (mixtureDeviations[$1] * mixtureDeviations[$1] + mixtureMeans[$1][0] * mixtureMeans[$1][0])
        }
        let variance = second - mean * mean
        let leftMass = Double(values.filter { $0 < 0 }.count) / Double(values.count)
        XCTAssertEqual(m.mean, mean, accuracy: 0.04, "\(label) mean", file: file, line: line)
        XCTAssertEqual(m.variance, variance, accuracy: 0.04, "\(label) variance", file: file, line: line)
        XCTAssertEqual(leftMass, 0.3, accuracy: 0.04, "\(label) left-mode mass", file: file, line: line)
        // The modes stay sharp: few samples fall between them.
        let between = Double(values.filter { $0 > -0.2 && $0 < 0.0 }.count) / Double(values.count)
        XCTAssertLessThan(between, 0.03, "\(label) mass between the modes", file: file, line: line)
    }

    func testSamplersReproduceMixtureMoments() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        let model = try GaussianMixtureDenoiser(weights: mixtureWeights, means: mixtureMeans, deviations: mixtureDeviations, schedule: s)
        let n = 2000
        let diffusion = GaussianDiffusion(schedule: s)
        let samplers: [(String, any Sampler)] = [
            ("DDPM-1000 fixed_small", DDPMSampler(diffusion: diffusion)),
            ("DDIM-50", try DDIMSampler(diffusion: diffusion, steps: 50)),
            ("DPM-Solver++-20", try DPMSolverPlusPlus(diffusion: diffusion, steps: 20)),
        ]
        for (label, sampler) in samplers {
            var g = RandomGenerator(seed: 2024)
            var calls = 0
            let samples = try sampler.sample(model: model, shape: [n, 1], generator: &g) { step in
                calls += 1
                XCTAssertEqual(step.sample.shape, [n, 1])
            }
            XCTAssertEqual(calls, sampler.timesteps.count)
            assertMixtureMoments(samples, label)
        }
    }

    /// Fewer draws for the other variants: fixed_large, respaced DDPM, DDIM with η = 1.
    func testOtherSamplerVariantsReproduceMixtureMoments() throws {
        let s = try NoiseSchedule(.cosine(), timesteps: 200)
        let model = try GaussianMixtureDenoiser(weights: mixtureWeights, means: mixtureMeans, deviations: mixtureDeviations, schedule: s)
        let samplers: [(String, any Sampler)] = [
            ("DDPM fixed_large", DDPMSampler(diffusion: GaussianDiffusion(schedule: s, variance: .fixedLarge))),
            ("DDPM respaced to 50", try DDPMSampler(respacing: GaussianDiffusion(schedule: s), steps: 50)),
            ("DDIM-40 η=1 trailing", try DDIMSampler(diffusion: GaussianDiffusion(schedule: s), steps: 40, spacing: .trailing, eta: 1)),
        ]
        for (label, sampler) in samplers {
            var g = RandomGenerator(seed: 77)
            assertMixtureMoments(try sampler.sample(model: model, shape: [2000, 1], generator: &g), label)
        }
    }

    /// A learned_range model emitting v = 0 (σ² between β̃ and β) also samples the mixture.
    func testLearnedRangeSampling() throws {
        struct WithVariance: DenoisingModel {
            let inner: GaussianMixtureDenoiser
            func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
                Tensor.concat([try inner(x, timesteps: timesteps, classLabels: classLabels), Tensor.zeros(x.shape)], axis: 1)
            }
        }
        let s = try NoiseSchedule(.cosine(), timesteps: 200)
        let model = WithVariance(
            inner: try GaussianMixtureDenoiser(weights: mixtureWeights, means: mixtureMeans, deviations: mixtureDeviations, schedule: s))
        var g = RandomGenerator(seed: 5)
        let sampler = DDPMSampler(diffusion: GaussianDiffusion(schedule: s, variance: .learnedRange))
        assertMixtureMoments(try sampler.sample(model: model, shape: [2000, 1], generator: &g), "DDPM learned_range")
    }

    /// The bound for the same data at T = 4, 16, 64 (fixed_large, cosine), for
    /// the mixture in 8 dimensions (per-dimension noise averages out):
    /// finite, above zero, and tighter as T grows. The differences are paired
    /// per example, so the spread of −log p(x0) over the data cancels.
    func testBitsPerDimensionIsFiniteAndDecreasesWithT() throws {
        var totals: [[Double]] = []
        let d = 8
        for T in [4, 16, 64] {
            let s = try NoiseSchedule(.cosine(), timesteps: T)
            let model = try GaussianMixtureDenoiser(
                weights: mixtureWeights, means: mixtureMeans.map { [Double](repeating: $0[0], count: d) },
                deviations: mixtureDeviations, schedule: s)
            var g = RandomGenerator(seed: 8)
            let data = model.sample(200, generator: &g)
            let bound = try GaussianDiffusion(schedule: s, variance: .fixedLarge).bitsPerDimension(model: model, x0: data, generator: &g)
            XCTAssertFalse(bound.isEstimate)
            XCTAssertEqual(bound.termTimesteps, Array((1..<T).reversed()))
            XCTAssertTrue(bound.total.allSatisfy { $0.isFinite && $0 > 0 }, "T=\(T)")
            totals.append(bound.total)
        }
        for k in 1..<totals.count {
            let differences = zip(totals[k - 1], totals[k]).map { $0 - $1 }
            let m = moments(differences)
            let standardError = (m.variance / Double(differences.count)).squareRoot()
            XCTAssertGreaterThan(m.mean, 3 * standardError, "bits/dim must decrease: mean drop \(m.mean) ± \(standardError)")
        }
    }

    /// A strided bound is labelled an estimate and agrees with the full bound.
    func testStridedBoundIsAnEstimateNearTheFullBound() throws {
        let s = try NoiseSchedule(.cosine(), timesteps: 100)
        let model = try GaussianMixtureDenoiser(weights: mixtureWeights, means: mixtureMeans, deviations: mixtureDeviations, schedule: s)
        var g = RandomGenerator(seed: 4)
        let data = model.sample(500, generator: &g)
        let diffusion = GaussianDiffusion(schedule: s)
        let full = try diffusion.bitsPerDimension(model: model, x0: data, generator: &g)
        let strided = try diffusion.bitsPerDimension(model: model, x0: data, stride: 5, generator: &g)
        XCTAssertTrue(strided.isEstimate)
        XCTAssertEqual(strided.termTimesteps.count, 20)
        let differences = zip(full.total, strided.total).map { $0 - $1 }
        let m = moments(differences)
        XCTAssertEqual(
            m.mean, 0, accuracy: 4 * (m.variance / Double(differences.count)).squareRoot() + 0.01,
            "full \(full.mean) vs strided \(strided.mean)")
    }
}
