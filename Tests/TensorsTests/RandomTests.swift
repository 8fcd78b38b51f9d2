import Tensors
import XCTest

final class RandomTests: XCTestCase {
    func testSameSeedSameNumbers() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        XCTAssertEqual(a.normals(100), b.normals(100))
        var c = RandomGenerator(seed: 43)
        XCTAssertNotEqual(RandomGenerator(seed: 42).normalsCopy(10), c.normals(10))
    }

    func testStateRoundTripsThroughCodable() throws {
        var g = RandomGenerator(seed: 1)
        _ = g.normals(7)
        let data = try JSONEncoder().encode(g)
        var restored = try JSONDecoder().decode(RandomGenerator.self, from: data)
        XCTAssertEqual(g.normals(20), restored.normals(20))
    }

    func testNormalMoments() {
        var g = RandomGenerator(seed: 3)
        let x = g.normals(200_000).map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }

    func testUniformRangeAndPermutation() {
        var g = RandomGenerator(seed: 4)
        let u = Tensor.uniform([1000], low: -2, high: 3, generator: &g)
        XCTAssertTrue(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
        XCTAssertEqual(g.permutation(50).sorted(), Array(0..<50))
    }
}

private extension RandomGenerator {
    func normalsCopy(_ n: Int) -> [Float] {
        var copy = self
        return copy.normals(n)
    }
}
