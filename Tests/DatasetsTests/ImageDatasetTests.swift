import Datasets
import Tensors
import XCTest

final class ImageDatasetTests: XCTestCase {
    private func dataset(_ n: Int) throws -> ImageDataset {
        try ImageDataset(
            images: Tensor(shape: [n, 1, 1, 2], scalars: (0..<(2 * n)).map(Float.init)),
            labels: (0..<n).map { $0 % 3 }, classNames: ["a", "b", "c"])
    }

    func testSplitFollowsIndexModTen() throws {
        let data = try dataset(25)
        let test = try data.split(.test)
        XCTAssertEqual(test.count, 2)
        XCTAssertEqual(test.images.scalars, [18, 19, 38, 39])
        XCTAssertEqual(test.labels, [0, 1])
        XCTAssertEqual(try data.split(.train).count, 23)
        XCTAssertEqual(try data.split(.all).count, 25)
    }

    func testValidation() throws {
        assertDatasetError(["must be [N, C, H, W]"]) { try ImageDataset(images: Tensor.zeros([2, 3])) }
        assertDatasetError(["2 labels for 3 images"]) { try ImageDataset(images: Tensor.zeros([3, 1, 2, 2]), labels: [0, 1]) }
        assertDatasetError(["label 3 is outside 0..<3"]) {
            try ImageDataset(images: Tensor.zeros([1, 1, 2, 2]), labels: [3], classNames: ["a", "b", "c"])
        }
        assertDatasetError(["index 5 is outside 0..<5"]) { try self.dataset(5).subset([0, 5]) }
        XCTAssertEqual(try dataset(4).classCount, 3)
    }
}
