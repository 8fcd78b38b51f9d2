import Foundation

/// Which noise levels σ a σ-space sampler visits, as diffusers' `use_karras_sigmas` /
/// `use_exponential_sigmas` (k-diffusion's `get_sigmas_*`).
public enum SigmaSpacing: String, CaseIterable, Sendable {
    /// The model's own σ_t = √((1 − ᾱ_t)/ᾱ_t) at the spaced timesteps, interpolated
    /// linearly between training timesteps (diffusers' default).
    case model
    /// Karras et al. 2022 (EDM), eq. 5: σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, ρ = 7.
    case karras
    /// Evenly spaced in log σ from σ_max to σ_min.
    case exponential

    /// The spacing with its name ("model", "karras", "exponential").
    ///
    /// - Throws: ``DiffusionError/unknownName(kind:name:accepted:)`` for another name.
    public init(name: String) throws {
        guard let value = SigmaSpacing(rawValue: name) else {
            throw DiffusionError.unknownName(kind: "sigma spacing", name: name, accepted: Self.allCases.map(\.rawValue))
        }
        self = value
    }
}

/// The noise levels of a σ-space sampler (Euler, Euler ancestral, Heun): in the
/// variance-exploding view x_σ = x_t/√ᾱ_t = x0 + σ·ε of the trained
/// variance-preserving process, with σ_t = √((1 − ᾱ_t)/ᾱ_t). Built exactly as
/// diffusers' `EulerDiscreteScheduler.set_timesteps` does: timesteps by spacing
/// (continuous for linspace), σ interpolated at them, optionally respaced
/// (Karras, exponential) and mapped back to continuous timesteps by
/// log-σ interpolation, then a final σ = 0.
public struct SigmaSchedule: Sendable {
    /// σ_0 > σ_1 > … > σ_{N−1} > σ_N = 0.
    public let sigmas: [Double]
    /// The continuous timestep the model is evaluated at for each σ_i, i < N.
    public let timesteps: [Double]
    /// The standard deviation of the initial x_σ: σ_max for linspace and trailing
    /// spacing, √(σ_max² + 1) for leading (diffusers' `init_noise_sigma`).
    public let initialScale: Double

    /// The schedule of `steps` noise levels for `diffusion`'s training schedule.
    public init(
        diffusion: GaussianDiffusion, steps: Int, spacing: TimestepSpacing = .linspace,
        sigmas sigmaSpacing: SigmaSpacing = .model, offset: Int = 0
    ) throws {
        let trainingSteps = diffusion.schedule.count
        guard steps >= 1, steps <= trainingSteps else {
            throw DiffusionError.invalidParameter(
                name: "number of sampling steps", value: "\(steps)",
                accepted: "an integer in 1...\(trainingSteps) (the training timesteps)")
        }
        let trained = Self.trainingSigmas(diffusion.schedule.double.alphaBar)
        var timesteps: [Double]
        switch spacing {
        case .linspace:
            timesteps = TimestepSpacing.evenlySpaced(0, Double(trainingSteps - 1), count: steps).reversed()
        case .leading, .trailing:
            timesteps = try spacing.timesteps(steps: steps, trainingSteps: trainingSteps, offset: offset).map(Double.init)
        }
        var levels = timesteps.map { Self.interpolate(trained, at: $0) }
        if sigmaSpacing != .model, let largest = levels.first, let smallest = levels.last {
            levels =
                sigmaSpacing == .karras
                ? Self.karras(from: largest, to: smallest, count: steps)
                : Self.exponential(from: largest, to: smallest, count: steps)
            let logTrained = trained.map { Foundation.log($0) }
            timesteps = levels.map { Self.timestep(of: $0, logSigmas: logTrained) }
        }
        guard levels.allSatisfy({ $0.isFinite && $0 > 0 }), zip(levels, levels.dropFirst()).allSatisfy({ $0 >= $1 }) else {
            throw DiffusionError.invalidParameter(
                name: "number of sampling steps", value: "\(steps)",
                accepted: "a count whose noise levels are finite, positive and decreasing (got \(levels))")
        }
        self.sigmas = levels + [0]
        self.timesteps = timesteps
        let largest = levels.max() ?? 0
        self.initialScale = spacing == .leading ? (largest * largest + 1).squareRoot() : largest
    }

    /// σ_t = √((1 − ᾱ_t)/ᾱ_t) per training timestep; where ᾱ = 0 (zero terminal
    /// SNR) ᾱ is taken as 2⁻²⁴, as diffusers does, so σ stays finite.
    static func trainingSigmas(_ alphaBar: [Double]) -> [Double] {
        alphaBar.map { value in
            let a = value == 0 ? 0x1p-24 : value
            return ((1 - a) / a).squareRoot()
        }
    }

    /// numpy.interp(t, arange(T), values).
    static func interpolate(_ values: [Double], at t: Double) -> Double {
        if t <= 0 { return values[0] }
        if t >= Double(values.count - 1) { return values[values.count - 1] }
        let low = Int(t.rounded(.down))
        let w = t - Double(low)
        return values[low] + w * (values[low + 1] - values[low])
    }

    /// diffusers' `_sigma_to_t`: the continuous timestep of σ by linear interpolation in log σ.
    static func timestep(of sigma: Double, logSigmas: [Double]) -> Double {
        let logSigma = Foundation.log(Swift.max(sigma, 1e-10))
        let last = logSigmas.lastIndex { logSigma - $0 >= 0 } ?? 0
        let low = Swift.min(last, logSigmas.count - 2)
        let high = low + 1
        let w = Swift.min(Swift.max((logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]), 0), 1)
        return (1 - w) * Double(low) + w * Double(high)
    }

    /// Karras et al. 2022 eq. 5 with ρ = 7.
    static func karras(from largest: Double, to smallest: Double, count: Int) -> [Double] {
        let rho = 7.0
        let maxInverse = Foundation.pow(largest, 1 / rho), minInverse = Foundation.pow(smallest, 1 / rho)
        return TimestepSpacing.evenlySpaced(0, 1, count: count).map { Foundation.pow(maxInverse + $0 * (minInverse - maxInverse), rho) }
    }

    /// exp(linspace(log σ_max, log σ_min, N)).
    static func exponential(from largest: Double, to smallest: Double, count: Int) -> [Double] {
        TimestepSpacing.evenlySpaced(Foundation.log(largest), Foundation.log(smallest), count: count).map { Foundation.exp($0) }
    }
}
