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
    }

    private func entry(_ step: Int, seconds: Double) -> TrainingLogEntry {
        TrainingLogEntry(
            step: step, loss: 1 / Double(step), lossQuartiles: [1, nil, 0.5, 0.25], learningRate: 1e-3, gradientNorm: 1,
            seconds: seconds)
    }
}
