import Tensors

extension DDIMSampler {
    /// DDIM inversion (Song et al. 2021, §4.3; diffusers' `DDIMInverseScheduler`):
    /// runs the deterministic DDIM update backwards, from clean `images` up the
    /// sampler's timesteps in ascending order, so that sampling (η = 0) from the
    /// result returns close to the images. At each timestep t, with the previous
    /// level ᾱ_p (1 for the clean image): ε̂ = the model's ε at (x, t),
    /// x̂0 = (x − √(1−ᾱ_p) ε̂)/√ᾱ_p, x ← √ᾱ_t x̂0 + √(1−ᾱ_t) ε̂. Returns the state at
    /// step 0 (x at `timesteps[0]`).
    public func invert(
        model: any DenoisingModel, images: Tensor, classLabels: [Int]? = nil,
        callback: SamplingCallback? = nil
    ) throws -> Tensor {
        let model = model.forSamplingRun()
        let batch = images.shape.first ?? 0
        try validate(classLabels: classLabels, batch: batch)
        let s = diffusion.schedule
        return try GradMode.withoutGradient {
            var x = images
            var previousAlphaBar = 1.0
            for (i, t) in timesteps.reversed().enumerated() {
                let indices = [Int](repeating: t, count: batch)
                let output = try model(x, timesteps: indices, classLabels: classLabels)
                let prediction = try diffusion.split(output: output, for: x).prediction
                let epsilon = try s.interpret(prediction, as: diffusion.prediction, xt: x, timesteps: indices).epsilon
                let x0 = (x - epsilon * Float((1 - previousAlphaBar).squareRoot())) * Float(1 / previousAlphaBar.squareRoot())
                let alphaBar = s.double.alphaBar[t]
                x = x0 * Float(alphaBar.squareRoot()) + epsilon * Float((1 - alphaBar).squareRoot())
                previousAlphaBar = alphaBar
                try callback?(SamplingStep(step: i, totalSteps: timesteps.count, timestep: t, sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
