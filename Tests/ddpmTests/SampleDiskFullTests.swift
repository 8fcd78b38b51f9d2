import Foundation
import XCTest

/// `ddpm sample` writing onto a full disk (issue 8): it fails with one line
/// naming the file, leaves the file that was there byte for byte as it was, and
/// leaves no temporary file behind. The full disk is simulated with the
/// file-size limit (`ulimit -f`, RLIMIT_FSIZE) of the child process, SIGXFSZ
/// ignored, so writes past the limit fail (EFBIG) as they would on a full
/// filesystem (ENOSPC), without a small mounted filesystem or privileges.
final class SampleDiskFullTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-diskfull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Arguments for `/bin/sh` that run `ddpm` with files limited to `blocks`
    /// blocks (512 or 1024 bytes, as the shell counts them) and SIGXFSZ ignored.
    private func fileSizeLimited(_ ddpm: URL, blocks: Int, _ arguments: [String]) -> [String] {
        ["-c", #"ulimit -f "$1" && trap "" XFSZ && shift && exec "$0" "$@""#, ddpm.path, String(blocks)] + arguments
    }

    private func runWithFileSizeLimit(_ ddpm: URL, blocks: Int, _ arguments: [String]) throws -> (status: Int32?, standardError: String) {
        try DDPMExecutable.run(URL(fileURLWithPath: "/bin/sh"), fileSizeLimited(ddpm, blocks: blocks, arguments))
    }

    func testSamplesOntoAFullDiskFailCleanlyAndKeepThePreviousFiles() throws {
        let ddpm = try DDPMExecutable.url()
        let model = folder.appendingPathComponent("model")
        let trained = try DDPMExecutable.run(
            ddpm,
            [
                "train", "--data", "digits", "--preset", "digits-tiny", "--steps", "1",
                "--batch-size", "2", "--seed", "1", "--out", model.path,
            ])
        XCTAssertEqual(trained.status, 0, trained.standardError)
        let outputs = folder.appendingPathComponent("outputs")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let grid = outputs.appendingPathComponent("grid.png"), npy = outputs.appendingPathComponent("samples.npy")
        let perSample = outputs.appendingPathComponent("each")
        func sample(seed: Int) -> [String] {
            ["sample", "--model", model.path, "--n", "64", "--batch-size", "64", "--steps", "1", "--seed", String(seed)]
        }

        let previous = try DDPMExecutable.run(
            ddpm,
            sample(seed: 1) + [
                "--grid", grid.path, "--npy", npy.path,
                "--out-dir", perSample.path,
            ])
        XCTAssertEqual(previous.status, 0, previous.standardError)
        let firstSample = perSample.appendingPathComponent("sample-00.png")
        let before = try [grid, npy, firstSample].map { try Data(contentsOf: $0) }
        // Over 1024 bytes, so a one-block limit cuts the grid and the array short
        // in the middle; for the one-image files the limit is zero.
        XCTAssertGreaterThan(before[0].count, 1024, "the grid is too small to overflow the limit")
        XCTAssertGreaterThan(before[1].count, 1024, "the array is too small to overflow the limit")
        let listing = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        let perSampleListing = try FileManager.default.contentsOfDirectory(atPath: perSample.path).sorted()

        for (flag, file, blocks) in [("--grid", grid, 1), ("--npy", npy, 1), ("--out-dir", firstSample, 0)] {
            let target = flag == "--out-dir" ? perSample : file
            let result = try runWithFileSizeLimit(ddpm, blocks: blocks, sample(seed: 2) + [flag, target.path])
            XCTAssertEqual(result.status, 1, "\(flag): a full disk is an error, not a crash: \(result.standardError)")
            let lines = result.standardError.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(flag): one line on stderr: \(result.standardError)")
            XCTAssertTrue(result.standardError.hasPrefix("error: "), "\(flag): \(result.standardError)")
            XCTAssertTrue(result.standardError.contains(file.path), "\(flag): the error names \(file.path): \(result.standardError)")
        }
        XCTAssertEqual(
            try [grid, npy, firstSample].map { try Data(contentsOf: $0) }, before,
            "the files written before are byte for byte intact")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted(), listing,
            "no temporary file is left behind")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: perSample.path).sorted(), perSampleListing,
            "no temporary file is left behind in --out-dir")

        let again = try DDPMExecutable.run(ddpm, sample(seed: 2) + ["--grid", grid.path])
        XCTAssertEqual(again.status, 0, "with space again the grid is written: \(again.standardError)")
        XCTAssertNotEqual(try Data(contentsOf: grid), before[0], "another seed draws another grid")
    }

    /// With stderr itself a file on the full disk, the error line is lost but
    /// the tool still exits with its code instead of trapping.
    func testAnErrorThatCannotBeWrittenToAFullDiskStillExitsWithItsCode() throws {
        let ddpm = try DDPMExecutable.url()
        let errorFile = folder.appendingPathComponent("stderr.txt")
        let process = try DDPMExecutable.start(
            URL(fileURLWithPath: "/bin/sh"),
            fileSizeLimited(ddpm, blocks: 0, ["schedule", "--timesteps", "0"]),
            standardError: errorFile)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "ended by signal \(process.terminationStatus)")
        XCTAssertEqual(process.terminationStatus, 64)
    }
}
