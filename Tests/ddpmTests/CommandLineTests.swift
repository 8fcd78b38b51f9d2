import ArgumentParser
import Datasets
import Foundation
import XCTest
@testable import ddpm

final class CommandLineTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Parses and runs `arguments` as the tool does; returns the one-line message and exit code of the failure.
    private func failure(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> (String, Int32)? {
        do {
            var command = try DDPM.parseAsRoot(arguments)
            try command.run()
            XCTFail("\(arguments) succeeded", file: file, line: line)
            return nil
        } catch {
            let code = DDPM.exitCode(for: error)
            let message =
                error is ValidationError || DDPM.exitCode(for: error) != .failure
                ? DDPM.message(for: error) : CommandError.describe(error)
            return (message, code == .validationFailure ? code.rawValue : 1)
        }
    }

    /// At least ten bad invocations: each fails with a non-zero code and a one-line message naming the problem.
    func testBadInvocationsFailWithOneLineMessages() throws {
        let missing = folder.appendingPathComponent("missing").path
        let notAModel = folder.appendingPathComponent("empty-model").path
        try FileManager.default.createDirectory(atPath: notAModel, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("run").path
        let cases: [([String], String)] = [
            (["train", "--data", "mnist", "--steps", "0"], "--steps"),
            (["train", "--data", "mnist", "--steps", "-5"], "--steps"),
            (["train", "--data", "mnist", "--threads", "0"], "--threads"),
            (["sample", "--model", missing, "--threads", "many"], "--threads"),
            (["train", "--data", "mnist", "--lr", "nan"], "--lr"),
            (["train", "--data", "mnist", "--lr", "-0.1"], "--lr"),
            (["train", "--data", "mnist", "--ema-decay", "1"], "--ema-decay"),
            (["train", "--data", "mnist", "--batch-size", "0"], "--batch-size"),
            (["train", "--data", "mnist", "--grad-clip", "inf"], "--grad-clip"),
            (["train", "--data", "mnist", "--schedule", "quadratic"], "--schedule"),
            (["train", "--data", "mnist", "--prediction", "noise"], "--prediction"),
            (["train", "--data", "mnist", "--variance", "learned_range"], "--loss hybrid"),
            (["train", "--data", "mnist", "--preset", "huge"], "--preset"),
            (["train", "--data", "mnist", "--bogus"], "--bogus"),
            (["train", "--steps", "10"], "--data"),
            (["train", "--data", missing, "--out", out], "no such file"),
            (["train", "--data", "toy:spiral", "--out", out], "unknown toy distribution"),
            (["train", "--data", "digits", "--preset", "mnist-tiny", "--out", out], "shape"),
            (["train", "--out", missing, "--resume"], "no such folder"),
            (["train", "--data", "mnist", "--exact-reduction", "--out", out], "several MPI processes"),
            (["train", "--data", "mnist", "--accumulate", "0"], "--accumulate"),
            (["train", "--data", "digits", "--batch-size", "30", "--accumulate", "4", "--out", out], "does not split over --accumulate 4"),
            (["train", "--data", "mnist", "--out", out, "--resume"], "--resume"),
            (["sample", "--model", missing, "--grid", "x.png"], "no such folder"),
            (["sample", "--model", notAModel, "--grid", folder.appendingPathComponent("g.png").path], "config.json"),
            (["sample", "--model", notAModel], "nothing to write"),
            (["sample", "--model", notAModel, "--grid", "/no/such/folder/g.png"], "does not exist"),
            (["sample", "--model", notAModel, "--npy", "x.npy", "--sampler", "lms"], "--sampler"),
            (["sample", "--model", notAModel, "--npy", "x.npy", "--eta", "0.5"], "--eta"),
            (["sample", "--model", notAModel, "--npy", "x.npy", "--n", "0"], "--n"),
            (["eval", "--model", notAModel, "--data", "mnist", "--split", "validation"], "--split"),
            (["schedule", "--timesteps", "0"], "--timesteps"),
            (["schedule", "--schedule", "exponential"], "--schedule"),
            (["schedule", "--svg", folder.path], "is a folder"),
            (["schedule", "--timesteps", "ten"], "ten"),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for (arguments, expected) in cases {
            guard let (message, code) = failure(arguments) else { continue }
            XCTAssertNotEqual(code, 0, "\(arguments)")
            XCTAssertFalse(message.isEmpty, "\(arguments)")
            XCTAssertFalse(message.contains("\n"), "\(arguments): \(message)")
            XCTAssertTrue(message.contains(expected), "\(arguments): '\(message)' does not mention '\(expected)'")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/training"), "a failed run left a training folder")
    }

    /// Train a tiny MLP on a toy distribution, resume it, then sample from the folder it wrote.
    func testTrainResumeAndSampleToyModel() throws {
        let out = folder.appendingPathComponent("toy").path
        let config = folder.appendingPathComponent("mlp.json")
        try Data(
            #"{"_class_name":"MLPDenoiser","data_dimension":2,"hidden_width":16,"blocks":1,"time_embedding_dimension":8,"output_factor":1}"#
                .utf8
        )
        .write(to: config)
        var train = try DDPM.parseAsRoot([
            "train", "--data", "toy:two-moons", "--model-config", config.path,
            "--steps", "4", "--batch-size", "16", "--timesteps", "50", "--out", out,
        ])
        try train.run()
        var resume = try DDPM.parseAsRoot(["train", "--out", out, "--resume", "--steps", "8"])
        try resume.run()
        XCTAssertEqual(try TrainingLogSteps.read(out), Array(1...8))
        let npy = folder.appendingPathComponent("points.npy").path
        var sample = try DDPM.parseAsRoot([
            "sample", "--model", out, "--n", "5", "--batch-size", "3", "--steps", "5",
            "--npy", npy,
        ])
        try sample.run()
        let points = try NPY.read(contentsOfFile: npy)
        XCTAssertEqual(points.shape, [5, 2])
        XCTAssertTrue(points.scalars.allSatisfy(\.isFinite))
        guard let (message, _) = failure(["sample", "--model", out, "--grid", folder.appendingPathComponent("g.png").path])
        else { return }
        XCTAssertTrue(message.contains("--npy"), message)
    }

    func testScheduleRowsAndTicks() {
        XCTAssertEqual(Schedule.rowIndices(count: 1000, rows: 5), [0, 250, 500, 749, 999])
        XCTAssertEqual(Schedule.rowIndices(count: 3, rows: 10), [0, 1, 2])
        let ticks = SVGPlot.ticks(0, 1)
        XCTAssertEqual(ticks.count, 6)
        for (tick, expected) in zip(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]) { XCTAssertEqual(tick, expected, accuracy: 1e-12) }
        XCTAssertEqual(SVGPlot.label(0.6000000000000001), "0.6")
    }
}

/// The steps recorded in a run's log.
private enum TrainingLogSteps {
    static func read(_ out: String) throws -> [Int] {
        let text = try String(contentsOfFile: out + "/training/log.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int
        }
    }
}
