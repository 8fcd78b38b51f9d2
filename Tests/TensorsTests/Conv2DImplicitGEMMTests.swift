@testable import Tensors
import XCTest

/// The implicit-GEMM convolution (stride 1) against the im2col path, forward and
/// all three gradients, at one and two threads.
final class Conv2DImplicitGEMMTests: XCTestCase {
    struct Case {
        let input: [Int]
        let weight: [Int]
        let padding: Conv2DPadding
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
    ]

    /// Output and gradients of one conv2d with bias, for the given path.
    private func run(_ c: Case, index: Int, implicit: Bool, needInput: Bool = true) -> [[Float]] {
        let saved = ImplicitConv2D.isEnabled
        ImplicitConv2D.isEnabled = implicit
        defer { ImplicitConv2D.isEnabled = saved }
        let x = GradientCheck.random(c.input, seed: UInt64(10 + index))
        let w = GradientCheck.random(c.weight, seed: UInt64(20 + index))
        let b = GradientCheck.random([c.weight[0]], seed: UInt64(30 + index))
        x.requiresGrad = needInput
        w.requiresGrad = true
        b.requiresGrad = true
        let geometry = Conv2DGeometry(input: c.input, weight: c.weight, bias: [c.weight[0]], stride: (1, 1),
                                      padding: c.padding)
        if implicit { XCTAssertTrue(ImplicitConv2D.applies(geometry), "case \(index) should take the implicit path") }
        let y = x.conv2d(w, bias: b, stride: (1, 1), padding: c.padding)
        y.backward(GradientCheck.random(y.shape, seed: UInt64(40 + index)))
        return [y.scalars, x.grad?.scalars ?? [], w.grad!.scalars, b.grad!.scalars]
    }

    func testMatchesIm2ColPath() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for (index, c) in Self.cases.enumerated() {
                for needInput in [true, false] {
                    let fast = run(c, index: index, implicit: true, needInput: needInput)
                    let reference = run(c, index: index, implicit: false, needInput: needInput)
                    ConvolutionPathComparison.assertMatch(
                        fast, reference, "case \(index), \(threads) threads, needInput \(needInput)")
                }
            }
        }
    }

    func testSmallBatchOrStridedShapesDoNotApply() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        let single = Conv2DGeometry(input: [1, 2, 5, 5], weight: [2, 2, 3, 3], bias: nil, stride: (1, 1),
                                    padding: Conv2DPadding(all: 1))
        XCTAssertFalse(ImplicitConv2D.applies(single))
        let strided = Conv2DGeometry(input: [4, 2, 5, 5], weight: [2, 2, 3, 3], bias: nil, stride: (2, 2),
                                     padding: Conv2DPadding(all: 1))
        XCTAssertFalse(ImplicitConv2D.applies(strided))
        let wide = Conv2DGeometry(input: [4, 2, 5, 5], weight: [2, 2, 3, 3], bias: nil, stride: (1, 1),
                                  padding: Conv2DPadding(all: 3))
        XCTAssertFalse(ImplicitConv2D.applies(wide))
    }
}
