@testable import Tensors
import XCTest

/// A Winograd convolution without gradient recording keeps its transformed
/// kernel on the weight and reuses it: the same bits as a fresh transform,
/// dropped as soon as the weight's scalars are written, never kept while
/// recording.
final class DerivedValuesTests: XCTestCase {
    private let x = GradientCheck.random([4, 16, 9, 9], seed: 1)
    private let bias = GradientCheck.random([24], seed: 3)

    private func weight(seed: UInt64) -> Tensor { GradientCheck.random([24, 16, 3, 3], seed: seed) }

    /// The output with a kernel transformed for this call only.
    private func fresh(_ w: Tensor) -> [Float] {
        x.conv2d(Tensor(shape: w.shape, scalars: w.scalars), bias: bias, padding: 1).scalars
    }

    func testConvolutionReusesItsTransformedKernel() {
        let w = weight(seed: 2), w2 = weight(seed: 4)
        let geometry = Conv2DGeometry(
            input: x.shape, weight: w.shape, bias: bias.shape, stride: (1, 1),
            padding: Conv2DPadding(all: 1))
        XCTAssertEqual(Conv2DPlan(geometry, threads: 2).forward.algorithm, .winograd(.f5x5))
        let plain = fresh(w), plain2 = fresh(w2)
        GradMode.withoutGradient {
            for _ in 0..<3 {
                XCTAssertTrue(x.conv2d(w, bias: bias, padding: 1).scalars == plain)
                XCTAssertTrue(x.conv2d(w2, bias: bias, padding: 1).scalars == plain2)
            }
        }
        XCTAssertEqual(w.derivedValues.count, 1, "one transformed kernel per weight")
        XCTAssertEqual(w2.derivedValues.count, 1)
        XCTAssertTrue(x.conv2d(w, bias: bias, padding: 1).scalars == plain, "recording reads the kept kernel too")
    }

    func testWritingTheWeightDropsItsKernel() {
        let w = weight(seed: 2), other = weight(seed: 4)
        _ = GradMode.withoutGradient { x.conv2d(w, bias: bias, padding: 1) }
        XCTAssertFalse(w.derivedValues.isEmpty)
        w.withMutableScalars { scalars in
            for i in scalars.indices { scalars[i] = other.scalars[i] }
        }
        XCTAssertTrue(w.derivedValues.isEmpty, "an in-place write drops the kept kernel")
        XCTAssertTrue(GradMode.withoutGradient { x.conv2d(w, bias: bias, padding: 1).scalars } == fresh(other))

        w.assign(weight(seed: 6).scalars)
        XCTAssertTrue(w.derivedValues.isEmpty, "assign drops the kept kernel")
        XCTAssertTrue(GradMode.withoutGradient { x.conv2d(w, bias: bias, padding: 1).scalars } == fresh(weight(seed: 6)))
    }

    func testRecordingKeepsNothing() {
        let w = weight(seed: 2)
        w.requiresGrad = true
        let y = x.conv2d(w, bias: bias, padding: 1)
        XCTAssertTrue(w.derivedValues.isEmpty)
        XCTAssertTrue(y.scalars == fresh(w))
    }
}
