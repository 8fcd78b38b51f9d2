import Datasets
import Diffusion
import Foundation
import Pipelines

/// `train --sample-every N`: every N steps, a grid of `TrainingSamples` (EMA
/// weights, fixed seed, so successive grids show the same noise becoming
/// digits) written to OUT/samples/step-00001000.png.
struct TrainingPreview {
    let every: Int
    let samples: TrainingSamples
    let folder: URL

    /// The grid's path for `step`.
    func url(step: Int) -> URL {
        folder.appendingPathComponent("step-" + String(repeating: "0", count: Swift.max(0, 8 - String(step).count)) + "\(step).png")
    }

    /// Draws and writes the grid for the trainer's current step.
    func write(_ trainer: Trainer) throws {
        let images = try samples.draw(from: trainer)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ImageGrid.write(
            images, toFile: url(step: trainer.step).path, columns: Int(Double(samples.count).squareRoot().rounded(.up)))
    }
}
