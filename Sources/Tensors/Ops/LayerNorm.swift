import Foundation

/// Layer normalisation (Ba et al., 2016), as PyTorch's `F.layer_norm`: every
/// slice over the trailing `axisCount` axes is normalised by its own mean and
/// biased variance, `x̂ = (x − μ) / √(σ² + ε)`, then scaled and shifted
/// elementwise, `y = γ ⊙ x̂ + β`, with γ and β shaped like those trailing axes.
///
/// Fused: statistics in Double, and the closed-form backward
/// `dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))` with `dx̂ = γ ⊙ dy`.
extension Tensor {
    /// Normalises over the last `axisCount` axes (1 = the last axis, as in
    /// transformer blocks); `weight` (γ) and `bias` (β) have the shape of those
    /// axes, or are nil (γ = 1, β = 0).
    public func layerNorm(axisCount: Int = 1, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(
            axisCount >= 1 && axisCount <= rank,
            "layerNorm: axisCount \(axisCount) must be in 1...\(rank) for input shape \(shape)")
        let normalizedShape = Array(shape.suffix(axisCount))
        if let weight {
            precondition(
                weight.shape == normalizedShape,
                "layerNorm: weight shape \(weight.shape) does not match the last \(axisCount) axes \(normalizedShape) of input \(shape)")
        }
        if let bias {
            precondition(
                bias.shape == normalizedShape,
                "layerNorm: bias shape \(bias.shape) does not match the last \(axisCount) axes \(normalizedShape) of input \(shape)")
        }
        precondition(eps >= 0, "layerNorm: eps must be non-negative, got \(eps)")
        let width = normalizedShape.elementCount
        precondition(width > 0, "layerNorm: nothing to normalise over in shape \(shape)")
        let rows = count / width
        let gamma = weight?.scalars, beta = bias?.scalars
        var mean = [Double](repeating: 0, count: rows)
        var rstd = [Double](repeating: 0, count: rows)
        var output = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                mean.withUnsafeMutableBufferPointer { means in
                    rstd.withUnsafeMutableBufferPointer { rstds in
                        Parallel.forEachChunk(rows, minimumChunk: Swift.max(1, 65_536 / width)) { range in
                            for row in range {
                                let base = row * width
                                var total = 0.0, totalSquares = 0.0
                                for i in base..<base + width {
                                    let v = Double(x[i])
                                    total += v
                                    totalSquares += v * v
                                }
                                let m = total / Double(width)
                                let r = 1 / (Swift.max(totalSquares / Double(width) - m * m, 0) + Double(eps)).squareRoot()
                                means[row] = m
                                rstds[row] = r
                                // x̂ = (x − μ_f)·rstd + c with μ_f = Float(μ) and c = −(μ − μ_f)·rstd, which
                                // keeps precision when the mean is large next to the spread.
                                let mf = Float(m), rf = Float(r), cf = Float(-(m - Double(mf)) * r)
                                for j in 0..<width {
                                    let normalized = (x[base + j] - mf) * rf + cf
                                    y[base + j] = normalized * (gamma?[j] ?? 1) + (beta?[j] ?? 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        let input = self
        let inputs = [input] + [weight, bias].compactMap { $0 }
        return .result(shape: shape, scalars: output, inputs: inputs) { g in
            let grads = LayerNormKernels.backward(
                outputGradient: g.scalars, input: input.scalars, width: width, gamma: gamma,
                mean: mean, rstd: rstd, needInput: input.requiresGrad)
            var result: [Tensor?] = [grads.input.map { Tensor(shape: input.shape, scalars: $0) }]
            if let weight { result.append(weight.requiresGrad ? Tensor(shape: weight.shape, scalars: grads.gamma) : nil) }
            if let bias { result.append(bias.requiresGrad ? Tensor(shape: bias.shape, scalars: grads.beta) : nil) }
            return result
        }
    }

    /// Layer normalisation in PyTorch's terms: `normalizedShape` must equal the
    /// trailing axes of this tensor, and those axes are normalised together.
    public func layerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.count <= rank && Array(shape.suffix(normalizedShape.count)) == normalizedShape,
            "layerNorm: normalizedShape \(normalizedShape) is not the trailing axes of input \(shape)")
        return layerNorm(axisCount: normalizedShape.count, weight: weight, bias: bias, eps: eps)
    }
}

/// The backward loops of `layerNorm`.
private enum LayerNormKernels {
    static func backward(
        outputGradient: [Float], input: [Float], width: Int, gamma: [Float]?,
        mean: [Double], rstd: [Double], needInput: Bool
    ) -> (input: [Float]?, gamma: [Float], beta: [Float]) {
        let rows = mean.count
        let blocks = rows * width >= 65_536 ? Swift.max(1, Swift.min(Parallel.threadCount, rows)) : 1
        var inputGradient = [Float](repeating: 0, count: needInput ? input.count : 0)
        // Per-block partial sums of dy·x̂ (for γ) and dy (for β).
        var gammaPartials = [Double](repeating: 0, count: blocks * width)
        var betaPartials = [Double](repeating: 0, count: blocks * width)
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    gammaPartials.withUnsafeMutableBufferPointer { dGamma in
                        betaPartials.withUnsafeMutableBufferPointer { dBeta in
                            func body(_ block: Int) {
                                for row in rows * block / blocks..<rows * (block + 1) / blocks {
                                    let base = row * width, partial = block * width
                                    let m = mean[row], r = rstd[row]
                                    var a = 0.0, b = 0.0
                                    for j in 0..<width {
                                        let d = Double(dy[base + j])
                                        let normalized = (Double(x[base + j]) - m) * r
                                        dGamma[partial + j] += d * normalized
                                        dBeta[partial + j] += d
                                        let dNormalized = d * Double(gamma?[j] ?? 1)
                                        a += dNormalized
                                        b += dNormalized * normalized
                                    }
                                    guard needInput else { continue }
                                    let meanA = a / Double(width), meanB = b / Double(width)
                                    for j in 0..<width {
                                        let normalized = (Double(x[base + j]) - m) * r
                                        let dNormalized = Double(dy[base + j]) * Double(gamma?[j] ?? 1)
                                        dx[base + j] = Float(r * (dNormalized - meanA - normalized * meanB))
                                    }
                                }
                            }
                            if blocks == 1 { body(0) } else { Parallel.forEach(blocks, body) }
                        }
                    }
                }
            }
        }
        var gammaGradient = [Float](repeating: 0, count: width)
        var betaGradient = [Float](repeating: 0, count: width)
        for j in 0..<width {
            var dg = 0.0, db = 0.0
            for block in 0..<blocks {
                dg += gammaPartials[block * width + j]
                db += betaPartials[block * width + j]
            }
            gammaGradient[j] = Float(dg)
            betaGradient[j] = Float(db)
        }
        return (needInput ? inputGradient : nil, gammaGradient, betaGradient)
    }
}
