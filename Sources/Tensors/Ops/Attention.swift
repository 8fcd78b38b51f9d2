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
    ///
    /// - Complexity: O(n·m·(d + e)) time per batch element; beyond the output, one n×m buffer per
    ///   thread while it runs, and no n×m matrix kept for the backward.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, scale: Float) -> Tensor {
        precondition(
            query.rank == 3 && key.rank == 3 && value.rank == 3,
            "attention: query, key and value must be [batch, tokens, width], got \(query.shape), \(key.shape), \(value.shape)")
        let (batch, n, d) = (query.shape[0], query.shape[1], query.shape[2])
        let (m, e) = (key.shape[1], value.shape[2])
        precondition(
            key.shape == [batch, m, d] && value.shape == [batch, m, e],
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
        precondition(
            packed.rank == 3 && heads > 0 && packed.shape[1] % (3 * heads) == 0,
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
    private static func attention(
        _ shapes: AttentionShapes, items: Int, outputShape: [Int], inputs: [Tensor],
        offsets: @escaping (Int) -> (query: Int, key: Int, value: Int)
    ) -> Tensor {
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

/// The sizes of one attention product and its per-item steps, each one GEMM.
/// The token matrices (`Q` n×d, `K` m×d, `V` m×e, the output n×e and their
/// gradients) are stored as they are with tokens as rows, transposed with
/// tokens as columns; `P` and `dS` (n×m) are stored as they are in both.
private struct AttentionShapes {
    let n: Int, m: Int, d: Int, e: Int, scale: Float, tokensAsColumns: Bool

    /// `C = alpha · op(A) · op(B)` for `op(A)` m×k and `op(B)` k×n, each of A,
    /// B and C stored as written or, where its flag says so, transposed
    /// (row-major, leading dimensions those of the stored shapes). A
    /// transposed C is computed as `Cᵀ = op(B)ᵀ · op(A)ᵀ`.
    private func product(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, transposed aT: Bool, _ b: UnsafePointer<Float>, transposed bT: Bool,
        into c: UnsafeMutablePointer<Float>, transposed cT: Bool = false
    ) {
        if cT {
            product(m: n, n: m, k: k, alpha: alpha, b, transposed: !bT, a, transposed: !aT, into: c)
        } else {
            ck_sgemm(aT ? 1 : 0, bT ? 1 : 0, m, n, k, alpha, a, aT ? m : k, b, bT ? k : n, 0, c, n)
        }
    }

    /// `P = softmax(s·Q·Kᵀ)` of one item, row by row.
    func probabilities(q: UnsafePointer<Float>, k: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
        product(m: n, n: m, k: d, alpha: scale, q, transposed: tokensAsColumns, k, transposed: !tokensAsColumns, into: p)
        guard m > 0 else { return }
        for row in 0..<n { ck_softmax_row(p + row * m, p + row * m, m) }
    }

    /// The output `P·V`.
    func output(p: UnsafePointer<Float>, v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        product(
            m: n, n: e, k: m, p, transposed: false, v, transposed: tokensAsColumns,
            into: out, transposed: tokensAsColumns)
    }

    /// `dV = Pᵀ·G`.
    func valueGradient(p: UnsafePointer<Float>, g: UnsafePointer<Float>, into dv: UnsafeMutablePointer<Float>) {
        product(
            m: m, n: e, k: n, p, transposed: true, g, transposed: tokensAsColumns,
            into: dv, transposed: tokensAsColumns)
    }

    /// `dP = G·Vᵀ`.
    func probabilityGradient(g: UnsafePointer<Float>, v: UnsafePointer<Float>, into dp: UnsafeMutablePointer<Float>) {
        product(m: n, n: m, k: e, g, transposed: tokensAsColumns, v, transposed: !tokensAsColumns, into: dp)
    }

    /// `dQ = s·dS·K`.
    func queryGradient(ds: UnsafePointer<Float>, k: UnsafePointer<Float>, into dq: UnsafeMutablePointer<Float>) {
        product(
            m: n, n: d, k: m, alpha: scale, ds, transposed: false, k, transposed: tokensAsColumns,
            into: dq, transposed: tokensAsColumns)
    }

    /// `dK = s·dSᵀ·Q`.
    func keyGradient(ds: UnsafePointer<Float>, q: UnsafePointer<Float>, into dk: UnsafeMutablePointer<Float>) {
        product(
            m: m, n: d, k: n, alpha: scale, ds, transposed: true, q, transposed: tokensAsColumns,
            into: dk, transposed: tokensAsColumns)
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
