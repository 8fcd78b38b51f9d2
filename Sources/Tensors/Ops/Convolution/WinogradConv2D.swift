import CKernels

/// 3×3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3)
/// (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks"),
/// m = 4 or 5 where the output is at least 4×4, else m = 2 (`WinogradTile`).
///
/// Each m×m output tile is `Y = Aᵀ [U ⊙ V] A` with `U = G g Gᵀ` the kernel
/// and `V = Bᵀ d B` the α×α input tile it reads (α = m + 2, matrices in
/// `CKWinograd.h`). Summed over input channels, the α² products `U ⊙ V`
/// become α² GEMMs `M[ξ] = V[ξ] · U[ξ]` (tiles × Cin times Cin × Cout): 4×
/// fewer multiply-adds than the direct convolution for m = 4. The backward
/// passes are the adjoints of the same linear maps: with `dM = A dY Aᵀ`, the
/// input gradient is `B (dM · Uᵀ) Bᵀ` added back over the overlapping tiles,
/// and the weight gradient `Gᵀ (Vᵀ · dM) G` summed over the tiles — all three
/// passes run on the transformed GEMMs.
///
/// Images are copied into zero-padded channels-last buffers, padded up to
/// whole tiles; batches are split over threads, and each thread transforms
/// groups of images together so that each GEMM has a few hundred rows.
enum WinogradConv2D {
    /// The tiling of one shape.
    struct Tiling {
        let tile: WinogradTile
        let tilesY: Int, tilesX: Int
        /// Tiles per image.
        var tiles: Int { tilesY * tilesX }
        /// The transformed positions ξ.
        var positions: Int { tile.positions }
        /// The padded input buffer: whole tiles plus the kernel's reach.
        var paddedHeight: Int { tile.outputSize * tilesY + 2 }
        var paddedWidth: Int { tile.outputSize * tilesX + 2 }
        /// The output of whole tiles.
        var tiledHeight: Int { tile.outputSize * tilesY }
        var tiledWidth: Int { tile.outputSize * tilesX }
        /// Images transformed together: a few hundred GEMM rows, and at most
        /// about 8 MB for each transformed group.
        let imagesPerGroup: Int

        init(_ g: Conv2DGeometry, tile: WinogradTile) {
            self.tile = tile
            let m = tile.outputSize
            tilesY = (g.outHeight + m - 1) / m
            tilesX = (g.outWidth + m - 1) / m
            let tiles = tilesY * tilesX
            let byRows = Swift.max(1, 256 / tiles)
            let byMemory = Swift.max(1, (1 << 21) / (tile.positions * tiles * Swift.max(g.inChannels, g.outChannels)))
            imagesPerGroup = Swift.min(byRows, byMemory)
        }
    }

    /// The distance between ξ planes of `floats` floats (`WinogradTile.planeStride`).
    private static func planeStride(_ floats: Int) -> Int { WinogradTile.planeStride(floats) }

    /// Groups of at most `imagesPerGroup` consecutive images of `images`.
    private static func groups(_ images: Range<Int>, _ size: Int) -> [Range<Int>] {
        stride(from: images.lowerBound, to: images.upperBound, by: size).map {
            $0..<Swift.min($0 + size, images.upperBound)
        }
    }

    /// Pads `count` NCHW images from `source` one at a time and writes their
    /// transformed tiles `V` into `v` (rows image-major, `xi_stride` apart),
    /// mapped by `staging` on the way (`first` is the first image's index in
    /// the batch).
    private static func transformInputs(
        _ source: UnsafePointer<Float>, first: Int, count: Int, imageSize: Int,
        channels: Int, height: Int, width: Int, top: Int, left: Int,
        tiling: Tiling, staging: InputStaging = .copy,
        v: UnsafeMutablePointer<Float>, xiStride: Int
    ) {
        let padded = ThreadBuffer.padded.pointer(floats: tiling.paddedHeight * tiling.paddedWidth * channels)
        for index in 0..<count {
            Conv2DStaging.pad(
                source + index * imageSize, channels: channels, height: height, width: width,
                top: top, bottom: tiling.paddedHeight - height - top,
                left: left, right: tiling.paddedWidth - width - left,
                staging: staging, image: first + index, into: padded)
            tiling.tile.transformInput(
                padded, paddedWidth: tiling.paddedWidth, channels: channels,
                tilesY: tiling.tilesY, tilesX: tiling.tilesX,
                into: v + index * tiling.tiles * channels, xiStride: xiStride)
        }
    }

