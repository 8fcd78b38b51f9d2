import Foundation
import Tensors

/// The training objective.
public enum LossKind: Equatable, Sendable {
    /// L_simple (DDPM eq. 14): the MSE between the network's prediction and its
    /// target (ε, x0 or v, by the prediction type).
    case simple
    /// Improved DDPM's hybrid `L_simple + λ L_vlb` with the stop-gradient on the
    /// mean inside L_vlb; L_vlb is estimated per example as `T · L_t` (bits/dim),
    /// so λ = 0.001 at T = 1000 equals improved-diffusion's hybrid loss.
    case hybrid(lambda: Double = 0.001)
    /// The bound alone, `T · L_t` per example (bits/dim), gradients through the mean too.
    case variationalBound
}

/// One evaluation of the training loss over a batch.
public struct TrainingLoss {
    /// The scalar loss to back-propagate (the batch mean of `perExample`).
    public let loss: Tensor
    /// Each example's loss.
    public let perExample: [Float]
    /// Each example's MSE term (absent for `.variationalBound`).
    public let meanSquaredError: [Float]?
    /// Each example's bound term `L_t` in bits/dim (absent for `.simple`).
    public let boundTerm: [Float]?
    /// The timesteps drawn.
    public let timesteps: [Int]
}

/// Draws training timesteps uniformly from `0..<T` (DDPM Algorithm 1).
public enum UniformTimesteps {
    /// `batch` timesteps drawn uniformly from `0..<timesteps`.
    public static func draw(batch: Int, timesteps: Int, generator: inout RandomGenerator) -> [Int] {
        (0..<batch).map { _ in generator.nextInt(below: timesteps) }
    }
}

extension GaussianDiffusion {
    /// Algorithm 1 for one batch: draws t uniformly and ε ~ N(0, I) from
    /// `generator`, forms x_t, runs the model and builds the loss.
    ///
    /// - Parameters:
    ///   - model: the network being trained.
    ///   - x0: a batch of training data `[B, …]`.
    ///   - kind: L_simple, the hybrid loss, or the bound alone.
    ///   - classLabels: one label per example for a class-conditional network.
    ///   - generator: the source of t and ε.
    /// - Returns: the loss to back-propagate, with its parts per example.
    /// - Throws: ``DiffusionError`` when `x0` is not a batch or the model refuses its input.
    public func trainingLoss(
        model: any DenoisingModel, x0: Tensor, kind: LossKind = .simple, classLabels: [Int]? = nil,
        generator: inout RandomGenerator
    ) throws -> TrainingLoss {
        guard x0.rank >= 2 else {
            throw DiffusionError.shapeMismatch(operation: "trainingLoss", expected: "a batch [B, C, …] or [B, D]", got: x0.shape)
        }
        let timesteps = UniformTimesteps.draw(batch: x0.shape[0], timesteps: schedule.count, generator: &generator)
        let (xt, noise) = try schedule.marginalSample(x0: x0, timesteps: timesteps, generator: &generator)
        let output = try model(xt, timesteps: timesteps, classLabels: classLabels)
        return try trainingLoss(modelOutput: output, x0: x0, noise: noise, xt: xt, timesteps: timesteps, kind: kind)
    }

    /// The loss for a given network output at `x_t = √ᾱ_t x0 + √(1−ᾱ_t) noise`;
    /// `weights` (one per example) multiply the MSE term (a `LossWeighting`),
    /// `exampleWeights` each example's whole loss in the batch mean (importance
    /// sampling's 1/(T·p_t)); `perExample` is reported without them.
    ///
    /// - Parameters:
    ///   - modelOutput: the network's output at `xt`.
    ///   - x0: the clean batch.
    ///   - noise: the ε that formed `xt`.
    ///   - xt: the noised batch.
    ///   - timesteps: one 0-based timestep per example.
    ///   - kind: L_simple, the hybrid loss, or the bound alone.
    ///   - weights: one weight per example on the MSE term, or nil.
    ///   - exampleWeights: one weight per example on its whole loss in the batch mean, or nil.
    /// - Throws: ``DiffusionError`` when shapes, timesteps or weight counts do not fit the batch.
    public func trainingLoss(
        modelOutput: Tensor, x0: Tensor, noise: Tensor, xt: Tensor, timesteps: [Int],
        kind: LossKind = .simple, weights: [Float]? = nil,
        exampleWeights: [Float]? = nil
    ) throws -> TrainingLoss {
        try schedule.validate(timesteps: timesteps, for: xt, operation: "trainingLoss")
        try schedule.validateSameShape(xt, x0, operation: "trainingLoss")
        try schedule.validateSameShape(xt, noise, operation: "trainingLoss")
        let axes = Array(1..<xt.rank)
        let (prediction, _) = try split(output: modelOutput, for: xt)
        var mse: Tensor? = nil
        var bound: Tensor? = nil
        if kind != .variationalBound {
            let target = try schedule.target(for: self.prediction, x0: x0, epsilon: noise, timesteps: timesteps)
            mse = (prediction - target).square().mean(axes: axes)
            if let weights {
                guard weights.count == timesteps.count else {
                    throw DiffusionError.invalidParameter(
                        name: "loss weights", value: "\(weights.count) weights",
                        accepted: "one weight per example (\(timesteps.count))")
                }
                mse = mse! * Tensor(shape: [weights.count], scalars: weights)
            }
        }
        if kind != .simple {
            bound = try variationalBoundTerm(
                modelOutput: modelOutput, x0: x0, xt: xt, timesteps: timesteps,
                detachMean: kind != .variationalBound)
        }
        let perExample: Tensor
        switch kind {
        case .simple: perExample = mse!
        case let .hybrid(lambda): perExample = mse! + bound! * Float(lambda * Double(schedule.count))
        case .variationalBound: perExample = bound! * Float(schedule.count)
        }
        var total = perExample
        if let exampleWeights {
            guard exampleWeights.count == timesteps.count else {
                throw DiffusionError.invalidParameter(
                    name: "example weights", value: "\(exampleWeights.count) weights",
                    accepted: "one weight per example (\(timesteps.count))")
            }
            total = perExample * Tensor(shape: [exampleWeights.count], scalars: exampleWeights)
        }
        return TrainingLoss(
            loss: total.mean(), perExample: perExample.scalars,
            meanSquaredError: mse?.scalars, boundTerm: bound?.scalars, timesteps: timesteps)
    }
}
