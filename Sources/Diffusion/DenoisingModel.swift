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
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor
}
