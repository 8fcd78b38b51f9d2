import Foundation
import NN
import Tensors
import XCTest
@_exported import TestSupport

/// The folder of committed fixtures.
let fixturesURL: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

/// Asserts that `body` throws a `SafetensorsError` of `kind` whose message contains `fragment`.
func assertSafetensorsError(
    _ kind: SafetensorsError.Kind, _ fragment: String,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
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
