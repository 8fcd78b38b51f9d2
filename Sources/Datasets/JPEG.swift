#if JPEG
    import CJPEG
#endif

/// Reading JPEG files through the system libjpeg-turbo, when the package is
/// built with the trait `JPEG` (`swift build --traits JPEG`; Debian's
/// `libjpeg62-turbo-dev`). Baseline and progressive, grey and YCbCr with any
/// chroma subsampling; the EXIF orientation is applied, so images come out
/// upright as viewers show them. Output is 8-bit gray or RGB.
///
/// Refused with a `DatasetError` naming the file: data libjpeg cannot decode, a
/// truncated file (libjpeg would pad it with grey), CMYK/YCCK, more than
/// `Limits.maximumPixels` pixels (checked before allocating), more than
/// `maximumScans` progressive scans. Without the trait, every call throws an
/// error that says how to build with it.
public enum JPEG {
    /// Whether this build reads JPEG (the package trait `JPEG`).
    #if JPEG
        /// Whether this build reads JPEG (the package trait `JPEG`): it does.
        public static let isAvailable = true
    #else
        /// Whether this build reads JPEG (the package trait `JPEG`): it does not.
        public static let isAvailable = false
    #endif

    /// The most progressive scans accepted (libjpeg-turbo's tools use a similar bound against
    /// files that make the decoder loop for minutes).
    public static let maximumScans = 500

    /// The file name extensions read as JPEG.
    public static let fileExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif"]

    /// Whether `bytes` starts like a JPEG file (SOI and a marker).
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    /// Reads and decodes the JPEG file at `path`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func read(contentsOfFile path: String, limits: PNG.Limits = PNG.Limits()) throws -> PixelImage {
        guard isAvailable else { throw notBuiltIn(path) }
        return try decode(FileAccess.readBytes(atPath: path), source: path, limits: limits)
    }

    /// Decodes JPEG data held in memory; `source` names it in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "JPEG data", limits: PNG.Limits = PNG.Limits()) throws -> PixelImage {
        #if JPEG
            guard hasSignature(bytes) else {
                throw DatasetError(file: source, problem: "not a JPEG file (it does not start with the bytes FF D8 FF)")
            }
            var image = ddpm_jpeg_image()
            let decoded = bytes.withUnsafeBufferPointer { buffer in
                ddpm_jpeg_decode(buffer.baseAddress, UInt(buffer.count), UInt(max(0, limits.maximumPixels)), Int32(maximumScans), &image)
            }
            guard decoded == 1, let pixels = image.pixels else {
                let message = withUnsafeBytes(of: image.message) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                throw DatasetError(file: source, problem: "not a readable JPEG image: \(message)")
            }
            defer { ddpm_jpeg_free(pixels) }
            let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
            let samples = UnsafeBufferPointer(start: pixels, count: width * height * channels).map(UInt16.init)
            let upright = oriented(samples, width: width, height: height, channels: channels, orientation: Int(image.orientation))
            return PixelImage(unchecked: upright.width, upright.height, channels == 1 ? .gray : .rgb, 8, upright.samples)
        #else
            throw notBuiltIn(source)
        #endif
    }

    static func notBuiltIn(_ source: String) -> DatasetError {
        DatasetError(
            file: source,
            problem: "JPEG is not built into this ddpm: build it with the package trait JPEG "
                + "(swift build -c release --traits JPEG, after apt install libjpeg62-turbo-dev), or convert the images to PNG")
    }

    /// The samples turned upright by the EXIF orientation (1 upright, 2 mirrored, 3 turned 180°,
    /// 4 flipped, 5 transposed, 6 turned 90° clockwise to view, 7 transversed, 8 turned 90° anticlockwise).
    static func oriented(
        _ samples: [UInt16], width: Int, height: Int, channels: Int,
        orientation: Int
    ) -> (samples: [UInt16], width: Int, height: Int) {
        guard (2...8).contains(orientation) else { return (samples, width, height) }
        let swaps = orientation >= 5
        let (outWidth, outHeight) = swaps ? (height, width) : (width, height)
        var out = [UInt16](repeating: 0, count: samples.count)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (width - 1 - x, y)
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)
                case 4: (sx, sy) = (x, height - 1 - y)
                case 5: (sx, sy) = (y, x)
                case 6: (sx, sy) = (y, height - 1 - x)
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)
                default: (sx, sy) = (width - 1 - y, x)
                }
                let source = (sy * width + sx) * channels, target = (y * outWidth + x) * channels
                for c in 0..<channels { out[target + c] = samples[source + c] }
            }
        }
        return (out, outWidth, outHeight)
    }
}
