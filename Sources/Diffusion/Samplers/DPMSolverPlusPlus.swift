import Foundation
import Tensors

/// DPM-Solver++ (Lu et al. 2022), the multistep solver of the diffusion ODE in
/// data (x̂0) prediction, as diffusers' `DPMSolverMultistepScheduler` with
/// `algorithm_type="dpmsolver++"`, `solver_type="midpoint"`,
/// `final_sigmas_type="zero"`, `lower_order_final=True`: order 2 (2M, the fast
/// default for ≤ 25 steps) or 3 (3M); the first steps and the last step (to
/// σ = 0) are of lower order, and with fewer than 15 steps so is the
/// second-to-last. `stochastic` is the SDE form (`"sde-dpmsolver++"`, Lu et al.
/// 2022b), which adds fresh noise every step.
///
/// With `α_t = √ᾱ_t`, `σ_t = √(1−ᾱ_t)`, `λ = log(α/σ)`, `h = λ_t − λ_s`:
/// first order `x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) D0`; second order adds
/// `− ½ α_t (e^{−h} − 1) D1` with `D1 = (D0 − D_prev) h/h_prev` (D0 = x̂0 now);
/// third order uses D1 and D2 from the last three x̂0 (diffusers' eq.). The SDE
/// form: `x_t = (σ_t/σ_s) e^{−h} x_s + α_t (1 − e^{−2h}) D0 (+ ½ α_t (1 − e^{−2h}) D1)
/// + σ_t √(1 − e^{−2h}) z`.
public struct DPMSolverPlusPlus: SteppedSampler {
    /// The process whose model is sampled.
    public let diffusion: GaussianDiffusion
    /// The timesteps visited, strictly decreasing.
    public let timesteps: [Int]
    /// 2 (2M) or 3 (3M).
    public let order: Int
    /// The SDE variant (fresh noise each step).
    public let stochastic: Bool

    /// A solver on `steps` timesteps picked as diffusers' DPM-Solver does
    /// (N + 1 points of the spacing, the last dropped; linspace by default).
    ///
    /// - Throws: ``DiffusionError`` for steps outside 1…T or an order other than 2 or 3.
    public init(
        diffusion: GaussianDiffusion, steps: Int = 20, spacing: TimestepSpacing = .linspace, offset: Int = 0,
        order: Int = 2, stochastic: Bool = false
    ) throws {
        try self.init(
            diffusion: diffusion,
            timesteps: try Self.timesteps(
                steps: steps, trainingSteps: diffusion.schedule.count,
                spacing: spacing, offset: offset),
            order: order, stochastic: stochastic)
    }

    /// A solver on an explicit strictly decreasing list of timesteps.
    ///
    /// - Throws: ``DiffusionError`` for a list that is empty, not strictly decreasing or outside `0..<T`, or an order other than 2 or 3.
    public init(diffusion: GaussianDiffusion, timesteps: [Int], order: Int = 2, stochastic: Bool = false) throws {
        guard !timesteps.isEmpty, zip(timesteps, timesteps.dropFirst()).allSatisfy({ $0 > $1 }),
            timesteps.allSatisfy({ $0 >= 0 && $0 < diffusion.schedule.count })
        else {
            throw DiffusionError.invalidTimesteps(
                operation: "DPMSolverPlusPlus",
                reason: "timesteps must be a non-empty strictly decreasing list within 0..<\(diffusion.schedule.count), got \(timesteps)")
        }
        guard order == 2 || order == 3 else {
            throw DiffusionError.invalidParameter(name: "DPM-Solver++ order", value: "\(order)", accepted: "2 or 3")
        }
        self.diffusion = diffusion
        self.timesteps = timesteps
        self.order = order
        self.stochastic = stochastic
    }

