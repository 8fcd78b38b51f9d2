import Datasets
import Diffusion
import Foundation
import Pipelines
import XCTest

/// The README's "From Swift" example, kept compiling and running here (with
/// fewer steps and images, and a temporary folder).
final class ReadmeExampleTests: XCTestCase {
    func testTheExampleRuns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (steps, count) = (3, 4)

        // The README's lines, from here to the end of the test.
        var choices = TrainingChoices(data: "digits")  // or "mnist", a folder, an IDX file
        choices.prediction = .velocity
        let recipe = try TrainingRecipe(choosing: choices)  // digits → the digits-tiny U-Net
        let configuration = TrainingConfiguration(steps: steps, learningRate: 1e-3, checkpointEvery: steps)
        let trainer = try TrainingRun.start(recipe, configuration: configuration, out: folder)
        _ = try trainer.run()  // EMA weights → folder, a diffusers model folder

        let loaded = try DenoiserFolder.load(from: folder)
        let diffusion = try loaded.scheduler.makeDiffusion()
        let sampler = try DPMSolverPlusPlus(diffusion: diffusion, steps: 20)
        let drawing = try BatchedSampling(
            model: loaded.model, sampler: sampler, exampleShape: loaded.exampleShape,
            batchSize: 32, seed: 7)
        let samples = try drawing.draw(count: count).samples  // [count, 1, 8, 8] in [−1, 1]
        try ImageGrid.write(samples, toFile: folder.appendingPathComponent("samples.png").path)

        let test = try DataSource(parsing: "digits").loadImages(split: .test).dataset
        let evaluation = try ModelEvaluation(model: loaded.model, diffusion: diffusion, conditional: false, batchSize: 64)
        let bound = try evaluation.bitsPerDimension(try test.subset(Array(0..<count)), stride: 100, seed: 0)
        print("bits/dim ≤ \(bound.total)")

        XCTAssertEqual(samples.shape, [count, 1, 8, 8])
        XCTAssertTrue(bound.total.isFinite && bound.total > 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("samples.png").path))
    }
}
