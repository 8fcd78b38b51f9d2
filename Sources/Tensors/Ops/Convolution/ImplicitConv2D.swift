import CKernels

/// Stride-1 convolution as an implicit GEMM over a padded channels-last image,
/// with no im2col patch matrix.
///
/// Each image is copied once into a zero-padded `[Hp][Wp][C]` buffer (`Hp`,
/// `Wp` the padded height and width). Output pixel `(y, x)` is given the row
/// `r = y·Wp + x`; for kernel row `i`, its patch `(j, c)` for all `j < kW`,
/// `c < C` is the `kW·C` floats starting at pixel `r + i·Wp` of the padded
/// buffer — so the "patch matrix" of kernel row `i` is the padded buffer read
/// with a row stride of `C` (rows overlap), and
/// `out[r, o] = Σ_i A_i[r, (j, c)] · W[o, c, i, j]` is `kH` GEMMs with no copy.
/// Rows with `x ≥ Wout` wrap to the next image row: they are computed and dropped.
///
/// The backward passes are the same shape: the input gradient is the
/// full correlation of the output gradient with the flipped kernel (again an
/// implicit GEMM), and the weight gradient `dW_i = Gᵀ · A_i` reduces over the rows,
/// with the output gradient `G` laid out on the same rows (zero on the dropped ones).
/// Batches are split over threads, each running the single-threaded SGEMM on its
/// images with its own `ThreadBuffer`s.
///
/// The forward also takes an equal stride `s > 1` on both axes (the U-Net's
/// downsampling convolutions), where an im2col copy of each image cost twice
/// its GEMM. The padded rows are regrouped into `s` phase planes (plane `φ`
/// holds rows `φ, φ + s, …`); output pixel `(y, x)` gets the row
/// `r = y·Wp/s + x`, and kernel row `i` reads plane `i mod s` from its row
/// `⌊i/s⌋` on, with a row stride of `s·C`: the same GEMMs, with `Wp` padded
/// to a multiple of `s`. Its backward keeps the im2col path.
enum ImplicitConv2D {
    /// Weights `[O][C][kH][kW]` rearranged as `[kH][kW][C][O]`: kernel row `i` is
    /// then the `(kW·C) × O` matrix B of its GEMM.
    static func rowMajorKernel(_ weight: UnsafePointer<Float>, _ g: Conv2DGeometry) -> [Float] {
        let o = g.outChannels, c = g.inChannels, kh = g.kernelHeight, kw = g.kernelWidth
        var result = [Float](repeating: 0, count: o * c * kh * kw)
        for oi in 0..<o {
            for ci in 0..<c {
                for i in 0..<kh {
                    for j in 0..<kw {
                        result[((i * kw + j) * c + ci) * o + oi] = weight[((oi * c + ci) * kh + i) * kw + j]
                    }
                }
            }
        }
        return result
    }

    /// Weights `[O][C][kH][kW]` flipped and rearranged as `[kH][kW][O][C]`
    /// (entry `[i][j][o][c] = W[o][c][kH−1−i][kW−1−j]`), the kernel of the input gradient.
    static func flippedKernel(_ weight: UnsafePointer<Float>, _ g: Conv2DGeometry) -> [Float] {
        let o = g.outChannels, c = g.inChannels, kh = g.kernelHeight, kw = g.kernelWidth
        var result = [Float](repeating: 0, count: o * c * kh * kw)
        for oi in 0..<o {
            for ci in 0..<c {
                for i in 0..<kh {
                    for j in 0..<kw {
                        result[(((kh - 1 - i) * kw + (kw - 1 - j)) * o + oi) * c + ci] = weight[((oi * c + ci) * kh + i) * kw + j]
                    }
                }
            }
        }
        return result
    }

