import CKernels

/// Scaled dot-product attention `softmax(s·Q·Kᵀ)·V` (Vaswani et al. 2017,
/// eq. 1) over batches of token matrices, as one op.
///
/// Keeping only Q, K and V for the backward, it never stores the n×m scores or
/// probabilities: the backward recomputes `P = softmax(s·Q·Kᵀ)` one batch item
/// at a time in a per-thread buffer and forms, with `G` the output gradient,
/// `dV = Pᵀ·G`, `dS = P ⊙ (G·Vᵀ − rowsum(P ⊙ G·Vᵀ))`, `dQ = s·dS·K` and
/// `dK = s·dSᵀ·Q`. Batch items are spread over threads, each computed by one
/// thread, so results do not depend on the thread count. Tokens may be rows
/// (`[batch, tokens, width]`) or columns (`[batch, width, tokens]`, the layout
/// of a feature map's pixels, `selfAttention(packedColumns:)`): only the
/// transpositions of the GEMMs change.
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
        let shapes = AttentionShapes(n: n, m: m, d: d, e: e, scale: scale, tokensAsColumns: false)
        return attention(shapes, items: batch, outputShape: [batch, n, e], inputs: [query, key, value]) { i in
            (i * n * d, i * m * d, i * m * e)
        }
    }

    /// Self-attention of a feature map's pixels with tokens as columns, the
    /// layout a pointwise convolution leaves them in: `packed` is
    /// `[batch, 3·heads·d, n]`, the channels being query, key and value, each
    /// `heads` blocks of `d` (`[batch, 3, heads, d, n]`). Head `h` of image `b`
    /// attends with `Qᵀ`, `Kᵀ`, `Vᵀ` its three `d × n` blocks; the result is
    /// `[batch, heads·d, n]`, head by head, so that it reads as a feature map
    /// again. No transposes, and one tensor for the three projections.
    public static func selfAttention(packedColumns packed: Tensor, heads: Int, scale: Float) -> Tensor {
        precondition(packed.rank == 3 && heads > 0 && packed.shape[1] % (3 * heads) == 0,
                     "selfAttention: packed must be [batch, 3·heads·width, tokens] with heads = \(heads), got \(packed.shape)")
        let (batch, n, d) = (packed.shape[0], packed.shape[2], packed.shape[1] / (3 * heads))
        let shapes = AttentionShapes(n: n, m: n, d: d, e: d, scale: scale, tokensAsColumns: true)
        let block = d * n
        return attention(shapes, items: batch * heads, outputShape: [batch, heads * d, n], inputs: [packed]) { i in
            let query = ((i / heads) * 3 * heads + i % heads) * block
            return (query, query + heads * block, query + 2 * heads * block)
        }
    }

    /// The attention of `items` independent items, item `i` reading its query,
    /// key and value at `offsets(i)` in `inputs` (three tensors, or one packed
    /// tensor holding all three) and writing its output at `i·n·e`.
    private static func attention(_ shapes: AttentionShapes, items: Int, outputShape: [Int], inputs: [Tensor],
                                  offsets: @escaping (Int) -> (query: Int, key: Int, value: Int)) -> Tensor {
        let (n, m, e) = (shapes.n, shapes.m, shapes.e)
        /// The input holding query, key and value (0, 1, 2) and its gradient buffer.
        func operand(_ index: Int) -> Int { inputs.count == 1 ? 0 : index }
        var output = [Float].unfilled(items * n * e)
        withBaseAddresses(inputs.map(\.scalars)) { sources in
            output.withUnsafeMutableBufferPointer { out in
                let (q, k, v) = (sources[operand(0)]!, sources[operand(1)]!, sources[operand(2)]!)
                let outBase = out.baseAddress!
                Parallel.forEachChunk(items) { chunk in
                    let p = ThreadBuffer.probabilities.pointer(floats: n * m)
                    for i in chunk {
                        let at = offsets(i)
                        shapes.probabilities(q: q + at.query, k: k + at.key, into: p)
                        shapes.output(p: p, v: v + at.value, into: outBase + i * n * e)
                    }
                }
            }
        }
        return .result(shape: outputShape, scalars: output, inputs: inputs) { g in
            let need = (0..<3).map { inputs[operand($0)].requiresGrad }
            let gradients = arraysWritten(counts: inputs.map { $0.requiresGrad ? $0.count : 0 }) { targets in
                withBaseAddresses(inputs.map(\.scalars) + [g.scalars]) { sources in
                    let (q, k, v) = (sources[operand(0)]!, sources[operand(1)]!, sources[operand(2)]!)
                    let (dq, dk, dv) = (targets[operand(0)], targets[operand(1)], targets[operand(2)])
                    let gBase = sources[inputs.count]!
                    Parallel.forEachChunk(items) { chunk in
                        let p = ThreadBuffer.probabilities.pointer(floats: n * m)
                        let ds = ThreadBuffer.scoreGradient.pointer(floats: n * m)
                        for i in chunk {
                            let at = offsets(i), gi = gBase + i * n * e
                            shapes.probabilities(q: q + at.query, k: k + at.key, into: p)
                            if need[2] { shapes.valueGradient(p: p, g: gi, into: dv! + at.value) }
                            guard need[0] || need[1] else { continue }
                            shapes.probabilityGradient(g: gi, v: v + at.value, into: ds)
                            shapes.softmaxBackward(p, ds)
                            if need[0] { shapes.queryGradient(ds: ds, k: k + at.key, into: dq! + at.query) }
                            if need[1] { shapes.keyGradient(ds: ds, q: q + at.query, into: dk! + at.key) }
                        }
                    }
                }
            }
            return zip(inputs, gradients).map { input, gradient in
                input.requiresGrad ? Tensor(shape: input.shape, scalars: gradient) : nil
            }
        }
    }
}

