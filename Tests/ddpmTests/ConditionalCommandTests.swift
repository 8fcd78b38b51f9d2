import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `ddpm train --conditional`, `ddpm sample --class … --guidance …` end to end on a tiny network.
final class ConditionalCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-cond-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func tinyConfig() throws -> String { try TinyUNet.write(in: folder) }

    private func run(_ arguments: [String]) throws {
        var command = try DDPM.parseAsRoot(arguments)
        try command.run()
    }

    private func failureMessage(_ arguments: [String]) -> String {
        do {
            try run(arguments)
            XCTFail("\(arguments) succeeded")
            return ""
        } catch {
            return error is ValidationError || DDPM.exitCode(for: error) != .failure
                ? DDPM.message(for: error) : CommandError.describe(error)
        }
    }

    func testConditionalTrainAndGuidedSampling() throws {
        let out = folder.appendingPathComponent("model").path
        try run([
            "train", "--data", "digits", "--conditional", "--class-dropout", "0.2", "--model-config", try tinyConfig(),
            "--steps", "2", "--batch-size", "4", "--out", out,
        ])
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: out))
        XCTAssertEqual(loaded.classCount, 10)
        XCTAssertEqual(loaded.conditioning, ClassConditioning(classNames: (0..<10).map(String.init), classDropout: 0.2))
        XCTAssertEqual((loaded.model as? UNet2DModel)?.config.numClassEmbeds, 11)
        let checkpoint = try TrainingCheckpoint.read(
            from: URL(fileURLWithPath: out).appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        XCTAssertEqual(checkpoint.configuration.classDropout, 0.2)
        XCTAssertEqual(checkpoint.configuration.nullClass, 10)
        XCTAssertTrue(checkpoint.configuration.classConditional)

        // --class all: one row of --n samples per class.
        let grid = folder.appendingPathComponent("all.png").path
        let allNPY = folder.appendingPathComponent("all.npy").path
        try run([
            "sample", "--model", out, "--class", "all", "--n", "3", "--guidance", "3", "--steps", "2",
            "--sampler", "ddim", "--grid", grid, "--npy", allNPY,
        ])
        XCTAssertEqual(try NPY.read(contentsOfFile: allNPY).shape, [30, 8, 8])
        let image = try PNG.read(contentsOfFile: grid)
        XCTAssertEqual(image.width, 3 * 8 + 4 * 2)
        XCTAssertEqual(image.height, 10 * 8 + 11 * 2)

        // One class, guided and unguided; and unconditional samples through the null class when no --class is given.
        let seven = folder.appendingPathComponent("seven.npy").path, plain = folder.appendingPathComponent("plain.npy").path
        let unconditional = folder.appendingPathComponent("null.npy").path
        try run(["sample", "--model", out, "--class", "7", "--guidance", "3", "--n", "2", "--steps", "2", "--npy", seven])
        try run(["sample", "--model", out, "--class", "7", "--n", "2", "--steps", "2", "--npy", plain])
        try run(["sample", "--model", out, "--n", "2", "--steps", "2", "--npy", unconditional])
        XCTAssertNotEqual(try NPY.read(contentsOfFile: seven).scalars, try NPY.read(contentsOfFile: plain).scalars)
        XCTAssertNotEqual(try NPY.read(contentsOfFile: plain).scalars, try NPY.read(contentsOfFile: unconditional).scalars)

        let png = folder.appendingPathComponent("x.png").path
        XCTAssertTrue(failureMessage(["sample", "--model", out, "--class", "10", "--grid", png]).contains("out of range"))
        XCTAssertTrue(failureMessage(["sample", "--model", out, "--class", "seven", "--grid", png]).contains("--class"))
        XCTAssertTrue(failureMessage(["sample", "--model", out, "--class", "1", "--guidance", "-1", "--grid", png]).contains("--guidance"))
        XCTAssertTrue(
            failureMessage(["sample", "--model", out, "--class", "1", "--guidance", "nan", "--grid", png]).contains("--guidance"))
        XCTAssertTrue(failureMessage(["sample", "--model", out, "--guidance", "2", "--grid", png]).contains("--class"))
    }

    /// An image folder's labels are its sub-folder names, recorded in class_conditioning.json.
    func testImageFolderLabelsComeFromSubFolders() throws {
        let data = folder.appendingPathComponent("pictures")
        var generator = RandomGenerator(seed: 1)
        for name in ["circle", "square"] {
            let sub = data.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for index in 0..<3 {
                let pixels = Tensor(shape: [1, 8, 8], scalars: (0..<64).map { _ in generator.nextUniform() * 2 - 1 })
                try PNG.write(try PixelImage(tensor: pixels), toFile: sub.appendingPathComponent("\(index).png").path)
            }
        }
        let out = folder.appendingPathComponent("model").path
        try run([
            "train", "--data", data.path, "--conditional", "--model-config", try tinyConfig(), "--steps", "1",
            "--batch-size", "2", "--out", out,
        ])
        let loaded = try DenoiserFolder.load(from: URL(fileURLWithPath: out))
        XCTAssertEqual(loaded.conditioning?.classNames, ["circle", "square"])
        XCTAssertEqual(loaded.conditioning?.nullClass, 2)
        XCTAssertEqual(loaded.conditioning?.classDropout, 0.1)
    }

    func testConditionalFlagsAreChecked() throws {
        let out = folder.appendingPathComponent("run").path
        XCTAssertTrue(failureMessage(["train", "--data", "digits", "--class-dropout", "0.1", "--out", out]).contains("--conditional"))
        XCTAssertTrue(
            failureMessage(["train", "--data", "digits", "--conditional", "--class-dropout", "1.5", "--out", out])
                .contains("--class-dropout"))
        XCTAssertTrue(failureMessage(["train", "--data", "toy:two-moons", "--conditional", "--out", out]).contains("toy"))
        XCTAssertTrue(failureMessage(["demo", "--guidance", "2"]).contains("--conditional"))
    }
}
