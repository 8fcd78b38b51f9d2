import Tensors

extension GaussianDiffusion {
    /// The noise-prediction error ‖ε̂(x_t, t) − ε‖²/D of each example at a uniformly
    /// drawn t (the quantity L_simple averages, DDPM eq. 14), with ε̂ read from
    /// the network output by its prediction type, so ε-, x0- and v-models are scored
    /// on one scale. t and ε come from `generator`; a self-conditioned model sees no
    /// estimate. Returns each example's error and timestep.
    public func noisePredictionError(
        model: any DenoisingModel, x0: Tensor, classLabels: [Int]? = nil,
        generator: inout RandomGenerator
    ) throws -> (errors: [Double], timesteps: [Int]) {
        guard x0.rank >= 2, x0.shape[0] > 0 else {
            throw DiffusionError.shapeMismatch(
                operation: "noisePredictionError", expected: "a non-empty batch [B, C, …] or [B, D]",
                got: x0.shape)
        }
        let batch = x0.shape[0]
        let timesteps = UniformTimesteps.draw(batch: batch, timesteps: schedule.count, generator: &generator)
        let (xt, noise) = try schedule.marginalSample(x0: x0, timesteps: timesteps, generator: &generator)
        let output = try GradMode.withoutGradient {
            try model.forSamplingRun()(xt, timesteps: timesteps, classLabels: classLabels)
        }
        let prediction = try split(output: output, for: xt).prediction
        let epsilon = try schedule.interpret(prediction, as: self.prediction, xt: xt, timesteps: timesteps).epsilon.scalars
        let target = noise.scalars
        let size = xt.count / batch
        let errors = (0..<batch).map { example -> Double in
            var sum = 0.0
            for i in (example * size)..<((example + 1) * size) {
                let d = Double(epsilon[i]) - Double(target[i])
                sum += d * d
            }
            return sum / Double(size)
        }
        return (errors, timesteps)
    }
}
