import Tensors

/// Euler's method on the probability-flow ODE in σ-space (Karras et al. 2022,
/// Algorithm 1 without churn; diffusers' `EulerDiscreteScheduler`, k-diffusion's
/// `sample_euler`): with d = (x_σ − x̂0)/σ, x_{σ_{i+1}} = x_{σ_i} + (σ_{i+1} − σ_i)·d.
/// One model evaluation per step; deterministic.
public struct EulerSampler: SigmaSpaceSampler, SteppedSampler {
    /// The process whose model is sampled.
    public let diffusion: GaussianDiffusion
    /// The noise levels and continuous timesteps visited.
    public let schedule: SigmaSchedule

    /// A sampler on `steps` noise levels (diffusers' defaults: linspace spacing, the model's σ).
    public init(
        diffusion: GaussianDiffusion, steps: Int = 30, spacing: TimestepSpacing = .linspace,
        sigmas: SigmaSpacing = .model, offset: Int = 0
    ) throws {
        self.diffusion = diffusion
        self.schedule = try SigmaSchedule(diffusion: diffusion, steps: steps, spacing: spacing, sigmas: sigmas, offset: offset)
    }

    /// Step `index`: from x_σ at σ_index with the model's x̂0 to σ_{index+1}.
    func eulerStep(predictedX0: Tensor, index: Int, sample: Tensor) -> Tensor {
        let sigma = schedule.sigmas[index], next = schedule.sigmas[index + 1]
        let derivative = (sample - predictedX0) * Float(1 / sigma)
        return sample + derivative * Float(next - sigma)
    }

    /// One continuous evaluation per step, none taking noise.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).map { evaluation(step: $0, level: $0) }
    }

    /// One evaluation per step, no noise.
    public func step(
        _ state: inout Void, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let i = timestep.step
        let x0 = try predictedX0(modelOutput: modelOutput, sample: sample, level: i)
        return SamplerStepOutput(sample: eulerStep(predictedX0: x0, index: i, sample: sample), predictedX0: x0)
    }
}
