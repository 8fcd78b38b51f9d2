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
    /// The run's `--data` as it was given (`mnist`, a folder, …), from the last checkpoint's recipe;
    /// nil before the first checkpoint. A relative path is relative to where training ran.
    public let trainingData: String?
    /// Whether the folder holds a model to sample from (configuration and weights).
    public let hasModel: Bool
    /// The preview grids of `--sample-every` (`samples/step-…png`), oldest first, as names inside `samples/`.
    public let sampleGrids: [String]
    /// The log file read (its device and inode) and the bytes of it read so far (whole lines only).
    let logIdentity: [Int]
    let logBytesRead: Int
    /// The checkpoint's modification time and size when its header was read (its header is large: one entry per tensor).
    let stateSignature: [Double]

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

    /// Reads the run in `folder`. Given the status read before (`previous`), only the lines
    /// appended to the log since are read, unless the log was replaced (a resumed run rewrites it).
    public init(folder: URL, after previous: TrainingRunStatus? = nil) throws {
        guard Self.isRunFolder(folder) else {
            throw PipelineError(problem: "\(folder.path) is not a training run (no training/\(TrainingLog.fileName))")
        }
        self.folder = folder
        let logURL = Self.logURL(folder)
        let attributes = try FileManager.default.attributesOfItem(atPath: logURL.path)
        let identity = [
            (attributes[.systemNumber] as? NSNumber)?.intValue ?? -1, (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1,
        ]
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        var entries: [TrainingLogEntry] = []
        var start = 0
        if let previous, previous.folder == folder, previous.logIdentity == identity, previous.logBytesRead <= size {
            entries = previous.entries
            start = previous.logBytesRead
        }
        let (appended, end) = try TrainingLog.read(url: logURL, fromByte: start)
        self.entries = entries + appended
        logIdentity = identity
        logBytesRead = end
        let state = TrainingRun.stateURL(out: folder)
        let stateAttributes = try? FileManager.default.attributesOfItem(atPath: state.path)
        stateSignature = [
            (stateAttributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1,
            (stateAttributes?[.size] as? NSNumber)?.doubleValue ?? -1,
        ]
        if let previous, previous.folder == folder, previous.stateSignature == stateSignature {
            totalSteps = previous.totalSteps
            checkpointStep = previous.checkpointStep
            trainingData = previous.trainingData
        } else {
            let metadata = (try? SafetensorsFile.metadata(ofFileAt: state)) ?? [:]
            func object(_ key: String) -> [String: Any]? {
                metadata[key].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }
            totalSteps = object("configuration")?["steps"] as? Int
            checkpointStep = metadata["step"].flatMap { Int($0) }
            trainingData = object("extra/" + TrainingRecipe.checkpointKey)?["data"] as? String
        }
        hasModel = ModelFolder.holdsModel(folder)
        sampleGrids = ((try? FileManager.default.contentsOfDirectory(atPath: Self.samplesFolder(folder).path)) ?? [])
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
