import Foundation
import NN
import Tensors

/// Everything needed to continue a training run bit for bit: the step, the
/// settings, the raw model weights, the EMA, the optimiser state, the random
/// generator of the timestep/noise draws and the data position.
///
/// On disk it is one safetensors file (so one atomic rename replaces it whole):
/// tensors `model/<path>`, `ema/<path>` (and `ema<k>/<path>` for the k-th
/// additional EMA rate) and `optimizer/<path>.<buffer>`, and
/// string metadata `format`, `version`, `step`, `configuration` (JSON),
/// `generator` (JSON), `data_position` (JSON array), `ema_update_count`
/// (and `ema<k>_update_count`),
/// `optimizer/…` counters and caller-defined `extra/<key>` entries.
public struct TrainingCheckpoint {
    /// The value of the `format` metadata entry.
    public static let format = "swift-ddpm-training-state"
    /// The layout version this code writes and reads.
    public static let version = 1
    /// The file name inside a run's `training/` folder.
    public static let fileName = "state.safetensors"

    /// Completed optimiser updates.
    public var step: Int
    /// The run's settings.
    public var configuration: TrainingConfiguration
    /// The trained (not averaged) weights, keyed by parameter path.
    public var modelWeights: [String: Tensor]
    /// The exponential moving average of the weights.
    public var ema: ExponentialMovingAverage.State
    /// The averages at `configuration.additionalEMADecays`, in that order.
    public var additionalEMA: [ExponentialMovingAverage.State]
    /// The optimiser's moments and step count.
    public var optimizer: OptimizerState
    /// The generator of the timestep and noise draws, as it is before the next step.
    public var generator: RandomGenerator
    /// The data source's `checkpointPosition`.
    public var dataPosition: [Int]
    /// Caller-defined strings (the `ddpm` tool keeps the run description here).
    public var extra: [String: String]

    /// A checkpoint of every part of a run's state.
    public init(
        step: Int, configuration: TrainingConfiguration, modelWeights: [String: Tensor],
        ema: ExponentialMovingAverage.State, additionalEMA: [ExponentialMovingAverage.State] = [],
        optimizer: OptimizerState, generator: RandomGenerator,
        dataPosition: [Int], extra: [String: String] = [:]
    ) {
        self.step = step
        self.configuration = configuration
        self.modelWeights = modelWeights
        self.ema = ema
        self.additionalEMA = additionalEMA
        self.optimizer = optimizer
        self.generator = generator
        self.dataPosition = dataPosition
        self.extra = extra
    }

