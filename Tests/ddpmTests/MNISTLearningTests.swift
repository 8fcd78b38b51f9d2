import Datasets
import Diffusion
import Foundation
import NN
import Tensors
import XCTest
@testable import ddpm

/// Acceptance of the training tool (issue 7): the `mnist-tiny` preset trained
/// a few hundred steps on the bundled MNIST-5k draws images that are closer to
/// digits than noise is, spread over the classes.
///
/// It needs an optimised build (`swift test -c release -Xswiftc -enable-testing`,
/// the README's test command); a debug build skips it.
final class MNISTLearningTests: XCTestCase {
    func testTinyPresetDrawsDigits() throws {
        #if DEBUG
            throw XCTSkip("trains a U-Net for 300 steps: run the tests optimised (swift test -c release -Xswiftc -enable-testing)")
        #else
            let train = try BundledDataset.mnist.load(split: .train)
            let pixels = 28 * 28
            var sums = [[Double]](repeating: [Double](repeating: 0, count: pixels), count: 10)
            var counts = [Double](repeating: 0, count: 10)
            for (index, label) in (train.labels ?? []).enumerated() {
                counts[label] += 1
                for p in 0..<pixels { sums[label][p] += Double(train.images.scalars[index * pixels + p]) }
            }
            let means = zip(sums, counts).map { sum, count in sum.map { $0 / count } }
            /// (nearest class, distance to its mean) for each image.
            func classify(_ images: Tensor) -> [(label: Int, distance: Double)] {
                (0..<images.shape[0]).map { index in
                    let distances = means.map { mean in
                        (0..<pixels).reduce(0.0) { total, p in
                            let d = Double(images.scalars[index * pixels + p]) - mean[p]
                            return total + d * d
                        }.squareRoot()
                    }
                    let best = distances.indices.min { distances[$0] < distances[$1] }!
                    return (best, distances[best])
                }
            }

            var generator = RandomGenerator(seed: 5)
            let model = try UNet2DModel(config: UNetConfig.preset(named: "mnist-tiny"), generator: &generator)
            let diffusion = try SchedulerConfig().makeDiffusion()
            let loader = try DataLoader(dataset: train, batchSize: 32, seed: 6)
            let configuration = TrainingConfiguration(
                steps: 300, learningRate: 2e-3, warmupSteps: 30, gradientClip: 1,
                emaDecay: 0.99, seed: 7, checkpointEvery: 10_000)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-learning-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let trainer = try Trainer(model: model, diffusion: diffusion, data: loader, configuration: configuration, folder: folder)
            XCTAssertEqual(try trainer.run(), .finished(step: configuration.steps))
            trainer.ema.copyToParameters()
            model.setTraining(false)

            var noise = RandomGenerator(seed: 8)
            let sampler = try DDPMSampler(respacing: diffusion, steps: 50)
            let samples = try sampler.sample(model: model, shape: [100, 1, 28, 28], generator: &noise).clamped(-1, 1)
            let noiseImages = Tensor.randn([100, 1, 28, 28], generator: &noise).clamped(-1, 1)
            let sampleFit = classify(samples), noiseFit = classify(noiseImages)
            let sampleDistance = sampleFit.map(\.distance).reduce(0, +) / 100
            let noiseDistance = noiseFit.map(\.distance).reduce(0, +) / 100
            let classesSeen = Set(sampleFit.map(\.label)).count
            print(
                String(
                    format: "mnist-tiny after 300 steps: mean distance to the nearest class mean %.2f (noise %.2f), %d classes",
                    sampleDistance, noiseDistance, classesSeen))
            XCTAssertLessThan(sampleDistance, 0.75 * noiseDistance, "samples must be much closer to digits than noise is")
            XCTAssertGreaterThanOrEqual(classesSeen, 8, "at least 8 of the 10 digit classes must appear among 100 samples")
        #endif
    }
}