    /// The convolution of `input` with `weight` `[o][c][3][3]`, by `tile`, plus
    /// `residual` (the output's shape) when given, added as the tiles are
    /// unpacked. The convolution reads the input as `staging` maps it. Without gradient recording the transformed kernel is
    /// kept on the weight for later calls (`Tensor.keptDerivation`).
    static func forward(
        _ g: Conv2DGeometry, tile: WinogradTile, blocks: Int, input: [Float], weight: Tensor,
        bias: [Float]?, residual: [Float]?, staging: InputStaging = .copy
    ) -> [Float] {
        let n = g.batch
        var output = [Float].unfilled(n * g.outputImageSize)
        guard n > 0 else { return output }
        let cin = g.inChannels, cout = g.outChannels
        let tiling = Tiling(g, tile: tile)
        let kept = weight.keptDerivation(.winogradKernel(tile)) {
            tile.transformedKernel(weight.scalars, outChannels: cout, inChannels: cin, transposed: false)
        }
        if let kept {
            kept.withUnsafeBufferPointer {
                convolve(
                    g, tiling: tiling, blocks: blocks, input: input, kernel: $0.baseAddress!, bias: bias,
                    residual: residual, staging: staging, into: &output)
            }
        } else {
            let u = ThreadBuffer.transformedKernel.pointer(floats: tile.transformedKernelSize(outChannels: cout, inChannels: cin))
            weight.scalars.withUnsafeBufferPointer {
                tile.transformKernel($0.baseAddress!, outChannels: cout, inChannels: cin, transposed: false, into: u)
            }
            convolve(
                g, tiling: tiling, blocks: blocks, input: input, kernel: u, bias: bias, residual: residual, staging: staging,
                into: &output)
        }
        return output
    }

