import Foundation
import Tensors
import XCTest
@testable import Diffusion

final class VariationalBoundTests: XCTestCase {
    /// The ELBO telescopes: on a 1-D toy with a known model (the exact mixture
    /// denoiser, fixed_large), prior + Σ KL + decoder equals the direct
    /// Monte-Carlo estimate of E_q[log q(x_{1:T}|x0) − log p(x_{0:T})].
    func testBoundEqualsDirectMonteCarloOfTheLogRatio() throws {
        let s = try NoiseSchedule(.linear(start: 0.05, end: 0.5), timesteps: 8)
        let d = s.double
        let model = try GaussianMixtureDenoiser(weights: [0.4, 0.6], means: [[-0.5], [0.4]], deviations: [0.2, 0.3], schedule: s)
        let diffusion = GaussianDiffusion(schedule: s, variance: .fixedLarge)
        let n = 20_000
        let grid: [Float] = [0.2, -0.6, 0.8, -1]
        let x0 = Tensor(shape: [n, 1], scalars: (0..<n).map { grid[$0 % grid.count] })
        var g = RandomGenerator(seed: 99)
        let bound = try diffusion.bitsPerDimension(model: model, x0: x0, generator: &g)
        let library = bound.total.map { $0 * log(2.0) }

        // Direct: one forward trajectory per example, log q − log p summed along it.
        let T = s.count
        var states = [x0]
        var logRatio = [Double](repeating: 0, count: n)
        for i in 0..<T {
            let next = try s.oneStepSample(
                previous: states[i], timesteps: [Int](repeating: i, count: n), noise: Tensor.randn([n, 1], generator: &g))
            for b in 0..<n {
                logRatio[b] += logNormal(
                    Double(next.scalars[b]), mean: (1 - d.betas[i]).squareRoot() * Double(states[i].scalars[b]), variance: d.betas[i])
            }
            states.append(next)
        }
        for b in 0..<n { logRatio[b] -= logNormal(Double(states[T].scalars[b]), mean: 0, variance: 1) }
        try GradMode.withoutGradient {
            for i in 0..<T {
                let steps = [Int](repeating: i, count: n)
                let output = try model(states[i + 1], timesteps: steps, classLabels: nil)
                let p = try diffusion.reverseStep(modelOutput: output, xt: states[i + 1], timesteps: steps).distribution
                if i == 0 {
                    let logDecoder = DiscretizedGaussian.logLikelihood(x: x0, mean: p.mean, logVariance: p.logVariance)
                    for b in 0..<n { logRatio[b] -= Double(logDecoder.scalars[b]) }
                } else {
                    for b in 0..<n {
                        logRatio[b] -= logNormal(Double(states[i].scalars[b]), mean: Double(p.mean.scalars[b]), variance: d.betas[i])
                    }
                }
            }
        }
        let a = moments(library), direct = moments(logRatio)
        let standardError = (a.variance / Double(n) + direct.variance / Double(n)).squareRoot()
        XCTAssertEqual(a.mean, direct.mean, accuracy: 4 * standardError, "bound \(a.mean) nats vs direct \(direct.mean) nats")
        XCTAssertLessThan(standardError, 0.05 * abs(direct.mean), "the comparison must be sharp enough to mean something")
    }
}

