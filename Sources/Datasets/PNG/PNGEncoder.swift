/// How the encoder chooses each scanline's filter.
public enum PNGFilterChoice: Sendable, Equatable {
    /// The same filter on every row.
    case fixed(PNGFilter)
    /// Per row, the filter whose output has the smallest sum of absolute (signed) bytes,
    /// the heuristic recommended by the PNG spec (§12.8).
    case adaptive
}

extension PNG {
    /// Encodes `image` as a PNG (non-interlaced; gray, gray+alpha, RGB or RGBA at its bit depth).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func encode(_ image: PixelImage, filter: PNGFilterChoice = .adaptive) throws -> [UInt8] {
        guard image.width > 0, image.height > 0, image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
            throw DatasetError(file: "PNG encoder", problem: "cannot encode a \(image.width)×\(image.height) image (sizes 1 to 2^31−1)")
        }
        let colorType: UInt8
        switch image.colorModel {
        case .gray: colorType = 0
        case .grayAlpha: colorType = 4
        case .rgb: colorType = 2
        case .rgba: colorType = 6
        }
        let bytesPerSample = image.bitDepth / 8
        let stride = image.colorModel.channels * bytesPerSample
        let rowBytes = image.width * stride
        var raw: [UInt8] = []
        raw.reserveCapacity(image.height * (rowBytes + 1))
        var previous: [UInt8]?
        var line = [UInt8](repeating: 0, count: rowBytes)
        var candidate: [UInt8] = []
        for y in 0..<image.height {
            let base = y * image.width * image.colorModel.channels
            for k in 0..<(image.width * image.colorModel.channels) {
                let v = image.samples[base + k]
                if bytesPerSample == 2 {
                    line[2 * k] = UInt8(v >> 8)
                    line[2 * k + 1] = UInt8(v & 0xFF)
                } else {
                    line[k] = UInt8(v)
                }
            }
            let chosen: PNGFilter
            switch filter {
            case .fixed(let fixed):
                chosen = fixed
            case .adaptive:
                var best = PNGFilter.none
                var bestScore = Int.max
                for option in PNGFilter.allCases {
                    candidate.removeAll(keepingCapacity: true)
                    option.apply(line: line[...], previous: previous?[...], stride: stride, into: &candidate)
                    let score = candidate.reduce(0) { $0 + Int(Int8(bitPattern: $1).magnitude) }
                    if score < bestScore { (best, bestScore) = (option, score) }
                }
                chosen = best
            }
            raw.append(chosen.rawValue)
            chosen.apply(line: line[...], previous: previous?[...], stride: stride, into: &raw)
            previous = line
        }
        var out = signature
        var ihdr: [UInt8] = []
        appendBigEndian(UInt32(image.width), to: &ihdr)
        appendBigEndian(UInt32(image.height), to: &ihdr)
        ihdr += [UInt8(image.bitDepth), colorType, 0, 0, 0]
        appendChunk("IHDR", ihdr, to: &out)
        let compressed = Zlib.compress(raw, format: .zlib, level: 9)
        let chunkSize = 1 << 20
        var start = 0
        repeat {
            let end = min(compressed.count, start + chunkSize)
            appendChunk("IDAT", Array(compressed[start..<end]), to: &out)
            start = end
        } while start < compressed.count
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Encodes `image` and writes it to `path` atomically.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func write(_ image: PixelImage, toFile path: String, filter: PNGFilterChoice = .adaptive) throws {
        try FileAccess.writeAtomically(encode(image, filter: filter), toPath: path)
    }

    static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &out)
        let typeAndData = Array(type.utf8) + data
        out += typeAndData
        appendBigEndian(Zlib.crc32(typeAndData[...]), to: &out)
    }
}
