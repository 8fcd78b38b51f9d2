import Tensors
import XCTest

final class Conv2DTests: XCTestCase {
    /// One convolution configuration: input NCHW, weight OIHW, stride, padding, bias or not.
    struct Case {
        let input: [Int]
        let weight: [Int]
        let stride: (Int, Int)
        let padding: Conv2DPadding
        let bias: Bool
    }

    static let cases: [Case] = [
        Case(input: [2, 3, 5, 4], weight: [2, 3, 3, 3], stride: (1, 1), padding: Conv2DPadding(all: 1), bias: true),
        Case(input: [2, 3, 5, 4], weight: [2, 3, 3, 3], stride: (1, 1), padding: .zero, bias: false),
        Case(input: [1, 2, 6, 5], weight: [3, 2, 3, 3], stride: (2, 2), padding: Conv2DPadding(all: 1), bias: false),
        Case(input: [2, 2, 7, 6], weight: [2, 2, 3, 3], stride: (2, 2), padding: .zero, bias: true),
        Case(input: [2, 3, 4, 5], weight: [4, 3, 1, 1], stride: (1, 1), padding: .zero, bias: true),
        Case(input: [1, 3, 5, 4], weight: [2, 3, 1, 1], stride: (2, 2), padding: .zero, bias: false),
        // diffusers' Downsample2D with padding 0: pad right and bottom by one, then 3×3 stride 2.
        Case(
            input: [2, 2, 6, 6], weight: [2, 2, 3, 3], stride: (2, 2),
            padding: Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1), bias: true),
        Case(
            input: [1, 2, 5, 7], weight: [2, 2, 2, 3], stride: (2, 1),
            padding: Conv2DPadding(top: 1, bottom: 0, left: 2, right: 1), bias: true),
        Case(input: [1, 1, 7, 7], weight: [2, 1, 2, 2], stride: (3, 3), padding: .zero, bias: false),
    ]

    /// A direct seven-loop convolution in Double, the reference for the GEMM path.
    static func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: Conv2DPadding) -> [Double] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + padding.top + padding.bottom - kh) / stride.0 + 1
        let wo = (wd + padding.left + padding.right - kw) / stride.1 + 1
        let xs = x.scalars, ws = w.scalars
        var out = [Double](repeating: 0, count: n * o * ho * wo)
        for ni in 0..<n {
            for oi in 0..<o {
                for y in 0..<ho {
                    for xo in 0..<wo {
                        var total = b.map { Double($0.scalars[oi]) } ?? 0
                        for ci in 0..<c {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let iy = y * stride.0 - padding.top + i, ix = xo * stride.1 - padding.left + j
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    total += Double(xs[((ni * c + ci) * h + iy) * wd + ix]) * Double(ws[((oi * c + ci) * kh + i) * kw + j])
                                }
                            }
                        }
                        out[((ni * o + oi) * ho + y) * wo + xo] = total
                    }
                }
            }
        }
        return out
    }

    func testForwardMatchesDirectConvolution() {
        for (index, c) in Self.cases.enumerated() {
            let x = GradientCheck.random(c.input, seed: UInt64(100 + index))
            let w = GradientCheck.random(c.weight, seed: UInt64(200 + index))
            let b = c.bias ? GradientCheck.random([c.weight[0]], seed: UInt64(300 + index)) : nil
            let y = x.conv2d(w, bias: b, stride: c.stride, padding: c.padding)
            let reference = Self.naiveConv(x, w, b, stride: c.stride, padding: c.padding)
            XCTAssertEqual(y.count, reference.count, "case \(index)")
            for i in 0..<Swift.min(y.count, reference.count) {
                XCTAssertEqual(Double(y.scalars[i]), reference[i], accuracy: 1e-4, "case \(index) element \(i)")
            }
        }
    }

    func testOutputShapes() {
        let x = Tensor.zeros([2, 3, 8, 6])
        XCTAssertEqual(x.conv2d(Tensor.zeros([4, 3, 3, 3]), padding: 1).shape, [2, 4, 8, 6])
        XCTAssertEqual(x.conv2d(Tensor.zeros([4, 3, 3, 3]), stride: 2, padding: 1).shape, [2, 4, 4, 3])
        XCTAssertEqual(
            x.conv2d(
                Tensor.zeros([4, 3, 3, 3]), bias: nil, stride: (2, 2),
                padding: Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1)
            ).shape, [2, 4, 4, 3])
        XCTAssertEqual(x.conv2d(Tensor.zeros([5, 3, 1, 1])).shape, [2, 5, 8, 6])
    }

    func testHandComputedValues() {
        // A 3×3 input with a 2×2 kernel of ones sums each 2×2 window, plus the bias.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = Tensor.ones([1, 1, 2, 2])
        XCTAssertEqual(x.conv2d(w, bias: Tensor([10])).scalars, [22, 26, 34, 38])
        // With padding 1 and stride 2 the corners see one, two or four pixels.
        XCTAssertEqual(x.conv2d(w, stride: 2, padding: 1).scalars, [1, 5, 11, 28])
    }

    func testGradients() {
        for (index, c) in Self.cases.enumerated() {
            let x = GradientCheck.random(c.input, seed: UInt64(400 + index))
            let w = GradientCheck.random(c.weight, seed: UInt64(500 + index))
            if c.bias {
                let b = GradientCheck.random([c.weight[0]], seed: UInt64(600 + index))
                GradientCheck.check([x, w, b], tolerance: 5e-3) {
                    $0[0].conv2d($0[1], bias: $0[2], stride: c.stride, padding: c.padding)
                }
            } else {
                GradientCheck.check([x, w], tolerance: 5e-3) {
                    $0[0].conv2d($0[1], bias: nil, stride: c.stride, padding: c.padding)
                }
            }
        }
    }

    func testGradientOnlyForWeightMatchesFullBackward() {
        let x = GradientCheck.random([2, 2, 4, 4], seed: 1)
        let w = GradientCheck.random([3, 2, 3, 3], seed: 2)
        let b = GradientCheck.random([3], seed: 3)
        let g = GradientCheck.random([2, 3, 2, 2], seed: 4)
        for t in [x, w, b] { t.requiresGrad = true }
        x.conv2d(w, bias: b, stride: 2, padding: 1).backward(g)
        let full = (w.grad!.scalars, b.grad!.scalars)
        x.requiresGrad = false
        x.grad = nil
        w.grad = nil
        b.grad = nil
        x.conv2d(w, bias: b, stride: 2, padding: 1).backward(g)
        XCTAssertNil(x.grad)
        XCTAssertEqual(w.grad?.scalars, full.0)
        XCTAssertEqual(b.grad?.scalars, full.1)
    }

    /// A batch large enough to be split over threads; every gradient is compared
    /// with direct loops in Double, each element within 1e-4 of the larger of its
    /// magnitude, the gradient's root-mean-square and 1 (as ConvolutionPathComparison).
    func testParallelBatchMatchesDirectLoops() {
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        let (n, c, o, size) = (2, 8, 16, 24)
        let x = GradientCheck.random([n, c, size, size], seed: 30)
        let w = GradientCheck.random([o, c, 3, 3], seed: 31)
        let b = GradientCheck.random([o], seed: 32)
        for t in [x, w, b] { t.requiresGrad = true }
        let y = x.conv2d(w, bias: b, padding: 1)
        let reference = Self.naiveConv(x, w, b, stride: (1, 1), padding: Conv2DPadding(all: 1))
        var maxError = 0.0
        for i in 0..<y.count { maxError = Swift.max(maxError, Swift.abs(Double(y.scalars[i]) - reference[i])) }
        XCTAssertLessThan(maxError, 1e-3)

        let g = GradientCheck.random(y.shape, seed: 33)
        y.backward(g)
        let gs = g.scalars, xs = x.scalars, ws = w.scalars
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: b.count)
        for ni in 0..<n {
            for oi in 0..<o {
                for oy in 0..<size {
                    for ox in 0..<size {
                        let gv = Double(gs[((ni * o + oi) * size + oy) * size + ox])
                        db[oi] += gv
                        for ci in 0..<c {
                            for i in 0..<3 {
                                for j in 0..<3 {
                                    let iy = oy - 1 + i, ix = ox - 1 + j
                                    guard iy >= 0, iy < size, ix >= 0, ix < size else { continue }
                                    let xi = ((ni * c + ci) * size + iy) * size + ix, wi = ((oi * c + ci) * 3 + i) * 3 + j
                                    dx[xi] += gv * Double(ws[wi])
                                    dw[wi] += gv * Double(xs[xi])
                                }
                            }
                        }
                    }
                }
            }
        }
        for (name, analytic, expected) in [("input", x.grad!, dx), ("weight", w.grad!, dw), ("bias", b.grad!, db)] {
            let rms = (expected.reduce(0) { $0 + $1 * $1 } / Double(expected.count)).squareRoot()
            for i in 0..<expected.count {
                let scale = Swift.max(1, rms, Swift.abs(expected[i]))
                if Swift.abs(Double(analytic.scalars[i]) - expected[i]) > 1e-4 * scale {
                    XCTFail("\(name) gradient element \(i): \(analytic.scalars[i]) vs \(expected[i])")
                    break
                }
            }
        }
    }
}
