// Fuzz target: PNG.decode (chunk walk, IHDR, PLTE/tRNS, zlib inflate, filters,
// Adam7, unpacking). Chunk CRCs are recomputed before decoding so that
// mutations reach the code behind the CRC check; the unmodified input is
// decoded too, so the CRC check itself is still exercised.
import CSystemZlib
import Datasets

/// Rewrites the CRC of every complete chunk so the decoder accepts the chunk.
func withFixedChunkCRCs(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var offset = 8
    while bytes.count - offset >= 12 {
        let length =
            Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
        guard bytes.count - offset - 12 >= length else { break }
        let crc = bytes[(offset + 4)..<(offset + 8 + length)].withUnsafeBufferPointer { chunk in
            UInt32(truncatingIfNeeded: crc32(0, chunk.baseAddress, uInt(chunk.count)))
        }
        let at = offset + 8 + length
        bytes[at] = UInt8(crc >> 24)
        bytes[at + 1] = UInt8((crc >> 16) & 0xFF)
        bytes[at + 2] = UInt8((crc >> 8) & 0xFF)
        bytes[at + 3] = UInt8(crc & 0xFF)
        offset += length + 12
    }
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limit so that valid-but-large headers are refused quickly instead of slowing the run.
    let limits = PNG.Limits(maximumPixels: 1 << 20)
    if let image = try? PNG.decode(withFixedChunkCRCs(input), limits: limits) {
        precondition(image.width > 0 && image.height > 0)
    }
    _ = try? PNG.decode(input, limits: limits)
    return 0
}
