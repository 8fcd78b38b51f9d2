import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `ddpm train --data DIR --stream`: the same bits as reading the folder whole, resumable.
final class StreamedTrainingCommandTests: XCTestCase {
    func testStreamedFolderTrainsTheSameBitsAndResumes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-stream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = folder.appendingPathComponent("images")
        var generator = RandomGenerator(seed: 4)
        for i in 0..<24 {
            let (width, height) = i % 2 == 0 ? (10, 10) : (12, 9)
            let samples = (0..<(width * height * 3)).map { _ in UInt16(generator.nextInt(below: 256)) }
            let url = images.appendingPathComponent(["a", "b", "c"][i % 3] + "/\(i).png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try PNG.write(PixelImage(width: width, height: height, colorModel: .rgb, samples: samples), toFile: url.path)
        }
        let configPath = try TinyUNet.write(channels: 3, in: folder)
        func train(_ out: URL, steps: Int, stream: Bool) -> [String] {
            [
                "train", "--data", images.path, "--image-size", "8", "--flip", "--conditional", "--model-config", configPath,
                "--steps", String(steps), "--batch-size", "4", "--timesteps", "50", "--out", out.path, "--threads", "1",
            ]
                + (stream ? ["--stream"] : [])
        }
        func run(_ arguments: [String]) throws {
            var command = try DDPM.parseAsRoot(Train.normalizingResume(arguments))
            try command.run()
        }
        func state(_ out: URL) throws -> TrainingCheckpoint {
            try TrainingCheckpoint.read(from: out.appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        }
        // 8 steps of 4 cover the 21 training images (24 less every tenth) more than once.
        let whole = folder.appendingPathComponent("whole"), streamed = folder.appendingPathComponent("streamed")
        try run(train(whole, steps: 8, stream: false))
        try run(train(streamed, steps: 5, stream: true))
        try run(["train", "--out", streamed.path, "--resume", "--steps", "8", "--threads", "1"])
        let a = try state(whole), b = try state(streamed)
        XCTAssertEqual(a.step, 8)
        XCTAssertEqual(a.dataPosition, b.dataPosition)
        XCTAssertTrue(a.modelWeights.mapValues(\.scalars) == b.modelWeights.mapValues(\.scalars), "streamed = read whole")
        XCTAssertTrue(a.ema == b.ema)
        XCTAssertThrowsError(
            try run([
                "train", "--data", "digits", "--stream", "--steps", "1",
                "--out", folder.appendingPathComponent("digits").path,
            ])
        ) { error in
            XCTAssertTrue(CommandError.describe(error).contains("--stream reads an image folder"), CommandError.describe(error))
        }
    }
}
