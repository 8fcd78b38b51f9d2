import ArgumentParser
import Datasets
import Diffusion
import Foundation
import Tensors
import XCTest
@testable import ddpm

/// `ddpm img2img`, `ddpm inpaint` and `ddpm interpolate` end to end on a tiny 8×8 U-Net, as files on disk.
final class EditingCommandTests: XCTestCase {
    private var folder: URL!
    private var model: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ddpm-edit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = UNetConfig(
            sampleSize: 8, inChannels: 1, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4)
        let configURL = folder.appendingPathComponent("tiny.json")
        try config.jsonData().write(to: configURL)
        model = folder.appendingPathComponent("model").path
        try run([
            "train", "--data", "digits", "--model-config", configURL.path, "--steps", "2", "--batch-size", "4",
            "--timesteps", "100", "--out", model,
        ])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

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

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A grey 8×8 PNG (values 0…255) at `name`.
    private func writeImage(_ name: String, size: Int = 8, _ value: (Int, Int) -> UInt16) throws -> String {
        let samples = (0..<(size * size)).map { value($0 % size, $0 / size) }
        try PNG.write(try PixelImage(width: size, height: size, colorModel: .gray, samples: samples), toFile: path(name))
        return path(name)
    }

    /// Tile `index` (8×8) of a grid written with padding 2.
    private func tile(_ grid: PixelImage, _ index: Int, columns: Int) -> [UInt16] {
        let top = 2 + (index / columns) * 10, left = 2 + (index % columns) * 10
        return (0..<64).map { grid.samples[(top + $0 / 8) * grid.width + left + $0 % 8] }
    }

    func testImageToImageAtStrengthZeroKeepsTheInput() throws {
        let image = try writeImage("digit.png") { x, y in UInt16((x * 31 + y * 17) % 256) }
        try run(["img2img", "--model", model, "--image", image, "--strength", "0", "--n", "2", "--out", path("same.png")])
        let grid = try PNG.read(contentsOfFile: path("same.png"))
        XCTAssertEqual(tile(grid, 1, columns: 3), tile(grid, 0, columns: 3))
        XCTAssertEqual(tile(grid, 2, columns: 3), tile(grid, 0, columns: 3))
        try run([
            "img2img", "--model", model, "--image", image, "--strength", "0.5", "--sampler", "euler", "--steps", "10",
            "--n", "2", "--out", path("edited.png"),
        ])
        XCTAssertNotEqual(tile(try PNG.read(contentsOfFile: path("edited.png")), 1, columns: 3), tile(grid, 0, columns: 3))
    }

    func testInpaintingKeepsTheUnmaskedPixels() throws {
        let image = try writeImage("digit.png") { x, y in UInt16((x * 31 + y * 17) % 256) }
        let mask = try writeImage("mask.png") { _, y in y >= 4 ? 255 : 0 }
        try run([
            "inpaint", "--model", model, "--image", image, "--mask", mask, "--steps", "20", "--jump-length", "5",
            "--resample", "2", "--n", "2", "--out", path("filled.png"),
        ])
        let grid = try PNG.read(contentsOfFile: path("filled.png"))
        let input = try PNG.read(contentsOfFile: image).samples
        for index in 1...2 {
            let filled = tile(grid, index, columns: 3)
            XCTAssertEqual(Array(filled[0..<32]), Array(input[0..<32]), "completion \(index): the kept top half")
        }
    }

    func testInterpolationEndsAreTheSeedsOwnSamples() throws {
        try run([
            "interpolate", "--model", model, "--seeds", "3,7", "--frames", "4", "--sampler", "ddim", "--steps", "10",
            "--out", path("strip.png"),
        ])
        let strip = try PNG.read(contentsOfFile: path("strip.png"))
        for (seed, index) in [("3", 0), ("7", 3)] {
            try run([
                "sample", "--model", model, "--seed", seed, "--n", "1", "--sampler", "ddim", "--steps", "10",
                "--out-dir", path("seed-\(seed)"),
            ])
            let alone = try PNG.read(contentsOfFile: path("seed-\(seed)/sample-0.png")).samples
            for (a, b) in zip(tile(strip, index, columns: 4), alone) { XCTAssertLessThanOrEqual(abs(Int(a) - Int(b)), 1, "seed \(seed)") }
        }
        let a = try writeImage("a.png") { x, _ in x < 4 ? 255 : 0 }, b = try writeImage("b.png") { x, _ in x < 4 ? 0 : 255 }
        try run(["interpolate", "--model", model, "--images", "\(a),\(b)", "--frames", "3", "--steps", "10", "--out", path("real.png")])
        XCTAssertEqual(try PNG.read(contentsOfFile: path("real.png")).width, 3 * 10 + 2)
    }

    func testBadInputsGetOneLineErrors() throws {
        let image = try writeImage("digit.png") { x, _ in UInt16(x * 30) }
        let big = try writeImage("big.png", size: 12) { _, _ in 0 }
        let grey = try writeImage("grey-mask.png") { _, y in y >= 4 ? 128 : 0 }
        let empty = try writeImage("empty-mask.png") { _, _ in 0 }
        let full = try writeImage("full-mask.png") { _, _ in 255 }
        let smallMask = try writeImage("small-mask.png", size: 4) { _, _ in 255 }
        let half = try writeImage("half-mask.png") { _, y in y >= 4 ? 255 : 0 }
        let cases: [([String], String)] = [
            (["img2img", "--model", model, "--image", image, "--strength", "1.5", "--out", path("x.png")], "[0, 1]"),
            (["inpaint", "--model", model, "--image", image, "--mask", grey, "--out", path("x.png")], "not a binary mask"),
            (["inpaint", "--model", model, "--image", image, "--mask", empty, "--out", path("x.png")], "empty"),
            (["inpaint", "--model", model, "--image", image, "--mask", full, "--out", path("x.png")], "whole image"),
            (["inpaint", "--model", model, "--image", image, "--mask", smallMask, "--out", path("x.png")], "mask of the image's size"),
            (["inpaint", "--model", model, "--image", big, "--mask", empty, "--out", path("x.png")], "model's size"),
            (
                ["inpaint", "--model", model, "--image", image, "--mask", half, "--steps", "500", "--out", path("x.png")],
                "training timesteps"
            ),
            (["interpolate", "--model", model, "--seeds", "3", "--out", path("x.png")], "two seeds"),
            (["interpolate", "--model", model, "--seeds", "3,4", "--sampler", "ddpm", "--out", path("x.png")], "draws noise"),
            (
                ["interpolate", "--model", model, "--images", "\(image),\(image)", "--sampler", "dpm++", "--out", path("x.png")],
                "--sampler ddim"
            ),
            (["interpolate", "--model", model, "--out", path("x.png")], "either --seeds"),
        ]
        for (arguments, expected) in cases {
            let message = failureMessage(arguments)
            XCTAssertTrue(message.contains(expected), "\(arguments[0]) \(expected): \(message)")
            XCTAssertFalse(message.contains("\n"), message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.png")), "nothing written on failure")
        }
    }
}
