import Datasets
import Foundation
import Tensors
import XCTest
@testable import Diffusion
@testable import Pipelines

/// A model that records the labels it is given and answers with the exact two-picture predictor.
private final class LabelRecorder: DenoisingModel {
    let inner: GaussianMixtureDenoiser
    var labels: [[Int]?] = []
    init(_ inner: GaussianMixtureDenoiser) { self.inner = inner }
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        labels.append(classLabels)
        return try inner(x, timesteps: timesteps, classLabels: nil)
    }
}

final class ModelEvaluationTests: XCTestCase {
    /// Five images of the two pictures with labels 0/1.
    private func images() throws -> ImageDataset {
        let pictures = [0, 1, 1, 0, 1]
        let values = pictures.flatMap { ($0 == 0 ? TwoPictures.left : TwoPictures.right).map { Float($0) } }
        return try ImageDataset(images: Tensor(shape: [5, 1, 4, 4], scalars: values), labels: pictures, classNames: ["l", "r"])
    }

    /// Batched results equal one pass over the batches written out, with one generator through them;
    /// the exact predictor of the two pictures scores far better than a model that answers zeros.
    func testBatchedScoresEqualTheLoopWrittenOut() throws {
        let diffusion = try TwoPictures.diffusion()
        let model = LabelRecorder(try TwoPictures.model(diffusion))
        let data = try images()
        let evaluation = try ModelEvaluation(model: model, diffusion: diffusion, conditional: true, batchSize: 2)
        var done: [Int] = []
        let bound = try evaluation.bitsPerDimension(data, stride: 20, seed: 7) { done.append($0) }
        XCTAssertEqual(done, [2, 4, 5])
        XCTAssertTrue(model.labels.allSatisfy { $0 != nil }, "a conditional evaluation passes the labels")

        var generator = RandomGenerator(seed: 7)
        var total = 0.0
        for range in [0..<2, 2..<4, 4..<5] {
            let batch = try data.subset(Array(range))
            let bpd = try diffusion.bitsPerDimension(
                model: model, x0: batch.images, classLabels: batch.labels, stride: 20,
                generator: &generator)
            total += (bpd.prior + bpd.klTerms + bpd.decoder).reduce(0, +)
        }
        XCTAssertEqual(bound.total, total / 5, accuracy: 1e-12)

        let error = try evaluation.noisePredictionError(data, seed: 7)
        let zeros = try ModelEvaluation(model: ZeroModel(), diffusion: diffusion, conditional: false, batchSize: 2)
            .noisePredictionError(data, seed: 7)
        XCTAssertLessThan(error.mean, 0.5 * zeros.mean, "the exact predictor beats zeros")
        XCTAssertEqual(zeros.byQuarter.count, 4)
        XCTAssertThrowsError(try ModelEvaluation(model: model, diffusion: diffusion, conditional: false, batchSize: 0))
    }

    func testDistancesAndStatistics() {
        let a = Tensor(shape: [2, 2], scalars: [0, 0, 1, 1])
        let b = Tensor(shape: [3, 2], scalars: [0, 0, 0.5, 0.5, 3, 3])
        XCTAssertEqual(ModelEvaluation.nearestDistances(a, to: b), [0, 0.5])
        XCTAssertEqual(ModelEvaluation.nearestDistances(a, to: b, excludeIdentical: true), [0.5, 0.5])
        XCTAssertEqual(ModelEvaluation.median([3, 1, 2, 10]), 2.5)
        XCTAssertTrue(ModelEvaluation.median([]).isNaN)
        let stats = ModelEvaluation.pixelStatistics(Tensor(shape: [4], scalars: [-1, 1, 1, -1]))
        XCTAssertEqual(stats.mean, 0)
        XCTAssertEqual(stats.std, 1)
        XCTAssertEqual(stats.bright, 0.5)
    }
}

private struct ZeroModel: DenoisingModel {
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor { Tensor.zeros(x.shape) }
}
