import Datasets
import Diffusion
import Foundation
import NN
import Tensors

/// Everything that decides a training run besides the optimiser settings: the
/// data, the batch, the network and the noise schedule. Stored as JSON in every
/// checkpoint (`extra/run`) so `--resume` rebuilds exactly the same run.
struct RunDescription: Codable, Equatable {
    var data: String
    var batchSize: Int
    var horizontalFlip: Bool
    /// Images of a folder are resized / centre-cropped to this size.
    var imageSize: Int?
    /// Points drawn once from a toy distribution to train on.
    var toySamples: Int
    /// `DenoiserConfig.className`: "UNet2DModel" or "MLPDenoiser".
    var modelClass: String
    /// The network's `config.json` text.
    var modelConfig: String
    /// The `scheduler_config.json` text.
    var scheduler: String
    /// Seeds the weights, the data order and the toy points (the trainer's draws use it too).
    var seed: UInt64
    /// The classes and null class of a class-conditional run (nil: unconditional).
    var conditioning: ClassConditioning?
    /// Decode the folder's images batch by batch instead of all at the start (`--stream`).
    var stream: Bool?

    static let extraKey = "run"
}

/// Builds a `Trainer` from a run description: loads the data, checks it fits
/// the network, initialises the network, and exports the EMA weights as a
/// model folder at every checkpoint.
enum TrainingRun {
    /// Salts that give the weights, data order and toy points their own random streams.
    static let modelSalt: UInt64 = 0x6D6F_6465_6C00, dataSalt: UInt64 = 0x6461_7461_0000, toySalt: UInt64 = 0x746F_7900_0000

    static func makeModel(_ run: RunDescription) throws -> any DenoisingModel & Module {
        var generator = RandomGenerator(seed: run.seed ^ modelSalt)
        let diffusion = try SchedulerConfig.parse(Data(run.scheduler.utf8)).makeDiffusion()
        return try DenoiserConfig.parse(Data(run.modelConfig.utf8)).makeModel(diffusion: diffusion, generator: &generator)
    }

    /// The training data as a loader over the train split (or the toy points), or for `--stream`
    /// a loader that decodes the folder's images as batches need them.
    static func makeLoader(_ run: RunDescription, exampleShape: [Int]) throws -> any TrainingBatchSource {
        let source = try DataSource(parsing: run.data)
        if run.stream == true {
            guard case .imageFolder(let path) = source, exampleShape.count == 3 else {
                throw CommandError("--stream reads an image folder batch by batch; --data \(run.data) is not a folder of images")
            }
            let loader = try StreamingDataLoader(path: path, channels: exampleShape[0], imageSize: run.imageSize,
                                                 split: .train, batchSize: run.batchSize, seed: run.seed ^ dataSalt,
                                                 horizontalFlip: run.horizontalFlip)
            guard loader.imageShape == exampleShape else {
                throw CommandError("the model takes examples of shape \(exampleShape.map(String.init).joined(separator: "×")) "
                    + "but --data \(run.data) has \(loader.imageShape.map(String.init).joined(separator: "×")); "
                    + "pick a --preset or --model-config that matches the data, or an --image-size")
            }
            return loader
        }
        let loader: DataLoader
        if case .toy(let toy) = source {
            let points = try toy.sample(run.toySamples, seed: run.seed ^ toySalt)
            loader = try DataLoader(samples: points, batchSize: run.batchSize, seed: run.seed ^ dataSalt)
        } else {
            let (dataset, _) = try source.loadImages(split: .train, folderOptions: ImageFolder.Options(imageSize: run.imageSize))
            loader = try DataLoader(dataset: dataset, batchSize: run.batchSize, seed: run.seed ^ dataSalt,
                                    horizontalFlip: run.horizontalFlip)
        }
        let dataShape = Array(loader.samples.shape.dropFirst())
        guard dataShape == exampleShape else {
            throw CommandError("the model takes examples of shape \(exampleShape.map(String.init).joined(separator: "×")) "
                + "but --data \(run.data) has \(dataShape.map(String.init).joined(separator: "×")); "
                + "pick a --preset or --model-config that matches the data")
        }
        return loader
    }

    /// The shape of one example the network takes.
    static func exampleShape(of model: any DenoisingModel & Module) -> [Int] {
        DenoiserConfig(of: model)?.exampleShape ?? []
    }

    /// A trainer for `run` writing into `out` (the model folder; state in `out/training`).
    static func makeTrainer(_ run: RunDescription, configuration: TrainingConfiguration, out: URL) throws -> Trainer {
        let model = try makeModel(run)
        let loader = try makeLoader(run, exampleShape: exampleShape(of: model))
        let scheduler = try SchedulerConfig.parse(Data(run.scheduler.utf8))
        let trainer = try Trainer(model: model, diffusion: try scheduler.makeDiffusion(), data: loader,
                                  configuration: configuration, folder: out.appendingPathComponent("training"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        trainer.checkpointExtra[RunDescription.extraKey] = String(decoding: try encoder.encode(run), as: UTF8.self)
        trainer.onCheckpoint = { trainer in
            let folders = [out] + trainer.configuration.additionalEMADecays.map { emaFolder(out: out, decay: $0) }
            for (average, folder) in zip([trainer.ema] + trainer.additionalEMAs, folders) {
                average.storeParameters()
                average.copyToParameters()
                defer { average.restoreParameters() }
                try DenoiserFolder.save(trainer.model, scheduler: scheduler, to: folder, conditioning: run.conditioning)
            }
        }
        return trainer
    }

    /// The model folder of an additional EMA rate: `OUT/ema-0.9999`.
    static func emaFolder(out: URL, decay: Double) -> URL {
        out.appendingPathComponent("ema-\(decay)")
    }

    /// The run description saved in a checkpoint.
    static func description(in checkpoint: TrainingCheckpoint, source: String) throws -> RunDescription {
        guard let text = checkpoint.extra[RunDescription.extraKey],
              let run = try? JSONDecoder().decode(RunDescription.self, from: Data(text.utf8)) else {
            throw CommandError("\(source): the training state has no readable run description (extra/run); it was not written by 'ddpm train'")
        }
        return run
    }

    /// Runs `trainer` with a progress bar and Ctrl-C handling; returns the outcome.
    /// With `preview`, writes its grid every `preview.every` steps (a failed write is reported, not fatal).
    static func run(_ trainer: Trainer, label: String = "train", preview: TrainingPreview? = nil) throws -> TrainingOutcome {
        let stop = StopSignal()
        let bar = ProgressBar(total: trainer.configuration.steps, label: label, startStep: trainer.step)
        defer { bar.finish() }
        return try trainer.run(shouldStop: { stop.isRequested }) { report in
            bar.update(step: report.step, loss: Double(report.loss))
            if let preview, report.step % preview.every == 0 {
                do {
                    try preview.write(trainer)
                } catch {
                    Terminal.printNote("preview at step \(report.step) not written: \(CommandError.describe(error))")
                }
            }
        }
    }
}
