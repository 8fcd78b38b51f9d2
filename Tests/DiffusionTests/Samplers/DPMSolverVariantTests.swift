import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// DPM-Solver++ 3M and the SDE form (orders 2 and 3), and UniPC (bh2, orders 2 and 3), against whole
/// trajectories of diffusers' `DPMSolverMultistepScheduler` and `UniPCMultistepScheduler`, dumped by tools/make_dpm_solver_fixtures.py (float64 schedule,
/// float32 updates as diffusers computes them), at 1e-5 relative to max(1, |value|).
final class DPMSolverVariantTests: XCTestCase {
    struct Fixtures: Decodable {
        struct Case: Decodable {
            let order: Int
            let algorithm_type, prediction_type: String
            let num_inference_steps: Int
            let timesteps: [Int]
            let initial_sample: [Double]
            let model_outputs, noises, samples: [[Double]]
        }
        let shape: [Int]
        let cases: [Case]
    }

    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/diffusers_dpm_solver_variants.json")
        return try! JSONDecoder().decode(Fixtures.self, from: try! Data(contentsOf: url))
    }()

    func tensor(_ values: [Double]) -> Tensor { Tensor(shape: Self.fixtures.shape, scalars: values.map { Float($0) }) }

    func testTrajectoriesMatchDiffusers() throws {
        for c in Self.fixtures.cases where c.algorithm_type != "unipc" {
            let name = "\(c.algorithm_type) order \(c.order) \(c.prediction_type) \(c.num_inference_steps) steps"
            let diffusion = try GaussianDiffusion(
                schedule: NoiseSchedule(.linear(), timesteps: 1000),
                prediction: PredictionType(name: c.prediction_type), variance: .fixedSmall,
                denoisedClipping: .none)
            let solver = try DPMSolverPlusPlus(
                diffusion: diffusion, steps: c.num_inference_steps, order: c.order,
                stochastic: c.algorithm_type == "sde-dpmsolver++")
            XCTAssertEqual(solver.timesteps, c.timesteps, name)
            var x = tensor(c.initial_sample)
            var run = try solver.makeRun(fromStep: 0)
            for (i, timestep) in run.timesteps.enumerated() {
                XCTAssertEqual(timestep.modelTimestep, .discrete(c.timesteps[i]), name)
                x = try run.step(
                    modelOutput: tensor(c.model_outputs[i]), timestep: timestep, sample: x,
                    noise: timestep.takesNoise ? tensor(c.noises[i]) : nil
                ).sample
                for (a, e) in zip(x.scalars, c.samples[i]) where Swift.abs(Double(a) - e) > 1e-5 * Swift.max(1, Swift.abs(e)) {
                    XCTFail("\(name), step \(i): \(a) vs diffusers \(e)")
                    break
                }
            }
        }
    }

    /// UniPC driven by a model that plays back diffusers' outputs: every sample after every step.
    func testUniPCTrajectoriesMatchDiffusers() throws {
        final class Playback: DenoisingModel {
            let outputs: [Tensor]
            var calls = 0
            init(_ outputs: [Tensor]) { self.outputs = outputs }
            func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
                calls += 1
                return outputs[calls - 1]
            }
        }
        var checked = 0
        for c in Self.fixtures.cases where c.algorithm_type == "unipc" {
            let name = "UniPC order \(c.order) \(c.prediction_type) \(c.num_inference_steps) steps"
            let diffusion = try GaussianDiffusion(
                schedule: NoiseSchedule(.linear(), timesteps: 1000),
                prediction: PredictionType(name: c.prediction_type), variance: .fixedSmall,
                denoisedClipping: .none)
            let sampler = try UniPCSampler(diffusion: diffusion, steps: c.num_inference_steps, order: c.order)
            XCTAssertEqual(sampler.timesteps, c.timesteps, name)
            var samples: [Tensor] = []
            var generator = RandomGenerator(seed: 0)
            _ = try sampler.sample(
                model: Playback(c.model_outputs.map(tensor)), from: tensor(c.initial_sample),
                generator: &generator
            ) { samples.append($0.sample) }
            XCTAssertEqual(samples.count, c.samples.count, name)
            for (i, (x, reference)) in zip(samples, c.samples).enumerated() {
                for (a, e) in zip(x.scalars, reference) where Swift.abs(Double(a) - e) > 1e-5 * Swift.max(1, Swift.abs(e)) {
                    XCTFail("\(name), step \(i): \(a) vs diffusers \(e)")
                    break
                }
            }
            checked += 1
        }
        XCTAssertEqual(checked, 4)
    }

    func testOrderIsChecked() throws {
        let diffusion = try GaussianDiffusion(schedule: NoiseSchedule(.linear(), timesteps: 100))
        XCTAssertThrowsError(try DPMSolverPlusPlus(diffusion: diffusion, steps: 10, order: 4))
    }
}
