import Datasets
import Diffusion
import FileSupport
import Foundation
import QualityMetrics
import NN
import Tensors

/// A training run in its model folder `out`: builds the `Trainer` of a
/// `TrainingRecipe` (the network, the data loader, the schedule), stores the
/// recipe in every checkpoint, and at each checkpoint exports the EMA weights
/// as a model folder (`out`, and `out/ema-R` for each further EMA rate).
/// Training state lives in `out/training`.
///
/// The resume contract: a checkpoint carries its recipe, so `resume` rebuilds
/// the same model and data order from it alone, and refuses a snapshot of
/// another run than the one in `out`.
public enum TrainingRun {
    /// Salts that give the weights, data order and toy points their own random streams.
    static let modelSalt: UInt64 = 0x6D6F_6465_6C00, dataSalt: UInt64 = 0x6461_7461_0000, toySalt: UInt64 = 0x746F_7900_0000

    /// The network of `recipe`, its weights drawn from the recipe's seed.
    ///
    /// - Throws: what reading the recipe's configurations or building the network throws.
    public static func model(for recipe: TrainingRecipe) throws -> any DenoisingModel & Module {
        var generator = RandomGenerator(seed: recipe.seed ^ modelSalt)
        let diffusion = try recipe.schedulerConfig().makeDiffusion()
        return try recipe.network().makeModel(diffusion: diffusion, generator: &generator)
    }

    /// The training data as a loader over the train split (or the toy points), or for a
    /// streamed recipe a loader that decodes the folder's images as batches need them;
    /// refused when its examples do not have `exampleShape`.
    public static func loader(for recipe: TrainingRecipe, exampleShape: [Int]) throws -> any TrainingBatchSource {
        let source = try DataSource(parsing: recipe.data)
        func mismatch(_ dataShape: [Int], hint: String) -> PipelineError {
            PipelineError(
                problem: "the model takes examples of shape \(exampleShape.map(String.init).joined(separator: "×")) "
                    + "but --data \(recipe.data) has \(dataShape.map(String.init).joined(separator: "×")); " + hint)
        }
        if recipe.stream == true {
            guard case .imageFolder(let path) = source, exampleShape.count == 3 else {
                throw PipelineError(
                    problem: "--stream reads an image folder batch by batch; --data \(recipe.data) is not a folder of images")
            }
            let loader = try StreamingDataLoader(
                path: path, channels: exampleShape[0], imageSize: recipe.imageSize,
                split: .train, batchSize: recipe.batchSize, seed: recipe.seed ^ dataSalt,
                horizontalFlip: recipe.horizontalFlip)
            guard loader.imageShape == exampleShape else {
                throw mismatch(
                    loader.imageShape,
                    hint: "pick a --preset or --model-config that matches the data, or an --image-size")
            }
            return loader
        }
        let loader: DataLoader
        if case .toy(let toy) = source {
            let points = try toy.sample(recipe.toySamples, seed: recipe.seed ^ toySalt)
            loader = try DataLoader(samples: points, batchSize: recipe.batchSize, seed: recipe.seed ^ dataSalt)
        } else {
            let (dataset, _) = try source.loadImages(
                split: .train,
                folderOptions: ImageFolder.Options(imageSize: recipe.imageSize))
            loader = try DataLoader(
                dataset: dataset, batchSize: recipe.batchSize, seed: recipe.seed ^ dataSalt,
                horizontalFlip: recipe.horizontalFlip)
        }
        let dataShape = Array(loader.samples.shape.dropFirst())
        guard dataShape == exampleShape else {
            throw mismatch(dataShape, hint: "pick a --preset or --model-config that matches the data")
        }
        return loader
    }

    /// The shape of one example `model` takes (`[C, H, W]`, or `[D]` for points).
    public static func exampleShape(of model: any DenoisingModel & Module) -> [Int] {
        DenoiserConfig(of: model)?.exampleShape ?? []
    }

    /// A new trainer for `recipe` writing into `out` (nothing is written before its first checkpoint).
    ///
    /// - Throws: ``PipelineError`` for data whose examples do not fit the network; what building the network, the loader or the `Trainer` throws.
    public static func trainer(
        for recipe: TrainingRecipe, configuration: TrainingConfiguration,
        out: URL, communicator: any TrainingCommunicator = SingleProcess()
    ) throws -> Trainer {
        let model = try model(for: recipe)
        let loader = try loader(for: recipe, exampleShape: exampleShape(of: model))
        let scheduler = try recipe.schedulerConfig()
        let trainer = try Trainer(
            model: model, diffusion: try scheduler.makeDiffusion(), data: loader,
            configuration: configuration, folder: trainingFolder(out: out), communicator: communicator)
        trainer.checkpointExtra[TrainingRecipe.checkpointKey] = try recipe.jsonText()
        if communicator.size > 1 { trainer.dataFingerprint = try dataFingerprint(loader, recipe: recipe) }
        trainer.onCheckpoint = { trainer in
            let folders = [out] + trainer.configuration.additionalEMADecays.map { emaFolder(out: out, decay: $0) }
            for (average, folder) in zip([trainer.ema] + trainer.additionalEMAs, folders) {
                try average.withAveragedParameters {
                    try DenoiserFolder.save(trainer.model, scheduler: scheduler, to: folder, conditioning: recipe.conditioning)
                }
            }
        }
        return trainer
    }

