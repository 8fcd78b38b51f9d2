import CKernels

/// Convolution as matrix products (the `.im2col` and `.pointwise` algorithms):
/// each image is unfolded into its patch matrix (`Conv2DGeometry.im2col`) and
/// multiplied by the weight, `output[n] = W[Cout, C·kH·kW] · col[n]`; a
/// pointwise convolution multiplies the image itself. The backward is GEMMs
/// too: the weight gradient `G[n] · col[n]ᵀ` summed over the batch, the input
/// gradient `col2im(Wᵀ · G[n])`, the bias gradient `Σ G`.
enum Im2ColConv2D {
    /// One product: spread over the threads when the batch is not (`blocks == 1`),
    /// else single-threaded inside its block, so the two levels never nest.
    private static func multiply(
        blocks: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if blocks == 1 {
            GEMM.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc)
        } else {
            ck_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
        }
    }

    /// The convolution of `input` with `weight`, plus `bias`; `unfold` false
    /// reads a pointwise geometry's image as its patch matrix.
    static func forward(
        _ geometry: Conv2DGeometry, unfold: Bool, threading: Conv2DThreading, input: [Float],
        weight: [Float], bias: [Float]?
    ) -> [Float] {
        let n = geometry.batch
        // Every image is written in full: filled with the bias, or overwritten by a beta = 0 product.
        var output = [Float].unfilled(n * geometry.outputImageSize)
        guard n > 0 else { return output }
        let cout = geometry.outChannels, k = geometry.patchSize, p = geometry.outputPixels
        let blocks = threading.blocks
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    let xBase = x.baseAddress!, wBase = w.baseAddress!, outBase = out.baseAddress!
                    Conv2DStaging.forEachBlock(blocks, batch: n) { _, images in
                        var col = [Float](repeating: 0, count: unfold ? k * p : 0)
                        col.withUnsafeMutableBufferPointer { colBuffer in
                            for image in images {
                                let source = xBase + image * geometry.inputImageSize
                                let patches: UnsafePointer<Float>
                                if !unfold {
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
                                multiply(
                                    blocks: blocks, transA: false, transB: false, m: cout, n: p, k: k,
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

    /// The gradients of `forward`.
    static func backward(
        _ geometry: Conv2DGeometry, unfold: Bool, threading: Conv2DThreading, outputGradient: [Float],
        input: [Float], weight: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let n = geometry.batch
        let cout = geometry.outChannels, k = geometry.patchSize, p = geometry.outputPixels
        let weightSize = cout * k
        // Zeroed image by image on the threads, where col2im adds into it.
        var inputGradient = [Float].unfilled(needInput ? input.count : 0)
        guard n > 0 else {
            return (
                needInput ? inputGradient : nil,
                needWeight ? [Float](repeating: 0, count: weightSize) : nil,
                needBias ? [Float](repeating: 0, count: cout) : nil
            )
        }
        let blocks = threading.blocks
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
                                    var col = [Float](repeating: 0, count: unfold ? k * p : 0)
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
                                                if !unfold {
                                                    patches = source
                                                } else {
                                                    geometry.im2col(source, into: colBuffer.baseAddress!)
                                                    patches = UnsafePointer(colBuffer.baseAddress!)
                                                }
                                                multiply(
                                                    blocks: blocks, transA: false, transB: true, m: cout, n: k, k: p,
                                                    a: gradient, lda: p, b: patches, ldb: p,
                                                    beta: position == 0 ? 0 : 1,
                                                    c: dwPartials.baseAddress! + block * weightSize, ldc: k)
                                            }
                                            if needInput {
                                                let target = dx.baseAddress! + image * geometry.inputImageSize
                                                if !unfold {
                                                    multiply(
                                                        blocks: blocks, transA: true, transB: false, m: k, n: p, k: cout,
                                                        a: w.baseAddress!, lda: k, b: gradient, ldb: p,
                                                        c: target, ldc: p)
                                                } else {
                                                    multiply(
                                                        blocks: blocks, transA: true, transB: false, m: k, n: p, k: cout,
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
