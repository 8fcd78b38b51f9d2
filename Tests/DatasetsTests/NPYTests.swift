@testable import Datasets
import Foundation
import Tensors
import XCTest

final class NPYTests: XCTestCase {
    private struct Expected: Decodable {
        let shape: [Int]
        let values: [Double]
    }

    private var npyFolder: URL { DatasetTestSupport.fixtures.appendingPathComponent("npy") }

    func testReadsFilesWrittenByNumPy() throws {
        let data = try Data(contentsOf: npyFolder.appendingPathComponent("expected.json"))
        let expected = try JSONDecoder().decode([String: Expected].self, from: data)
        XCTAssertEqual(expected.count, 7)
        for (name, want) in expected {
            let tensor = try NPY.read(contentsOfFile: npyFolder.appendingPathComponent(name).path)
            XCTAssertEqual(tensor.shape, want.shape, name)
            XCTAssertEqual(tensor.scalars, want.values.map { Float($0) }, name)
        }
    }

    func testWriteReadRoundTripAndHeaderLayout() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for shape in [[2, 3, 4], [5], [], [0, 3], [1, 1, 28, 28]] {
            let n = shape.reduce(1, *)
            let tensor = Tensor(shape: shape, scalars: (0..<n).map { Float($0) * 0.37 - 3 })
            let path = folder.appendingPathComponent("t.npy").path
            try NPY.write(tensor, toFile: path)
            let bytes = try FileAccess.readBytes(atPath: path)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0)
            XCTAssertEqual(bytes[10 + headerLength - 1], UInt8(ascii: "\n"))
            XCTAssertEqual(bytes.count, 10 + headerLength + 4 * n)
            let back = try NPY.read(contentsOfFile: path)
            XCTAssertEqual(back.shape, shape)
            XCTAssertEqual(back.scalars, tensor.scalars)
        }
        let header = String(decoding: try NPY.encode(Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]))[10..<74], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), header)
    }

    private func file(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let bytes = Array(header.utf8)
        return NPY.magic + [version, 0, UInt8(bytes.count & 0xFF), UInt8(bytes.count >> 8)] + bytes + data
    }

    func testBadFiles() {
        assertDatasetError(["x.npy", "not a .npy file"]) { try NPY.decode(Array("hello world".utf8), source: "x.npy") }
        assertDatasetError(["version 4.0"]) { try NPY.decode(file(header: "{}", data: [], version: 4), source: "x") }
        assertDatasetError(["truncated", "header claims"]) {
            try NPY.decode(NPY.magic + [1, 0, 0xFF, 0x00] + Array("{'descr'".utf8), source: "x")
        }
        assertDatasetError(["element type '<i8'"]) {
            try NPY.decode(
                file(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: 8)),
                source: "x")
        }
        assertDatasetError(["needs 16 bytes of data, the file holds 12"]) {
            try NPY.decode(
                file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data: [UInt8](repeating: 0, count: 12)),
                source: "x")
        }
        assertDatasetError(["exceeds the limit of 2^31"]) {
            try NPY.decode(
                file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", data: [0, 0, 0, 0]), source: "x")
        }
        assertDatasetError(["exceeds the limit"]) {
            try NPY.decode(
                file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", data: []),
                source: "x")
        }
        assertDatasetError(["malformed .npy header"]) {
            try NPY.decode(file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", data: []), source: "x")
        }
        assertDatasetError(["malformed .npy header"]) {
            try NPY.decode(file(header: "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", data: [0, 0, 0, 0]), source: "x")
        }
        assertDatasetError(["lacks descr"]) {
            try NPY.decode(file(header: "{'descr': '<f4', 'shape': (1,), }", data: [0, 0, 0, 0]), source: "x")
        }
        assertDatasetError(["malformed"]) {
            try NPY.decode(file(header: "{'descr': '<f4', 'shape': (99999999999999999999999,), }", data: []), source: "x")
        }
    }

    func testEveryPrefixAndRandomDamageFailCleanly() throws {
        let valid = try NPY.encode(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        for length in 0..<valid.count {
            XCTAssertThrowsError(try NPY.decode(Array(valid[0..<length]), source: "p"))
        }
        var generator = RandomSource(seed: 4)
        for _ in 0..<500 {
            var bytes = valid
            for _ in 0..<3 { bytes[generator.next() % 80] = UInt8(truncatingIfNeeded: generator.next()) }
            do {
                let t = try NPY.decode(bytes, source: "p")
                XCTAssertEqual(t.count, t.shape.reduce(1, *))
            } catch {
                XCTAssertTrue(error is DatasetError)
            }
        }
    }
}