    /// The body of `forward`, with the transformed kernel `kernel`.
    private static func convolve(
        _ g: Conv2DGeometry, tiling: Tiling, blocks: Int, input: [Float], kernel: UnsafePointer<Float>,
        bias: [Float]?, residual: [Float]?, staging: InputStaging,
        into output: inout [Float]
    ) {
        let n = g.batch, cin = g.inChannels, cout = g.outChannels, positions = tiling.positions
        input.withUnsafeBufferPointer { x in
            (residual ?? []).withUnsafeBufferPointer { r in
                output.withUnsafeMutableBufferPointer { out in
                    let xBase = x.baseAddress!, uBase = kernel, outBase = out.baseAddress!
                    let rBase = residual == nil ? nil : r.baseAddress
                    Conv2DStaging.forEachBlock(blocks, batch: n) { _, images in
                        let maxRows = tiling.imagesPerGroup * tiling.tiles
                        let v = ThreadBuffer.transformedInput.pointer(floats: positions * planeStride(maxRows * cin))
                        let m = ThreadBuffer.transformedProduct.pointer(floats: positions * planeStride(maxRows * cout))
                        let uStride = planeStride(cin * cout)
                        let tiles = ThreadBuffer.staging.pointer(floats: tiling.tiledHeight * tiling.tiledWidth * cout)
                        for group in groups(images, tiling.imagesPerGroup) {
                            let rows = group.count * tiling.tiles
                            let vStride = planeStride(rows * cin), mStride = planeStride(rows * cout)
                            let imageSize = staging.imageSize(g)
                            transformInputs(
                                xBase + group.lowerBound * imageSize, first: group.lowerBound,
                                count: group.count, imageSize: imageSize, channels: cin,
                                height: g.height, width: g.width, top: g.padding.top,
                                left: g.padding.left, tiling: tiling, staging: staging, v: v,
                                xiStride: vStride)
                            for xi in 0..<positions {
                                ck_sgemm(
                                    0, 0, rows, cout, cin, 1, v + xi * vStride, cin,
                                    uBase + xi * uStride, cout, 0, m + xi * mStride, cout)
                            }
                            for (index, image) in group.enumerated() {
                                tiling.tile.transformOutput(
                                    m + index * tiling.tiles * cout, xiStride: mStride,
                                    channels: cout, tilesY: tiling.tilesY,
                                    tilesX: tiling.tilesX, into: tiles)
                                Conv2DStaging.unpack(
                                    tiles, paddedWidth: tiling.tiledWidth, channels: cout,
                                    height: g.outHeight, width: g.outWidth, bias: bias,
                                    adding: rBase.map { $0 + image * g.outputImageSize },
                                    into: outBase + image * g.outputImageSize)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The gradients of `forward` (the kernel transformed again rather than kept
    /// from the forward: a step holds no transformed kernels between passes).
    static func backward(
        _ g: Conv2DGeometry, tile: WinogradTile, blocks: Int, outputGradient: [Float], input: [Float], weight: [Float],
        needInput: Bool, needWeight: Bool, needBias: Bool
    ) -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let n = g.batch
        let cin = g.inChannels, cout = g.outChannels
        let tiling = Tiling(g, tile: tile)
        let positions = tiling.positions
        let uStride = planeStride(cin * cout)
        let weightSize = cout * cin * 9, transformedSize = positions * uStride
        var inputGradient = [Float].unfilled(needInput ? input.count : 0)
        guard n > 0 else {
            return (
                needInput ? inputGradient : nil, needWeight ? [Float](repeating: 0, count: weightSize) : nil,
                needBias ? [Float](repeating: 0, count: cout) : nil
            )
        }
        // Uᵀ[ξ][o][c], rather than a transposed B packed by every GEMM.
        let ut = ThreadBuffer.transformedKernel.pointer(floats: needInput ? transformedSize : 0)
        if needInput {
            weight.withUnsafeBufferPointer {
                tile.transformKernel($0.baseAddress!, outChannels: cout, inChannels: cin, transposed: true, into: ut)
            }
        }
        // Per block of images, the transformed kernel gradient dU[ξ][c][o].
        let du = ThreadBuffer.kernelGradientPartials.pointer(floats: needWeight ? blocks * transformedSize : 0)
        outputGradient.withUnsafeBufferPointer { gy in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    Conv2DStaging.forEachBlock(blocks, batch: n) { block, images in
                        let maxRows = tiling.imagesPerGroup * tiling.tiles
                        let v = ThreadBuffer.transformedInput.pointer(floats: positions * planeStride(maxRows * cin))
                        let dm = ThreadBuffer.transformedProduct.pointer(floats: positions * planeStride(maxRows * cout))
                        let staging = ThreadBuffer.staging.pointer(
                            floats: Swift.max(
                                tiling.tiledHeight * tiling.tiledWidth * cout,
                                tiling.paddedHeight * tiling.paddedWidth * cin))
                        for (position, group) in groups(images, tiling.imagesPerGroup).enumerated() {
                            let rows = group.count * tiling.tiles
                            let vStride = planeStride(rows * cin), mStride = planeStride(rows * cout)
                            // dM = A dY Aᵀ, dY zero beyond the output.
                            for (index, image) in group.enumerated() {
                                Conv2DStaging.pad(
                                    gy.baseAddress! + image * g.outputImageSize, channels: cout,
                                    height: g.outHeight, width: g.outWidth, top: 0,
                                    bottom: tiling.tiledHeight - g.outHeight, left: 0,
                                    right: tiling.tiledWidth - g.outWidth, into: staging)
                                tiling.tile.transformOutputAdjoint(
                                    staging, channels: cout, tilesY: tiling.tilesY, tilesX: tiling.tilesX,
                                    into: dm + index * tiling.tiles * cout, xiStride: mStride)
                            }
                            if needWeight {
                                transformInputs(
                                    x.baseAddress! + group.lowerBound * g.inputImageSize,
                                    first: group.lowerBound, count: group.count,
                                    imageSize: g.inputImageSize, channels: cin, height: g.height,
                                    width: g.width, top: g.padding.top, left: g.padding.left,
                                    tiling: tiling, v: v, xiStride: vStride)
                                for xi in 0..<positions {
                                    ck_sgemm(
                                        1, 0, cin, cout, rows, 1, v + xi * vStride, cin,
                                        dm + xi * mStride, cout, position == 0 ? 0 : 1,
                                        du + block * transformedSize + xi * uStride, cout)
                                }
                            }
                            if needInput {
                                // dV = dM · Uᵀ, then B dV Bᵀ added over the tiles, cropped to the input.
                                for xi in 0..<positions {
                                    ck_sgemm(
                                        0, 0, rows, cin, cout, 1, dm + xi * mStride, cout,
                                        ut + xi * uStride, cin, 0, v + xi * vStride, cin)
                                }
                                let paddedFloats = tiling.paddedHeight * tiling.paddedWidth * cin
                                for (index, image) in group.enumerated() {
                                    staging.update(repeating: 0, count: paddedFloats)
                                    tiling.tile.transformInputAdjoint(
                                        v + index * tiling.tiles * cin, xiStride: vStride, channels: cin,
                                        tilesY: tiling.tilesY, tilesX: tiling.tilesX, addingInto: staging,
                                        paddedWidth: tiling.paddedWidth)
                                    let interior = staging + (g.padding.top * tiling.paddedWidth + g.padding.left) * cin
                                    Conv2DStaging.unpack(
                                        interior, paddedWidth: tiling.paddedWidth, channels: cin,
                                        height: g.height, width: g.width, bias: nil,
                                        into: dx.baseAddress! + image * g.inputImageSize)
                                }
                            }
                        }
                    }
                }
            }
        }
        var weightGradient: [Float]? = nil
        if needWeight {
            Conv2DStaging.addBlocks(du, blocks: blocks, size: transformedSize, into: du)
            weightGradient = tile.kernelGradient(du, outChannels: cout, inChannels: cin)
        }
        return (
            needInput ? inputGradient : nil, weightGradient,
            needBias ? Conv2DStaging.biasGradient(g, outputGradient) : nil
        )
    }
}
