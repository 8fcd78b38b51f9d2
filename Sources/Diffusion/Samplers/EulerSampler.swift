import Tensors

/// Euler's method on the probability-flow ODE in σ-space (Karras et al. 2022,
/// Algorithm 1 without churn; diffusers' `EulerDiscreteScheduler`, k-diffusion's
/// `sample_euler`): with d = (x_σ − x̂0)/σ, x_{σ_{i+1}} = x_{σ_i} + (σ_{i+1} − σ_i)·d.
/// One model evaluation per step; deterministic.
public struct EulerSampler: SigmaSpaceSampler {
    public let diffusion: GaussianDiffusion
    /// The noise levels and continuous timesteps visited.
    public let schedule: SigmaSchedule

    /// A sampler on `steps` noise levels (diffusers' defaults: linspace spacing, the model's σ).
    public init(diffusion: GaussianDiffusion, steps: Int = 30, spacing: TimestepSpacing = .linspace,
                sigmas: SigmaSpacing = .model, offset: Int = 0) throws {
        self.diffusion = diffusion
        self.schedule = try SigmaSchedule(diffusion: diffusion, steps: steps, spacing: spacing, sigmas: sigmas, offset: offset)
    }

    /// Step `index`: from x_σ at σ_index with the model's x̂0 to σ_{index+1}.
    public func step(predictedX0: Tensor, index: Int, sample: Tensor) -> Tensor {
        let sigma = schedule.sigmas[index], next = schedule.sigmas[index + 1]
        let derivative = (sample - predictedX0) * Float(1 / sigma)
        return sample + derivative * Float(next - sigma)
    }

    public func sample(model: any DenoisingModel, state: Tensor, fromStep start: Int, classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        let model = model.forSamplingRun()
        try validate(start: start, classLabels: classLabels, batch: state.shape.first ?? 0)
        let denoiser = SigmaSpaceDenoiser(model: model, diffusion: diffusion, classLabels: classLabels)
        let steps = timesteps
        return try GradMode.withoutGradient {
            var x = state
            for i in steps.indices where i >= start {
                let x0 = try denoiser.denoise(x, sigma: schedule.sigmas[i], timestep: schedule.timesteps[i])
                x = step(predictedX0: x0, index: i, sample: x)
                callback?(SamplingStep(step: i, totalSteps: steps.count, timestep: steps[i], sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
