@testable import Tensors
import XCTest

/// Inside `FrozenWeights.scope`, a Winograd convolution transforms its kernel
/// once and reuses it: the same bits as outside, one kept value per weight.
final class FrozenWeightsTests: XCTestCase {
    func testConvolutionReusesItsTransformedKernel() {
        let x = GradientCheck.random([4, 16, 9, 9], seed: 1), w = GradientCheck.random([24, 16, 3, 3], seed: 2)
        let b = GradientCheck.random([24], seed: 3), w2 = GradientCheck.random([24, 16, 3, 3], seed: 4)
        let geometry = Conv2DGeometry(input: x.shape, weight: w.shape, bias: b.shape, stride: (1, 1),
                                      padding: Conv2DPadding(all: 1))
        XCTAssertTrue(WinogradConv2D.applies(geometry))
        let plain = GradMode.withoutGradient { x.conv2d(w, bias: b, padding: 1).scalars }
        let plain2 = GradMode.withoutGradient { x.conv2d(w2, bias: b, padding: 1).scalars }
        GradMode.withoutGradient {
            FrozenWeights.scope {
                for _ in 0..<3 {
                    XCTAssertEqual(x.conv2d(w, bias: b, padding: 1).scalars, plain)
                    XCTAssertEqual(x.conv2d(w2, bias: b, padding: 1).scalars, plain2)
                }
                XCTAssertEqual(FrozenWeights.derivedValues?.count, 2, "one transformed kernel per weight")
            }
        }
        XCTAssertNil(FrozenWeights.derivedValues)
    }
}
