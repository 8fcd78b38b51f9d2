import Foundation
import Tensors
import XCTest
@testable import Datasets

/// The streamed folder loader serves the batches of the in-memory loader over the same folder,
/// bit for bit, across epochs and after seeks; bad files stop it with their name.
final class StreamingDataLoaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DatasetTestSupport.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// 23 images in two classes: grey and colour, of three sizes and aspect ratios.
    private func writeImages() throws {
        var generator = RandomGenerator(seed: 3)
        for i in 0..<23 {
            let (width, height) = [(12, 12), (16, 10), (9, 14)][i % 3]
            let model: PixelImage.ColorModel = i % 4 == 0 ? .gray : .rgb
            let samples = (0..<(width * height * model.channels)).map { _ in UInt16(generator.nextInt(below: 256)) }
            let url = folder.appendingPathComponent(i % 2 == 0 ? "even/\(i).png" : "odd/\(i).png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try PNG.write(PixelImage(width: width, height: height, colorModel: model, samples: samples), toFile: url.path)
        }
    }

    private func assertSame(_ a: Batch, _ b: Batch, _ message: String) {
        XCTAssertEqual(a.samples.shape, b.samples.shape, message)
        XCTAssertTrue(a.samples.scalars == b.samples.scalars, message)
        XCTAssertEqual(a.labels, b.labels, message)
        XCTAssertEqual(a.indices, b.indices, message)
        XCTAssertEqual(a.flipped, b.flipped, message)
    }

    func testServesTheInMemoryLoadersBatchesAcrossEpochsAndSeeks() throws {
        try writeImages()
        let whole = try ImageFolder(path: folder.path, options: ImageFolder.Options(imageSize: 8, channels: .rgb)).dataset
        for split in [DataSplit.train, .all] {
            var memory = try DataLoader(dataset: try whole.split(split), batchSize: 4, seed: 9, horizontalFlip: true)
            let streamed = try StreamingDataLoader(
                path: folder.path, channels: 3, imageSize: 8, split: split, batchSize: 4,
                seed: 9, horizontalFlip: true, cachedImages: 5)
            XCTAssertEqual(streamed.count, memory.count)
            var saved: (DataPosition, [Batch])?
            for step in 0..<(3 * memory.batchesPerEpoch + 1) {
                if step == 7 { saved = (streamed.position, []) }
                let expected = memory.nextBatch()
                assertSame(try streamed.nextBatch(), expected, "\(split) batch \(step)")
                if saved != nil { saved!.1.append(expected) }
                XCTAssertEqual(streamed.position, memory.position)
            }
            // Back to a saved position (a prefetched batch of another position must not be served),
            // and a fresh loader resumed there: the same batches again.
            try streamed.seek(to: saved!.0)
            let resumed = try StreamingDataLoader(
                path: folder.path, channels: 3, imageSize: 8, split: split, batchSize: 4,
                seed: 9, horizontalFlip: true, position: saved!.0)
            for (k, expected) in saved!.1.prefix(6).enumerated() {
                assertSame(try streamed.nextBatch(), expected, "\(split) after seek, batch \(k)")
                assertSame(try resumed.nextBatch(), expected, "\(split) resumed, batch \(k)")
            }
        }
        // Grey: colour files become luma, as the whole-folder reader makes them.
        let grey = try ImageFolder(path: folder.path, options: ImageFolder.Options(imageSize: 8, channels: .gray)).dataset
        var memory = try DataLoader(dataset: grey, batchSize: 5, seed: 1, shuffle: false)
        let streamed = try StreamingDataLoader(path: folder.path, channels: 1, imageSize: 8, batchSize: 5, seed: 1, shuffle: false)
        for step in 0..<6 { assertSame(try streamed.nextBatch(), memory.nextBatch(), "grey batch \(step)") }
    }

    func testBadFilesAndSettingsAreNamed() throws {
        try writeImages()
        let loader = try StreamingDataLoader(path: folder.path, channels: 3, imageSize: 8, batchSize: 23, seed: 0, cachedImages: 0)
        _ = try loader.nextBatch()
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("odd/5.png"))
        let before = loader.position
        assertDatasetError(["odd/5.png"]) { try loader.nextBatch() }
        XCTAssertEqual(loader.position, before, "a failed batch does not advance")
        // Without a size, images must share the first one's.
        assertDatasetError(["images of mixed sizes need an image size"]) {
            let unsized = try StreamingDataLoader(
                path: self.folder.path, channels: 3, imageSize: nil, batchSize: 23, seed: 0,
                shuffle: false)
            _ = try unsized.nextBatch()
        }
        assertDatasetError(["2 channels"]) {
            try StreamingDataLoader(path: self.folder.path, channels: 2, imageSize: 8, batchSize: 2, seed: 0)
        }
        assertDatasetError(["batch size 30 is larger than the 23 images"]) {
            try StreamingDataLoader(path: self.folder.path, channels: 3, imageSize: 8, batchSize: 30, seed: 0)
        }
        assertDatasetError(["outside this folder"]) { try loader.seek(to: DataPosition(epoch: 0, index: 99)) }
    }
}
