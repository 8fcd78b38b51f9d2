import Foundation
import Tensors
import XCTest
@testable import QualityMetrics

/// The Fréchet distance and the kernel distance against pytorch-fid's and clean-fid's formulas
/// (numpy/scipy, tools/make_metrics_fixtures.py), singular covariances included.
final class FrechetDistanceTests: XCTestCase {
    struct Fixtures: Decodable {
        struct Case: Decodable {
            let name: String
            let count, dimension: Int
            let a, b, mu_a, sigma_a: [Double]
            let frechet, mmd: Double
        }
        let cases: [Case]
    }

    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/frechet.json")
        return try! JSONDecoder().decode(Fixtures.self, from: try! Data(contentsOf: url))
    }()

    func testStatisticsMatchNumpy() throws {
        for c in Self.fixtures.cases {
            let s = try FeatureStatistics(features: c.a.map { Float($0) }, count: c.count, dimension: c.dimension)
            for (x, y) in zip(s.mean, c.mu_a) { XCTAssertEqual(x, y, accuracy: 1e-12 * Swift.max(1, abs(y)), c.name) }
            for (x, y) in zip(s.covariance, c.sigma_a) { XCTAssertEqual(x, y, accuracy: 1e-10 * Swift.max(1, abs(y)), c.name) }
        }
    }

    func testFrechetDistanceMatchesPytorchFID() throws {
        for c in Self.fixtures.cases {
            let a = try FeatureStatistics(features: c.a.map { Float($0) }, count: c.count, dimension: c.dimension)
            let b = try FeatureStatistics(features: c.b.map { Float($0) }, count: c.count, dimension: c.dimension)
            let d = try FrechetDistance.between(a, b)
            XCTAssertEqual(d, c.frechet, accuracy: 1e-6 * abs(c.frechet), "\(c.name): \(d) vs pytorch-fid \(c.frechet)")
            XCTAssertEqual(try FrechetDistance.between(a, a), 0, accuracy: 1e-6 * Swift.max(1, c.frechet), "\(c.name): d(a, a)")
        }
    }

    func testEigendecompositionReconstructsTheMatrix() throws {
        var generator = RandomGenerator(seed: 3)
        let n = 9
        let g = (0..<(n * n)).map { _ in Double(generator.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = g[i * n + j] + g[j * n + i] } }
        let e = try SymmetricEigendecomposition(a, dimension: n)
        XCTAssertEqual(e.eigenvalues, e.eigenvalues.sorted())
        for i in 0..<n {
            for j in 0..<n {
                let value = (0..<n).reduce(0.0) { $0 + e.eigenvectors[i * n + $1] * e.eigenvalues[$1] * e.eigenvectors[j * n + $1] }
                XCTAssertEqual(value, a[i * n + j], accuracy: 1e-10)
                let dot = (0..<n).reduce(0.0) { $0 + e.eigenvectors[$1 * n + i] * e.eigenvectors[$1 * n + j] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-10)
            }
        }
        XCTAssertEqual(try SymmetricEigendecomposition([4], dimension: 1).eigenvalues, [4])
        XCTAssertThrowsError(try SymmetricEigendecomposition([1, 2, 3], dimension: 2))
    }

    func testKernelDistanceMatchesCleanFID() throws {
        for c in Self.fixtures.cases where c.count <= 300 {
            var generator = RandomGenerator(seed: 1)
            // One subset of every vector: the estimate is the full-set unbiased MMD², whatever the order.
            let result = try KernelInceptionDistance.between(
                c.a.map { Float($0) }, c.b.map { Float($0) }, dimension: c.dimension,
                subsets: 1, maxSubsetSize: c.count, generator: &generator)
            XCTAssertEqual(result.mean, c.mmd, accuracy: 1e-9 * Swift.max(1, abs(c.mmd)), c.name)
        }
        var generator = RandomGenerator(seed: 2)
        let x = (0..<400).map { _ in generator.nextNormal() }
        let same = try KernelInceptionDistance.between(x, x, dimension: 4, subsets: 20, maxSubsetSize: 50, generator: &generator)
        XCTAssertEqual(same.subsetSize, 50)
        XCTAssertLessThan(abs(same.mean), 4 * same.standardDeviation + 1e-9)
        XCTAssertThrowsError(
            try FrechetDistance.between(
                FeatureStatistics(mean: [0], covariance: [1], count: 2),
                FeatureStatistics(mean: [0, 0], covariance: [1, 0, 0, 1], count: 2)))
    }
}
