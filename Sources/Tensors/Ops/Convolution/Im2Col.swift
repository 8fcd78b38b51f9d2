/// The im2col / col2im kernels of a convolution: a patch matrix ("col") for
/// one image has `patchSize = C·kH·kW` rows, one per (input channel, kernel
/// row, kernel column), and `outputPixels = Hout·Wout` columns; row `(c, i, j)`,
/// column `(y, x)` holds the input pixel `(c, y·sH − top + i, x·sW − left + j)`,
/// or 0 where that falls in the padding. Then `output[n] = weight[Cout,
/// patchSize] · col[n]` (one GEMM).
extension Conv2DGeometry {
    /// The output columns `x` whose input column `x·sX − left + j` lies inside the image.
    @inline(__always)
    private func validColumns(kernelColumn j: Int) -> Range<Int> {
        let shift = padding.left - j
        let first = shift > 0 ? (shift + strideX - 1) / strideX : 0
        let lastInput = width - 1 + shift
        guard lastInput >= 0 else { return 0..<0 }
        let end = Swift.min(outWidth, lastInput / strideX + 1)
        return Swift.min(first, end)..<end
    }

    /// Writes the patch matrix of one image (`inputImageSize` floats) into `col` (`patchSize × outputPixels`).
    func im2col(_ image: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>) {
        var row = 0
        for c in 0..<inChannels {
            let plane = image + c * inputPixels
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: j)
                    let rowStart = col + row * outputPixels
                    for y in 0..<outHeight {
                        let dst = rowStart + y * outWidth
                        let inputRow = y * strideY - padding.top + i
                        guard inputRow >= 0 && inputRow < height else {
                            dst.update(repeating: 0, count: outWidth)
                            continue
                        }
                        // Input column of output column x: base + x·sX (inside the image for x in `valid`).
                        let base = inputRow * width - padding.left + j
                        dst.update(repeating: 0, count: valid.lowerBound)
                        if strideX == 1 {
                            (dst + valid.lowerBound).update(from: plane + base + valid.lowerBound, count: valid.count)
                        } else {
                            for x in valid { dst[x] = plane[base + x * strideX] }
                        }
                        (dst + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound)
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds a patch-matrix gradient `col` back onto the image gradient `image`
    /// (the transpose of `im2col`: overlapping patches accumulate).
    func col2im(_ col: UnsafePointer<Float>, addingInto image: UnsafeMutablePointer<Float>) {
        var row = 0
        for c in 0..<inChannels {
            let plane = image + c * inputPixels
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: j)
                    let rowStart = col + row * outputPixels
                    for y in 0..<outHeight {
                        let inputRow = y * strideY - padding.top + i
                        guard inputRow >= 0 && inputRow < height else { continue }
                        let src = rowStart + y * outWidth
                        let base = inputRow * width - padding.left + j
                        for x in valid { plane[base + x * strideX] += src[x] }
                    }
                    row += 1
                }
            }
        }
    }
}
