import Tensors

/// Ancestral sampling (DDPM Algorithm 2): for each step, x_{t−1} = μ_θ(x_t, t)
/// + σ_t z with z ~ N(0, I) except at the last step, for any variance type.
///
/// Built on a respaced schedule (Nichol & Dhariwal) it samples on an
/// increasing subsequence τ of the training timesteps with
/// `β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}`; the model is still fed τ_i.
public struct DDPMSampler: SteppedSampler {
    /// The process the steps follow (the respaced one when respacing).
    public let diffusion: GaussianDiffusion
    /// The training timestep of each schedule index (the identity without respacing).
    public let modelTimesteps: [Int]

    /// The training timesteps, from the noisiest down.
    public var timesteps: [Int] { modelTimesteps.reversed() }

    /// All T steps of `diffusion`.
    public init(diffusion: GaussianDiffusion) {
        self.diffusion = diffusion
        self.modelTimesteps = Array(0..<diffusion.schedule.count)
    }

    /// The steps of `diffusion` respaced onto `subsequence` (any order; duplicates are an error).
    ///
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` for an empty subsequence, duplicates, or timesteps outside `0..<T`.
    public init(respacing diffusion: GaussianDiffusion, to subsequence: [Int]) throws {
        let ascending = subsequence.sorted()
        var respaced = diffusion
        respaced = GaussianDiffusion(
            schedule: try diffusion.schedule.respaced(to: ascending), prediction: diffusion.prediction,
            variance: diffusion.variance, denoisedClipping: diffusion.denoisedClipping)
        self.diffusion = respaced
        self.modelTimesteps = ascending
    }

    /// The steps of `diffusion` respaced onto `steps` timesteps picked by `spacing`
    /// (diffusers' `steps_offset` is `offset`).
    ///
    /// - Throws: ``DiffusionError`` for steps outside 1…T.
    public init(respacing diffusion: GaussianDiffusion, steps: Int, spacing: TimestepSpacing = .linspace, offset: Int = 0) throws {
        try self.init(
            respacing: diffusion,
            to: try spacing.timesteps(
                steps: steps, trainingSteps: diffusion.schedule.count,
                offset: offset))
    }

    /// One ancestral step at schedule index `index` (model timestep
    /// `modelTimesteps[index]`): returns x_{t−1} and x̂0. `noise` is needed except at index 0.
    func ancestralStep(modelOutput: Tensor, index: Int, sample: Tensor, noise: Tensor?) throws -> (previous: Tensor, predictedX0: Tensor) {
        let indices = [Int](repeating: index, count: sample.shape.first ?? 0)
        let reverse = try diffusion.reverseStep(modelOutput: modelOutput, xt: sample, timesteps: indices)
        guard index > 0 else { return (reverse.distribution.mean, reverse.predictedX0) }
        guard let noise else {
            throw DiffusionError.invalidParameter(name: "noise", value: "none", accepted: "a noise tensor at every step but the last")
        }
        try diffusion.schedule.validateSameShape(sample, noise, operation: "DDPMSampler.step noise")
        let scale = (reverse.distribution.logVariance * 0.5).exp()
        return (reverse.distribution.mean + noise * scale, reverse.predictedX0)
    }

    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε at the timestep of `step`.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        let index = modelTimesteps.count - 1 - (try checkedStep(step))
        return try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[index])
    }

    /// One discrete evaluation per step; every step but the last takes noise.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        let n = modelTimesteps.count
        return (start..<n).map { step in
            SamplerTimestep(step: step, modelTimestep: .discrete(modelTimesteps[n - 1 - step]), takesNoise: n - 1 - step > 0)
        }
    }

    /// Step `i` is schedule index `n − 1 − i`, which takes noise unless it is 0.
    public func step(
        _ state: inout Void, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let index = modelTimesteps.count - 1 - timestep.step
        let (previous, x0) = try ancestralStep(modelOutput: modelOutput, index: index, sample: sample, noise: noise)
        return SamplerStepOutput(sample: previous, predictedX0: x0)
    }
}
