import ArgumentParser
import Datasets
import Diffusion
import Foundation
import XCTest
@testable import ddpm

#if JPEG
    /// `ddpm train --data DIR` on a folder of JPEG files as cameras and tools write them (baseline,
    /// progressive, grey, EXIF-rotated, different sizes) in class sub-folders: trains, resumes bit for
    /// bit, samples. Runs in the build with the package trait JPEG.
    final class JPEGFolderCommandTests: XCTestCase {
        func testTrainOnAJPEGFolderResumeAndSample() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-jpeg-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../DatasetsTests/Fixtures/jpeg").standardized
            let images = folder.appendingPathComponent("photos")
            for (name, target) in [
                ("rgb420", "cats/1.jpg"), ("progressive", "cats/2.jpeg"), ("orientation-6", "cats/3.JPG"),
                ("gray", "dogs/4.jpg"), ("restart", "dogs/5.jpg"), ("rgb444", "dogs/6.jpg"),
            ] {
                let url = images.appendingPathComponent(target)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name + ".jpg"), to: url)
            }
            let configPath = try TinyUNet.write(channels: 3, in: folder)
            func train(_ out: URL, steps: Int) -> [String] {
                [
                    "train", "--data", images.path, "--image-size", "8", "--flip", "--conditional", "--model-config", configPath,
                    "--steps", String(steps), "--batch-size", "4", "--timesteps", "50", "--checkpoint-every", "2", "--out", out.path,
                    "--threads", "1",
                ]
            }
            func run(_ arguments: [String]) throws {
                var command = try DDPM.parseAsRoot(arguments)
                try command.run()
            }
            let straight = folder.appendingPathComponent("straight"), split = folder.appendingPathComponent("split")
            try run(train(straight, steps: 4))
            try run(train(split, steps: 2))
            try run(["train", "--out", split.path, "--resume", "--steps", "4", "--threads", "1"])
            let state = "training/" + TrainingCheckpoint.fileName
            XCTAssertEqual(
                try Data(contentsOf: straight.appendingPathComponent(state)),
                try Data(contentsOf: split.appendingPathComponent(state)), "resumed on folder data, the same bits")
            let loaded = try DenoiserFolder.load(from: straight)
            XCTAssertEqual(loaded.exampleShape, [3, 8, 8])
            XCTAssertEqual(loaded.conditioning?.classNames, ["cats", "dogs"])
            let grid = folder.appendingPathComponent("grid.png").path
            try run(["sample", "--model", straight.path, "--class", "1", "--n", "2", "--steps", "3", "--grid", grid])
            XCTAssertEqual(try PNG.read(contentsOfFile: grid).colorModel, .rgb)
        }
    }
#endif
