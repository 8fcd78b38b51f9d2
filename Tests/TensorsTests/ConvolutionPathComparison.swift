import XCTest

/// Checks that a fast convolution path gives what the im2col path gives:
/// output, input, weight and bias gradients, each within 1e-4 relative (to
/// magnitudes of at least 1).
enum ConvolutionPathComparison {
    static let parts = ["output", "input gradient", "weight gradient", "bias gradient"]

    static func assertMatch(_ fast: [[Float]], _ reference: [[Float]], _ context: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        for (part, name) in parts.enumerated() {
            XCTAssertEqual(fast[part].count, reference[part].count, "\(context) \(name)", file: file, line: line)
            var worst: Float = 0
            for i in 0..<Swift.min(fast[part].count, reference[part].count) {
                let scale = Swift.max(1, Swift.abs(reference[part][i]))
                worst = Swift.max(worst, Swift.abs(fast[part][i] - reference[part][i]) / scale)
            }
            XCTAssertLessThan(worst, 1e-4, "\(context) \(name)", file: file, line: line)
        }
    }
}
