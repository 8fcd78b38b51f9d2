import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `ddpm train --self-condition` end to end: the folder says so, sampling and eval work on it with
/// every sampler, a conditional self-conditioned run guides, and resume keeps it bit for bit.
final class SelfConditioningCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-selfcond-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tinyConfig() throws -> String { try TinyUNet.write(in: folder) }

    private func run(_ arguments: [String]) throws {
        var command = try DDPM.parseAsRoot(Train.normalizingResume(arguments))
        try command.run()
    }

    func testSelfConditionedTrainSampleAndResume() throws {
        let out = folder.appendingPathComponent("model")
        try run([
            "train", "--data", "digits", "--model-config", try tinyConfig(), "--self-condition", "--conditional",
            "--steps", "6", "--batch-size", "4", "--checkpoint-every", "3", "--out", out.path, "--threads", "1",
        ])
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any]
        XCTAssertEqual(config?["self_condition"] as? Bool, true)
        XCTAssertEqual(config?["in_channels"] as? Int, 2)
        XCTAssertEqual(config?["out_channels"] as? Int, 1)
        let loaded = try DenoiserFolder.load(from: out)
        XCTAssertEqual(loaded.exampleShape, [1, 8, 8])
        XCTAssertTrue(loaded.model is SelfConditionedDenoiser)

        for sampler in ["ddpm", "ddim", "dpm++", "unipc", "euler", "heun"] {
            let npy = folder.appendingPathComponent("\(sampler).npy")
            try run([
                "sample", "--model", out.path, "--sampler", sampler, "--steps", "4", "--n", "3", "--class", "2",
                "--guidance", "2", "--npy", npy.path, "--threads", "1",
            ])
            let images = try NPY.read(contentsOfFile: npy.path)
            XCTAssertEqual(images.shape, [3, 8, 8], sampler)
        }
        try run(["eval", "--model", out.path, "--data", "digits", "--n", "4", "--stride", "100", "--steps", "3", "--threads", "1"])

        // Interrupted at step 3 and resumed: the same bits as the straight run.
        let straight = try TrainingCheckpoint.read(from: out.appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        let split = folder.appendingPathComponent("split")
        try run([
            "train", "--data", "digits", "--model-config", try tinyConfig(), "--self-condition", "--conditional",
            "--steps", "3", "--batch-size", "4", "--checkpoint-every", "3", "--out", split.path, "--threads", "1",
        ])
        try run(["train", "--out", split.path, "--resume", "--steps", "6", "--threads", "1"])
        let resumed = try TrainingCheckpoint.read(from: split.appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        XCTAssertTrue(resumed.modelWeights.mapValues(\.scalars) == straight.modelWeights.mapValues(\.scalars))
        XCTAssertTrue(resumed.ema == straight.ema)

        // The option changes training, and it is refused where it has no meaning.
        let plain = folder.appendingPathComponent("plain")
        try run([
            "train", "--data", "digits", "--model-config", try tinyConfig(), "--conditional",
            "--steps", "6", "--batch-size", "4", "--out", plain.path, "--threads", "1",
        ])
        XCTAssertEqual(try DenoiserFolder.load(from: plain).exampleShape, [1, 8, 8])
        XCTAssertFalse(try DenoiserFolder.load(from: plain).model is SelfConditionedDenoiser)
        XCTAssertThrowsError(
            try run([
                "train", "--data", "toy:two-moons", "--self-condition", "--steps", "2",
                "--out", folder.appendingPathComponent("toy").path,
            ])
        ) { error in
            XCTAssertTrue(CommandError.describe(error).contains("--self-condition is for U-Nets"), CommandError.describe(error))
        }
        XCTAssertThrowsError(try run(["train", "--out", split.path, "--resume", "--self-condition"])) { error in
            XCTAssertTrue(DDPM.message(for: error).contains("--self-condition"), DDPM.message(for: error))
        }
    }
}
