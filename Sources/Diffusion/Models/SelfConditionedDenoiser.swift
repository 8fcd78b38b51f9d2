import Foundation
import NN
import Tensors

/// Self-conditioning (Chen, Zhang & Hinton 2022, "Analog Bits", §3.1; lucidrains'
/// `self_condition`): the network sees, besides x_t, an estimate x̃0 of the clean
/// image stacked on the channel axis, `f([x_t, x̃0], t)`.
///
/// - Sampling: x̃0 is the network's own x̂0 from its previous evaluation in the same
///   sampling run (zeros at the first), so every sampler uses it without knowing.
///   This object is that memory; `forSamplingRun()` gives a fresh one, and every
///   sampler starts with it, so runs never see each other's estimates.
/// - Training (`GaussianDiffusion.trainingLoss(model:x0:…options:…)`): with
///   probability ½ per batch, x̃0 is x̂0 of a first, gradient-free evaluation with
///   zeros; otherwise zeros. The network learns both to use an estimate and to
///   start without one.
///
/// x̂0 is read from the output by the process's prediction type at each example's
/// ᾱ, clipped as the process clips x̂0, and detached. It wraps the network without
/// renaming its parameters, so weight files are the network's own.
public final class SelfConditionedDenoiser: DenoisingModel, Module {
    /// The network, taking `[B, 2C, …]` (x_t, then x̃0).
    public let network: any DenoisingModel & Module
    /// The process whose prediction type and clipping turn an output into x̂0.
    public let diffusion: GaussianDiffusion
    /// The x̂0 of the last evaluation in this sampling run.
    public private(set) var previousEstimate: Tensor?
    private let logSigmas: [Double]

    /// Wraps `network`, whose input has twice the data's channels.
    public init(network: any DenoisingModel & Module, diffusion: GaussianDiffusion) {
        self.network = network
        self.diffusion = diffusion
        logSigmas = SigmaSchedule.trainingSigmas(diffusion.schedule.double.alphaBar).map { Foundation.log($0) }
    }

    /// The network's own parameters (no renaming).
    public var parameters: [(name: String, tensor: Tensor)] { network.parameters }
    /// The network's own children (no renaming).
    public var children: [(name: String, module: any Module)] { network.children }

    /// The same network with an empty memory.
    public func forSamplingRun() -> any DenoisingModel {
        SelfConditionedDenoiser(network: network, diffusion: diffusion)
    }

    /// One evaluation with the given estimate (nil: zeros); keeps no memory.
    public func callAsFunction(_ x: Tensor, estimate: Tensor?, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        try network(try stacked(x, estimate), timesteps: timesteps, classLabels: classLabels)
    }

    /// One evaluation at continuous timesteps with the given estimate; keeps no memory.
    public func callAsFunction(
        _ x: Tensor, estimate: Tensor?, continuousTimesteps: [Double],
        classLabels: [Int]?
    ) throws -> Tensor {
        try network(try stacked(x, estimate), continuousTimesteps: continuousTimesteps, classLabels: classLabels)
    }

    /// The output at `x`, reading the last estimate of this run (zeros at the first), and keeping this one's x̂0 for the next.
    public func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let output = try self(x, estimate: remembered(for: x), timesteps: timesteps, classLabels: classLabels)
        let alphaBar = diffusion.schedule.double.alphaBar
        previousEstimate = try estimate(output: output, xt: x, alphaBar: timesteps.map { alphaBar[$0] })
        return output
    }

    /// The same at continuous timesteps (the σ-space samplers).
    public func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        let output = try self(
            x, estimate: remembered(for: x), continuousTimesteps: continuousTimesteps,
            classLabels: classLabels)
        previousEstimate = try estimate(output: output, xt: x, alphaBar: continuousTimesteps.map(alphaBar(at:)))
        return output
    }

    /// x̂0 implied by `output` at `xt` with `alphaBar` (one value, or one per example):
    /// ε → (x_t − √(1−ᾱ) ε̂)/√ᾱ (0 where ᾱ = 0, which ε-prediction cannot resolve),
    /// v → √ᾱ x_t − √(1−ᾱ) v̂, x0 → the output; then the process's clipping. Detached.
    public func estimate(output: Tensor, xt: Tensor, alphaBar: [Double]) throws -> Tensor {
        let prediction = try diffusion.split(output: output, for: xt).prediction.scalars
        let batch = xt.shape.first ?? 0
        guard alphaBar.count == batch || alphaBar.count == 1 else {
            throw DiffusionError.invalidTimesteps(
                operation: "self-conditioning",
                reason: "\(alphaBar.count) timesteps for a batch of \(batch)")
        }
        let x = xt.scalars
        let perExample = batch == 0 ? 0 : x.count / batch
        var values = [Float](repeating: 0, count: x.count)
        for example in 0..<batch {
            let a = alphaBar.count == 1 ? alphaBar[0] : alphaBar[example]
            let (fromX, fromPrediction): (Double, Double)
            switch diffusion.prediction {
            case .epsilon: (fromX, fromPrediction) = a > 0 ? (1 / a.squareRoot(), -((1 - a) / a).squareRoot()) : (0, 0)
            case .velocity: (fromX, fromPrediction) = (a.squareRoot(), -(1 - a).squareRoot())
            case .sample: (fromX, fromPrediction) = (0, 1)
            }
            let p = Float(fromX), q = Float(fromPrediction)
            for i in (example * perExample)..<((example + 1) * perExample) { values[i] = p * x[i] + q * prediction[i] }
        }
        return diffusion.denoisedClipping.apply(to: Tensor(shape: xt.shape, scalars: values))
    }

    /// ᾱ at a continuous timestep, by the interpolation in log σ that the σ-space samplers use to reach it.
    func alphaBar(at t: Double) -> Double {
        let sigma = Foundation.exp(SigmaSchedule.interpolate(logSigmas, at: t))
        return 1 / (1 + sigma * sigma)
    }

    /// The remembered estimate when it fits `x` (a new batch shape starts from zeros).
    private func remembered(for x: Tensor) -> Tensor? {
        previousEstimate?.shape == x.shape ? previousEstimate : nil
    }

    /// `[x, estimate or zeros]` on the channel axis.
    private func stacked(_ x: Tensor, _ estimate: Tensor?) throws -> Tensor {
        guard x.rank >= 2 else {
            throw DiffusionError.shapeMismatch(operation: "self-conditioning", expected: "a batch [B, C, …]", got: x.shape)
        }
        if let estimate, estimate.shape != x.shape {
            throw DiffusionError.shapeMismatch(
                operation: "self-conditioning", expected: "an estimate of shape \(x.shape)",
                got: estimate.shape)
        }
        return Tensor.concat([x, estimate ?? Tensor.zeros(x.shape)], axis: 1)
    }
}
