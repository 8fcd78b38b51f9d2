import CKernels

/// 2-D convolution of NCHW images with an OIHW kernel (groups = 1), as
/// PyTorch's `F.conv2d`: `out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] ·
/// in[n, c, y·sH − top + i, x·sW − left + j]` (cross-correlation, zero padding).
///
/// Computed as matrix products: each image is unfolded into a patch matrix
/// (im2col, see `Conv2DGeometry`) and multiplied by the weight with `GEMM.sgemm`;
/// a 1×1 kernel with unit stride and no padding multiplies the image directly.
/// The backward is GEMMs too: the weight gradient `G[n] · col[n]ᵀ` summed over
/// the batch, the input gradient `col2im(Wᵀ · G[n])`, the bias gradient `Σ G`.
/// Stride-1 shapes with a batch of at least one image per thread take the
/// Winograd F(4×4, 3×3) or F(2×2, 3×3) of `WinogradConv2D` (3×3 kernels, 8 or more channels)
/// or the implicit GEMM of `ImplicitConv2D` (no patch matrix) instead, whose
/// forward also takes equal strides greater than 1.
extension Tensor {
    /// Convolves this NCHW input with `weight` `[Cout, Cin, kH, kW]`, adding
    /// `bias` `[Cout]` if given, with the same stride and zero padding on both axes.
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(padding >= 0, "conv2d: padding must be non-negative, got \(padding)")
        return conv2d(weight, bias: bias, stride: (stride, stride), padding: Conv2DPadding(all: padding))
    }

    /// Convolves this NCHW input with `weight` `[Cout, Cin, kH, kW]`, adding
    /// `bias` `[Cout]` if given; `stride` is (vertical, horizontal) and
    /// `padding` may differ on each side. With `residual` (the output's
    /// shape), returns `conv + residual` — the same values as adding after —
    /// in the pass that writes the output where the Winograd path applies.
    public func conv2d(_ weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Conv2DPadding,
                       adding residual: Tensor? = nil) -> Tensor {
        let geometry = Conv2DGeometry(input: shape, weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
        if let residual {
            precondition(residual.shape == geometry.outputShape,
                         "conv2d: residual shape \(residual.shape) does not match the output shape \(geometry.outputShape)")
        }
        let winograd = WinogradConv2D.applies(geometry)
        let implicit = !winograd && ImplicitConv2D.applies(geometry)
        let implicitForward = !winograd && ImplicitConv2D.appliesForward(geometry)
        let tile = winograd ? WinogradConv2D.tile(for: geometry) : nil
        var output = if let tile {
            WinogradConv2D.forward(geometry, tile: tile, input: scalars, weight: weight, bias: bias?.scalars,
                                   residual: residual?.scalars)
        } else {
            implicitForward
            ? ImplicitConv2D.forward(geometry, input: scalars, weight: weight.scalars, bias: bias?.scalars)
            : Conv2DKernels.forward(geometry, input: scalars, weight: weight.scalars, bias: bias?.scalars)
        }
        if tile == nil, let residual { output.add(residual.scalars) }
        let input = self
        let inputs = [input, weight] + [bias, residual].compactMap { $0 }
        return .result(shape: geometry.outputShape, scalars: output, inputs: inputs) { g in
            let grads = if let tile {
                WinogradConv2D.backward(
                    geometry, tile: tile, outputGradient: g.scalars, input: input.scalars, weight: weight.scalars,
                    needInput: input.requiresGrad, needWeight: weight.requiresGrad,
                    needBias: bias?.requiresGrad ?? false)
            } else {
                implicit
                ? ImplicitConv2D.backward(
                    geometry, outputGradient: g.scalars, input: input.scalars, weight: weight.scalars,
                    needInput: input.requiresGrad, needWeight: weight.requiresGrad,
                    needBias: bias?.requiresGrad ?? false)
                : Conv2DKernels.backward(
                    geometry, outputGradient: g.scalars, input: input.scalars, weight: weight.scalars,
                    needInput: input.requiresGrad, needWeight: weight.requiresGrad,
                    needBias: bias?.requiresGrad ?? false)
            }
            var result: [Tensor?] = [
                grads.input.map { Tensor(shape: input.shape, scalars: $0) },
                grads.weight.map { Tensor(shape: weight.shape, scalars: $0) },
            ]
            if let bias { result.append(grads.bias.map { Tensor(shape: bias.shape, scalars: $0) }) }
            if let residual { result.append(residual.requiresGrad ? g : nil) }
            return result
        }
    }
}

/// The raw loops of `conv2d`, on flat arrays.
private enum Conv2DKernels {
    /// How many blocks of images to spread over threads: one per thread when the
    /// batch has enough work to pay for the hand-off, else one.
    static func blockCount(_ geometry: Conv2DGeometry) -> Int {
        let multiplyAdds = geometry.batch * geometry.outChannels * geometry.patchSize * geometry.outputPixels
        return multiplyAdds >= 1 << 20 ? Conv2DStaging.blockCount(geometry.batch) : 1
    }

