/// The IHDR chunk of a PNG file: size, colour type, bit depth, interlacing.
struct PNGHeader {
    let width: Int
    let height: Int
    let bitDepth: Int
    /// 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    let colorType: Int
    let interlaced: Bool

    /// The bit depths PNG allows for each colour type.
    static let allowedDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]

    init(_ data: ArraySlice<UInt8>, source: String) throws {
        guard data.count == 13 else {
            throw DatasetError(file: source, problem: "IHDR chunk is \(data.count) bytes, expected 13")
        }
        let d = Array(data)
        width = Int(PNG.bigEndian32(d, 0))
        height = Int(PNG.bigEndian32(d, 4))
        bitDepth = Int(d[8])
        colorType = Int(d[9])
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw DatasetError(file: source, problem: "IHDR gives size \(width)×\(height); width and height must be 1 to 2^31−1")
        }
        guard let depths = Self.allowedDepths[colorType] else {
            throw DatasetError(file: source, problem: "IHDR colour type \(colorType) is invalid (0, 2, 3, 4 or 6)")
        }
        guard depths.contains(bitDepth) else {
            throw DatasetError(
                file: source,
                problem: "IHDR bit depth \(bitDepth) is invalid for colour type \(colorType) (allowed: \(depths))")
        }
        guard d[10] == 0, d[11] == 0 else {
            throw DatasetError(file: source, problem: "IHDR compression method \(d[10]) / filter method \(d[11]) unknown (only 0)")
        }
        guard d[12] <= 1 else {
            throw DatasetError(file: source, problem: "IHDR interlace method \(d[12]) unknown (0 none, 1 Adam7)")
        }
        interlaced = d[12] == 1
    }

    /// Samples per pixel as stored (a palette index counts as one).
    var storedChannels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
    var bitsPerPixel: Int { storedChannels * bitDepth }
    /// The byte distance to the corresponding byte of the previous pixel (the filters' `bpp`).
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// Bytes in one scanline of `columns` pixels, without the filter-type byte.
    func rowBytes(columns: Int) -> Int { (columns * bitsPerPixel + 7) / 8 }

    /// The passes the image data is stored in: one for plain images, seven for Adam7.
    var passes: [PNGPass] {
        guard interlaced else { return [PNGPass(x0: 0, y0: 0, dx: 1, dy: 1, width: width, height: height)] }
        let layout = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return layout.map { x0, y0, dx, dy in
            PNGPass(
                x0: x0, y0: y0, dx: dx, dy: dy,
                width: width > x0 ? (width - x0 + dx - 1) / dx : 0,
                height: height > y0 ? (height - y0 + dy - 1) / dy : 0)
        }
    }

    /// The size of the decompressed image data: every non-empty pass's rows, each with its filter byte.
    var rawDataBytes: Int {
        passes.reduce(0) { total, pass in
            pass.isEmpty ? total : total + pass.height * (1 + rowBytes(columns: pass.width))
        }
    }
}

/// One pass of a PNG image: the sub-image of pixels (x0 + i·dx, y0 + j·dy).
struct PNGPass {
    let x0: Int, y0: Int, dx: Int, dy: Int
    let width: Int, height: Int
    var isEmpty: Bool { width == 0 || height == 0 }
}
