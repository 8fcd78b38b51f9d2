import Tensors

/// What a sampler reports after each step, for progress bars and trajectories.
public struct SamplingStep {
    /// The 0-based step number (0 is the first, noisiest step).
    public let step: Int
    /// How many steps the run takes in all.
    public let totalSteps: Int
    /// The training timestep (0-based) the model was evaluated at.
    public let timestep: Int
    /// The sample after this step (the final x0 after the last step).
    public let sample: Tensor
    /// The model's x̂0 at this step.
    public let predictedX0: Tensor

    /// A report of one step.
    public init(step: Int, totalSteps: Int, timestep: Int, sample: Tensor, predictedX0: Tensor) {
        self.step = step
        self.totalSteps = totalSteps
        self.timestep = timestep
        self.sample = sample
        self.predictedX0 = predictedX0
    }
}

/// A per-step callback; it may throw to stop the run at that step (the error reaches the caller).
public typealias SamplingCallback = (SamplingStep) throws -> Void

/// A reverse-process sampler: starts from pure noise x_T and runs the model
/// over a sequence of timesteps, seeded by a `RandomGenerator`, batched, with
/// gradient recording off.
///
/// Every sampler is stepped the way diffusers steps a scheduler: its timesteps
/// are fixed when it is made (`set_timesteps`); `makeRun(fromStep:)` gives the
/// state of one run (the multistep history, Heun's stage), whose `timesteps`
/// list each model evaluation — what the model is given as its timestep, how
/// its input is scaled (`scale_model_input`), whether the step takes noise —
/// and whose `step(modelOutput:timestep:sample:noise:)` advances by one
/// evaluation. `sample(model:state:fromStep:…)` is that loop, written once.
///
/// Its loop holds a *state* per step: x_t itself for the variance-preserving
/// samplers (DDPM, DDIM, DPM-Solver++, UniPC), x_σ = x_t/√ᾱ_t = x0 + σ·ε for
/// the σ-space ones (Euler, Heun). Image editing (SDEdit, RePaint) enters the
/// loop part-way through: `state(noising:with:atStep:)` makes the state of a
/// clean image at a step, `sample(model:state:fromStep:…)` runs the remaining steps.
public protocol Sampler {
    /// The training timesteps of the steps, in the order used (one per step;
    /// reported with each step).
    var timesteps: [Int] { get }

    /// The state at step 0 for a pure-noise draw z ~ N(0, I).
    func initialState(noise: Tensor) -> Tensor

    /// The state at step `step` of the clean batch `x0` noised with `noise`:
    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε (the closed form of q(x_t | x0)), or x0 + σ·ε in σ-space.
    func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor

    /// A run of steps `start..<timesteps.count`.
    func makeRun(fromStep start: Int) throws -> any SamplerRun
}

/// One model evaluation of a sampling run (an entry of diffusers'
/// `scheduler.timesteps`): which step it belongs to, what the model is given,
/// and whether the step takes noise.
public struct SamplerTimestep: Equatable, Sendable {
    /// What the model is given as its timestep.
    public enum ModelTimestep: Equatable, Sendable {
        /// A training timestep (`DenoisingModel.callAsFunction(_:timesteps:classLabels:)`).
        case discrete(Int)
        /// A continuous timestep (`callAsFunction(_:continuousTimesteps:classLabels:)`), in σ-space.
        case continuous(Double)
    }

    /// The step (0 = the noisiest) this evaluation belongs to; Heun makes two per step.
    public let step: Int
    /// What the model is given as its timestep.
    public let modelTimestep: ModelTimestep
    /// The model reads `sample · inputScale`: 1/√(σ² + 1) in σ-space, else 1.
    public let inputScale: Double
    /// Whether `step` takes fresh noise z ~ N(0, I) of the sample's shape here.
    public let takesNoise: Bool

    /// One evaluation of a run.
    public init(step: Int, modelTimestep: ModelTimestep, inputScale: Double = 1, takesNoise: Bool) {
        self.step = step
        self.modelTimestep = modelTimestep
        self.inputScale = inputScale
        self.takesNoise = takesNoise
    }

    /// The model's output at this timestep for `sample`.
    public func evaluate(_ model: any DenoisingModel, sample: Tensor, classLabels: [Int]?) throws -> Tensor {
        let batch = sample.shape.first ?? 0
        let input = inputScale == 1 ? sample : sample * Float(inputScale)
        switch modelTimestep {
        case .discrete(let t):
            return try model(input, timesteps: [Int](repeating: t, count: batch), classLabels: classLabels)
        case .continuous(let t):
            return try model(input, continuousTimesteps: [Double](repeating: t, count: batch), classLabels: classLabels)
        }
    }
}

/// What one evaluation's step gives.
public struct SamplerStepOutput {
    /// The sample after this evaluation (after Heun's first stage, the Euler
    /// estimate its second evaluation reads).
    public let sample: Tensor
    /// The step's x̂0 once the step is complete (nil after Heun's first stage).
    public let predictedX0: Tensor?

    /// The result of one evaluation's step.
    public init(sample: Tensor, predictedX0: Tensor?) {
        self.sample = sample
        self.predictedX0 = predictedX0
    }
}

/// The state of one sampling run, stepped as a diffusers scheduler is.
public protocol SamplerRun {
    /// The run's model evaluations, in order.
    var timesteps: [SamplerTimestep] { get }

    /// Advances by one evaluation: `modelOutput` is the model's output at
    /// `timestep` (the next entry of `timesteps`, checked) for `sample`
    /// scaled by its `inputScale`; `noise` where the timestep takes noise.
    mutating func step(
        modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor,
        noise: Tensor?
    ) throws -> SamplerStepOutput
}

