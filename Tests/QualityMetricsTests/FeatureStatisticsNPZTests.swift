import Datasets
import Foundation
import TestSupport
import XCTest
@testable import QualityMetrics

/// Statistics files as pytorch-fid writes them (np.savez_compressed of mu and
/// sigma, tools/make_metrics_fixtures.py) read, written and compared.
final class FeatureStatisticsNPZTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    func testReadsPytorchFIDStatisticsAndGivesItsDistance() throws {
        let c = FrechetDistanceTests.fixtures.cases[0]
        let file = try FeatureStatistics(npzFile: fixture("stats-a.npz"))
        XCTAssertEqual(file.dimension, c.dimension)
        XCTAssertEqual(file.count, 0, "pytorch-fid's files do not say how many vectors they came from")
        for (x, y) in zip(file.mean, c.mu_a) { XCTAssertEqual(x, y, accuracy: 1e-15 * Swift.max(1, abs(y))) }
        for (x, y) in zip(file.covariance, c.sigma_a) { XCTAssertEqual(x, y, accuracy: 1e-12 * Swift.max(1, abs(y))) }
        let b = try FeatureStatistics(features: c.b.map { Float($0) }, count: c.count, dimension: c.dimension)
        XCTAssertEqual(try FrechetDistance.between(file, b), c.frechet, accuracy: 1e-6 * c.frechet)
    }

    func testWrittenStatisticsReadBackExactly() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let c = FrechetDistanceTests.fixtures.cases[1]
        let statistics = try FeatureStatistics(features: c.a.map { Float($0) }, count: c.count, dimension: c.dimension)
        let path = folder.appendingPathComponent("stats.npz").path
        try statistics.writeNPZ(toFile: path)
        XCTAssertEqual(try FeatureStatistics(npzFile: path), statistics)
        XCTAssertEqual(Set(try NPZ.read(contentsOfFile: path).keys), ["mu", "sigma", "n"])
    }

    func testStatisticsOfAnotherDimensionOrLayoutAreRefused() throws {
        let a = try FeatureStatistics(npzFile: fixture("stats-a.npz"))
        let b = try FeatureStatistics(npzFile: fixture("stats-b.npz"))
        XCTAssertThrowsError(try FrechetDistance.between(a, b)) { error in
            XCTAssertTrue("\(error)".contains("16 and 32 dimensions"), "\(error)")
        }
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let misshaped = folder.appendingPathComponent("misshaped.npz").path
        try NPZ.write(
            [("mu", try NPY.encode(shape: [3], doubles: [1, 2, 3])), ("sigma", try NPY.encode(shape: [2, 2], doubles: [1, 0, 0, 1]))],
            toFile: misshaped)
        XCTAssertThrowsError(try FeatureStatistics(npzFile: misshaped)) { error in
            XCTAssertTrue("\(error)".contains("mu has shape [3] and sigma [2, 2]"), "\(error)")
        }
        let unnamed = folder.appendingPathComponent("unnamed.npz").path
        try NPZ.write([("arr_0", try NPY.encode(shape: [1], doubles: [1]))], toFile: unnamed)
        XCTAssertThrowsError(try FeatureStatistics(npzFile: unnamed)) { error in
            XCTAssertTrue("\(error)".contains("needs the arrays mu and sigma"), "\(error)")
        }
    }
}
