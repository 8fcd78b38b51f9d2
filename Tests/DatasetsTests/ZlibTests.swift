@testable import Datasets
import XCTest

final class ZlibTests: XCTestCase {
    func testCRC32OfKnownString() {
        XCTAssertEqual(Zlib.crc32(Array("123456789".utf8)[...]), 0xCBF4_3926)
        XCTAssertEqual(Zlib.crc32([][...]), 0)
    }

    func testCompressInflateRoundTripBothFormats() throws {
        var generator = 12345 as UInt32
        let bytes: [UInt8] = (0..<100_000).map { i in
            generator = generator &* 1_664_525 &+ 1_013_904_223
            return i % 3 == 0 ? UInt8(truncatingIfNeeded: generator >> 24) : UInt8(i % 7)
        }
        for format in [Zlib.Format.zlib, .gzip] {
            let compressed = Zlib.compress(bytes, format: format)
            XCTAssertEqual(Zlib.isGzip(compressed), format == .gzip)
            let inflater = try Inflater(compressed, format: format, source: "t", what: "data")
            var out = try inflater.read(1000)
            out += try inflater.read(bytes.count - 1000)
            try inflater.expectEnd()
            XCTAssertEqual(out, bytes)
        }
    }

    func testInflateRefusesShortTruncatedAndLongStreams() throws {
        let bytes = [UInt8](repeating: 7, count: 5000) + (0..<255).map(UInt8.init)
        let compressed = Zlib.compress(bytes, format: .gzip)
        assertDatasetError(["t.gz", "too short"]) {
            try Inflater(compressed, format: .gzip, source: "t.gz", what: "gzip data").read(bytes.count + 1)
        }
        assertDatasetError(["t.gz", "truncated"]) {
            try Inflater(compressed.dropLast(20), format: .gzip, source: "t.gz", what: "gzip data").read(bytes.count)
        }
        assertDatasetError(["holds more bytes"]) {
            let inflater = try Inflater(compressed, format: .gzip, source: "t.gz", what: "gzip data")
            _ = try inflater.read(bytes.count - 1)
            try inflater.expectEnd()
        }
        var corruptChecksum = compressed
        corruptChecksum[corruptChecksum.count - 6] ^= 0xFF
        assertDatasetError(["t.gz", "corrupt gzip data"]) {
            let inflater = try Inflater(corruptChecksum, format: .gzip, source: "t.gz", what: "gzip data")
            _ = try inflater.read(bytes.count)
            try inflater.expectEnd()
        }
        assertDatasetError(["corrupt"]) {
            try Inflater([1, 2, 3, 4, 5, 6], format: .zlib, source: "x", what: "zlib data").read(10)
        }
    }
}
