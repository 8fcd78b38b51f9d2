@testable import Tensors
import XCTest

/// `conv2d(…, adding: r)` against `conv2d(…) + r`: the same bits forward and
/// the same gradients, on a shape that takes the Winograd path (where the add
/// is fused into the output pass) and on one that does not.
final class Conv2DResidualTests: XCTestCase {
    private func outputAndGradients(input: [Int], weight: [Int], stride: Int, fused: Bool) -> [[Float]] {
        let x = GradientCheck.random(input, seed: 1), w = GradientCheck.random(weight, seed: 2)
        let b = GradientCheck.random([weight[0]], seed: 3)
        let outputShape = x.conv2d(w, bias: b, stride: stride, padding: 1).shape
        let r = GradientCheck.random(outputShape, seed: 4)
        for t in [x, w, b, r] { t.requiresGrad = true }
        let y =
            fused
            ? x.conv2d(w, bias: b, stride: (stride, stride), padding: Conv2DPadding(all: 1), adding: r)
            : r + x.conv2d(w, bias: b, stride: stride, padding: 1)
        y.backward(GradientCheck.random(y.shape, seed: 5))
        return [y.scalars] + [x, w, b, r].map { $0.grad!.scalars }
    }

    func testFusedAddEqualsConvolutionThenAdd() {
        let cases = [([4, 16, 9, 9], [24, 16, 3, 3], 1, true), ([3, 5, 8, 8], [6, 5, 3, 3], 2, false)]
        for (input, weight, stride, winograd) in cases {
            let geometry = Conv2DGeometry(
                input: input, weight: weight, bias: [weight[0]], stride: (stride, stride),
                padding: Conv2DPadding(all: 1))
            let plan = Conv2DPlan(geometry, residual: true)
            XCTAssertEqual(plan.fusesResidual, winograd, "the case tests the path it names")
            let fused = outputAndGradients(input: input, weight: weight, stride: stride, fused: true)
            let separate = outputAndGradients(input: input, weight: weight, stride: stride, fused: false)
            for (index, (a, b)) in zip(fused, separate).enumerated() {
                XCTAssertTrue(
                    a.elementsEqual(b) { $0.bitPattern == $1.bitPattern },
                    "array \(index) differs, \(plan)")
            }
        }
    }
}
