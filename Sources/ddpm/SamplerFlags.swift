import ArgumentParser
import Diffusion
import Pipelines

/// The sampler choice shared by `sample`, `img2img` and `interpolate`: which
/// sampler, how many steps, which timesteps (or noise levels) and DDIM's η.
struct SamplerFlags: ParsableArguments {
    static let defaultSampler = SamplerChoice.defaultName

    @Option(
        name: .customLong("sampler"),
        help: ArgumentHelp(
            "ddpm, ddim, dpm++, dpm++3m, dpm++sde, dpm++3m-sde, unipc, unipc3, euler, euler-a or heun (default dpm++).",
            discussion: "dpm++ is DPM-Solver++ 2M, dpm++3m its third-order form; the -sde forms add fresh noise each step "
                + "(diffusers' algorithm_type sde-dpmsolver++); unipc is UniPC bh2 of order 2 (diffusers' default), unipc3 of order 3. "
                + "euler, euler-a (ancestral) and heun step in σ-space as diffusers' EulerDiscrete, "
                + "EulerAncestralDiscrete and HeunDiscrete schedulers (no clipping, as theirs); heun evaluates the "
                + "model twice per step except the last."))
    var samplerChoice: String?

    /// The sampler named, or the command's default.
    var sampler: String { samplerChoice ?? Self.defaultSampler }

    @Option(
        help: "Sampling steps (default: 20 for the dpm++ family and unipc, 50 for ddim, 30 for euler and euler-a, 15 for heun, T for ddpm)."
    )
    var steps: Int?

    @Option(
        help: ArgumentHelp(
            "model, karras or exponential: the noise levels σ of euler, euler-a and heun.",
            discussion: "model (default, as diffusers) takes the model's σ at the spaced timesteps; karras is Karras et al. "
                + "2022's ρ = 7 spacing (diffusers' use_karras_sigmas), exponential is even in log σ; both reach the "
                + "network at timesteps between the training ones."))
    var sigmas: String?

    @Option(help: "DDIM's η (0 = deterministic, 1 = DDPM-like).")
    var eta: Double = 0

    @Option(
        name: .customLong("timestep-spacing"),
        help: ArgumentHelp(
            "leading, trailing or linspace: which timesteps a shortened run visits.",
            discussion: "Default: the model's scheduler_config.json 'timestep_spacing' if it has one (as diffusers), "
                + "else linspace for ddpm, the dpm++ family, unipc, euler, euler-a and heun and trailing for ddim. diffusers' DDPM and DDIM schedulers default to "
                + "leading, which never visits the noisiest timesteps at few steps; its DPM-Solver++ defaults to linspace."))
    var timestepSpacing: String?

    func validate() throws {
        try Check.oneOf(sampler, SamplerChoice.names, flag: "--sampler")
        if let sigmas {
            try Check.oneOf(sigmas, SigmaSpacing.allCases.map(\.rawValue), flag: "--sigmas")
            guard SamplerChoice.sigmaSpaceNames.contains(sampler) else {
                throw ValidationError("--sigmas applies to --sampler \(SamplerChoice.sigmaSpaceNames.joined(separator: ", ")) only")
            }
        }
        if let steps { try Check.within(steps, 1...100_000, flag: "--steps") }
        try Check.finite(eta, flag: "--eta", atLeast: 0)
        if let timestepSpacing { try Check.oneOf(timestepSpacing, TimestepSpacing.allCases.map(\.rawValue), flag: "--timestep-spacing") }
        if eta != 0, sampler != "ddim" { throw ValidationError("--eta applies to --sampler ddim only") }
    }

    /// The sampler these flags name, for `diffusion` and its scheduler configuration.
    func makeSampler(diffusion: GaussianDiffusion, scheduler: SchedulerConfig) throws -> any Sampler {
        try choice.makeSampler(diffusion: diffusion, scheduler: scheduler)
    }

    /// The flags as the library's sampler choice (checked by `validate()` first).
    var choice: SamplerChoice {
        get throws {
            try SamplerChoice(
                name: sampler, steps: steps, eta: eta, spacing: timestepSpacing.map { try TimestepSpacing(name: $0) },
                sigmas: try SigmaSpacing(name: sigmas ?? "model"))
        }
    }

    /// Whether the chosen sampler draws no noise of its own (same start → same result).
    var isDeterministic: Bool { (try? choice)?.isDeterministic ?? false }
}
