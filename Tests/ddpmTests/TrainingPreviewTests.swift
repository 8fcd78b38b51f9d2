import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `train --sample-every N` writes a grid every N steps and leaves the run's bits as they were.
final class TrainingPreviewTests: XCTestCase {
    func testPreviewsAreWrittenAndDoNotChangeTheRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-preview-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = UNetConfig(
            sampleSize: 8, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4)
        let configURL = folder.appendingPathComponent("tiny.json")
        try config.jsonData().write(to: configURL)
        func train(_ name: String, _ extra: [String]) throws -> TrainingCheckpoint {
            let out = folder.appendingPathComponent(name).path
            var command = try DDPM.parseAsRoot(
                [
                    "train", "--data", "digits", "--model-config", configURL.path, "--steps", "4",
                    "--batch-size", "4", "--timesteps", "50", "--out", out, "--threads", "1",
                ] + extra)
            try command.run()
            return try TrainingCheckpoint.read(
                from: URL(fileURLWithPath: out).appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        }
        let plain = try train("plain", [])
        let watched = try train("watched", ["--sample-every", "2", "--sample-n", "9"])
        XCTAssertEqual(watched.modelWeights.mapValues(\.scalars), plain.modelWeights.mapValues(\.scalars))
        XCTAssertEqual(watched.ema.shadow, plain.ema.shadow)
        for step in [2, 4] {
            let grid = try PNG.read(contentsOfFile: folder.appendingPathComponent("watched/samples/step-0000000\(step).png").path)
            XCTAssertEqual(grid.width, 3 * 10 + 2, "a 3×3 grid of 8×8 images")
        }
        XCTAssertThrowsError(try DDPM.parseAsRoot(["train", "--data", "digits", "--sample-n", "4"]))
    }
}
