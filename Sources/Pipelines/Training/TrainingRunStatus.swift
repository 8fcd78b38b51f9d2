import Diffusion
import Foundation
import NN

/// What a training run's folder shows of the run, read while it grows: the
/// log so far, the steps it was asked for (from the checkpoint's header), the
/// step rate and time to go, the preview grids it wrote and whether the model
/// folder is there to sample from. Reading never writes and never loads weights.
public struct TrainingRunStatus: Sendable {
    /// The run's `--out` folder (the model folder).
    public let folder: URL
    /// The log's complete lines, in order (a line being written is left for the next read).
    public let entries: [TrainingLogEntry]
    /// The steps the run was started for, from the last checkpoint; nil before the first one.
    public let totalSteps: Int?
    /// The step of the last checkpoint; nil before the first one.
    public let checkpointStep: Int?
    /// Whether the folder holds a model to sample from (configuration and weights).
    public let hasModel: Bool
    /// The preview grids of `--sample-every` (`samples/step-…png`), oldest first, as names inside `samples/`.
    public let sampleGrids: [String]

    /// Whether `folder` is a training run's folder: it has `training/log.jsonl`.
    public static func isRunFolder(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: logURL(folder).path)
    }

    /// `folder/training/log.jsonl`.
    public static func logURL(_ folder: URL) -> URL {
        TrainingRun.trainingFolder(out: folder).appendingPathComponent(TrainingLog.fileName)
    }

    /// `folder/samples`, where `--sample-every` writes its grids.
    public static func samplesFolder(_ folder: URL) -> URL { folder.appendingPathComponent("samples") }

    /// Reads the run in `folder`.
    public init(folder: URL) throws {
        guard Self.isRunFolder(folder) else {
            throw PipelineError(problem: "\(folder.path) is not a training run (no training/\(TrainingLog.fileName))")
        }
        self.folder = folder
        entries = try TrainingLog.read(url: Self.logURL(folder))
        let state = TrainingRun.stateURL(out: folder)
        if let metadata = try? SafetensorsFile.metadata(ofFileAt: state),
            let text = metadata["configuration"],
            let configuration = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        {
            totalSteps = configuration["steps"] as? Int
            checkpointStep = metadata["step"].flatMap { Int($0) }
        } else {
            totalSteps = nil
            checkpointStep = nil
        }
        let fm = FileManager.default
        hasModel =
            fm.fileExists(atPath: folder.appendingPathComponent(ModelFolder.configName).path)
            && fm.fileExists(atPath: folder.appendingPathComponent(ModelFolder.weightsName).path)
        sampleGrids = ((try? fm.contentsOfDirectory(atPath: Self.samplesFolder(folder).path)) ?? [])
            .filter { $0.hasPrefix("step-") && $0.hasSuffix(".png") }.sorted()
    }

    /// The last logged step (0 before the first).
    public var lastStep: Int { entries.last?.step ?? 0 }

    /// Whether the run has logged its last step.
    public var isFinished: Bool { totalSteps.map { lastStep >= $0 } ?? false }

    /// Steps per second over the last `window` logged steps of the current start
    /// (the log's seconds restart when a run is resumed); nil with fewer than two.
    public func stepsPerSecond(window: Int = 50) -> Double? {
        guard let last = entries.last else { return nil }
        var first = last
        for entry in entries.reversed().dropFirst() {
            guard entry.seconds < first.seconds, entry.step < first.step, last.step - entry.step <= window else { break }
            first = entry
        }
        guard last.step > first.step, last.seconds > first.seconds else { return nil }
        return Double(last.step - first.step) / (last.seconds - first.seconds)
    }

    /// Seconds until the last step at the current rate; nil when unknown or finished.
    public var secondsRemaining: Double? {
        guard let totalSteps, !isFinished, let rate = stepsPerSecond(), rate > 0 else { return nil }
        return Double(totalSteps - lastStep) / rate
    }
}
