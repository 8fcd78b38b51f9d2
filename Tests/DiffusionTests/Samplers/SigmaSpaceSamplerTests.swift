import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// The σ-space samplers (Euler, Euler ancestral, Heun) against whole trajectories of
/// diffusers' schedulers of the same name, dumped by tools/make_sigma_sampler_fixtures.py
/// in float64: noise levels, continuous timesteps, the initial scale, every model input
/// and every sample, at 1e-5 relative to max(1, |value|).
final class SigmaSpaceSamplerTests: XCTestCase {
    struct Fixtures: Decodable {
        struct Evaluation: Decodable {
            let timestep: Double
            let model_input, model_output: [Double]
        }
        struct Case: Decodable {
            let sampler, schedule, prediction_type, spacing, sigmas_kind: String
            let num_inference_steps: Int
            let sigmas, timesteps: [Double]
            let init_noise_sigma: Double
            let initial_noise: [Double]
            let evaluations: [Evaluation]
            let noises: [[Double]]
            let samples: [[Double]]
        }
        let shape: [Int]
        let cases: [Case]
    }

    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/diffusers_sigma_samplers.json")
        return try! JSONDecoder().decode(Fixtures.self, from: try! Data(contentsOf: url))
    }()

    /// Plays back diffusers' recorded model outputs in order and records what it was fed.
    final class ScriptedModel: DenoisingModel {
        let outputs: [[Double]]
        let shape: [Int]
        var inputs: [Tensor] = []
        var timesteps: [Double] = []
        init(outputs: [[Double]], shape: [Int]) { self.outputs = outputs; self.shape = shape }

        func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
            try self(x, continuousTimesteps: timesteps.map(Double.init), classLabels: classLabels)
        }
        func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
            inputs.append(x)
            timesteps.append(continuousTimesteps[0])
            return Tensor(shape: shape, scalars: outputs[inputs.count - 1].map { Float($0) })
        }
    }

    /// Within 1e-5 relative to max(1, |value|), plus 1e-6 of `scale`, the largest magnitude of the step's input:
    /// float32 arithmetic on x_σ of size m (m ≈ σ_max·|z|, up to 10⁴ here) carries ≈ 1e-7·m absolute error per operation.
    func assertClose(
        _ actual: [Float], _ expected: [Double], _ message: String, scale: Double = 0,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for (a, e) in zip(actual, expected) where Swift.abs(Double(a) - e) > 1e-5 * Swift.max(1, Swift.abs(e)) + 1e-6 * scale {
            XCTFail("\(message): \(a) vs diffusers \(e)", file: file, line: line)
            return
        }
    }

    func magnitude(_ values: [Double]) -> Double { values.map { Swift.abs($0) }.max() ?? 0 }

    func diffusion(_ c: Fixtures.Case) throws -> GaussianDiffusion {
        try GaussianDiffusion(
            schedule: NoiseSchedule(BetaSchedule(name: c.schedule), timesteps: 1000),
            prediction: PredictionType(name: c.prediction_type), variance: .fixedSmall)
    }

    func testScheduleMatchesDiffusers() throws {
        for c in Self.fixtures.cases {
            let name = "\(c.sampler) \(c.schedule) \(c.spacing) \(c.sigmas_kind) \(c.num_inference_steps)"
            let schedule = try SigmaSchedule(
                diffusion: diffusion(c), steps: c.num_inference_steps,
                spacing: TimestepSpacing(name: c.spacing), sigmas: SigmaSpacing(name: c.sigmas_kind == "model" ? "model" : c.sigmas_kind))
            let distinct = c.sampler == "heun" ? [c.sigmas[0]] + stride(from: 1, to: c.sigmas.count, by: 2).map { c.sigmas[$0] } : c.sigmas
            XCTAssertEqual(schedule.sigmas.count, distinct.count, name)
            for (a, e) in zip(schedule.sigmas, distinct) { XCTAssertEqual(a, e, accuracy: 1e-6 * Swift.max(1, e), "\(name) sigma") }
            let times =
                c.sampler == "heun" ? [c.timesteps[0]] + stride(from: 1, to: c.timesteps.count, by: 2).map { c.timesteps[$0] } : c.timesteps
            XCTAssertEqual(schedule.timesteps.count, times.count, name)
            for (a, e) in zip(schedule.timesteps, times) { XCTAssertEqual(a, e, accuracy: 1e-3, "\(name) timestep") }
            XCTAssertEqual(schedule.initialScale, c.init_noise_sigma, accuracy: 1e-6 * c.init_noise_sigma, "\(name) initial scale")
        }
    }

    func testDeterministicTrajectoriesMatchDiffusers() throws {
        let shape = Self.fixtures.shape
        for c in Self.fixtures.cases where c.sampler != "euler_ancestral" {
            let name = "\(c.sampler) \(c.prediction_type) \(c.spacing) \(c.sigmas_kind) \(c.num_inference_steps)"
            let model = ScriptedModel(outputs: c.evaluations.map(\.model_output), shape: shape)
            let process = try diffusion(c)
            let sampler: any Sampler =
                c.sampler == "heun"
                ? try HeunSampler(
                    diffusion: process, steps: c.num_inference_steps, spacing: TimestepSpacing(name: c.spacing),
                    sigmas: SigmaSpacing(name: c.sigmas_kind))
                : try EulerSampler(
                    diffusion: process, steps: c.num_inference_steps, spacing: TimestepSpacing(name: c.spacing),
                    sigmas: SigmaSpacing(name: c.sigmas_kind))
            var samples: [Tensor] = []
            var generator = RandomGenerator(seed: 0)
            let result = try sampler.sample(
                model: model, from: Tensor(shape: shape, scalars: c.initial_noise.map { Float($0) }),
                classLabels: nil, generator: &generator
            ) { samples.append($0.sample) }
            XCTAssertEqual(model.inputs.count, c.evaluations.count, "\(name): model evaluations")
            // The largest magnitude seen so far before each evaluation (errors made at large σ carry on).
            let seen = [magnitude(c.initial_noise) * c.init_noise_sigma] + c.samples.map(magnitude)
            let scales = seen.indices.map { seen[...$0].max()! }
            for (i, evaluation) in c.evaluations.enumerated() where i < model.inputs.count {
                XCTAssertEqual(model.timesteps[i], evaluation.timestep, accuracy: 1e-3, "\(name) timestep \(i)")
                assertClose(model.inputs[i].scalars, evaluation.model_input, "\(name) model input \(i)", scale: scales[i])
            }
            // diffusers' Heun reports a sample after each of its 2N − 1 half steps (the Euler
            // predictor, then the corrected step); ours after each whole step.
            let whole =
                c.sampler == "heun"
                ? Array(stride(from: 1, to: c.samples.count - 1, by: 2)) + [c.samples.count - 1]
                : Array(c.samples.indices)
            XCTAssertEqual(samples.count, whole.count, name)
            for (sample, index) in zip(samples, whole) {
                assertClose(sample.scalars, c.samples[index], "\(name) sample \(index)", scale: scales[Swift.max(0, index - 1)])
            }
            assertClose(result.scalars, c.samples.last!, "\(name) result", scale: scales[c.samples.count - 1])
        }
    }

    func testAncestralStepsMatchDiffusers() throws {
        let shape = Self.fixtures.shape
        for c in Self.fixtures.cases where c.sampler == "euler_ancestral" {
            let name = "euler ancestral \(c.prediction_type) \(c.spacing) \(c.num_inference_steps)"
            let process = try diffusion(c)
            let sampler = try EulerAncestralSampler(
                diffusion: process, steps: c.num_inference_steps,
                spacing: TimestepSpacing(name: c.spacing))
            let model = ScriptedModel(outputs: c.evaluations.map(\.model_output), shape: shape)
            var x = Tensor(shape: shape, scalars: c.initial_noise.map { Float($0) }) * Float(sampler.schedule.initialScale)
            // Replayed as diffusers steps a scheduler: the model on the scaled input, then step.
            var run = try sampler.makeRun(fromStep: 0)
            for (i, timestep) in run.timesteps.enumerated() {
                let output = try timestep.evaluate(model, sample: x, classLabels: nil)
                let scale = Double(x.scalars.map { Swift.abs($0) }.max() ?? 0)
                assertClose(model.inputs[i].scalars, c.evaluations[i].model_input, "\(name) model input \(i)", scale: scale)
                XCTAssertEqual(timestep.takesNoise, sampler.schedule.sigmas[i + 1] > 0, "\(name): noise but on the step to σ = 0")
                x = try run.step(
                    modelOutput: output, timestep: timestep, sample: x,
                    noise: Tensor(shape: shape, scalars: c.noises[i].map { Float($0) })
                ).sample
                assertClose(x.scalars, c.samples[i], "\(name) sample after step \(i)", scale: scale)
            }
        }
    }

    /// A model that only takes whole timesteps is refused, with a message, at a fractional one.
    func testWholeTimestepModelsAreRefusedBetweenTrainingTimesteps() throws {
        struct WholeOnly: DenoisingModel {
            func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor { x }
        }
        let process = try GaussianDiffusion(
            schedule: NoiseSchedule(.linear(), timesteps: 1000), prediction: .epsilon, variance: .fixedSmall)
        let x = Tensor(shape: [1, 2], scalars: [0, 0])
        XCTAssertNoThrow(try WholeOnly()(x, continuousTimesteps: [999], classLabels: nil))
        XCTAssertThrowsError(try WholeOnly()(x, continuousTimesteps: [998.5], classLabels: nil)) { error in
            XCTAssertTrue("\(error)".contains("whole timesteps"), "\(error)")
        }
        var generator = RandomGenerator(seed: 1)
        XCTAssertThrowsError(
            try EulerSampler(diffusion: process, steps: 7, sigmas: .karras)
                .sample(model: WholeOnly(), shape: [1, 2], generator: &generator))
    }

    /// Zero terminal SNR: σ_max stays finite (ᾱ_T floored at 2⁻²⁴ as diffusers does) and sampling stays finite.
    func testZeroTerminalSNRGivesFiniteSigmas() throws {
        let schedule = try NoiseSchedule(.linear(), timesteps: 1000).rescaledToZeroTerminalSNR()
        let process = GaussianDiffusion(schedule: schedule, prediction: .velocity, variance: .fixedSmall)
        let sigmas = try SigmaSchedule(diffusion: process, steps: 10, spacing: .trailing, sigmas: .karras)
        XCTAssertTrue(sigmas.sigmas.allSatisfy(\.isFinite))
        XCTAssertEqual(sigmas.sigmas[0], ((1 - 0x1p-24) / 0x1p-24).squareRoot(), accuracy: 1e-3)
    }
}
