@testable import Datasets
import Foundation
import XCTest

final class NPZTests: XCTestCase {
    private struct Expected: Decodable {
        let shape: [Int]
        let values: [Double]
    }

    private var folder: URL { DatasetTestSupport.fixtures.appendingPathComponent("npz") }

    func testReadsArchivesWrittenByNumPyCompressedOrNot() throws {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let expected = try JSONDecoder().decode([String: [String: Expected]].self, from: data)
        XCTAssertEqual(Set(expected.keys), ["stats.npz", "plain.npz"])
        for (file, arrays) in expected {
            let read = try NPZ.read(contentsOfFile: folder.appendingPathComponent(file).path)
            XCTAssertEqual(Set(read.keys), Set(arrays.keys), file)
            for (name, want) in arrays {
                let array = try NPY.decodeDoubles(try XCTUnwrap(read[name]), source: name)
                XCTAssertEqual(array.shape, want.shape, "\(file) \(name)")
                XCTAssertEqual(array.values, want.values, "\(file) \(name)")
            }
        }
    }

    func testFloat64RoundTripIsExact() throws {
        let temporary = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let mu = [0.1, -2.5e-300, .pi, 1e300]
        let sigma = (0..<16).map { Double($0) / 7 }
        let path = temporary.appendingPathComponent("stats.npz").path
        try NPZ.write(
            [("mu", try NPY.encode(shape: [4], doubles: mu)), ("sigma", try NPY.encode(shape: [4, 4], doubles: sigma))],
            toFile: path)
        let read = try NPZ.read(contentsOfFile: path)
        XCTAssertEqual(try NPY.decodeDoubles(try XCTUnwrap(read["mu"])).values, mu)
        let decoded = try NPY.decodeDoubles(try XCTUnwrap(read["sigma"]))
        XCTAssertEqual(decoded.shape, [4, 4])
        XCTAssertEqual(decoded.values, sigma)
    }

    func testRefusesAnArchiveThatUnpacksBeyondTheLimit() throws {
        let temporary = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let path = temporary.appendingPathComponent("large.npz").path
        try NPZ.write([("zeros", try NPY.encode(shape: [1000], doubles: [Double](repeating: 0, count: 1000)))], toFile: path)
        XCTAssertLessThan(try Data(contentsOf: URL(fileURLWithPath: path)).count, 1000, "deflated far below its unpacked size")
        XCTAssertEqual(try NPZ.read(contentsOfFile: path, maximumBytes: 10_000).count, 1)
        XCTAssertThrowsError(try NPZ.read(contentsOfFile: path, maximumBytes: 4_000)) { error in
            XCTAssertTrue("\(error)".contains("unpack to more than 4000 bytes"), "\(error)")
        }
    }

    func testRefusesWhatIsNotAnArchiveOrIsCutShort() throws {
        let temporary = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let whole = try Data(contentsOf: folder.appendingPathComponent("stats.npz"))
        for (name, bytes) in [("text.npz", Data("mu, sigma".utf8)), ("cut.npz", whole.prefix(whole.count / 2)), ("empty.npz", Data())] {
            let url = temporary.appendingPathComponent(name)
            try bytes.write(to: url)
            XCTAssertThrowsError(try NPZ.read(contentsOfFile: url.path), name) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(name), message)
                XCTAssertTrue(message.contains(".npz"), message)
            }
        }
    }
}
