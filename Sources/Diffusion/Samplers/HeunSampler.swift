import Tensors

/// Heun's second-order method on the probability-flow ODE in σ-space (Karras
/// et al. 2022, Algorithm 1; diffusers' `HeunDiscreteScheduler`, k-diffusion's
/// `sample_heun`): an Euler step to σ_{i+1}, a second model evaluation there, and
/// the step redone with the mean of the two slopes. The last step, to σ = 0, is
/// a plain Euler step, so N steps cost 2N − 1 model evaluations.
public struct HeunSampler: SigmaSpaceSampler {
    public let diffusion: GaussianDiffusion
    /// The noise levels and continuous timesteps visited.
    public let schedule: SigmaSchedule

    /// A sampler on `steps` noise levels (diffusers' defaults: linspace spacing, the model's σ).
    public init(diffusion: GaussianDiffusion, steps: Int = 15, spacing: TimestepSpacing = .linspace,
                sigmas: SigmaSpacing = .model, offset: Int = 0) throws {
        self.diffusion = diffusion
        self.schedule = try SigmaSchedule(diffusion: diffusion, steps: steps, spacing: spacing, sigmas: sigmas, offset: offset)
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
                let sigma = schedule.sigmas[i], next = schedule.sigmas[i + 1]
                let x0 = try denoiser.denoise(x, sigma: sigma, timestep: schedule.timesteps[i])
                let slope = (x - x0) * Float(1 / sigma)
                let euler = x + slope * Float(next - sigma)
                if next == 0 {
                    x = euler
                } else {
                    let x0Next = try denoiser.denoise(euler, sigma: next, timestep: schedule.timesteps[i + 1])
                    let slopeNext = (euler - x0Next) * Float(1 / next)
                    x = x + (slope + slopeNext) * Float(0.5 * (next - sigma))
                }
                callback?(SamplingStep(step: i, totalSteps: steps.count, timestep: steps[i], sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
