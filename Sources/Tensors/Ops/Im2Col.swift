/// The sizes of one 2-D convolution (NCHW input, OIHW weight) and the
/// im2col / col2im kernels that turn it into a matrix product.
///
/// A patch matrix ("col") for one image has `patchSize = C·kH·kW` rows, one per
/// (input channel, kernel row, kernel column), and `outputPixels = Hout·Wout`
/// columns; row `(c, i, j)`, column `(y, x)` holds the input pixel
/// `(c, y·sH − top + i, x·sW − left + j)`, or 0 where that falls in the padding.
/// Then `output[n] = weight[Cout, patchSize] · col[n]` (one GEMM).
struct Conv2DGeometry {
    let batch: Int
    let inChannels: Int
    let height: Int
    let width: Int
    let outChannels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strideY: Int
    let strideX: Int
    let padding: Conv2DPadding
    let outHeight: Int
    let outWidth: Int

    /// Reads and checks the sizes, stopping with a message naming the shapes on any mismatch.
    init(input: [Int], weight: [Int], bias: [Int]?, stride: (Int, Int), padding: Conv2DPadding) {
        precondition(input.count == 4, "conv2d: input must be NCHW (rank 4), got shape \(input)")
        precondition(weight.count == 4, "conv2d: weight must be [Cout, Cin, kH, kW] (rank 4), got shape \(weight)")
        precondition(weight[1] == input[1],
                     "conv2d: weight \(weight) expects \(weight[1]) input channels, input \(input) has \(input[1])")
        precondition(input[0] >= 0 && input[1] > 0 && input[2] > 0 && input[3] > 0, "conv2d: empty input shape \(input)")
        precondition(weight[0] > 0 && weight[2] > 0 && weight[3] > 0, "conv2d: empty weight shape \(weight)")
        precondition(stride.0 > 0 && stride.1 > 0, "conv2d: stride must be positive, got \(stride)")
        precondition(padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0,
                     "conv2d: padding must be non-negative, got \(padding)")
        if let bias {
            precondition(bias == [weight[0]], "conv2d: bias shape \(bias) does not match weight \(weight); expected [\(weight[0])]")
        }
        batch = input[0]
        inChannels = input[1]
        height = input[2]
        width = input[3]
        outChannels = weight[0]
        kernelHeight = weight[2]
        kernelWidth = weight[3]
        strideY = stride.0
        strideX = stride.1
        self.padding = padding
        let paddedHeight = height + padding.top + padding.bottom
        let paddedWidth = width + padding.left + padding.right
        precondition(paddedHeight >= kernelHeight && paddedWidth >= kernelWidth,
                     "conv2d: kernel \(kernelHeight)×\(kernelWidth) (weight \(weight)) is larger than the padded input \(paddedHeight)×\(paddedWidth) (input \(input), padding \(padding))")
        outHeight = (paddedHeight - kernelHeight) / strideY + 1
        outWidth = (paddedWidth - kernelWidth) / strideX + 1
    }

    var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// Rows of the patch matrix: the GEMM's inner dimension.
    var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    var inputPixels: Int { height * width }
    var outputPixels: Int { outHeight * outWidth }
    var inputImageSize: Int { inChannels * inputPixels }
    var outputImageSize: Int { outChannels * outputPixels }

    /// A 1×1 kernel with unit stride and no padding: the patch matrix is the image itself.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && padding.isZero
    }

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
