import CKernels

/// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3)
/// (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks").
///
/// Each 2×2 output tile is `Y = Aᵀ [U ⊙ V] A` with `U = G g Gᵀ` the kernel
/// and `V = Bᵀ d B` the 4×4 input tile it reads (matrices in `CKWinograd.h`).
/// Summed over input channels, the 16 products `U ⊙ V` become 16 GEMMs
/// `M[ξ] = V[ξ] · U[ξ]` (tiles × Cin times Cin × Cout), 2.25× fewer
/// multiply-adds than the direct convolution. The backward passes are the
/// adjoints of the same linear maps: with `dM = A dY Aᵀ`, the input gradient
/// is `B (dM · Uᵀ) Bᵀ` added back over the overlapping tiles, and the weight
/// gradient `Gᵀ (Vᵀ · dM) G` summed over the tiles — all three passes run
/// on the transformed GEMMs.
///
/// Images are copied into zero-padded channels-last buffers, padded up to
/// whole tiles; batches are split over threads, and each thread transforms
/// groups of images together so that each GEMM has a few hundred rows.
enum WinogradConv2D {
    /// Whether the shape takes this path: a 3×3 kernel, unit stride, padding of
    /// at most 2 per side, at least 8 input and output channels (fewer leave
    /// the GEMMs too thin to gain), and at least one image per thread.
    static func applies(_ g: Conv2DGeometry) -> Bool {
        isEnabled && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.padding.top <= 2 && g.padding.bottom <= 2 && g.padding.left <= 2 && g.padding.right <= 2
            && g.inChannels >= 8 && g.outChannels >= 8 && g.batch >= Parallel.threadCount
    }

    /// Whether `conv2d` takes this path where it applies (tests turn it off to
    /// compare with the direct paths).
    nonisolated(unsafe) static var isEnabled = true

    /// The tiling of one shape.
    struct Tiling {
        let tilesY: Int, tilesX: Int
        /// Tiles per image.
        var tiles: Int { tilesY * tilesX }
        /// The padded input buffer: whole tiles plus the kernel's reach.
        var paddedHeight: Int { 2 * tilesY + 2 }
        var paddedWidth: Int { 2 * tilesX + 2 }
        /// Images transformed together: a few hundred GEMM rows, and at most
        /// about 8 MB for each transformed group.
        let imagesPerGroup: Int

        init(_ g: Conv2DGeometry) {
            tilesY = (g.outHeight + 1) / 2
            tilesX = (g.outWidth + 1) / 2
            let tiles = tilesY * tilesX
            let byRows = Swift.max(1, 256 / tiles)
            let byMemory = Swift.max(1, (1 << 21) / (16 * tiles * Swift.max(g.inChannels, g.outChannels)))
            imagesPerGroup = Swift.min(byRows, byMemory)
        }
    }

    /// `U[ξ][c][o] = (G g Gᵀ)[ξ]` for the kernel `g = W[o][c]`: computed once
    /// per forward and kept for the backward.
    static func transformedKernel(_ weight: [Float], _ g: Conv2DGeometry) -> [Float] {
        var result = [Float].unfilled(16 * g.inChannels * g.outChannels)
        ck_winograd_kernel(weight, g.outChannels, g.inChannels, &result)
        return result
    }

    /// The kernel gradient `Gᵀ dU G` of `dU[ξ][c][o]`, as `[o][c][3][3]`.
    static func kernelGradient(_ du: [Float], _ g: Conv2DGeometry) -> [Float] {
        var result = [Float].unfilled(g.outChannels * g.inChannels * 9)
        ck_winograd_kernel_adjoint(du, g.outChannels, g.inChannels, &result)
        return result
    }

