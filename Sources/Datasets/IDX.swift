/// An array of unsigned bytes read from an IDX file, the format of the original
/// MNIST distribution: a big-endian header (magic `0x000008NN` where `NN` is the
/// number of dimensions, then one 32-bit size per dimension) and the bytes in
/// row-major order. Images are `count × rows × cols`; labels are `count`.
public struct IDXArray: Equatable, Sendable {
    /// The size of each dimension, outermost first.
    public let dimensions: [Int]
    /// The elements in row-major order.
    public let bytes: [UInt8]

    /// An array with the given dimensions; `bytes.count` must equal their product.
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public init(dimensions: [Int], bytes: [UInt8]) throws {
        guard let count = IDX.elementCount(dimensions), count == bytes.count else {
            throw DatasetError(file: "IDXArray", problem: "\(bytes.count) bytes do not fill dimensions \(dimensions)")
        }
        self.dimensions = dimensions
        self.bytes = bytes
    }

    init(uncheckedDimensions dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reading and writing IDX files (raw or gzip-compressed) with bounded allocation.
public enum IDX {
    /// The magic number of an image file: unsigned bytes, three dimensions.
    public static let imageMagic: UInt32 = 0x0000_0803
    /// The magic number of a label file: unsigned bytes, one dimension.
    public static let labelMagic: UInt32 = 0x0000_0801
    /// The most elements a file may declare (2^31); larger headers are refused before allocating.
    public static let maximumElements = 1 << 31

    /// The product of `dimensions`, or nil for a negative dimension or when the
    /// non-zero dimensions multiply beyond `maximumElements`. Zeros are left out of
    /// that bound so an empty shape such as (0, 2^40, 2^40) is refused too: a later
    /// product of its dimensions in another order (a transposition) would overflow.
    static func elementCount(_ dimensions: [Int]) -> Int? {
        var count = 1
        var empty = false
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            if dimension == 0 {
                empty = true
                continue
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow || product > maximumElements { return nil }
            count = product
        }
        return empty ? 0 : count
    }

    /// Reads the IDX file at `path` (gzip-compressed or raw, detected from its first bytes).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func read(contentsOfFile path: String) throws -> IDXArray {
        try decode(FileAccess.readBytes(atPath: path), source: path)
    }

    /// Reads an image file: `count × rows × cols` unsigned bytes (magic 0x00000803).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func readImages(contentsOfFile path: String) throws -> IDXArray {
        try decode(FileAccess.readBytes(atPath: path), source: path, expectedMagic: imageMagic)
    }

    /// Reads a label file: `count` unsigned bytes (magic 0x00000801).
    ///
    /// - Throws: ``DatasetError`` naming the file (or what was being read or built) and what is wrong with it.
    public static func readLabels(contentsOfFile path: String) throws -> IDXArray {
        try decode(FileAccess.readBytes(atPath: path), source: path, expectedMagic: labelMagic)
    }

    /// Decodes IDX data held in memory.
    /// - Parameters:
    ///   - fileBytes: the file's bytes, raw or gzip-compressed.
    ///   - source: the name used in error messages.
    ///   - expectedMagic: when given, the only magic number accepted.
    public static func decode(_ fileBytes: [UInt8], source: String, expectedMagic: UInt32? = nil) throws -> IDXArray {
        let reader: IDXByteSource =
            Zlib.isGzip(fileBytes)
            ? try GzipSource(fileBytes, source: source)
            : RawSource(fileBytes, source: source)
        let header = try reader.read(4, what: "IDX header")
        let magic = UInt32(header[0]) << 24 | UInt32(header[1]) << 16 | UInt32(header[2]) << 8 | UInt32(header[3])
        let rank = Int(header[3])
        guard header[0] == 0, header[1] == 0, header[2] == 0x08, (1...4).contains(rank) else {
            throw DatasetError(
                file: source,
                problem: "wrong IDX magic number \(hex(magic)); expected \(hex(imageMagic)) (images) "
                    + "or \(hex(labelMagic)) (labels), i.e. unsigned bytes with 1 to 4 dimensions")
        }
        if let expectedMagic, magic != expectedMagic {
            let kind = expectedMagic == imageMagic ? "an image file" : "a label file"
            throw DatasetError(
                file: source,
                problem: "IDX magic number is \(hex(magic)) (\(rank) dimensions), expected \(hex(expectedMagic)) for \(kind)")
        }
        let sizeBytes = try reader.read(4 * rank, what: "IDX dimensions")
        var dimensions: [Int] = []
        for axis in 0..<rank {
            let b = sizeBytes[(4 * axis)..<(4 * axis + 4)].map(UInt32.init)
            dimensions.append(Int(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]))
        }
        let shown = dimensions.map(String.init).joined(separator: " × ")
        guard let count = elementCount(dimensions) else {
            throw DatasetError(file: source, problem: "IDX dimensions \(shown) exceed the limit of 2^31 elements")
        }
        guard count <= reader.maximumRemaining else {
            throw DatasetError(
                file: source,
                problem: "IDX dimensions \(shown) need \(count) bytes of data, more than this "
                    + "\(fileBytes.count)-byte file can hold (at most \(reader.maximumRemaining))")
        }
        let bytes = try reader.read(count, what: "IDX data for dimensions \(shown)")
        try reader.expectEnd(what: "IDX data for dimensions \(shown)")
        return IDXArray(uncheckedDimensions: dimensions, bytes: bytes)
    }

    /// The raw (uncompressed) IDX encoding of `array`.
    public static func encode(_ array: IDXArray) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(array.dimensions.count)]
        for dimension in array.dimensions {
            let value = UInt32(truncatingIfNeeded: dimension)
            out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return out + array.bytes
    }

    /// The gzip-compressed IDX encoding of `array`.
    public static func encodeGzip(_ array: IDXArray) -> [UInt8] {
        Zlib.compress(encode(array), format: .gzip)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// Where IDX bytes come from: the file itself, or its gzip stream.
private protocol IDXByteSource {
    /// An upper bound on how many bytes are left.
    var maximumRemaining: Int { get }
    func read(_ count: Int, what: String) throws -> [UInt8]
    func expectEnd(what: String) throws
}

private final class RawSource: IDXByteSource {
    let bytes: [UInt8]
    let source: String
    var offset = 0

    init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    var maximumRemaining: Int { bytes.count - offset }

    func read(_ count: Int, what: String) throws -> [UInt8] {
        guard count <= bytes.count - offset else {
            throw DatasetError(
                file: source,
                problem: "truncated: \(what) needs \(count) bytes at offset \(offset), the file has \(bytes.count - offset) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    func expectEnd(what: String) throws {
        if offset != bytes.count {
            throw DatasetError(
                file: source, problem: "\(bytes.count - offset) unexpected bytes after the \(what) (file size does not match the header)")
        }
    }
}

private final class GzipSource: IDXByteSource {
    let inflater: Inflater
    let compressedCount: Int

    init(_ bytes: [UInt8], source: String) throws {
        inflater = try Inflater(bytes, format: .gzip, source: source, what: "gzip data")
        compressedCount = bytes.count
    }

    var maximumRemaining: Int { compressedCount * Zlib.maximumExpansion + 64 - inflater.produced }

    func read(_ count: Int, what: String) throws -> [UInt8] {
        try inflater.read(count)
    }

    func expectEnd(what: String) throws {
        try inflater.expectEnd()
    }
}
