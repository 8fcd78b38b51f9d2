import Foundation
import Tensors
import XCTest
@testable import Diffusion
@_exported import TestSupport

/// Asserts that `body` throws a `DiffusionError` whose description contains `fragment`.
func assertThrowsDiffusionError<T>(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning '\(fragment)'", file: file, line: line)
    } catch let error as DiffusionError {
        XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' does not mention '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
