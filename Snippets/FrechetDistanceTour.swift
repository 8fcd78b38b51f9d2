// QualityMetrics: the Fréchet distance (FID) between two sets of MNIST digits in the bundled
// MNIST feature network's features, and the same for noise.
import Datasets
import QualityMetrics
import Tensors

// snippet.show
let network = try MNISTFeatureNet.bundled()
let training = try BundledDataset.mnist.load(split: .train)  // sorted by label: take every 9th digit
let train = try training.subset(Array(stride(from: 0, to: training.count, by: 9))).images  // 500 digits
let test = try BundledDataset.mnist.load(split: .test).images  // 500 other digits

// Mean and covariance of the features of each set, then ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½).
let reference = try network.statistics(of: train)
let digits = try FrechetDistance.between(try network.statistics(of: test), reference)
var generator = RandomGenerator(seed: 0)
let noise = Tensor.uniform([500, 1, 28, 28], low: -1, high: 1, generator: &generator)
let noiseDistance = try FrechetDistance.between(try network.statistics(of: noise), reference)
print("FID of 500 test digits to 500 training digits: \(digits); of 500 noise images: \(noiseDistance)")
// snippet.hide
precondition(digits < noiseDistance / 10)