extension Sampler {
    /// x_T = z for the variance-preserving samplers.
    public func initialState(noise: Tensor) -> Tensor { noise }

    /// Runs steps `start..<timesteps.count` from `state` and returns the clean
    /// sample: for each evaluation of the run, the model's output, noise drawn
    /// from `generator` where the timestep takes it, and the run's step;
    /// `callback` after each complete step. The model is `model.forSamplingRun()`
    /// (a fresh memory for a self-conditioned model).
    public func sample(
        model: any DenoisingModel, state: Tensor, fromStep start: Int, classLabels: [Int]? = nil,
        generator: inout RandomGenerator, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        let model = model.forSamplingRun()
        try validate(classLabels: classLabels, batch: state.shape.first ?? 0)
        var run = try makeRun(fromStep: start)  // checks the start step
        let reported = timesteps
        return try GradMode.withoutGradient {
            var x = state
            for timestep in run.timesteps {
                let output = try timestep.evaluate(model, sample: x, classLabels: classLabels)
                let noise = timestep.takesNoise ? Tensor.randn(x.shape, generator: &generator) : nil
                let result = try run.step(modelOutput: output, timestep: timestep, sample: x, noise: noise)
                x = result.sample
                if let x0 = result.predictedX0 {
                    try callback?(
                        SamplingStep(
                            step: timestep.step, totalSteps: reported.count,
                            timestep: reported[timestep.step], sample: x, predictedX0: x0))
                }
            }
            return x
        }
    }

    /// Runs the sampler from the given pure noise z (shape `[B, …]`).
    public func sample(
        model: any DenoisingModel, from initialNoise: Tensor, classLabels: [Int]? = nil,
        generator: inout RandomGenerator, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        try sample(
            model: model, state: initialState(noise: initialNoise), fromStep: 0, classLabels: classLabels,
            generator: &generator, callback: callback)
    }

    /// Draws x_T ~ N(0, I) of `shape` from `generator`, then runs the sampler.
    ///
    /// - Complexity: one batched evaluation of `model` per entry of the run's timesteps (two per step for Heun).
    /// - Parameters:
    ///   - model: the network (or a guided one, ``ClassifierFreeGuidance``).
    ///   - shape: the batch's shape `[B, …]`.
    ///   - classLabels: one label per example for a class-conditional network.
    ///   - generator: the source of x_T and of every step's noise.
    ///   - callback: called after each step with x_t and x̂0; it may throw to stop the run.
    /// - Returns: the clean samples (not clamped).
    /// - Throws: ``DiffusionError`` for a bad shape or label count, or what the model or the callback throws.
    public func sample(
        model: any DenoisingModel, shape: [Int], classLabels: [Int]? = nil,
        generator: inout RandomGenerator, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        guard shape.count >= 1, shape.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.shapeMismatch(operation: "sample", expected: "a batch shape [B, …] with positive sizes", got: shape)
        }
        let noise = Tensor.randn(shape, generator: &generator)
        return try sample(model: model, from: noise, classLabels: classLabels, generator: &generator, callback: callback)
    }

    /// Checks the class labels against the batch.
    func validate(classLabels: [Int]?, batch: Int) throws {
        if let labels = classLabels, labels.count != batch {
            throw DiffusionError.invalidParameter(
                name: "classLabels", value: "\(labels.count) labels",
                accepted: "one label per example (\(batch))")
        }
    }
}

extension Sampler {
    /// Checks a start step and a state against the batch.
    func validate(start: Int, classLabels: [Int]?, batch: Int) throws {
        guard start >= 0, start <= timesteps.count else {
            throw DiffusionError.invalidParameter(name: "start step", value: "\(start)", accepted: "a step in 0...\(timesteps.count)")
        }
        try validate(classLabels: classLabels, batch: batch)
    }

    /// √ᾱ x0 + √(1 − ᾱ) ε at training timestep `t` of `schedule`.
    func noised(_ x0: Tensor, with noise: Tensor, alphaBar: Double) throws -> Tensor {
        guard x0.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(operation: "noising an image for a sampler", expected: "\(x0.shape)", got: noise.shape)
        }
        return x0 * Float(alphaBar.squareRoot()) + noise * Float((1 - alphaBar).squareRoot())
    }

    /// The step index checked against the list.
    func checkedStep(_ step: Int) throws -> Int {
        guard step >= 0, step < timesteps.count else {
            throw DiffusionError.invalidParameter(name: "step", value: "\(step)", accepted: "a step in 0..<\(timesteps.count)")
        }
        return step
    }
}

/// Where a run is in its timesteps: each step must be given the next one,
/// as a diffusers scheduler's step must be given the next of its timesteps.
struct RunPosition {
    let timesteps: [SamplerTimestep]
    private(set) var next = 0

    init(_ timesteps: [SamplerTimestep]) {
        self.timesteps = timesteps
    }

    /// Moves past `timestep`, which must be the next entry.
    mutating func advance(past timestep: SamplerTimestep, in operation: String) throws {
        guard next < timesteps.count else {
            throw DiffusionError.invalidTimesteps(operation: operation, reason: "the run has taken all its \(timesteps.count) evaluations")
        }
        guard timesteps[next] == timestep else {
            throw DiffusionError.invalidTimesteps(
                operation: operation,
                reason: "expected evaluation \(next), \(timesteps[next]), got \(timestep)")
        }
        next += 1
    }
}
