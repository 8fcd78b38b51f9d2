import Foundation
import XCTest

@testable import QualityMetrics

/// Improved precision and recall against the reference logic in numpy
/// (`tools/make_precision_recall_fixture.py`), and its edge cases.
final class PrecisionRecallTests: XCTestCase {
    struct Fixture: Decodable {
        let dimension: Int
        let k: Int
        let real: [Float]
        let generated: [Float]
        let precision: Double
        let recall: Double
    }

    func testMatchesTheReferenceLogic() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/precision_recall.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let result = try PrecisionRecall.between(real: f.real, generated: f.generated, dimension: f.dimension, k: f.k)
        XCTAssertEqual(result.precision, f.precision, accuracy: 1e-12)
        XCTAssertEqual(result.recall, f.recall, accuracy: 1e-12)
        XCTAssertGreaterThan(result.precision, result.recall, "a narrow, shifted set: its samples look real, it covers little")
    }

    func testASetAgainstItselfIsPerfectAndSmallSetsAreRefused() throws {
        let points: [Float] = [0, 0, 1, 0, 0, 1, 1, 1, 2, 2]
        let same = try PrecisionRecall.between(real: points, generated: points, dimension: 2)
        XCTAssertEqual(same, PrecisionRecall.Result(precision: 1, recall: 1, k: 3))
        XCTAssertThrowsError(try PrecisionRecall.between(real: points, generated: [0, 0, 1, 1], dimension: 2)) {
            XCTAssertTrue("\($0)".contains("more than 3 vectors"), "\($0)")
        }
        XCTAssertThrowsError(try PrecisionRecall.between(real: points, generated: points, dimension: 3))
    }
}