    /// One implicit-GEMM correlation with stride `stride` of the phase planes
    /// of a padded channels-last image (`stride` planes `[Hp/stride][Wp][inC]`;
    /// one plane, the padded image itself, at stride 1) with `kernel`
    /// `[kH][kW][inC][outC]`: writes the rows `r = y·Wp/stride + x` (`y <
    /// outHeight`, all `x` up to the last valid one) of `rows` `[r][outC]`,
    /// single-threaded.
    private static func correlate(
        planes: UnsafePointer<Float>, planeRows: Int, paddedWidth: Int, stride: Int,
        inChannels: Int, kernel: UnsafePointer<Float>, kernelHeight: Int, kernelWidth: Int,
        outChannels: Int, outHeight: Int, outWidth: Int,
        rows: UnsafeMutablePointer<Float>
    ) {
        let m = (outHeight - 1) * (paddedWidth / stride) + outWidth
        let k = kernelWidth * inChannels
        for i in 0..<kernelHeight {
            let firstRow = (i % stride) * planeRows + i / stride
            ck_sgemm(
                0, 0, m, outChannels, k, 1, planes + firstRow * paddedWidth * inChannels, stride * inChannels,
                kernel + i * k * outChannels, outChannels, i == 0 ? 0 : 1, rows, outChannels)
        }
    }

