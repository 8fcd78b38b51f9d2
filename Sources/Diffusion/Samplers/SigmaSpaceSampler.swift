import Tensors

/// A sampler that steps x_σ = x0 + σ·ε over the noise levels of a `SigmaSchedule`
/// (Euler, Euler ancestral, Heun): its state, starting state and reported
/// timesteps follow from the schedule.
public protocol SigmaSpaceSampler: Sampler {
    /// The process whose model is sampled.
    var diffusion: GaussianDiffusion { get }
    /// The noise levels σ visited, from the largest down to 0.
    var schedule: SigmaSchedule { get }
}

extension SigmaSpaceSampler {
    /// The nearest training timestep of each step (the model sees the continuous one).
    public var timesteps: [Int] { schedule.timesteps.map { Int($0.rounded()) } }

    /// x_σmax = z·σ_max (or z·√(σ_max² + 1) for leading spacing, as diffusers).
    public func initialState(noise: Tensor) -> Tensor { noise * Float(schedule.initialScale) }

    /// x0 + σ·ε at step `step`'s noise level.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        guard x0.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(operation: "noising an image for a sampler", expected: "\(x0.shape)", got: noise.shape)
        }
        return x0 + noise * Float(schedule.sigmas[try checkedStep(step)])
    }

    /// The model evaluation at noise level `level` (an index of `schedule`)
    /// for step `step`: the continuous timestep, the input scaled by 1/√(σ² + 1).
    func evaluation(step: Int, level: Int, takesNoise: Bool = false) -> SamplerTimestep {
        SamplerTimestep(
            step: step, modelTimestep: .continuous(schedule.timesteps[level]),
            inputScale: SigmaSpaceDenoiser.inputScale(sigma: schedule.sigmas[level]), takesNoise: takesNoise)
    }

    /// x̂0 from the model's output at noise level `level` for `sample` (x_σ).
    func predictedX0(modelOutput: Tensor, sample: Tensor, level: Int) throws -> Tensor {
        try SigmaSpaceDenoiser.predictedX0(
            modelOutput: modelOutput, sample: sample, sigma: schedule.sigmas[level],
            diffusion: diffusion)
    }
}
