import XCTest

/// Asserts `|a − b| ≤ tolerance · max(1, |b|)` elementwise (and equal counts).
public func assertClose(
    _ actual: [Float], _ expected: [Double], tolerance: Double = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    for i in 0..<min(actual.count, expected.count) {
        let scale = max(1, abs(expected[i]))
        if abs(Double(actual[i]) - expected[i]) > tolerance * scale {
            XCTFail("\(message) [\(i)]: \(actual[i]) vs \(expected[i]) (tolerance \(tolerance) × \(scale))", file: file, line: line)
            return
        }
    }
}
