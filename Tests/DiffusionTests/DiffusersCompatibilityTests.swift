import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Compares with values dumped from huggingface diffusers by
/// tools/make_scheduler_fixtures.py: against the float64 value of diffusers'
/// formula at 1e-6 and against diffusers' own float32 output at 1e-3
/// (relative to max(1, |value|)).
final class DiffusersCompatibilityTests: XCTestCase {
    struct Fixtures: Decodable {
        struct Schedule: Decodable {
            let T: Int
            let betas_f32, alphas_cumprod_f32, betas_f64, alphas_cumprod_f64: [Double]
        }
        struct Step: Decodable {
            let t: Int
            let prev_t_diffusers: Int?
            let index: Int?
            let sample, model_output, noise: [Double]
            let prev_sample_f32, prev_sample_f64, pred_original_sample_f32, pred_original_sample_f64: [Double]
        }
        struct DDPMCase: Decodable {
            let schedule, prediction_type, variance_type: String
            let clip_sample: Bool
            let T: Int
            let steps: [Step]
        }
        struct DDIMCase: Decodable {
            let spacing: String
            let num_inference_steps: Int
            let eta: Double
            let prediction_type: String
            let clip_sample: Bool
            let T: Int
            let timesteps: [Int]
            let steps: [Step]
        }
        struct DPMCase: Decodable {
            let schedule, spacing: String
            let num_inference_steps, T: Int
            let timesteps: [Int]
            let initial_sample: [Double]
            let model_outputs: [[Double]]
            let samples_f32, samples_f64: [[Double]]
        }
        let shape: [Int]
        let schedules: [String: Schedule]
        let ddpm: [DDPMCase]
        let ddim: [DDIMCase]
        let dpmsolver: [DPMCase]
    }

    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/diffusers_schedulers.json")
        let data = try! Data(contentsOf: url)
        return try! JSONDecoder().decode(Fixtures.self, from: data)
    }()

    func tensor(_ values: [Double], _ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: values.map { Float($0) })
    }

    func testSchedulesMatchDiffusers() throws {
        let f = Self.fixtures
        XCTAssertEqual(Set(f.schedules.keys), ["linear", "squaredcos_cap_v2", "scaled_linear", "sigmoid"])
        for (name, reference) in f.schedules {
            let s = try NoiseSchedule(try BetaSchedule(name: name), timesteps: reference.T)
            for i in 0..<reference.T {
                XCTAssertEqual(s.double.betas[i], reference.betas_f64[i], accuracy: 1e-12 * reference.betas_f64[i], "\(name) beta \(i)")
                XCTAssertEqual(
                    s.double.alphaBar[i], reference.alphas_cumprod_f64[i], accuracy: 1e-10 * reference.alphas_cumprod_f64[i],
                    "\(name) alpha_bar \(i)")
            }
            assertClose(s.float.betas, reference.betas_f64, tolerance: 1e-6, "\(name) betas f64")
            assertClose(s.float.alphaBar, reference.alphas_cumprod_f64, tolerance: 1e-6, "\(name) alpha_bar f64")
            assertClose(s.float.betas, reference.betas_f32, tolerance: 1e-3, "\(name) betas f32")
            assertClose(s.float.alphaBar, reference.alphas_cumprod_f32, tolerance: 1e-3, "\(name) alpha_bar f32")
        }
    }

    func testDDPMStepsMatchDiffusers() throws {
        let f = Self.fixtures
        for c in f.ddpm {
            let s = try NoiseSchedule(try BetaSchedule(name: c.schedule), timesteps: c.T)
            let diffusion = GaussianDiffusion(
                schedule: s, prediction: try PredictionType(name: c.prediction_type),
                variance: try VarianceType(name: c.variance_type), clipDenoised: c.clip_sample)
            let sampler = DDPMSampler(diffusion: diffusion)
            var outputShape = f.shape
            outputShape[1] *= diffusion.variance.outputChannelFactor
            for step in c.steps {
                // The run entering at diffusers' t, stepped once as diffusers steps its scheduler.
                var run = try sampler.makeRun(fromStep: c.T - 1 - step.t)
                let timestep = run.timesteps[0]
                XCTAssertEqual(timestep.modelTimestep, .discrete(step.t))
                let output = try run.step(
                    modelOutput: tensor(step.model_output, outputShape), timestep: timestep,
                    sample: tensor(step.sample, f.shape), noise: tensor(step.noise, f.shape))
                let (previous, x0) = (output.sample, output.predictedX0!)
                let label = "DDPM \(c.schedule) \(c.prediction_type) \(c.variance_type) clip=\(c.clip_sample) t=\(step.t)"
                assertClose(previous.scalars, step.prev_sample_f64, tolerance: 1e-6, label + " prev f64")
                assertClose(x0.scalars, step.pred_original_sample_f64, tolerance: 1e-6, label + " x0 f64")
                assertClose(previous.scalars, step.prev_sample_f32, tolerance: 1e-3, label + " prev f32")
                assertClose(x0.scalars, step.pred_original_sample_f32, tolerance: 1e-3, label + " x0 f32")
            }
        }
    }

    func testDDIMTimestepsAndStepsMatchDiffusers() throws {
        let f = Self.fixtures
        for c in f.ddim {
            let s = try NoiseSchedule(.linear(), timesteps: c.T)
            let diffusion = GaussianDiffusion(
                schedule: s, prediction: try PredictionType(name: c.prediction_type), clipDenoised: c.clip_sample)
            let spacing = try TimestepSpacing(name: c.spacing)
            let sampler = try DDIMSampler(diffusion: diffusion, steps: c.num_inference_steps, spacing: spacing, eta: c.eta)
            XCTAssertEqual(sampler.timesteps, c.timesteps, "\(c.spacing) \(c.num_inference_steps)")
            for step in c.steps {
                // Compare the formula at diffusers' own previous timestep (t − T/N).
                let diffusersPrevious = step.prev_t_diffusers!
                let (previous, x0) = try sampler.update(
                    modelOutput: tensor(step.model_output, f.shape), from: step.t,
                    to: diffusersPrevious >= 0 ? diffusersPrevious : nil,
                    sample: tensor(step.sample, f.shape), noise: tensor(step.noise, f.shape))
                let label = "DDIM \(c.spacing) N=\(c.num_inference_steps) η=\(c.eta) t=\(step.t)"
                assertClose(previous.scalars, step.prev_sample_f64, tolerance: 1e-6, label + " prev f64")
                assertClose(x0.scalars, step.pred_original_sample_f64, tolerance: 1e-6, label + " x0 f64")
                assertClose(previous.scalars, step.prev_sample_f32, tolerance: 1e-3, label + " prev f32")
                assertClose(x0.scalars, step.pred_original_sample_f32, tolerance: 1e-3, label + " x0 f32")
                // With "leading" spacing t − T/N is the list's next entry, so the sampler's own step agrees.
                if spacing == .leading {
                    let index = step.index!
                    let listPrevious = index + 1 < c.timesteps.count ? c.timesteps[index + 1] : -1
                    XCTAssertEqual(listPrevious, max(diffusersPrevious, -1), label)
                }
            }
        }
    }

    /// The sampler reads the previous timestep from its list (diffusers' t − T/N is wrong for trailing/linspace).
    func testDDIMUsesThePreviousTimestepFromTheList() throws {
        let s = try NoiseSchedule(.linear(), timesteps: 1000)
        let diffusion = GaussianDiffusion(schedule: s)
        let sampler = try DDIMSampler(diffusion: diffusion, steps: 7, spacing: .trailing)
        let model = try GaussianMixtureDenoiser(weights: [1], means: [[0.2]], deviations: [0.3], schedule: s)
        var g = RandomGenerator(seed: 1)
        let start = Tensor.randn([3, 1], generator: &g)
        var seen: [Int] = []
        let result = try sampler.sample(model: model, from: start, generator: &g) { seen.append($0.timestep) }
        XCTAssertEqual(seen, sampler.timesteps)
        var x = start
        for (i, t) in sampler.timesteps.enumerated() {
            let output = try model(x, timesteps: [t, t, t], classLabels: nil)
            x = try sampler.update(
                modelOutput: output, from: t, to: i + 1 < 7 ? sampler.timesteps[i + 1] : nil, sample: x,
                noise: nil
            ).previous
        }
        XCTAssertEqual(result.scalars, x.scalars)
    }

    func testDPMSolverPlusPlusMatchesDiffusers() throws {
        let f = Self.fixtures
        for c in f.dpmsolver {
            let s = try NoiseSchedule(try BetaSchedule(name: c.schedule), timesteps: c.T)
            let solver = try DPMSolverPlusPlus(
                diffusion: GaussianDiffusion(schedule: s), steps: c.num_inference_steps,
                spacing: try TimestepSpacing(name: c.spacing))
            XCTAssertEqual(solver.timesteps, c.timesteps, "\(c.schedule) \(c.spacing) \(c.num_inference_steps)")
            var x = tensor(c.initial_sample, f.shape)
            var run = try solver.makeRun(fromStep: 0)
            for (i, timestep) in run.timesteps.enumerated() {
                let next = try run.step(
                    modelOutput: tensor(c.model_outputs[i], f.shape), timestep: timestep, sample: x,
                    noise: nil
                ).sample
                let label = "DPM-Solver++ \(c.schedule) \(c.spacing) N=\(c.num_inference_steps) step \(i)"
                assertClose(next.scalars, c.samples_f64[i], tolerance: 1e-6, label + " f64")
                assertClose(next.scalars, c.samples_f32[i], tolerance: 1e-3, label + " f32")
                // Continue from the reference so that errors do not compound through the chain.
                x = tensor(c.samples_f64[i], f.shape)
            }
        }
    }
}