    /// A new run of `recipe` in `out`; refused when `out` already holds one.
    /// Over several processes every one builds the same trainer, checked by a
    /// fingerprint exchanged before the first step.
    public static func start(
        _ recipe: TrainingRecipe, configuration: TrainingConfiguration, out: URL,
        communicator: any TrainingCommunicator = SingleProcess()
    ) throws -> Trainer {
        if FileManager.default.fileExists(atPath: stateURL(out: out).path) {
            throw PipelineError(
                problem: "\(out.relativePath) already holds a training run; pass --resume to continue it or choose another --out")
        }
        let trainer = try trainer(for: recipe, configuration: configuration, out: out, communicator: communicator)
        try verifyAgreement(trainer, recipe: recipe)
        return trainer
    }

    /// A hash of what `loader` trains on: the images in memory, or the files of a streamed folder.
    static func dataFingerprint(_ loader: any TrainingBatchSource, recipe: TrainingRecipe) throws -> String {
        var hash = FNV1aHash()
        if let loader = loader as? DataLoader {
            hash.add(loader.samples.scalars)
        } else if case .imageFolder(let path) = try DataSource(parsing: recipe.data) {
            for (file, size, _) in try ImageSet.files(under: URL(fileURLWithPath: path)) { hash.add("\(file)|\(size)") }
        }
        return hash.hexadecimal
    }

    /// Refuses a run over several processes whose recipe, settings, weights or
    /// data differ between processes (a hash of each, gathered from every rank).
    static func verifyAgreement(_ trainer: Trainer, recipe: TrainingRecipe) throws {
        let communicator = trainer.communicator
        guard communicator.size > 1 else { return }
        var hash = FNV1aHash()
        hash.add(try recipe.jsonText())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        hash.add(String(decoding: try encoder.encode(trainer.configuration), as: UTF8.self))
        for (path, tensor) in trainer.model.namedParameters() {
            hash.add(path)
            hash.add(tensor.scalars)
        }
        hash.add(trainer.dataFingerprint)
        // The 64-bit hash as four 16-bit pieces, each exact in a Float.
        let encoded = (0..<4).map { Float((hash.value >> UInt64(16 * $0)) & 0xFFFF) }
        let all = try communicator.allGather(encoded)
        for rank in 0..<communicator.size where Array(all[(rank * 4)..<(rank * 4 + 4)]) != Array(all[0..<4]) {
            throw PipelineError(
                problem: "rank \(rank) has another run than rank 0 (recipe, settings, weights or data differ); "
                    + "start every rank with the same command, data and checkpoint")
        }
    }

    /// A resumed run.
    public struct Resumed {
        /// The trainer, restored to the checkpoint's step.
        public let trainer: Trainer
        /// The recipe the checkpoint carried.
        public let recipe: TrainingRecipe
        /// The checkpoint it was restored from.
        public let source: URL
    }

    /// The run in `out` restored from its last checkpoint, or from `snapshot`
    /// (a numbered snapshot of the same run), with `adjust` applied to its
    /// stored optimiser settings first (more steps, another checkpoint
    /// interval). Leftover temporary files of a run killed mid-write are
    /// removed first.
    public static func resume(
        out: URL, from snapshot: URL? = nil, communicator: any TrainingCommunicator = SingleProcess(),
        adjusting adjust: (inout TrainingConfiguration) -> Void = { _ in }
    ) throws -> Resumed {
        if communicator.rank == 0 { for folder in checkpointFolders(out: out) { AtomicFile.removeLeftovers(in: folder) } }
        let state = stateURL(out: out)
        let source = snapshot ?? state
        let checkpoint = try TrainingCheckpoint.read(from: source)
        let recipe = try TrainingRecipe(in: checkpoint, source: source.path)
        if source != state, FileManager.default.fileExists(atPath: state.path) {
            let current = try TrainingRecipe(in: try TrainingCheckpoint.read(from: state), source: state.path)
            guard current == recipe else {
                throw PipelineError(
                    problem: "\(source.path) is a snapshot of another run than the one in \(out.relativePath); "
                        + "resume it with its own --out")
            }
        }
        var configuration = checkpoint.configuration
        adjust(&configuration)
        let trainer = try trainer(for: recipe, configuration: configuration, out: out, communicator: communicator)
        try trainer.restore(checkpoint, source: source.path)
        try verifyAgreement(trainer, recipe: recipe)
        return Resumed(trainer: trainer, recipe: recipe, source: source)
    }

    /// `out/training`: the checkpoint, the log and the numbered snapshots.
    public static func trainingFolder(out: URL) -> URL { out.appendingPathComponent("training") }

    /// The checkpoint of the run in `out`.
    public static func stateURL(out: URL) -> URL {
        trainingFolder(out: out).appendingPathComponent(TrainingCheckpoint.fileName)
    }

    /// The model folder of an additional EMA rate: `OUT/ema-0.9999`.
    public static func emaFolder(out: URL, decay: Double) -> URL {
        out.appendingPathComponent("ema-\(decay)")
    }

    /// The folders a checkpoint writes into: the model folder, `training/`, its
    /// numbered snapshots and the model folders of further EMA rates (`ema-…`).
    public static func checkpointFolders(out: URL) -> [URL] {
        let training = trainingFolder(out: out)
        let averages = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
            .filter { $0.hasPrefix("ema-") }.sorted().map { out.appendingPathComponent($0) }
        return [out, training, training.appendingPathComponent("checkpoints")] + averages
    }
}
