// The variational bound (tutorial eq. 3–22 and 36, DDPM eq. 5) and its three terms,
// L = L_T + Σ_{t=2..T} L_{t−1} + L_0, in bits per dimension, for two ε-models of
// Gaussian data N(0.5, 0.2²): the exact one and one that always answers ε̂ = 0.
import Diffusion
import Foundation
import Tensors

// snippet.hide
/// A model that predicts no noise at all.
struct ZeroDenoiser: DenoisingModel {
    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor { Tensor.zeros(x.shape) }
}

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
let diffusion = GaussianDiffusion(schedule: schedule)
var generator = RandomGenerator(seed: 4)
let x0 = Tensor.randn([256, 1], mean: 0.5, std: 0.2, generator: &generator)

// One term at a time, per example: L_T has no parameters; L_{t−1} is a KL of two Gaussians (T 77).
let exact = try GaussianMixtureDenoiser(weights: [1], means: [[0.5]], deviations: [0.2], schedule: schedule)
let t = [Int](repeating: 299, count: 256)
let (xt, _) = try schedule.marginalSample(x0: x0, timesteps: t, generator: &generator)
let term = try diffusion.variationalBoundTerm(modelOutput: try exact(xt, timesteps: t, classLabels: nil), x0: x0, xt: xt, timesteps: t)
print("L_T \(try diffusion.priorTerm(x0: x0).mean().item) bits/dim; L_299 \(term.mean().item) bits/dim")

// The whole bound: every term, or (stride 10) an unbiased estimate from one t in each block of 10.
for (name, model) in [("exact ε-model", exact as any DenoisingModel), ("ε̂ = 0", ZeroDenoiser())] {
    let bound = try diffusion.bitsPerDimension(model: model, x0: x0, stride: 10, generator: &generator)
    let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
    print(
        "\(name): L_T \(mean(bound.prior)) + Σ L_{t−1} \(mean(bound.klTerms)) + L_0 \(mean(bound.decoder))"
            + " = \(bound.mean) bits/dim")
}
// snippet.hide
// The data's own negative log-likelihood on the 256-value grid: its differential entropy in
// bits plus log2(255/2), about 6.72 bits/dim. Every bound lies above it; the exact ε-model's
// lies within about a bit (what a fixed σ_t and T = 1000 steps cost), the ε̂ = 0 model's far above.
let floor = 0.5 * log2(2 * Double.pi * M_E * 0.04) + log2(127.5)
let exactBound = try diffusion.bitsPerDimension(model: exact, x0: x0, stride: 10, generator: &generator).mean
let zeroBound = try diffusion.bitsPerDimension(model: ZeroDenoiser(), x0: x0, stride: 10, generator: &generator).mean
print("entropy floor \(floor) bits/dim")
precondition(exactBound > floor && exactBound < floor + 1.5 && zeroBound > exactBound + 5)
