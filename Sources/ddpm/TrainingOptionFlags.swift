import ArgumentParser
import Diffusion
import NN

/// `ddpm train`'s options from the literature and other trainers (issue 23):
/// loss weighting, offset noise, input perturbation, learning-rate decay and
/// EMA warm-up, self-conditioning. Each is saved with the run, so `--resume` keeps it.
struct TrainingOptionFlags: ParsableArguments {
    @Option(
        name: .customLong("loss-weight"),
        help: ArgumentHelp(
            "none, min-snr, soft-min-snr, snr or p2: a per-timestep weight on the MSE (default none).",
            discussion: "min-snr is Hang et al. 2023's min(SNR, γ) on the x0 error, converted to the network's target "
                + "(÷SNR for eps, ÷(SNR+1) for v); soft-min-snr is SNR·γ/(SNR+γ); snr weights the x0 error by SNR "
                + "(what eps-prediction does implicitly); p2 is Choi et al. 2022's 1/(1+SNR)^γ on the eps error."))
    var lossWeight: String?

    @Option(name: .customLong("snr-gamma"), help: "γ of min-snr / soft-min-snr (default 5) or of p2 (default 1).")
    var snrGamma: Double?

    @Option(name: .customLong("offset-noise"), help: "Offset noise strength s (Guttenberg 2023; 0.1 is usual; default 0).")
    var offsetNoise: Double?

    @Option(name: .customLong("input-perturbation"), help: "Input perturbation γ (Ning et al. 2023; 0.1 is usual; default 0).")
    var inputPerturbation: Double?

    @Option(name: .customLong("lr-schedule"), help: "constant, linear, cosine or polynomial decay after --warmup (default constant).")
    var lrSchedule: String?

    @Option(name: .customLong("lr-cycles"), help: "With --lr-schedule cosine: cosine cycles with hard restarts (default 1).")
    var lrCycles: Int?

    @Option(name: .customLong("lr-power"), help: "With --lr-schedule polynomial: the power (default 1).")
    var lrPower: Double?

    @Option(name: .customLong("lr-end"), help: "With --lr-schedule polynomial: the final learning rate (default 1e-7).")
    var lrEnd: Double?

    @Flag(
        name: .customLong("ema-warmup"),
        help: "EMA decay 1 − (1 + step)^(−power), capped at --ema-decay (diffusers' use_ema_warmup, inv_gamma 1).")
    var emaWarmup = false

    @Flag(
        name: .customLong("rescale-zero-terminal-snr"),
        help: ArgumentHelp(
            "Rescale the betas so that ᾱ_T = 0 (Lin et al. 2024): x_T holds no signal, as at sampling. Needs --prediction v or x0.",
            discussion: "Sample such a model with a spacing that starts at T (ddim: trailing, the default; --timestep-spacing "
                + "trailing for the others); with guidance, --guidance-rescale 0.7 is the paper's companion."))
    var rescaleZeroTerminalSNR = false

    @Flag(
        name: .customLong("importance-sampling"),
        help: ArgumentHelp(
            "Draw timesteps by the second moment of their last 10 losses (improved-diffusion's loss-second-moment sampler).",
            discussion: "Uniform until every timestep has 10 losses, then p_t ∝ √E[L_t²] mixed with 0.001 uniform; each loss "
                + "is weighted by 1/(T·p_t), so the objective's estimate stays unbiased. Meant for --loss hybrid."))
    var importanceSampling = false

    @Flag(
        name: .customLong("self-condition"),
        help: ArgumentHelp(
            "Self-conditioning (Chen et al. 2022): the U-Net also sees its previous x0 estimate (twice the input channels).",
            discussion: "Trained on half the batches with a gradient-free first estimate, on the rest with zeros; every "
                + "sampler feeds back the last estimate. Written to config.json as self_condition."))
    var selfCondition = false

    @Option(name: .customLong("ema-power"), help: "With --ema-warmup: the power (default 0.75, diffusers' train_unconditional default).")
    var emaPower: Double?