    /// The convolution of `input` with `weight`, plus `bias`, the batch cut into `blocks` blocks.
    static func forward(_ g: Conv2DGeometry, blocks: Int, input: [Float], weight: [Float], bias: [Float]?) -> [Float] {
        let n = g.batch
        var output = [Float].unfilled(n * g.outputImageSize)
        guard n > 0 else { return output }
        let s = g.strideY, cin = g.inChannels
        let cout = g.outChannels, oh = g.outHeight, ow = g.outWidth
        // Zero columns on the right up to a multiple of the stride, and rows at
        // the bottom until every phase plane has the rows its kernel rows read.
        let paddedWidth = roundUp(g.width + g.padding.left + g.padding.right, to: s)
        let paddedHeight = roundUp(
            Swift.max(
                g.height + g.padding.top + g.padding.bottom,
                s * (oh + (g.kernelHeight - 1) / s)), to: s)
        let planeRows = paddedHeight / s, rowFloats = paddedWidth * cin
        let kernel = weight.withUnsafeBufferPointer { rowMajorKernel($0.baseAddress!, g) }
        input.withUnsafeBufferPointer { x in
            kernel.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    let xBase = x.baseAddress!, wBase = w.baseAddress!, outBase = out.baseAddress!
                    Conv2DStaging.forEachBlock(blocks, batch: n) { _, images in
                        let padded = ThreadBuffer.padded.pointer(floats: paddedHeight * rowFloats)
                        let planes = s == 1 ? padded : ThreadBuffer.phasePlanes.pointer(floats: paddedHeight * rowFloats)
                        let rows = ThreadBuffer.staging.pointer(floats: oh * (paddedWidth / s) * cout)
                        for image in images {
                            Conv2DStaging.pad(
                                xBase + image * g.inputImageSize, channels: cin, height: g.height,
                                width: g.width, top: g.padding.top,
                                bottom: paddedHeight - g.height - g.padding.top, left: g.padding.left,
                                right: paddedWidth - g.width - g.padding.left, into: padded)
                            if s > 1 {
                                for row in 0..<paddedHeight {
                                    (planes + ((row % s) * planeRows + row / s) * rowFloats)
                                        .update(from: padded + row * rowFloats, count: rowFloats)
                                }
                            }
                            correlate(
                                planes: planes, planeRows: planeRows, paddedWidth: paddedWidth, stride: s,
                                inChannels: cin, kernel: wBase, kernelHeight: g.kernelHeight,
                                kernelWidth: g.kernelWidth, outChannels: cout, outHeight: oh, outWidth: ow,
                                rows: rows)
                            Conv2DStaging.unpack(
                                rows, paddedWidth: paddedWidth / s, channels: cout, height: oh, width: ow,
                                bias: bias, into: outBase + image * g.outputImageSize)
                        }
                    }
                }
            }
        }
        return output
    }

    /// `value` rounded up to a multiple of `multiple`.
    private static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }

    /// The gradients of `forward` (unit stride only), the batch cut into `blocks` blocks.
    static func backward(
        _ g: Conv2DGeometry, blocks: Int, outputGradient: [Float], input: [Float], weight: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let n = g.batch
        let cin = g.inChannels, cout = g.outChannels, kh = g.kernelHeight, kw = g.kernelWidth
        let oh = g.outHeight, ow = g.outWidth
        let weightSize = cout * cin * kh * kw
        var inputGradient = [Float](repeating: 0, count: needInput ? input.count : 0)
        guard n > 0 else {
            return (
                needInput ? inputGradient : nil, needWeight ? [Float](repeating: 0, count: weightSize) : nil,
                needBias ? [Float](repeating: 0, count: cout) : nil
            )
        }
        // Weight-gradient partial sums per block, laid out [kH][O][kW][C].
        var partials = [Float](repeating: 0, count: needWeight ? blocks * weightSize : 0)
        let flipped = needInput ? weight.withUnsafeBufferPointer { flippedKernel($0.baseAddress!, g) } : []
        // Input padding and output-gradient padding (full correlation) layouts.
        let paddedWidth = g.width + g.padding.left + g.padding.right
        let paddedHeight = g.height + g.padding.top + g.padding.bottom
        let fullTop = kh - 1 - g.padding.top, fullBottom = kh - 1 - g.padding.bottom
        let fullLeft = kw - 1 - g.padding.left, fullRight = kw - 1 - g.padding.right
        let fullWidth = ow + fullLeft + fullRight, fullHeight = oh + fullTop + fullBottom
        let rowCount = (oh - 1) * paddedWidth + ow
        outputGradient.withUnsafeBufferPointer { gy in
            input.withUnsafeBufferPointer { x in
                flipped.withUnsafeBufferPointer { wf in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        partials.withUnsafeMutableBufferPointer { dw in
                            Conv2DStaging.forEachBlock(blocks, batch: n) { block, images in
                                let staging = ThreadBuffer.padded.pointer(
                                    floats: Swift.max(
                                        needWeight ? paddedHeight * paddedWidth * cin : 0,
                                        needInput ? fullHeight * fullWidth * cout : 0))
                                let rows = ThreadBuffer.staging.pointer(
                                    floats: Swift.max(
                                        needWeight ? oh * paddedWidth * cout : 0,
                                        needInput ? g.height * fullWidth * cin : 0))
                                for (position, image) in images.enumerated() {
                                    let gradient = gy.baseAddress! + image * g.outputImageSize
                                    if needWeight {
                                        Conv2DStaging.pad(
                                            x.baseAddress! + image * g.inputImageSize, channels: cin, height: g.height,
                                            width: g.width, top: g.padding.top, bottom: g.padding.bottom,
                                            left: g.padding.left, right: g.padding.right, into: staging)
                                        // G on the rows r = y·Wp + x, zero on the dropped columns.
                                        Conv2DStaging.pad(
                                            gradient, channels: cout, height: oh, width: ow, top: 0, bottom: 0,
                                            left: 0, right: paddedWidth - ow, into: rows)
                                        let k = kw * cin
                                        for i in 0..<kh {
                                            ck_sgemm(
                                                1, 0, cout, k, rowCount, 1, rows, cout,
                                                staging + i * paddedWidth * cin, cin, position == 0 ? 0 : 1,
                                                dw.baseAddress! + block * weightSize + i * cout * k, k)
                                        }
                                    }
                                    if needInput {
                                        Conv2DStaging.pad(
                                            gradient, channels: cout, height: oh, width: ow, top: fullTop, bottom: fullBottom,
                                            left: fullLeft, right: fullRight, into: staging)
                                        correlate(
                                            planes: staging, planeRows: fullHeight, paddedWidth: fullWidth, stride: 1,
                                            inChannels: cout,
                                            kernel: wf.baseAddress!, kernelHeight: kh, kernelWidth: kw,
                                            outChannels: cin, outHeight: g.height, outWidth: g.width, rows: rows)
                                        Conv2DStaging.unpack(
                                            rows, paddedWidth: fullWidth, channels: cin, height: g.height, width: g.width,
                                            bias: nil, into: dx.baseAddress! + image * g.inputImageSize)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var weightGradient: [Float]? = nil
        if needWeight {
            var total = [Float](repeating: 0, count: weightSize)
            for block in 0..<blocks {
                for i in 0..<kh {
                    for o in 0..<cout {
                        for j in 0..<kw {
                            for c in 0..<cin {
                                total[((o * cin + c) * kh + i) * kw + j] +=
                                    partials[block * weightSize + ((i * cout + o) * kw + j) * cin + c]
                            }
                        }
                    }
                }
            }
            weightGradient = total
        }
        return (
            needInput ? inputGradient : nil, weightGradient,
            needBias ? Conv2DStaging.biasGradient(g, outputGradient) : nil
        )
    }
}
