import Datasets
import Foundation
import Tensors
import XCTest

final class DataLoaderTests: XCTestCase {
    /// 10 images [1, 2, 3], image i holding values 100·i + (0…5).
    private func images(_ n: Int = 10) throws -> ImageDataset {
        let scalars = (0..<n).flatMap { i in (0..<6).map { Float(100 * i + $0) } }
        return try ImageDataset(images: Tensor(shape: [n, 1, 2, 3], scalars: scalars), labels: (0..<n).map { $0 % 4 })
    }

    private func drain(_ loader: inout DataLoader, _ batches: Int) -> [[Int]] {
        (0..<batches).map { _ in loader.nextBatch().indices }
    }

    func testEachEpochIsASeededPermutation() throws {
        var loader = try DataLoader(dataset: images(), batchSize: 3, seed: 11)
        XCTAssertEqual(loader.batchesPerEpoch, 3)
        let epoch0 = drain(&loader, 3)
        XCTAssertEqual(loader.position, DataPosition(epoch: 1, index: 0))
        let epoch1 = drain(&loader, 3)
        XCTAssertEqual(epoch0.flatMap { $0 }, Array(loader.order(epoch: 0).prefix(9)))
        XCTAssertEqual(Set(loader.order(epoch: 0)), Set(0..<10))
        XCTAssertNotEqual(epoch0, epoch1)
        var same = try DataLoader(dataset: images(), batchSize: 3, seed: 11)
        XCTAssertEqual(drain(&same, 6), epoch0 + epoch1)
        var other = try DataLoader(dataset: images(), batchSize: 3, seed: 12)
        XCTAssertNotEqual(drain(&other, 3), epoch0)
    }

    func testBatchContentsAndLabelsFollowIndices() throws {
        let data = try images()
        var loader = try DataLoader(dataset: data, batchSize: 4, seed: 3)
        let batch = loader.nextBatch()
        XCTAssertEqual(batch.samples.shape, [4, 1, 2, 3])
        for (row, index) in batch.indices.enumerated() {
            XCTAssertEqual(Array(batch.samples.scalars[(6 * row)..<(6 * row + 6)]), (0..<6).map { Float(100 * index + $0) })
            XCTAssertEqual(batch.labels?[row], index % 4)
        }
    }

    func testResumingFromASavedPositionGivesTheSameBatches() throws {
        var uninterrupted = try DataLoader(dataset: images(), batchSize: 3, seed: 7, horizontalFlip: true)
        let expected = (0..<10).map { _ in uninterrupted.nextBatch() }

        var first = try DataLoader(dataset: images(), batchSize: 3, seed: 7, horizontalFlip: true)
        let head = (0..<4).map { _ in first.nextBatch() }
        let saved = try JSONEncoder().encode(first.position)
        let position = try JSONDecoder().decode(DataPosition.self, from: saved)
        var resumed = try DataLoader(dataset: images(), batchSize: 3, seed: 7, horizontalFlip: true, position: position)
        let tail = (0..<6).map { _ in resumed.nextBatch() }
        for (a, b) in zip(expected, head + tail) {
            XCTAssertEqual(a.indices, b.indices)
            XCTAssertEqual(a.flipped, b.flipped)
            XCTAssertEqual(a.samples.scalars, b.samples.scalars)
        }
    }

    func testHorizontalFlipMirrorsRowsForAboutHalf() throws {
        var loader = try DataLoader(dataset: images(200), batchSize: 50, seed: 5, horizontalFlip: true)
        var flippedCount = 0
        for _ in 0..<4 {
            let batch = loader.nextBatch()
            for (row, index) in batch.indices.enumerated() {
                let got = Array(batch.samples.scalars[(6 * row)..<(6 * row + 6)])
                let base = Float(100 * index)
                let plain = (0..<6).map { base + Float($0) }
                let mirrored: [Float] = [2, 1, 0, 5, 4, 3].map { base + $0 }
                XCTAssertEqual(got, batch.flipped[row] ? mirrored : plain)
                if batch.flipped[row] { flippedCount += 1 }
            }
        }
        XCTAssertTrue((70...130).contains(flippedCount), "\(flippedCount) of 200 flipped")
        var plain = try DataLoader(dataset: images(), batchSize: 5, seed: 5)
        XCTAssertFalse(plain.nextBatch().flipped.contains(true))
    }

    func testKeepLastPartialBatchAndNoShuffle() throws {
        var loader = try DataLoader(dataset: images(), batchSize: 4, seed: 1, shuffle: false, dropLast: false)
        XCTAssertEqual(loader.batchesPerEpoch, 3)
        XCTAssertEqual(drain(&loader, 4), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]])
    }

    func testToySamplesWithoutLabels() throws {
        let points = try ToyDistribution.twoMoons.sample(100, seed: 1)
        var loader = try DataLoader(samples: points, batchSize: 32, seed: 2)
        let batch = loader.nextBatch()
        XCTAssertEqual(batch.samples.shape, [32, 2])
        XCTAssertNil(batch.labels)
        XCTAssertEqual(Array(batch.samples.scalars[0..<2]), Array(points.scalars[(2 * batch.indices[0])..<(2 * batch.indices[0] + 2)]))
    }

    func testInvalidSettings() throws {
        let data = try images()
        assertDatasetError(["batch size 0"]) { try DataLoader(dataset: data, batchSize: 0, seed: 1) }
        assertDatasetError(["batch size 11 is larger than the 10 samples"]) { try DataLoader(dataset: data, batchSize: 11, seed: 1) }
        XCTAssertNoThrow(try DataLoader(dataset: data, batchSize: 11, seed: 1, dropLast: false))
        assertDatasetError(["horizontal flip needs images"]) {
            try DataLoader(samples: Tensor.zeros([4, 2]), batchSize: 2, seed: 1, horizontalFlip: true)
        }
        assertDatasetError(["no samples"]) { try DataLoader(samples: Tensor.zeros([0, 2]), batchSize: 1, seed: 1) }
        assertDatasetError(["3 labels for 4 samples"]) {
            try DataLoader(samples: Tensor.zeros([4, 2]), labels: [0, 1, 2], batchSize: 2, seed: 1)
        }
        assertDatasetError(["index 11 is outside"]) {
            try DataLoader(dataset: data, batchSize: 2, seed: 1, position: DataPosition(epoch: 0, index: 11))
        }
        assertDatasetError(["epoch \(Int.max)"]) {
            try DataLoader(dataset: data, batchSize: 2, seed: 1, position: DataPosition(epoch: .max, index: 0))
        }
        assertDatasetError(["epoch -1"]) {
            try DataLoader(dataset: data, batchSize: 2, seed: 1, position: DataPosition(epoch: -1, index: 0))
        }
    }
}