/// Arrays of `counts` floats, every element of which `body` writes through
/// the arrays' base addresses (nil for empty ones).
private func arraysWritten(counts: [Int], _ body: ([UnsafeMutablePointer<Float>?]) -> Void) -> [[Float]] {
    func step(_ index: Int, _ collected: [UnsafeMutablePointer<Float>?]) -> [[Float]] {
        guard index < counts.count else {
            body(collected)
            return []
        }
        var rest: [[Float]] = []
        let array = [Float](unsafeUninitializedCapacity: counts[index]) { buffer, initialized in
            rest = step(index + 1, collected + [buffer.baseAddress])
            initialized = counts[index]
        }
        return [array] + rest
    }
    return step(0, [])
}

/// The sizes of one attention product and its per-item steps, each one GEMM
/// whose transpositions follow the layout: tokens as rows (`Q` n×d, `K` m×d,
/// `V` m×e, output n×e) or as columns (every matrix transposed; `P` is n×m in both).
private struct AttentionShapes {
    let n: Int, m: Int, d: Int, e: Int, scale: Float, tokensAsColumns: Bool

    /// `P = softmax(s·Q·Kᵀ)` of one item, row by row.
    func probabilities(q: UnsafePointer<Float>, k: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(1, 0, n, m, d, scale, q, n, k, m, 0, p, m)
        } else {
            ck_sgemm(0, 1, n, m, d, scale, q, d, k, d, 0, p, m)
        }
        guard m > 0 else { return }
        for row in 0..<n { ck_softmax_row(p + row * m, p + row * m, m) }
    }

    /// The output `P·V` (as columns, `Vᵀ·Pᵀ`).
    func output(p: UnsafePointer<Float>, v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(0, 1, e, n, m, 1, v, m, p, m, 0, out, n)
        } else {
            ck_sgemm(0, 0, n, e, m, 1, p, m, v, e, 0, out, e)
        }
    }

    /// `dV = Pᵀ·G` (as columns, `Gᵀ·P`).
    func valueGradient(p: UnsafePointer<Float>, g: UnsafePointer<Float>, into dv: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(0, 0, e, m, n, 1, g, n, p, m, 0, dv, m)
        } else {
            ck_sgemm(1, 0, m, e, n, 1, p, m, g, e, 0, dv, e)
        }
    }

    /// `dP = G·Vᵀ` (n×m in both layouts).
    func probabilityGradient(g: UnsafePointer<Float>, v: UnsafePointer<Float>, into dp: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(1, 0, n, m, e, 1, g, n, v, m, 0, dp, m)
        } else {
            ck_sgemm(0, 1, n, m, e, 1, g, e, v, e, 0, dp, m)
        }
    }

    /// `dQ = s·dS·K` (as columns, `s·Kᵀ·dSᵀ`).
    func queryGradient(ds: UnsafePointer<Float>, k: UnsafePointer<Float>, into dq: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(0, 1, d, n, m, scale, k, m, ds, m, 0, dq, n)
        } else {
            ck_sgemm(0, 0, n, d, m, scale, ds, m, k, d, 0, dq, d)
        }
    }

    /// `dK = s·dSᵀ·Q` (as columns, `s·Qᵀ·dS`).
    func keyGradient(ds: UnsafePointer<Float>, q: UnsafePointer<Float>, into dk: UnsafeMutablePointer<Float>) {
        if tokensAsColumns {
            ck_sgemm(0, 0, d, m, n, scale, q, n, ds, m, 0, dk, m)
        } else {
            ck_sgemm(1, 0, m, d, n, scale, ds, m, q, d, 0, dk, d)
        }
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
