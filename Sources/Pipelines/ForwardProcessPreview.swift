import Datasets
import Diffusion
import Foundation
import Tensors

/// One image carried along one noise path of the forward process, for looking
/// at: x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε (the closed form of q(x_t | x0), tutorial
/// eq. 49, DDPM eq. 4) with the same ε at every t, so that moving t shows one
/// path from the image to noise; beside it the schedule's ᾱ_t and
/// SNR(t) = ᾱ_t / (1 − ᾱ_t).
public struct ForwardProcessPreview {
    /// The noise schedule: β_t, ᾱ_t and the coefficients of q(x_t | x0).
    public let schedule: NoiseSchedule
    /// x0, `[C, H, W]` in [−1, 1].
    public let image: Tensor
    /// ε ~ N(0, I) of the image's shape, drawn from `RandomGenerator(seed:)`.
    public let noise: Tensor

    /// The preview of `image` (`[C, H, W]` in [−1, 1]) under `schedule`, with ε drawn from `seed`.
    /// - Throws: `PipelineError` when `image` is not of rank 3.
    public init(schedule: NoiseSchedule, image: Tensor, seed: UInt64) throws {
        guard image.rank == 3 else {
            throw PipelineError(problem: "an image [C, H, W] is needed for the forward process; got shape \(image.shape)")
        }
        self.schedule = schedule
        self.image = image
        var generator = RandomGenerator(seed: seed)
        noise = Tensor.randn(image.shape, generator: &generator)
    }

    /// Where the schedule comes from: a named β schedule over T steps, or a model folder's training schedule.
    public enum ScheduleSource: Sendable {
        case named(String, timesteps: Int)
        case modelFolder(URL)
    }

    /// Where the image comes from.
    public enum ImageSource: Sendable {
        /// Image `index` of a bundled data set (MNIST 28×28 or the 8×8 digits).
        case bundled(BundledDataset, index: Int)
        /// Image `index` of the training split of a data source (what `--data` names: a folder, an IDX file, CIFAR).
        case data(DataSource, index: Int)
    }

    /// The preview of a schedule and an image named by their sources.
    public init(schedule: ScheduleSource, image: ImageSource, seed: UInt64) throws {
        let noiseSchedule =
            switch schedule {
            case .named(let name, let timesteps): try Self.schedule(named: name, timesteps: timesteps)
            case .modelFolder(let folder): try Self.schedule(ofModelFolder: folder)
            }
        let x0 =
            switch image {
            case .bundled(let dataset, let index): try Self.bundledImage(dataset, index: index)
            case .data(let source, let index): try Self.image(of: source, index: index)
            }
        try self.init(schedule: noiseSchedule, image: x0, seed: seed)
    }

    /// The β schedules offered by name (diffusers' names).
    public static let scheduleNames = ["linear", "scaled_linear", "cosine", "sigmoid"]
    /// The numbers of timesteps T offered.
    public static let timestepRange = 2...10_000

    /// The schedule `name` (one of `scheduleNames`) over T timesteps, β from 1e-4 to 0.02 where it applies.
    public static func schedule(named name: String, timesteps: Int) throws -> NoiseSchedule {
        guard scheduleNames.contains(name) else {
            throw PipelineError(problem: "schedule '\(name)' is not known; give one of \(scheduleNames.joined(separator: ", "))")
        }
        guard timestepRange.contains(timesteps) else {
            throw PipelineError(
                problem: "T = \(timesteps) is not accepted; give \(timestepRange.lowerBound)…\(timestepRange.upperBound) timesteps")
        }
        return try NoiseSchedule(BetaSchedule(name: name), timesteps: timesteps)
    }

    /// The schedule a model folder was trained with (its `scheduler_config.json`).
    public static func schedule(ofModelFolder folder: URL) throws -> NoiseSchedule {
        try DenoiserFolder.load(from: folder).scheduler.makeSchedule()
    }

    /// Image `index` of a bundled data set (MNIST 28×28 or the 8×8 digits), in [−1, 1].
    public static func bundledImage(_ dataset: BundledDataset, index: Int) throws -> Tensor {
        let images = try dataset.load().images
        guard (0..<images.shape[0]).contains(index) else {
            throw PipelineError(problem: "image \(index) is not in \(dataset.rawValue); give 0…\(images.shape[0] - 1)")
        }
        return images.slice(axis: 0, index..<(index + 1)).reshaped(Array(images.shape.dropFirst()))
    }

    /// Image `index` of the training split of `source`, in [−1, 1].
    public static func image(of source: DataSource, index: Int) throws -> Tensor {
        if case .bundled(let dataset) = source { return try bundledImage(dataset, index: index) }
        let images = try source.loadImages(split: .train).dataset.images
        guard (0..<images.shape[0]).contains(index) else {
            throw PipelineError(problem: "image \(index) is not in the training split of \(source); give 0…\(images.shape[0] - 1)")
        }
        return images.slice(axis: 0, index..<(index + 1)).reshaped(Array(images.shape.dropFirst()))
    }

    /// T.
    public var timesteps: Int { schedule.count }

    /// x_t at the 0-based timestep `t` (t = 0 is the first noising step, ᾱ_0 = 1 − β_1).
    public func noised(at t: Int) throws -> Tensor {
        guard (0..<timesteps).contains(t) else {
            throw PipelineError(problem: "timestep \(t) is out of range; give 0…\(timesteps - 1)")
        }
        let batch = try schedule.marginalSample(
            x0: image.reshaped([1] + image.shape), timesteps: [t], noise: noise.reshaped([1] + noise.shape))
        return batch.reshaped(image.shape)
    }

    /// x_t as an 8-bit picture (values clamped to [−1, 1]).
    public func noisedPicture(at t: Int) throws -> PixelImage {
        try PixelImage(tensor: noised(at: t))
    }

    /// ᾱ_t for t = 0…T−1.
    public var alphaBar: [Double] { schedule.double.alphaBar }

    /// SNR(t) = ᾱ_t / (1 − ᾱ_t) for t = 0…T−1 (∞ where ᾱ_t = 1).
    public var signalToNoise: [Double] { schedule.double.alphaBar.map { $0 / (1 - $0) } }
}
