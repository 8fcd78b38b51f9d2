import Tensors
import XCTest

final class ShapeOpGradientTests: XCTestCase {
    func testReductions() {
        let x = GradientCheck.random([2, 3, 4], seed: 5)
        GradientCheck.check([x]) { $0[0].sum(axes: [1]) }
        GradientCheck.check([x]) { $0[0].sum(axes: [0, 2], keepingDims: true) }
        GradientCheck.check([x]) { $0[0].mean(axes: [-1]) }
        GradientCheck.check([x]) { $0[0].mean() }
        GradientCheck.check([x]) { $0[0].max(axis: 1) }
    }

    func testReductionValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(x.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(x.sum(axis: 1, keepingDims: true).shape, [2, 1])
        XCTAssertEqual(x.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(x.mean().item, 3.5)
    }

    func testMovement() {
        let x = GradientCheck.random([2, 3, 4], seed: 6)
        GradientCheck.check([x]) { $0[0].reshaped([6, -1]) }
        GradientCheck.check([x]) { $0[0].permuted([2, 0, 1]) }
        GradientCheck.check([x]) { $0[0].transposed(0, 2) }
        GradientCheck.check([x]) { $0[0].slice(axis: 1, 1..<3) }
        GradientCheck.check([x]) { $0[0].split([1, 3], axis: 2)[1] }
        let y = GradientCheck.random([2, 2, 4], seed: 7)
        GradientCheck.check([x, y]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        GradientCheck.check([x]) { $0[0].broadcast(to: [3, 2, 3, 4]) }
    }

    func testPermuteValues() {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(x.T.scalars, [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(Tensor.concat([x, x], axis: 0).shape, [4, 3])
        XCTAssertEqual(Tensor.concat([x, x], axis: 1).scalars, [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
    }

    /// Empty pieces copy nothing and trap nowhere, forwards or backwards.
    func testEmptyPieces() {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5], requiresGrad: true)
        let empty = Tensor(shape: [2, 0], scalars: [])
        XCTAssertEqual(Tensor.concat([empty, x, empty], axis: 1).scalars, x.scalars)
        XCTAssertEqual(Tensor.concat([empty, empty], axis: 1).shape, [2, 0])
        let none = x.slice(axis: 1, 1..<1)
        XCTAssertEqual(none.shape, [2, 0])
        (none.sum() + x.slice(axis: 1, 2..<3).sum()).backward()
        XCTAssertEqual(x.grad?.scalars, [0, 0, 1, 0, 0, 1])
    }

    func testMatMul() {
        let a = GradientCheck.random([3, 4], seed: 8)
        let b = GradientCheck.random([4, 5], seed: 9)
        GradientCheck.check([a, b]) { $0[0].matmul($0[1]) }
        let at = GradientCheck.random([4, 3], seed: 10)
        let bt = GradientCheck.random([5, 4], seed: 11)
        GradientCheck.check([at, bt]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) }
        GradientCheck.check([a, bt]) { Tensor.matmul($0[0], $0[1], transposeA: false, transposeB: true) }
        let ba = GradientCheck.random([2, 3, 4], seed: 12)
        let bb = GradientCheck.random([2, 4, 5], seed: 13)
        GradientCheck.check([ba, bb]) { $0[0].matmul($0[1]) }
        GradientCheck.check([ba, b]) { $0[0].matmul($0[1]) }
        let bk = GradientCheck.random([2, 5, 4], seed: 14)
        GradientCheck.check([ba, bk]) { Tensor.matmul($0[0], $0[1], transposeA: false, transposeB: true, scale: -0.35) }
        GradientCheck.check([at, b]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: false, scale: 2.5) }
    }

    func testMatMulValues() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        XCTAssertEqual(a.matmul(b).scalars, [19, 22, 43, 50])
        XCTAssertEqual(Tensor.matmul(a, b, transposeA: false, transposeB: false, scale: 0.5).scalars, [9.5, 11, 21.5, 25])
    }

    func testTwoLayerMLPEndToEnd() {
        let x = GradientCheck.random([5, 3], seed: 14)
        let w1 = GradientCheck.random([3, 4], seed: 15)
        let b1 = GradientCheck.random([4], seed: 16)
        let w2 = GradientCheck.random([4, 2], seed: 17)
        GradientCheck.check([w1, b1, w2]) { p in
            ((x.matmul(p[0]) + p[1]).tanh().matmul(p[2])).square().mean(axes: [1])
        }
    }
}
