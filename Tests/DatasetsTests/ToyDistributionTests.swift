import Datasets
import Tensors
import XCTest

final class ToyDistributionTests: XCTestCase {
    private func moments(_ t: Tensor) -> (mean: [Double], std: [Double]) {
        let n = t.shape[0]
        var mean = [0.0, 0.0], square = [0.0, 0.0]
        for i in 0..<n {
            for d in 0..<2 {
                let v = Double(t.scalars[2 * i + d])
                mean[d] += v
                square[d] += v * v
            }
        }
        mean = mean.map { $0 / Double(n) }
        let std = (0..<2).map { (square[$0] / Double(n) - mean[$0] * mean[$0]).squareRoot() }
        return (mean, std)
    }

    func testShapesSeedingAndRoughStandardisation() throws {
        for toy in ToyDistribution.allCases {
            let a = try toy.sample(20_000, seed: 5)
            XCTAssertEqual(a.shape, [20_000, 2])
            XCTAssertEqual(a.scalars, try toy.sample(20_000, seed: 5).scalars, "\(toy) not deterministic")
            XCTAssertNotEqual(a.scalars, try toy.sample(20_000, seed: 6).scalars)
            XCTAssertTrue(a.scalars.allSatisfy(\.isFinite))
            let (mean, std) = moments(a)
            for d in 0..<2 {
                XCTAssertEqual(mean[d], 0, accuracy: 0.06, "\(toy) mean \(mean)")
                XCTAssertEqual(std[d], 1, accuracy: 0.12, "\(toy) std \(std)")
            }
        }
    }

    func testShapeOfEachDistribution() throws {
        // Eight Gaussians: every point near one of eight centres on the circle of radius √2.
        let gaussians = try ToyDistribution.eightGaussians.sample(2000, seed: 1)
        var hits = Set<Int>()
        for i in 0..<2000 {
            let (x, y) = (gaussians.scalars[2 * i], gaussians.scalars[2 * i + 1])
            let k = (Int((atan2(y, x) / (.pi / 4)).rounded()) + 8) % 8
            let (cx, cy) = (2.0.squareRoot() * cos(Double(k) * .pi / 4), 2.0.squareRoot() * sin(Double(k) * .pi / 4))
            XCTAssertLessThan(((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot(), 0.6)
            hits.insert(k)
        }
        XCTAssertEqual(hits.count, 8)
        // Checkerboard: points only on squares where floor(x') + floor(y') is odd (in board units).
        let board = try ToyDistribution.checkerboard.sample(2000, seed: 2)
        for i in 0..<2000 {
            let x = Double(board.scalars[2 * i]) * 1.1547, y = Double(board.scalars[2 * i + 1]) * 1.1547
            XCTAssertEqual((Int(x.rounded(.down)) + Int(y.rounded(.down)) + 100) % 2, 0, "(\(x), \(y))")
        }
        // Two moons: the two halves (split by the sign of the raw y offset) are both present.
        let moons = try ToyDistribution.twoMoons.sample(1000, seed: 3)
        let upper = (0..<1000).filter { moons.scalars[2 * $0 + 1] > 0 }.count
        XCTAssertTrue((350...650).contains(upper), "\(upper)")
    }

    func testNamesAndBadCounts() {
        XCTAssertEqual(ToyDistribution(name: "moons"), .twoMoons)
        XCTAssertEqual(ToyDistribution(name: "8gaussians"), .eightGaussians)
        XCTAssertEqual(ToyDistribution(name: "Swiss_Roll"), .swissRoll)
        XCTAssertEqual(ToyDistribution(name: "checkerboard"), .checkerboard)
        XCTAssertNil(ToyDistribution(name: "spirals"))
        assertDatasetError(["toy:swiss-roll", "sample count -1"]) { try ToyDistribution.swissRoll.sample(-1, seed: 0) }
    }
}
