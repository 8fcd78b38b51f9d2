import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `train --fid-every N` logs the sample FID every N steps, plots it, and leaves
/// the run's bits as they were, resumed or not.
final class TrainingFIDTests: XCTestCase {
    func testFIDIsLoggedAndDoesNotChangeTheRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-train-fid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        setenv("DDPM_CACHE_DIR", folder.appendingPathComponent("cache").path, 1)
        defer { unsetenv("DDPM_CACHE_DIR") }
        let config = UNetConfig(
            sampleSize: 28, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4)
        let configURL = folder.appendingPathComponent("tiny.json")
        try config.jsonData().write(to: configURL)
        func train(_ name: String, steps: Int, _ extra: [String]) throws {
            var command = try DDPM.parseAsRoot(
                [
                    "train", "--data", "mnist", "--model-config", configURL.path, "--steps", "\(steps)", "--batch-size", "4",
                    "--timesteps", "50", "--out", folder.appendingPathComponent(name).path, "--threads", "1",
                    "--checkpoint-every", "2",
                ] + extra)
            try command.run()
        }
        func checkpoint(_ name: String) throws -> TrainingCheckpoint {
            try TrainingCheckpoint.read(from: folder.appendingPathComponent("\(name)/training/\(TrainingCheckpoint.fileName)"))
        }
        func log(_ name: String) throws -> [TrainingLogEntry] {
            try TrainingLog.read(url: folder.appendingPathComponent("\(name)/training/log.jsonl"))
        }
        try train("plain", steps: 4, [])
        try train("measured", steps: 4, ["--fid-every", "2", "--fid-n", "6"])
        XCTAssertEqual(
            try checkpoint("measured").modelWeights.mapValues(\.scalars), try checkpoint("plain").modelWeights.mapValues(\.scalars))
        XCTAssertEqual(try checkpoint("measured").ema.shadow, try checkpoint("plain").ema.shadow)
        let measured = try log("measured"), plain = try log("plain")
        XCTAssertEqual(measured.map(\.loss), plain.map(\.loss))
        XCTAssertEqual(measured.map { $0.fid != nil }, [false, true, false, true])
        for entry in measured { if let fid = entry.fid { XCTAssertTrue(fid.isFinite && fid > 0, "\(fid)") } }
        XCTAssertEqual(plain.compactMap(\.fid), [])
        let plot = try String(contentsOf: folder.appendingPathComponent("measured/training/loss.svg"), encoding: .utf8)
        XCTAssertTrue(plot.contains("sample FID"))
        XCTAssertFalse(try String(contentsOf: folder.appendingPathComponent("plain/training/loss.svg"), encoding: .utf8).contains("FID"))

        // Stopped at step 2 and resumed to 4 with the FID on: the same bits and the same FIDs.
        try train("resumed", steps: 2, ["--fid-every", "2", "--fid-n", "6"])
        var resume = try DDPM.parseAsRoot(
            Train.normalizingResume([
                "train", "--out", folder.appendingPathComponent("resumed").path, "--resume", "--steps", "4", "--threads", "1",
                "--fid-every", "2", "--fid-n", "6",
            ]))
        try resume.run()
        XCTAssertEqual(
            try checkpoint("resumed").modelWeights.mapValues(\.scalars), try checkpoint("plain").modelWeights.mapValues(\.scalars))
        XCTAssertEqual(try log("resumed").map(\.fid), measured.map(\.fid))

        for (arguments, expected) in [
            (["train", "--data", "mnist", "--fid-n", "5"], "--fid-n needs --fid-every"),
            (["train", "--data", "mnist", "--features", "inception"], "give --fid-every N"),
            (["train", "--data", "mnist", "--fid-every", "0"], "--fid-every"),
        ] {
            XCTAssertThrowsError(try DDPM.parseAsRoot(arguments)) { error in
                XCTAssertTrue(DDPM.message(for: error).contains(expected), "\(arguments): \(DDPM.message(for: error))")
            }
        }
        let refused = folder.appendingPathComponent("digits").path
        var digits = try DDPM.parseAsRoot(["train", "--data", "digits", "--steps", "2", "--fid-every", "1", "--out", refused])
        XCTAssertThrowsError(try digits.run()) { error in
            XCTAssertTrue(CommandError.describe(error).contains("28×28"), CommandError.describe(error))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused), "a refused run writes nothing")
    }
}
