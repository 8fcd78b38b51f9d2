import Tensors

/// The reverse (generative) process `p_θ(x_{t−1}|x_t) = N(μ_θ, σ_t² I)`
/// (reference "Reverse (generative) process"): a noise schedule with the
/// meaning of the network output (prediction type, variance type) and
/// whether x̂0 is clipped to [−1, 1] before forming the mean.
public struct GaussianDiffusion: Sendable {
    public let schedule: NoiseSchedule
    public var prediction: PredictionType
    public var variance: VarianceType
    /// Clip x̂0 to [−1, 1] before forming μ_θ (for data scaled to [−1, 1]).
    public var clipDenoised: Bool

    public init(schedule: NoiseSchedule, prediction: PredictionType = .epsilon,
                variance: VarianceType = .fixedSmall, clipDenoised: Bool = false) {
        self.schedule = schedule
        self.prediction = prediction
        self.variance = variance
        self.clipDenoised = clipDenoised
    }
}

/// One evaluation of the reverse process at x_t: the Gaussian
/// `p_θ(x_{t−1}|x_t)` and the network's x̂0 (clipped if asked) and ε̂.
public struct ReverseStep {
    public let distribution: DiagonalGaussian
    public let predictedX0: Tensor
    public let predictedEpsilon: Tensor
}

extension GaussianDiffusion {
    /// Splits a network output into its prediction and, for learned_range,
    /// its variance values (the second half of axis 1).
    public func split(output: Tensor, for xt: Tensor) throws -> (prediction: Tensor, varianceValues: Tensor?) {
        var expected = xt.shape
        if expected.count >= 2 { expected[1] *= variance.outputChannelFactor }
        guard output.shape == expected else {
            throw DiffusionError.shapeMismatch(operation: "model output (\(variance.rawValue))",
                                               expected: "\(expected) for an input of shape \(xt.shape)", got: output.shape)
        }
        guard variance == .learnedRange else { return (output, nil) }
        let halves = output.split([xt.shape[1], xt.shape[1]], axis: 1)
        return (halves[0], halves[1])
    }

    /// σ_t² and log σ_t² for each example's timestep; `varianceValues`
    /// (learned_range only) are the network's v ∈ [−1, 1].
    public func modelVariance(varianceValues: Tensor?, timesteps: [Int], rank: Int) throws -> (variance: Tensor, logVariance: Tensor) {
        let s = schedule
        switch variance {
        case .fixedSmall:
            return (s.coefficient(s.double.posteriorVariance, at: timesteps, rank: rank),
                    s.coefficient(s.double.posteriorLogVarianceClipped, at: timesteps, rank: rank))
        case .fixedLarge:
            return (s.coefficient(s.double.betas, at: timesteps, rank: rank),
                    s.coefficient(s.double.logBetas, at: timesteps, rank: rank))
        case .learnedRange:
            guard let v = varianceValues else {
                throw DiffusionError.invalidParameter(name: "variance values", value: "nil", accepted: "the second half of a learned_range model output")
            }
            let minimum = s.coefficient(s.double.posteriorLogVarianceClipped, at: timesteps, rank: rank)
            let span = s.coefficient((0..<s.count).map { s.double.logBetas[$0] - s.double.posteriorLogVarianceClipped[$0] },
                                     at: timesteps, rank: rank)
            let logVariance = minimum + (v + 1) * 0.5 * span
            return (logVariance.exp(), logVariance)
        }
    }

    /// `p_θ(x_{t−1}|x_t)` from a network output at x_t. The mean is μ̃_t(x_t, x̂0)
    /// (for ε-prediction without clipping this equals eq. 101).
    /// `detachMean` cuts the gradient through the mean (the stop-gradient of the hybrid loss).
    public func reverseStep(modelOutput: Tensor, xt: Tensor, timesteps: [Int], detachMean: Bool = false) throws -> ReverseStep {
        try schedule.validate(timesteps: timesteps, for: xt, operation: "reverseStep")
        var (prediction, varianceValues) = try split(output: modelOutput, for: xt)
        if detachMean { prediction = prediction.detached() }
        var (x0, epsilon) = try schedule.interpret(prediction, as: self.prediction, xt: xt, timesteps: timesteps)
        if clipDenoised { x0 = x0.clamped(-1, 1) }
        let (variance, logVariance) = try modelVariance(varianceValues: varianceValues, timesteps: timesteps, rank: xt.rank)
        let mean = schedule.posteriorMean(x0: x0, xt: xt, timesteps: timesteps)
        return ReverseStep(distribution: DiagonalGaussian(mean: mean, variance: variance, logVariance: logVariance),
                           predictedX0: x0, predictedEpsilon: epsilon)
    }
}
