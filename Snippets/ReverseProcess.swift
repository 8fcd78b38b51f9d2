// The reverse process p_θ(x_{t−1} | x_t) = N(μ_θ(x_t, t), σ_t² I) (tutorial eq. 2):
// from a network output at x_t to the Gaussian one samples x_{t−1} from.
import Diffusion
import Tensors

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
var generator = RandomGenerator(seed: 2)
let x0 = Tensor.uniform([3, 2], low: -1, high: 1, generator: &generator)
let t = [Int](repeating: 99, count: 3)
let (xt, epsilon) = try schedule.marginalSample(x0: x0, timesteps: t, generator: &generator)

// Pretend the network predicted the true noise: ε_θ(x_t, t) = ε.
for variance in [VarianceType.fixedSmall, .fixedLarge] {
    let diffusion = GaussianDiffusion(schedule: schedule, prediction: .epsilon, variance: variance)
    let step = try diffusion.reverseStep(modelOutput: epsilon, xt: xt, timesteps: t)
    // μ_θ = μ̃_t(x_t, x̂0) with x̂0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t; σ_t² = β̃_t (fixed_small) or β_t (fixed_large).
    print("\(variance.rawValue): μ_θ \(step.distribution.mean.scalars), σ_t² \(step.distribution.variance.scalars[0])")
    print("  x̂0 \(step.predictedX0.scalars) (true x0 \(x0.scalars))")
}
// snippet.hide
let exact = GaussianDiffusion(schedule: schedule)
let step = try exact.reverseStep(modelOutput: epsilon, xt: xt, timesteps: t)
let posterior = try schedule.posterior(x0: x0, xt: xt, timesteps: t)
precondition((step.distribution.mean - posterior.mean).abs().scalars.max()! < 1e-4)
precondition((step.predictedX0 - x0).abs().scalars.max()! < 1e-3)
