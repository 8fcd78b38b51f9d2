import Foundation
import Tensors

/// A safetensors file opened for reading: the validated header and the data,
/// memory-mapped when read from disk.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, …,
/// "__metadata__": {string: string}}`, then the data area, where each
/// tensor's bytes lie at `[begin, end)` (little-endian, row-major).
///
/// Opening checks everything a later read relies on, so a malformed file is
/// refused with a `SafetensorsError` up front: header length over 100 MB or
/// past the end of the file, bad JSON, unknown dtype, negative or overflowing
/// shapes, offsets reversed, out of range, overlapping or leaving gaps, and
/// a byte span that differs from shape × dtype size.
public struct SafetensorsFile {
    /// One tensor as the header describes it.
    public struct Entry: Equatable, Sendable {
        /// The tensor's name (its parameter path).
        public var name: String
        /// The element type on disk.
        public var dtype: SafetensorsDType
        /// The tensor's shape.
        public var shape: [Int]
        /// The byte range inside the data area.
        public var byteRange: Range<Int>
        /// The number of elements.
        public var elementCount: Int
    }

    /// The largest header accepted, as the reference implementation.
    public static let maximumHeaderLength = 100_000_000

    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// The tensors, keyed by name.
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int
    private let file: String?

    /// Tensor names in sorted order.
    public var names: [String] { entries.keys.sorted() }

