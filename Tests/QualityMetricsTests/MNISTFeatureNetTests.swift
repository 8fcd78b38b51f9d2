import Datasets
import Foundation
import Tensors
import XCTest
@testable import QualityMetrics

/// The shipped MNIST feature network: it loads, it classifies the held-out digits, and its
/// Fréchet distance orders sets the way a person would.
final class MNISTFeatureNetTests: XCTestCase {
    func testShippedWeightsClassifyTheTestSplit() throws {
        let network = try MNISTFeatureNet.bundled()
        let test = try BundledDataset.mnist.load(split: .test)
        XCTAssertGreaterThan(try MNISTFeatureNet.accuracy(of: network, on: test), 0.9)
    }

    func testDistanceOrdersRealNoisyAndOneClassSets() throws {
        let network = try MNISTFeatureNet.bundled()
        let train = try BundledDataset.mnist.load(split: .train), test = try BundledDataset.mnist.load(split: .test)
        let d = MNISTFeatureNet.featureDimension
        func statistics(_ images: Tensor) throws -> FeatureStatistics {
            try FeatureStatistics(features: try network.features(of: images), count: images.shape[0], dimension: d)
        }
        let reference = try statistics(train.images.slice(axis: 0, 0..<1000))
        var generator = RandomGenerator(seed: 1)
        let noise = Tensor.randn([500, 1, 28, 28], generator: &generator).clamped(-1, 1)
        let ones = (train.labels ?? []).indices.filter { train.labels![$0] == 1 }.prefix(300)
        let oneClass = Tensor.concat(ones.map { train.images.slice(axis: 0, $0..<($0 + 1)) }, axis: 0)
        let real = try FrechetDistance.between(reference, try statistics(test.images))
        let single = try FrechetDistance.between(reference, try statistics(oneClass))
        let random = try FrechetDistance.between(reference, try statistics(noise))
        XCTAssertLessThan(real, single, "held-out digits are closer than one class")
        XCTAssertLessThan(single, random, "one class of digits is closer than noise")
        XCTAssertThrowsError(try network.features(Tensor.zeros([2, 1, 8, 8])))
    }
}
