import ArgumentParser
import Datasets
import Diffusion
import Foundation
import QualityMetrics
import NN
import Tensors
import XCTest
@testable import ddpm

/// `ddpm fid` on files as users have them: a .npy from `ddpm sample --npy`, a PNG folder, the bundled set.
final class FIDCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws {
        var command = try DDPM.parseAsRoot(arguments)
        try command.run()
    }

    func testSetsAndBadInputs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-fid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        setenv("DDPM_CACHE_DIR", folder.appendingPathComponent("cache").path, 1)
        defer { unsetenv("DDPM_CACHE_DIR") }
        let test = try BundledDataset.mnist.load(split: .test).images.slice(axis: 0, 0..<40)
        let npy = folder.appendingPathComponent("digits.npy").path
        try NPY.write(((test + 1) * 0.5).reshaped([40, 28, 28]), toFile: npy)
        let pngs = folder.appendingPathComponent("pngs")
        try FileManager.default.createDirectory(at: pngs, withIntermediateDirectories: true)
        for n in 0..<10 {
            try PNG.write(
                try PixelImage(tensor: test.slice(axis: 0, n..<(n + 1)).reshaped([1, 28, 28])),
                toFile: pngs.appendingPathComponent("d\(n).png").path)
        }
        try run(["fid", npy, "mnist:test", "--kid", "--precision-recall", "--json"])
        try run(["fid", npy, "mnist:test", "--precision-recall"])
        try run(["fid", pngs.path, npy])

        // eval --fid on a (barely trained) 28×28 model, and its refusal for another size.
        for size in [28, 8] {
            let config = UNetConfig(
                sampleSize: size, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
                downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
                attentionHeadDim: nil, normNumGroups: 4)
            let configURL = folder.appendingPathComponent("unet-\(size).json")
            try config.jsonData().write(to: configURL)
            let model = folder.appendingPathComponent("model-\(size)").path
            try run([
                "train", "--data", size == 28 ? "mnist" : "digits", "--model-config", configURL.path, "--steps", "2",
                "--batch-size", "4", "--timesteps", "20", "--out", model,
            ])
            let evaluation = [
                "eval", "--model", model, "--data", size == 28 ? "mnist" : "digits", "--n", "8", "--steps", "2",
                "--stride", "10", "--fid",
            ]
            if size == 28 {
                try run(evaluation)
                var tooMany = evaluation
                tooMany[tooMany.firstIndex(of: "8")!] = "501"
                XCTAssertThrowsError(try run(tooMany)) {
                    XCTAssertTrue(CommandError.describe($0).contains("more than the 500 images of the test split"), "\($0)")
                }
            } else {
                XCTAssertThrowsError(try run(evaluation)) { XCTAssertTrue(CommandError.describe($0).contains("28×28"), "\($0)") }
            }
        }

        let bad = folder.appendingPathComponent("bad.npy").path
        try NPY.write(Tensor(shape: [4, 8, 8], scalars: Array(repeating: 0.5, count: 256)), toFile: bad)
        let outOfRange = folder.appendingPathComponent("range.npy").path
        try NPY.write(Tensor(shape: [2, 28, 28], scalars: Array(repeating: 2, count: 1568)), toFile: outOfRange)
        for (arguments, expected) in [
            (["fid", bad, "mnist:test"], "28×28"), (["fid", outOfRange, "mnist:test"], "[0, 1]"),
            (["fid", "/no/such", "mnist"], "no such file"), (["fid", "mnist", "mnist", "--features", "x"], "--features"),
        ] {
            XCTAssertThrowsError(try run(arguments)) { error in
                let message =
                    error is ValidationError || DDPM.exitCode(for: error) != .failure
                    ? DDPM.message(for: error) : CommandError.describe(error)
                XCTAssertTrue(message.contains(expected), "\(arguments): \(message)")
            }
        }
    }

    /// Statistics files (pytorch-fid's .npz) written with --save-stats and read
    /// as either set, the cache of data sets' statistics, and what is refused.
    func testStatisticsFilesAndTheCache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-fid-stats-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cache = folder.appendingPathComponent("cache")
        setenv("DDPM_CACHE_DIR", cache.path, 1)
        defer { unsetenv("DDPM_CACHE_DIR") }
        let stats = folder.appendingPathComponent("test.npz").path
        try run(["fid", "--save-stats", "mnist:test", stats])
        let network = try MNISTFeatureNet.bundled()
        let test = try BundledDataset.mnist.load(split: .test).images
        let expected = try FeatureStatistics(features: try network.features(of: test), count: 500, dimension: 128)
        XCTAssertEqual(try FeatureStatistics(npzFile: stats), expected)
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("statistics").path)
        XCTAssertEqual(cached.count, 1, "\(cached)")
        XCTAssertTrue(cached[0].hasPrefix("mnist-") && cached[0].contains("mnist-test"), cached[0])
        try run(["fid", stats, "mnist:train", "--json"])
        try run(["fid", "mnist:train", stats, "--no-cache"])

        let before = try Data(contentsOf: URL(fileURLWithPath: stats))
        let other = folder.appendingPathComponent("other.npz").path
        try FeatureStatistics(mean: [0, 0], covariance: [1, 0, 0, 1], count: 3).writeNPZ(toFile: other)
        for (arguments, expected) in [
            (["fid", "--save-stats", "mnist:train", stats], "exists"),
            (["fid", "--save-stats", "mnist:train", folder.appendingPathComponent("s.txt").path], "writes a .npz"),
            (["fid", stats, "mnist:train", "--kid"], "statistics only"),
            (["fid", other, "mnist:train"], "2-d statistics"),
            (["fid", "mnist:validation", stats], "mnist:train or mnist:test"),
        ] {
            XCTAssertThrowsError(try run(arguments)) { error in
                let message =
                    error is ValidationError || DDPM.exitCode(for: error) != .failure
                    ? DDPM.message(for: error) : CommandError.describe(error)
                XCTAssertTrue(message.contains(expected), "\(arguments): \(message)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: stats)), before, "nothing the user had is overwritten")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("s.txt").path))
    }

    /// `--features inception` with a weights file (random weights of the right
    /// shapes: the command's path, not the network's numbers, which
    /// InceptionV3FIDTests checks), and what is refused.
    func testInceptionFeatures() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-fid-inception-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = RandomGenerator(seed: 4)
        var tensors: [String: Tensor] = [:]
        for (name, shape) in InceptionV3FID.weightShapes {
            let scale: Float = name.hasSuffix("conv.weight") ? (2 / Float(shape.dropFirst().reduce(1, *))).squareRoot() : 0.1
            let values = Tensor.randn(shape, generator: &generator) * scale
            tensors[name] = name.hasSuffix("running_var") || name.hasSuffix("bn.weight") ? values + 1 : values
        }
        let weights = folder.appendingPathComponent("inception.safetensors").path
        try SafetensorsWriter.write(tensors, to: URL(fileURLWithPath: weights))
        let rgb = folder.appendingPathComponent("rgb.npy").path, other = folder.appendingPathComponent("other.npy").path
        try NPY.write(Tensor.uniform([3, 3, 12, 12], generator: &generator), toFile: rgb)
        try NPY.write(Tensor.uniform([3, 3, 12, 12], generator: &generator), toFile: other)
        // One whole run (a 2048-d Fréchet distance takes most of a minute on 2 cores): RGB .npy against grey PNGs.
        let pngs = folder.appendingPathComponent("grey")
        try FileManager.default.createDirectory(at: pngs, withIntermediateDirectories: true)
        for n in 0..<3 {
            try PNG.write(
                try PixelImage(tensor: Tensor.uniform([1, 20, 16], generator: &generator) * 2 - 1),
                toFile: pngs.appendingPathComponent("g\(n).png").path)
        }
        try run(["fid", rgb, pngs.path, "--features", "inception", "--inception", weights, "--kid", "--json"])

        for (arguments, expected) in [
            (["fid", rgb, other, "--features", "inception"], "tools/convert_inception_weights.py"),
            (["fid", rgb, other, "--features", "inception", "--inception", "/no/such.safetensors"], "no such file"),
            (["fid", rgb, other, "--features", "inception", "--inception", rgb], "not a readable safetensors file"),
            (["fid", rgb, other, "--inception", weights], "--inception applies to --features inception only"),
            (["fid", rgb, "mnist:test"], "28×28"),
        ] {
            XCTAssertThrowsError(try run(arguments)) { error in
                let message =
                    error is ValidationError || DDPM.exitCode(for: error) != .failure
                    ? DDPM.message(for: error) : CommandError.describe(error)
                XCTAssertTrue(message.contains(expected), "\(arguments): \(message)")
            }
        }
    }
}
