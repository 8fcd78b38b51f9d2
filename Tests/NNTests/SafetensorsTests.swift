import Foundation
import NN
import Tensors
import XCTest

final class SafetensorsTests: XCTestCase {
    private var folder: URL { fixturesURL.appendingPathComponent("safetensors") }

    func testRoundTripInMemoryKeepsEveryBitShapeAndMetadata() throws {
        var rng = RandomGenerator(seed: 3)
        let tensors: [String: Tensor] = [
            "down_blocks.0.resnets.1.conv1.weight": Tensor.randn([4, 3, 3, 3], generator: &rng),
            "down_blocks.0.resnets.1.conv1.bias": Tensor.randn([4], generator: &rng),
            "scalar": Tensor(-0.0),
            "empty": Tensor.zeros([0, 5]),
            "specials": Tensor([.infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1]),
        ]
        let metadata = ["format": "pt", "unicode ✓": "line\nbreak \"quoted\" \\ \u{01}"]
        let data = try SafetensorsWriter.encode(tensors, metadata: metadata)
        XCTAssertEqual(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8, 0, "header padded to 8 bytes")
        let file = try SafetensorsFile(data: data)
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.names, tensors.keys.sorted())
        for (name, tensor) in tensors {
            let read = try file.tensor(named: name)
            XCTAssertEqual(read.shape, tensor.shape, name)
            XCTAssertEqual(read.scalars.map(\.bitPattern), tensor.scalars.map(\.bitPattern), name)
            XCTAssertEqual(file.entries[name]?.dtype, .f32)
        }
    }

    func testWriteIsAtomicReplacesAnExistingFileAndLeavesNoTemporary() throws {
        let directory = try makeTemporaryFolder("NNTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(["a": Tensor([1, 2, 3])], to: url)
        try SafetensorsWriter.write(["b": Tensor([4, 5])], metadata: ["step": "2"], to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.safetensors"])
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(file.names, ["b"])
        XCTAssertEqual(file.metadata, ["step": "2"])
        XCTAssertEqual(try file.tensor(named: "b").scalars, [4, 5])
    }

    func testMetadataIsReadFromTheHeaderAlone() throws {
        let directory = try makeTemporaryFolder("NNTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("state.safetensors")
        let metadata = ["step": "12", "configuration": "{\"steps\": 300}"]
        try SafetensorsWriter.write(["w": Tensor([1, 2, 3, 4])], metadata: metadata, to: url)
        XCTAssertEqual(try SafetensorsFile.metadata(ofFileAt: url), metadata)
        try SafetensorsWriter.write(["w": Tensor([1])], to: url)
        XCTAssertEqual(try SafetensorsFile.metadata(ofFileAt: url), [:])
        // A file cut inside its header, and a header that is not JSON, are refused.
        let whole = try Data(contentsOf: url)
        try whole.prefix(12).write(to: url)
        assertSafetensorsError(.truncated, "runs past") { _ = try SafetensorsFile.metadata(ofFileAt: url) }
        try (whole.prefix(8) + Data(repeating: UInt8(ascii: "x"), count: whole.count - 8)).write(to: url)
        assertSafetensorsError(.badHeader, "JSON") { _ = try SafetensorsFile.metadata(ofFileAt: url) }
        // Metadata that is not a map of strings to strings is refused, as the full reader refuses it.
        let json = Data(#"{"__metadata__": {"step": 3}}"#.utf8)
        var length = UInt64(json.count).littleEndian
        try (Data(bytes: &length, count: 8) + json).write(to: url)
        assertSafetensorsError(.badHeader, "JSON") { _ = try SafetensorsFile.metadata(ofFileAt: url) }
        assertSafetensorsError(.badHeader, "JSON") { _ = try SafetensorsFile(contentsOf: url) }
        assertSafetensorsError(.io, "cannot open") {
            _ = try SafetensorsFile.metadata(ofFileAt: directory.appendingPathComponent("missing.safetensors"))
        }
    }

    func testWriteIntoAMissingDirectoryThrows() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.safetensors")
        assertSafetensorsError(.io, "temporary") { try SafetensorsWriter.write(["a": Tensor([1])], to: url) }
    }

    func testWriterRefusesReservedName() {
        assertSafetensorsError(.invalidName, "__metadata__") {
            _ = try SafetensorsWriter.encode(["__metadata__": Tensor([1])])
        }
    }

    func testReadsFileWrittenByPythonSafetensorsIncludingHalfAndBFloat16() throws {
        struct Expected: Decodable { var dtype: String; var shape: [Int]; var bits: [UInt32] }
        let expected = try JSONDecoder().decode(
            [String: Expected].self,
            from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let file = try SafetensorsFile(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(Set(file.names), Set(expected.keys).union(["label.ids"]))
        for (name, want) in expected {
            let tensor = try file.tensor(named: name)
            XCTAssertEqual(file.entries[name]?.dtype.rawValue, want.dtype, name)
            XCTAssertEqual(tensor.shape, want.shape, name)
            for (i, (got, bits)) in zip(tensor.scalars, want.bits).enumerated() {
                let wanted = Float(bitPattern: bits)
                if wanted.isNaN {
                    XCTAssertTrue(got.isNaN, "\(name)[\(i)]")
                } else {
                    XCTAssertEqual(got.bitPattern, bits, "\(name)[\(i)]: \(got) vs \(wanted)")
                }
            }
        }
        XCTAssertEqual(file.entries["label.ids"]?.dtype, .i64)
        assertSafetensorsError(.unsupportedDType, "I64") { _ = try file.tensor(named: "label.ids") }
        assertSafetensorsError(.missingTensor, "nope") { _ = try file.tensor(named: "nope") }
    }

    func testWriterProducesTheSameBytesAsPythonSafetensors() throws {
        let python = try Data(contentsOf: folder.appendingPathComponent("f32_only.safetensors"))
        let file = try SafetensorsFile(data: python)
        let swift = try SafetensorsWriter.encode(try file.tensors(), metadata: file.metadata)
        XCTAssertEqual(swift, python)
    }

    func testHalfConversionOfEveryBitPattern() {
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x3C00), 1)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0xC000), -2)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x7BFF), 65504)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x0001), 0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x03FF), 1023 * 0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x8000).bitPattern, (-Float(0)).bitPattern)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0xFC00), -.infinity)
        XCTAssertTrue(HalfPrecision.float(fromHalfBits: 0x7E00).isNaN)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: 0x3F80), 1)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: 0xC049), -3.140625)
        // Exhaustive, against an independent decoding: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14 · m/1024.
        for bits in 0...UInt16.max {
            let s = bits >> 15, e = Int((bits >> 10) & 0x1F), m = Double(bits & 0x3FF)
            let got = HalfPrecision.float(fromHalfBits: bits)
            if e == 31 {
                XCTAssertEqual(got.isNaN, m != 0, "bits \(bits)")
                if m == 0 { XCTAssertEqual(got, s == 1 ? -.infinity : .infinity) }
                continue
            }
            let magnitude = e == 0 ? m / 1024 * 0x1p-14 : (1 + m / 1024) * Foundation.pow(2, Double(e - 15))
            let want = s == 1 ? -magnitude : magnitude
            if Double(got) != want || got.sign != (s == 1 ? .minus : .plus) {
                XCTFail("half bits \(bits): \(got) vs \(want)")
                return
            }
        }
    }

    // MARK: - Malformed files

    /// A file with `header` as its JSON and `dataLength` zero bytes of data.
    private func file(header: String, dataLength: Int, declaredLength: UInt64? = nil) -> Data {
        let json = Data(header.utf8)
        var length = (declaredLength ?? UInt64(json.count)).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        data.append(Data(count: dataLength))
        return data
    }

    private func entry(_ name: String, _ dtype: String = "F32", shape: String, offsets: String) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    func testRejectsTooShortFile() {
        assertSafetensorsError(.truncated, "too short") { _ = try SafetensorsFile(data: Data([1, 0, 0])) }
    }

    func testRejectsHugeHeaderLength() {
        assertSafetensorsError(.headerTooLarge, "exceeds") {
            _ = try SafetensorsFile(data: self.file(header: "{}", dataLength: 0, declaredLength: 100_000_001))
        }
        assertSafetensorsError(.headerTooLarge, "exceeds") {
            _ = try SafetensorsFile(data: self.file(header: "{}", dataLength: 0, declaredLength: .max))
        }
    }

    func testRejectsHeaderLongerThanFile() {
        assertSafetensorsError(.truncated, "past the end") {
            _ = try SafetensorsFile(data: self.file(header: "{}", dataLength: 0, declaredLength: 50))
        }
    }

    func testRejectsBadJSON() {
        for header in [
            "{not json", "[1, 2]", "{\"a\": 3}", "{\"__metadata__\": {\"k\": 1}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,4]}}",
        ] {
            assertSafetensorsError(.badHeader, "not valid") {
                _ = try SafetensorsFile(data: self.file(header: header, dataLength: 4))
            }
        }
    }

    func testRejectsUnknownDType() {
        assertSafetensorsError(.unknownDType, "'F7'") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", "F7", shape: "[1]", offsets: "[0,4]") + "}",
                    dataLength: 4))
        }
    }

    func testRejectsNegativeAndOverflowingShapes() {
        assertSafetensorsError(.badShape, "negative") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", shape: "[-1,4]", offsets: "[0,4]") + "}",
                    dataLength: 4))
        }
        assertSafetensorsError(.badShape, "too many") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", shape: "[4294967296,4294967296]", offsets: "[0,4]") + "}", dataLength: 4))
        }
        assertSafetensorsError(.badShape, "too large") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", shape: "[4611686018427387904]", offsets: "[0,4]") + "}", dataLength: 4))
        }
    }

    func testRejectsSpanThatDisagreesWithShape() {
        assertSafetensorsError(.badOffsets, "needs 8 bytes") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", shape: "[2]", offsets: "[0,4]") + "}",
                    dataLength: 4))
        }
        assertSafetensorsError(.badOffsets, "needs 4 bytes") {
            _ = try SafetensorsFile(
                data: self.file(
                    header: "{" + self.entry("w", "BF16", shape: "[2]", offsets: "[0,6]") + "}",
                    dataLength: 6))
        }
    }

    func testRejectsMalformedOffsets() {
        let cases: [(String, Int, String)] = [
            (entry("w", shape: "[1]", offsets: "[0,4,8]"), 8, "must be [begin, end]"),
            (entry("w", shape: "[0]", offsets: "[4,0]"), 4, "reversed"),
            (entry("w", shape: "[1]", offsets: "[-4,0]"), 4, "reversed or negative"),
            (entry("w", shape: "[2]", offsets: "[0,8]"), 4, "run past"),
            (entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[4,12]"), 12, "overlaps"),
            (entry("a", shape: "[1]", offsets: "[0,4]") + "," + entry("b", shape: "[1]", offsets: "[8,12]"), 12, "belong to no tensor"),
            (entry("a", shape: "[1]", offsets: "[0,4]"), 12, "cover 4"),
        ]
        for (body, length, fragment) in cases {
            assertSafetensorsError(.badOffsets, fragment) {
                _ = try SafetensorsFile(data: self.file(header: "{" + body + "}", dataLength: length))
            }
        }
    }

    func testRejectsTruncatedData() throws {
        let full = try SafetensorsWriter.encode(["a": Tensor([1, 2, 3]), "b": Tensor([4, 5])])
        assertSafetensorsError(.badOffsets, "run past") { _ = try SafetensorsFile(data: full.dropLast(3)) }
    }

    func testMissingFileIsAnIOError() {
        assertSafetensorsError(.io, "cannot read") {
            _ = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString).safetensors"))
        }
    }

    func testErrorsNameTheFile() throws {
        let directory = try makeTemporaryFolder("NNTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.safetensors")
        try file(header: "{oops", dataLength: 0).write(to: url)
        XCTAssertThrowsError(try SafetensorsFile(contentsOf: url)) { error in
            XCTAssertTrue(String(describing: error).contains("bad.safetensors"), "\(error)")
        }
    }
}