final class TrainingLossTests: XCTestCase {
    /// The hybrid loss stops the gradient through the mean inside L_vlb: on the
    /// prediction half it equals the L_simple gradient; the variance half trains.
    func testHybridLossStopsGradientOnTheMean() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        let diffusion = GaussianDiffusion(schedule: s, variance: .learnedRange)
        var g = RandomGenerator(seed: 12)
        let x0 = Tensor.uniform([4, 2, 3, 2], low: -1, high: 1, generator: &g)
        let steps = [0, 3, 400, 999]
        let (xt, noise) = try s.marginalSample(x0: x0, timesteps: steps, generator: &g)
        let raw = Tensor.randn([4, 4, 3, 2], generator: &g).scalars.map { $0 * 0.5 }
        func gradient(_ kind: LossKind) throws -> [Float] {
            let output = Tensor(shape: [4, 4, 3, 2], scalars: raw, requiresGrad: true)
            let loss = try diffusion.trainingLoss(modelOutput: output, x0: x0, noise: noise, xt: xt, timesteps: steps, kind: kind)
            XCTAssertTrue(loss.loss.item.isFinite)
            loss.loss.backward()
            return output.grad!.scalars
        }
        let simple = try gradient(.simple), hybrid = try gradient(.hybrid()), bound = try gradient(.variationalBound)
        let halves = (0..<simple.count).map { ($0 / 6) % 4 < 2 }
        var meanDifference: Float = 0, varianceHybrid: Float = 0, varianceSimple: Float = 0, meanBound: Float = 0
        for i in 0..<simple.count {
            if halves[i] {
                meanDifference = max(meanDifference, abs(simple[i] - hybrid[i]))
                meanBound = max(meanBound, abs(bound[i]))
            } else {
                varianceHybrid = max(varianceHybrid, abs(hybrid[i]))
                varianceSimple = max(varianceSimple, abs(simple[i]))
            }
        }
        XCTAssertLessThan(meanDifference, 1e-7, "hybrid gradient on the mean half must equal L_simple's")
        XCTAssertGreaterThan(varianceHybrid, 1e-6, "the variance half must train under the hybrid loss")
        XCTAssertEqual(varianceSimple, 0, "L_simple does not reach the variance half")
        XCTAssertGreaterThan(meanBound, 1e-6, "the pure bound trains the mean")
    }

    /// L_simple is the MSE against ε, x0 or v by prediction type.
    func testSimpleLossTargets() throws {
        let s = try NoiseSchedule(.cosine(), timesteps: 50)
        var g = RandomGenerator(seed: 6)
        let x0 = Tensor.randn([3, 5], generator: &g)
        let steps = [0, 25, 49]
        let (xt, noise) = try s.marginalSample(x0: x0, timesteps: steps, generator: &g)
        let output = Tensor.randn([3, 5], generator: &g)
        for type in PredictionType.allCases {
            let loss = try GaussianDiffusion(schedule: s, prediction: type).trainingLoss(
                modelOutput: output, x0: x0, noise: noise, xt: xt, timesteps: steps)
            for b in 0..<3 {
                let d = s.double, t = steps[b]
                var total = 0.0
                for j in 0..<5 {
                    let e = Double(noise.scalars[b * 5 + j]), x = Double(x0.scalars[b * 5 + j])
                    let target = type == .epsilon ? e : type == .sample ? x : d.sqrtAlphaBar[t] * e - d.sqrtOneMinusAlphaBar[t] * x
                    total += pow(Double(output.scalars[b * 5 + j]) - target, 2)
                }
                XCTAssertEqual(Double(loss.perExample[b]), total / 5, accuracy: 1e-5, "\(type)")
            }
        }
    }

    func testUniformTimestepsAndBuckets() throws {
        var g = RandomGenerator(seed: 1)
        let draws = UniformTimesteps.draw(batch: 4000, timesteps: 100, generator: &g)
        XCTAssertTrue(draws.allSatisfy { (0..<100).contains($0) })
        XCTAssertEqual(Set(draws).count, 100)
        var buckets = TimestepLossBuckets(timesteps: 100)
        buckets.record(losses: [1, 3, 10, 20, 7], timesteps: [0, 24, 25, 99, 60])
        XCTAssertEqual(buckets.counts, [2, 1, 1, 1])
        XCTAssertEqual(buckets.means.map { $0 ?? -1 }, [2, 10, 7, 20])
        buckets.reset()
        XCTAssertEqual(buckets.means.compactMap { $0 }.count, 0)

        let s = try NoiseSchedule(.linear(), timesteps: 100)
        let model = try GaussianMixtureDenoiser(weights: [1], means: [[0, 0]], deviations: [0.5], schedule: s)
        let loss = try GaussianDiffusion(schedule: s).trainingLoss(model: model, x0: model.sample(64, generator: &g), generator: &g)
        buckets.record(loss)
        XCTAssertEqual(buckets.counts.reduce(0, +), 64)
        // The exact denoiser's ε-MSE is below 1 (the MSE of predicting zero).
        XCTAssertLessThan(Double(loss.loss.item), 1)
    }
}
