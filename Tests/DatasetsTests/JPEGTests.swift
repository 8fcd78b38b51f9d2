import Foundation
import Tensors
import XCTest
@testable import Datasets

/// JPEG through the system libjpeg-turbo (package trait `JPEG`): the fixtures of
/// tools/make_jpeg_fixtures.py against Pillow's decoding, EXIF orientation, bad files, folders
/// mixing JPEG and PNG. Without the trait, JPEG files are refused with the way to build it.
final class JPEGTests: XCTestCase {
    private var jpegFolder: URL { DatasetTestSupport.fixtures.appendingPathComponent("jpeg") }

    private func fixture(_ name: String) -> String { jpegFolder.appendingPathComponent(name).path }

    /// The orientation transform on a 3×2 image against the eight EXIF cases written out.
    func testOrientationTransforms() {
        // a b c
        // d e f
        let image: [UInt16] = [1, 2, 3, 4, 5, 6]
        let expected: [Int: ([UInt16], Int, Int)] = [
            1: ([1, 2, 3, 4, 5, 6], 3, 2),
            2: ([3, 2, 1, 6, 5, 4], 3, 2),
            3: ([6, 5, 4, 3, 2, 1], 3, 2),
            4: ([4, 5, 6, 1, 2, 3], 3, 2),
            5: ([1, 4, 2, 5, 3, 6], 2, 3),
            6: ([4, 1, 5, 2, 6, 3], 2, 3),
            7: ([6, 3, 5, 2, 4, 1], 2, 3),
            8: ([3, 6, 2, 5, 1, 4], 2, 3),
        ]
        for (orientation, (samples, width, height)) in expected {
            let result = JPEG.oriented(image, width: 3, height: 2, channels: 1, orientation: orientation)
            XCTAssertEqual(result.samples, samples, "orientation \(orientation)")
            XCTAssertEqual([result.width, result.height], [width, height], "orientation \(orientation)")
        }
    }

    #if JPEG
        /// Every good fixture decodes to Pillow's pixels (its libjpeg-turbo; at most 1 apart per sample).
        func testDecodesEveryFixtureAsPillowDoes() throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: jpegFolder.path)
                .filter { $0.hasSuffix(".jpg") && !$0.hasPrefix("bad-") }.sorted()
            XCTAssertGreaterThanOrEqual(names.count, 14)
            for name in names {
                let image = try JPEG.read(contentsOfFile: fixture(name))
                let expected = try PNG.read(contentsOfFile: fixture(String(name.dropLast(4)) + ".expected.png"))
                XCTAssertEqual(image.colorModel, expected.colorModel, name)
                XCTAssertEqual([image.width, image.height], [expected.width, expected.height], name)
                let largest = zip(image.samples, expected.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(largest, 1, "\(name): largest difference \(largest)")
            }
            XCTAssertEqual(try JPEG.read(contentsOfFile: fixture("gray.jpg")).colorModel, .gray)
            let turned = try JPEG.read(contentsOfFile: fixture("orientation-6.jpg"))
            XCTAssertEqual([turned.width, turned.height], [12, 16], "orientation 6 turns the 16×12 image upright")
        }

        func testBadFilesGiveOneLineErrorsNamingTheFile() throws {
            for (name, fragment) in [
                ("bad-truncated.jpg", "the data ends early"), ("bad-zero-size.jpg", "not a readable JPEG"),
                ("bad-cmyk.jpg", "CMYK/YCCK JPEG is not supported"), ("bad-not-jpeg.jpg", "does not start with the bytes FF D8 FF"),
            ] {
                assertDatasetError([name, fragment]) { try JPEG.read(contentsOfFile: self.fixture(name)) }
            }
            let bytes = try FileAccess.readBytes(atPath: fixture("rgb444.jpg"))
            assertDatasetError(["pixels exceed the limit of 100"]) {
                try JPEG.decode(bytes, limits: PNG.Limits(maximumPixels: 100))
            }
            // Every prefix of a file is refused or decoded, never a crash.
            for length in Swift.stride(from: 0, to: bytes.count, by: 7) {
                XCTAssertThrowsError(try JPEG.decode(Array(bytes.prefix(length))), "prefix of \(length) bytes")
            }
            for (index, flip) in [(20, 0x55), (200, 0xFF), (400, 0x01), (bytes.count - 10, 0xAA)] {
                var damaged = bytes
                damaged[index] ^= UInt8(flip)
                _ = try? JPEG.decode(damaged)
            }
        }

        /// A folder of JPEGs and PNGs in class sub-folders reads as one data set, colour, resized.
        func testFolderMixingJPEGAndPNG() throws {
            let folder = try DatasetTestSupport.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            for (name, target) in [
                ("rgb420.jpg", "cats/a.jpg"), ("orientation-6.jpg", "cats/b.JPEG"),
                ("gray.jpg", "dogs/c.jpeg"), ("rgb444.expected.png", "dogs/d.png"),
            ] {
                let url = folder.appendingPathComponent(target)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: fixture(name), toPath: url.path)
            }
            let read = try ImageFolder(path: folder.path, options: ImageFolder.Options(imageSize: 8))
            XCTAssertEqual(read.files, ["cats/a.jpg", "cats/b.JPEG", "dogs/c.jpeg", "dogs/d.png"])
            XCTAssertEqual(read.dataset.images.shape, [4, 3, 8, 8])
            XCTAssertEqual(read.dataset.labels, [0, 0, 1, 1])
            XCTAssertEqual(read.dataset.classNames, ["cats", "dogs"])
            try FileManager.default.copyItem(atPath: fixture("bad-truncated.jpg"), toPath: folder.appendingPathComponent("dogs/e.jpg").path)
            assertDatasetError(["dogs/e.jpg", "the data ends early"]) {
                try ImageFolder(path: folder.path, options: ImageFolder.Options(imageSize: 8))
            }
        }
    #else
        func testJPEGFilesAskForTheTrait() throws {
            XCTAssertFalse(JPEG.isAvailable)
            assertDatasetError(["rgb420.jpg", "--traits JPEG"]) { try JPEG.read(contentsOfFile: self.fixture("rgb420.jpg")) }
            let folder = try DatasetTestSupport.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.copyItem(atPath: fixture("rgb420.jpg"), toPath: folder.appendingPathComponent("a.jpg").path)
            assertDatasetError(["a.jpg", "libjpeg62-turbo-dev"]) { try ImageFolder(path: folder.path) }
        }
    #endif
}
