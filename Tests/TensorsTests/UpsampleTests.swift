import Tensors
import XCTest

final class UpsampleTests: XCTestCase {
    func testValues() {
        let x = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let y = x.upsampleNearest2x()
        XCTAssertEqual(y.shape, [1, 1, 4, 6])
        XCTAssertEqual(
            y.scalars,
            [
                1, 1, 2, 2, 3, 3,
                1, 1, 2, 2, 3, 3,
                4, 4, 5, 5, 6, 6,
                4, 4, 5, 5, 6, 6,
            ])
    }

    func testBackwardSumsBlocks() {
        let x = Tensor.zeros([1, 1, 1, 2])
        x.requiresGrad = true
        let g = Tensor(shape: [1, 1, 2, 4], scalars: [1, 2, 3, 4, 10, 20, 30, 40])
        x.upsampleNearest2x().backward(g)
        XCTAssertEqual(x.grad?.scalars, [33, 77])
    }

    func testGradients() {
        GradientCheck.check([GradientCheck.random([2, 3, 3, 2], seed: 80)]) { $0[0].upsampleNearest2x() }
        GradientCheck.check([GradientCheck.random([3, 2, 4], seed: 81)]) { $0[0].upsampleNearest2x() }
    }

    func testThreadedMatchesOneThread() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = GradientCheck.random([2, 4, 64, 64], seed: 82)
        Parallel.threadCount = 1
        let one = x.upsampleNearest2x()
        Parallel.threadCount = 2
        let two = x.upsampleNearest2x()
        XCTAssertEqual(one.scalars, two.scalars)
        XCTAssertEqual(two[1, 3, 127, 126], x[1, 3, 63, 63])
    }
}
