import Diffusion
import Foundation
import XCTest

/// Inputs that crashed or exhausted memory in the config parsers before the
/// fixes (found while fuzzing them, see fuzz/README.md); each must now be a
/// clear error.
final class ConfigFuzzRegressionTests: XCTestCase {
    private func blocks(_ widths: [Int], sampleSize: Int = 32) -> Data {
        let json: [String: Any] = [
            "block_out_channels": widths, "sample_size": sampleSize,
            "down_block_types": Array(repeating: "DownBlock2D", count: widths.count),
            "up_block_types": Array(repeating: "UpBlock2D", count: widths.count),
        ]
        return try! JSONSerialization.data(withJSONObject: json)
    }

    private func assertRefused(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try UNetConfig.parse(data, source: "c.json"), file: file, line: line) { error in
            XCTAssertTrue(
                "\(error)".contains("c.json") && "\(error)".contains(fragment),
                "\(error) should name the file and mention \(fragment)", file: file, line: line)
        }
    }

    /// Was: division by zero in validate() (1 << 64 is 0 in the divisibility check).
    func testSixtyFiveBlocksAreRefusedNotATrap() {
        assertRefused(blocks(Array(repeating: 32, count: 65)), "at most 16")
    }

    /// Was: arithmetic overflow computing the time-embedding width (4 × 2^62),
    /// a trap in UNet2DModel construction and in ModelFolder.load.
    func testBlockWidthOf2To62IsRefusedNotATrap() {
        assertRefused(blocks([1 << 62]), "too large")
    }

    /// Was: num_train_timesteps 10^12 made the schedule allocate terabytes.
    func testTrillionTrainTimestepsAreRefusedBeforeAllocating() {
        XCTAssertThrowsError(try SchedulerConfig.parse(Data(#"{"num_train_timesteps": 1000000000000}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("num_train_timesteps"), "\(error)")
        }
    }
}
