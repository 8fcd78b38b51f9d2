/// Reading PNG files (ISO/IEC 15948): every colour type and bit depth,
/// Adam7 interlacing, CRC-checked chunks, bounded allocation.
///
/// Output conventions: depth 16 stays 16-bit; depths 1, 2 and 4 of gray are
/// scaled to 8 bits (v · 255 / (2^d − 1)); palette images become RGB, or RGBA
/// when a tRNS chunk gives palette alpha. A tRNS colour key on gray or RGB
/// images is ignored (no alpha channel is synthesised). Ancillary chunks are skipped.
public enum PNG {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Sizes beyond which a file is refused before anything is allocated for its pixels.
    public struct Limits: Sendable {
        /// The most pixels (width × height) accepted; 2^26 (e.g. 8192 × 8192) by default.
        public var maximumPixels: Int
        /// Limits with at most `maximumPixels` pixels.
        public init(maximumPixels: Int = 1 << 26) {
            self.maximumPixels = maximumPixels
        }
    }

    static func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// Whether `bytes` starts with the PNG signature.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == signature
    }

    /// Reads and decodes the PNG file at `path`.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func read(contentsOfFile path: String, limits: Limits = Limits()) throws -> PixelImage {
        try decode(FileAccess.readBytes(atPath: path), source: path, limits: limits)
    }

    /// Decodes PNG data held in memory; `source` names it in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "PNG data", limits: Limits = Limits()) throws -> PixelImage {
        guard hasSignature(bytes) else {
            throw DatasetError(file: source, problem: "not a PNG file (the first 8 bytes are not the PNG signature)")
        }
        var offset = 8
        var header: PNGHeader?
        var palette: [UInt8]?
        var paletteAlpha: [UInt8]?
        var compressed: [UInt8] = []
        var idatState = 0  // 0 before IDAT, 1 inside the IDAT run, 2 after it
        while true {
            guard bytes.count - offset >= 8 else {
                throw DatasetError(
                    file: source,
                    problem: "truncated: the file ends at byte \(bytes.count) before the IEND chunk")
            }
            let length = Int(bigEndian32(bytes, offset))
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw DatasetError(file: source, problem: "corrupt chunk header at byte \(offset) (chunk type is not four letters)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else {
                throw DatasetError(file: source, problem: "chunk \(type) at byte \(offset) claims \(length) bytes (limit 2^31−1)")
            }
            guard bytes.count - offset - 12 >= length else {
                throw DatasetError(
                    file: source,
                    problem: "truncated: chunk \(type) at byte \(offset) needs \(length + 12) bytes, "
                        + "the file has \(bytes.count - offset) left")
            }
            let data = bytes[(offset + 8)..<(offset + 8 + length)]
            let stored = bigEndian32(bytes, offset + 8 + length)
            let computed = Zlib.crc32(bytes[(offset + 4)..<(offset + 8 + length)])
            guard stored == computed else {
                throw DatasetError(
                    file: source,
                    problem: "bad CRC in chunk \(type) at byte \(offset) (stored \(IDX.hex(stored)), computed \(IDX.hex(computed)))")
            }
            if header == nil && type != "IHDR" {
                throw DatasetError(file: source, problem: "the first chunk is \(type), expected IHDR")
            }
            if idatState == 1 && type != "IDAT" { idatState = 2 }
            switch type {
            case "IHDR":
                guard header == nil else { throw DatasetError(file: source, problem: "more than one IHDR chunk") }
                header = try PNGHeader(data, source: source)
            case "PLTE":
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw DatasetError(file: source, problem: "PLTE chunk of \(length) bytes (must be 3 to 768, a multiple of 3)")
                }
                palette = Array(data)
            case "tRNS":
                if header?.colorType == 3 { paletteAlpha = Array(data) }
            case "IDAT":
                guard idatState != 2 else {
                    throw DatasetError(file: source, problem: "IDAT chunks are not consecutive (PNG requires one run)")
                }
                idatState = 1
                compressed.append(contentsOf: data)
            case "IEND":
                return try decodeImage(
                    header!, compressed: compressed, palette: palette,
                    paletteAlpha: paletteAlpha, source: source, limits: limits)
            default:
                if typeBytes[0] & 0x20 == 0 {
                    throw DatasetError(file: source, problem: "unknown critical chunk \(type); cannot decode")
                }
            }
            offset += length + 12
        }
    }

    private static func decodeImage(
        _ header: PNGHeader, compressed: [UInt8], palette: [UInt8]?,
        paletteAlpha: [UInt8]?, source: String, limits: Limits
    ) throws -> PixelImage {
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        guard !overflow, pixels <= min(limits.maximumPixels, 1 << 40) else {
            throw DatasetError(
                file: source,
                problem: "image size \(header.width)×\(header.height) exceeds the limit of \(limits.maximumPixels) pixels")
        }
        guard !compressed.isEmpty else {
            throw DatasetError(file: source, problem: "no IDAT chunk (no image data)")
        }
        let rawCount = header.rawDataBytes
        guard rawCount <= compressed.count * Zlib.maximumExpansion + 1024 else {
            throw DatasetError(
                file: source,
                problem: "\(compressed.count) bytes of compressed data cannot hold a \(header.width)×\(header.height) image "
                    + "(\(rawCount) bytes); the file is truncated or its header is corrupt")
        }
        if header.colorType == 3 && palette == nil {
            throw DatasetError(file: source, problem: "palette image (colour type 3) without a PLTE chunk")
        }
        let inflater = try Inflater(compressed, format: .zlib, source: source, what: "PNG image data")
        var raw = try inflater.read(rawCount)
        try inflater.expectEnd()

        let outputModel: PixelImage.ColorModel
        switch header.colorType {
        case 0: outputModel = .gray
        case 2: outputModel = .rgb
        case 3: outputModel = paletteAlpha == nil ? .rgb : .rgba
        case 4: outputModel = .grayAlpha
        default: outputModel = .rgba
        }
        let channels = outputModel.channels
        var samples = [UInt16](repeating: 0, count: pixels * channels)
        let paletteTable =
            header.colorType == 3
            ? PaletteTable(palette: palette!, alpha: paletteAlpha ?? [], channels: channels) : nil

        var passStart = 0
        for (passIndex, pass) in header.passes.enumerated() where !pass.isEmpty {
            let rowBytes = header.rowBytes(columns: pass.width)
            let lineLength = rowBytes + 1
            try raw.withUnsafeMutableBufferPointer { buffer in
                try samples.withUnsafeMutableBufferPointer { output in
                    for row in 0..<pass.height {
                        let lineStart = passStart + row * lineLength
                        let filterType = buffer[lineStart]
                        let line = UnsafeMutableBufferPointer(rebasing: buffer[(lineStart + 1)..<(lineStart + lineLength)])
                        let previous =
                            row == 0
                            ? nil
                            : UnsafeBufferPointer(rebasing: buffer[(lineStart - rowBytes)..<lineStart])
                        guard PNGFilter.reconstruct(filterType, line: line, previous: previous, stride: header.filterStride)
                        else {
                            let place = header.interlaced ? "row \(row) of Adam7 pass \(passIndex + 1)" : "row \(row)"
                            throw DatasetError(
                                file: source, problem: "\(place) has unknown filter type \(filterType) (0 to 4 allowed)")
                        }
                        let y = pass.y0 + row * pass.dy
                        try unpack(
                            UnsafeBufferPointer(line), header: header, pass: pass, y: y,
                            palette: paletteTable, into: output, channels: channels, source: source)
                    }
                }
            }
            passStart += pass.height * lineLength
        }
        return PixelImage(unchecked: header.width, header.height, outputModel, header.bitDepth == 16 ? 16 : 8, samples)
    }

    /// Writes one reconstructed scanline's pixels into the output image.
    private static func unpack(
        _ line: UnsafeBufferPointer<UInt8>, header: PNGHeader, pass: PNGPass, y: Int,
        palette: PaletteTable?, into output: UnsafeMutableBufferPointer<UInt16>,
        channels: Int, source: String
    ) throws {
        let depth = header.bitDepth
        let stored = header.storedChannels
        let rowBase = y * header.width
        if depth >= 8 && palette == nil {
            for i in 0..<pass.width {
                let target = (rowBase + pass.x0 + i * pass.dx) * channels
                for c in 0..<stored {
                    let k = i * stored + c
                    output[target + c] = depth == 16 ? UInt16(line[2 * k]) << 8 | UInt16(line[2 * k + 1]) : UInt16(line[k])
                }
            }
            return
        }
        let mask = (1 << depth) - 1
        for i in 0..<pass.width {
            let bit = i * depth
            let value = depth == 8 ? Int(line[i]) : (Int(line[bit >> 3]) >> (8 - depth - (bit & 7))) & mask
            let target = (rowBase + pass.x0 + i * pass.dx) * channels
            if let palette {
                guard value < palette.count else {
                    throw DatasetError(
                        file: source,
                        problem: "palette index \(value) at (\(pass.x0 + i * pass.dx), \(y)) is outside the \(palette.count)-entry PLTE")
                }
                for c in 0..<channels { output[target + c] = palette.entries[value * channels + c] }
            } else {
                output[target] = UInt16(value * 255 / mask)
            }
        }
    }
}

/// A palette expanded to RGB or RGBA samples per index.
private struct PaletteTable {
    let count: Int
    let entries: [UInt16]

    init(palette: [UInt8], alpha: [UInt8], channels: Int) {
        count = palette.count / 3
        var entries: [UInt16] = []
        entries.reserveCapacity(count * channels)
        for index in 0..<count {
            for c in 0..<3 { entries.append(UInt16(palette[3 * index + c])) }
            if channels == 4 { entries.append(index < alpha.count ? UInt16(alpha[index]) : 255) }
        }
        self.entries = entries
    }
}
