import Diffusion
import Foundation
import Tensors
import XCTest
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Crash safety of `ddpm train` (issue 8), the short form of
/// `scripts/crash_safety.sh`: a small MLP run that checkpoints every step is
/// killed with SIGKILL at seeded random moments (at least 20 times, at least
/// once in the middle of a checkpoint write) and resumed each time. Every
/// checkpoint left on disk must load, and the finished run must equal an
/// uninterrupted one bit for bit: weights, training state and loss log (the
/// log's wall-clock "seconds" aside). Every training option is on.
final class CrashSafetyTests: XCTestCase {
    static let steps = 200
    static let leastKills = 20
    /// Kills go on past `leastKills` until one lands inside a checkpoint write, up to this many.
    static let mostKills = 40
    /// Files of a checkpoint: the training state and the model folder.
    static let checkpointFiles = [
        TrainingCheckpoint.fileName, ModelFolder.weightsName, ModelFolder.configName,
        ModelFolder.schedulerName,
    ]

    /// The options of issue 23, all on, so their state (importance history, several EMAs, snapshots) is
    /// part of what must survive the kills.
    static let everyTrainingOption = [
        "--prediction", "v", "--rescale-zero-terminal-snr", "--loss-weight", "min-snr",
        "--offset-noise", "0.1", "--input-perturbation", "0.1", "--lr-schedule", "cosine",
        "--ema-warmup", "--ema-decay", "0.999,0.9", "--importance-sampling",
        "--keep-checkpoints", "3",
    ]

    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testTrainingKilledAtRandomMomentsAndResumedEqualsAnUninterruptedRun() throws {
        let ddpm = try DDPMExecutable.url()
        let config = folder.appendingPathComponent("mlp.json")
        try Data(
            #"{"_class_name":"MLPDenoiser","data_dimension":2,"hidden_width":64,"blocks":2,"time_embedding_dimension":16,"output_factor":1}"#
                .utf8
        )
        .write(to: config)
        func fresh(_ out: URL, steps: Int = Self.steps, options: [String] = Self.everyTrainingOption) -> [String] {
            [
                "train", "--data", "toy:two-moons", "--model-config", config.path, "--steps", String(steps),
                "--batch-size", "16", "--timesteps", "50", "--checkpoint-every", "1", "--seed", "3", "--out", out.path,
            ]
                + options
        }
        func resume(_ out: URL) -> [String] {
            ["train", "--out", out.path, "--resume", "--steps", String(Self.steps), "--checkpoint-every", "1"]
        }

        // A one-step run measures the startup cost. A timed kill falls within 1.5
        // times it, so some land in the startup and the rest after training has
        // begun, no more than half a startup's worth of steps later. A write kill
        // waits for a checkpoint's temporary file to appear, then strikes.
        let probeStarted = Date()
        let probe = try DDPMExecutable.run(ddpm, fresh(folder.appendingPathComponent("probe"), steps: 1, options: []))
        let startup = Date().timeIntervalSince(probeStarted)
        XCTAssertEqual(probe.status, 0, probe.standardError)

        let whole = folder.appendingPathComponent("whole")
        let uninterrupted = try DDPMExecutable.run(ddpm, fresh(whole))
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.standardError)