    /// diffusers' `DPMSolverMultistepScheduler.set_timesteps` for the three spacings.
    public static func timesteps(steps: Int, trainingSteps: Int, spacing: TimestepSpacing, offset: Int = 0) throws -> [Int] {
        guard steps >= 1, steps <= trainingSteps else {
            throw DiffusionError.invalidParameter(
                name: "number of sampling steps", value: "\(steps)",
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
            throw DiffusionError.invalidParameter(
                name: "number of sampling steps", value: "\(steps)",
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

    /// Step `index` of the list with the x̂0 of the steps before it (most recent first;
    /// fewer at the start of a run) and, for the SDE form, this step's noise z.
    func solverStep(
        modelOutput: Tensor, index: Int, sample: Tensor, earlierX0: [Tensor],
        noise: Tensor?
    ) throws -> (next: Tensor, predictedX0: Tensor) {
        guard index >= 0, index < timesteps.count else {
            throw DiffusionError.invalidTimesteps(
                operation: "DPMSolverPlusPlus.step", reason: "step index \(index) is outside 0..<\(timesteps.count)")
        }
        let t = timesteps[index]
        let indices = [Int](repeating: t, count: sample.shape.first ?? 0)
        let prediction = try diffusion.split(output: modelOutput, for: sample).prediction
        var x0 = try diffusion.schedule.interpret(prediction, as: diffusion.prediction, xt: sample, timesteps: indices).x0
        x0 = diffusion.denoisedClipping.apply(to: x0)

        let isLast = index == timesteps.count - 1
        if isLast { return (x0, x0) }  // to σ = 0, first order: x = α_t x̂0 with α_t = 1, in either form
        var effectiveOrder = Swift.min(order, Swift.min(earlierX0.count, index) + 1)
        if index == timesteps.count - 2, timesteps.count < 15 { effectiveOrder = Swift.min(effectiveOrder, 2) }

        let current = noiseLevel(t)
        let target = noiseLevel(timesteps[index + 1])
        let h = target.lambda - current.lambda
        var d1: Tensor? = nil, d2: Tensor? = nil
        if effectiveOrder >= 2 {
            let earlier = noiseLevel(timesteps[index - 1])
            let hPrevious = current.lambda - earlier.lambda
            if effectiveOrder == 2 {
                d1 = (x0 - earlierX0[0]) * Float(h / hPrevious)
            } else {
                let earliest = noiseLevel(timesteps[index - 2])
                let r0 = hPrevious / h, r1 = (earlier.lambda - earliest.lambda) / h
                let d10 = (x0 - earlierX0[0]) * Float(1 / r0), d11 = (earlierX0[0] - earlierX0[1]) * Float(1 / r1)
                d1 = d10 + (d10 - d11) * Float(r0 / (r0 + r1))
                d2 = (d10 - d11) * Float(1 / (r0 + r1))
            }
        }
        if stochastic {
            guard let noise else {
                throw DiffusionError.invalidParameter(name: "noise", value: "none", accepted: "a noise tensor for the SDE form")
            }
            try diffusion.schedule.validateSameShape(sample, noise, operation: "DPMSolverPlusPlus.step noise")
            let decay2 = -Foundation.expm1(-2 * h)  // 1 − e^{−2h}
            var next = sample * Float(target.sigma / current.sigma * Foundation.exp(-h)) + x0 * Float(target.alpha * decay2)
            if let d1 {
                let c1 = d2 == nil ? 0.5 * target.alpha * decay2 : target.alpha * (decay2 / (-2 * h) + 1)
                next = next + d1 * Float(c1)
            }
            if let d2 {
                next = next + d2 * Float(target.alpha * ((decay2 - 2 * h) / ((2 * h) * (2 * h)) - 0.5))
            }
            return (next + noise * Float(target.sigma * decay2.squareRoot()), x0)
        }
        let decay = Foundation.expm1(-h)  // e^{−h} − 1
        var next = sample * Float(target.sigma / current.sigma) - x0 * Float(target.alpha * decay)
        if let d1, d2 == nil {
            next = next - d1 * Float(0.5 * target.alpha * decay)
        } else if let d1, let d2 {
            next = next + d1 * Float(target.alpha * (decay / h + 1)) - d2 * Float(target.alpha * ((decay + h) / (h * h) - 0.5))
        }
        return (next, x0)
    }

    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε at the timestep of `step`.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        try noised(x0, with: noise, alphaBar: diffusion.schedule.double.alphaBar[timesteps[try checkedStep(step)]])
    }

    /// One discrete evaluation per step; in the SDE form every step but the last takes noise.
    public func evaluations(fromStep start: Int) -> [SamplerTimestep] {
        (start..<timesteps.count).map {
            SamplerTimestep(step: $0, modelTimestep: .discrete(timesteps[$0]), takesNoise: stochastic && $0 != timesteps.count - 1)
        }
    }

    /// A run keeps the x̂0 of its last two steps (most recent first) for the higher orders.
    public func initialRunState(fromStep start: Int) -> [Tensor] { [] }

    /// One solver step from the model's output; `state` holds the last x̂0s (the multistep history).
    public func step(
        _ history: inout [Tensor], modelOutput: Tensor, timestep: SamplerTimestep, sample: Tensor, noise: Tensor?
    ) throws -> SamplerStepOutput {
        let (next, x0) = try solverStep(
            modelOutput: modelOutput, index: timestep.step, sample: sample, earlierX0: history, noise: noise)
        history = Array(([x0] + history).prefix(2))
        return SamplerStepOutput(sample: next, predictedX0: x0)
    }
}
