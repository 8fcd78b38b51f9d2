@testable import Tensors
import XCTest

/// The allocator tuning takes effect where it exists (glibc).
final class AllocatorTuningTests: XCTestCase {
    func testGlibcTakesTheSettings() throws {
        #if canImport(Glibc)
            XCTAssertTrue(
                AllocatorTuning.keepFreedMemoryForReuse(),
                "glibc refused the settings, or they were compiled out (__GLIBC__ not seen)")
        #else
            throw XCTSkip("allocator tuning applies to glibc only")
        #endif
    }
}
