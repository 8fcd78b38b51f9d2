import Tensors

/// A noise-prediction network: anything that maps a noisy batch to the
/// network output the diffusion process interprets.
///
/// - `x`: the noisy batch x_t, shape `[B, C, …]` (images `[B, C, H, W]` of any
///   size, or flat vectors `[B, D]`).
/// - `timesteps`: one 0-based timestep index per example (`0..<T`, the
///   index diffusers feeds its networks).
/// - `classLabels`: one class index per example for a class-conditional
///   network, or `nil`.
/// - Returns `[B, C·k, …]` where `k` is `VarianceType.outputChannelFactor`
///   (2 for learned_range: the prediction, then the variance values along axis 1).
///
/// A model throws `DiffusionError` (or its own error) on input it cannot take.
/// The U-Net and the MLP ε-models conform.
public protocol DenoisingModel {
    /// The network's output for the noisy batch `x` at 0-based training timesteps, one per example.
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor

    /// The same at continuous timesteps in `[0, T − 1]`, which the σ-space samplers
    /// (Euler, Heun) reach between training timesteps, as diffusers feeds them to its
    /// networks. The default takes whole timesteps only and throws on any other.
    func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor

    /// The model to use for one sampling run. A model that carries something from one
    /// evaluation to the next (a `SelfConditionedDenoiser`'s last x̂0) returns a copy
    /// with an empty memory; every other model returns itself (the default). Every
    /// sampler calls it once at its start.
    func forSamplingRun() -> any DenoisingModel
}

extension DenoisingModel {
    /// The model itself: a model without memory needs no fresh copy per run.
    public func forSamplingRun() -> any DenoisingModel { self }

    /// The output at whole timesteps given as `Double`s.
    ///
    /// - Throws: ``DiffusionError/invalidTimesteps(operation:reason:)`` when a timestep is not a whole number.
    public func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        guard let whole = continuousTimesteps.wholeTimesteps else {
            throw DiffusionError.invalidTimesteps(
                operation: "\(type(of: self))",
                reason: "this model takes whole timesteps only, got \(continuousTimesteps.first { $0.rounded() != $0 } ?? .nan); "
                    + "sample it with timesteps on the training grid (e.g. sigmas from the model)")
        }
        return try self(x, timesteps: whole, classLabels: classLabels)
    }
}

extension Array where Element == Double {
    /// The values as integers when every one is whole (and finite), else nil.
    var wholeTimesteps: [Int]? {
        guard allSatisfy({ $0.isFinite && $0.rounded() == $0 && Swift.abs($0) < 1e9 }) else { return nil }
        return map { Int($0) }
    }
}
