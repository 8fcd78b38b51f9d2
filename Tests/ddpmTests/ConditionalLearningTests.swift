import Datasets
import Diffusion
import Foundation
import NN
import Tensors
import XCTest
@testable import ddpm

/// Classifier-free guidance learns something: a tiny class-conditional U-Net
/// trained briefly, with label dropout, on the bundled 8×8 digits (the 28×28
/// MNIST-5k is too slow for a debug-build test on 2 busy cores) draws digits a
/// nearest-class-mean classifier recognises as the class asked for.
final class ConditionalLearningTests: XCTestCase {
    /// The mean image of each class of `dataset`, `[classes][pixels]`.
    private func classMeans(_ dataset: ImageDataset, classes: Int) -> [[Float]] {
        let pixels = dataset.images.count / dataset.count
        var sums = [[Float]](repeating: [Float](repeating: 0, count: pixels), count: classes)
        var counts = [Float](repeating: 0, count: classes)
        let values = dataset.images.scalars
        for (index, label) in (dataset.labels ?? []).enumerated() {
            counts[label] += 1
            for p in 0..<pixels { sums[label][p] += values[index * pixels + p] }
        }
        return zip(sums, counts).map { sum, count in sum.map { $0 / max(count, 1) } }
    }

    /// The class whose mean image is nearest (Euclidean) to each image of `images`.
    private func nearestClass(_ images: Tensor, means: [[Float]]) -> [Int] {
        let pixels = means[0].count
        return (0..<images.shape[0]).map { index in
            let image = images.scalars[(index * pixels)..<((index + 1) * pixels)]
            let distances = means.map { mean in zip(image, mean).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            return distances.indices.min { distances[$0] < distances[$1] }!
        }
    }

    /// Budget (debug build): a 2-level 8/16-channel U-Net without attention, x0-prediction (which learns the
    /// class-dependent mean in far fewer steps than ε-prediction here), T = 100 cosine, 80 AdamW steps of 16 images,
    /// then 5 samples per class with DDIM (8 steps) at w = 0, 1 and 3.
    func testGuidedSamplesAreRecognisedAsTheirClass() throws {
        let train = try BundledDataset.digits.load(split: .train)
        let classes = 10, nullClass = 10, perClass = 5
        let means = classMeans(train, classes: classes)
        let test = try BundledDataset.digits.load(split: .test)
        let testAccuracy = zip(nearestClass(test.images, means: means), test.labels ?? []).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(testAccuracy) / Double(test.count), 0.8, "the nearest-class-mean classifier itself")

        var generator = RandomGenerator(seed: 1)
        let config = UNetConfig(
            sampleSize: 8, inChannels: 1, outChannels: 1, blockOutChannels: [8, 16], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], addAttention: false,
            attentionHeadDim: nil, normNumGroups: 4, numClassEmbeds: classes + 1)
        let model = try UNet2DModel(config: config, generator: &generator)
        let scheduler = SchedulerConfig(trainTimesteps: 100, betaSchedule: "squaredcos_cap_v2", prediction: .sample)
        let diffusion = try scheduler.makeDiffusion()
        let loader = try DataLoader(dataset: train, batchSize: 16, seed: 2)
        let configuration = TrainingConfiguration(
            steps: 80, learningRate: 1e-2, warmupSteps: 10, gradientClip: 1,
            emaDecay: 0.98, seed: 3, checkpointEvery: 1000, classConditional: true,
            classDropout: 0.1, nullClass: nullClass)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-learning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Trainer(
            model: model, diffusion: diffusion, data: loader, configuration: configuration,
            folder: folder)
        let start = Date()
        XCTAssertEqual(try trainer.run(), .finished(step: configuration.steps))
        let trained = Date()
        trainer.ema.copyToParameters()

        let sampler = try DDIMSampler(diffusion: diffusion, steps: 8, spacing: .trailing, eta: 0)
        let labels = (0..<classes).flatMap { Array(repeating: $0, count: perClass) }
        func accuracy(_ scale: Double) throws -> Double {
            let guided = try ClassifierFreeGuidance(model: model, scale: scale, classCount: classes, nullClass: nullClass)
            var noise = RandomGenerator(seed: 4)
            let samples = try sampler.sample(
                model: guided, shape: [labels.count, 1, 8, 8], classLabels: labels,
                generator: &noise
            ).clamped(-1, 1)
            let predicted = nearestClass(samples, means: means)
            return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
        }
        let unguided = try accuracy(0), conditional = try accuracy(1), guided = try accuracy(3)
        print(
            String(
                format: "conditional digits: class accuracy w=0 %.2f, w=1 %.2f, w=3 %.2f (train %.1f s, sample %.1f s)",
                unguided, conditional, guided, trained.timeIntervalSince(start), Date().timeIntervalSince(trained)))
        XCTAssertGreaterThanOrEqual(guided, 0.5)
        XCTAssertGreaterThanOrEqual(conditional, 0.5)
        XCTAssertGreaterThan(guided, unguided)
        XCTAssertGreaterThan(conditional, unguided)
    }
}
