import CKernels

/// Matrix products: 2-D `[m, k] · [k, n]` and batched `[…, m, k] · […, k, n]`
/// (equal batch dimensions, or a 2-D right-hand side shared by the batch).
extension Tensor {
    /// The matrix product of `self` and `other`.
    ///
    /// - Complexity: O(m·n·k) multiply-adds per matrix of the batch, on the SGEMM kernels.
    public func matmul(_ other: Tensor) -> Tensor {
        Tensor.matmul(self, other, transposeA: false, transposeB: false)
    }

    /// `scale · op(a) · op(b)` where `op` optionally swaps the last two axes,
    /// without materialising the transpose (nor a separately scaled product).
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
        scale: Float = 1
    ) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs rank ≥ 2, got \(a.shape) and \(b.shape)")
        let (ra, ca) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (rb, cb) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ca, ra) : (ra, ca)
        let (kb, n) = transposeB ? (cb, rb) : (rb, cb)
        precondition(k == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        precondition(
            batchB.isEmpty || batchA == batchB,
            "matmul: batch dimensions differ: \(a.shape) and \(b.shape)")
        precondition(
            !(batchB.isEmpty && !batchA.isEmpty && transposeA),
            "matmul: a transposed batched left side needs a batched right side, got \(a.shape) and \(b.shape)")
        let batch = batchA.elementCount
        // sgemm overwrites C (β = 0); only an empty inner dimension leaves zeros to fill.
        var out = k == 0 ? [Float](repeating: 0, count: batch * m * n) : [Float].unfilled(batch * m * n)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let aBase = pa.baseAddress!, bBase = pb.baseAddress!, cBase = po.baseAddress!
                    if batch == 1 {
                        GEMM.sgemm(
                            transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: scale,
                            a: aBase, lda: ca, b: bBase, ldb: cb, c: cBase, ldc: n)
                    } else {
                        // Whole products per thread: the batch splits better than each small product.
                        Parallel.forEachChunk(batch) { items in
                            for i in items {
                                ck_sgemm(
                                    transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, scale, aBase + i * m * k, ca,
                                    bBase + (batchB.isEmpty ? 0 : i * k * n), cb, 0, cBase + i * m * n, n)
                            }
                        }
                    }
                }
            }
        }
        let sharedB = batchB.isEmpty && !batchA.isEmpty
        return .result(shape: batchA + [m, n], scalars: out, inputs: [a, b]) { g in
            // C = s·op(A)·op(B): dop(A) = s·G·op(B)ᵀ, dop(B) = s·op(A)ᵀ·G.
            var ga: Tensor? = nil, gb: Tensor? = nil
            if a.requiresGrad {
                ga =
                    transposeA
                    ? matmul(b, g, transposeA: transposeB, transposeB: true, scale: scale)
                    : matmul(g, b, transposeA: false, transposeB: !transposeB, scale: scale)
            }
            if b.requiresGrad {
                if sharedB {
                    let a2 = a.reshaped([batch * ra, ca]), g2 = g.reshaped([batch * m, n])
                    gb =
                        transposeB
                        ? matmul(g2, a2, transposeA: true, transposeB: transposeA, scale: scale)
                        : matmul(a2, g2, transposeA: !transposeA, transposeB: false, scale: scale)
                } else {
                    gb =
                        transposeB
                        ? matmul(g, a, transposeA: true, transposeB: transposeA, scale: scale)
                        : matmul(a, g, transposeA: !transposeA, transposeB: false, scale: scale)
                }
            }
            return [ga, gb]
        }
    }
}