        let killed = folder.appendingPathComponent("killed")
        let state = killed.appendingPathComponent("training").appendingPathComponent(TrainingCheckpoint.fileName)
        let weights = killed.appendingPathComponent(ModelFolder.weightsName)
        let errorFile = folder.appendingPathComponent("killed-stderr.txt")
        var generator = RandomGenerator(seed: 8)
        var kills = 0, killsInCheckpointWrites = 0, checkpointedStep = 0
        while kills < Self.leastKills || (killsInCheckpointWrites == 0 && kills < Self.mostKills) {
            let resuming = FileManager.default.fileExists(atPath: state.path)
            if !resuming { try? FileManager.default.removeItem(at: killed) }
            let temporaryBefore = temporaryFiles(in: killed)
            let waitsForWrite = generator.nextUniform() < 0.5
            let delay = Double(generator.nextUniform()) * (waitsForWrite ? 0.002 : 1.5 * startup)
            let process = try DDPMExecutable.start(ddpm, resuming ? resume(killed) : fresh(killed), standardError: errorFile)
            if waitsForWrite { waitForCheckpointWrite(in: killed, by: process, besides: temporaryBefore) }
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
                let message = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
                XCTFail(
                    "kill \(kills + 1) came too late: the run ended first (status \(process.terminationStatus), "
                        + "\(waitsForWrite ? "waiting for a checkpoint write" : "after \(delay) s of a \(startup) s startup")): \(message)")
                break
            }
            kills += 1
            if temporaryFiles(in: killed).subtracting(temporaryBefore).contains(where: Self.isCheckpointTemporary) {
                killsInCheckpointWrites += 1
            }
            // Every checkpoint on disk loads, and none goes back in time.
            if FileManager.default.fileExists(atPath: state.path) {
                let checkpoint = try TrainingCheckpoint.read(from: state)
                XCTAssertGreaterThanOrEqual(checkpoint.step, checkpointedStep, "after kill \(kills)")
                checkpointedStep = checkpoint.step
            }
            if FileManager.default.fileExists(atPath: weights.path) {
                XCTAssertNoThrow(try DenoiserFolder.load(from: killed), "after kill \(kills)")
            }
        }
        let finished = try DDPMExecutable.run(
            ddpm, FileManager.default.fileExists(atPath: state.path) ? resume(killed) : fresh(killed))
        XCTAssertEqual(finished.status, 0, finished.standardError)

        print(
            "crash safety: \(kills) kills (\(killsInCheckpointWrites) inside a checkpoint write), "
                + "the last at step \(checkpointedStep) of \(Self.steps); startup \(String(format: "%.3f", startup)) s")
        XCTAssertGreaterThanOrEqual(kills, Self.leastKills, "real SIGKILLs of a running ddpm train")
        XCTAssertGreaterThan(killsInCheckpointWrites, 0, "no kill landed inside a checkpoint write in \(kills) kills")
        XCTAssertGreaterThan(checkpointedStep, 0, "no kill landed after the first checkpoint")
        XCTAssertLessThan(checkpointedStep, Self.steps, "the last kill came after the run had finished training")
        XCTAssertEqual(try TrainingCheckpoint.read(from: state).step, Self.steps)
        XCTAssertNoThrow(try DenoiserFolder.load(from: killed))
        XCTAssertEqual(temporaryFiles(in: killed), [], "the resumed run removes the temporary files of killed writes")
        for file in [
            ModelFolder.weightsName, "ema-0.9/" + ModelFolder.weightsName, "training/" + TrainingCheckpoint.fileName,
            "training/checkpoints/" + Trainer.snapshotName(step: Self.steps),
        ] {
            XCTAssertEqual(
                try Data(contentsOf: killed.appendingPathComponent(file)),
                try Data(contentsOf: whole.appendingPathComponent(file)),
                "\(file) differs from the uninterrupted run's after \(kills) kills")
        }
        let log = "training/" + TrainingLog.fileName
        let killedLog = try logWithoutSeconds(killed.appendingPathComponent(log))
        let wholeLog = try logWithoutSeconds(whole.appendingPathComponent(log))
        XCTAssertEqual(killedLog.count, Self.steps, "lines of the killed run's loss log")
        XCTAssertEqual(wholeLog.count, Self.steps, "lines of the uninterrupted run's loss log")
        if let line = zip(killedLog, wholeLog).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail(
                "the loss log differs from the uninterrupted run's after \(kills) kills, first at line \(line + 1): "
                    + "\(killedLog[line]) instead of \(wholeLog[line])")
        }
    }

    /// The names of the temporary files an atomic write leaves when killed (`.NAME.UUID.tmp`).
    private func temporaryFiles(in out: URL) -> Set<String> {
        let folders = [
            out, out.appendingPathComponent("training"), out.appendingPathComponent("training/checkpoints"),
            out.appendingPathComponent("ema-0.9"),
        ]
        return Set(
            folders.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? [] }
                .filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") })
    }

    /// Whether `name` is the temporary file of a checkpoint being written.
    private static func isCheckpointTemporary(_ name: String) -> Bool {
        checkpointFiles.contains { name.hasPrefix("." + $0 + ".") }
    }

    /// Returns once `process` is writing a checkpoint (a new temporary file of one
    /// is in `out`), has ended, or a minute has gone by.
    private func waitForCheckpointWrite(in out: URL, by process: Process, besides before: Set<String>) {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            if temporaryFiles(in: out).subtracting(before).contains(where: Self.isCheckpointTemporary) { return }
            usleep(200)
        }
    }

    /// The lines of a training log with the wall-clock `"seconds":…` field cut out.
    private func logWithoutSeconds(_ url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let seconds = try NSRegularExpression(pattern: #""seconds":[^,}]*,?"#)
        return text.split(separator: "\n").map { line in
            let line = String(line)
            return seconds.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: "")
        }
    }
}
