@testable import Datasets
import Foundation
import XCTest
@_exported import TestSupport

/// Shared helpers for the Datasets tests: fixture paths, temporary folders, error checks.
enum DatasetTestSupport {
    /// The folder of committed fixtures.
    static var fixtures: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// A fresh empty temporary folder.
    static func temporaryFolder(_ name: String = #function) throws -> URL {
        try makeTemporaryFolder("DatasetsTests-" + name)
    }

    /// A PNG built from chunks, with correct CRCs.
    static func png(
        width: UInt32, height: UInt32, bitDepth: UInt8 = 8, colorType: UInt8 = 0,
        interlace: UInt8 = 0, raw: [UInt8]?, before: [(String, [UInt8])] = [],
        idat: [UInt8]? = nil
    ) -> [UInt8] {
        var out = PNG.signature
        var ihdr: [UInt8] = []
        PNG.appendBigEndian(width, to: &ihdr)
        PNG.appendBigEndian(height, to: &ihdr)
        ihdr += [bitDepth, colorType, 0, 0, interlace]
        PNG.appendChunk("IHDR", ihdr, to: &out)
        for (type, data) in before { PNG.appendChunk(type, data, to: &out) }
        if let idat { PNG.appendChunk("IDAT", idat, to: &out) }
        if let raw { PNG.appendChunk("IDAT", Zlib.compress(raw), to: &out) }
        PNG.appendChunk("IEND", [], to: &out)
        return out
    }
}

/// Asserts that `body` throws a `DatasetError` whose message contains every fragment.
func assertDatasetError<T>(
    _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as DatasetError {
        for fragment in fragments {
            XCTAssertTrue(
                error.description.contains(fragment),
                "error \"\(error.description)\" does not contain \"\(fragment)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
    }
}
