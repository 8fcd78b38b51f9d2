import Tensors

/// The reverse (generative) process `p_θ(x_{t−1}|x_t) = N(μ_θ, σ_t² I)`
/// (tutorial eq. 2, DDPM eq. 1): a noise schedule with the
/// meaning of the network output (prediction type, variance type) and
/// what is done to x̂0 (clipping, dynamic thresholding) before forming the mean.
public struct GaussianDiffusion: Sendable {
    /// The noise schedule: β_t and every array derived from it.
    public let schedule: NoiseSchedule
    /// What the network predicts (ε, x0 or v).
    public var prediction: PredictionType
    /// How σ_t² is chosen (β̃_t, β_t, or learned between them).
    public var variance: VarianceType
    /// What is done to x̂0 before μ_θ is formed (and before DDIM and
    /// DPM-Solver++ use it).
    public var denoisedClipping: DenoisedClipping

    /// Whether x̂0 is clipped at all; setting it chooses clipping to [−1, 1] or none.
    public var clipDenoised: Bool {
        get { denoisedClipping != .none }
        set { denoisedClipping = newValue ? .clip(range: 1) : .none }
    }

    /// A process that clips x̂0 to [−1, 1] (for data scaled to [−1, 1]) or not.
    public init(
        schedule: NoiseSchedule, prediction: PredictionType = .epsilon,
        variance: VarianceType = .fixedSmall, clipDenoised: Bool = false
    ) {
        self.init(
            schedule: schedule, prediction: prediction, variance: variance,
            denoisedClipping: clipDenoised ? .clip(range: 1) : .none)
    }

    /// A process with any treatment of x̂0.
    public init(
        schedule: NoiseSchedule, prediction: PredictionType, variance: VarianceType,
        denoisedClipping: DenoisedClipping
    ) {
        self.schedule = schedule
        self.prediction = prediction
        self.variance = variance
        self.denoisedClipping = denoisedClipping
    }
}

/// One evaluation of the reverse process at x_t: the Gaussian
/// `p_θ(x_{t−1}|x_t)` and the network's x̂0 (clipped if asked) and ε̂.
public struct ReverseStep {
    /// p_θ(x_{t−1} | x_t): mean μ_θ and variance σ_t².
    public let distribution: DiagonalGaussian
    /// The network's x̂0, after clipping or thresholding when the process asks for it.
    public let predictedX0: Tensor
    /// The network's ε̂ (unclipped).
    public let predictedEpsilon: Tensor
}

extension GaussianDiffusion {
    /// Splits a network output into its prediction and, for learned_range,
    /// its variance values (the second half of axis 1).
    ///
    /// - Throws: ``DiffusionError/shapeMismatch(operation:expected:got:)`` when the output does not have the channels the variance type needs.
    public func split(output: Tensor, for xt: Tensor) throws -> (prediction: Tensor, varianceValues: Tensor?) {
        var expected = xt.shape
        if expected.count >= 2 { expected[1] *= variance.outputChannelFactor }
        guard output.shape == expected else {
            throw DiffusionError.shapeMismatch(
                operation: "model output (\(variance.rawValue))",
                expected: "\(expected) for an input of shape \(xt.shape)", got: output.shape)
        }
        guard variance == .learnedRange else { return (output, nil) }
        let halves = output.split([xt.shape[1], xt.shape[1]], axis: 1)
        return (halves[0], halves[1])
    }

    /// σ_t² and log σ_t² for each example's timestep; `varianceValues`
    /// (learned_range only) are the network's v ∈ [−1, 1].
    ///
    /// - Throws: ``DiffusionError/invalidParameter(name:value:accepted:)`` for learned_range without variance values.
    public func modelVariance(varianceValues: Tensor?, timesteps: [Int], rank: Int) throws -> (variance: Tensor, logVariance: Tensor) {
        let s = schedule
        switch variance {
        case .fixedSmall:
            return (
                s.coefficient(s.double.posteriorVariance, at: timesteps, rank: rank),
                s.coefficient(s.double.posteriorLogVarianceClipped, at: timesteps, rank: rank)
            )
        case .fixedLarge:
            return (
                s.coefficient(s.double.betas, at: timesteps, rank: rank),
                s.coefficient(s.double.logBetas, at: timesteps, rank: rank)
            )
        case .learnedRange:
            guard let v = varianceValues else {
                throw DiffusionError.invalidParameter(
                    name: "variance values", value: "nil", accepted: "the second half of a learned_range model output")
            }
            let minimum = s.coefficient(s.double.posteriorLogVarianceClipped, at: timesteps, rank: rank)
            let span = s.coefficient(
                (0..<s.count).map { s.double.logBetas[$0] - s.double.posteriorLogVarianceClipped[$0] },
                at: timesteps, rank: rank)
            let logVariance = minimum + (v + 1) * 0.5 * span
            return (logVariance.exp(), logVariance)
        }
    }

    /// `p_θ(x_{t−1}|x_t)` from a network output at x_t. The mean is μ̃_t(x_t, x̂0)
    /// (for ε-prediction without clipping this equals eq. 101).
    /// `detachMean` cuts the gradient through the mean (the stop-gradient of the hybrid loss).
    ///
    /// - Parameters:
    ///   - modelOutput: the network's output at `xt`: `[B, C, …]`, or `[B, 2C, …]` for a learned variance.
    ///   - xt: the noised batch `[B, C, …]`.
    ///   - timesteps: one 0-based timestep per example.
    ///   - detachMean: whether the mean carries no gradient to the network.
    /// - Throws: ``DiffusionError`` when the timesteps or the output's shape do not fit `xt`.
    public func reverseStep(modelOutput: Tensor, xt: Tensor, timesteps: [Int], detachMean: Bool = false) throws -> ReverseStep {
        try schedule.validate(timesteps: timesteps, for: xt, operation: "reverseStep")
        var (prediction, varianceValues) = try split(output: modelOutput, for: xt)
        if detachMean { prediction = prediction.detached() }
        var (x0, epsilon) = try schedule.interpret(prediction, as: self.prediction, xt: xt, timesteps: timesteps)
        x0 = denoisedClipping.apply(to: x0)
        let (variance, logVariance) = try modelVariance(varianceValues: varianceValues, timesteps: timesteps, rank: xt.rank)
        let mean = schedule.posteriorMean(x0: x0, xt: xt, timesteps: timesteps)
        return ReverseStep(
            distribution: DiagonalGaussian(mean: mean, variance: variance, logVariance: logVariance),
            predictedX0: x0, predictedEpsilon: epsilon)
    }
}
