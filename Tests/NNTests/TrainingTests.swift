import Foundation
import NN
import Tensors
import XCTest

/// End to end: a Linear–SiLU–Linear network trained with AdamW fits a
/// small regression problem.
final class TrainingTests: XCTestCase {
    func testMLPWithAdamWFitsASineCurve() throws {
        var rng = RandomGenerator(seed: 2024)
        let model = Sequential([Linear(1, 32, generator: &rng), SiLU(), Linear(32, 1, generator: &rng)])
        let xs = (0..<64).map { -2 + 4 * Float($0) / 63 }
        let x = Tensor(shape: [64, 1], scalars: xs)
        let y = Tensor(shape: [64, 1], scalars: xs.map { sin(2 * $0) })
        func loss() -> Tensor { (model(x) - y).square().mean() }

        let untrained = GradMode.withoutGradient { loss().item }
        let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 0.02, weightDecay: 0.01)
        let schedule = try LearningRateSchedule(baseRate: 0.02, warmupSteps: 20)
        for step in 0..<400 {
            optimizer.learningRate = schedule.rate(atStep: step)
            optimizer.zeroGrad()
            loss().backward()
            model.clipGradientNorm(maxNorm: 10)
            optimizer.step()
        }
        let trained = GradMode.withoutGradient { loss().item }
        XCTAssertGreaterThan(untrained, 0.1, "the untrained network should miss the threshold")
        XCTAssertLessThan(trained, 0.01, "trained loss \(trained) (untrained \(untrained))")
    }
}
