import CKernels
@testable import Tensors
import XCTest

/// The Winograd F(2×2, 3×3) convolution against the im2col path, forward and
/// all three gradients, at one and two threads: odd and even sizes (partial
/// tiles), each padding from 0 to 2, channel counts off the SIMD width, and
/// groups of several images.
final class Conv2DWinogradTests: XCTestCase {
    struct Case {
        let input: [Int]
        let outChannels: Int
        let padding: Conv2DPadding
    }

    static let cases: [Case] = [
        Case(input: [2, 8, 6, 6], outChannels: 8, padding: Conv2DPadding(all: 1)),
        Case(input: [3, 9, 7, 5], outChannels: 17, padding: Conv2DPadding(all: 1)),
        Case(input: [2, 16, 5, 8], outChannels: 12, padding: .zero),
        Case(input: [2, 12, 4, 5], outChannels: 10, padding: Conv2DPadding(all: 2)),
        Case(input: [2, 10, 6, 7], outChannels: 9, padding: Conv2DPadding(top: 2, bottom: 0, left: 1, right: 2)),
        Case(input: [5, 33, 3, 3], outChannels: 40, padding: Conv2DPadding(all: 1)),
        Case(input: [70, 8, 2, 3], outChannels: 8, padding: Conv2DPadding(all: 1)),
        Case(input: [21, 8, 13, 14], outChannels: 16, padding: Conv2DPadding(all: 1)),
        Case(input: [2, 20, 5, 37], outChannels: 18, padding: Conv2DPadding(top: 1, bottom: 2, left: 0, right: 1)),
    ]

    /// Output and gradients of one conv2d with bias, with the Winograd path on or off
    /// (the implicit GEMM off, so that the reference is the im2col path).
    private func run(_ c: Case, index: Int, winograd: Bool, needInput: Bool) -> [[Float]] {
        let saved = (WinogradConv2D.isEnabled, ImplicitConv2D.isEnabled)
        WinogradConv2D.isEnabled = winograd
        ImplicitConv2D.isEnabled = false
        defer { (WinogradConv2D.isEnabled, ImplicitConv2D.isEnabled) = saved }
        let weightShape = [c.outChannels, c.input[1], 3, 3]
        let geometry = Conv2DGeometry(input: c.input, weight: weightShape, bias: [c.outChannels], stride: (1, 1),
                                      padding: c.padding)
        XCTAssertEqual(WinogradConv2D.applies(geometry), winograd, "case \(index)")
        return ConvolutionPathComparison.outputAndGradients(input: c.input, weight: weightShape, padding: c.padding,
                                                            index: index, needInput: needInput)
    }

    func testMatchesIm2ColPath() {
        ConvolutionPathComparison.forEachSetting(cases: Self.cases.count) { index, needInput, context in
            let c = Self.cases[index]
            ConvolutionPathComparison.assertMatch(run(c, index: index, winograd: true, needInput: needInput),
                                                  run(c, index: index, winograd: false, needInput: needInput), context)
        }
    }

    /// The tile transforms alone: `Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` is the 3×3 correlation of one 4×4 tile.
    func testOneTileIsTheCorrelation() {
        let geometry = Conv2DGeometry(input: [1, 1, 4, 4], weight: [1, 1, 3, 3], bias: nil, stride: (1, 1),
                                      padding: .zero)
        let d: [Float] = (0..<16).map { Float($0 * $0 % 7) - 3 }
        let k: [Float] = [1, -2, 3, 0.5, 4, -1, 2, 0, -3]
        let u = WinogradConv2D.transformedKernel(k, geometry)
        var v = [Float](repeating: 0, count: 16)
        var y = [Float](repeating: 0, count: 4)
        d.withUnsafeBufferPointer { ck_winograd_input($0.baseAddress!, 4, 1, 1, 1, &v, 1) }
        let m = (0..<16).map { u[$0] * v[$0] }
        m.withUnsafeBufferPointer { ck_winograd_output($0.baseAddress!, 1, 1, 1, 1, &y) }
        for oy in 0..<2 {
            for ox in 0..<2 {
                var direct: Float = 0
                for i in 0..<3 { for j in 0..<3 { direct += k[i * 3 + j] * d[(oy + i) * 4 + ox + j] } }
                XCTAssertEqual(y[oy * 2 + ox], direct, accuracy: 1e-4, "output (\(oy), \(ox))")
            }
        }
    }

    func testNarrowOrStridedShapesDoNotApply() {
        let narrow = Conv2DGeometry(input: [4, 1, 8, 8], weight: [32, 1, 3, 3], bias: nil, stride: (1, 1),
                                    padding: Conv2DPadding(all: 1))
        XCTAssertFalse(WinogradConv2D.applies(narrow), "one input channel")
        let strided = Conv2DGeometry(input: [4, 16, 8, 8], weight: [16, 16, 3, 3], bias: nil, stride: (2, 2),
                                     padding: Conv2DPadding(all: 1))
        XCTAssertFalse(WinogradConv2D.applies(strided))
        let fiveByFive = Conv2DGeometry(input: [4, 16, 8, 8], weight: [16, 16, 5, 5], bias: nil, stride: (1, 1),
                                        padding: Conv2DPadding(all: 2))
        XCTAssertFalse(WinogradConv2D.applies(fiveByFive))
    }
}
