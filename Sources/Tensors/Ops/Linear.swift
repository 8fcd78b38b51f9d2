/// The affine map of a fully connected layer, as PyTorch's `F.linear`:
/// `y = x · Wᵀ + b` for `x` `[rows, in]`, `W` `[out, in]` and `b` `[out]`.
///
/// Fused: the output rows start as copies of `b` and the product is added to
/// them by one GEMM (β = 1), instead of a product and then a broadcast add
/// over the whole output. Gradients: `dx = dy · W`, `dW = dyᵀ · x`,
/// `db = Σ_rows dy`.
extension Tensor {
    /// `input · weightᵀ + bias` for a `[rows, in]` input, `[out, in]` weight and `[out]` bias (or nil).
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(
            input.rank == 2 && weight.rank == 2 && input.shape[1] == weight.shape[1],
            "linear: input \(input.shape) and weight \(weight.shape) must be [rows, in] and [out, in]")
        let rows = input.shape[0], inFeatures = input.shape[1], outFeatures = weight.shape[0]
        if let bias {
            precondition(
                bias.shape == [outFeatures],
                "linear: bias shape \(bias.shape) does not match weight \(weight.shape); expected [\(outFeatures)]")
        }
        var output: [Float]
        if let bias {
            output = [Float].unfilled(rows * outFeatures)
            bias.scalars.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { y in
                    let y = y
                    Parallel.forEachRowChunk(rows, rowLength: outFeatures) { range in
                        for row in range {
                            for j in 0..<outFeatures { y[row * outFeatures + j] = b[j] }
                        }
                    }
                }
            }
        } else {
            output = [Float](repeating: 0, count: rows * outFeatures)
        }
        if rows > 0 && outFeatures > 0 {
            input.scalars.withUnsafeBufferPointer { x in
                weight.scalars.withUnsafeBufferPointer { w in
                    output.withUnsafeMutableBufferPointer { y in
                        let y = y
                        GEMM.sgemm(
                            transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
                            a: x.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                            beta: 1, c: y.baseAddress!, ldc: outFeatures)
                    }
                }
            }
        }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        return .result(shape: [rows, outFeatures], scalars: output, inputs: inputs) { g in
            var result: [Tensor?] = [
                input.requiresGrad ? matmul(g, weight, transposeA: false, transposeB: false) : nil,
                weight.requiresGrad ? matmul(g, input, transposeA: true, transposeB: false) : nil,
            ]
            if let bias { result.append(bias.requiresGrad ? g.sum(toShape: [outFeatures]) : nil) }
            return result
        }
    }
}
