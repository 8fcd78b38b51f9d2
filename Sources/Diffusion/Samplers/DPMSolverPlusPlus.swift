import Foundation
import Tensors

/// DPM-Solver++(2M) (Lu et al. 2022), the multistep second-order solver of
/// the diffusion ODE in data (x̂0) prediction, as diffusers'
/// `DPMSolverMultistepScheduler` with `algorithm_type="dpmsolver++"`,
/// `solver_order=2`, `final_sigmas_type="zero"`: the first step and the last
/// step (to σ = 0) are first order. The fast default for ≤ 25 steps.
///
/// With `α_t = √ᾱ_t`, `σ_t = √(1−ᾱ_t)`, `λ = log(α/σ)`, `h = λ_t − λ_s`:
/// first order `x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) D0`; second order adds
/// `− ½ α_t (e^{−h} − 1) D1` with `D1 = (D0 − D_prev) h/h_prev` (D0 = x̂0 now).
public struct DPMSolverPlusPlus: Sampler {
    public let diffusion: GaussianDiffusion
    public let timesteps: [Int]

    /// A solver on `steps` timesteps picked as diffusers' DPM-Solver does
    /// (N + 1 points of the spacing, the last dropped; linspace by default).
    public init(diffusion: GaussianDiffusion, steps: Int = 20, spacing: TimestepSpacing = .linspace, offset: Int = 0) throws {
        try self.init(diffusion: diffusion, timesteps: try Self.timesteps(steps: steps, trainingSteps: diffusion.schedule.count,
                                                                          spacing: spacing, offset: offset))
    }

    /// A solver on an explicit strictly decreasing list of timesteps.
    public init(diffusion: GaussianDiffusion, timesteps: [Int]) throws {
        guard !timesteps.isEmpty, zip(timesteps, timesteps.dropFirst()).allSatisfy({ $0 > $1 }),
              timesteps.allSatisfy({ $0 >= 0 && $0 < diffusion.schedule.count }) else {
            throw DiffusionError.invalidTimesteps(operation: "DPMSolverPlusPlus", reason: "timesteps must be a non-empty strictly decreasing list within 0..<\(diffusion.schedule.count), got \(timesteps)")
        }
        self.diffusion = diffusion
        self.timesteps = timesteps
    }

    /// diffusers' `DPMSolverMultistepScheduler.set_timesteps` for the three spacings.
    public static func timesteps(steps: Int, trainingSteps: Int, spacing: TimestepSpacing, offset: Int = 0) throws -> [Int] {
        guard steps >= 1, steps <= trainingSteps else {
            throw DiffusionError.invalidParameter(name: "number of sampling steps", value: "\(steps)",
                                                  accepted: "an integer in 1...\(trainingSteps) (the training timesteps)")
        }
        let result: [Int]
        switch spacing {
        case .linspace:
            result = TimestepSpacing.evenlySpaced(0, Double(trainingSteps - 1), count: steps + 1).dropFirst().reversed()
                .map { Int($0.rounded(.toNearestOrEven)) }
        case .leading:
            let ratio = trainingSteps / (steps + 1)
            result = (1...steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            result = try TimestepSpacing.trailing.timesteps(steps: steps, trainingSteps: trainingSteps)
        }
        guard zip(result, result.dropFirst()).allSatisfy({ $0 > $1 }), result.allSatisfy({ $0 >= 0 && $0 < trainingSteps }) else {
            throw DiffusionError.invalidParameter(name: "number of sampling steps", value: "\(steps)",
                                                  accepted: "a count whose \(spacing.rawValue) timesteps are distinct and within 0..<\(trainingSteps) (got \(result))")
        }
        return result
    }

    /// (α, σ, λ) at a training timestep, or at the clean end (α = 1, σ = 0, λ = ∞) for nil.
    /// Where ᾱ = 0 (zero terminal SNR) ᾱ is taken as 2⁻²⁴, as diffusers does, so λ stays finite.
    private func noiseLevel(_ t: Int?) -> (alpha: Double, sigma: Double, lambda: Double) {
        guard let t else { return (1, 0, .infinity) }
        let s = diffusion.schedule.double
        var alpha = s.sqrtAlphaBar[t], sigma = s.sqrtOneMinusAlphaBar[t]
        if s.alphaBar[t] == 0 {
            let floor = 0x1p-24
            (alpha, sigma) = (floor.squareRoot(), (1 - floor).squareRoot())
        }
        return (alpha, sigma, Foundation.log(alpha) - Foundation.log(sigma))
    }

    /// Step `index` of the list: returns the next sample and this step's x̂0
    /// (pass it back as `previousX0` to the following step).
    public func step(modelOutput: Tensor, index: Int, sample: Tensor, previousX0: Tensor?) throws -> (next: Tensor, predictedX0: Tensor) {
        guard index >= 0, index < timesteps.count else {
            throw DiffusionError.invalidTimesteps(operation: "DPMSolverPlusPlus.step", reason: "step index \(index) is outside 0..<\(timesteps.count)")
        }
        let t = timesteps[index]
        let indices = [Int](repeating: t, count: sample.shape.first ?? 0)
        let prediction = try diffusion.split(output: modelOutput, for: sample).prediction
        var x0 = try diffusion.schedule.interpret(prediction, as: diffusion.prediction, xt: sample, timesteps: indices).x0
        x0 = diffusion.denoisedClipping.apply(to: x0)

        let current = noiseLevel(t)
        let isLast = index == timesteps.count - 1
        let target = noiseLevel(isLast ? nil : timesteps[index + 1])
        let decay = isLast ? -1 : Foundation.expm1(-(target.lambda - current.lambda))
        var next = sample * Float(target.sigma / current.sigma) - x0 * Float(target.alpha * decay)
        if let previousX0, index > 0, !isLast {
            let earlier = noiseLevel(timesteps[index - 1])
            let h = target.lambda - current.lambda, hPrevious = current.lambda - earlier.lambda
            let d1 = (x0 - previousX0) * Float(h / hPrevious)
            next = next - d1 * Float(0.5 * target.alpha * decay)
        }
        return (next, x0)
    }

    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[timesteps[try checkedStep(step)]])
    }

    public func sample(model: any DenoisingModel, state: Tensor, fromStep start: Int, classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        let batch = state.shape.first ?? 0
        try validate(start: start, classLabels: classLabels, batch: batch)
        return try GradMode.withoutGradient {
            var x = state
            var previousX0: Tensor? = nil
            for (i, t) in timesteps.enumerated() where i >= start {
                let output = try model(x, timesteps: [Int](repeating: t, count: batch), classLabels: classLabels)
                let (next, x0) = try step(modelOutput: output, index: i, sample: x, previousX0: i > start ? previousX0 : nil)
                x = next
                previousX0 = x0
                callback?(SamplingStep(step: i, totalSteps: timesteps.count, timestep: t, sample: x, predictedX0: x0))
            }
            return x
        }
    }
}