    /// The 16 matrices `[ξ][rows][columns]` of `planes`, each transposed.
    static func transposedPlanes(_ planes: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float].unfilled(planes.count)
        planes.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for xi in 0..<16 {
                    let from = source.baseAddress! + xi * rows * columns, to = target.baseAddress! + xi * rows * columns
                    for r in 0..<rows {
                        for c in 0..<columns { to[c * rows + r] = from[r * columns + c] }
                    }
                }
            }
        }
        return result
    }

    /// Groups of at most `imagesPerGroup` consecutive images of `images`.
    private static func groups(_ images: Range<Int>, _ size: Int) -> [Range<Int>] {
        stride(from: images.lowerBound, to: images.upperBound, by: size).map {
            $0 ..< Swift.min($0 + size, images.upperBound)
        }
    }

    /// Pads `count` NCHW images from `source` one at a time and writes their
    /// transformed tiles `V` into `v` (rows image-major, `xi_stride` apart).
    private static func transformInputs(_ source: UnsafePointer<Float>, count: Int, imageSize: Int,
                                        channels: Int, height: Int, width: Int, top: Int, left: Int,
                                        tiling: Tiling, v: UnsafeMutablePointer<Float>, xiStride: Int) {
        let padded = ThreadBuffer.padded.pointer(floats: tiling.paddedHeight * tiling.paddedWidth * channels)
        for index in 0..<count {
            Conv2DStaging.pad(source + index * imageSize, channels: channels, height: height, width: width,
                               top: top, bottom: tiling.paddedHeight - height - top,
                               left: left, right: tiling.paddedWidth - width - left, into: padded)
            ck_winograd_input(padded, tiling.paddedWidth, channels, tiling.tilesY, tiling.tilesX,
                              v + index * tiling.tiles * channels, xiStride)
        }
    }

    /// The convolution of `input` with the kernel transformed by `transformedKernel`.
    static func forward(_ g: Conv2DGeometry, input: [Float], kernel: [Float], bias: [Float]?) -> [Float] {
        let n = g.batch
        var output = [Float].unfilled(n * g.outputImageSize)
        guard n > 0 else { return output }
        let cin = g.inChannels, cout = g.outChannels
        let tiling = Tiling(g)
        input.withUnsafeBufferPointer { x in
            kernel.withUnsafeBufferPointer { u in
                output.withUnsafeMutableBufferPointer { out in
                    let xBase = x.baseAddress!, uBase = u.baseAddress!, outBase = out.baseAddress!
                    Conv2DStaging.forEachBlock(Conv2DStaging.blockCount(n), batch: n) { _, images in
                        let maxRows = tiling.imagesPerGroup * tiling.tiles
                        let v = ThreadBuffer.transformedInput.pointer(floats: 16 * maxRows * cin)
                        let m = ThreadBuffer.transformedProduct.pointer(floats: 16 * maxRows * cout)
                        let tiles = ThreadBuffer.staging.pointer(floats: tiling.tiles * 4 * cout)
                        for group in groups(images, tiling.imagesPerGroup) {
                            let rows = group.count * tiling.tiles
                            transformInputs(xBase + group.lowerBound * g.inputImageSize, count: group.count,
                                            imageSize: g.inputImageSize, channels: cin, height: g.height,
                                            width: g.width, top: g.padding.top, left: g.padding.left,
                                            tiling: tiling, v: v, xiStride: rows * cin)
                            for xi in 0..<16 {
                                ck_sgemm(0, 0, rows, cout, cin, 1, v + xi * rows * cin, cin,
                                         uBase + xi * cin * cout, cout, 0, m + xi * rows * cout, cout)
                            }
                            for (index, image) in group.enumerated() {
                                ck_winograd_output(m + index * tiling.tiles * cout, rows * cout, cout,
                                                   tiling.tilesY, tiling.tilesX, tiles)
                                Conv2DStaging.unpack(tiles, paddedWidth: 2 * tiling.tilesX, channels: cout,
                                                      height: g.outHeight, width: g.outWidth, bias: bias,
                                                      into: outBase + image * g.outputImageSize)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    static func backward(
        _ g: Conv2DGeometry, outputGradient: [Float], input: [Float], kernel: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let n = g.batch
        let cin = g.inChannels, cout = g.outChannels
        let weightSize = cout * cin * 9, transformedSize = 16 * cin * cout
        var inputGradient = [Float].unfilled(needInput ? input.count : 0)
        guard n > 0 else {
            return (needInput ? inputGradient : nil, needWeight ? [Float](repeating: 0, count: weightSize) : nil,
                    needBias ? [Float](repeating: 0, count: cout) : nil)
        }
        // Uᵀ[ξ][o][c] once, rather than a transposed B packed by every GEMM.
        let transposedKernel = needInput ? transposedPlanes(kernel, rows: cin, columns: cout) : []
        let tiling = Tiling(g)
        let blocks = Conv2DStaging.blockCount(n)
        // Per block of images, the transformed kernel gradient dU[ξ][c][o].
        var partials = [Float].unfilled(needWeight ? blocks * transformedSize : 0)
        outputGradient.withUnsafeBufferPointer { gy in
            input.withUnsafeBufferPointer { x in
                transposedKernel.withUnsafeBufferPointer { ut in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        partials.withUnsafeMutableBufferPointer { du in
                            Conv2DStaging.forEachBlock(blocks, batch: n) { block, images in
                                let maxRows = tiling.imagesPerGroup * tiling.tiles
                                let v = ThreadBuffer.transformedInput.pointer(floats: 16 * maxRows * cin)
                                let dm = ThreadBuffer.transformedProduct.pointer(floats: 16 * maxRows * cout)
                                let staging = ThreadBuffer.staging.pointer(floats: Swift.max(
                                    4 * tiling.tiles * cout, tiling.paddedHeight * tiling.paddedWidth * cin))
                                for (position, group) in groups(images, tiling.imagesPerGroup).enumerated() {
                                    let rows = group.count * tiling.tiles
                                    // dM = A dY Aᵀ, dY zero beyond the output.
                                    for (index, image) in group.enumerated() {
                                        Conv2DStaging.pad(gy.baseAddress! + image * g.outputImageSize, channels: cout,
                                                           height: g.outHeight, width: g.outWidth, top: 0,
                                                           bottom: 2 * tiling.tilesY - g.outHeight, left: 0,
                                                           right: 2 * tiling.tilesX - g.outWidth, into: staging)
                                        ck_winograd_output_adjoint(staging, cout, tiling.tilesY, tiling.tilesX,
                                                                   dm + index * tiling.tiles * cout, rows * cout)
                                    }
                                    if needWeight {
                                        transformInputs(x.baseAddress! + group.lowerBound * g.inputImageSize,
                                                        count: group.count, imageSize: g.inputImageSize, channels: cin,
                                                        height: g.height, width: g.width, top: g.padding.top,
                                                        left: g.padding.left, tiling: tiling, v: v, xiStride: rows * cin)
                                        for xi in 0..<16 {
                                            ck_sgemm(1, 0, cin, cout, rows, 1, v + xi * rows * cin, cin,
                                                     dm + xi * rows * cout, cout, position == 0 ? 0 : 1,
                                                     du.baseAddress! + block * transformedSize + xi * cin * cout, cout)
                                        }
                                    }
                                    if needInput {
                                        // dV = dM · Uᵀ, then B dV Bᵀ added over the tiles, cropped to the input.
                                        for xi in 0..<16 {
                                            ck_sgemm(0, 0, rows, cin, cout, 1, dm + xi * rows * cout, cout,
                                                     ut.baseAddress! + xi * cout * cin, cin, 0, v + xi * rows * cin, cin)
                                        }
                                        let paddedFloats = tiling.paddedHeight * tiling.paddedWidth * cin
                                        for (index, image) in group.enumerated() {
                                            staging.update(repeating: 0, count: paddedFloats)
                                            ck_winograd_input_adjoint(v + index * tiling.tiles * cin, rows * cin, cin,
                                                                      tiling.tilesY, tiling.tilesX, staging,
                                                                      tiling.paddedWidth)
                                            let interior = staging + (g.padding.top * tiling.paddedWidth + g.padding.left) * cin
                                            Conv2DStaging.unpack(interior, paddedWidth: tiling.paddedWidth, channels: cin,
                                                                  height: g.height, width: g.width, bias: nil,
                                                                  into: dx.baseAddress! + image * g.inputImageSize)
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
            weightGradient = kernelGradient(Conv2DStaging.sumOfBlocks(partials, blocks: blocks, size: transformedSize), g)
        }
        return (needInput ? inputGradient : nil, weightGradient,
                needBias ? Conv2DStaging.biasGradient(g, outputGradient) : nil)
    }
}
