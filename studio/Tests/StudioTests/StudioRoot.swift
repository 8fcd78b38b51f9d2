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
        try SafetensorsWriter.write(
            ["w": Tensor([1])], metadata: ["step": "40", "configuration": #"{"steps": 100}"#],
            to: training.appendingPathComponent("state.safetensors"))
        let samples = run.appendingPathComponent("samples")
        try fm.createDirectory(at: samples, withIntermediateDirectories: true)
        let grid = try ImageGrid.make(Tensor(shape: [4, 1, 8, 8], scalars: (0..<256).map { Float($0 % 16) / 8 - 1 }))
        try PNG.write(grid, toFile: samples.appendingPathComponent("step-00000040.png").path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }
}
