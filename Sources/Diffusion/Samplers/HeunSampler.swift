import Tensors

/// Heun's second-order method on the probability-flow ODE in σ-space (Karras
/// et al. 2022, Algorithm 1; diffusers' `HeunDiscreteScheduler`, k-diffusion's
/// `sample_heun`): an Euler step to σ_{i+1}, a second model evaluation there, and
/// the step redone with the mean of the two slopes. The last step, to σ = 0, is
/// a plain Euler step, so N steps cost 2N − 1 model evaluations.
public struct HeunSampler: SigmaSpaceSampler, SteppedSampler {
    /// The process whose model is sampled.
    public let diffusion: GaussianDiffusion
    /// The noise levels and continuous timesteps visited.
    public let schedule: SigmaSchedule

    /// A sampler on `steps` noise levels (diffusers' defaults: linspace spacing, the model's σ).
    public init(
        diffusion: GaussianDiffusion, steps: Int = 15, spacing: TimestepSpacing = .linspace,
        sigmas: SigmaSpacing = .model, offset: Int = 0
    ) throws {
        self.diffusion = diffusion
        self.schedule = try SigmaSchedule(diffusion: diffusion, steps: steps, spacing: spacing, sigmas: sigmas, offset: offset)
    }

    /// Two evaluations per step, as diffusers' `HeunDiscreteScheduler`: at σ_i,
    /// which gives the Euler estimate at σ_{i+1}, then at σ_{i+1} on that
    /// estimate, which corrects it with the mean slope — except the last step
    /// to σ = 0, which is Euler's.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).flatMap { i in
            let first = evaluation(step: i, level: i)
            return schedule.sigmas[i + 1] == 0 ? [first] : [first, evaluation(step: i, level: i + 1)]
        }
    }

    /// After a first evaluation: the step's sample, slope and x̂0.
    public typealias RunState = (sample: Tensor, slope: Tensor, predictedX0: Tensor)?

    /// No first stage pending.
    public func initialRunState(fromStep start: Int) -> RunState { nil }

    /// One evaluation: the Euler predictor at a step's first evaluation, Heun's average of the two slopes at its second.
    public func step(
        _ firstStage: inout RunState, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let i = timestep.step
        let sigma = schedule.sigmas[i], next = schedule.sigmas[i + 1]
        if let first = firstStage {
            firstStage = nil
            let x0Next = try predictedX0(modelOutput: modelOutput, sample: sample, level: i + 1)
            let slopeNext = (sample - x0Next) * Float(1 / next)
            return SamplerStepOutput(
                sample: first.sample + (first.slope + slopeNext) * Float(0.5 * (next - sigma)), predictedX0: first.predictedX0)
        }
        let x0 = try predictedX0(modelOutput: modelOutput, sample: sample, level: i)
        let slope = (sample - x0) * Float(1 / sigma)
        let euler = sample + slope * Float(next - sigma)
        if next == 0 { return SamplerStepOutput(sample: euler, predictedX0: x0) }
        firstStage = (sample, slope, x0)
        return SamplerStepOutput(sample: euler, predictedX0: nil)
    }
}
