@testable import Datasets
import XCTest

final class PNGEncoderTests: XCTestCase {
    private func randomImage(width: Int, height: Int, model: PixelImage.ColorModel, depth: Int, seed: UInt64) throws -> PixelImage {
        var generator = RandomSource(seed: seed)
        let count = width * height * model.channels
        // Half smooth gradient (so the predicting filters matter), half noise.
        let samples: [UInt16] = (0..<count).map { i in
            let value = i % 2 == 0 ? (i * 37) % 256 : generator.next() % 256
            return depth == 16 ? UInt16(value * 257 ^ (generator.next() % 256)) : UInt16(value)
        }
        return try PixelImage(width: width, height: height, colorModel: model, bitDepth: depth, samples: samples)
    }

    func testRoundTripEveryFilterModelAndDepth() throws {
        let choices: [PNGFilterChoice] = [.adaptive] + PNGFilter.allCases.map { .fixed($0) }
        var seed: UInt64 = 1
        for model in PixelImage.ColorModel.allCases {
            for depth in [8, 16] {
                for (width, height) in [(1, 1), (17, 3), (4, 9)] {
                    let image = try randomImage(width: width, height: height, model: model, depth: depth, seed: seed)
                    seed += 1
                    for choice in choices {
                        let decoded = try PNG.decode(PNG.encode(image, filter: choice))
                        XCTAssertEqual(decoded, image, "\(model) \(depth)-bit \(width)×\(height) \(choice)")
                    }
                }
            }
        }
    }

    func testEncodedFileUsesTheChosenFilters() throws {
        let image = try randomImage(width: 8, height: 5, model: .rgb, depth: 8, seed: 3)
        for filter in PNGFilter.allCases {
            let bytes = try PNG.encode(image, filter: .fixed(filter))
            let idatLength = Int(PNG.bigEndian32(bytes, 33))
            let raw = try Inflater(bytes[41..<(41 + idatLength)], format: .zlib, source: "t", what: "d").read(5 * 25)
            XCTAssertEqual(stride(from: 0, to: raw.count, by: 25).map { raw[$0] }, [UInt8](repeating: filter.rawValue, count: 5))
        }
    }

    func testAdaptiveFilteringCompressesSmoothImagesBetterThanNone() throws {
        let width = 64, height = 64
        let samples = (0..<(width * height)).map { UInt16(($0 % width) * 2 + $0 / width) }
        let image = try PixelImage(width: width, height: height, colorModel: .gray, samples: samples)
        let adaptive = try PNG.encode(image, filter: .adaptive).count
        let none = try PNG.encode(image, filter: .fixed(.none)).count
        XCTAssertLessThan(adaptive, none)
    }

    func testRefusesEmptyImagesAndBadSamples() {
        assertDatasetError(["0×3"]) {
            try PNG.encode(PixelImage(width: 0, height: 3, colorModel: .gray, samples: []))
        }
        assertDatasetError(["does not fit in 8 bits"]) {
            try PixelImage(width: 1, height: 1, colorModel: .gray, samples: [256])
        }
        assertDatasetError(["do not fill"]) {
            try PixelImage(width: 2, height: 2, colorModel: .rgb, samples: [1, 2, 3])
        }
        assertDatasetError(["bit depth 4"]) {
            try PixelImage(width: 1, height: 1, colorModel: .gray, bitDepth: 4, samples: [1])
        }
    }

    func testWriteIsAtomicAndReadable() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.png").path
        let image = try randomImage(width: 5, height: 4, model: .rgb, depth: 8, seed: 9)
        try PNG.write(image, toFile: path)
        try PNG.write(image, toFile: path)
        XCTAssertEqual(try PNG.read(contentsOfFile: path), image)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.png"])
        assertDatasetError(["missing", "does not exist"]) {
            try PNG.write(image, toFile: folder.path + "/missing/out.png")
        }
    }
}
