import Tensors
import XCTest
@testable import Diffusion

final class ImportanceSampledTimestepsTests: XCTestCase {
    func testUniformUntilWarmThenBySecondMoment() {
        var sampler = ImportanceSampledTimesteps(timesteps: 4)
        var generator = RandomGenerator(seed: 1)
        XCTAssertEqual(sampler.probabilities, [0.25, 0.25, 0.25, 0.25])
        XCTAssertEqual(sampler.draw(batch: 5, generator: &generator).weights, [1, 1, 1, 1, 1])
        for _ in 0..<12 { sampler.record(timesteps: [0, 1, 2, 3], losses: [4, 1, 1, 2]) }
        XCTAssertTrue(sampler.isWarmedUp)
        XCTAssertEqual(sampler.history[0].count, ImportanceSampledTimesteps.historyLength, "only the last 10 losses are kept")
        let p = sampler.probabilities
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(p[0], 4.0 / 8 * 0.999 + 0.001 / 4, accuracy: 1e-12)
        XCTAssertEqual(p[3], 2.0 / 8 * 0.999 + 0.001 / 4, accuracy: 1e-12)
    }

    /// E_p[w(t)·L_t] = (1/T) Σ_t L_t: the weights keep the loss estimate unbiased.
    func testWeightedEstimateIsUnbiased() {
        var sampler = ImportanceSampledTimesteps(timesteps: 5)
        let losses: [Float] = [9, 0.5, 1, 3, 0.1]
        for _ in 0..<10 { sampler.record(timesteps: Array(0..<5), losses: losses) }
        var generator = RandomGenerator(seed: 2)
        let (timesteps, weights) = sampler.draw(batch: 200_000, generator: &generator)
        let estimate = zip(timesteps, weights).reduce(0.0) { $0 + Double($1.1) * Double(losses[$1.0]) } / 200_000
        XCTAssertEqual(estimate, Double(losses.reduce(0, +)) / 5, accuracy: 0.02)
        XCTAssertGreaterThan(timesteps.filter { $0 == 0 }.count, timesteps.filter { $0 == 4 }.count * 10)
    }
}