    /// One product: spread over the threads when the batch is not (`blocks == 1`),
    /// else single-threaded inside its block, so the two levels never nest.
    static func multiply(
        blocks: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if blocks == 1 {
            GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc)
        } else {
            ck_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
        }
    }

    static func forward(_ geometry: Conv2DGeometry, input: [Float], weight: [Float], bias: [Float]?) -> [Float] {
        let n = geometry.batch
        // Every image is written in full: filled with the bias, or overwritten by a beta = 0 product.
        var output = [Float].unfilled(n * geometry.outputImageSize)
        guard n > 0 else { return output }
        let cout = geometry.outChannels, k = geometry.patchSize, p = geometry.outputPixels
        let blocks = blockCount(geometry)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    let xBase = x.baseAddress!, wBase = w.baseAddress!, outBase = out.baseAddress!
                    Conv2DStaging.forEachBlock(blocks, batch: n) { _, images in
                        var col = [Float](repeating: 0, count: geometry.isPointwise ? 0 : k * p)
                        col.withUnsafeMutableBufferPointer { colBuffer in
                            for image in images {
                                let source = xBase + image * geometry.inputImageSize
                                let patches: UnsafePointer<Float>
                                if geometry.isPointwise {
                                    patches = source
                                } else {
                                    geometry.im2col(source, into: colBuffer.baseAddress!)
                                    patches = UnsafePointer(colBuffer.baseAddress!)
                                }
                                let destination = outBase + image * geometry.outputImageSize
                                var beta: Float = 0
                                if let bias {
                                    for o in 0..<cout { (destination + o * p).update(repeating: bias[o], count: p) }
                                    beta = 1
                                }
                                multiply(blocks: blocks, transA: false, transB: false, m: cout, n: p, k: k,
                                         a: wBase, lda: k, b: patches, ldb: p,
                                         beta: beta, c: destination, ldc: p)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    static func backward(
        _ geometry: Conv2DGeometry, outputGradient: [Float], input: [Float], weight: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let n = geometry.batch
        let cout = geometry.outChannels, k = geometry.patchSize, p = geometry.outputPixels
        let weightSize = cout * k
        // Zeroed image by image on the threads, where col2im adds into it.
        var inputGradient = [Float].unfilled(needInput ? input.count : 0)
        guard n > 0 else {
            return (needInput ? inputGradient : nil,
                    needWeight ? [Float](repeating: 0, count: weightSize) : nil,
                    needBias ? [Float](repeating: 0, count: cout) : nil)
        }
        let blocks = blockCount(geometry)
        // Each block of images accumulates its own weight and bias partial sums; they are added up after.
        var weightPartials = [Float](repeating: 0, count: needWeight ? blocks * weightSize : 0)
        var biasPartials = [Double](repeating: 0, count: needBias ? blocks * cout : 0)
        outputGradient.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        weightPartials.withUnsafeMutableBufferPointer { dwPartials in
                            biasPartials.withUnsafeMutableBufferPointer { dbPartials in
                                Conv2DStaging.forEachBlock(blocks, batch: n) { block, images in
                                    var col = [Float](repeating: 0, count: geometry.isPointwise ? 0 : k * p)
                                    col.withUnsafeMutableBufferPointer { colBuffer in
                                        for (position, image) in images.enumerated() {
                                            let gradient = g.baseAddress! + image * geometry.outputImageSize
                                            if needBias {
                                                for o in 0..<cout {
                                                    dbPartials[block * cout + o] += ck_sum(gradient + o * p, p)
                                                }
                                            }
                                            if needWeight {
                                                let source = x.baseAddress! + image * geometry.inputImageSize
                                                let patches: UnsafePointer<Float>
                                                if geometry.isPointwise {
                                                    patches = source
                                                } else {
                                                    geometry.im2col(source, into: colBuffer.baseAddress!)
                                                    patches = UnsafePointer(colBuffer.baseAddress!)
                                                }
                                                multiply(blocks: blocks, transA: false, transB: true, m: cout, n: k, k: p,
                                                         a: gradient, lda: p, b: patches, ldb: p,
                                                         beta: position == 0 ? 0 : 1,
                                                         c: dwPartials.baseAddress! + block * weightSize, ldc: k)
                                            }
                                            if needInput {
                                                let target = dx.baseAddress! + image * geometry.inputImageSize
                                                if geometry.isPointwise {
                                                    multiply(blocks: blocks, transA: true, transB: false, m: k, n: p, k: cout,
                                                             a: w.baseAddress!, lda: k, b: gradient, ldb: p,
                                                             c: target, ldc: p)
                                                } else {
                                                    multiply(blocks: blocks, transA: true, transB: false, m: k, n: p, k: cout,
                                                             a: w.baseAddress!, lda: k, b: gradient, ldb: p,
                                                             c: colBuffer.baseAddress!, ldc: p)
                                                    target.update(repeating: 0, count: geometry.inputImageSize)
                                                    geometry.col2im(UnsafePointer(colBuffer.baseAddress!), addingInto: target)
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
        }
        var weightGradient: [Float]? = nil
        if needWeight {
            weightGradient = Conv2DStaging.sumOfBlocks(weightPartials, blocks: blocks, size: weightSize)
        }
        var biasGradient: [Float]? = nil
        if needBias {
            biasGradient = (0..<cout).map { o in
                Float((0..<blocks).reduce(0.0) { $0 + biasPartials[$1 * cout + o] })
            }
        }
        return (needInput ? inputGradient : nil, weightGradient, biasGradient)
    }
}
