import Tensors

/// Ancestral sampling (DDPM Algorithm 2): for each step, x_{t−1} = μ_θ(x_t, t)
/// + σ_t z with z ~ N(0, I) except at the last step, for any variance type.
///
/// Built on a respaced schedule (Nichol & Dhariwal) it samples on an
/// increasing subsequence τ of the training timesteps with
/// `β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}`; the model is still fed τ_i.
public struct DDPMSampler: Sampler {
    /// The process the steps follow (the respaced one when respacing).
    public let diffusion: GaussianDiffusion
    /// The training timestep of each schedule index (the identity without respacing).
    public let modelTimesteps: [Int]

    public var timesteps: [Int] { modelTimesteps.reversed() }

    /// All T steps of `diffusion`.
    public init(diffusion: GaussianDiffusion) {
        self.diffusion = diffusion
        self.modelTimesteps = Array(0..<diffusion.schedule.count)
    }

    /// The steps of `diffusion` respaced onto `subsequence` (any order; duplicates are an error).
    public init(respacing diffusion: GaussianDiffusion, to subsequence: [Int]) throws {
        let ascending = subsequence.sorted()
        var respaced = diffusion
        respaced = GaussianDiffusion(schedule: try diffusion.schedule.respaced(to: ascending), prediction: diffusion.prediction,
                                     variance: diffusion.variance, denoisedClipping: diffusion.denoisedClipping)
        self.diffusion = respaced
        self.modelTimesteps = ascending
    }

    /// The steps of `diffusion` respaced onto `steps` timesteps picked by `spacing`
    /// (diffusers' `steps_offset` is `offset`).
    public init(respacing diffusion: GaussianDiffusion, steps: Int, spacing: TimestepSpacing = .linspace, offset: Int = 0) throws {
        try self.init(respacing: diffusion, to: try spacing.timesteps(steps: steps, trainingSteps: diffusion.schedule.count,
                                                                      offset: offset))
    }

    /// One ancestral step at schedule index `index` (model timestep
    /// `modelTimesteps[index]`): returns x_{t−1} and x̂0. `noise` is ignored at index 0.
    public func step(modelOutput: Tensor, index: Int, sample: Tensor, noise: Tensor) throws -> (previous: Tensor, predictedX0: Tensor) {
        let indices = [Int](repeating: index, count: sample.shape.first ?? 0)
        let reverse = try diffusion.reverseStep(modelOutput: modelOutput, xt: sample, timesteps: indices)
        guard index > 0 else { return (reverse.distribution.mean, reverse.predictedX0) }
        try diffusion.schedule.validateSameShape(sample, noise, operation: "DDPMSampler.step noise")
        let scale = (reverse.distribution.logVariance * 0.5).exp()
        return (reverse.distribution.mean + noise * scale, reverse.predictedX0)
    }

    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        let index = modelTimesteps.count - 1 - (try checkedStep(step))
        return try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[index])
    }

    public func sample(model: any DenoisingModel, state: Tensor, fromStep start: Int, classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        let model = model.forSamplingRun()
        let batch = state.shape.first ?? 0
        try validate(start: start, classLabels: classLabels, batch: batch)
        return try GradMode.withoutGradient {
            var x = state
            let n = modelTimesteps.count
            for (step, index) in (0..<n).reversed().enumerated() where step >= start {
                let t = modelTimesteps[index]
                let output = try model(x, timesteps: [Int](repeating: t, count: batch), classLabels: classLabels)
                let noise = index > 0 ? Tensor.randn(x.shape, generator: &generator) : Tensor.zeros(x.shape)
                let (previous, x0) = try self.step(modelOutput: output, index: index, sample: x, noise: noise)
                x = previous
                callback?(SamplingStep(step: step, totalSteps: n, timestep: t, sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
