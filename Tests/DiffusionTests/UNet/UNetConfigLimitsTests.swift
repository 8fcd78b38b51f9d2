import Diffusion
import Foundation
import XCTest

/// A config.json that would make the U-Net allocate absurd memory is refused by
/// `UNetConfig.validate` (and so by `ModelFolder.load`) before any weight exists.
final class UNetConfigLimitsTests: XCTestCase {
    private func config(_ extra: String, widths: [Int] = [32, 64]) -> Data {
        let kinds = Array(repeating: "\"DownBlock2D\"", count: widths.count).joined(separator: ", ")
        let ups = Array(repeating: "\"UpBlock2D\"", count: widths.count).joined(separator: ", ")
        return Data(#"{"block_out_channels": \#(widths), "down_block_types": [\#(kinds)], "up_block_types": [\#(ups)]\#(extra)}"#.utf8)
    }

    private func assertRefused(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try UNetConfig.parse(data, source: "c.json"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error) should mention \(fragment)", file: file, line: line)
        }
    }

    func testMillionWideBlockIsRefused() {
        assertRefused(config("", widths: [1_000_000]), "block width 1000000")
    }

    func testBillionPixelSampleSizeIsRefused() {
        assertRefused(config(#", "sample_size": 1000000000"#), "sample_size 1000000000×1000000000 is too large")
        assertRefused(config(#", "sample_size": [64, 1000000000]"#), "too large")
    }

    func testOtherSizesAreCapped() {
        assertRefused(config(#", "in_channels": 100000"#), "in_channels")
        assertRefused(config(#", "layers_per_block": 100000"#), "layers_per_block")
        assertRefused(config(#", "time_embedding_dim": 100000000"#), "time_embedding_dim")
        assertRefused(config(#", "num_class_embeds": 1000000000"#), "num_class_embeds")
    }

    func testEachSizeWithinItsCapButTooManyParametersInTotalIsRefused() {
        // 8 blocks of width 16384 with 64 layers: about 2.6e13 parameters.
        assertRefused(
            config(#", "layers_per_block": 64, "sample_size": 256"#, widths: Array(repeating: 16384, count: 8)),
            "parameters")
    }

    func testEveryPresetIsWithinTheLimits() throws {
        for name in UNetConfig.presetNames {
            let preset = try UNetConfig.preset(named: name)
            XCTAssertNoThrow(try preset.validate(), name)
            XCTAssertLessThan(preset.minimumParameterCount, UNetConfig.Limits.maximumParameters)
        }
    }

    func testModelFolderRefusesAHugeConfigBeforeAllocatingWeights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("UNetConfigLimitsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try config("", widths: [1_000_000]).write(to: folder.appendingPathComponent(ModelFolder.configName))
        try Data([2, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]).write(to: folder.appendingPathComponent(ModelFolder.weightsName))
        XCTAssertThrowsError(try ModelFolder.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains("config.json") && "\(error)".contains("1000000"), "\(error)")
        }
    }
}
