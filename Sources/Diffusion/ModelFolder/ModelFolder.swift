import FileSupport
import Foundation
import NN
import Tensors

/// A model folder laid out as diffusers lays out a `UNet2DModel` pipeline
/// component: `config.json`, `diffusion_pytorch_model.safetensors` and,
/// beside or one level up, `scheduler_config.json`.
///
/// Loading accepts both a bare `unet/` folder and a pipeline folder with
/// `unet/` and `scheduler/` sub-folders (as `google/ddpm-cifar10-32` ships).
public enum ModelFolder {
    /// A loaded model with its scheduler configuration and any warnings about the files.
    public struct Loaded {
        /// The network with the folder's weights.
        public let model: UNet2DModel
        /// The folder's `scheduler_config.json` (diffusers' defaults where it has none).
        public let scheduler: SchedulerConfig
        /// The meaning of the class labels, when the folder has `class_conditioning.json`.
        public let conditioning: ClassConditioning?
        /// Keys of the configuration files that were not understood, and similar notes.
        public let warnings: [String]
    }

    /// The network configuration's file name (diffusers' layout).
    public static let configName = "config.json"
    /// The weights' file name (diffusers' layout).
    public static let weightsName = "diffusion_pytorch_model.safetensors"
    /// The scheduler configuration's file name (diffusers' layout).
    public static let schedulerName = "scheduler_config.json"

    /// The folder holding the network's files: `folder` itself, or its `unet/` in a pipeline folder.
    public static func unetFolder(in folder: URL) -> URL {
        let fm = FileManager.default
        let unet = folder.appendingPathComponent("unet")
        if !fm.fileExists(atPath: folder.appendingPathComponent(configName).path),
            fm.fileExists(atPath: unet.appendingPathComponent(configName).path)
        {
            return unet
        }
        return folder
    }

    /// Whether `folder` holds a model `load(from:)` can read: a configuration and weights, in it or in its `unet/`.
    public static func holdsModel(_ folder: URL) -> Bool {
        let unet = unetFolder(in: folder)
        let fm = FileManager.default
        return fm.fileExists(atPath: unet.appendingPathComponent(configName).path)
            && fm.fileExists(atPath: unet.appendingPathComponent(weightsName).path)
    }

    /// Loads the model in `folder`, checking every tensor's name and shape.
    /// The model comes back in evaluation mode (dropout off), as diffusers' `from_pretrained`.
    ///
    /// - Throws: ``ModelFolderError`` for missing or unreadable files, or weights that do not fit the network;
    ///   ``UNetConfigError`` for a `config.json` this library does not build.
    public static func load(from folder: URL) throws -> Loaded {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFolderError("\(folder.path): no such model folder")
        }
        let unetFolder = unetFolder(in: folder)
        let configURL = unetFolder.appendingPathComponent(configName)
        guard let configData = fm.contents(atPath: configURL.path) else {
            throw ModelFolderError("\(configURL.path): missing; a model folder needs config.json and \(weightsName)")
        }
        let (config, warnings) = try UNetConfig.parse(configData, source: configURL.path)

        var scheduler = SchedulerConfig()
        var notes = warnings
        let schedulerCandidates = [
            unetFolder.appendingPathComponent(schedulerName),
            folder.appendingPathComponent("scheduler").appendingPathComponent(schedulerName),
            unetFolder.deletingLastPathComponent().appendingPathComponent("scheduler").appendingPathComponent(schedulerName),
        ]
        if let found = schedulerCandidates.first(where: { fm.fileExists(atPath: $0.path) }) {
            guard let data = fm.contents(atPath: found.path) else { throw ModelFolderError("\(found.path): unreadable") }
            do {
                scheduler = try SchedulerConfig.parse(data, source: found.path)
                notes += SchedulerConfig.unknownKeys(in: data, source: found.path)
            } catch {
                throw ModelFolderError("\(found.path): \(error)")
            }
        } else {
            notes.append("\(folder.path): no \(schedulerName); using the DDPM defaults (linear β 1e-4…0.02, T = 1000)")
        }

