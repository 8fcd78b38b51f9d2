import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// A model that answers with a function of x_t and t (here: oracles that know the clean batch).
private struct FunctionModel: DenoisingModel {
    let answer: (Tensor, [Int]) -> Tensor
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor { answer(x, timesteps) }
}

final class NoisePredictionErrorTests: XCTestCase {
    /// Oracles that know x0 have no error whatever they predict (ε̂ is read through the prediction type);
    /// a model that predicts ε̂ = 0 has the error E[ε²] = 1.
    func testErrorIsReadThroughThePredictionType() throws {
        let schedule = try NoiseSchedule(.linear(), timesteps: 200)
        var generator = RandomGenerator(seed: 1)
        let x0 = Tensor(shape: [64, 3], scalars: (0..<192).map { _ in generator.nextUniform() * 2 - 1 })
        let a = schedule.double.alphaBar
        func perExample(_ timesteps: [Int], _ f: (Double) -> Double) -> Tensor {
            Tensor(shape: [64, 1], scalars: timesteps.map { Float(f(a[$0])) })
        }
        let oracles: [(PredictionType, FunctionModel)] = [
            (.sample, FunctionModel { _, _ in x0 }),
            (
                .epsilon,
                FunctionModel { x, t in (x - x0 * perExample(t) { $0.squareRoot() }) * perExample(t) { 1 / (1 - $0).squareRoot() } }
            ),
            (
                .velocity,
                FunctionModel { x, t in
                    let epsilon = (x - x0 * perExample(t) { $0.squareRoot() }) * perExample(t) { 1 / (1 - $0).squareRoot() }
                    return epsilon * perExample(t) { $0.squareRoot() } - x0 * perExample(t) { (1 - $0).squareRoot() }
                }
            ),
        ]
        for (prediction, oracle) in oracles {
            let diffusion = GaussianDiffusion(schedule: schedule, prediction: prediction)
            var draws = RandomGenerator(seed: 2)
            let (errors, timesteps) = try diffusion.noisePredictionError(model: oracle, x0: x0, generator: &draws)
            XCTAssertEqual(errors.count, 64)
            XCTAssertEqual(Set(timesteps).count > 20, true, "t is drawn per example")
            XCTAssertLessThan(errors.max()!, 1e-6, "\(prediction)")
        }
        var draws = RandomGenerator(seed: 3)
        let zero = FunctionModel { x, _ in Tensor.zeros(x.shape) }
        let errors = try GaussianDiffusion(schedule: schedule).noisePredictionError(model: zero, x0: x0, generator: &draws).errors
        XCTAssertEqual(errors.reduce(0, +) / 64, 1, accuracy: 0.15)
        XCTAssertThrowsError(
            try GaussianDiffusion(schedule: schedule).noisePredictionError(
                model: zero, x0: Tensor(shape: [0, 3], scalars: []), generator: &draws))
    }
}
