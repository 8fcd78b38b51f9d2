import Foundation
import Tensors

/// Options of the training objective beyond its kind: how timesteps are
/// weighted, and two changes to the noise that the literature found to help.
///
/// - `weighting`: a per-timestep weight on the MSE term (`LossWeighting`).
/// - `offsetNoise` s (Guttenberg 2023; diffusers' `noise_offset`): the noise is
///   `ε = ε₀ + s·δ` with one δ ~ N(0, 1) per example and channel, broadcast
///   over the pixels, so the network also learns to move an image's mean
///   brightness; ε is then both the input noise and the target.
/// - `inputPerturbation` γ (Ning et al. 2023; diffusers' `input_perturbation`):
///   x_t is formed with `ε + γ·ξ`, ξ ~ N(0, I), while the target keeps ε.
///
/// The defaults change nothing: no extra random draws are taken.
public struct TrainingLossOptions: Equatable, Sendable {
    public var weighting: LossWeighting
    public var offsetNoise: Double
    public var inputPerturbation: Double

    public init(weighting: LossWeighting = .none, offsetNoise: Double = 0, inputPerturbation: Double = 0) {
        self.weighting = weighting
        self.offsetNoise = offsetNoise
        self.inputPerturbation = inputPerturbation
    }
}

extension GaussianDiffusion {
    /// Algorithm 1 for one batch with `options`: draws t uniformly, then ε
    /// (and the offset δ and perturbation ξ when asked for) from `generator`,
    /// forms x_t, runs the model and builds the weighted loss. With default
    /// options it draws and returns exactly what the plain `trainingLoss` does.
    /// A `SelfConditionedDenoiser` is trained as Chen et al. do (one more uniform
    /// draw per batch, after the noise).
    public func trainingLoss(
        model: any DenoisingModel, x0: Tensor, kind: LossKind = .simple,
        options: TrainingLossOptions, classLabels: [Int]? = nil,
        importance: ImportanceSampledTimesteps? = nil,
        generator: inout RandomGenerator
    ) throws -> TrainingLoss {
        guard x0.rank >= 2 else {
            throw DiffusionError.shapeMismatch(operation: "trainingLoss", expected: "a batch [B, C, …] or [B, D]", got: x0.shape)
        }
        let drawn = importance?.draw(batch: x0.shape[0], generator: &generator)
        let timesteps = drawn?.timesteps ?? UniformTimesteps.draw(batch: x0.shape[0], timesteps: schedule.count, generator: &generator)
        var noise = Tensor.randn(x0.shape, generator: &generator)
        if options.offsetNoise != 0 {
            let perChannel = Array(x0.shape.prefix(2)) + [Int](repeating: 1, count: x0.rank - 2)
            noise = noise + Tensor.randn(perChannel, generator: &generator) * Float(options.offsetNoise)
        }
        var inputNoise = noise
        if options.inputPerturbation != 0 {
            inputNoise = noise + Tensor.randn(x0.shape, generator: &generator) * Float(options.inputPerturbation)
        }
        let xt = try schedule.marginalSample(x0: x0, timesteps: timesteps, noise: inputNoise)
        let output: Tensor
        if let selfConditioned = model as? SelfConditionedDenoiser {
            output = try selfConditionedOutput(
                selfConditioned, xt: xt, timesteps: timesteps, classLabels: classLabels,
                generator: &generator)
        } else {
            output = try model(xt, timesteps: timesteps, classLabels: classLabels)
        }
        let weights =
            options.weighting == .none
            ? nil
            : options.weighting.weights(timesteps: timesteps, schedule: schedule, prediction: prediction)
        return try trainingLoss(
            modelOutput: output, x0: x0, noise: noise, xt: xt, timesteps: timesteps, kind: kind,
            weights: weights, exampleWeights: drawn?.weights)
    }

    /// The self-conditioning trick for one batch: with probability ½ (one uniform
    /// draw from `generator`) a gradient-free first evaluation with no estimate gives
    /// x̂0, which the evaluation that is trained then sees; otherwise it sees zeros.
    func selfConditionedOutput(
        _ model: SelfConditionedDenoiser, xt: Tensor, timesteps: [Int], classLabels: [Int]?,
        generator: inout RandomGenerator
    ) throws -> Tensor {
        var estimate: Tensor? = nil
        if generator.nextUniform() < 0.5 {
            let first = try GradMode.withoutGradient {
                try model(xt, estimate: nil, timesteps: timesteps, classLabels: classLabels)
            }
            let alphaBar = schedule.double.alphaBar
            estimate = try model.estimate(output: first, xt: xt, alphaBar: timesteps.map { alphaBar[$0] })
        }
        return try model(xt, estimate: estimate, timesteps: timesteps, classLabels: classLabels)
    }
}