    /// Opens and validates the file at `url`, memory-mapping it.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafetensorsError(.io, "cannot read: \(error.localizedDescription)", file: url.path)
        }
        try self.init(data: data, file: url.path)
    }

    /// Validates a safetensors file held in memory.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public init(data: Data) throws {
        try self.init(data: data, file: nil)
    }

    private init(data: Data, file: String?) throws {
        func fail(_ kind: SafetensorsError.Kind, _ message: String) -> SafetensorsError {
            SafetensorsError(kind, message, file: file)
        }
        let headerLength = try Self.headerLength(declaredBy: data.prefix(8), file: file)
        guard headerLength <= data.count - 8 else {
            throw fail(.truncated, "header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        let header = try Self.decodeHeader(data.subdata(in: data.startIndex + 8..<data.startIndex + 8 + headerLength), file: file)
        let dataLength = data.count - 8 - headerLength
        var entries: [String: Entry] = [:]
        for raw in header.tensors {
            guard let dtype = SafetensorsDType(rawValue: raw.dtype) else {
                let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail(.unknownDType, "tensor '\(raw.name)' has unknown dtype '\(raw.dtype)' (known: \(known))")
            }
            var count = 1
            for dimension in raw.shape {
                guard dimension >= 0 else {
                    throw fail(.badShape, "tensor '\(raw.name)' has negative dimension in shape \(raw.shape)")
                }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw fail(.badShape, "tensor '\(raw.name)': shape \(raw.shape) has too many elements")
                }
                count = product
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow else {
                throw fail(.badShape, "tensor '\(raw.name)': shape \(raw.shape) of \(dtype.rawValue) is too large")
            }
            guard raw.offsets.count == 2 else {
                throw fail(.badOffsets, "tensor '\(raw.name)': data_offsets must be [begin, end], got \(raw.offsets)")
            }
            let (begin, end) = (raw.offsets[0], raw.offsets[1])
            guard begin >= 0, begin <= end else {
                throw fail(.badOffsets, "tensor '\(raw.name)': data_offsets [\(begin), \(end)] are reversed or negative")
            }
            guard end <= dataLength else {
                throw fail(
                    .badOffsets,
                    "tensor '\(raw.name)': data_offsets [\(begin), \(end)] run past the \(dataLength)-byte data area (file truncated?)")
            }
            guard end - begin == bytes else {
                throw fail(
                    .badOffsets,
                    "tensor '\(raw.name)': \(dtype.rawValue) shape \(raw.shape) needs \(bytes) bytes but data_offsets [\(begin), \(end)] span \(end - begin)"
                )
            }
            entries[raw.name] = Entry(
                name: raw.name, dtype: dtype, shape: raw.shape,
                byteRange: begin..<end, elementCount: count)
        }
        let ordered = entries.values.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
        }
        var position = 0
        var previous: String?
        for entry in ordered {
            if entry.byteRange.lowerBound < position {
                throw fail(
                    .badOffsets, "tensor '\(entry.name)' at bytes \(entry.byteRange) overlaps '\(previous ?? "")' ending at \(position)")
            }
            if entry.byteRange.lowerBound > position {
                throw fail(
                    .badOffsets, "bytes \(position)..<\(entry.byteRange.lowerBound) before tensor '\(entry.name)' belong to no tensor")
            }
            position = entry.byteRange.upperBound
            previous = entry.name
        }
        guard position == dataLength else {
            throw fail(.badOffsets, "the data area has \(dataLength) bytes but the tensors cover \(position)")
        }
        self.metadata = header.metadata
        self.entries = entries
        self.data = data
        self.dataStart = 8 + headerLength
        self.file = file
    }

    /// The tensor `name` converted to Float32.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw SafetensorsError(.missingTensor, "no tensor named '\(name)'", file: file)
        }
        guard entry.dtype.isReadableAsFloat else {
            throw SafetensorsError(
                .unsupportedDType,
                "tensor '\(name)' is \(entry.dtype.rawValue); only F32, F64, F16 and BF16 read as Float32",
                file: file)
        }
        var scalars = [Float](repeating: 0, count: entry.elementCount)
        data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(
                rebasing: raw[(dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound)])
            scalars.withUnsafeMutableBufferPointer { out in
                Self.convert(bytes, dtype: entry.dtype, into: out)
            }
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    /// Every tensor converted to Float32, keyed by name.
    ///
    /// - Throws: ``SafetensorsError`` naming the file (when known) and what is wrong.
    public func tensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in names { result[name] = try tensor(named: name) }
        return result
    }

    private static func convert(
        _ bytes: UnsafeRawBufferPointer, dtype: SafetensorsDType,
        into out: UnsafeMutableBufferPointer<Float>
    ) {
        switch dtype {
        case .f32:
            #if _endian(little)
                UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes)
            #else
                for i in 0..<out.count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            #endif
        case .f64:
            for i in 0..<out.count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .f16:
            for i in 0..<out.count {
                out[i] = HalfPrecision.float(
                    fromHalfBits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<out.count {
                out[i] = HalfPrecision.float(
                    fromBFloat16Bits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        default:
            preconditionFailure("convert: \(dtype.rawValue) is not a float type")
        }
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        if case DecodingError.typeMismatch(_, let context) = error {
            return context.debugDescription + " at " + context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        if case DecodingError.keyNotFound(let key, let context) = error {
            return "missing '\(key.stringValue)' at " + context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        return String(describing: error)
    }
}

extension SafetensorsFile {
    /// The `__metadata__` map of the file at `url`, reading only its header (the 8-byte
    /// length and the JSON), not the tensors: for a quick look at a large file. The header
    /// is checked as `init(contentsOf:)` checks it, short of the tensors' byte ranges.
    public static func metadata(ofFileAt url: URL) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SafetensorsError(.io, "cannot open for reading", file: url.path)
        }
        defer { try? handle.close() }
        let headerLength = try headerLength(declaredBy: (try? handle.read(upToCount: 8)) ?? Data(), file: url.path)
        let bytes = (try? handle.read(upToCount: headerLength)) ?? Data()
        guard bytes.count == headerLength else {
            throw SafetensorsError(.truncated, "header length \(headerLength) runs past the end of the file", file: url.path)
        }
        return try decodeHeader(bytes, file: url.path).metadata
    }

    /// The header length the first 8 bytes declare (little-endian), within the cap.
    fileprivate static func headerLength(declaredBy bytes: Data, file: String?) throws -> Int {
        guard bytes.count >= 8 else {
            throw SafetensorsError(.truncated, "\(bytes.count) bytes is too short for the 8-byte header length", file: file)
        }
        let declared = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(maximumHeaderLength) else {
            throw SafetensorsError(
                .headerTooLarge, "header length \(declared) exceeds the \(maximumHeaderLength)-byte limit", file: file)
        }
        return Int(declared)
    }

    /// The header's JSON: tensor entries and `__metadata__` (a map of strings to strings).
    fileprivate static func decodeHeader(_ bytes: Data, file: String?) throws -> Header {
        do {
            return try JSONDecoder().decode(Header.self, from: bytes)
        } catch let error as SafetensorsError {
            throw SafetensorsError(error.kind, error.message, file: file)
        } catch {
            throw SafetensorsError(.badHeader, "header is not valid safetensors JSON: \(describe(error))", file: file)
        }
    }
}

/// The JSON header: tensor entries plus the optional `__metadata__` map.
private struct Header: Decodable {
    struct RawEntry {
        var name: String
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct EntryFields: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    var tensors: [RawEntry] = []
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                let fields = try container.decode(EntryFields.self, forKey: key)
                tensors.append(
                    RawEntry(
                        name: key.stringValue, dtype: fields.dtype,
                        shape: fields.shape, offsets: fields.data_offsets))
            }
        }
    }
}
