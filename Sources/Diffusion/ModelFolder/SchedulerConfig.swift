import Foundation

/// The noise schedule and sampling defaults of a model, read from and written
/// to diffusers' `scheduler_config.json` (the keys of `DDPMScheduler`,
/// `DDIMScheduler` and `DPMSolverMultistepScheduler` that change what is drawn).
/// Every key is honoured as diffusers does; `unknownKeys(in:)` names the rest.
public struct SchedulerConfig: Equatable, Sendable {
    /// T, the number of training timesteps (`num_train_timesteps`).
    public var trainTimesteps: Int
    /// A diffusers schedule name: linear, scaled_linear, squaredcos_cap_v2, sigmoid.
    public var betaSchedule: String
    /// β_1 of the linear, scaled-linear and sigmoid schedules (`beta_start`).
    public var betaStart: Double
    /// β_T of the linear, scaled-linear and sigmoid schedules (`beta_end`).
    public var betaEnd: Double
    /// An explicit β array, overriding `betaSchedule`.
    public var trainedBetas: [Double]?
    /// What the network predicts (`prediction_type`).
    public var prediction: PredictionType
    /// How σ_t² is chosen (`variance_type`).
    public var variance: VarianceType
    /// Clamp x̂0 to [−clipSampleRange, clipSampleRange] (unless `thresholding`).
    public var clipSample: Bool
    /// The bound x̂0 is clipped to when `clipSample` (`clip_sample_range`).
    public var clipSampleRange: Double = 1
    /// Imagen's dynamic thresholding of x̂0, which takes precedence over `clipSample` (as in diffusers).
    public var thresholding = false
    /// The quantile of |x̂0| that dynamic thresholding clips at (`dynamic_thresholding_ratio`).
    public var dynamicThresholdingRatio = 0.995
    /// The largest threshold dynamic thresholding uses (`sample_max_value`).
    public var sampleMaxValue = 1.0
    /// How sampling timesteps are spaced; nil leaves each sampler its own default.
    public var timestepSpacing: TimestepSpacing?
    /// Added to the leading spacing's timesteps (diffusers' `steps_offset`).
    public var stepsOffset = 0
    /// DDIM's ᾱ after the last step: 1, or ᾱ at the first training timestep.
    public var setAlphaToOne = true
    /// Rescale the betas to zero terminal SNR (Lin et al. 2024; diffusers' `rescale_betas_zero_snr`).
    public var rescaleBetasZeroSNR = false

    /// A configuration with diffusers' defaults for everything not given.
    public init(
        trainTimesteps: Int = 1000, betaSchedule: String = "linear", betaStart: Double = 1e-4,
        betaEnd: Double = 0.02, trainedBetas: [Double]? = nil, prediction: PredictionType = .epsilon,
        variance: VarianceType = .fixedSmall, clipSample: Bool = true
    ) {
        self.trainTimesteps = trainTimesteps
        self.betaSchedule = betaSchedule
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.trainedBetas = trainedBetas
        self.prediction = prediction
        self.variance = variance
        self.clipSample = clipSample
    }

    /// What is done to x̂0 while sampling: diffusers' `thresholding` first, else `clip_sample`.
    public var denoisedClipping: DenoisedClipping {
        if thresholding { return .dynamicThreshold(ratio: dynamicThresholdingRatio, maximum: sampleMaxValue) }
        return clipSample ? .clip(range: clipSampleRange) : .none
    }

    /// The noise schedule this configuration describes.
    ///
    /// - Throws: ``DiffusionError`` for a β schedule name not known or β out of range.
    public func makeSchedule() throws -> NoiseSchedule {
        let schedule =
            if let trainedBetas {
                try NoiseSchedule(betas: trainedBetas)
            } else {
                try NoiseSchedule(BetaSchedule(name: betaSchedule, start: betaStart, end: betaEnd), timesteps: trainTimesteps)
            }
        return rescaleBetasZeroSNR ? try schedule.rescaledToZeroTerminalSNR() : schedule
    }

    /// The diffusion process (schedule, prediction and variance types, clipping or thresholding).
    ///
    /// - Throws: ``DiffusionError`` for a β schedule name not known or β out of range.
    public func makeDiffusion() throws -> GaussianDiffusion {
        GaussianDiffusion(
            schedule: try makeSchedule(), prediction: prediction, variance: variance,
            denoisedClipping: denoisedClipping)
    }

    /// The keys this reader honours (besides `_`-prefixed metadata).
    public static let knownKeys: Set<String> = [
        "num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "trained_betas", "prediction_type",
        "variance_type", "clip_sample", "clip_sample_range", "thresholding", "dynamic_thresholding_ratio",
        "sample_max_value", "timestep_spacing", "steps_offset", "set_alpha_to_one", "rescale_betas_zero_snr",
    ]

