import Datasets
import Foundation
import QualityMetrics
import Tensors
import TestSupport
import XCTest
@testable import Pipelines

/// The statistics cache computes a set once, reads it back exactly, and computes
/// anew when the files, the weights or the entry change.
final class FeatureStatisticsCacheTests: XCTestCase {
    func testComputesOnceAndNoticesChangedFilesAndWeights() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let digits = try BundledDataset.mnist.load(split: .test).images
        for n in 0..<6 {
            try PNG.write(
                try PixelImage(tensor: digits.slice(axis: 0, n..<(n + 1)).reshaped([1, 28, 28])),
                toFile: images.appendingPathComponent("d\(n).png").path)
        }
        let cache = FeatureStatisticsCache(folder: folder.appendingPathComponent("cache"))
        let network = try MNISTFeatureNet.bundled()
        let set = try ImageSet(images.path)
        XCTAssertEqual(set, .data(.imageFolder(path: images.path), .all))

        var progress: [Int] = []
        let first = try set.statistics(in: network, cache: cache) { done, _ in progress.append(done) }
        XCTAssertEqual(progress.last, 6)
        XCTAssertEqual(first.count, 6)
        progress = []
        let second = try set.statistics(in: network, cache: cache) { done, _ in progress.append(done) }
        XCTAssertEqual(second, first, "read back exactly")
        XCTAssertEqual(progress, [], "not computed again")

        // Another file: another key, computed anew.
        let key = try XCTUnwrap(try set.cacheKey(for: network))
        try PNG.write(
            try PixelImage(tensor: digits.slice(axis: 0, 6..<7).reshaped([1, 28, 28])),
            toFile: images.appendingPathComponent("d6.png").path)
        let changed = try XCTUnwrap(try set.cacheKey(for: network))
        XCTAssertNotEqual(changed, key)
        XCTAssertEqual(try set.statistics(in: network, cache: cache).count, 7)

        // Other weights: another network fingerprint.
        var generator = RandomGenerator(seed: 1)
        XCTAssertNotEqual(MNISTFeatureNet(generator: &generator).fingerprint, network.fingerprint)

        // A damaged entry is computed anew and replaced.
        try Data("not a zip".utf8).write(to: cache.url(for: changed))
        progress = []
        XCTAssertEqual(try set.statistics(in: network, cache: cache) { done, _ in progress.append(done) }.count, 7)
        XCTAssertEqual(progress.last, 7)
        XCTAssertEqual(try FeatureStatistics(npzFile: cache.url(for: changed).path).count, 7)

        // Samples (.npy) are never cached.
        let npy = folder.appendingPathComponent("samples.npy").path
        try NPY.write(((digits.slice(axis: 0, 0..<3) + 1) * 0.5), toFile: npy)
        XCTAssertNil(try ImageSet(npy).cacheKey(for: network))

        // A cache that cannot be written (its folder is a file) costs only the time.
        let blocked = FeatureStatisticsCache(folder: URL(fileURLWithPath: npy))
        XCTAssertEqual(try set.statistics(in: network, cache: blocked), try set.statistics(in: network, cache: nil))
    }

    func testSetsAreNamedAsUsersNameThem() throws {
        XCTAssertEqual(try ImageSet("mnist:test"), .data(.bundled(.mnist), .test))
        XCTAssertEqual(try ImageSet("MNIST"), .data(.bundled(.mnist), .all))
        XCTAssertEqual(try ImageSet(trainingData: "mnist"), .data(.bundled(.mnist), .train))
        for (argument, expected) in [
            ("mnist:valid", "mnist:train or mnist:test"), ("/no/such/folder", "no such file or folder"), ("toy:two-moons", "points"),
        ] {
            XCTAssertThrowsError(try ImageSet(argument)) { XCTAssertTrue("\($0)".contains(expected), "\(argument): \($0)") }
        }
    }
}
