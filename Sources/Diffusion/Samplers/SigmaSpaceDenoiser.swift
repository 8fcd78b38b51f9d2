import Tensors

/// A trained variance-preserving model seen in σ-space (Karras et al. 2022,
/// k-diffusion's `DiscreteEpsDDPMDenoiser`): given x_σ = x0 + σ·ε it gives
/// the denoised D(x_σ; σ) = x̂0. The network sees x_t = x_σ/√(σ² + 1) at the
/// continuous timestep of σ (`inputScale`), and its output is read per
/// prediction type: ε → x_σ − σ·ε̂; v → x_σ/(σ² + 1) − σ·v̂/√(σ² + 1); x0 →
/// the output itself. A learned variance's extra channels are dropped. No
/// clipping, as diffusers' σ-space schedulers.
enum SigmaSpaceDenoiser {
    /// 1/√(σ² + 1): the model reads x_σ scaled by it.
    static func inputScale(sigma: Double) -> Double { 1 / (sigma * sigma + 1).squareRoot() }

    /// x̂0 for the batch `sample` (x_σ) at noise level `sigma` from the model's output there.
    static func predictedX0(
        modelOutput: Tensor, sample: Tensor, sigma: Double,
        diffusion: GaussianDiffusion
    ) throws -> Tensor {
        let scale = inputScale(sigma: sigma)
        let prediction = try diffusion.split(output: modelOutput, for: sample).prediction
        switch diffusion.prediction {
        case .epsilon:
            return sample - prediction * Float(sigma)
        case .velocity:
            return sample * Float(scale * scale) - prediction * Float(sigma * scale)
        case .sample:
            return prediction
        }
    }
}
