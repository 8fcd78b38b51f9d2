import Foundation

/// The noise schedule and sampling defaults of a model, read from and written
/// to diffusers' `scheduler_config.json` (the keys of `DDPMScheduler`).
public struct SchedulerConfig: Equatable, Sendable {
    public var trainTimesteps: Int
    /// A diffusers schedule name: linear, scaled_linear, squaredcos_cap_v2, sigmoid.
    public var betaSchedule: String
    public var betaStart: Double
    public var betaEnd: Double
    /// An explicit β array, overriding `betaSchedule`.
    public var trainedBetas: [Double]?
    public var prediction: PredictionType
    public var variance: VarianceType
    public var clipSample: Bool

    public init(trainTimesteps: Int = 1000, betaSchedule: String = "linear", betaStart: Double = 1e-4,
                betaEnd: Double = 0.02, trainedBetas: [Double]? = nil, prediction: PredictionType = .epsilon,
                variance: VarianceType = .fixedSmall, clipSample: Bool = true) {
        self.trainTimesteps = trainTimesteps
        self.betaSchedule = betaSchedule
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.trainedBetas = trainedBetas
        self.prediction = prediction
        self.variance = variance
        self.clipSample = clipSample
    }

    /// The noise schedule this configuration describes.
    public func makeSchedule() throws -> NoiseSchedule {
        if let trainedBetas { return try NoiseSchedule(betas: trainedBetas) }
        return try NoiseSchedule(BetaSchedule(name: betaSchedule, start: betaStart, end: betaEnd), timesteps: trainTimesteps)
    }

    /// The diffusion process (schedule, prediction and variance types, clipping).
    public func makeDiffusion() throws -> GaussianDiffusion {
        GaussianDiffusion(schedule: try makeSchedule(), prediction: prediction, variance: variance, clipDenoised: clipSample)
    }

    /// The most diffusion steps a `scheduler_config.json` may ask for (diffusers'
    /// models use 1000 to 4000); more is refused before the schedule arrays are allocated.
    public static let maximumTrainTimesteps = 1_000_000

    /// Parses diffusers' `scheduler_config.json`; absent keys take DDPMScheduler's defaults.
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
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw DiffusionError.invalidParameter(name: source, value: "unreadable", accepted: "a JSON object with DDPMScheduler keys (\(error))")
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
        guard config.trainTimesteps <= maximumTrainTimesteps, (config.trainedBetas?.count ?? 0) <= maximumTrainTimesteps else {
            throw DiffusionError.invalidParameter(name: "\(source): num_train_timesteps", value: "\(config.trainTimesteps)",
                                                  accepted: "an integer from 1 to \(maximumTrainTimesteps)")
        }
        _ = try config.makeSchedule()
        return config
    }

    /// The configuration as diffusers' `scheduler_config.json`.
    public func jsonData() -> Data {
        let json: [String: Any] = [
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
            "clip_sample_range": 1.0,
        ]
        return (try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}
