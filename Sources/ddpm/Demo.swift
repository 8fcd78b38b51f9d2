import ArgumentParser
import Datasets
import Diffusion
import Foundation
import QualityMetrics
import NN
import Pipelines
import Tensors

/// `ddpm demo`: trains the `mnist-tiny` U-Net on the bundled MNIST digits,
/// with v-prediction, samples 64 digits with ancestral DDPM respaced to 100 steps and writes `demo/samples.png` and
/// `demo/loss.svg`. Run it again after Ctrl-C and it continues where it stopped.
/// With `--conditional` it trains on the digit labels with label dropout and
/// draws a 10×8 grid with classifier-free guidance, one digit per row (into
/// `demo-conditional/` by default).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small model on bundled MNIST and draw 64 digits (about 10 minutes on 2 cores).")

    @Option(help: "Output folder (default demo, or demo-conditional with --conditional).")
    var out: String?

    @Flag(help: "Train on the digit labels and draw one row per digit with classifier-free guidance.")
    var conditional = false

    @Option(help: "With --conditional: the guidance weight w ≥ 0 (default 3).")
    var guidance: Double?

    @Option(help: "Training steps.")
    var steps = Demo.defaultSteps

    @Option(name: .customLong("batch-size"), help: "Images per step.")
    var batchSize = Demo.defaultBatchSize

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    /// The demo's process: linear β, T = 1000, v-prediction. An ε-model trained this briefly errs in
    /// its image mean at the noisiest steps, where x̂0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ multiplies every error in ε̂
    /// by up to 1/√ᾱ_T ≈ 157; the error survives as a grey background (29–51 of 80 tiles of the
    /// conditional demo with ε, guided or not, with or without clipping; 0 with v).
    static let scheduler = SchedulerConfig(trainTimesteps: 1000, betaSchedule: "linear", prediction: .velocity)

    static let defaultSteps = 1500
    static let defaultBatchSize = 32

    /// The Fréchet distance of `samples` (in [−1, 1]) to the bundled training digits, in MNIST
    /// features (their statistics from the cache that `ddpm fid` and `train --fid-every` share).
    static func frechetDistance(of samples: Tensor) throws -> Double {
        let network = try MNISTFeatureNet.bundled()
        let reference = try ImageSet(trainingData: "mnist").statistics(in: network, cache: .standard)
        return try FrechetDistance.between(try network.statistics(of: samples), reference)
    }

    /// The output folder given or the default for the mode.
    var outFolder: String { out ?? (conditional ? "demo-conditional" : "demo") }

    func validate() throws {
        try Check.outputFolder(outFolder, flag: "--out")
        if let guidance {
            guard conditional else { throw ValidationError("--guidance applies to the --conditional demo only") }
            try Check.finite(guidance, flag: "--guidance", atLeast: 0)
        }
        try Check.within(steps, 1...10_000_000, flag: "--steps")
        try Check.within(batchSize, 1...4096, flag: "--batch-size")
    }

    @OptionGroup var threading: ThreadingOptions

    func run() throws {
        threading.apply()
        let out = outFolder
        let outURL = URL(fileURLWithPath: out)
        let modelURL = outURL.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let stateURL = modelURL.appendingPathComponent("training").appendingPathComponent(TrainingCheckpoint.fileName)
        let trainer: Trainer
        if FileManager.default.fileExists(atPath: stateURL.path) {
            let checkpoint = try TrainingCheckpoint.read(from: stateURL)
            var configuration = checkpoint.configuration
            configuration.steps = max(steps, checkpoint.step)
            let recipe = try TrainingRecipe(in: checkpoint, source: stateURL.path)
            if (recipe.conditioning != nil) != conditional {
                throw CommandError(
                    "\(modelURL.path) holds \(recipe.conditioning != nil ? "a class-conditional" : "an unconditional") demo run; "
                        + "\(conditional ? "drop" : "add") --conditional or choose another --out")
            }
            trainer = try TrainingRun.trainer(for: recipe, configuration: configuration, out: modelURL)
            try trainer.restore(checkpoint, source: stateURL.path)
            if checkpoint.step < configuration.steps {
                Terminal.printNote("continuing the demo run in \(modelURL.path) from step \(checkpoint.step)")
            }
        } else {
            var config = try UNetConfig.preset(named: "mnist-tiny")
            let conditioning = conditional ? ClassConditioning(classNames: (0..<10).map(String.init), classDropout: 0.1) : nil
            config.numClassEmbeds = conditioning?.embeddingCount
            let scheduler = Self.scheduler
            let recipe = try TrainingRecipe(
                data: "mnist", batchSize: batchSize, toySamples: 0, network: .unet(config),
                scheduler: scheduler, seed: seed, conditioning: conditioning)
            let configuration = TrainingConfiguration(
                steps: steps, learningRate: 1e-3, warmupSteps: 100,
                gradientClip: 1, emaDecay: 0.995, seed: seed,
                checkpointEvery: 250, classConditional: conditional,
                classDropout: conditioning?.classDropout ?? 0,
                nullClass: conditioning?.nullClass)
            trainer = try TrainingRun.trainer(for: recipe, configuration: configuration, out: modelURL)
            Terminal.printNote(
                "demo: training the \(conditional ? "class-conditional " : "")mnist-tiny U-Net (\(trainer.model.parameterCount) parameters) on "
                    + "4,500 bundled MNIST digits for \(steps) steps of \(batchSize); Ctrl-C saves, rerun to continue")
        }
        let start = Date()
        if trainer.step < trainer.configuration.steps {
            if case .interrupted(let step) = try TrainingLoop.run(trainer) {
                throw Interrupted(
                    description:
                        "demo interrupted at step \(step); run 'ddpm demo\(out == "demo" ? "" : " --out \(out)")' again to continue")
            }
        }
        let trainSeconds = Date().timeIntervalSince(start)
        let lossURL = outURL.appendingPathComponent("loss.svg")
        try LossCurve.write(logURL: trainer.logURL, to: lossURL)

        let loaded = try DenoiserFolder.load(from: modelURL)
        // Ancestral sampling is far more forgiving of a briefly trained model than
        // the deterministic samplers (DDIM, DPM-Solver++), whose digits come out grey and smeared.
        let sampler = try DDPMSampler(respacing: try loaded.scheduler.makeDiffusion(), steps: 100)
        let sampleStart = Date()
        let perClass = 8, guidance = self.guidance ?? 3
        let model: any DenoisingModel
        let labels: [Int]?
        if let conditioning = loaded.conditioning {
            model = try ClassifierFreeGuidance(
                model: loaded.model, scale: guidance, classCount: conditioning.classCount,
                nullClass: conditioning.nullClass, variance: loaded.scheduler.variance)
            labels = (0..<conditioning.classCount).flatMap { Array(repeating: $0, count: perClass) }
        } else {
            model = loaded.model
            labels = nil
        }
        let count = labels?.count ?? 64
        let samples = try SamplingLoop.draw(
            model: model, sampler: sampler, exampleShape: loaded.exampleShape,
            count: count, batchSize: 16, seed: seed, labels: labels)
        let samplesURL = outURL.appendingPathComponent("samples.png")
        try ImageGrid.write(samples.samples, toFile: samplesURL.path, columns: 8)
        let what = labels == nil ? "64 digits" : "\(perClass) of each digit (one row per digit, guidance w = \(guidance))"
        print(
            String(
                format: "trained in %.0f s, sampled %@ (DDPM, 100 steps) in %.0f s", trainSeconds,
                what as NSString, Date().timeIntervalSince(sampleStart)))
        do {
            let fid = try Self.frechetDistance(of: samples.samples)
            print(
                String(
                    format: "FID %.1f against the training digits (%d samples; %@; see 'ddpm fid --help')",
                    fid, count, MNISTFeatureNet.displayName))
        } catch {
            Terminal.printNote("FID not computed: \(CommandError.describe(error))")
        }
        print("samples:    \(samplesURL.path)")
        print("loss curve: \(lossURL.path)")
        print("model:      \(modelURL.path)  (try: ddpm sample --model \(modelURL.path) --grid more.png)")
    }
}