    /// Warnings naming each key of a `scheduler_config.json` that is not honoured
    /// (diffusers' other schedulers' settings, or a typo); metadata keys (`_class_name`) aside.
    public static func unknownKeys(in data: Data, source: String = "scheduler_config.json") -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object.keys.sorted().filter { !$0.hasPrefix("_") && !knownKeys.contains($0) }
            .map { "\(source): ignoring unknown key \"\($0)\"" }
    }

    /// The most diffusion steps a `scheduler_config.json` may ask for (diffusers'
    /// models use 1000 to 4000); more is refused before the schedule arrays are allocated.
    public static let maximumTrainTimesteps = 1_000_000

    /// Parses diffusers' `scheduler_config.json`; absent keys take DDPMScheduler's defaults.
    ///
    /// - Throws: ``DiffusionError`` for JSON that is not a scheduler configuration or values out of range.
    public static func parse(_ data: Data, source: String = "scheduler_config.json") throws -> SchedulerConfig {
        struct Raw: Decodable {
            var num_train_timesteps: Int?
            var beta_schedule: String?
            var beta_start: Double?
            var beta_end: Double?
            var trained_betas: [Double]?
            var prediction_type: String?
            var variance_type: String?
            var clip_sample: Bool?
            var clip_sample_range: Double?
            var thresholding: Bool?
            var dynamic_thresholding_ratio: Double?
            var sample_max_value: Double?
            var timestep_spacing: String?
            var steps_offset: Int?
            var set_alpha_to_one: Bool?
            var rescale_betas_zero_snr: Bool?
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw DiffusionError.invalidParameter(
                name: source, value: "unreadable", accepted: "a JSON object with DDPMScheduler keys (\(error))")
        }
        var config = SchedulerConfig()
        config.trainTimesteps = raw.num_train_timesteps ?? config.trainTimesteps
        config.betaSchedule = raw.beta_schedule ?? config.betaSchedule
        config.betaStart = raw.beta_start ?? config.betaStart
        config.betaEnd = raw.beta_end ?? config.betaEnd
        config.trainedBetas = raw.trained_betas
        if let name = raw.prediction_type { config.prediction = try PredictionType(name: name) }
        if let name = raw.variance_type { config.variance = try VarianceType(name: name) }
        config.clipSample = raw.clip_sample ?? config.clipSample
        config.clipSampleRange = raw.clip_sample_range ?? config.clipSampleRange
        config.thresholding = raw.thresholding ?? config.thresholding
        config.dynamicThresholdingRatio = raw.dynamic_thresholding_ratio ?? config.dynamicThresholdingRatio
        config.sampleMaxValue = raw.sample_max_value ?? config.sampleMaxValue
        if let name = raw.timestep_spacing { config.timestepSpacing = try TimestepSpacing(name: name) }
        config.stepsOffset = raw.steps_offset ?? config.stepsOffset
        config.setAlphaToOne = raw.set_alpha_to_one ?? config.setAlphaToOne
        config.rescaleBetasZeroSNR = raw.rescale_betas_zero_snr ?? config.rescaleBetasZeroSNR
        try config.validateSamplingKeys(source: source)
        guard config.trainTimesteps <= maximumTrainTimesteps, (config.trainedBetas?.count ?? 0) <= maximumTrainTimesteps else {
            throw DiffusionError.invalidParameter(
                name: "\(source): num_train_timesteps", value: "\(config.trainTimesteps)",
                accepted: "an integer from 1 to \(maximumTrainTimesteps)")
        }
        let schedule = try config.makeSchedule()
        if schedule.hasZeroTerminalSNR, config.prediction == .epsilon {
            throw DiffusionError.invalidParameter(
                name: "\(source): prediction_type", value: "epsilon",
                accepted: "v_prediction or sample with a zero-terminal-SNR schedule (rescale_betas_zero_snr): "
                    + "ε-prediction cannot give x̂0 where ᾱ_T = 0")
        }
        return config
    }

    /// Refuses values diffusers would fail on or that make no sense.
    func validateSamplingKeys(source: String) throws {
        func check(_ ok: Bool, _ key: String, _ value: Any, _ accepted: String) throws {
            if !ok { throw DiffusionError.invalidParameter(name: "\(source): \(key)", value: "\(value)", accepted: accepted) }
        }
        try check(clipSampleRange.isFinite && clipSampleRange > 0, "clip_sample_range", clipSampleRange, "a finite number > 0")
        try check(
            dynamicThresholdingRatio > 0 && dynamicThresholdingRatio <= 1, "dynamic_thresholding_ratio",
            dynamicThresholdingRatio, "a number in (0, 1]")
        try check(sampleMaxValue.isFinite && sampleMaxValue >= 1, "sample_max_value", sampleMaxValue, "a finite number ≥ 1")
        try check(
            stepsOffset >= 0 && stepsOffset < trainTimesteps, "steps_offset", stepsOffset,
            "an integer in 0..<\(trainTimesteps) (num_train_timesteps)")
    }

    /// The configuration as diffusers' `scheduler_config.json`. Keys beyond
    /// DDPMScheduler's basic set are written only when they differ from diffusers' defaults.
    public func jsonData() -> Data {
        var json: [String: Any] = [
            "_class_name": "DDPMScheduler",
            "_diffusers_version": "0.30.0",
            "num_train_timesteps": trainTimesteps,
            "beta_schedule": betaSchedule,
            "beta_start": betaStart,
            "beta_end": betaEnd,
            "trained_betas": trainedBetas.map { $0 as Any } ?? NSNull(),
            "prediction_type": prediction.rawValue,
            "variance_type": variance.rawValue,
            "clip_sample": clipSample,
            "clip_sample_range": clipSampleRange,
        ]
        if thresholding {
            json["thresholding"] = true
            json["dynamic_thresholding_ratio"] = dynamicThresholdingRatio
            json["sample_max_value"] = sampleMaxValue
        }
        if let timestepSpacing { json["timestep_spacing"] = timestepSpacing.rawValue }
        if stepsOffset != 0 { json["steps_offset"] = stepsOffset }
        if !setAlphaToOne { json["set_alpha_to_one"] = false }
        if rescaleBetasZeroSNR { json["rescale_betas_zero_snr"] = true }
        return (try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}
