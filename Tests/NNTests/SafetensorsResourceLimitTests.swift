import Foundation
import NN
import XCTest

/// Small safetensors files whose headers claim absurd tensors are refused
/// while the header is checked, before any tensor memory is allocated.
final class SafetensorsResourceLimitTests: XCTestCase {
    private func file(_ header: String, dataBytes: Int = 0) -> Data {
        var out = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return out
    }

    func testTinyFileClaimingA2To40ElementTensorIsRefused() {
        // 2^40 F32 elements would be 4 TiB; the file holds 4 data bytes.
        let data = file(#"{"t":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4]}}"#, dataBytes: 4)
        XCTAssertLessThan(data.count, 100)
        assertSafetensorsError(.badOffsets, "needs 4398046511104 bytes") { _ = try SafetensorsFile(data: data) }
    }

    func testOffsetsClaimingTerabytesPastTheEndAreRefused() {
        let data = file(#"{"t":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}"#)
        assertSafetensorsError(.badOffsets, "run past") { _ = try SafetensorsFile(data: data) }
    }

    func testManyHugeDimensionsOverflowingIntAreRefused() {
        let data = file(#"{"t":{"dtype":"F64","shape":[2147483648,2147483648,2147483648],"data_offsets":[0,0]}}"#)
        assertSafetensorsError(.badShape, "too many elements") { _ = try SafetensorsFile(data: data) }
    }

    func testHeaderLengthOfTerabytesIsRefusedWithoutReadingIt() {
        var data = Data([0, 0, 0, 0, 0, 1, 0, 0])  // 2^40 little-endian
        data.append(contentsOf: Array("{}".utf8))
        assertSafetensorsError(.headerTooLarge, "exceeds") { _ = try SafetensorsFile(data: data) }
    }
}
