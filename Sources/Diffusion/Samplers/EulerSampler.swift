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

    public func makeRun(fromStep start: Int) throws -> any SamplerRun {
        try validate(start: start, classLabels: nil, batch: 0)
        return Run(sampler: self, start: start)
    }

    /// An Euler run: one evaluation per step, no noise.
    public struct Run: SamplerRun {
        let sampler: EulerSampler
        var position: RunPosition

        init(sampler: EulerSampler, start: Int) {
            self.sampler = sampler
            position = RunPosition((start..<sampler.timesteps.count).map { sampler.evaluation(step: $0, level: $0) })
        }

        public var timesteps: [SamplerTimestep] { position.timesteps }

        public mutating func step(
            modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor,
            noise: Tensor?
        ) throws -> SamplerStepOutput {
            try position.advance(past: timestep, in: "EulerSampler.step")
            let i = timestep.step
            let x0 = try sampler.predictedX0(modelOutput: modelOutput, sample: sample, level: i)
            return SamplerStepOutput(sample: sampler.eulerStep(predictedX0: x0, index: i, sample: sample), predictedX0: x0)
        }
    }
}
