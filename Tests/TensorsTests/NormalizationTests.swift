import Tensors
import XCTest

final class NormalizationTests: XCTestCase {
    /// Group normalisation by direct loops in Double (biased variance, as PyTorch).
    static func naiveGroupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> [Double] {
        let n = x.shape[0], c = x.shape[1], spatial = x.count / (n * c)
        let size = (c / groups) * spatial
        let xs = x.scalars.map(Double.init)
        var out = [Double](repeating: 0, count: x.count)
        for unit in 0..<n * groups {
            let slice = xs[unit * size..<(unit + 1) * size]
            let mean = slice.reduce(0, +) / Double(size)
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(size)
            for i in 0..<size {
                let channel = (unit % groups) * (c / groups) + i / spatial
                let normalized = (xs[unit * size + i] - mean) / (variance + eps).squareRoot()
                out[unit * size + i] = normalized * Double(weight?.scalars[channel] ?? 1) + Double(bias?.scalars[channel] ?? 0)
            }
        }
        return out
    }

    func assertClose(
        _ actual: Tensor, _ expected: [Double], accuracy: Double, _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for i in 0..<Swift.min(actual.count, expected.count)
        where Swift.abs(Double(actual.scalars[i]) - expected[i]) > accuracy {
            XCTFail("\(message) element \(i): \(actual.scalars[i]) vs \(expected[i])", file: file, line: line)
            return
        }
    }

    func testGroupNormHandComputed() {
        // One group of [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
        let x = Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
        let y = x.groupNorm(groups: 1, weight: nil, bias: nil, eps: 0)
        let s = 1 / Double(1.25).squareRoot()
        assertClose(y, [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s], accuracy: 1e-6)
        // Two groups of one channel each, with a per-channel scale and shift.
        let affine = x.groupNorm(groups: 2, weight: Tensor([2, 3]), bias: Tensor([1, -1]), eps: 0)
        assertClose(affine, [-1, 3, -4, 2], accuracy: 1e-6)
    }

    func testGroupNormMatchesDirectLoops() {
        let x = GradientCheck.random([2, 6, 3, 4], seed: 40)
        let w = GradientCheck.random([6], seed: 41)
        let b = GradientCheck.random([6], seed: 42)
        for groups in [1, 2, 3, 6] {
            assertClose(
                x.groupNorm(groups: groups, weight: w, bias: b),
                Self.naiveGroupNorm(x, groups: groups, weight: w, bias: b, eps: 1e-5), accuracy: 1e-5, "groups \(groups)")
        }
        // Rank 3 ([N, C, L]) and a large mean with a small spread.
        let shifted = GradientCheck.random([3, 4, 5], seed: 43) * 0.01 + 1000
        assertClose(
            shifted.groupNorm(groups: 2, weight: nil, bias: nil),
            Self.naiveGroupNorm(shifted, groups: 2, weight: nil, bias: nil, eps: 1e-5), accuracy: 2e-3, "shifted")
        assertClose(
            shifted.layerNorm(axisCount: 2, weight: nil, bias: nil),
            Self.naiveGroupNorm(shifted, groups: 1, weight: nil, bias: nil, eps: 1e-5), accuracy: 2e-3, "shifted layer norm")
    }