    /// The tensors and metadata of the file.
    func archived() throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        var tensors: [String: Tensor] = [:]
        // Sorted keys: the same state always gives the same bytes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata: [String: String] = [
            "format": Self.format,
            "version": String(Self.version),
            "step": String(step),
            "configuration": String(decoding: try configuration.jsonData(), as: UTF8.self),
            "generator": String(decoding: try encoder.encode(generator), as: UTF8.self),
            "data_position": String(decoding: try encoder.encode(dataPosition), as: UTF8.self),
            "ema_update_count": String(ema.updateCount),
        ]
        for (path, tensor) in modelWeights { tensors["model/" + path] = tensor }
        for (path, values) in ema.shadow { tensors["ema/" + path] = Tensor(shape: [values.count], scalars: values) }
        for (index, state) in additionalEMA.enumerated() {
            let prefix = "ema\(index + 1)"
            metadata[prefix + "_update_count"] = String(state.updateCount)
            for (path, values) in state.shadow { tensors[prefix + "/" + path] = Tensor(shape: [values.count], scalars: values) }
        }
        let optimizerArchive = optimizer.archived()
        for (key, tensor) in optimizerArchive.tensors { tensors["optimizer/" + key] = tensor }
        for (key, value) in optimizerArchive.metadata { metadata["optimizer/" + key] = value }
        for (key, value) in extra { metadata["extra/" + key] = value }
        return (tensors, metadata)
    }

    /// The complete file contents.
    public func encoded() throws -> Data {
        let (tensors, metadata) = try archived()
        return try SafetensorsWriter.encode(tensors, metadata: metadata)
    }

    /// Writes the file atomically (temporary file + rename).
    ///
    /// - Throws: the file system's error; the file is written atomically, so a failure leaves the previous one.
    public func write(to url: URL) throws {
        let (tensors, metadata) = try archived()
        try SafetensorsWriter.write(tensors, metadata: metadata, to: url)
    }

    /// Reads and validates a file written by `write(to:)`.
    ///
    /// - Throws: ``TrainingError/invalidState(file:problem:)`` for a file that is not a readable training state.
    public static func read(from url: URL) throws -> TrainingCheckpoint {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.invalidState(file: url.path, problem: "no training state here")
        }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw TrainingError.invalidState(file: url.path, problem: "not a readable training state (\(error))")
        }
        return try decode(file, source: url.path)
    }

    /// Decodes a file held in memory.
    ///
    /// - Throws: ``TrainingError/invalidState(file:problem:)`` for bytes that are not a training state of this format and version.
    public static func decode(_ data: Data, source: String = "training state") throws -> TrainingCheckpoint {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(data: data)
        } catch {
            throw TrainingError.invalidState(file: source, problem: "not a readable training state (\(error))")
        }
        return try decode(file, source: source)
    }

    private static func decode(_ file: SafetensorsFile, source: String) throws -> TrainingCheckpoint {
        func fail(_ problem: String) -> TrainingError { .invalidState(file: source, problem: problem) }
        let metadata = file.metadata
        guard metadata["format"] == format else {
            throw fail("not a training state (metadata 'format' is \(metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        guard metadata["version"] == String(version) else {
            throw fail("training-state version \(metadata["version"] ?? "missing") is not supported; this build reads version \(version)")
        }
        func integer(_ key: String) throws -> Int {
            guard let text = metadata[key], let value = Int(text), value >= 0 else {
                throw fail("metadata '\(key)' is missing or not a non-negative integer")
            }
            return value
        }
        func json<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
            guard let text = metadata[key] else { throw fail("metadata '\(key)' is missing") }
            do {
                return try JSONDecoder().decode(type, from: Data(text.utf8))
            } catch {
                throw fail("metadata '\(key)' is not valid: \(error)")
            }
        }
        let step = try integer("step")
        let configuration = try json("configuration", as: TrainingConfiguration.self)
        let generator = try json("generator", as: RandomGenerator.self)
        let dataPosition = try json("data_position", as: [Int].self)
        let emaUpdates = try integer("ema_update_count")

        var modelWeights: [String: Tensor] = [:]
        var shadow: [String: [Float]] = [:]
        let additionalCount = configuration.additionalEMADecays.count
        var additionalShadows = [[String: [Float]]](repeating: [:], count: additionalCount)
        var optimizerTensors: [String: Tensor] = [:]
        for name in file.names {
            let tensor: Tensor
            do {
                tensor = try file.tensor(named: name)
            } catch {
                throw fail("tensor '\(name)': \(error)")
            }
            if name.hasPrefix("model/") {
                modelWeights[String(name.dropFirst(6))] = tensor
            } else if name.hasPrefix("ema/") {
                shadow[String(name.dropFirst(4))] = tensor.scalars
            } else if name.hasPrefix("optimizer/") {
                optimizerTensors[String(name.dropFirst(10))] = tensor
            } else if let slash = name.firstIndex(of: "/"), name.hasPrefix("ema"),
                let k = Int(name[name.index(name.startIndex, offsetBy: 3)..<slash]), k >= 1, k <= additionalCount
            {
                additionalShadows[k - 1][String(name[name.index(after: slash)...])] = tensor.scalars
            } else {
                throw fail("unexpected tensor '\(name)' (expected model/, ema/, ema1/…ema\(additionalCount)/ or optimizer/ entries)")
            }
        }
        var optimizerMetadata: [String: String] = [:]
        var extra: [String: String] = [:]
        for (key, value) in metadata {
            if key.hasPrefix("optimizer/") { optimizerMetadata[String(key.dropFirst(10))] = value }
            if key.hasPrefix("extra/") { extra[String(key.dropFirst(6))] = value }
        }
        let optimizer: OptimizerState
        do {
            optimizer = try OptimizerState(archivedTensors: optimizerTensors, metadata: optimizerMetadata)
        } catch {
            throw fail("\(error)")
        }
        let additionalEMA = try additionalShadows.enumerated().map { index, shadow in
            ExponentialMovingAverage.State(updateCount: try integer("ema\(index + 1)_update_count"), shadow: shadow)
        }
        return TrainingCheckpoint(
            step: step, configuration: configuration, modelWeights: modelWeights,
            ema: .init(updateCount: emaUpdates, shadow: shadow), additionalEMA: additionalEMA,
            optimizer: optimizer,
            generator: generator, dataPosition: dataPosition, extra: extra)
    }
}
