import Datasets
import Foundation
import Tensors
import XCTest

final class BundledDatasetTests: XCTestCase {
    private func histogram(_ labels: [Int]) -> [Int] {
        labels.reduce(into: [Int](repeating: 0, count: 10)) { $0[$1] += 1 }
    }

    func testMNISTShapeRangeLabelsAndSplit() throws {
        let all = try BundledDataset.mnist.load()
        XCTAssertEqual(all.images.shape, [5000, 1, 28, 28])
        XCTAssertEqual(all.classNames, (0...9).map(String.init))
        XCTAssertEqual(histogram(all.labels!), [Int](repeating: 500, count: 10))
        XCTAssertEqual(all.images.scalars.min(), -1)
        XCTAssertEqual(all.images.scalars.max(), 1)
        // Sorted by label: the first 500 are zeros, the last 500 nines.
        XCTAssertEqual(Set(all.labels![0..<500]), [0])
        XCTAssertEqual(Set(all.labels![4500...]), [9])
        // Digits are mostly background (-1) with some ink: mean byte around 0.13 of 255.
        let mean = all.images.scalars.reduce(0, +) / Float(all.images.count)
        XCTAssertEqual(mean, 2 * 0.13 - 1, accuracy: 0.05)
        // Each image has ink near its centre and background in its corners.
        let image0 = Array(all.images.scalars[0..<784])
        XCTAssertEqual(image0[0], -1)
        XCTAssertGreaterThan(image0[(10 * 28)..<(18 * 28)].max()!, 0.9)

        let train = try BundledDataset.mnist.load(split: .train)
        let test = try BundledDataset.mnist.load(split: .test)
        XCTAssertEqual(train.count, 4500)
        XCTAssertEqual(test.count, 500)
        XCTAssertEqual(histogram(test.labels!), [Int](repeating: 50, count: 10))
        XCTAssertEqual(histogram(train.labels!), [Int](repeating: 450, count: 10))
        // Test image k is file image 10k + 9.
        XCTAssertEqual(Array(test.images.scalars[(3 * 784)..<(4 * 784)]), Array(all.images.scalars[(39 * 784)..<(40 * 784)]))
    }

    func testDigitsShapeRangeAndSplit() throws {
        let all = try BundledDataset.digits.load()
        XCTAssertEqual(all.images.shape, [1797, 1, 8, 8])
        XCTAssertEqual(all.images.scalars.min(), -1)
        XCTAssertEqual(all.images.scalars.max(), 1)
        let counts = histogram(all.labels!)
        XCTAssertTrue(counts.allSatisfy { (170...190).contains($0) }, "\(counts)")
        // Pixel counts 0…16 were rescaled as round(v·255/16): only 17 distinct bytes occur.
        XCTAssertEqual(Set(all.images.scalars).count, 17)
        XCTAssertEqual(try BundledDataset.digits.load(split: .train).count, 1618)
        XCTAssertEqual(try BundledDataset.digits.load(split: .test).count, 179)
    }

    func testEnvironmentVariableOverridesTheBundle() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bundled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            unsetenv(BundledDataset.folderEnvironmentVariable)
            try? FileManager.default.removeItem(at: folder)
        }
        let bundled = try BundledDataset.resourceFolder()
        for dataset in BundledDataset.allCases {
            for name in [dataset.imageFileName, dataset.labelFileName] {
                try FileManager.default.copyItem(at: bundled.appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
        }
        setenv(BundledDataset.folderEnvironmentVariable, folder.path, 1)
        XCTAssertEqual(try BundledDataset.resourceFolder().standardizedFileURL.path, folder.standardizedFileURL.path)
        XCTAssertEqual(try BundledDataset.digits.load(split: .test).count, 179)
    }

    func testResourceFolderHoldsAttribution() throws {
        let folder = try BundledDataset.resourceFolder()
        let text = try String(contentsOf: folder.appendingPathComponent("ATTRIBUTION.md"), encoding: .utf8)
        XCTAssertTrue(text.contains("CC BY-SA 3.0"))
        XCTAssertTrue(text.contains("CC BY 4.0"))
    }
}
