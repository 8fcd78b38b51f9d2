@testable import Datasets
import Foundation
import XCTest

/// The decoder against files written by Pillow and by an independent Python encoder
/// (tools/make_png_fixtures.py), and against corrupt files.
final class PNGDecoderTests: XCTestCase {
    private struct Expected: Decodable {
        let width: Int
        let height: Int
        let colorModel: String
        let bitDepth: Int
        let samples: [UInt16]
        let writer: String
    }

    private var pngFolder: URL { DatasetTestSupport.fixtures.appendingPathComponent("png") }

    func testDecodesEveryFixtureToItsExpectedPixels() throws {
        let data = try Data(contentsOf: pngFolder.appendingPathComponent("expected.json"))
        let expected = try JSONDecoder().decode([String: Expected].self, from: data)
        XCTAssertGreaterThanOrEqual(expected.count, 26)
        let models: [String: PixelImage.ColorModel] = ["gray": .gray, "grayAlpha": .grayAlpha, "rgb": .rgb, "rgba": .rgba]
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            let image = try PNG.read(contentsOfFile: pngFolder.appendingPathComponent(name).path)
            XCTAssertEqual(image.width, want.width, name)
            XCTAssertEqual(image.height, want.height, name)
            XCTAssertEqual(image.colorModel, models[want.colorModel], name)
            XCTAssertEqual(image.bitDepth, want.bitDepth, name)
            XCTAssertEqual(image.samples, want.samples, name)
        }
    }

    func testCoversEveryColourTypeDepthAndInterlace() throws {
        var seen = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: pngFolder.path) where name.hasSuffix(".png") {
            let bytes = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent(name).path)
            seen.insert("ct\(bytes[25])-d\(bytes[24])-i\(bytes[28])")
        }
        for combination in [
            "ct0-d1-i0", "ct0-d2-i0", "ct0-d4-i0", "ct0-d8-i0", "ct0-d16-i0", "ct2-d8-i0", "ct2-d16-i0",
            "ct3-d1-i0", "ct3-d2-i0", "ct3-d4-i0", "ct3-d8-i0", "ct4-d8-i0", "ct4-d16-i0",
            "ct6-d8-i0", "ct6-d16-i0", "ct0-d1-i1", "ct0-d8-i1", "ct2-d8-i1", "ct3-d4-i1", "ct6-d16-i1",
        ] {
            XCTAssertTrue(seen.contains(combination), "no fixture for \(combination)")
        }
    }

    func testErrorsNameTheFile() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("notes.png").path
        try FileAccess.writeAtomically(Array("hello, not an image\n".utf8), toPath: path)
        assertDatasetError([path, "not a PNG file"]) { try PNG.read(contentsOfFile: path) }
    }

    func testBadSignature() throws {
        var bytes = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent("gray8.png").path)
        bytes[1] = UInt8(ascii: "Q")
        assertDatasetError(["x.png", "not a PNG"]) { try PNG.decode(bytes, source: "x.png") }
        assertDatasetError(["x.png", "not a PNG"]) { try PNG.decode([], source: "x.png") }
    }

    func testBadCRCIsNamed() throws {
        var bytes = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent("rgb8.png").path)
        bytes[bytes.count - 20] ^= 0x40  // inside the IDAT data
        assertDatasetError(["x.png", "bad CRC in chunk IDAT"]) { try PNG.decode(bytes, source: "x.png") }
    }

    func testEveryTruncationFailsCleanly() throws {
        for name in ["gray8.png", "rgb8_adam7.png", "palette_trns.png"] {
            let bytes = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent(name).path)
            for length in 0..<bytes.count {
                XCTAssertThrowsError(try PNG.decode(Array(bytes[0..<length]), source: name)) { error in
                    XCTAssertTrue(error is DatasetError, "\(name)[0..<\(length)]: \(error)")
                }
            }
        }
        let bytes = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent("gray8.png").path)
        assertDatasetError(["t.png", "truncated"]) { try PNG.decode(Array(bytes.dropLast(30)), source: "t.png") }
    }

    func testHugeDimensionsAreRefusedBeforeAllocating() {
        let huge = DatasetTestSupport.png(width: 1 << 30, height: 1 << 30, colorType: 6, raw: nil, idat: [0x78, 0x9C, 0x03, 0x00])
        assertDatasetError(["h.png", "exceeds the limit"]) { try PNG.decode(huge, source: "h.png") }
        let large = DatasetTestSupport.png(width: 8000, height: 8000, colorType: 2, raw: [0, 1, 2, 3])
        assertDatasetError(["h.png", "cannot hold a 8000×8000 image"]) { try PNG.decode(large, source: "h.png") }
        let zero = DatasetTestSupport.png(width: 0, height: 5, raw: [0])
        assertDatasetError(["h.png", "IHDR gives size 0×5"]) { try PNG.decode(zero, source: "h.png") }
        let negative = DatasetTestSupport.png(width: 0x8000_0000, height: 1, raw: [0])
        assertDatasetError(["h.png", "width and height"]) { try PNG.decode(negative, source: "h.png") }
    }

    func testInvalidHeaderFieldsAndChunkOrder() {
        assertDatasetError(["bit depth 16 is invalid for colour type 3"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, bitDepth: 16, colorType: 3, raw: [0, 0, 0]), source: "p")
        }
        assertDatasetError(["colour type 5 is invalid"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, colorType: 5, raw: [0, 0]), source: "p")
        }
        assertDatasetError(["interlace method 2"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, interlace: 2, raw: [0, 0]), source: "p")
        }
        assertDatasetError(["without a PLTE"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, colorType: 3, raw: [0, 0]), source: "p")
        }
        assertDatasetError(["no IDAT"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, raw: nil), source: "p")
        }
        assertDatasetError(["unknown critical chunk ABCD"]) {
            try PNG.decode(DatasetTestSupport.png(width: 1, height: 1, raw: [0, 0], before: [("ABCD", [1])]), source: "p")
        }
        var noHeader = PNG.signature
        PNG.appendChunk("IDAT", Zlib.compress([0, 0]), to: &noHeader)
        assertDatasetError(["first chunk is IDAT, expected IHDR"]) { try PNG.decode(noHeader, source: "p") }
        XCTAssertNoThrow(
            try PNG.decode(
                DatasetTestSupport.png(width: 1, height: 1, raw: [0, 9], before: [("tIME", [1, 2])]),
                source: "p"))
    }

    func testBadImageDataContents() {
        assertDatasetError(["row 1 has unknown filter type 7"]) {
            try PNG.decode(DatasetTestSupport.png(width: 2, height: 2, raw: [0, 1, 2, 7, 3, 4]), source: "p")
        }
        assertDatasetError(["p", "too short"]) {
            try PNG.decode(DatasetTestSupport.png(width: 2, height: 2, raw: [0, 1, 2, 0, 3]), source: "p")
        }
        assertDatasetError(["p", "more bytes than its header"]) {
            try PNG.decode(DatasetTestSupport.png(width: 2, height: 2, raw: [0, 1, 2, 0, 3, 4, 0]), source: "p")
        }
        assertDatasetError(["palette index 3", "2-entry PLTE"]) {
            try PNG.decode(
                DatasetTestSupport.png(
                    width: 2, height: 1, colorType: 3, raw: [0, 1, 3],
                    before: [("PLTE", [0, 0, 0, 9, 9, 9])]), source: "p")
        }
        assertDatasetError(["corrupt PNG image data"]) {
            try PNG.decode(DatasetTestSupport.png(width: 2, height: 2, raw: nil, idat: [0x78, 0x9C, 0xFF, 0xFF, 0xFF]), source: "p")
        }
    }

    /// Random damage to valid files, with CRCs repaired so that the damage reaches the
    /// decompressor and the filters: every outcome must be an image or a DatasetError.
    func testRandomDamageWithRepairedCRCsNeverTraps() throws {
        var generator = RandomSource(seed: 99)
        for name in ["rgb8_filters.png", "gray2_adam7.png", "palette4_adam7.png", "rgba16_adam7.png"] {
            let original = try FileAccess.readBytes(atPath: pngFolder.appendingPathComponent(name).path)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<(1 + generator.next() % 4) {
                    bytes[8 + generator.next() % (bytes.count - 8)] = UInt8(truncatingIfNeeded: generator.next())
                }
                repairCRCs(&bytes)
                do {
                    let image = try PNG.decode(bytes, source: name)
                    XCTAssertEqual(image.samples.count, image.width * image.height * image.colorModel.channels)
                } catch {
                    XCTAssertTrue(error is DatasetError, "\(error)")
                }
            }
        }
    }

    private func repairCRCs(_ bytes: inout [UInt8]) {
        var offset = 8
        while bytes.count - offset >= 12 {
            let length = Int(PNG.bigEndian32(bytes, offset))
            guard length <= bytes.count - offset - 12 else { return }
            var crc: [UInt8] = []
            PNG.appendBigEndian(Zlib.crc32(bytes[(offset + 4)..<(offset + 8 + length)]), to: &crc)
            bytes.replaceSubrange((offset + 8 + length)..<(offset + 12 + length), with: crc)
            offset += 12 + length
        }
    }
}

/// A tiny deterministic generator for test inputs (xorshift).
struct RandomSource {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state >> 33)
    }
}
