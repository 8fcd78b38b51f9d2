import Foundation
import Tensors
import XCTest
@testable import Datasets

/// CIFAR-10/100 binary batches, written here in the official format.
final class CIFARTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cifar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// `count` records whose pixel i of record r is (r·7 + i) mod 256, labels from `label`.
    static func records(_ cifar: CIFAR, count: Int, label: (Int) -> [UInt8]) -> [UInt8] {
        (0..<count).flatMap { r in label(r) + (0..<3072).map { UInt8((r * 7 + $0) % 256) } }
    }

    private func write(_ bytes: [UInt8], _ name: String, in directory: URL? = nil) throws {
        try Data(bytes).write(to: (directory ?? folder).appendingPathComponent(name))
    }

    func testCIFAR10ReadsTheOfficialSplitLabelsAndPlanes() throws {
        let inner = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        for b in 1...5 { try write(Self.records(.cifar10, count: 3) { [UInt8(($0 + b) % 10)] }, "data_batch_\(b).bin", in: inner) }
        try write(Self.records(.cifar10, count: 2) { [UInt8($0)] }, "test_batch.bin", in: inner)
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        try Data((names.joined(separator: "\n") + "\n\n").utf8).write(to: inner.appendingPathComponent("batches.meta.txt"))

        // The parent folder is accepted too.
        let source = try DataSource(parsing: "cifar10:" + folder.path)
        let train = try source.loadImages(split: .train).dataset
        XCTAssertEqual(train.images.shape, [15, 3, 32, 32])
        XCTAssertEqual(train.labels, (1...5).flatMap { b in (0..<3).map { ($0 + b) % 10 } })
        XCTAssertEqual(train.classNames, names)
        // Pixel 0 of record 1 (value 7) and the first green value (pixel 1024: (7 + 1024) mod 256 = 7).
        XCTAssertEqual(train.images.scalars[3072], Float(7) / 127.5 - 1)
        XCTAssertEqual(train.images.scalars[3072 + 1024], Float(7) / 127.5 - 1)
        XCTAssertEqual(train.images.scalars[3072 + 1025], Float(8) / 127.5 - 1)
        let test = try source.loadImages(split: .test).dataset
        XCTAssertEqual(test.labels, [0, 1])
        XCTAssertEqual(try source.loadImages(split: .all).dataset.count, 17)
        // Grey and resized on request.
        let grey = try source.loadImages(split: .test, folderOptions: ImageFolder.Options(imageSize: 16, channels: .gray)).dataset
        XCTAssertEqual(grey.images.shape, [2, 1, 16, 16])
    }

    func testCIFAR100UsesTheFineLabel() throws {
        try write(Self.records(.cifar100, count: 4) { [UInt8($0 % 20), UInt8(($0 * 37) % 100)] }, "train.bin")
        try write(Self.records(.cifar100, count: 1) { _ in [3, 99] }, "test.bin")
        let source = try DataSource(parsing: "cifar100:" + folder.path)
        let train = try source.loadImages(split: .train).dataset
        XCTAssertEqual(train.labels, [0, 37, 74, 11])
        XCTAssertEqual(train.images.shape, [4, 3, 32, 32])
        XCTAssertEqual(try source.loadImages(split: .test).dataset.labels, [99])
        XCTAssertEqual(train.classNames, (0..<100).map(String.init))
    }

    func testTruncatedCorruptAndMissingFilesNameTheProblem() throws {
        try write(Array(Self.records(.cifar100, count: 2) { _ in [1, 2] }.dropLast(5)), "train.bin")
        try write(Self.records(.cifar100, count: 1) { _ in [1, 100] }, "test.bin")
        let source = try DataSource(parsing: "cifar100:" + folder.path)
        XCTAssertThrowsError(try source.loadImages(split: .train)) { error in
            XCTAssertTrue("\(error)".contains("train.bin") && "\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try source.loadImages(split: .test)) { error in
            XCTAssertTrue("\(error)".contains("test.bin") && "\(error)".contains("label 100"), "\(error)")
        }
        XCTAssertThrowsError(try DataSource(parsing: "cifar10:" + folder.path).loadImages(split: .train)) { error in
            XCTAssertTrue("\(error)".contains("missing data_batch_1.bin"), "\(error)")
        }
        XCTAssertThrowsError(try DataSource(parsing: "cifar10:/no/such/folder")) { error in
            XCTAssertTrue("\(error)".contains("no such folder"), "\(error)")
        }
        XCTAssertThrowsError(try CIFAR.cifar10.decode([], source: "empty.bin")) { error in
            XCTAssertTrue("\(error)".contains("empty.bin"), "\(error)")
        }
    }
}
