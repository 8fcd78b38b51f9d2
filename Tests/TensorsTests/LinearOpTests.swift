import Tensors
import XCTest

final class LinearOpTests: XCTestCase {
    func testLinearMatchesProductPlusBias() {
        let x = GradientCheck.random([37, 20], seed: 1)
        let w = GradientCheck.random([9, 20], seed: 2)
        let b = GradientCheck.random([9], seed: 3)
        let fused = Tensor.linear(x, weight: w, bias: b)
        let reference = Tensor.matmul(x, w, transposeA: false, transposeB: true) + b
        XCTAssertEqual(fused.shape, [37, 9])
        for i in 0..<fused.count {
            XCTAssertEqual(fused.scalars[i], reference.scalars[i], accuracy: 1e-5, "element \(i)")
        }
        let unbiased = Tensor.linear(x, weight: w, bias: nil)
        let product = Tensor.matmul(x, w, transposeA: false, transposeB: true)
        XCTAssertEqual(unbiased.scalars, product.scalars)
    }

    func testLinearGradients() {
        let x = GradientCheck.random([5, 4], seed: 4)
        let w = GradientCheck.random([3, 4], seed: 5)
        let b = GradientCheck.random([3], seed: 6)
        GradientCheck.check([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        GradientCheck.check([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    func testLinearIsTheSameAtOneAndTwoThreads() {
        let x = GradientCheck.random([3_000, 48], seed: 7)
        let w = GradientCheck.random([40, 48], seed: 8)
        let b = GradientCheck.random([40], seed: 9)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var outputs: [[Float]] = []
        var biasGradients: [[Float]] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            b.requiresGrad = true
            b.grad = nil
            let y = Tensor.linear(x, weight: w, bias: b)
            y.backward(Tensor.ones(y.shape))
            outputs.append(y.scalars)
            biasGradients.append(b.grad!.scalars)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(biasGradients[0], biasGradients[1])
        XCTAssertEqual(biasGradients[0][0], (0..<3_000).reduce(Float(0)) { total, _ in total + 1 })
    }
}
