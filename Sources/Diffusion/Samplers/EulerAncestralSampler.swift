import Tensors

/// Euler ancestral sampling in σ-space (diffusers' `EulerAncestralDiscreteScheduler`,
/// k-diffusion's `sample_euler_ancestral` with η = 1): each step goes down to
/// σ_down = √(σ_{i+1}² − σ_up²) with σ_up = √(σ_{i+1}²(σ_i² − σ_{i+1}²)/σ_i²) by an
/// Euler step, then adds fresh noise σ_up·z, z ~ N(0, I).
public struct EulerAncestralSampler: SigmaSpaceSampler, SteppedSampler {
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

    /// (σ_down, σ_up) of step `index`.
    public func noiseSplit(index: Int) -> (down: Double, up: Double) {
        let from = schedule.sigmas[index], to = schedule.sigmas[index + 1]
        let up = (to * to * (from * from - to * to) / (from * from)).squareRoot()
        return ((to * to - up * up).squareRoot(), up)
    }

    /// Step `index` with the model's x̂0; `noise` (shape of `sample`) is needed when σ_up > 0.
    func ancestralStep(predictedX0: Tensor, index: Int, sample: Tensor, noise: Tensor?) throws -> Tensor {
        let sigma = schedule.sigmas[index]
        let (down, up) = noiseSplit(index: index)
        let derivative = (sample - predictedX0) * Float(1 / sigma)
        let previous = sample + derivative * Float(down - sigma)
        guard up > 0 else { return previous }
        guard let noise else {
            throw DiffusionError.invalidParameter(name: "noise", value: "none", accepted: "a noise tensor where σ_up > 0")
        }
        return previous + noise * Float(up)
    }

    /// One continuous evaluation per step; a step takes noise where it adds any (σ_up > 0).
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).map { evaluation(step: $0, level: $0, takesNoise: noiseSplit(index: $0).up > 0) }
    }

    /// One evaluation per step, with noise where σ_up > 0.
    public func step(
        _ state: inout Void, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let i = timestep.step
        let x0 = try predictedX0(modelOutput: modelOutput, sample: sample, level: i)
        return SamplerStepOutput(sample: try ancestralStep(predictedX0: x0, index: i, sample: sample, noise: noise), predictedX0: x0)
    }
}
