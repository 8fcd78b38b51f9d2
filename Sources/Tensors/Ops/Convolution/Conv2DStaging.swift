import CKernels

/// What the convolution paths share: the batch cut into blocks of images,
/// NCHW ⇄ channels-last copies of an image, and the bias gradient.
enum Conv2DStaging {
    /// Runs `body(block, images)` for `blocks` contiguous ranges of the batch, in parallel.
    static func forEachBlock(_ blocks: Int, batch: Int, _ body: (Int, Range<Int>) -> Void) {
        if blocks == 1 {
            body(0, 0..<batch)
            return
        }
        Parallel.forEach(blocks) { block in
            body(block, batch * block / blocks..<batch * (block + 1) / blocks)
        }
    }

    /// The sum of `blocks` per-block partial sums of `size` floats laid end to
    /// end in `partials`, added in block order (the same bits every run).
    static func sumOfBlocks(_ partials: [Float], blocks: Int, size: Int) -> [Float] {
        var total = Array(partials[0..<size])
        partials.withUnsafeBufferPointer { source in
            total.withUnsafeMutableBufferPointer {
                addBlocks(source.baseAddress!, blocks: blocks, size: size, into: $0.baseAddress!)
            }
        }
        return total
    }

    /// Adds blocks 1 ..< `blocks` of the partial sums of `size` floats laid end
    /// to end at `partials` into `total`, which holds block 0, in block order
    /// (the bits of `sumOfBlocks`); `total` may be `partials` itself.
    static func addBlocks(
        _ partials: UnsafePointer<Float>, blocks: Int, size: Int,
        into total: UnsafeMutablePointer<Float>
    ) {
        for block in 1..<Swift.max(blocks, 1) {
            [Float].add(partials + block * size, into: total, count: size)
        }
    }

    /// Copies an NCHW image `[channels][height][width]` into the channels-last
    /// buffer `[height + top + bottom][width + left + right][channels]`, zero outside,
    /// mapped by `staging` (`image` is the image's index in its batch, for
    /// its normalisation; an upsampled source is `height/2 × width/2`).
    static func pad(
        _ source: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        top: Int, bottom: Int, left: Int, right: Int, staging: InputStaging = .copy, image: Int = 0,
        into destination: UnsafeMutablePointer<Float>
    ) {
        switch staging {
        case .copy:
            ck_pad_channels_last(source, channels, height, width, top, bottom, left, right, destination)
        case .upsampled:
            ck_pad_channels_last_upsampled(
                source, channels, height / 2, width / 2, top, bottom, left, right,
                destination)
        case .normalizedSiLU(let normalization):
            normalization.maps.withUnsafeBufferPointer {
                let shift = $0.baseAddress! + image * 4 * channels
                ck_pad_channels_last_normalized_silu(
                    source, channels, height, width, top, bottom, left, right, shift,
                    shift + channels, shift + 2 * channels, shift + 3 * channels,
                    destination)
            }
        }
    }

    /// Copies the valid rows of `rows` `[y·Wp + x][channels]` into NCHW
    /// `[channels][height][width]`, adding `bias[c]` if given, then the same
    /// element of `addend` (an NCHW image) if given.
    static func unpack(
        _ rows: UnsafePointer<Float>, paddedWidth: Int, channels: Int, height: Int, width: Int,
        bias: [Float]?, adding addend: UnsafePointer<Float>? = nil,
        into destination: UnsafeMutablePointer<Float>
    ) {
        if let bias {
            bias.withUnsafeBufferPointer {
                ck_unpack_channels_last(rows, paddedWidth, channels, height, width, $0.baseAddress, addend, destination)
            }
        } else {
            ck_unpack_channels_last(rows, paddedWidth, channels, height, width, nil, addend, destination)
        }
    }

    /// `Σ_{n,y,x} G[n, o, y, x]` per output channel, summed in Double
    /// (channels spread over threads; each sums its images in order).
    static func biasGradient(_ g: Conv2DGeometry, _ outputGradient: [Float]) -> [Float] {
        let cout = g.outChannels, p = g.outputPixels
        var totals = [Float](repeating: 0, count: cout)
        outputGradient.withUnsafeBufferPointer { gy in
            totals.withUnsafeMutableBufferPointer { totals in
                let gy = gy.baseAddress!, totals = totals.baseAddress!
                Parallel.forEachChunk(cout, minimumChunk: Swift.max(1, (1 << 16) / Swift.max(1, g.batch * p))) { channels in
                    for o in channels {
                        var total = 0.0
                        for image in 0..<g.batch { total += ck_sum(gy + (image * cout + o) * p, p) }
                        totals[o] = Float(total)
                    }
                }
            }
        }
        return totals
    }
}

/// How a convolution maps its input as it copies each image into its
/// channels-last staging buffer.
enum InputStaging {
    /// The image as it is.
    case copy
    /// Group normalisation and SiLU of each image (`InputNormalization`).
    case normalizedSiLU(InputNormalization)
    /// Each pixel as a 2×2 block (nearest-neighbour upsampling): the input
    /// holds images of half the convolution's height and width.
    case upsampled

    /// The floats of one input image of a convolution of geometry `g`.
    func imageSize(_ g: Conv2DGeometry) -> Int {
        if case .upsampled = self { g.inputImageSize / 4 } else { g.inputImageSize }
    }
}
