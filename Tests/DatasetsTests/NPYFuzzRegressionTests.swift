@testable import Datasets
import XCTest

/// Inputs found by fuzzing NPY.decode (fuzz/README.md) that trapped before the fix.
final class NPYFuzzRegressionTests: XCTestCase {
    /// The crashing file as the fuzzer wrote it (Fixtures/fuzz): a Fortran-order empty
    /// array of shape (0, 26666666, 66666666, 6, 6640992990). Its element count is 0,
    /// but the tensor is built with the shape reversed, whose running product overflowed Int.
    func testFortranOrderEmptyArrayWithHugeDimensionsIsRefused() throws {
        let path = DatasetTestSupport.fixtures.appendingPathComponent("fuzz/npy-fortran-empty-huge-shape.npy").path
        assertDatasetError(["npy-fortran-empty-huge-shape.npy", "exceeds the limit of 2^31"]) { try NPY.read(contentsOfFile: path) }
    }

    func testEmptyArraysWithSaneDimensionsStillRead() throws {
        let bytes = try NPY.encode(shape: [0, 3], values: [])
        XCTAssertEqual(try NPY.decode(bytes).shape, [0, 3])
    }

    func testEmptyIDXWithHugeDimensionsIsRefused() {
        var file: [UInt8] = [0, 0, 8, 3]
        for d: UInt32 in [0, 4_000_000_000, 4_000_000_000] { PNG.appendBigEndian(d, to: &file) }
        assertDatasetError(["e.idx", "exceed the limit"]) { try IDX.decode(file, source: "e.idx") }
    }
}
