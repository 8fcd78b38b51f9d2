import Diffusion
import Foundation
import NN
import Tensors
import XCTest

@testable import Pipelines

final class TrainingRunStatusTests: XCTestCase {
    func testAGrowingRunIsReadWithItsRateAndTimeToGo() throws {
        let out = try makeTemporaryFolder("TrainingRunStatus")
        defer { try? FileManager.default.removeItem(at: out) }
        XCTAssertFalse(TrainingRunStatus.isRunFolder(out))
        XCTAssertThrowsError(try TrainingRunStatus(folder: out))
        let training = TrainingRun.trainingFolder(out: out)
        try FileManager.default.createDirectory(at: training, withIntermediateDirectories: true)
        let log = try TrainingLog(url: TrainingRunStatus.logURL(out), continuingAfter: 0)
        // 10 steps at 2 steps a second, then a resumption whose clock restarts at 4 steps a second.
        for step in 1...10 { try log.append(entry(step, seconds: Double(step) / 2)) }
        for step in 11...30 { try log.append(entry(step, seconds: Double(step - 10) / 4)) }
        var status = try TrainingRunStatus(folder: out)
        XCTAssertEqual(status.entries.count, 30)
        XCTAssertNil(status.totalSteps)
        XCTAssertNil(status.secondsRemaining)
        XCTAssertEqual(try XCTUnwrap(status.stepsPerSecond()), 4, accuracy: 1e-9)
        XCTAssertFalse(status.hasModel)

        try SafetensorsWriter.write(
            ["w": Tensor([1])], metadata: ["step": "30", "configuration": #"{"steps": 100, "learningRate": 0.001}"#],
            to: TrainingRun.stateURL(out: out))
        // A line still being written is not read.
        let handle = try FileHandle(forWritingTo: TrainingRunStatus.logURL(out))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"step": 31, "lo"#.utf8))
        try handle.close()
        let samples = TrainingRunStatus.samplesFolder(out)
        try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        for name in ["step-00000020.png", "step-00000010.png", "notes.txt"] {
            try Data().write(to: samples.appendingPathComponent(name))
        }
        status = try TrainingRunStatus(folder: out)
        XCTAssertEqual(status.lastStep, 30)
        XCTAssertEqual(status.totalSteps, 100)
        XCTAssertEqual(status.checkpointStep, 30)
        XCTAssertFalse(status.isFinished)
        XCTAssertEqual(try XCTUnwrap(status.secondsRemaining), 70.0 / 4, accuracy: 1e-9)
        XCTAssertEqual(status.sampleGrids, ["step-00000010.png", "step-00000020.png"])

        // Read on from the last status: the finished line 31 and a new line 32 are added, the rest kept.
        let more = try FileHandle(forWritingTo: TrainingRunStatus.logURL(out))
        try more.seekToEnd()
        try more.write(
            contentsOf: Data(#"ss": 0.5, "loss_t_quartiles": [], "lr": 0.001, "grad_norm": 1, "seconds": 6}"#.utf8) + Data("\n".utf8))
        try more.write(contentsOf: try JSONEncoder().encode(entry(32, seconds: 6.5)) + Data("\n".utf8))
        try more.close()
        let grown = try TrainingRunStatus(folder: out, after: status)
        XCTAssertEqual(grown.entries.map(\.step), Array(1...32))
        XCTAssertEqual(grown.entries.map(\.step), try TrainingRunStatus(folder: out).entries.map(\.step))
        // A log that was replaced (a resumed run rewrites it) is read anew.
        let replaced = try TrainingLog(url: TrainingRunStatus.logURL(out), continuingAfter: 5)
        try replaced.append(entry(6, seconds: 0.1))
        XCTAssertEqual(try TrainingRunStatus(folder: out, after: grown).entries.map(\.step), Array(1...6))
    }

    private func entry(_ step: Int, seconds: Double) -> TrainingLogEntry {
        TrainingLogEntry(
            step: step, loss: 1 / Double(step), lossQuartiles: [1, nil, 0.5, 0.25], learningRate: 1e-3, gradientNorm: 1,
            seconds: seconds)
    }
}
