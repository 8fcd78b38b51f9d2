import Tensors

/// A decoded raster image: interleaved samples in row-major order, 8 or 16 bits
/// per sample, one to four channels. This is what `PNG.decode` returns and what
/// `PNG.encode` writes.
public struct PixelImage: Equatable, Sendable {
    /// The channels of a pixel, in storage order.
    public enum ColorModel: Int, Sendable, CaseIterable {
        /// One grey sample per pixel.
        case gray = 1
        /// Grey and alpha.
        case grayAlpha = 2
        /// Red, green and blue.
        case rgb = 3
        /// Red, green, blue and alpha.
        case rgba = 4

        /// Samples per pixel.
        public var channels: Int { rawValue }
        /// Whether the last channel is opacity.
        public var hasAlpha: Bool { self == .grayAlpha || self == .rgba }
        /// Colour channels, not counting alpha.
        public var colorChannels: Int { hasAlpha ? channels - 1 : channels }
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Grey or RGB, with or without alpha.
    public let colorModel: ColorModel
    /// Bits per sample: 8 (values 0...255) or 16 (values 0...65535).
    public let bitDepth: Int
    /// `height × width × channels` samples, row-major, channels interleaved.
    public let samples: [UInt16]

    /// An image from its samples; throws if the count or the values do not fit.
    public init(width: Int, height: Int, colorModel: ColorModel, bitDepth: Int = 8, samples: [UInt16]) throws {
        guard bitDepth == 8 || bitDepth == 16 else {
            throw DatasetError(file: "PixelImage", problem: "bit depth \(bitDepth) is not supported (8 or 16)")
        }
        guard width >= 0, height >= 0,
            case let (pixels, overflow) = width.multipliedReportingOverflow(by: height), !overflow,
            pixels.multipliedReportingOverflow(by: colorModel.channels) == (samples.count, false)
        else {
            throw DatasetError(
                file: "PixelImage",
                problem: "\(samples.count) samples do not fill a \(width)×\(height) \(colorModel) image")
        }
        if bitDepth == 8, let bad = samples.first(where: { $0 > 255 }) {
            throw DatasetError(file: "PixelImage", problem: "sample value \(bad) does not fit in 8 bits")
        }
        self.init(unchecked: width, height, colorModel, bitDepth, samples)
    }

    init(unchecked width: Int, _ height: Int, _ colorModel: ColorModel, _ bitDepth: Int, _ samples: [UInt16]) {
        self.width = width
        self.height = height
        self.colorModel = colorModel
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// The largest sample value: 255 or 65535.
    public var maximumValue: Int { (1 << bitDepth) - 1 }

    /// The sample of channel `channel` at column `x`, row `y`.
    public func sample(x: Int, y: Int, channel: Int) -> UInt16 {
        samples[(y * width + x) * colorModel.channels + channel]
    }

    /// The image as `channels` planes (`channels × height × width`, row-major) of values in
    /// [-1, 1] (x = 2·v/max − 1). Alpha is dropped; gray becomes RGB by copying;
    /// RGB becomes gray by the BT.601 luma weights 0.299, 0.587, 0.114.
    /// - Parameter channels: 1 (gray) or 3 (RGB).
    public func planes(channels: Int) -> [Float] {
        precondition(channels == 1 || channels == 3, "planes(channels:) takes 1 or 3, got \(channels)")
        let plane = width * height
        let stride = colorModel.channels
        let maximum = Float(maximumValue)
        var out = [Float](repeating: 0, count: channels * plane)
        samples.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for p in 0..<plane {
                    let base = p * stride
                    if colorModel.colorChannels == 1 {
                        let v = 2 * Float(source[base]) / maximum - 1
                        for c in 0..<channels { target[c * plane + p] = v }
                    } else if channels == 3 {
                        for c in 0..<3 { target[c * plane + p] = 2 * Float(source[base + c]) / maximum - 1 }
                    } else {
                        let luma =
                            0.299 * Float(source[base]) + 0.587 * Float(source[base + 1])
                            + 0.114 * Float(source[base + 2])
                        target[p] = 2 * luma / maximum - 1
                    }
                }
            }
        }
        return out
    }

    /// The image as a `[channels, height, width]` tensor in [-1, 1] (see `planes(channels:)`).
    public func tensor(channels: Int) -> Tensor {
        Tensor(shape: [channels, height, width], scalars: planes(channels: channels))
    }

    /// An 8-bit gray (1 channel) or RGB (3 channels) image from a tensor of shape
    /// `[C, H, W]` or `[H, W]` holding values in [-1, 1]; values outside are clamped,
    /// NaN becomes 0 (black). Byte = round((x + 1) / 2 · 255).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(tensor: Tensor) throws {
        let shape = tensor.shape.count == 2 ? [1] + tensor.shape : tensor.shape
        guard shape.count == 3, shape[0] == 1 || shape[0] == 3, shape[1] > 0, shape[2] > 0 else {
            throw DatasetError(
                file: "PixelImage",
                problem: "tensor of shape \(tensor.shape) is not an image; expected [1 or 3, H, W] or [H, W]")
        }
        self.init(
            unchecked: shape[2], shape[1], shape[0] == 1 ? .gray : .rgb, 8,
            Self.interleavedBytes(tensor.scalars[...], channels: shape[0], plane: shape[1] * shape[2]))
    }

    /// Planar [-1, 1] floats → interleaved 8-bit samples.
    static func interleavedBytes(_ values: ArraySlice<Float>, channels: Int, plane: Int) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: channels * plane)
        let start = values.startIndex
        for c in 0..<channels {
            for p in 0..<plane {
                out[p * channels + c] = byte(values[start + c * plane + p])
            }
        }
        return out
    }

    /// The 8-bit value of x ∈ [-1, 1].
    static func byte(_ x: Float) -> UInt16 {
        guard !x.isNaN else { return 0 }
        let scaled = ((x + 1) * 127.5).rounded()
        return UInt16(Swift.min(255, Swift.max(0, scaled)))
    }
}
