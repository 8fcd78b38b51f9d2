import Foundation
import Tensors
import XCTest

final class SoftmaxTests: XCTestCase {
    func testSoftmaxValues() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let y = x.softmax(axis: -1)
        let e = [Foundation.exp(1.0), Foundation.exp(2.0), Foundation.exp(3.0)]
        let total = e.reduce(0, +)
        let expected = e.map { $0 / total } + [1.0 / 3, 1.0 / 3, 1.0 / 3]
        for i in 0..<6 { XCTAssertEqual(Double(y.scalars[i]), expected[i], accuracy: 1e-6) }
        // Along axis 0 each column sums to one.
        let columns = x.softmax(axis: 0)
        for j in 0..<3 { XCTAssertEqual(columns[0, j] + columns[1, j], 1, accuracy: 1e-6) }
        XCTAssertEqual(Double(columns[0, 2]), Foundation.exp(3.0) / (Foundation.exp(3.0) + 1), accuracy: 1e-6)
    }

    func testStableForLargeInputs() {
        let x = Tensor(shape: [1, 3], scalars: [1000, 1001, -1000])
        let y = x.softmax(axis: 1)
        XCTAssertTrue(y.scalars.allSatisfy { $0.isFinite })
        XCTAssertEqual(Double(y.scalars[1]), 1 / (1 + Foundation.exp(-1.0)), accuracy: 1e-6)
        let logY = x.logSoftmax(axis: 1)
        XCTAssertEqual(Double(logY.scalars[1]), -Foundation.log(1 + Foundation.exp(-1.0)), accuracy: 1e-5)
        XCTAssertEqual(Double(logY.scalars[2]), -2001 - Foundation.log(1 + Foundation.exp(-1.0)), accuracy: 1e-2)
    }

    func testLogSoftmaxIsLogOfSoftmax() {
        let x = GradientCheck.random([3, 4, 5], seed: 70)
        for axis in [0, 1, 2, -1] {
            let a = x.logSoftmax(axis: axis), b = x.softmax(axis: axis).log()
            for i in 0..<a.count { XCTAssertEqual(a.scalars[i], b.scalars[i], accuracy: 1e-5, "axis \(axis)") }
        }
    }

    func testGradients() {
        let x = GradientCheck.random([2, 3, 4], seed: 71)
        for axis in [0, 1, 2, -1] {
            GradientCheck.check([x], epsilon: 3e-3) { $0[0].softmax(axis: axis) }
            GradientCheck.check([x], epsilon: 3e-3) { $0[0].logSoftmax(axis: axis) }
        }
    }

    func testThreadedMatchesOneThread() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = GradientCheck.random([64, 40, 32], seed: 83)
        let g = GradientCheck.random(x.shape, seed: 84)
        for axis in [1, 2] {
            func run(threads: Int) -> [[Float]] {
                Parallel.threadCount = threads
                x.requiresGrad = true
                x.grad = nil
                let y = x.softmax(axis: axis)
                y.backward(g)
                let softmaxGrad = x.grad!.scalars
                x.grad = nil
                let logY = x.logSoftmax(axis: axis)
                logY.backward(g)
                return [y.scalars, softmaxGrad, logY.scalars, x.grad!.scalars]
            }
            XCTAssertEqual(run(threads: 1), run(threads: 2), "axis \(axis)")
        }
    }

    /// Single-head self-attention from the ops: softmax(q·kᵀ/√d)·v with q, k, v
    /// projections of a layer-normalised input and an output projection plus residual.
    func testAttentionBlockGradients() {
        let tokens = 4, dim = 6
        let x = GradientCheck.random([2, tokens, dim], seed: 72)
        let wq = GradientCheck.random([dim, dim], seed: 73) * 0.5
        let wk = GradientCheck.random([dim, dim], seed: 74) * 0.5
        let wv = GradientCheck.random([dim, dim], seed: 75) * 0.5
        let wo = GradientCheck.random([dim, dim], seed: 76) * 0.5
        let gamma = GradientCheck.positive([dim], seed: 77)
        let scale = 1 / Float(dim).squareRoot()
        GradientCheck.check([x, wq, wk, wv, wo, gamma], epsilon: 3e-3, tolerance: 3e-2) { p in
            let h = p[0].layerNorm(weight: p[5], bias: nil)
            let q = h.matmul(p[1]), k = h.matmul(p[2]), v = h.matmul(p[3])
            let weights = (Tensor.matmul(q, k, transposeA: false, transposeB: true) * scale).softmax(axis: -1)
            return weights.matmul(v).matmul(p[4]) + p[0]
        }
    }

    func testAttentionWeightsAreADistribution() {
        let q = GradientCheck.random([2, 5, 3], seed: 78), k = GradientCheck.random([2, 5, 3], seed: 79)
        let weights = Tensor.matmul(q, k, transposeA: false, transposeB: true).softmax(axis: -1)
        let rowSums = weights.sum(axis: -1)
        for s in rowSums.scalars { XCTAssertEqual(s, 1, accuracy: 1e-5) }
    }
}