    /// The flags given (they fix the run, so `--resume` refuses them).
    var given: [(String, Bool)] {
        [
            ("--loss-weight", lossWeight != nil), ("--snr-gamma", snrGamma != nil), ("--offset-noise", offsetNoise != nil),
            ("--input-perturbation", inputPerturbation != nil), ("--lr-schedule", lrSchedule != nil),
            ("--lr-cycles", lrCycles != nil), ("--lr-power", lrPower != nil), ("--lr-end", lrEnd != nil),
            ("--ema-warmup", emaWarmup), ("--ema-power", emaPower != nil),
            ("--rescale-zero-terminal-snr", rescaleZeroTerminalSNR), ("--importance-sampling", importanceSampling),
            ("--self-condition", selfCondition),
        ]
    }

    static let weightNames = ["none", "min-snr", "soft-min-snr", "snr", "p2"]
    static let scheduleNames = ["constant", "linear", "cosine", "polynomial"]

    func validate() throws {
        if let lossWeight { try Check.oneOf(lossWeight, Self.weightNames, flag: "--loss-weight") }
        if let snrGamma {
            try Check.finite(snrGamma, flag: "--snr-gamma", above: 0)
            guard let lossWeight, ["min-snr", "soft-min-snr", "p2"].contains(lossWeight) else {
                throw ValidationError("--snr-gamma applies to --loss-weight min-snr, soft-min-snr or p2")
            }
        }
        if let offsetNoise { try Check.finite(offsetNoise, flag: "--offset-noise", atLeast: 0, atMost: 10) }
        if let inputPerturbation { try Check.finite(inputPerturbation, flag: "--input-perturbation", atLeast: 0, atMost: 10) }
        if let lrSchedule { try Check.oneOf(lrSchedule, Self.scheduleNames, flag: "--lr-schedule") }
        if let lrCycles {
            try Check.within(lrCycles, 1...10_000, flag: "--lr-cycles")
            if lrSchedule != "cosine" { throw ValidationError("--lr-cycles applies to --lr-schedule cosine") }
        }
        if lrPower != nil || lrEnd != nil, lrSchedule != "polynomial" {
            throw ValidationError("--lr-power and --lr-end apply to --lr-schedule polynomial")
        }
        if let lrPower { try Check.finite(lrPower, flag: "--lr-power", above: 0) }
        if let lrEnd { try Check.finite(lrEnd, flag: "--lr-end", atLeast: 0) }
        if let emaPower {
            try Check.finite(emaPower, flag: "--ema-power", above: 0)
            if !emaWarmup { throw ValidationError("--ema-power applies with --ema-warmup") }
        }
    }

    /// Sets the chosen options on a new run's configuration.
    func apply(to configuration: inout TrainingConfiguration) {
        switch lossWeight ?? "none" {
        case "min-snr": configuration.lossOptions.weighting = .minSNR(gamma: snrGamma ?? 5)
        case "soft-min-snr": configuration.lossOptions.weighting = .softMinSNR(gamma: snrGamma ?? 5)
        case "snr": configuration.lossOptions.weighting = .signalToNoise
        case "p2": configuration.lossOptions.weighting = .p2(k: 1, gamma: snrGamma ?? 1)
        default: configuration.lossOptions.weighting = .none
        }
        configuration.lossOptions.offsetNoise = offsetNoise ?? 0
        configuration.lossOptions.inputPerturbation = inputPerturbation ?? 0
        switch lrSchedule ?? "constant" {
        case "linear": configuration.learningRateDecay = .linear
        case "cosine": configuration.learningRateDecay = .cosine(cycles: lrCycles ?? 1)
        case "polynomial": configuration.learningRateDecay = .polynomial(power: lrPower ?? 1, endRate: lrEnd ?? 1e-7)
        default: configuration.learningRateDecay = .constant
        }
        if emaWarmup { configuration.emaWarmup = .power(inverseGamma: 1, power: emaPower ?? 0.75) }
        configuration.importanceSampling = importanceSampling
    }
}
