import Datasets
import XCTest

final class ImageResizeTests: XCTestCase {
    func testAreaDownscaleAveragesBlocks() {
        // 4×4 → 2×2: each output is the mean of a 2×2 block.
        let planes: [Float] = [
            1, 3, 5, 7,
            1, 3, 5, 7,
            0, 0, 8, 8,
            0, 0, 8, 8,
        ]
        XCTAssertEqual(ImageResize.resize(planes, channels: 1, height: 4, width: 4, newHeight: 2, newWidth: 2), [2, 6, 0, 8])
        // 3 → 2 along one axis: fractional coverage (weights 2/3, 1/3 and 1/3, 2/3).
        let out = ImageResize.resize([0, 3, 6], channels: 1, height: 1, width: 3, newHeight: 1, newWidth: 2)
        XCTAssertEqual(out[0], 1, accuracy: 1e-6)
        XCTAssertEqual(out[1], 5, accuracy: 1e-6)
    }

    func testBilinearUpscaleAndConstantsArePreserved() {
        let out = ImageResize.resize([0, 4], channels: 1, height: 1, width: 2, newHeight: 1, newWidth: 4)
        XCTAssertEqual(out, [0, 1, 3, 4])
        let constant = [Float](repeating: 0.25, count: 2 * 5 * 7)
        for (h, w) in [(3, 3), (10, 14), (5, 7), (1, 1)] {
            let resized = ImageResize.resize(constant, channels: 2, height: 5, width: 7, newHeight: h, newWidth: w)
            XCTAssertEqual(resized.count, 2 * h * w)
            for v in resized { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
        }
    }

    func testResizeAndCenterCropKeepsTheMiddle() {
        // 2×6 image whose columns are 0…5: shorter side 2 → size 2, crop the middle two columns.
        let planes: [Float] = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
        XCTAssertEqual(ImageResize.resizeAndCenterCrop(planes, channels: 1, height: 2, width: 6, size: 2), [2, 3, 2, 3])
        // 6×2 → 1×1 after shrinking by 2 and cropping rows.
        let tall: [Float] = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        let one = ImageResize.resizeAndCenterCrop(tall, channels: 1, height: 6, width: 2, size: 1)
        XCTAssertEqual(one, [2.5])
    }
}
