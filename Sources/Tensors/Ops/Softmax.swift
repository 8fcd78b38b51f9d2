import CKernels
import Foundation

/// Softmax and log-softmax along one axis, stabilised by subtracting the
/// maximum: `softmax(x)_i = exp(x_i − m) / Σ_j exp(x_j − m)` and
/// `logSoftmax(x)_i = x_i − m − log Σ_j exp(x_j − m)` with `m = max_j x_j`.
///
/// Softmax over the last axis runs the vectorised `ck_softmax_row`.
/// Fused backwards: `dx = y ⊙ (dy − Σ dy ⊙ y)` for softmax and
/// `dx = dy − softmax(x) · Σ dy` for log-softmax.
extension Tensor {
    /// The softmax over `axis` (negative counts from the end).
    public func softmax(axis: Int) -> Tensor {
        let lines = SoftmaxLines(shape: shape, axis: axis, op: "softmax")
        var output = [Float].unfilled(count)
        scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let y = y
                lines.forEach { start, stride, extent in
                    if stride == 1 {
                        // Contiguous lines (the last axis): the vectorised kernel.
                        ck_softmax_row(x.baseAddress! + start, y.baseAddress! + start, extent)
                        return
                    }
                    var maximum = -Float.infinity
                    for k in 0..<extent { maximum = Swift.max(maximum, x[start + k * stride]) }
                    var total: Float = 0
                    for k in 0..<extent {
                        let e = Foundation.exp(x[start + k * stride] - maximum)
                        y[start + k * stride] = e
                        total += e
                    }
                    let scale = 1 / total
                    for k in 0..<extent { y[start + k * stride] *= scale }
                }
            }
        }
        let inputShape = shape
        return .result(shape: shape, scalars: output, inputs: [self]) { g in
            var gradient = [Float].unfilled(output.count)
            g.scalars.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { dx in
                        let dx = dx
                        lines.forEach { start, stride, extent in
                            var dot: Float = 0
                            for k in 0..<extent { dot += dy[start + k * stride] * y[start + k * stride] }
                            for k in 0..<extent {
                                let i = start + k * stride
                                dx[i] = y[i] * (dy[i] - dot)
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: inputShape, scalars: gradient)]
        }
    }

    /// The logarithm of the softmax over `axis`, computed without forming the softmax.
    public func logSoftmax(axis: Int) -> Tensor {
        let lines = SoftmaxLines(shape: shape, axis: axis, op: "logSoftmax")
        var output = [Float].unfilled(count)
        scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let y = y
                lines.forEach { start, stride, extent in
                    var maximum = -Float.infinity
                    for k in 0..<extent { maximum = Swift.max(maximum, x[start + k * stride]) }
                    var total: Float = 0
                    for k in 0..<extent { total += Foundation.exp(x[start + k * stride] - maximum) }
                    // (x − m) − log Σ: subtracting the maximum first keeps precision for large inputs.
                    let logTotal = Foundation.log(total)
                    for k in 0..<extent { y[start + k * stride] = (x[start + k * stride] - maximum) - logTotal }
                }
            }
        }
        let inputShape = shape
        return .result(shape: shape, scalars: output, inputs: [self]) { g in
            var gradient = [Float].unfilled(output.count)
            g.scalars.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { dx in
                        let dx = dx
                        lines.forEach { start, stride, extent in
                            var total: Float = 0
                            for k in 0..<extent { total += dy[start + k * stride] }
                            for k in 0..<extent {
                                let i = start + k * stride
                                dx[i] = dy[i] - Foundation.exp(y[i]) * total
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: inputShape, scalars: gradient)]
        }
    }
}

/// The 1-D lines along one axis of a row-major tensor: line `l` starts at
/// `(l / inner) · extent · inner + l % inner` and steps by `inner`.
private struct SoftmaxLines {
    let outer: Int
    let extent: Int
    let inner: Int

    init(shape: [Int], axis: Int, op: String) {
        precondition(!shape.isEmpty, "\(op): needs a tensor of rank ≥ 1, got shape \(shape)")
        let a = Shapes.normalize(axis: axis, rank: shape.count, op: op)
        (outer, extent, inner) = Tensor.split(shape, at: a)
    }

    /// Calls `body(start, stride, extent)` for every line, spread over threads for large tensors.
    func forEach(_ body: (Int, Int, Int) -> Void) {
        let lines = outer * inner
        guard extent > 0 else { return }
        Parallel.forEachChunk(lines, minimumChunk: Swift.max(1, 32_768 / extent)) { range in
            for line in range {
                body((line / inner) * extent * inner + line % inner, inner, extent)
            }
        }
    }
}
