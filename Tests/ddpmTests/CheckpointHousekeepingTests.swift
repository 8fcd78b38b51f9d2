import ArgumentParser
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `--keep-checkpoints N` keeps the newest N numbered snapshots; `--resume PATH` continues from one
/// of them and reaches the same bits as the run that went straight through.
final class CheckpointHousekeepingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-keep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func run(_ arguments: [String]) throws {
        var command = try DDPM.parseAsRoot(Train.normalizingResume(arguments))
        try command.run()
    }

    func testSnapshotsAreKeptAndResumedFromBitForBit() throws {
        let out = folder.appendingPathComponent("toy").path
        let config = folder.appendingPathComponent("mlp.json")
        try Data(
            #"{"_class_name":"MLPDenoiser","data_dimension":2,"hidden_width":16,"blocks":1,"time_embedding_dimension":8,"output_factor":1}"#
                .utf8
        )
        .write(to: config)
        try run([
            "train", "--data", "toy:two-moons", "--model-config", config.path, "--steps", "20", "--batch-size", "16",
            "--timesteps", "50", "--checkpoint-every", "5", "--keep-checkpoints", "2", "--out", out, "--threads", "1",
        ])
        let snapshots = URL(fileURLWithPath: out).appendingPathComponent("training/checkpoints")
        XCTAssertEqual(try Trainer.snapshots(in: snapshots).map(\.step), [15, 20])
        let state = URL(fileURLWithPath: out).appendingPathComponent("training/\(TrainingCheckpoint.fileName)")
        let straight = try TrainingCheckpoint.read(from: state)
        XCTAssertEqual(straight.configuration.keepCheckpoints, 2)

        let fifteen = snapshots.appendingPathComponent(Trainer.snapshotName(step: 15)).path
        try run(["train", "--out", out, "--resume", fifteen, "--threads", "1"])
        let again = try TrainingCheckpoint.read(from: state)
        XCTAssertEqual(again.step, 20)
        XCTAssertEqual(
            again.modelWeights.mapValues(\.scalars), straight.modelWeights.mapValues(\.scalars),
            "resumed from step 15, the run ends in the same bits")
        let log = try TrainingLog.read(url: URL(fileURLWithPath: out).appendingPathComponent("training/\(TrainingLog.fileName)"))
        XCTAssertEqual(log.map(\.step), Array(1...20))

        try run(["train", "--out", out, "--resume", "latest", "--steps", "25", "--keep-checkpoints", "1", "--threads", "1"])
        XCTAssertEqual(try Trainer.snapshots(in: snapshots).map(\.step), [25])

        for (arguments, expected) in [
            (["train", "--out", out, "--resume", "/no/such/file"], "no such file"),
            (["train", "--out", out, "--keep-checkpoints", "-1", "--resume"], "--keep-checkpoints"),
        ] {
            XCTAssertThrowsError(try run(arguments)) { error in
                XCTAssertTrue(DDPM.message(for: error).contains(expected), DDPM.message(for: error))
            }
        }
    }

    /// `--ema-decay 0.2,0.4` (rates below the warm-up's cap of these 12 steps, so they differ) exports one model folder per rate, each loadable and different; bad lists are refused.
    func testSeveralEMARatesWriteOneModelFolderEach() throws {
        let out = folder.appendingPathComponent("toy")
        let config = folder.appendingPathComponent("mlp.json")
        try Data(
            #"{"_class_name":"MLPDenoiser","data_dimension":2,"hidden_width":16,"blocks":1,"time_embedding_dimension":8,"output_factor":1}"#
                .utf8
        )
        .write(to: config)
        try run([
            "train", "--data", "toy:two-moons", "--model-config", config.path, "--steps", "12", "--batch-size", "16",
            "--timesteps", "50", "--ema-decay", "0.2,0.4", "--out", out.path, "--threads", "1",
        ])
        let first = try DenoiserFolder.load(from: out)
        let second = try DenoiserFolder.load(from: out.appendingPathComponent("ema-0.4"))
        let state = try TrainingCheckpoint.read(from: out.appendingPathComponent("training/\(TrainingCheckpoint.fileName)"))
        XCTAssertEqual(state.configuration.emaDecay, 0.2)
        XCTAssertEqual(state.configuration.additionalEMADecays, [0.4])
        let firstWeights = first.model.namedParameters().map(\.tensor.scalars)
        let secondWeights = second.model.namedParameters().map(\.tensor.scalars)
        XCTAssertTrue(secondWeights == second.model.namedParameters().map { state.additionalEMA[0].shadow[$0.path]! })
        XCTAssertTrue(firstWeights == first.model.namedParameters().map { state.ema.shadow[$0.path]! })
        XCTAssertTrue(firstWeights != secondWeights, "the two rates give different averages")

        for (list, expected) in [
            ("0.9,abc", "'abc' is not a number"), ("0.9,0.9", "once"), ("0.9,1", "--ema-decay"), ("0.9,", "'' is not"),
        ] {
            XCTAssertThrowsError(
                try run([
                    "train", "--data", "toy:two-moons", "--ema-decay", list,
                    "--out", folder.appendingPathComponent("bad").path,
                ])
            ) { error in
                XCTAssertTrue(DDPM.message(for: error).contains(expected), DDPM.message(for: error))
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad").path))
    }

    func testOnlyTrainsResumeTakesAValue() {
        XCTAssertEqual(
            Train.normalizingResume(["train", "--resume", "a.safetensors"]), ["train", "--resume", "--resume-from", "a.safetensors"])
        XCTAssertEqual(Train.normalizingResume(["train", "--resume", "--steps", "3"]), ["train", "--resume", "--steps", "3"])
        XCTAssertEqual(Train.normalizingResume(["sample", "--resume", "x"]), ["sample", "--resume", "x"])
    }
}