    /// The C loops (CKNormalization.h) on every instruction set this CPU offers,
    /// with channels of 35 positions: two full vectors of 16 and a remainder.
    func testGroupNormOnEveryInstructionSet() {
        defer { GEMM.force(nil) }
        let x = GradientCheck.random([2, 4, 5, 7], seed: 48) * 2 + 0.3
        let w = GradientCheck.random([4], seed: 49), b = GradientCheck.random([4], seed: 50)
        for set in [GEMM.InstructionSet.generic, .avx2, .avx512] where GEMM.force(set) {
            assertClose(
                x.groupNorm(groups: 2, weight: w, bias: b),
                Self.naiveGroupNorm(x, groups: 2, weight: w, bias: b, eps: 1e-5), accuracy: 1e-5, "\(set)")
            GradientCheck.check([x, w, b], epsilon: 3e-3) { $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2]) }
        }
    }

    /// An empty batch, or images of no pixels, normalise to empty tensors
    /// (forwards and backwards) instead of trapping.
    func testGroupNormOfEmptyTensors() {
        for shape in [[0, 4, 3, 3], [2, 4, 0, 0]] {
            let x = Tensor(shape: shape, scalars: [], requiresGrad: true)
            let w = Tensor(shape: [4], scalars: [1, 2, 3, 4], requiresGrad: true)
            let y = x.groupNormSiLU(groups: 2, weight: w, bias: nil)
            XCTAssertEqual(y.shape, shape)
            y.sum().backward()
            XCTAssertEqual(x.grad?.shape, shape)
            XCTAssertEqual(w.grad?.scalars, [0, 0, 0, 0])
        }
    }

    func testGroupNormGradientWithLargeMean() {
        // Inputs around 100 with unit spread: the backward must not lose the gradient to cancellation.
        let x = GradientCheck.random([1, 2, 4, 4], seed: 67) + 100
        let w = GradientCheck.random([2], seed: 68)
        GradientCheck.check([x, w], epsilon: 1e-2, tolerance: 3e-2) { $0[0].groupNorm(groups: 1, weight: $0[1], bias: nil) }
    }

    func testGroupNormThreadedMatchesDirectLoops() {
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        let x = GradientCheck.random([4, 8, 64, 64], seed: 44)
        let w = GradientCheck.random([8], seed: 45)
        let b = GradientCheck.random([8], seed: 46)
        assertClose(
            x.groupNorm(groups: 4, weight: w, bias: b),
            Self.naiveGroupNorm(x, groups: 4, weight: w, bias: b, eps: 1e-5), accuracy: 1e-4)
    }

    func testGroupNormGradients() {
        let x = GradientCheck.random([2, 4, 3, 3], seed: 47)
        let w = GradientCheck.random([4], seed: 48)
        let b = GradientCheck.random([4], seed: 49)
        for groups in [1, 2, 4] {
            GradientCheck.check([x, w, b], epsilon: 3e-3) { $0[0].groupNorm(groups: groups, weight: $0[1], bias: $0[2]) }
            GradientCheck.check([x], epsilon: 3e-3) { $0[0].groupNorm(groups: groups, weight: nil, bias: nil) }
        }
        let sequence = GradientCheck.random([2, 6, 5], seed: 50)
        let w6 = GradientCheck.random([6], seed: 51)
        GradientCheck.check([sequence, w6], epsilon: 3e-3) { $0[0].groupNorm(groups: 3, weight: $0[1], bias: nil) }
    }

    func testAffineGradientsWithoutInputGradient() {
        let x = GradientCheck.random([2, 4, 3], seed: 69)
        let w = GradientCheck.random([4], seed: 70), b = GradientCheck.random([4], seed: 71)
        let g = GradientCheck.random(x.shape, seed: 72)
        for (name, op) in [
            ("groupNorm", { (t: Tensor) in t.groupNorm(groups: 2, weight: w, bias: b) }),
            ("layerNorm", { (t: Tensor) in t.transposed(1, 2).layerNorm(weight: w, bias: b).transposed(1, 2) }),
        ] {
            for t in [x, w, b] { t.requiresGrad = true; t.grad = nil }
            op(x).backward(g)
            let full = (w.grad!.scalars, b.grad!.scalars)
            x.requiresGrad = false
            x.grad = nil
            w.grad = nil
            b.grad = nil
            op(x).backward(g)
            XCTAssertNil(x.grad, name)
            XCTAssertEqual(w.grad?.scalars, full.0, name)
            XCTAssertEqual(b.grad?.scalars, full.1, name)
        }
    }

    func testGroupNormThreadedGradients() {
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        // Large enough to split over threads; checked against the one-thread result.
        let x = GradientCheck.random([4, 8, 64, 64], seed: 52)
        let w = GradientCheck.random([8], seed: 53)
        let b = GradientCheck.random([8], seed: 54)
        let g = GradientCheck.random(x.shape, seed: 55)
        func gradients(threads: Int) -> [[Float]] {
            Parallel.threadCount = threads
            for t in [x, w, b] { t.requiresGrad = true; t.grad = nil }
            x.groupNorm(groups: 4, weight: w, bias: b).backward(g)
            return [x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        }
        let one = gradients(threads: 1), two = gradients(threads: 2)
        for (a, b) in zip(one, two) {
            XCTAssertEqual(a.count, b.count)
            XCTAssertLessThan(zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0, 1e-4)
        }
    }

    func testLayerNormHandComputed() {
        let x = Tensor(shape: [2, 2], scalars: [1, 3, 10, 14])
        let y = x.layerNorm(weight: Tensor([1, 2]), bias: Tensor([0, 1]), eps: 0)
        assertClose(y, [-1, 3, -1, 3], accuracy: 1e-6)
    }

    func testLayerNormMatchesGroupNormOfOneGroup() {
        // Over the last two axes of [N, C, L] with no affine, layer norm equals one-group group norm.
        let x = GradientCheck.random([3, 4, 5], seed: 56)
        let expected = Self.naiveGroupNorm(x, groups: 1, weight: nil, bias: nil, eps: 1e-5)
        assertClose(x.layerNorm(axisCount: 2, weight: nil, bias: nil), expected, accuracy: 1e-5)
        assertClose(x.layerNorm(normalizedShape: [4, 5], weight: nil, bias: nil), expected, accuracy: 1e-5)
    }

    func testLayerNormGradients() {
        let x = GradientCheck.random([3, 5], seed: 57)
        let w = GradientCheck.random([5], seed: 58)
        let b = GradientCheck.random([5], seed: 59)
        GradientCheck.check([x, w, b], epsilon: 3e-3) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        GradientCheck.check([x], epsilon: 3e-3) { $0[0].layerNorm(weight: nil, bias: nil) }
        let cube = GradientCheck.random([2, 3, 4], seed: 60)
        let w2 = GradientCheck.random([3, 4], seed: 61)
        let b2 = GradientCheck.random([3, 4], seed: 62)
        GradientCheck.check([cube, w2, b2], epsilon: 3e-3) { $0[0].layerNorm(axisCount: 2, weight: $0[1], bias: $0[2]) }
    }

    func testLayerNormThreadedGradients() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = GradientCheck.random([512, 256], seed: 63)
        let w = GradientCheck.random([256], seed: 64)
        let b = GradientCheck.random([256], seed: 65)
        let g = GradientCheck.random(x.shape, seed: 66)
        func gradients(threads: Int) -> [[Float]] {
            Parallel.threadCount = threads
            for t in [x, w, b] { t.requiresGrad = true; t.grad = nil }
            x.layerNorm(weight: w, bias: b).backward(g)
            return [x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        }
        let one = gradients(threads: 1), two = gradients(threads: 2)
        for (a, b) in zip(one, two) {
            XCTAssertLessThan(zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0, 1e-4)
        }
    }
}
