import Diffusion
import Tensors

/// Image-to-image by SDEdit (Meng et al. 2022): the input is noised by the
/// forward process q(x_t | x0) to a level set by `strength`, then denoised by
/// any sampler from there, so the result keeps the input's layout and takes
/// the model's detail. As diffusers' img2img pipelines: of a sampler's N steps
/// the last ⌊N·strength⌋ are run; strength 0 returns the input unchanged,
/// strength 1 starts from the noisiest step (almost pure noise).
public struct ImageToImage {
    /// The sampler whose last steps are run.
    public let sampler: any Sampler
    /// In [0, 1]: how much of the sampling trajectory is redone.
    public let strength: Double

    /// Image-to-image with `sampler` at `strength`.
    ///
    /// - Throws: ``PipelineError`` for a strength outside [0, 1].
    public init(sampler: any Sampler, strength: Double) throws {
        guard strength.isFinite, (0...1).contains(strength) else {
            throw PipelineError(problem: "strength \(strength) is outside [0, 1] (0 keeps the input, 1 redraws it from noise)")
        }
        self.sampler = sampler
        self.strength = strength
    }

    /// The sampler step the run starts at: N − ⌊N·strength⌋ (N when nothing is redone).
    public var startStep: Int {
        let count = sampler.timesteps.count
        return count - Swift.min(Int(Double(count) * strength), count)
    }

    /// Edits `images` (a batch in the model's range [−1, 1]); draws the noise,
    /// then the sampler's own noise, from `generator`.
    ///
    /// - Throws: `DiffusionError` for images or labels that do not fit the sampler; what the model or the
    ///   callback throws.
    public func callAsFunction(
        model: any DenoisingModel, images: Tensor, classLabels: [Int]? = nil,
        generator: inout RandomGenerator, callback: SamplingCallback? = nil
    ) throws -> Tensor {
        let start = startStep
        guard start < sampler.timesteps.count else { return images }
        let noise = Tensor.randn(images.shape, generator: &generator)
        let state = try sampler.state(noising: images, with: noise, atStep: start)
        return try sampler.sample(
            model: model, state: state, fromStep: start, classLabels: classLabels,
            generator: &generator, callback: callback)
    }
}
