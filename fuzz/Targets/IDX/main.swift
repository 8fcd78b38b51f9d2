// Fuzz target: IDX.decode on raw and gzip input — magic, rank, dimensions,
// the element-count limit, truncation and trailing bytes, gzip inflate.
// Each input is decoded as it is (raw, or malformed gzip when it starts
// with the gzip magic) and again wrapped in a valid gzip stream, so the
// gzip path sees well-formed streams of arbitrary IDX content.
import CSystemZlib
import Datasets

/// `bytes` as a gzip stream, compressed with the system zlib.
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    guard
        deflateInit2_(
            &stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { return [] }
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let written: Int = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            return outBuffer.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<written])
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for bytes in [input, gzip(input)] {
        if let array = try? IDX.decode(bytes, source: "fuzz") {
            precondition(array.dimensions.reduce(1, *) == array.bytes.count)
        }
        _ = try? IDX.decode(bytes, source: "fuzz", expectedMagic: IDX.imageMagic)
    }
    return 0
}
