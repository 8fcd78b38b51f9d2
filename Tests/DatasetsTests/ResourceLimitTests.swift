@testable import Datasets
import XCTest

/// Headers of images, IDX and NPY files that claim absurd sizes are refused
/// before the pixel or element buffers are allocated.
final class ResourceLimitTests: XCTestCase {
    func testPNGOf100000By100000PixelsIsRefused() {
        // 10^10 RGBA pixels: 40 GB of samples at 8 bits, refused by the pixel limit.
        let png = DatasetTestSupport.png(width: 100_000, height: 100_000, colorType: 6, raw: [0, 0, 0, 0, 0])
        XCTAssertLessThan(png.count, 100)
        assertDatasetError(["huge.png", "100000×100000", "exceeds the limit"]) { try PNG.decode(png, source: "huge.png") }
    }

    func testPNGWithinThePixelLimitButWithTooLittleDataIsRefused() {
        // 8192 × 8192 is allowed, but 30 bytes of deflate data cannot inflate to 200 MB.
        let png = DatasetTestSupport.png(width: 8192, height: 8192, colorType: 6, raw: [0, 1, 2, 3, 4, 5])
        assertDatasetError(["big.png", "cannot hold"]) { try PNG.decode(png, source: "big.png") }
    }

    private func idxHeader(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        PNG.appendBigEndian(magic, to: &out)
        for d in dims { PNG.appendBigEndian(d, to: &out) }
        return out
    }

    func testIDXClaiming2To31ImagesIsRefused() {
        let raw = idxHeader(IDX.imageMagic, [1 << 31, 28, 28])
        assertDatasetError(["x.idx", "exceed the limit of 2^31"]) { try IDX.decode(raw, source: "x.idx") }
        let labels = idxHeader(IDX.labelMagic, [1 << 31])
        assertDatasetError(["y.idx", "more than this"]) { try IDX.decode(labels, source: "y.idx") }
        let gzip = Zlib.compress(idxHeader(IDX.labelMagic, [1 << 31]) + [1, 2, 3], format: .gzip)
        assertDatasetError(["y.idx.gz", "more than this"]) { try IDX.decode(gzip, source: "y.idx.gz") }
    }

    private func npy(_ header: String, data: [UInt8] = []) -> [UInt8] {
        var text = header
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let length = text.utf8.count
        return NPY.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8) + data
    }

    func testNPYWithAGiantShapeIsRefused() {
        assertDatasetError(["g.npy", "exceeds the limit of 2^31"]) {
            try NPY.decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536, 65536), }"), source: "g.npy")
        }
        assertDatasetError(["g.npy", "needs 8589934592 bytes"]) {
            try NPY.decode(
                npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2147483648,), }", data: [0, 0, 0, 0]),
                source: "g.npy")
        }
        let manyAxes = "(" + String(repeating: "1, ", count: 40) + ")"
        assertDatasetError(["g.npy", "at most 32"]) {
            try NPY.decode(npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(manyAxes), }"), source: "g.npy")
        }
    }
}
