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
    /// The per-timestep weight on the MSE term.
    public var weighting: LossWeighting
    /// The offset-noise scale s (0: off).
    public var offsetNoise: Double
    /// The input-perturbation scale γ (0: off).
    public var inputPerturbation: Double

    /// Options that, by default, change nothing.
    public init(weighting: LossWeighting = .none, offsetNoise: Double = 0, inputPerturbation: Double = 0) {
        self.weighting = weighting
        self.offsetNoise = offsetNoise
        self.inputPerturbation = inputPerturbation
    }
}

extension GaussianDiffusion {
    /// Algorithm 1 for one batch with `options`: draws t uniformly, then ε
    /// (and the offset δ and perturbation ξ when asked for) from `generator`
    /// (`TrainingNoise`, in batch order), forms x_t, runs the model and builds the
    /// weighted loss. With default options it draws and returns exactly what the
    /// plain `trainingLoss` does. A `SelfConditionedDenoiser` is trained as Chen
    /// et al. do (one more uniform draw per batch, after the noise).
    public func trainingLoss(
        model: any DenoisingModel, x0: Tensor, kind: LossKind = .simple,
        options: TrainingLossOptions, classLabels: [Int]? = nil,
        importance: ImportanceSampledTimesteps? = nil,
        generator: inout RandomGenerator
    ) throws -> TrainingLoss {
        guard x0.rank >= 2 else {
            throw DiffusionError.shapeMismatch(operation: "trainingLoss", expected: "a batch [B, C, …] or [B, D]", got: x0.shape)
        }
        let noise = TrainingNoise(
            batchShape: x0.shape, timestepCount: schedule.count, options: options, importance: importance,
            selfConditioned: model is SelfConditionedDenoiser, generator: &generator)
        return try trainingLoss(model: model, x0: x0, kind: kind, options: options, classLabels: classLabels, noise: noise)
    }

    /// Algorithm 1 for one batch with its random part already drawn: forms
    /// x_t = √ᾱ_t x0 + √(1−ᾱ_t) (input noise), runs the model (twice for a
    /// self-conditioned one that sees its estimate) and builds the weighted loss.
    public func trainingLoss(
        model: any DenoisingModel, x0: Tensor, kind: LossKind = .simple,
        options: TrainingLossOptions, classLabels: [Int]? = nil, noise: TrainingNoise
    ) throws -> TrainingLoss {
        guard x0.rank >= 2, noise.noise.shape == x0.shape, noise.timesteps.count == x0.shape[0] else {
            throw DiffusionError.shapeMismatch(
                operation: "trainingLoss", expected: "a batch [B, C, …] or [B, D] with its noise", got: x0.shape)
        }
        let timesteps = noise.timesteps
        let xt = try schedule.marginalSample(x0: x0, timesteps: timesteps, noise: noise.inputNoise)
        let output: Tensor
        if let selfConditioned = model as? SelfConditionedDenoiser {
            output = try selfConditionedOutput(
                selfConditioned, xt: xt, timesteps: timesteps, classLabels: classLabels,
                withEstimate: noise.selfConditionWithEstimate)
        } else {
            output = try model(xt, timesteps: timesteps, classLabels: classLabels)
        }
        let weights =
            options.weighting == .none
            ? nil
            : options.weighting.weights(timesteps: timesteps, schedule: schedule, prediction: prediction)
        return try trainingLoss(
            modelOutput: output, x0: x0, noise: noise.noise, xt: xt, timesteps: timesteps, kind: kind,
            weights: weights, exampleWeights: noise.exampleWeights)
    }

    /// The self-conditioning trick for one batch: when `withEstimate` (the batch's
    /// coin, probability ½) a gradient-free first evaluation with no estimate gives
    /// x̂0, which the evaluation that is trained then sees; otherwise it sees zeros.
    func selfConditionedOutput(
        _ model: SelfConditionedDenoiser, xt: Tensor, timesteps: [Int], classLabels: [Int]?, withEstimate: Bool
    ) throws -> Tensor {
        var estimate: Tensor? = nil
        if withEstimate {
            let first = try GradMode.withoutGradient {
                try model(xt, estimate: nil, timesteps: timesteps, classLabels: classLabels)
            }
            let alphaBar = schedule.double.alphaBar
            estimate = try model.estimate(output: first, xt: xt, alphaBar: timesteps.map { alphaBar[$0] })
        }
        return try model(xt, estimate: estimate, timesteps: timesteps, classLabels: classLabels)
    }
}
