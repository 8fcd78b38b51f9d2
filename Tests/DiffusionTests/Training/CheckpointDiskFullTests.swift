import Diffusion
import Foundation
import NN
import Tensors
import XCTest
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing a training state onto a full disk reports the error and leaves the
/// previous state intact. The full disk is simulated with the file-size limit
/// (RLIMIT_FSIZE): writes past it fail with EFBIG as they would with ENOSPC,
/// without needing a small mounted filesystem or privileges.
final class CheckpointDiskFullTests: XCTestCase {
    private func state(step: Int, width: Int) -> TrainingCheckpoint {
        let values = (0..<width).map { Float($0) + Float(step) }
        return TrainingCheckpoint(
            step: step, configuration: TrainingConfiguration(steps: 100),
            modelWeights: ["w": Tensor(shape: [width], scalars: values)],
            ema: .init(updateCount: step, shadow: ["w": values]),
            optimizer: OptimizerState(stepCount: step, parameters: [:]),
            generator: RandomGenerator(seed: UInt64(step)), dataPosition: [step], extra: [:])
    }

    /// Runs `body` with writes limited to `bytes` per file, SIGXFSZ ignored; restores both.
    private func withFileSizeLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = rlim_t(bytes)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }
        return try body()
    }

    func testFullDiskKeepsThePreviousCheckpointAndLeavesNoTemporaryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("CheckpointDiskFull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(TrainingCheckpoint.fileName)
        try state(step: 1, width: 16).write(to: url)
        let before = try Data(contentsOf: url)

        let bigger = state(step: 2, width: 4096)  // about 33 KB, over the 8 KB limit below
        XCTAssertThrowsError(try withFileSizeLimit(8192) { try bigger.write(to: url) }) { error in
            XCTAssertTrue("\(error)".contains(url.path), "the error names the file: \(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), before, "the previous checkpoint is byte for byte intact")
        XCTAssertEqual(try TrainingCheckpoint.read(from: url).step, 1)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path), [TrainingCheckpoint.fileName],
            "no temporary file is left behind")

        try bigger.write(to: url)  // with space again, the write succeeds
        XCTAssertEqual(try TrainingCheckpoint.read(from: url).step, 2)
    }
}
