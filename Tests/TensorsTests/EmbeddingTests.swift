import Tensors
import XCTest

final class EmbeddingTests: XCTestCase {
    func testLookup() {
        let table = Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
        let y = Tensor.embedding(table, indices: [2, 0, 2])
        XCTAssertEqual(y.shape, [3, 2])
        XCTAssertEqual(y.scalars, [20, 21, 0, 1, 20, 21])
        XCTAssertEqual(Tensor.embedding(table, indices: []).shape, [0, 2])
    }

    func testBackwardScatterAddsRepeatedRows() {
        let table = Tensor.zeros([3, 2])
        table.requiresGrad = true
        let g = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        Tensor.embedding(table, indices: [2, 0, 2]).backward(g)
        XCTAssertEqual(table.grad?.scalars, [3, 4, 0, 0, 6, 8])
    }

    func testGradient() {
        let table = GradientCheck.random([5, 3], seed: 95)
        GradientCheck.check([table]) { Tensor.embedding($0[0], indices: [4, 1, 1, 0, 4, 4]) }
    }
}
