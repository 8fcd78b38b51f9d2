/// Nearest-neighbour upsampling by 2 in height and width, as PyTorch's
/// `F.interpolate(x, scale_factor=2, mode="nearest")` on NCHW: every input
/// pixel becomes a 2×2 block, `out[…, y, x] = in[…, ⌊y/2⌋, ⌊x/2⌋]`.
/// The backward sums the gradient over each 2×2 block.
extension Tensor {
    /// This `[…, H, W]` tensor (usually NCHW) upsampled to `[…, 2H, 2W]`.
    public func upsampleNearest2x() -> Tensor {
        precondition(rank >= 2, "upsampleNearest2x: needs [N, C, H, W] (rank ≥ 2), got shape \(shape)")
        let height = shape[rank - 2], width = shape[rank - 1]
        let planes = shape.dropLast(2).reduce(1, *)
        var outShape = shape
        outShape[rank - 2] = 2 * height
        outShape[rank - 1] = 2 * width
        var output = [Float].unfilled(4 * count)
        let rows = planes * height
        scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let y = y
                Parallel.forEachChunk(rows, minimumChunk: Swift.max(1, 262_144 / Swift.max(4 * width, 1))) { range in
                    // Input row r (plane-major) feeds output rows 2r and 2r + 1.
                    for row in range {
                        let source = row * width, destination = 4 * row * width
                        for j in 0..<width {
                            let v = x[source + j]
                            y[destination + 2 * j] = v
                            y[destination + 2 * j + 1] = v
                        }
                        for j in 0..<2 * width { y[destination + 2 * width + j] = y[destination + j] }
                    }
                }
            }
        }
        let inputShape = shape
        return .result(shape: outShape, scalars: output, inputs: [self]) { g in
            var gradient = [Float].unfilled(inputShape.elementCount)
            g.scalars.withUnsafeBufferPointer { dy in
                gradient.withUnsafeMutableBufferPointer { dx in
                    let dx = dx
                    Parallel.forEachChunk(rows, minimumChunk: Swift.max(1, 262_144 / Swift.max(4 * width, 1))) { range in
                        for row in range {
                            let top = 4 * row * width, bottom = top + 2 * width
                            for j in 0..<width {
                                dx[row * width + j] =
                                    (dy[top + 2 * j] + dy[top + 2 * j + 1])
                                    + (dy[bottom + 2 * j] + dy[bottom + 2 * j + 1])
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: inputShape, scalars: gradient)]
        }
    }
}
