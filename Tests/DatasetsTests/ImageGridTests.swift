import Datasets
import Tensors
import XCTest

final class ImageGridTests: XCTestCase {
    func testLayoutPaddingAndScaling() throws {
        // Three 2×2 gray images with constant values -1, 0, 1, two columns, padding 1, black padding.
        let images = Tensor(
            shape: [3, 1, 2, 2],
            scalars: [Float](repeating: -1, count: 4)
                + [Float](repeating: 0, count: 4) + [Float](repeating: 1, count: 4))
        let grid = try ImageGrid.make(images, columns: 2, padding: 1, padValue: -1)
        XCTAssertEqual(grid.width, 2 * 3 + 1)
        XCTAssertEqual(grid.height, 2 * 3 + 1)
        XCTAssertEqual(grid.colorModel, .gray)
        XCTAssertEqual(grid.sample(x: 1, y: 1, channel: 0), 0)  // image 0
        XCTAssertEqual(grid.sample(x: 4, y: 2, channel: 0), 128)  // image 1: round(0.5 · 255)
        XCTAssertEqual(grid.sample(x: 2, y: 5, channel: 0), 255)  // image 2
        XCTAssertEqual(grid.sample(x: 5, y: 5, channel: 0), 0)  // empty cell = padding
        XCTAssertEqual(grid.sample(x: 3, y: 1, channel: 0), 0)  // gutter
    }

    func testRGBGridRoundTripsThroughPNGAndDefaults() throws {
        let count = 5
        var scalars: [Float] = []
        for n in 0..<count { for c in 0..<3 { scalars += [Float](repeating: Float(n * 3 + c) / 7 - 1, count: 12) } }
        let images = Tensor(shape: [count, 3, 3, 4], scalars: scalars)
        let grid = try ImageGrid.make(images)
        XCTAssertEqual(grid.width, 3 * (4 + 2) + 2)  // ⌈√5⌉ = 3 columns
        XCTAssertEqual(grid.height, 2 * (3 + 2) + 2)
        XCTAssertEqual(grid.sample(x: 0, y: 0, channel: 1), 255)  // white padding by default
        XCTAssertEqual(grid.sample(x: 2 + 6, y: 2, channel: 2), UInt16(((Float(5) / 7) * 127.5).rounded()))
        XCTAssertEqual(try PNG.decode(PNG.encode(grid)), grid)
    }

    func testTensorRoundTripThroughPixelImage() throws {
        let values: [Float] = (0..<24).map { Float($0 * 11 % 256) * 2 / 255 - 1 }
        let tensor = Tensor(shape: [3, 2, 4], scalars: values)
        let image = try PixelImage(tensor: tensor)
        XCTAssertEqual(image.colorModel, .rgb)
        XCTAssertEqual(image.sample(x: 1, y: 0, channel: 2), UInt16((16 + 1) * 11 % 256))
        let back = image.tensor(channels: 3)
        XCTAssertEqual(back.shape, [3, 2, 4])
        for (a, b) in zip(back.scalars, values) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(try PixelImage(tensor: Tensor.zeros([2, 2])).colorModel, .gray)
        assertDatasetError(["not an image"]) { try PixelImage(tensor: Tensor.zeros([2, 2, 2])) }
    }

    func testClampsAndNaN() throws {
        let grid = try ImageGrid.make(Tensor(shape: [1, 1, 1, 3], scalars: [-5, .nan, 7]), padding: 0)
        XCTAssertEqual(grid.samples, [0, 0, 255])
    }

    func testRefusesBadShapes() {
        assertDatasetError(["cannot be tiled"]) { try ImageGrid.make(Tensor.zeros([2, 2, 4, 4])) }
        assertDatasetError(["cannot be tiled"]) { try ImageGrid.make(Tensor.zeros([0, 1, 4, 4])) }
        assertDatasetError(["columns must be"]) { try ImageGrid.make(Tensor.zeros([1, 1, 4, 4]), columns: 0) }
        assertDatasetError(["padding 0…4096"]) { try ImageGrid.make(Tensor.zeros([1, 1, 4, 4]), padding: 1 << 62) }
        assertDatasetError(["exceeds"]) { try ImageGrid.make(Tensor.zeros([16, 1, 1, 1]), columns: 16, padding: 4096) }
        XCTAssertEqual(try ImageGrid.make(Tensor.zeros([2, 1, 1, 1]), columns: .max, padding: 0).width, 2)
    }
}
