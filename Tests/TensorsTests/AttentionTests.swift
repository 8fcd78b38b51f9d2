@testable import Tensors
import XCTest

/// The fused attention op against the same maths written with matmul and
/// softmax, its gradients by finite differences, and its thread independence.
final class AttentionTests: XCTestCase {
    /// softmax(s·Q·Kᵀ)·V from the separate ops.
    private func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float) -> Tensor {
        Tensor.matmul(q, k, transposeA: false, transposeB: true, scale: scale).softmax(axis: -1).matmul(v)
    }

    private func inputs() -> (Tensor, Tensor, Tensor) {
        let q = GradientCheck.random([3, 5, 4], seed: 61)
        let k = GradientCheck.random([3, 7, 4], seed: 62)
        let v = GradientCheck.random([3, 7, 6], seed: 63)
        for t in [q, k, v] { t.requiresGrad = true }
        return (q, k, v)
    }

    func testMatchesMatmulSoftmaxMatmul() {
        let (q, k, v) = inputs()
        let g = GradientCheck.random([3, 5, 6], seed: 64)
        let fused = Tensor.attention(query: q, key: k, value: v, scale: 0.7)
        fused.backward(g)
        let fusedGrads = [q, k, v].map { $0.grad!.scalars }
        for t in [q, k, v] { t.grad = nil }
        let reference = composed(q, k, v, scale: 0.7)
        reference.backward(g)
        XCTAssertEqual(fused.shape, [3, 5, 6])
        for (a, b) in zip(fused.scalars, reference.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (index, t) in [q, k, v].enumerated() {
            for (a, b) in zip(fusedGrads[index], t.grad!.scalars) {
                XCTAssertEqual(a, b, accuracy: 1e-5, "gradient of input \(index)")
            }
        }
    }

    func testGradientCheck() {
        let (q, k, v) = inputs()
        GradientCheck.check([q, k, v]) { Tensor.attention(query: $0[0], key: $0[1], value: $0[2], scale: 0.45) }
    }

    /// Packed columns `[batch, 3·heads·d, n]`: each head the same values and
    /// gradients as tokens as rows on its transposed q, k and v blocks.
    func testPackedColumnsMatchRowsPerHead() {
        let (batch, heads, d, n) = (2, 3, 4, 5)
        let packed = GradientCheck.random([batch, 3 * heads * d, n], seed: 66)
        packed.requiresGrad = true
        let g = GradientCheck.random([batch, heads * d, n], seed: 67)
        let fused = Tensor.selfAttention(packedColumns: packed, heads: heads, scale: 0.6)
        fused.backward(g)
        XCTAssertEqual(fused.shape, [batch, heads * d, n])
        let blocks = packed.reshaped([batch, 3, heads, d, n])
        for image in 0..<batch {
            for head in 0..<heads {
                func rows(_ part: Int) -> Tensor {
                    let block = blocks.slice(axis: 0, image..<image + 1).slice(axis: 1, part..<part + 1)
                        .slice(axis: 2, head..<head + 1).reshaped([1, d, n]).transposed(1, 2)
                    return Tensor(shape: block.shape, scalars: block.scalars, requiresGrad: true)
                }
                let (q, k, v) = (rows(0), rows(1), rows(2))
                let reference = Tensor.attention(query: q, key: k, value: v, scale: 0.6)
                let outputBlock = g.reshaped([batch, heads, d, n]).slice(axis: 0, image..<image + 1)
                    .slice(axis: 1, head..<head + 1).reshaped([1, d, n])
                reference.backward(outputBlock.transposed(1, 2))
                let fusedBlock = fused.reshaped([batch, heads, d, n]).slice(axis: 0, image..<image + 1)
                    .slice(axis: 1, head..<head + 1).reshaped([1, d, n])
                for (a, b) in zip(fusedBlock.scalars, reference.transposed(1, 2).scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
                let packedGrad = packed.grad!.reshaped([batch, 3, heads, d, n])
                for (part, t) in [q, k, v].enumerated() {
                    let gradBlock = packedGrad.slice(axis: 0, image..<image + 1).slice(axis: 1, part..<part + 1)
                        .slice(axis: 2, head..<head + 1).reshaped([1, d, n])
                    for (a, b) in zip(gradBlock.scalars, t.grad!.transposed(1, 2).scalars) {
                        XCTAssertEqual(a, b, accuracy: 1e-5, "gradient of part \(part), image \(image), head \(head)")
                    }
                }
            }
        }
    }

    func testPackedColumnsGradientCheck() {
        let packed = GradientCheck.random([2, 12, 5], seed: 68)
        packed.requiresGrad = true
        GradientCheck.check([packed]) { Tensor.selfAttention(packedColumns: $0[0], heads: 2, scale: 0.45) }
    }

    func testSameBitsAtAnyThreadCount() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            let (q, k, v) = inputs()
            let y = Tensor.attention(query: q, key: k, value: v, scale: 0.5)
            y.backward(GradientCheck.random(y.shape, seed: 65))
            results.append([y.scalars, q.grad!.scalars, k.grad!.scalars, v.grad!.scalars])
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }
}
