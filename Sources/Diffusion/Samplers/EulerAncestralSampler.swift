import Tensors

/// Euler ancestral sampling in σ-space (diffusers' `EulerAncestralDiscreteScheduler`,
/// k-diffusion's `sample_euler_ancestral` with η = 1): each step goes down to
/// σ_down = √(σ_{i+1}² − σ_up²) with σ_up = √(σ_{i+1}²(σ_i² − σ_{i+1}²)/σ_i²) by an
/// Euler step, then adds fresh noise σ_up·z, z ~ N(0, I).
public struct EulerAncestralSampler: SigmaSpaceSampler {
    public let diffusion: GaussianDiffusion
    /// The noise levels and continuous timesteps visited.
    public let schedule: SigmaSchedule

    /// A sampler on `steps` noise levels (diffusers' defaults: linspace spacing, the model's σ).
    public init(diffusion: GaussianDiffusion, steps: Int = 30, spacing: TimestepSpacing = .linspace,
                sigmas: SigmaSpacing = .model, offset: Int = 0) throws {
        self.diffusion = diffusion
        self.schedule = try SigmaSchedule(diffusion: diffusion, steps: steps, spacing: spacing, sigmas: sigmas, offset: offset)
    }

    /// (σ_down, σ_up) of step `index`.
    public func noiseSplit(index: Int) -> (down: Double, up: Double) {
        let from = schedule.sigmas[index], to = schedule.sigmas[index + 1]
        let up = (to * to * (from * from - to * to) / (from * from)).squareRoot()
        return ((to * to - up * up).squareRoot(), up)
    }

    /// Step `index` with the model's x̂0; `noise` (shape of `sample`) is used when σ_up > 0.
    public func step(predictedX0: Tensor, index: Int, sample: Tensor, noise: Tensor) -> Tensor {
        let sigma = schedule.sigmas[index]
        let (down, up) = noiseSplit(index: index)
        let derivative = (sample - predictedX0) * Float(1 / sigma)
        let previous = sample + derivative * Float(down - sigma)
        return up > 0 ? previous + noise * Float(up) : previous
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
                let noise = noiseSplit(index: i).up > 0 ? Tensor.randn(x.shape, generator: &generator) : x
                x = step(predictedX0: x0, index: i, sample: x, noise: noise)
                callback?(SamplingStep(step: i, totalSteps: steps.count, timestep: steps[i], sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
