import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Zero terminal SNR (Lin et al. 2024): the rescaled schedule, and no division
/// by zero anywhere at ᾱ_T = 0 — samplers at t = T, the loss, the weights.
final class ZeroTerminalSNRTests: XCTestCase {
    private func rescaled() throws -> NoiseSchedule {
        try NoiseSchedule(.linear(start: 1e-4, end: 0.02), timesteps: 1000).rescaledToZeroTerminalSNR()
    }

    /// Algorithm 1 computed directly: ᾱ_T = 0 exactly, ᾱ_1 kept, the shape of √ᾱ affine in the original.
    func testRescaledScheduleMatchesAlgorithmOne() throws {
        let original = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), timesteps: 1000)
        let schedule = try rescaled()
        XCTAssertTrue(schedule.hasZeroTerminalSNR)
        XCTAssertFalse(original.hasZeroTerminalSNR)
        XCTAssertEqual(schedule.double.alphaBar[999], 0)
        XCTAssertEqual(schedule.double.betas[999], 1)
        XCTAssertEqual(schedule.double.signalToNoise[999], 0)
        XCTAssertEqual(schedule.double.alphaBar[0], original.double.alphaBar[0], accuracy: 1e-15)
        let a0 = original.double.sqrtAlphaBar[0], aT = original.double.sqrtAlphaBar[999]
        for t in stride(from: 0, to: 999, by: 37) {
            let expected = (original.double.sqrtAlphaBar[t] - aT) * a0 / (a0 - aT)
            XCTAssertEqual(schedule.double.sqrtAlphaBar[t], expected, accuracy: 1e-12, "t = \(t)")
        }
        // A β of 1 anywhere but last is still refused.
        XCTAssertThrowsError(try NoiseSchedule(betas: [0.1, 1, 0.2]))
    }

    func testSchedulerConfigKeyAndPredictionCheck() throws {
        let v = #"{"rescale_betas_zero_snr": true, "prediction_type": "v_prediction"}"#
        let config = try SchedulerConfig.parse(Data(v.utf8))
        XCTAssertTrue(config.rescaleBetasZeroSNR)
        XCTAssertTrue(try config.makeSchedule().hasZeroTerminalSNR)
        XCTAssertEqual(try SchedulerConfig.parse(config.jsonData()), config)
        XCTAssertFalse(String(decoding: SchedulerConfig().jsonData(), as: UTF8.self).contains("rescale_betas_zero_snr"))
        XCTAssertThrowsError(try SchedulerConfig.parse(Data(#"{"rescale_betas_zero_snr": true}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("zero-terminal-SNR"), "\(error)")
        }
    }

    func testEpsilonToX0IsRefusedAtZeroSignal() throws {
        let schedule = try rescaled()
        let x = Tensor.zeros([1, 4])
        XCTAssertThrowsError(try schedule.x0(fromEpsilon: x, xt: x, timesteps: [999]))
        XCTAssertNoThrow(try schedule.x0(fromEpsilon: x, xt: x, timesteps: [998]))
    }

    /// Every sampler starts at t = T = 999 (DDIM trailing, DDPM, DPM-Solver++) and stays finite.
    func testSamplersAreFiniteFromTheTerminalStep() throws {
        let diffusion = GaussianDiffusion(
            schedule: try rescaled(), prediction: .velocity, variance: .fixedSmall,
            denoisedClipping: .clip(range: 1))
        let model = LinearVelocity()
        let samplers: [any Sampler] = [
            try DDIMSampler(diffusion: diffusion, steps: 10, spacing: .trailing),
            try DDPMSampler(respacing: diffusion, steps: 10, spacing: .trailing),
            try DPMSolverPlusPlus(diffusion: diffusion, steps: 10, spacing: .trailing),
        ]
        for sampler in samplers {
            XCTAssertEqual(sampler.timesteps.first, 999, "\(type(of: sampler)) starts at T")
            var generator = RandomGenerator(seed: 1)
            let out = try sampler.sample(model: model, shape: [2, 6], generator: &generator)
            XCTAssertTrue(out.scalars.allSatisfy(\.isFinite), "\(type(of: sampler)): \(out.scalars)")
        }
    }

    /// The v-prediction loss (weighted by min-SNR) at t = T is finite.
    func testLossIsFiniteAtTheTerminalStep() throws {
        let diffusion = GaussianDiffusion(schedule: try rescaled(), prediction: .velocity)
        let x0 = Tensor(shape: [2, 3], scalars: [0.5, -0.5, 1, -1, 0, 0.25])
        let noise = Tensor(shape: [2, 3], scalars: [1, -1, 0.5, 0.1, 2, -2])
        let xt = try diffusion.schedule.marginalSample(x0: x0, timesteps: [999, 999], noise: noise)
        XCTAssertEqual(xt.scalars, noise.scalars, "x_T is pure noise")
        let weights = LossWeighting.minSNR(gamma: 5).weights(timesteps: [999, 999], schedule: diffusion.schedule, prediction: .velocity)
        let loss = try diffusion.trainingLoss(
            modelOutput: Tensor.zeros([2, 3]), x0: x0, noise: noise, xt: xt,
            timesteps: [999, 999], weights: weights)
        XCTAssertTrue(loss.perExample.allSatisfy(\.isFinite))
    }
}

/// v̂ = 0.1·x, a stand-in network.
private struct LinearVelocity: DenoisingModel {
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor { x * 0.1 }
}
