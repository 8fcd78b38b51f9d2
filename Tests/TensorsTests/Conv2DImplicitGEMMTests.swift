@testable import Tensors
import XCTest

/// The implicit-GEMM convolution against the im2col path, forward and all
/// three gradients, at one and two threads: stride 1, and strided forwards
/// (whose backward is the im2col path's).
final class Conv2DImplicitGEMMTests: XCTestCase {
    struct Case {
        let input: [Int]
        let weight: [Int]
        let padding: Conv2DPadding
        var stride = 1
    }

    static let cases: [Case] = [
        Case(input: [3, 4, 6, 5], weight: [5, 4, 3, 3], padding: Conv2DPadding(all: 1)),
        Case(input: [2, 1, 7, 7], weight: [3, 1, 3, 3], padding: Conv2DPadding(all: 1)),
        Case(input: [2, 3, 6, 6], weight: [2, 3, 3, 3], padding: .zero),
        Case(input: [2, 2, 7, 8], weight: [3, 2, 5, 5], padding: Conv2DPadding(all: 2)),
        Case(input: [2, 2, 5, 7], weight: [2, 2, 2, 3], padding: Conv2DPadding(top: 1, bottom: 0, left: 2, right: 1)),
        Case(input: [2, 3, 4, 4], weight: [4, 3, 3, 1], padding: Conv2DPadding(top: 2, bottom: 1, left: 0, right: 0)),
        Case(input: [2, 3, 4, 5], weight: [4, 3, 1, 3], padding: Conv2DPadding(top: 0, bottom: 0, left: 1, right: 1)),
        Case(input: [4, 33, 5, 5], weight: [17, 33, 3, 3], padding: Conv2DPadding(all: 1)),
        // The U-Net's downsampling: even and odd sizes, 8 or more channels.
        Case(input: [3, 8, 8, 8], weight: [9, 8, 3, 3], padding: Conv2DPadding(all: 1), stride: 2),
        Case(input: [2, 16, 7, 7], weight: [16, 16, 3, 3], padding: Conv2DPadding(all: 1), stride: 2),
        Case(input: [2, 3, 9, 6], weight: [4, 3, 3, 3], padding: .zero, stride: 2),
        Case(input: [2, 2, 7, 8], weight: [3, 2, 5, 5], padding: Conv2DPadding(all: 2), stride: 3),
        Case(
            input: [2, 2, 6, 7], weight: [2, 2, 2, 3], padding: Conv2DPadding(top: 1, bottom: 0, left: 2, right: 1),
            stride: 2),
        Case(
            input: [2, 3, 5, 4], weight: [4, 3, 3, 1], padding: Conv2DPadding(top: 2, bottom: 1, left: 0, right: 0),
            stride: 2),
    ]

    /// Output and gradients of one conv2d with bias, by the implicit GEMM (its
    /// backward too where the stride is 1) or by im2col.
    private func run(_ c: Case, index: Int, implicit: Bool, needInput: Bool = true) -> [[Float]] {
        let algorithms: Conv2DPlan.Override =
            implicit
            ? Conv2DPlan.Override(forward: .implicitGEMM, backward: c.stride == 1 ? .implicitGEMM : .im2col)
            : .using(.im2col)
        return ConvolutionPathComparison.outputAndGradients(
            input: c.input, weight: c.weight, stride: c.stride,
            padding: c.padding, index: index, needInput: needInput,
            algorithms: algorithms)
    }

    func testMatchesIm2ColPath() {
        ConvolutionPathComparison.forEachSetting(cases: Self.cases.count) { index, needInput, context in
            let c = Self.cases[index]
            ConvolutionPathComparison.assertMatch(
                run(c, index: index, implicit: true, needInput: needInput),
                run(c, index: index, implicit: false, needInput: needInput), context)
        }
    }
}
