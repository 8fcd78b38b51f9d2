import Foundation
import Tensors

/// DDIM (Song et al. 2021) on a subsequence τ of timesteps:
/// `x_prev = √ᾱ_prev x̂0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z`,
/// `σ = η √((1−ᾱ_prev)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev)`; η = 0 is deterministic.
///
/// As diffusers' `DDIMScheduler`, except that the previous timestep is always
/// the next entry of the actual list (diffusers uses t − T/N, wrong for the
/// linspace and trailing spacings). After the last entry ᾱ_prev is 1
/// (`setAlphaToOne`, diffusers' default) or ᾱ at index 0.
public struct DDIMSampler: SteppedSampler {
    /// The process whose model is sampled.
    public let diffusion: GaussianDiffusion
    /// The timesteps τ visited, strictly decreasing.
    public let timesteps: [Int]
    /// η: 0 is deterministic, 1 adds DDPM-like noise.
    public let eta: Double
    /// Re-derive ε̂ from the clipped or thresholded x̂0 (diffusers' `use_clipped_model_output`).
    public let useClippedModelOutput: Bool
    /// Whether ᾱ after the last step is 1 (diffusers' `set_alpha_to_one`) rather than ᾱ at index 0.
    public let setAlphaToOne: Bool

    /// A sampler on `steps` timesteps picked by `spacing` (diffusers' `steps_offset` is `offset`).
    ///
    /// - Throws: ``DiffusionError`` for steps outside 1…T, a negative or non-finite η.
    public init(
        diffusion: GaussianDiffusion, steps: Int, spacing: TimestepSpacing = .leading, offset: Int = 0,
        eta: Double = 0, useClippedModelOutput: Bool = false, setAlphaToOne: Bool = true
    ) throws {
        try self.init(
            diffusion: diffusion,
            timesteps: try spacing.timesteps(steps: steps, trainingSteps: diffusion.schedule.count, offset: offset),
            eta: eta, useClippedModelOutput: useClippedModelOutput, setAlphaToOne: setAlphaToOne)
    }

    /// A sampler on an explicit strictly decreasing list of timesteps.
    ///
    /// - Throws: ``DiffusionError`` for a list that is empty, not strictly decreasing or outside `0..<T`, or a negative or non-finite η.
    public init(
        diffusion: GaussianDiffusion, timesteps: [Int], eta: Double = 0,
        useClippedModelOutput: Bool = false, setAlphaToOne: Bool = true
    ) throws {
        guard eta >= 0, eta.isFinite else {
            throw DiffusionError.invalidParameter(
                name: "eta", value: "\(eta)", accepted: "a finite value ≥ 0 (0 = deterministic, 1 = DDPM-like)")
        }
        guard !timesteps.isEmpty, zip(timesteps, timesteps.dropFirst()).allSatisfy({ $0 > $1 }),
            timesteps.allSatisfy({ $0 >= 0 && $0 < diffusion.schedule.count })
        else {
            throw DiffusionError.invalidTimesteps(
                operation: "DDIMSampler",
                reason: "timesteps must be a non-empty strictly decreasing list within 0..<\(diffusion.schedule.count), got \(timesteps)")
        }
        self.diffusion = diffusion
        self.timesteps = timesteps
        self.eta = eta
        self.useClippedModelOutput = useClippedModelOutput
        self.setAlphaToOne = setAlphaToOne
    }

    /// The DDIM update from timestep `t` to any earlier timestep `previous`
    /// (nil = the clean end), whether or not both are on the list (RePaint's
    /// jumps use this); returns x_prev and x̂0. `noise` is needed when η > 0.
    public func update(
        modelOutput: Tensor, from t: Int, to previous: Int?, sample: Tensor,
        noise: Tensor?
    ) throws -> (previous: Tensor, predictedX0: Tensor) {
        let s = diffusion.schedule
        let batch = sample.shape.first ?? 0
        let indices = [Int](repeating: t, count: batch)
        try s.validate(timesteps: indices, for: sample, operation: "DDIMSampler.step")
        if let previous, previous < 0 || previous >= s.count {
            throw DiffusionError.invalidTimesteps(
                operation: "DDIMSampler.step", reason: "previous timestep \(previous) is outside 0..<\(s.count)")
        }
        let prediction = try diffusion.split(output: modelOutput, for: sample).prediction
        var (x0, epsilon) = try s.interpret(prediction, as: diffusion.prediction, xt: sample, timesteps: indices)
        if diffusion.denoisedClipping != .none {
            x0 = diffusion.denoisedClipping.apply(to: x0)
            if useClippedModelOutput { epsilon = try s.epsilon(fromX0: x0, xt: sample, timesteps: indices) }
        }
        let alphaBar = s.double.alphaBar[t], oneMinusAlphaBar = s.double.oneMinusAlphaBar[t]
        let alphaBarPrevious: Double, oneMinusPrevious: Double
        if let previous {
            (alphaBarPrevious, oneMinusPrevious) = (s.double.alphaBar[previous], s.double.oneMinusAlphaBar[previous])
        } else if setAlphaToOne {
            (alphaBarPrevious, oneMinusPrevious) = (1, 0)
        } else {
            (alphaBarPrevious, oneMinusPrevious) = (s.double.alphaBar[0], s.double.oneMinusAlphaBar[0])
        }
        let variance = oneMinusPrevious / oneMinusAlphaBar * (1 - alphaBar / alphaBarPrevious)
        let sigma = eta * Swift.max(variance, 0).squareRoot()
        let direction = Swift.max(oneMinusPrevious - sigma * sigma, 0).squareRoot()
        var result = x0 * Float(alphaBarPrevious.squareRoot()) + epsilon * Float(direction)
        if eta > 0 {
            guard let noise else {
                throw DiffusionError.invalidParameter(name: "noise", value: "none", accepted: "a noise tensor when η > 0")
            }
            try s.validateSameShape(sample, noise, operation: "DDIMSampler.step noise")
            result = result + noise * Float(sigma)
        }
        return (result, x0)
    }

    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε at the timestep of `step`.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[timesteps[try checkedStep(step)]])
    }

    /// One discrete evaluation per step; each takes noise when η > 0.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).map {
            SamplerTimestep(step: $0, modelTimestep: .discrete(timesteps[$0]), takesNoise: eta > 0)
        }
    }

    /// Each step goes to the next timestep of the list (the last to the clean end).
    public func step(
        _ state: inout Void, modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let i = timestep.step
        let (previous, x0) = try update(
            modelOutput: modelOutput, from: timesteps[i], to: i + 1 < timesteps.count ? timesteps[i + 1] : nil,
            sample: sample, noise: noise)
        return SamplerStepOutput(sample: previous, predictedX0: x0)
    }
}
