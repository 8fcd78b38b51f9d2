import Foundation
import NN
import Tensors
import XCTest

/// The folder of committed fixtures.
let fixturesURL: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

/// A fresh empty directory under the temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("NNTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Asserts that `body` throws a `SafetensorsError` of `kind` whose message contains `fragment`.
func assertSafetensorsError(_ kind: SafetensorsError.Kind, _ fragment: String,
                            file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a \(kind) error containing '\(fragment)', nothing was thrown", file: file, line: line)
    } catch let error as SafetensorsError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("expected SafetensorsError, got \(error)", file: file, line: line)
    }
}

/// Asserts two float arrays agree within `tolerance` (absolute, scaled by magnitude above 1).
func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-6,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let scale = max(1, abs(e))
        if abs(Double(a) - e) > tolerance * scale {
            XCTFail("element \(i): \(a) vs expected \(e)", file: file, line: line)
            return
        }
    }
}
