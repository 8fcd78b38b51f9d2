import Tensors
import XCTest

final class ElementwiseGradientTests: XCTestCase {
    func testBroadcastingArithmetic() {
        let shapes: [([Int], [Int])] = [
            ([2, 3], [2, 3]), ([2, 3, 4], [3, 1]), ([4], [2, 3, 4]), ([2, 1, 4], [1, 3, 1]), ([], [2, 2]),
        ]
        for (i, (sa, sb)) in shapes.enumerated() {
            let a = GradientCheck.random(sa, seed: UInt64(10 + i))
            let b = GradientCheck.positive(sb, seed: UInt64(20 + i))
            GradientCheck.check([a, b]) { $0[0] + $0[1] }
            GradientCheck.check([a, b]) { $0[0] - $0[1] }
            GradientCheck.check([a, b]) { $0[0] * $0[1] }
            GradientCheck.check([a, b]) { $0[0] / $0[1] }
        }
    }

    func testScalarArithmetic() {
        let a = GradientCheck.positive([3, 2], seed: 1)
        GradientCheck.check([a]) { 2 * $0[0] + 1 }
        GradientCheck.check([a]) { 3 - $0[0] / 4 }
        GradientCheck.check([a]) { 1 / $0[0] }
        GradientCheck.check([a]) { $0[0].pow(1.5) }
        GradientCheck.check([a]) { -$0[0] }
    }

    func testUnaryFunctions() {
        let x = GradientCheck.random([4, 5], seed: 3)
        let p = GradientCheck.positive([4, 5], seed: 4)
        GradientCheck.check([x]) { $0[0].exp() }
        GradientCheck.check([p]) { $0[0].log() }
        GradientCheck.check([p]) { $0[0].sqrt() }
        GradientCheck.check([p]) { $0[0].rsqrt() }
        GradientCheck.check([x]) { $0[0].square() }
        GradientCheck.check([p]) { $0[0].abs() }
        GradientCheck.check([x]) { $0[0].tanh() }
        GradientCheck.check([x]) { $0[0].sigmoid() }
        GradientCheck.check([x]) { $0[0].silu() }
        GradientCheck.check([x]) { $0[0].gelu() }
        GradientCheck.check([p]) { $0[0].relu() }
    }

    func testTensorUsedTwiceAccumulates() {
        let x = Tensor([1, 2, 3])
        x.requiresGrad = true
        let y = (x * x + x).sum()
        y.backward()
        XCTAssertEqual(x.grad?.scalars, [3, 5, 7])
        (x * 2).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, 7, 9], "a second backward adds to the gradient")
    }

    /// An add hands one gradient tensor (the same object) to both its inputs;
    /// when one of them then receives another gradient while the other is
    /// still waiting, the sum must not be written into that shared tensor (the
    /// other input would see it). `q` also feeds the scaled path, so that it is
    /// processed after it; both orders of each sum.
    func testSharedGradientIsNotAddedToInPlace() {
        for sharedFirst in [true, false] {
            for scaledFirst in [true, false] {
                let a = Tensor([1, 2]), b = Tensor([3, 4])
                a.requiresGrad = true
                b.requiresGrad = true
                let p = a * 1, q = b * 1
                let shared = sharedFirst ? p + q : q + p, scaled = p * 3 + q * 0
                (scaledFirst ? scaled + shared : shared + scaled).sum().backward()
                let order = "shared first \(sharedFirst), scaled first \(scaledFirst)"
                XCTAssertEqual(a.grad?.scalars, [4, 4], "a, \(order)")
                XCTAssertEqual(b.grad?.scalars, [1, 1], "b, \(order)")
            }
        }
    }

    func testNoGradRecordsNothing() {
        let x = Tensor([1, 2])
        x.requiresGrad = true
        let y = GradMode.withoutGradient { x * x }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
    }

    func testGraphReleasedAfterBackward() {
        let x = Tensor([1, 2])
        x.requiresGrad = true
        let h = x.exp()
        let y = h.sum()
        XCTAssertFalse(h.isLeaf)
        y.backward()
        XCTAssertTrue(h.isLeaf, "intermediates drop their op after backward")
    }

    func testBroadcastValues() {
        let a = Tensor(shape: [2, 1], scalars: [1, 2])
        let b = Tensor(shape: [3], scalars: [10, 20, 30])
        XCTAssertEqual((a + b).shape, [2, 3])
        XCTAssertEqual((a + b).scalars, [11, 21, 31, 12, 22, 32])
    }
}
