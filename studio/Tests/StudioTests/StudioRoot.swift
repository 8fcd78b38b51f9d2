import Datasets
import Diffusion
import Foundation
import NN
import Tensors

/// A root folder as a user has one: two model folders (an unconditional 8×8 U-Net and a
/// class-conditional one with a null class, random weights), a training run with its
/// log, checkpoint header and preview grids, a file outside the root and a symbolic
/// link pointing at it.
struct StudioRoot {
    let url: URL
    /// A folder beside the root, holding what must never be served.
    let outside: URL

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("studio-\(UUID().uuidString)")
        url = base.appendingPathComponent("root")
        outside = base.appendingPathComponent("outside")
        let fm = FileManager.default
        try fm.createDirectory(at: url, withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        try fm.createSymbolicLink(at: url.appendingPathComponent("escape"), withDestinationURL: outside)

        let scheduler = SchedulerConfig(trainTimesteps: 100, betaSchedule: "linear", prediction: .epsilon, variance: .fixedSmall)
        var generator = RandomGenerator(seed: 1)
        let plain = try UNet2DModel(config: try UNetConfig.preset(named: "digits-tiny"), generator: &generator)
        try DenoiserFolder.save(plain, scheduler: scheduler, to: url.appendingPathComponent("models/digits"))
        var conditional = try UNetConfig.preset(named: "digits-tiny")
        conditional.numClassEmbeds = 11
        let guided = try UNet2DModel(config: conditional, generator: &generator)
        try DenoiserFolder.save(
            guided, scheduler: scheduler, to: url.appendingPathComponent("models/conditional"),
            conditioning: ClassConditioning(classNames: (0..<10).map(String.init), classDropout: 0.1))

        // A diffusers pipeline folder, as google/ddpm-cifar10-32 ships: unet/ and scheduler/ inside.
        let pipeline = url.appendingPathComponent("models/pipeline")
        try DenoiserFolder.save(plain, scheduler: scheduler, to: pipeline.appendingPathComponent("unet"))
        try fm.createDirectory(at: pipeline.appendingPathComponent("scheduler"), withIntermediateDirectories: true)
        try fm.moveItem(
            at: pipeline.appendingPathComponent("unet/scheduler_config.json"),
            to: pipeline.appendingPathComponent("scheduler/scheduler_config.json"))
        try Data(#"{"_class_name": "DDPMPipeline", "unet": ["diffusers", "UNet2DModel"]}"#.utf8)
            .write(to: pipeline.appendingPathComponent("model_index.json"))

        let run = url.appendingPathComponent("runs/first")
        let training = run.appendingPathComponent("training")
        try fm.createDirectory(at: training, withIntermediateDirectories: true)
        let log = try TrainingLog(url: training.appendingPathComponent(TrainingLog.fileName), continuingAfter: 0)
        for step in 1...40 {
            try log.append(
                TrainingLogEntry(
                    step: step, loss: 1 / Double(step), lossQuartiles: [0.5, 1, nil, 2], learningRate: 1e-3, gradientNorm: 1,
                    seconds: Double(step) / 10, fid: step == 40 ? 55.5 : nil))
        }
        // The run trained on a folder of images under the root, named relative to it.
        let images = url.appendingPathComponent("images")
        try fm.createDirectory(at: images, withIntermediateDirectories: true)
        for k in 0..<3 {
            let picture = try PixelImage(tensor: Tensor(shape: [1, 8, 8], scalars: (0..<64).map { Float(($0 + 16 * k) % 64) / 32 - 1 }))
            try PNG.write(picture, toFile: images.appendingPathComponent("digit-\(k).png").path)
        }
        try SafetensorsWriter.write(
            ["w": Tensor([1])],
            metadata: ["step": "40", "configuration": #"{"steps": 100}"#, "extra/run": #"{"data": "images", "batchSize": 4}"#],
            to: training.appendingPathComponent("state.safetensors"))
        // A second run trained on data outside the root: the studio must not read it.
        let elsewhere = url.appendingPathComponent("runs/elsewhere/training")
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: training.appendingPathComponent(TrainingLog.fileName), to: elsewhere.appendingPathComponent(TrainingLog.fileName))
        try SafetensorsWriter.write(
            ["w": Tensor([1])],
            metadata: ["step": "40", "configuration": #"{"steps": 100}"#, "extra/run": #"{"data": "\#(outside.path)"}"#],
            to: elsewhere.appendingPathComponent("state.safetensors"))
        let samples = run.appendingPathComponent("samples")
        try fm.createDirectory(at: samples, withIntermediateDirectories: true)
        let grid = try ImageGrid.make(Tensor(shape: [4, 1, 8, 8], scalars: (0..<256).map { Float($0 % 16) / 8 - 1 }))
        try PNG.write(grid, toFile: samples.appendingPathComponent("step-00000040.png").path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }
}
