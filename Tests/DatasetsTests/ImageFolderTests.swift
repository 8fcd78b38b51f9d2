@testable import Datasets
import Foundation
import XCTest

final class ImageFolderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try DatasetTestSupport.temporaryFolder(name)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(
        _ relative: String, width: Int, height: Int, model: PixelImage.ColorModel = .gray,
        value: (Int, Int, Int) -> UInt16 = { x, y, c in UInt16((x * 30 + y * 7 + c * 50) % 256) },
        depth: Int = 8
    ) throws {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var samples: [UInt16] = []
        for y in 0..<height { for x in 0..<width { for c in 0..<model.channels { samples.append(value(x, y, c)) } } }
        if depth == 16 { samples = samples.map { $0 * 257 } }
        try PNG.write(
            PixelImage(width: width, height: height, colorModel: model, bitDepth: depth, samples: samples),
            toFile: url.path)
    }

    func testClassSubfoldersGiveSortedLabels() throws {
        try write("zebra/b.png", width: 4, height: 3, value: { _, _, _ in 255 })
        try write("apple/x.png", width: 4, height: 3, value: { _, _, _ in 0 })
        try write("apple/deeper/y.png", width: 4, height: 3, model: .grayAlpha)
        try write("mango/z.png", width: 4, height: 3, depth: 16)
        let loaded = try ImageFolder(path: folder.path)
        XCTAssertEqual(loaded.files, ["apple/deeper/y.png", "apple/x.png", "mango/z.png", "zebra/b.png"])
        XCTAssertEqual(loaded.dataset.classNames, ["apple", "mango", "zebra"])
        XCTAssertEqual(loaded.dataset.labels, [0, 0, 1, 2])
        XCTAssertEqual(loaded.dataset.images.shape, [4, 1, 3, 4])
        XCTAssertEqual(Array(loaded.dataset.images.scalars[12..<24]), [Float](repeating: -1, count: 12))
        XCTAssertEqual(Array(loaded.dataset.images.scalars[36..<48]), [Float](repeating: 1, count: 12))
        // The 16-bit image scales to the same values as its 8-bit version would.
        let expected = 2 * Float(30 * 2 + 7 * 1) / 255 - 1
        XCTAssertEqual(loaded.dataset.images.scalars[24 + 1 * 4 + 2], expected, accuracy: 1e-6)
        XCTAssertTrue(loaded.skippedFiles.isEmpty)
    }

    func testFlatFolderIsUnlabelledAndColourMakesRGB() throws {
        try write("a.png", width: 2, height: 2, model: .rgb, value: { _, _, c in c == 0 ? 255 : 0 })
        try write("b.png", width: 2, height: 2, value: { _, _, _ in 255 })
        let loaded = try ImageFolder(path: folder.path)
        XCTAssertNil(loaded.dataset.labels)
        XCTAssertEqual(loaded.dataset.images.shape, [2, 3, 2, 2])
        XCTAssertEqual(Array(loaded.dataset.images.scalars[0..<12]), [1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1])
        XCTAssertEqual(Array(loaded.dataset.images.scalars[12..<24]), [Float](repeating: 1, count: 12))
        let gray = try ImageFolder(path: folder.path, options: .init(channels: .gray))
        XCTAssertEqual(gray.dataset.images.shape, [2, 1, 2, 2])
        XCTAssertEqual(gray.dataset.images.scalars[0], 2 * 0.299 - 1, accuracy: 1e-5)
    }

    func testMixedSizesNeedAnImageSize() throws {
        try write("a.png", width: 8, height: 6)
        try write("b.png", width: 4, height: 4)
        assertDatasetError(["b.png", "is 4×4 but a.png is 8×6", "mixed sizes"]) { try ImageFolder(path: self.folder.path) }
        let resized = try ImageFolder(path: folder.path, options: .init(imageSize: 3))
        XCTAssertEqual(resized.dataset.images.shape, [2, 1, 3, 3])
        assertDatasetError(["image size 0"]) { try ImageFolder(path: self.folder.path, options: .init(imageSize: 0)) }
    }

    func testNonImageFilesAreSkippedAndListedOrRefused() throws {
        try write("a.png", width: 2, height: 2)
        try Data("text".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Data("x".utf8).write(to: folder.appendingPathComponent(".hidden"))
        let loaded = try ImageFolder(path: folder.path)
        XCTAssertEqual(loaded.skippedFiles, ["notes.txt"])
        XCTAssertEqual(loaded.dataset.count, 1)
        assertDatasetError(["notes.txt", "not a PNG or JPEG image"]) {
            try ImageFolder(path: self.folder.path, options: .init(nonImageFiles: .refuse))
        }
    }

    func testEmptyMissingAndNonFolderPaths() throws {
        assertDatasetError([folder.path, "no PNG or JPEG images"]) { try ImageFolder(path: self.folder.path) }
        try Data("text".utf8).write(to: folder.appendingPathComponent("readme.md"))
        assertDatasetError([folder.path, "no PNG or JPEG images", "1 other files skipped"]) { try ImageFolder(path: self.folder.path) }
        assertDatasetError(["nowhere", "no such folder"]) { try ImageFolder(path: self.folder.path + "/nowhere") }
        assertDatasetError(["readme.md", "is a file"]) { try ImageFolder(path: self.folder.path + "/readme.md") }
    }

    func testCorruptImageIsNamed() throws {
        try write("good.png", width: 2, height: 2)
        try Data("not really a png".utf8).write(to: folder.appendingPathComponent("bad.png"))
        assertDatasetError(["bad.png", "not a PNG file"]) { try ImageFolder(path: self.folder.path) }
    }

    func testTopLevelAndSubfolderImagesTogetherAreRefused() throws {
        try write("a.png", width: 2, height: 2)
        try write("cats/b.png", width: 2, height: 2)
        assertDatasetError(["both at the top level (a.png)", "cats/b.png"]) { try ImageFolder(path: self.folder.path) }
    }
}
