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
}

/// A per-step callback.
public typealias SamplingCallback = (SamplingStep) -> Void

/// A reverse-process sampler: starts from pure noise x_T and runs the model
/// over a sequence of timesteps, seeded by a `RandomGenerator`, batched, with
/// gradient recording off.
public protocol Sampler {
    /// The training timesteps the model is evaluated at, in the order used.
    var timesteps: [Int] { get }

    /// Runs the sampler from the given x_T (shape `[B, …]`).
    func sample(model: any DenoisingModel, from initialNoise: Tensor, classLabels: [Int]?,
                generator: inout RandomGenerator, callback: SamplingCallback?) throws -> Tensor
}

extension Sampler {
    /// Draws x_T ~ N(0, I) of `shape` from `generator`, then runs the sampler.
    public func sample(model: any DenoisingModel, shape: [Int], classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        guard shape.count >= 1, shape.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.shapeMismatch(operation: "sample", expected: "a batch shape [B, …] with positive sizes", got: shape)
        }
        let noise = Tensor.randn(shape, generator: &generator)
        return try sample(model: model, from: noise, classLabels: classLabels, generator: &generator, callback: callback)
    }

    /// Checks the class labels against the batch.
    func validate(classLabels: [Int]?, batch: Int) throws {
        if let labels = classLabels, labels.count != batch {
            throw DiffusionError.invalidParameter(name: "classLabels", value: "\(labels.count) labels",
                                                  accepted: "one label per example (\(batch))")
        }
    }
}
