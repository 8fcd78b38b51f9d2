import ArgumentParser
import Datasets
import Diffusion
import Foundation
import NN

/// `ddpm demo`: trains the `mnist-tiny` U-Net on the bundled MNIST digits,
/// samples 64 digits with DPM-Solver++ and writes `demo/samples.png` and
/// `demo/loss.svg`. Run it again after Ctrl-C and it continues where it stopped.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small model on bundled MNIST and draw 64 digits (about 10 minutes on 2 cores).")

    @Option(help: "Output folder.")
    var out = "demo"

    @Option(help: "Training steps.")
    var steps = Demo.defaultSteps

    @Option(name: .customLong("batch-size"), help: "Images per step.")
    var batchSize = Demo.defaultBatchSize

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    static let defaultSteps = 600
    static let defaultBatchSize = 32

    func validate() throws {
        try Check.outputFolder(out, flag: "--out")
        try Check.within(steps, 1...10_000_000, flag: "--steps")
        try Check.within(batchSize, 1...4096, flag: "--batch-size")
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let modelURL = outURL.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let stateURL = modelURL.appendingPathComponent("training").appendingPathComponent(TrainingCheckpoint.fileName)
        let trainer: Trainer
        if FileManager.default.fileExists(atPath: stateURL.path) {
            let checkpoint = try TrainingCheckpoint.read(from: stateURL)
            var configuration = checkpoint.configuration
            configuration.steps = max(steps, checkpoint.step)
            trainer = try TrainingRun.makeTrainer(try TrainingRun.description(in: checkpoint, source: stateURL.path),
                                                  configuration: configuration, out: modelURL)
            try trainer.restore(checkpoint, source: stateURL.path)
            if checkpoint.step < configuration.steps {
                Terminal.printNote("continuing the demo run in \(modelURL.path) from step \(checkpoint.step)")
            }
        } else {
            let config = try UNetConfig.preset(named: "mnist-tiny")
            let scheduler = SchedulerConfig(trainTimesteps: 1000, betaSchedule: "linear")
            let run = RunDescription(data: "mnist", batchSize: batchSize, horizontalFlip: false, imageSize: nil,
                                     toySamples: 0, modelClass: "UNet2DModel",
                                     modelConfig: String(decoding: config.jsonData(), as: UTF8.self),
                                     scheduler: String(decoding: scheduler.jsonData(), as: UTF8.self), seed: seed)
            let configuration = TrainingConfiguration(steps: steps, learningRate: 1e-3, warmupSteps: 100,
                                                      gradientClip: 1, emaDecay: 0.995, seed: seed,
                                                      checkpointEvery: 250)
            trainer = try TrainingRun.makeTrainer(run, configuration: configuration, out: modelURL)
            Terminal.printNote("demo: training the mnist-tiny U-Net (\(trainer.model.parameterCount) parameters) on "
                + "4,500 bundled MNIST digits for \(steps) steps of \(batchSize); Ctrl-C saves, rerun to continue")
        }
        let start = Date()
        if trainer.step < trainer.configuration.steps {
            if case .interrupted(let step) = try TrainingRun.run(trainer) {
                throw Interrupted(description: "demo interrupted at step \(step); run 'ddpm demo\(out == "demo" ? "" : " --out \(out)")' again to continue")
            }
        }
        let trainSeconds = Date().timeIntervalSince(start)
        let lossURL = outURL.appendingPathComponent("loss.svg")
        try LossCurve.write(logURL: trainer.logURL, to: lossURL)

        let loaded = try DenoiserFolder.load(from: modelURL)
        let sampler = try DPMSolverPlusPlus(diffusion: try loaded.scheduler.makeDiffusion(), steps: 20)
        let sampleStart = Date()
        let samples = try Sample.draw(model: loaded.model, sampler: sampler, exampleShape: loaded.exampleShape,
                                      count: 64, batchSize: 16, seed: seed, classLabel: nil)
        let samplesURL = outURL.appendingPathComponent("samples.png")
        try ImageGrid.write(samples.samples, toFile: samplesURL.path, columns: 8)
        print(String(format: "trained in %.0f s, sampled 64 digits (DPM-Solver++, 20 steps) in %.0f s", trainSeconds,
                     Date().timeIntervalSince(sampleStart)))
        print("samples:    \(samplesURL.path)")
        print("loss curve: \(lossURL.path)")
        print("model:      \(modelURL.path)  (try: ddpm sample --model \(modelURL.path) --grid more.png)")
    }
}
