import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// The loss weights, per prediction type, against a direct computation: the
/// weight on the x0 error times the ratio of the target's error to the x0 error.
final class LossWeightingTests: XCTestCase {
    /// ‖target error‖² / ‖x0 error‖² at `snr`: SNR for ε, 1 for x0, SNR + 1 for v.
    private func errorRatio(_ prediction: PredictionType, _ snr: Double) -> Double {
        switch prediction {
        case .epsilon: return snr
        case .sample: return 1
        case .velocity: return snr + 1
        }
    }

    func testWeightsEqualTheX0WeightDividedByTheErrorRatio() {
        let gamma = 5.0
        let x0Weights: [(LossWeighting, (Double) -> Double)] = [
            (.minSNR(gamma: gamma), { min($0, gamma) }),
            (.softMinSNR(gamma: gamma), { $0 * gamma / ($0 + gamma) }),
            (.signalToNoise, { $0 }),
            (.p2(k: 1, gamma: 0.5), { $0 / pow(1 + $0, 0.5) }),
            (.none, { _ in .nan }),
        ]
        for (weighting, x0Weight) in x0Weights {
            for prediction in [PredictionType.epsilon, .sample, .velocity] {
                for snr in [1e-4, 0.3, 1, 4.99, 5, 7, 250, 1e5] {
                    let expected = weighting == .none ? 1 : x0Weight(snr) / errorRatio(prediction, snr)
                    XCTAssertEqual(
                        weighting.weight(signalToNoise: snr, prediction: prediction), expected,
                        accuracy: 1e-12 * max(1, expected), "\(weighting) \(prediction) SNR \(snr)")
                }
            }
        }
    }

    /// At SNR = 0 (a zero-terminal-SNR schedule's last step) nothing divides by zero.
    func testWeightsAreFiniteAtZeroSignalToNoise() {
        for weighting in [LossWeighting.minSNR(gamma: 5), .softMinSNR(gamma: 5), .signalToNoise, .p2(k: 1, gamma: 1)] {
            for prediction in [PredictionType.epsilon, .sample, .velocity] {
                let w = weighting.weight(signalToNoise: 0, prediction: prediction)
                XCTAssertTrue(w.isFinite && w >= 0, "\(weighting) \(prediction): \(w)")
            }
        }
        XCTAssertEqual(LossWeighting.minSNR(gamma: 5).weight(signalToNoise: 0, prediction: .epsilon), 1)
        XCTAssertEqual(LossWeighting.minSNR(gamma: 5).weight(signalToNoise: 0, prediction: .velocity), 0)
    }

    /// The options draw nothing extra when off, and the weighted loss is the weighted mean.
    func testPlainOptionsReproduceThePlainLossAndWeightsScaleTheMSE() throws {
        let schedule = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), timesteps: 100)
        let diffusion = GaussianDiffusion(schedule: schedule)
        let model = ConstantModel(value: 0.1)
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let x0 = Tensor(shape: [4, 1, 2, 2], scalars: (0..<16).map { Float($0) / 16 - 0.5 })
        let plain = try diffusion.trainingLoss(model: model, x0: x0, generator: &g1)
        let same = try diffusion.trainingLoss(model: model, x0: x0, options: TrainingLossOptions(), generator: &g2)
        XCTAssertEqual(plain.perExample, same.perExample)
        XCTAssertEqual(g1.nextUniform(), g2.nextUniform(), "no extra draws")

        var g3 = RandomGenerator(seed: 3)
        let weighted = try diffusion.trainingLoss(
            model: model, x0: x0, options: TrainingLossOptions(weighting: .minSNR(gamma: 5)),
            generator: &g3)
        XCTAssertEqual(weighted.timesteps, plain.timesteps)
        for (i, t) in plain.timesteps.enumerated() {
            let w = LossWeighting.minSNR(gamma: 5).weight(signalToNoise: schedule.double.signalToNoise[t], prediction: .epsilon)
            XCTAssertEqual(Double(weighted.perExample[i]), Double(plain.perExample[i]) * w, accuracy: 1e-6)
        }
    }

    /// Offset noise adds one constant per example and channel to ε (and so to the target).
    func testOffsetNoiseIsConstantOverPixels() throws {
        let schedule = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), timesteps: 100)
        let diffusion = GaussianDiffusion(schedule: schedule)
        let recorder = InputRecorder()
        let x0 = Tensor.zeros([2, 3, 4, 4])
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5)
        _ = try diffusion.trainingLoss(model: recorder, x0: x0, generator: &g1)
        let plainInput = recorder.last!
        _ = try diffusion.trainingLoss(model: recorder, x0: x0, options: TrainingLossOptions(offsetNoise: 0.1), generator: &g2)
        let offsetInput = recorder.last!
        var g3 = RandomGenerator(seed: 5)
        let t = UniformTimesteps.draw(batch: 2, timesteps: 100, generator: &g3)
        for b in 0..<2 {
            let scale = Float(schedule.double.sqrtOneMinusAlphaBar[t[b]])
            for c in 0..<3 {
                let base = (b * 3 + c) * 16
                let shifts = (0..<16).map { (offsetInput.scalars[base + $0] - plainInput.scalars[base + $0]) / scale }
                for shift in shifts { XCTAssertEqual(shift, shifts[0], accuracy: 1e-5) }
                XCTAssertNotEqual(shifts[0], 0)
            }
        }
    }
}

/// Predicts a constant everywhere.
private struct ConstantModel: DenoisingModel {
    let value: Float
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        Tensor(shape: x.shape, scalars: [Float](repeating: value, count: x.count))
    }
}

/// Remembers the last x_t it was given and predicts zero.
private final class InputRecorder: DenoisingModel {
    var last: Tensor?
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        last = x
        return Tensor.zeros(x.shape)
    }
}
