import CKernels

/// Scaled dot-product attention `softmax(s·Q·Kᵀ)·V` (Vaswani et al. 2017,
/// eq. 1) over batches of token matrices, as one op.
///
/// Keeping only Q, K and V for the backward, it never stores the n×m scores or
/// probabilities: the backward recomputes `P = softmax(s·Q·Kᵀ)` one batch item
/// at a time in a per-thread buffer and forms, with `G` the output gradient,
/// `dV = Pᵀ·G`, `dS = P ⊙ (G·Vᵀ − rowsum(P ⊙ G·Vᵀ))`, `dQ = s·dS·K` and
/// `dK = s·dSᵀ·Q`. Batch items are spread over threads, each computed by one
/// thread, so results do not depend on the thread count.
extension Tensor {
    /// Attention of `query` `[batch, n, d]` over `key` `[batch, m, d]` and
    /// `value` `[batch, m, e]`, scaled by `scale` (usually `1/√d`); `[batch, n, e]`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, scale: Float) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3,
                     "attention: query, key and value must be [batch, tokens, width], got \(query.shape), \(key.shape), \(value.shape)")
        let (batch, n, d) = (query.shape[0], query.shape[1], query.shape[2])
        let (m, e) = (key.shape[1], value.shape[2])
        precondition(key.shape == [batch, m, d] && value.shape == [batch, m, e],
                     "attention: key \(key.shape) must be [\(batch), m, \(d)] and value \(value.shape) [\(batch), m, e] with the same m")
        let shapes = AttentionShapes(n: n, m: m, d: d, e: e, scale: scale)
        var output = [Float].unfilled(batch * n * e)
        query.scalars.withUnsafeBufferPointer { q in
            key.scalars.withUnsafeBufferPointer { k in
                value.scalars.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { out in
                        let (qBase, kBase, vBase, outBase) = (q.baseAddress!, k.baseAddress!, v.baseAddress!, out.baseAddress!)
                        Parallel.forEachChunk(batch) { items in
                            let p = ThreadBuffer.probabilities.pointer(floats: n * m)
                            for i in items {
                                shapes.probabilities(q: qBase + i * n * d, k: kBase + i * m * d, into: p)
                                ck_sgemm(0, 0, n, e, m, 1, p, m, vBase + i * m * e, e, 0, outBase + i * n * e, e)
                            }
                        }
                    }
                }
            }
        }
        return .result(shape: [batch, n, e], scalars: output, inputs: [query, key, value]) { g in
            let needQuery = query.requiresGrad, needKey = key.requiresGrad, needValue = value.requiresGrad
            var dq = [Float].unfilled(needQuery ? batch * n * d : 0)
            var dk = [Float].unfilled(needKey ? batch * m * d : 0)
            var dv = [Float].unfilled(needValue ? batch * m * e : 0)
            query.scalars.withUnsafeBufferPointer { q in
                key.scalars.withUnsafeBufferPointer { k in
                    value.scalars.withUnsafeBufferPointer { v in
                        g.scalars.withUnsafeBufferPointer { gy in
                            dq.withUnsafeMutableBufferPointer { dqBuffer in
                                dk.withUnsafeMutableBufferPointer { dkBuffer in
                                    dv.withUnsafeMutableBufferPointer { dvBuffer in
                                        let (qBase, kBase, vBase, gBase) = (q.baseAddress!, k.baseAddress!, v.baseAddress!, gy.baseAddress!)
                                        let (dqBase, dkBase, dvBase) = (dqBuffer.baseAddress, dkBuffer.baseAddress, dvBuffer.baseAddress)
                                        Parallel.forEachChunk(batch) { items in
                                            let p = ThreadBuffer.probabilities.pointer(floats: n * m)
                                            let ds = ThreadBuffer.scoreGradient.pointer(floats: n * m)
                                            for i in items {
                                                let qi = qBase + i * n * d, ki = kBase + i * m * d
                                                let vi = vBase + i * m * e, gi = gBase + i * n * e
                                                shapes.probabilities(q: qi, k: ki, into: p)
                                                if needValue {
                                                    ck_sgemm(1, 0, m, e, n, 1, p, m, gi, e, 0, dvBase! + i * m * e, e)
                                                }
                                                guard needQuery || needKey else { continue }
                                                ck_sgemm(0, 1, n, m, e, 1, gi, e, vi, e, 0, ds, m)
                                                shapes.softmaxBackward(p, ds)
                                                if needQuery {
                                                    ck_sgemm(0, 0, n, d, m, scale, ds, m, ki, d, 0, dqBase! + i * n * d, d)
                                                }
                                                if needKey {
                                                    ck_sgemm(1, 0, m, d, n, scale, ds, m, qi, d, 0, dkBase! + i * m * d, d)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [needQuery ? Tensor(shape: query.shape, scalars: dq) : nil,
                    needKey ? Tensor(shape: key.shape, scalars: dk) : nil,
                    needValue ? Tensor(shape: value.shape, scalars: dv) : nil]
        }
    }
}

/// The sizes of one attention product and its per-item steps.
private struct AttentionShapes {
    let n: Int, m: Int, d: Int, e: Int, scale: Float

    /// `P = softmax(s·Q·Kᵀ)` of one item, row by row.
    func probabilities(q: UnsafePointer<Float>, k: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
        ck_sgemm(0, 1, n, m, d, scale, q, d, k, d, 0, p, m)
        guard m > 0 else { return }
        for row in 0..<n { ck_softmax_row(p + row * m, p + row * m, m) }
    }

    /// Turns `dP` (in `ds`) into `dS = P ⊙ (dP − rowsum(P ⊙ dP))`, the softmax backward.
    func softmaxBackward(_ p: UnsafePointer<Float>, _ ds: UnsafeMutablePointer<Float>) {
        for row in 0..<n {
            let pr = p + row * m, dr = ds + row * m
            var dot: Float = 0
            for j in 0..<m { dot += pr[j] * dr[j] }
            for j in 0..<m { dr[j] = pr[j] * (dr[j] - dot) }
        }
    }
}