        let weightsURL = unetFolder.appendingPathComponent(weightsName)
        guard fm.fileExists(atPath: weightsURL.path) else {
            throw ModelFolderError(
                "\(weightsURL.path): missing (only safetensors weights are read; convert a .bin with diffusers' save_pretrained(safe_serialization=True))"
            )
        }
        var generator = RandomGenerator(seed: 0)
        let model = try UNet2DModel(config: config, generator: &generator)
        let file = try SafetensorsFile(contentsOf: weightsURL)
        var state: [String: Tensor] = [:]
        for (name, tensor) in try file.tensors() { state[canonicalName(name)] = tensor }
        do {
            try model.load(stateDict: state)
        } catch {
            throw ModelFolderError("\(weightsURL.path): \(error)")
        }
        model.setTraining(false)
        var conditioning: ClassConditioning?
        let conditioningURL = unetFolder.appendingPathComponent(ClassConditioning.fileName)
        if fm.fileExists(atPath: conditioningURL.path) {
            guard let data = fm.contents(atPath: conditioningURL.path) else {
                throw ModelFolderError("\(conditioningURL.path): unreadable")
            }
            let record = try ClassConditioning.parse(data, source: conditioningURL.path)
            try record.validate(numClassEmbeds: config.numClassEmbeds, source: conditioningURL.path)
            conditioning = record
        }
        return Loaded(model: model, scheduler: scheduler, conditioning: conditioning, warnings: notes)
    }

    /// Writes `model` and `scheduler` into `folder` (created if needed) so
    /// that diffusers' `UNet2DModel.from_pretrained(folder)` loads it, plus
    /// `class_conditioning.json` for a model trained with a null class. Each
    /// file is written atomically, the weights last: a folder with weights has
    /// its configuration too, even after a crash.
    public static func save(
        _ model: UNet2DModel, scheduler: SchedulerConfig, to folder: URL,
        conditioning: ClassConditioning? = nil, metadata: [String: String] = [:]
    ) throws {
        if let conditioning {
            try conditioning.validate(numClassEmbeds: model.config.numClassEmbeds, source: folder.path)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(model.config.jsonData(), to: folder.appendingPathComponent(configName))
        try AtomicFile.write(scheduler.jsonData(), to: folder.appendingPathComponent(schedulerName))
        let conditioningURL = folder.appendingPathComponent(ClassConditioning.fileName)
        if let conditioning {
            try AtomicFile.write(try conditioning.jsonData(), to: conditioningURL)
        } else if FileManager.default.fileExists(atPath: conditioningURL.path) {
            try FileManager.default.removeItem(at: conditioningURL)
        }
        try SafetensorsWriter.write(
            model.stateDict(), metadata: metadata.merging(["format": "pt"]) { a, _ in a },
            to: folder.appendingPathComponent(weightsName))
    }

    /// The current diffusers name of a parameter, mapping the legacy attention
    /// names (`query`, `key`, `value`, `proj_attn`) of older checkpoints.
    public static func canonicalName(_ name: String) -> String {
        var parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 3, let index = parts.firstIndex(where: { $0 == "attentions" }), index + 2 < parts.count else {
            return name
        }
        switch parts[index + 2] {
        case "query": parts[index + 2] = "to_q"
        case "key": parts[index + 2] = "to_k"
        case "value": parts[index + 2] = "to_v"
        case "proj_attn": parts[index + 2] = "to_out.0"
        default: return name
        }
        return parts.joined(separator: ".")
    }
}

/// A model folder that cannot be read or written; the message names the file and the problem.
public struct ModelFolderError: Error, CustomStringConvertible {
    /// What is wrong with the folder, with its path.
    public let description: String
    /// An error with its message.
    public init(_ description: String) { self.description = description }
}
