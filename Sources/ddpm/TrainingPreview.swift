import Datasets
import Diffusion
import Foundation
import NN
import Pipelines
import Tensors

/// `train --sample-every N`: every N steps, a grid drawn from the EMA weights with a
/// fixed seed (so successive grids show the same noise becoming digits), written to
/// OUT/samples/step-00001000.png. Drawing it touches no training state: the
/// weights are put back and no random stream of the trainer is used, so a run
/// with previews gives the same bits as one without.
struct TrainingPreview {
    let every: Int
    let count: Int
    let folder: URL
    let exampleShape: [Int]
    /// One label per image (cycling through the classes) for a class-conditional model.
    let labels: [Int]?

    /// The sampler of the previews: DPM-Solver++ 2M, 20 steps (fewer if T is small).
    func sampler(_ diffusion: GaussianDiffusion) throws -> any Sampler {
        try DPMSolverPlusPlus(diffusion: diffusion, steps: Swift.min(20, diffusion.schedule.count))
    }

    /// The grid's path for `step`.
    func url(step: Int) -> URL {
        folder.appendingPathComponent("step-" + String(repeating: "0", count: Swift.max(0, 8 - String(step).count)) + "\(step).png")
    }

    /// Draws and writes the grid for the trainer's current step.
    func write(_ trainer: Trainer) throws {
        trainer.ema.storeParameters()
        trainer.ema.copyToParameters()
        trainer.model.setTraining(false)
        defer {
            trainer.ema.restoreParameters()
            trainer.model.setTraining(true)
        }
        let pipeline = try BatchedSampling(
            model: trainer.model, sampler: try sampler(trainer.diffusion), exampleShape: exampleShape,
            batchSize: count, seed: 0)
        let samples = try pipeline.draw(count: count, labels: labels).samples
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ImageGrid.write(samples, toFile: url(step: trainer.step).path, columns: Int(Double(count).squareRoot().rounded(.up)))
    }
}
