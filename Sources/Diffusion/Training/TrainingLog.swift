import FileSupport
import Foundation
import NN

/// One line of the training log: the step's loss, the loss per quarter of the
/// timestep range (nil for a quarter no example of the batch fell in), the
/// learning rate, the gradient norm before clipping, the seconds since the
/// run (or its resumption) started, and, on the steps where it was measured
/// (`train --fid-every`), the FID of samples from the EMA weights.
public struct TrainingLogEntry: Codable, Equatable, Sendable {
    /// The step this line reports (1 after the first update).
    public var step: Int
    /// The batch's loss.
    public var loss: Double
    /// The batch's mean loss in each quarter of `0..<T` (nil where no example fell).
    public var lossQuartiles: [Double?]
    /// The learning rate of the step.
    public var learningRate: Double
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// Seconds since the run (or its resumption) started.
    public var seconds: Double
    /// The sample FID measured after this step, in the run's chosen features; nil on other steps.
    public var fid: Double?

    enum CodingKeys: String, CodingKey {
        case step, loss
        case lossQuartiles = "loss_t_quartiles"
        case learningRate = "lr"
        case gradientNorm = "grad_norm"
        case seconds
        case fid
    }

    /// A log line.
    public init(
        step: Int, loss: Double, lossQuartiles: [Double?], learningRate: Double, gradientNorm: Double,
        seconds: Double, fid: Double? = nil
    ) {
        self.step = step
        self.loss = loss
        self.lossQuartiles = lossQuartiles
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.seconds = seconds
        self.fid = fid
    }

    /// Encodes explicit nulls for empty quartiles (the synthesised encoder would drop them).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(loss, forKey: .loss)
        var quartiles = container.nestedUnkeyedContainer(forKey: .lossQuartiles)
        for value in lossQuartiles {
            if let value { try quartiles.encode(value) } else { try quartiles.encodeNil() }
        }
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(gradientNorm, forKey: .gradientNorm)
        try container.encode(seconds, forKey: .seconds)
        try container.encodeIfPresent(fid, forKey: .fid)
    }
}

/// The training log: one JSON object per line (JSONL), one line per step, in
/// `training/log.jsonl`. Lines are appended as steps complete; when a run is
/// resumed from step s, lines after s (written after the last checkpoint, or
/// cut short by a crash) are dropped first, so the log always matches the
/// checkpointed run.
public final class TrainingLog {
    /// The log's file name in a training folder.
    public static let fileName = "log.jsonl"
    /// The log file.
    public let url: URL
    private let handle: FileHandle
    private let encoder: JSONEncoder

    /// Opens the log at `url` for a run that continues after `step` completed
    /// steps (0 for a new run, which starts an empty log).
    ///
    /// - Throws: ``TrainingError/writeFailed(file:problem:)`` when the log cannot be opened or rewritten.
    public init(url: URL, continuingAfter step: Int) throws {
        self.url = url
        let kept = step > 0 ? try Self.read(url: url).filter { $0.step <= step } : []
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = ""
        for entry in kept { text += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n" }
        try AtomicFile.write(Data(text.utf8), to: url)
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingError.writeFailed(file: url.path, problem: "cannot open the log for appending (\(error.localizedDescription))")
        }
    }

    deinit {
        try? handle.close()
    }

    /// Appends one line.
    ///
    /// - Throws: ``TrainingError/writeFailed(file:problem:)`` when the line cannot be written.
    public func append(_ entry: TrainingLogEntry) throws {
        let line = String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError.writeFailed(file: url.path, problem: "cannot append to the log (\(error.localizedDescription))")
        }
    }

    /// The entries of a log file in order, stopping at the first line that is
    /// not a complete entry (a line cut short by a crash). A missing file has none.
    public static func read(url: URL) throws -> [TrainingLogEntry] {
        try read(url: url, fromByte: 0).entries
    }

    /// The entries from byte `offset` on, as `read(url:)` reads them, and the byte after the
    /// last one read: where to read on from as the log grows (a line still being written
    /// does not decode, so it is read again next time). A missing file has none.
    public static func read(url: URL, fromByte offset: Int) throws -> (entries: [TrainingLogEntry], end: Int) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return ([], offset) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.readToEnd() ?? Data()
        let decoder = JSONDecoder()
        var entries: [TrainingLogEntry] = []
        var end = data.startIndex
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let entry = try? decoder.decode(TrainingLogEntry.self, from: Data(line)) else { break }
            entries.append(entry)
            end = line.endIndex < data.endIndex ? data.index(after: line.endIndex) : line.endIndex
        }
        return (entries, offset + (end - data.startIndex))
    }
}
