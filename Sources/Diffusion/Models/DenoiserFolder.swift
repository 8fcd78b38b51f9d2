import FileSupport
import Foundation
import NN
import Tensors

/// Model folders of either network this project trains: a diffusers
/// `UNet2DModel` folder (through `ModelFolder`) or an `MLPDenoiser` folder laid
/// out the same way (`config.json` with `_class_name` "MLPDenoiser",
/// `diffusion_pytorch_model.safetensors`, `scheduler_config.json`).
public enum DenoiserFolder {
    /// A loaded network with its scheduler and the shape of one example.
    public struct Loaded {
        /// The network with the folder's weights (a U-Net or an MLP).
        public let model: any DenoisingModel & Module
        /// The folder's scheduler configuration.
        public let scheduler: SchedulerConfig
        /// `[C, H, W]` for a U-Net, `[D]` for an MLP.
        public let exampleShape: [Int]
        /// The number of real classes of a class-conditional U-Net (the embedding
        /// rows less the null class when the folder records one).
        public let classCount: Int?
        /// The meaning of the labels and the null class, for a model trained with label dropout.
        public let conditioning: ClassConditioning?
        /// Keys of the configuration files that were not understood.
        public let warnings: [String]
    }

    /// The `_class_name` of the folder's `config.json`, if it has one.
    public static func className(in folder: URL) -> String? {
        let url = folder.appendingPathComponent(ModelFolder.configName)
        guard let data = FileManager.default.contents(atPath: url.path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["_class_name"] as? String
    }

    /// Loads a U-Net or MLP folder; a self-conditioned U-Net comes wrapped in a
    /// `SelfConditionedDenoiser` (so it takes images of `exampleShape`).
    ///
    /// - Throws: ``ModelFolderError`` for missing or unreadable files, or weights that do not fit the network;
    ///   ``UNetConfigError`` or ``DiffusionError`` for a `config.json` this library does not build.
    public static func load(from folder: URL) throws -> Loaded {
        guard className(in: folder) == MLPDenoiserConfig.className else {
            let loaded = try ModelFolder.load(from: folder)
            let config = loaded.model.config
            // The process is built only for a self-conditioned network, which reads its outputs through it.
            let model =
                config.selfCondition
                ? DenoiserConfig.denoiser(loaded.model, diffusion: try loaded.scheduler.makeDiffusion()) : loaded.model
            return Loaded(
                model: model, scheduler: loaded.scheduler,
                exampleShape: [config.imageChannels, config.sampleHeight, config.sampleWidth],
                classCount: loaded.conditioning?.classCount ?? config.numClassEmbeds,
                conditioning: loaded.conditioning, warnings: loaded.warnings)
        }
        let configURL = folder.appendingPathComponent(ModelFolder.configName)
        let config = try MLPDenoiserConfig.parse(try readFile(configURL), source: configURL.path)
        let schedulerURL = folder.appendingPathComponent(ModelFolder.schedulerName)
        let schedulerData = try readFile(schedulerURL)
        let scheduler = try SchedulerConfig.parse(schedulerData, source: schedulerURL.path)
        var generator = RandomGenerator(seed: 0)
        let model = try MLPDenoiser(config: config, generator: &generator)
        let weightsURL = folder.appendingPathComponent(ModelFolder.weightsName)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelFolderError("\(weightsURL.path): missing")
        }
        do {
            try model.load(stateDict: try SafetensorsFile(contentsOf: weightsURL).tensors())
        } catch {
            throw ModelFolderError("\(weightsURL.path): \(error)")
        }
        return Loaded(
            model: model, scheduler: scheduler, exampleShape: [config.dataDimension], classCount: nil,
            conditioning: nil, warnings: SchedulerConfig.unknownKeys(in: schedulerData, source: schedulerURL.path))
    }

    /// Writes `model` (with its current weights) and `scheduler` into `folder`, each file atomically,
    /// the weights last: a folder with weights has its configuration too, even after a crash.
    ///
    /// - Throws: ``ModelFolderError`` for a model with no folder layout (neither a ``UNet2DModel`` nor an ``MLPDenoiser``) or a class-conditional MLP; the file system's error.
    public static func save(
        _ model: any DenoisingModel & Module, scheduler: SchedulerConfig, to folder: URL,
        conditioning: ClassConditioning? = nil
    ) throws {
        if let selfConditioned = model as? SelfConditionedDenoiser {
            try save(selfConditioned.network, scheduler: scheduler, to: folder, conditioning: conditioning)
            return
        }
        if let unet = model as? UNet2DModel {
            try ModelFolder.save(unet, scheduler: scheduler, to: folder, conditioning: conditioning)
            return
        }
        if conditioning != nil {
            throw ModelFolderError("\(folder.path): only a UNet2DModel can be class-conditional")
        }
        guard let mlp = model as? MLPDenoiser else {
            throw ModelFolderError(
                "\(folder.path): cannot save a \(type(of: model)); only UNet2DModel and MLPDenoiser have a folder layout")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try mlp.config.jsonData(), to: folder.appendingPathComponent(ModelFolder.configName))
        try AtomicFile.write(scheduler.jsonData(), to: folder.appendingPathComponent(ModelFolder.schedulerName))
        try SafetensorsWriter.write(
            mlp.stateDict(), metadata: ["format": "pt"],
            to: folder.appendingPathComponent(ModelFolder.weightsName))
    }

    private static func readFile(_ url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelFolderError("\(url.path): missing or unreadable")
        }
        return data
    }
}
