@testable import Datasets
import Foundation
import XCTest

final class DataSourceTests: XCTestCase {
    func testParsesEveryForm() throws {
        XCTAssertEqual(try DataSource(parsing: "mnist"), .bundled(.mnist))
        XCTAssertEqual(try DataSource(parsing: "Digits"), .bundled(.digits))
        XCTAssertEqual(try DataSource(parsing: "toy:moons"), .toy(.twoMoons))
        XCTAssertEqual(try DataSource(parsing: "toy:swiss-roll").description, "toy:swiss-roll")
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertEqual(try DataSource(parsing: folder.path), .imageFolder(path: folder.path))
        assertDatasetError(["toy:spiral", "unknown toy distribution 'spiral'", "two-moons"]) { try DataSource(parsing: "toy:spiral") }
        assertDatasetError(["/no/such/place", "no such file or folder", "mnist, digits, toy:NAME"]) {
            try DataSource(parsing: "/no/such/place")
        }
        assertDatasetError(["no such file"]) { try DataSource(parsing: "") }
        assertDatasetError(["not images"]) { try DataSource.toy(.checkerboard).loadImages() }
    }

    func testIDXFileWithSiblingLabels() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = try IDXArray(dimensions: [20, 2, 2], bytes: (0..<80).map { UInt8($0 * 3) })
        let labels = try IDXArray(dimensions: [20], bytes: (0..<20).map { UInt8($0 % 3) })
        let imagePath = folder.appendingPathComponent("train-images-idx3-ubyte.gz").path
        try FileAccess.writeAtomically(IDX.encodeGzip(images), toPath: imagePath)
        let unlabelled = try DataSource(parsing: imagePath)
        XCTAssertEqual(unlabelled, .idx(images: imagePath, labels: nil))
        XCTAssertNil(try unlabelled.loadImages().dataset.labels)
        try FileAccess.writeAtomically(IDX.encode(labels), toPath: folder.appendingPathComponent("train-labels-idx1-ubyte.gz").path)
        let source = try DataSource(parsing: imagePath)
        let test = try source.loadImages(split: .test).dataset
        XCTAssertEqual(test.images.shape, [2, 1, 2, 2])
        XCTAssertEqual(test.labels, [0, 1])  // images 9 and 19
        XCTAssertEqual(test.classNames, ["0", "1", "2"])
        XCTAssertEqual(test.images.scalars[0], 2 * Float(36 * 3) / 255 - 1)
        let wrongCount = try IDXArray(dimensions: [3], bytes: [0, 1, 2])
        try FileAccess.writeAtomically(IDX.encode(wrongCount), toPath: folder.appendingPathComponent("train-labels-idx1-ubyte.gz").path)
        assertDatasetError(["train-labels-idx1-ubyte.gz", "3 labels for the 20 images"]) { try source.loadImages() }
    }

    func testFolderSourceSplitsInSortedOrder() throws {
        let folder = try DatasetTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for i in 0..<12 {
            let image = try PixelImage(width: 1, height: 1, colorModel: .gray, samples: [UInt16(i * 20)])
            try PNG.write(image, toFile: folder.appendingPathComponent(String(format: "img%02d.png", i)).path)
        }
        let (test, skipped) = try DataSource(parsing: folder.path).loadImages(split: .test)
        XCTAssertEqual(test.images.scalars, [2 * Float(180) / 255 - 1])
        XCTAssertTrue(skipped.isEmpty)
    }
}
