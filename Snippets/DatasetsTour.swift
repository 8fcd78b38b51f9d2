// Datasets: the bundled MNIST digits, a seeded data loader, a 2-D toy distribution and a PNG grid.
import Datasets
import Foundation
import Tensors

// snippet.show
let mnist = try BundledDataset.mnist.load(split: .train)  // [4500, 1, 28, 28] in [−1, 1]
print("\(mnist.count) digits of \(mnist.height)×\(mnist.width), classes \(mnist.classNames!)")

var loader = try DataLoader(dataset: mnist, batchSize: 16, seed: 0)
let batch = loader.nextBatch()  // shuffled by the seed, the same order every run
print("a batch: \(batch.samples.shape), labels \(batch.labels!)")

let moons = try ToyDistribution.twoMoons.sample(1000, seed: 0)  // [1000, 2]
print("two moons: \(moons.shape)")

let grid = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-batch-\(getpid()).png")
try ImageGrid.write(batch.samples, toFile: grid.path, columns: 8)
print("the batch as a PNG grid: \(grid.path)")
// snippet.hide
let decoded = try PNG.read(contentsOfFile: grid.path)
try? FileManager.default.removeItem(at: grid)
print("decoded back: \(decoded.width)×\(decoded.height)")
precondition(mnist.count == 4500 && batch.samples.shape == [16, 1, 28, 28] && moons.shape == [1000, 2])
