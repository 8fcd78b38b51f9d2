import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// A step's random part drawn per example does not depend on how the batch is
/// split (over processes or micro-batches); drawn in batch order it is what the
/// plain `trainingLoss` has always drawn.
final class TrainingNoiseTests: XCTestCase {
    private let options = TrainingLossOptions(offsetNoise: 0.1, inputPerturbation: 0.1)

    private func draw(_ range: Range<Int>, importance: ImportanceSampledTimesteps? = nil) -> TrainingNoise {
        let step = RandomGenerator(seed: 5).substream(3)
        var streams = range.map { step.substream(UInt64($0)) }
        return TrainingNoise(
            exampleShape: [2, 3, 3], streams: &streams, timestepCount: 100, options: options, importance: importance,
            selfConditioned: true, stepStream: step)
    }

    func testPerExampleDrawsDoNotDependOnTheSplit() {
        var warm = ImportanceSampledTimesteps(timesteps: 100)
        for t in 0..<100 {
            for _ in 0..<ImportanceSampledTimesteps.historyLength { warm.record(timesteps: [t], losses: [Float(t % 7) + 1]) }
        }
        for importance in [nil, warm] {
            let whole = draw(0..<8, importance: importance)
            let parts = [draw(0..<2, importance: importance), draw(2..<5, importance: importance), draw(5..<8, importance: importance)]
            XCTAssertEqual(parts.flatMap(\.timesteps), whole.timesteps)
            XCTAssertEqual(parts.flatMap(\.noise.scalars), whole.noise.scalars)
            XCTAssertEqual(parts.flatMap(\.inputNoise.scalars), whole.inputNoise.scalars)
            XCTAssertEqual(parts.compactMap(\.exampleWeights).flatMap { $0 }, whole.exampleWeights ?? [])
            XCTAssertEqual(Set(parts.map(\.selfConditionWithEstimate)), [whole.selfConditionWithEstimate], "one coin per batch")
            XCTAssertEqual(whole.noise.shape, [8, 2, 3, 3])
        }
        // The offset is one draw per example and channel, the same over its pixels.
        let plain = TrainingLossOptions()
        let step = RandomGenerator(seed: 5).substream(3)
        var streams = [step.substream(0)]
        let without = TrainingNoise(
            exampleShape: [2, 3, 3], streams: &streams, timestepCount: 100, options: plain, importance: nil,
            selfConditioned: false, stepStream: step)
        let shift = zip(draw(0..<1).noise.scalars, without.noise.scalars).map { $0 - $1 }
        for channel in 0..<2 {
            let values = shift[(channel * 9)..<(channel * 9 + 9)]
            XCTAssertLessThan(values.max()! - values.min()!, 1e-6)
        }
    }

    func testBatchOrderDrawsAreThoseOfThePlainLoss() throws {
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 50))
        let x0 = Tensor(shape: [4, 1, 2, 2], scalars: (0..<16).map { Float($0) / 16 - 0.5 })
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        let noise = TrainingNoise(
            batchShape: x0.shape, timestepCount: 50, options: TrainingLossOptions(), importance: nil, selfConditioned: false,
            generator: &a)
        let timesteps = UniformTimesteps.draw(batch: 4, timesteps: 50, generator: &b)
        let (_, epsilon) = try diffusion.schedule.marginalSample(x0: x0, timesteps: timesteps, generator: &b)
        XCTAssertEqual(noise.timesteps, timesteps)
        XCTAssertEqual(noise.noise.scalars, epsilon.scalars)
        XCTAssertEqual(a, b, "the same number of draws")
    }
}
