import Diffusion
import Tensors
import XCTest

/// Every sampler stepped by hand, as diffusers steps a scheduler — the model
/// on each timestep's scaled input, noise where the timestep takes it, then
/// `step` — gives the bits of its own `sample` loop; steps out of order are
/// refused; Heun evaluates twice per step but the last.
final class SamplerRunTests: XCTestCase {
    private let schedule = try! NoiseSchedule(.linear(), timesteps: 1000)
    private var diffusion: GaussianDiffusion { GaussianDiffusion(schedule: schedule) }
    private var model: GaussianMixtureDenoiser {
        get throws {
            try GaussianMixtureDenoiser(
                weights: [0.3, 0.7], means: [[-0.5, 0.2], [0.4, -0.1]], deviations: [0.2, 0.3], schedule: schedule)
        }
    }

    private func samplers() throws -> [(String, any Sampler)] {
        [
            ("ddpm", try DDPMSampler(respacing: diffusion, steps: 10)),
            ("ddim η=0.5", try DDIMSampler(diffusion: diffusion, steps: 10, eta: 0.5)),
            ("dpm++ 3m sde", try DPMSolverPlusPlus(diffusion: diffusion, steps: 10, order: 3, stochastic: true)),
            ("unipc", try UniPCSampler(diffusion: diffusion, steps: 10)),
            ("euler", try EulerSampler(diffusion: diffusion, steps: 10)),
            ("euler-a", try EulerAncestralSampler(diffusion: diffusion, steps: 10)),
            ("heun", try HeunSampler(diffusion: diffusion, steps: 10)),
        ]
    }

    func testSteppingByHandEqualsTheSamplingLoop() throws {
        for (name, sampler) in try samplers() {
            for start in [0, 4] {
                var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
                let state = sampler.initialState(noise: Tensor.randn([3, 2], generator: &g1))
                _ = Tensor.randn([3, 2], generator: &g2)
                var reported: [Int] = []
                let looped = try sampler.sample(model: try model, state: state, fromStep: start, generator: &g1) {
                    reported.append($0.step)
                }
                XCTAssertEqual(reported, Array(start..<sampler.timesteps.count), name)

                var run = try sampler.makeRun(fromStep: start)
                var x = state
                for timestep in run.timesteps {
                    let output = try timestep.evaluate(try model, sample: x, classLabels: nil)
                    let noise = timestep.takesNoise ? Tensor.randn(x.shape, generator: &g2) : nil
                    x = try run.step(modelOutput: output, timestep: timestep, sample: x, noise: noise).sample
                }
                XCTAssertTrue(
                    x.scalars.elementsEqual(looped.scalars) { $0.bitPattern == $1.bitPattern },
                    "\(name) from step \(start)")
            }
        }
    }

    func testStepsOutOfOrderAreRefused() throws {
        for (name, sampler) in try samplers() {
            var run = try sampler.makeRun(fromStep: 0)
            let x = Tensor.zeros([1, 2])
            let second = run.timesteps[1]
            XCTAssertThrowsError(try run.step(modelOutput: x, timestep: second, sample: x, noise: x), name) {
                XCTAssertTrue(String(describing: $0).contains("expected evaluation 0"), "\(name): \($0)")
            }
        }
        XCTAssertThrowsError(try DDIMSampler(diffusion: diffusion, steps: 5).makeRun(fromStep: 6))
    }

    func testHeunEvaluatesTwicePerStepButTheLast() throws {
        let heun = try HeunSampler(diffusion: diffusion, steps: 6)
        let run = try heun.makeRun(fromStep: 0)
        XCTAssertEqual(run.timesteps.map(\.step), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
        XCTAssertTrue(run.timesteps.allSatisfy { $0.inputScale < 1 }, "σ-space inputs are scaled by 1/√(σ² + 1)")
        let ddim = try DDIMSampler(diffusion: diffusion, steps: 6)
        XCTAssertEqual(try ddim.makeRun(fromStep: 2).timesteps.map(\.modelTimestep), ddim.timesteps.dropFirst(2).map { .discrete($0) })
    }

    /// A run stepped past its end, or without the noise a timestep takes, is refused with a message.
    func testMissingNoiseAndStepsPastTheEndAreRefused() throws {
        for (name, sampler) in try samplers() {
            var run = try sampler.makeRun(fromStep: sampler.timesteps.count - 1)
            let x = Tensor.zeros([1, 2])
            let last = run.timesteps.last!
            for timestep in run.timesteps {
                _ = try run.step(modelOutput: x, timestep: timestep, sample: x, noise: timestep.takesNoise ? x : nil)
            }
            XCTAssertThrowsError(try run.step(modelOutput: x, timestep: last, sample: x, noise: x), name) {
                XCTAssertTrue(String(describing: $0).contains("taken all its"), "\(name): \($0)")
            }
            var fresh = try sampler.makeRun(fromStep: 0)
            let first = fresh.timesteps[0]
            guard first.takesNoise else { continue }
            XCTAssertThrowsError(try fresh.step(modelOutput: x, timestep: first, sample: x, noise: nil), name) {
                XCTAssertTrue(String(describing: $0).contains("noise"), "\(name): \($0)")
            }
        }
    }
}
