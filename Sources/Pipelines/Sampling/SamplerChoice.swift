import Diffusion

/// A sampler named as users name it (`dpm++`, `ddim`, `euler-a`, …) with its
/// settings: steps, DDIM's η, the timestep spacing and the σ spacing of the
/// σ-space samplers. The one place that maps a name to a `Sampler`, shared by
/// the command-line tool and the studio.
public struct SamplerChoice: Equatable, Sendable {
    /// Every name `init(name:…)` accepts, in the order they are offered.
    public static let names = [
        "ddpm", "ddim", "dpm++", "dpm++3m", "dpm++sde", "dpm++3m-sde", "unipc", "unipc3", "euler",
        "euler-a", "heun",
    ]
    /// The σ-space samplers, the only ones that take a σ spacing.
    public static let sigmaSpaceNames = ["euler", "euler-a", "heun"]
    /// The sampler used when none is named.
    public static let defaultName = "dpm++"

    /// The sampler's name, one of `names`.
    public let name: String
    /// Steps; nil takes the sampler's default (`defaultSteps(trainingSteps:)`).
    public let steps: Int?
    /// DDIM's η (0 = deterministic, 1 = DDPM-like); only `ddim` takes η ≠ 0.
    public let eta: Double
    /// Which timesteps a shortened run visits; nil takes the scheduler configuration's, else the sampler's own.
    public let spacing: TimestepSpacing?
    /// The noise levels of the σ-space samplers.
    public let sigmas: SigmaSpacing

    /// Checks the combination: a known name, steps ≥ 1, a finite η ≥ 0 for `ddim` only, σ spacing for the σ-space samplers only.
    public init(
        name: String = SamplerChoice.defaultName, steps: Int? = nil, eta: Double = 0, spacing: TimestepSpacing? = nil,
        sigmas: SigmaSpacing = .model
    ) throws {
        guard Self.names.contains(name) else {
            throw PipelineError(problem: "sampler '\(name)' is not known; give one of \(Self.names.joined(separator: ", "))")
        }
        if let steps, steps < 1 { throw PipelineError(problem: "\(steps) sampling steps are not accepted; give an integer ≥ 1") }
        guard eta.isFinite, eta >= 0 else { throw PipelineError(problem: "η \(eta) is not accepted; give a finite number ≥ 0") }
        if eta != 0, name != "ddim" { throw PipelineError(problem: "η applies to the ddim sampler only, not to \(name)") }
        if sigmas != .model, !Self.sigmaSpaceNames.contains(name) {
            throw PipelineError(
                problem: "a σ spacing applies to the \(Self.sigmaSpaceNames.joined(separator: ", ")) samplers only, not to \(name)")
        }
        self.name = name
        self.steps = steps
        self.eta = eta
        self.spacing = spacing
        self.sigmas = sigmas
    }

    /// Whether the sampler draws no noise of its own (the same start gives the same result).
    public var isDeterministic: Bool {
        !["ddpm", "euler-a", "dpm++sde", "dpm++3m-sde"].contains(name) && !(name == "ddim" && eta > 0)
    }

    /// The steps taken when none are given: 20 for the dpm++ family and unipc, 50 for ddim,
    /// 30 for euler and euler-a, 15 for heun, all T for ddpm (never more than T).
    public func defaultSteps(trainingSteps T: Int) -> Int {
        switch name {
        case "ddpm": return T
        case "ddim": return min(50, T)
        case "euler", "euler-a": return min(30, T)
        case "heun": return min(15, T)
        default: return min(20, T)
        }
    }

    /// The sampler for `diffusion` and its scheduler configuration. The timestep spacing
    /// is `spacing` if given, else the configuration's, else the sampler's own default
    /// (trailing for ddim, linspace for the others); `steps_offset` and
    /// `set_alpha_to_one` come from the configuration.
    public func makeSampler(diffusion: GaussianDiffusion, scheduler: SchedulerConfig = SchedulerConfig()) throws -> any Sampler {
        let T = diffusion.schedule.count
        if let steps, steps > T {
            throw PipelineError(problem: "\(steps) sampling steps exceed the model's \(T) training timesteps; give 1…\(T)")
        }
        let steps = self.steps ?? defaultSteps(trainingSteps: T)
        let chosenSpacing = spacing ?? scheduler.timestepSpacing
        let offset = scheduler.stepsOffset
        switch name {
        case "ddpm":
            guard steps < T else { return DDPMSampler(diffusion: diffusion) }
            return try DDPMSampler(respacing: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace, offset: offset)
        case "ddim":
            return try DDIMSampler(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .trailing,
                offset: offset, eta: eta, setAlphaToOne: scheduler.setAlphaToOne)
        case "unipc", "unipc3":
            return try UniPCSampler(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace,
                offset: offset, order: name == "unipc3" ? 3 : 2)
        case "euler":
            return try EulerSampler(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace, sigmas: sigmas, offset: offset)
        case "euler-a":
            return try EulerAncestralSampler(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace, sigmas: sigmas, offset: offset)
        case "heun":
            return try HeunSampler(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace, sigmas: sigmas, offset: offset)
        default:
            return try DPMSolverPlusPlus(
                diffusion: diffusion, steps: steps, spacing: chosenSpacing ?? .linspace,
                offset: offset, order: name.contains("3m") ? 3 : 2, stochastic: name.hasSuffix("sde"))
        }
    }
}
