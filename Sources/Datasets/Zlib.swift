import CSystemZlib

/// Thin, bounds-checked wrappers over the system zlib: streaming inflate of
/// zlib or gzip data, whole-buffer deflate, and CRC-32.
enum Zlib {
    /// The container around a deflate stream.
    enum Format {
        /// RFC 1950 (PNG's IDAT data).
        case zlib
        /// RFC 1952 (`.gz` files).
        case gzip

        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 15 + 16
            }
        }
    }

    /// The largest ratio of inflated to deflated size deflate can reach (about 1032:1),
    /// rounded up; used to refuse headers that claim more data than a file can hold.
    static let maximumExpansion = 1040

    /// Whether `bytes` starts with the gzip magic number.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The CRC-32 of `bytes` (the checksum of PNG chunks and gzip members).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: uLong = CSystemZlib.crc32(0, nil, 0)
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let length = min(buffer.count - offset, 1 << 30)
                let base = buffer.baseAddress! + offset
                crc = CSystemZlib.crc32(crc, base, uInt(length))
                offset += length
            }
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Deflates `bytes` into a zlib or gzip stream.
    static func compress(_ bytes: [UInt8], format: Format = .zlib, level: Int32 = 6) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let status = deflateInit2_(
            stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed with status \(status) (out of memory)")
        var output: [UInt8] = []
        let chunk = 1 << 16
        var scratch = [UInt8](repeating: 0, count: chunk)
        bytes.withUnsafeBufferPointer { input in
            var consumed = 0
            var finished = false
            while !finished {
                if stream.pointee.avail_in == 0, consumed < input.count {
                    let length = min(input.count - consumed, 1 << 30)
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.pointee.avail_in = uInt(length)
                    consumed += length
                }
                let flush = consumed == input.count ? Z_FINISH : Z_NO_FLUSH
                scratch.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress!
                    stream.pointee.avail_out = uInt(chunk)
                    let result = deflate(stream, flush)
                    output.append(contentsOf: out[0..<(chunk - Int(stream.pointee.avail_out))])
                    finished = result == Z_STREAM_END
                }
            }
        }
        return output
    }
}

/// A streaming inflater that hands out exactly as many bytes as asked for,
/// so callers can read a header, check its sizes, and only then allocate.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var consumed = 0
    private let source: String
    private let what: String
    /// Whether the compressed stream has reached its end marker (and checksum).
    private(set) var isFinished = false
    /// How many bytes have been produced so far.
    private(set) var produced = 0

    /// - Parameters:
    ///   - source: the file name used in error messages.
    ///   - what: what the stream is, e.g. "gzip data" or "PNG image data".
    init<C: Collection>(_ bytes: C, format: Zlib.Format, source: String, what: String) throws where C.Element == UInt8 {
        self.source = source
        self.what = what
        input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = input.initialize(from: bytes)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        consumed = bytes.count
        if status != Z_OK {
            stream.deinitialize(count: 1)
            stream.deallocate()
            input.deallocate()
            throw DatasetError(file: source, problem: "cannot start zlib inflate (status \(status))")
        }
        inputCount = bytes.count
        consumed = 0
    }

    private var inputCount = 0

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    private func refill() {
        if stream.pointee.avail_in == 0, consumed < inputCount {
            let length = min(inputCount - consumed, 1 << 30)
            stream.pointee.next_in = input.baseAddress! + consumed
            stream.pointee.avail_in = uInt(length)
            consumed += length
        }
    }

    private var inputExhausted: Bool { stream.pointee.avail_in == 0 && consumed == inputCount }

    private func failure(_ status: Int32) -> DatasetError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        return DatasetError(file: source, problem: "corrupt \(what): \(message)")
    }

    /// Inflates into `buffer` until it is full or the stream ends; returns the count written.
    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < buffer.count, !isFinished {
            refill()
            let length = min(buffer.count - written, 1 << 30)
            stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + written
            stream.pointee.avail_out = uInt(length)
            let status = CSystemZlib.inflate(stream, Z_NO_FLUSH)
            let made = length - Int(stream.pointee.avail_out)
            written += made
            switch status {
            case Z_STREAM_END:
                isFinished = true
            case Z_OK:
                break
            case Z_BUF_ERROR:
                if inputExhausted {
                    throw DatasetError(
                        file: source,
                        problem: "\(what) is truncated: the compressed stream ends early after \(produced + written) bytes")
                }
                if made == 0 { throw failure(status) }
            default:
                throw failure(status)
            }
        }
        produced += written
        return written
    }

    /// Exactly `count` inflated bytes, or an error if the stream holds fewer.
    /// The caller bounds `count` before calling.
    func read(_ count: Int) throws -> [UInt8] {
        if count <= 0 { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let written = try bytes.withUnsafeMutableBytes { try inflate(into: $0) }
        if written < count {
            throw DatasetError(
                file: source,
                problem: "\(what) is too short: it holds \(produced) bytes, expected at least \(produced - written + count)")
        }
        return bytes
    }

    /// Checks that the stream ends here, with its checksum intact and no further data.
    func expectEnd() throws {
        if isFinished { return }
        var scratch: UInt8 = 0
        let extra = try withUnsafeMutableBytes(of: &scratch) { try inflate(into: $0) }
        if extra > 0 {
            throw DatasetError(file: source, problem: "\(what) holds more bytes than its header describes")
        }
        if !isFinished {
            throw DatasetError(file: source, problem: "\(what) is truncated: the compressed stream has no end marker")
        }
    }
}
