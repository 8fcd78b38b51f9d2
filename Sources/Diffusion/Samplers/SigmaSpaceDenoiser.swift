import Tensors

/// A trained variance-preserving model seen in σ-space (Karras et al. 2022,
/// k-diffusion's `DiscreteEpsDDPMDenoiser`): given x_σ = x0 + σ·ε it returns
/// the denoised D(x_σ; σ) = x̂0. The network sees x_t = x_σ/√(σ² + 1) at the
/// continuous timestep of σ, and its output is read per prediction type:
/// ε → x_σ − σ·ε̂; v → x_σ/(σ² + 1) − σ·v̂/√(σ² + 1); x0 → the output itself.
/// A learned variance's extra channels are dropped. No clipping, as diffusers'
/// σ-space schedulers.
struct SigmaSpaceDenoiser {
    let model: any DenoisingModel
    let diffusion: GaussianDiffusion
    let classLabels: [Int]?

    /// x̂0 for the batch `sample` (x_σ) at noise level `sigma`, evaluated at `timestep`.
    func denoise(_ sample: Tensor, sigma: Double, timestep: Double) throws -> Tensor {
        let batch = sample.shape.first ?? 0
        let scale = 1 / (sigma * sigma + 1).squareRoot()
        let input = sample * Float(scale)
        let output = try model(input, continuousTimesteps: [Double](repeating: timestep, count: batch), classLabels: classLabels)
        let prediction = try diffusion.split(output: output, for: input).prediction
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
