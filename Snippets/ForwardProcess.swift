// The forward process (tutorial eq. 1) and its closed form q(x_t | x0) = N(√ᾱ_t x0, (1 − ᾱ_t) I)
// (tutorial eq. 37, 49–50): noise a bundled MNIST digit to t in one step, and check
// that T single steps of eq. 1 land on the same distribution.
import Datasets
import Diffusion
import Foundation
import Tensors

// snippet.show
let digits = try BundledDataset.mnist.load(split: .test)
let x0 = Tensor(shape: [1, 1, 28, 28], scalars: Array(digits.images.scalars[0..<784]))  // in [−1, 1]
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
var generator = RandomGenerator(seed: 0)

// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε, straight from x0, for a few t (0-based indices).
let timesteps = [0, 99, 299, 599, 999]
let batch = Tensor(shape: [timesteps.count, 1, 28, 28], scalars: Array(repeating: x0.scalars, count: timesteps.count).flatMap { $0 })
let (xt, noise) = try schedule.marginalSample(x0: batch, timesteps: timesteps, generator: &generator)

// The same thing as a distribution: mean √ᾱ_t x0, variance 1 − ᾱ_t.
let q = try schedule.marginalDistribution(x0: batch, timesteps: timesteps)
// snippet.hide
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swift-ddpm-snippets")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let strip = folder.appendingPathComponent("forward-process.png")
// snippet.show
try ImageGrid.write(xt, toFile: strip.path, columns: timesteps.count)
print("x0 and its noised copies at t = 1, 100, 300, 600, 1000: \(strip.path)")
// snippet.hide
precondition(noise.shape == batch.shape && q.mean.shape == batch.shape)

// snippet.show
// Eq. 1 step by step: 300 draws of x_{t} = √(1 − β_t) x_{t−1} + √β_t ε from one pixel value
// x0 = 0.8 reach the closed form's mean √ᾱ_300 · 0.8 and variance 1 − ᾱ_300.
let walkers = 2000
var x = Tensor.full([walkers, 1], 0.8)
for i in 0..<300 {
    x = try schedule.oneStepSample(
        previous: x, timesteps: [Int](repeating: i, count: walkers),
        noise: Tensor.randn([walkers, 1], generator: &generator))
}
let mean = x.mean().item
let variance = (x - mean).square().mean().item
let expectedMean = Float(schedule.double.sqrtAlphaBar[299]) * 0.8
let expectedVariance = Float(schedule.double.oneMinusAlphaBar[299])
print("after 300 steps of eq. 1: mean \(mean) (closed form \(expectedMean)), variance \(variance) (closed form \(expectedVariance))")
// snippet.hide
precondition(abs(mean - expectedMean) < 0.05 && abs(variance - expectedVariance) < 0.1)
