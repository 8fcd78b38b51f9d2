import Diffusion
import Foundation

/// What a model folder is, for choosing how to draw from it: the shape of what it
/// draws, its classes, its training schedule, its warnings. Loading checks the
/// folder as sampling would (configuration, weights, scheduler).
public struct ModelFolderSummary: Codable, Equatable, Sendable {
    /// `[C, H, W]` for images, `[D]` for points.
    public let exampleShape: [Int]
    /// The classes of a class-conditional model (nil for an unconditional one).
    public let classCount: Int?
    /// Their names, when recorded (`class_conditioning.json`); else "0", "1", ….
    public let classNames: [String]
    /// Whether classifier-free guidance can be applied (a null class was trained).
    public let guidable: Bool
    /// T, the training timesteps.
    public let trainingTimesteps: Int
    /// The β schedule's diffusers name (or "trained_betas").
    public let betaSchedule: String
    /// What the network predicts: epsilon, sample or v_prediction (diffusers' names).
    public let prediction: String
    /// What loading noticed but did not refuse (unknown configuration keys, default scheduler).
    public let warnings: [String]

    /// Whether `folder` holds a model folder (configuration and weights, in it or in its `unet/`),
    /// without reading it.
    public static func isModelFolder(_ folder: URL) -> Bool { ModelFolder.holdsModel(folder) }

    /// Reads the model folder at `folder`.
    public init(folder: URL) throws {
        self.init(try DenoiserFolder.load(from: folder))
    }

    init(_ loaded: DenoiserFolder.Loaded) {
        exampleShape = loaded.exampleShape
        classCount = loaded.classCount
        classNames = loaded.conditioning?.classNames ?? (0..<(loaded.classCount ?? 0)).map(String.init)
        guidable = loaded.conditioning != nil
        trainingTimesteps = loaded.scheduler.trainTimesteps
        betaSchedule = loaded.scheduler.trainedBetas == nil ? loaded.scheduler.betaSchedule : "trained_betas"
        prediction = loaded.scheduler.prediction.rawValue
        warnings = loaded.warnings
    }

    /// Whether it draws images PNG can hold (1 or 3 channels).
    public var drawsPNGImages: Bool { exampleShape.count == 3 && [1, 3].contains(exampleShape[0]) }
}
