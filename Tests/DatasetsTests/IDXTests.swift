@testable import Datasets
import XCTest

final class IDXTests: XCTestCase {
    private func header(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        PNG.appendBigEndian(magic, to: &out)
        for d in dims { PNG.appendBigEndian(d, to: &out) }
        return out
    }

    func testRawAndGzipRoundTrip() throws {
        let array = try IDXArray(dimensions: [3, 2, 4], bytes: (0..<24).map { UInt8($0 * 10) })
        XCTAssertEqual(try IDX.decode(IDX.encode(array), source: "raw"), array)
        XCTAssertEqual(try IDX.decode(IDX.encodeGzip(array), source: "gz", expectedMagic: IDX.imageMagic), array)
        let labels = try IDXArray(dimensions: [5], bytes: [1, 2, 3, 4, 5])
        XCTAssertEqual(try IDX.decode(IDX.encodeGzip(labels), source: "gz", expectedMagic: IDX.labelMagic), labels)
    }

    func testReadsFromFileAndNamesItInErrors() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("images.gz").path
        let array = try IDXArray(dimensions: [2, 2, 2], bytes: [0, 1, 2, 3, 4, 5, 6, 7])
        try FileAccess.writeAtomically(IDX.encodeGzip(array), toPath: path)
        XCTAssertEqual(try IDX.readImages(contentsOfFile: path), array)
        assertDatasetError([path, "0x00000803", "expected 0x00000801"]) { try IDX.readLabels(contentsOfFile: path) }
        assertDatasetError([folder.path + "/missing.gz", "no such file"]) {
            try IDX.read(contentsOfFile: folder.path + "/missing.gz")
        }
        assertDatasetError([folder.path, "is a directory"]) { try IDX.read(contentsOfFile: folder.path) }
    }

    func testWrongMagicIsNamed() {
        assertDatasetError(["f.idx", "wrong IDX magic number 0x00000d03"]) {
            try IDX.decode(header(0x0000_0D03, [1, 1, 1]) + [0], source: "f.idx")
        }
        assertDatasetError(["f.idx", "wrong IDX magic number 0x89504e47"]) {
            try IDX.decode(PNG.signature + [0, 0, 0, 0], source: "f.idx")
        }
    }

    func testTruncatedAndOversizedData() {
        assertDatasetError(["f", "truncated", "IDX header"]) { try IDX.decode([0, 0, 8], source: "f") }
        assertDatasetError(["f", "truncated", "IDX dimensions"]) { try IDX.decode([0, 0, 8, 3, 0, 0, 0, 1], source: "f") }
        assertDatasetError(["f", "need 12 bytes", "more than this"]) {
            try IDX.decode(header(0x803, [3, 2, 2]) + [UInt8](repeating: 0, count: 11), source: "f")
        }
        assertDatasetError(["f", "1 unexpected bytes"]) {
            try IDX.decode(header(0x803, [3, 2, 2]) + [UInt8](repeating: 0, count: 13), source: "f")
        }
        let gzTooShort = Zlib.compress(header(0x803, [3, 2, 2]) + [UInt8](repeating: 0, count: 11), format: .gzip)
        assertDatasetError(["f.gz", "too short"]) { try IDX.decode(gzTooShort, source: "f.gz") }
        let gzTooLong = Zlib.compress(header(0x803, [3, 2, 2]) + [UInt8](repeating: 0, count: 13), format: .gzip)
        assertDatasetError(["f.gz", "more bytes than"]) { try IDX.decode(gzTooLong, source: "f.gz") }
    }

    func testAbsurdDimensionsAreRefusedBeforeAllocating() {
        assertDatasetError(["f", "exceed the limit of 2^31"]) {
            try IDX.decode(header(0x803, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), source: "f")
        }
        assertDatasetError(["f", "more than this"]) {
            try IDX.decode(header(0x803, [60000, 28, 28]), source: "f")
        }
        let gz = Zlib.compress(header(0x803, [1 << 20, 64, 16]), format: .gzip)
        assertDatasetError(["f.gz", "more than this"]) { try IDX.decode(gz, source: "f.gz") }
    }

    func testEveryPrefixOfAGzipFileFailsCleanly() throws {
        let array = try IDXArray(dimensions: [4, 3, 3], bytes: (0..<36).map { UInt8($0) })
        let full = IDX.encodeGzip(array)
        for length in 0..<full.count {
            XCTAssertThrowsError(try IDX.decode(Array(full[0..<length]), source: "p")) { error in
                XCTAssertTrue(error is DatasetError)
            }
        }
    }
}
