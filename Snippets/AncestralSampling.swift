// Algorithm 2 of DDPM (ancestral sampling) on data whose optimal ε-model is known in closed
// form: for x0 ~ N(m, s²), E[ε | x_t] = √(1 − ᾱ_t)(x_t − √ᾱ_t m)/(ᾱ_t s² + 1 − ᾱ_t). Sampling
// with that model must give back samples of mean m and standard deviation s.
import Diffusion
import Tensors

// snippet.hide
/// The mean and standard deviation of all values of `x`.
func moments(_ x: Tensor) -> (mean: Float, std: Float) {
    let mean = x.mean().item
    return (mean, (x - mean).square().mean().item.squareRoot())
}

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
let model = try GaussianMixtureDenoiser(weights: [1], means: [[0.5]], deviations: [0.2], schedule: schedule)
var generator = RandomGenerator(seed: 3)

// Algorithm 2, written out: x_T ~ N(0, I); for t = T…1, z ~ N(0, I) if t > 1 else 0,
// x_{t−1} = (1/√α_t)(x_t − (1 − α_t)/√(1 − ᾱ_t) · ε_θ(x_t, t)) + σ_t z, here with σ_t² = β_t.
let n = 2000
var x = Tensor.randn([n, 1], generator: &generator)
for i in stride(from: schedule.count - 1, through: 0, by: -1) {
    let t = [Int](repeating: i, count: n)
    let mean = try schedule.epsilonFormMean(xt: x, epsilon: try model(x, timesteps: t, classLabels: nil), timesteps: t)
    let z = i > 0 ? Tensor.randn([n, 1], generator: &generator) : Tensor.zeros([n, 1])
    x = mean + z * Float(schedule.double.betas[i].squareRoot())
}
print("by hand:     mean \(moments(x).mean), std \(moments(x).std)  (data: 0.5, 0.2)")

// The library's sampler: the same loop for any prediction and variance type, σ_t² = β̃_t here.
let sampler = DDPMSampler(diffusion: GaussianDiffusion(schedule: schedule, variance: .fixedSmall))
let samples = try sampler.sample(model: model, shape: [n, 1], generator: &generator)
print("DDPMSampler: mean \(moments(samples).mean), std \(moments(samples).std)")

// Respaced onto 100 of the 1000 steps (Nichol & Dhariwal): β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}, σ² = β' (fixed_large),
// which keeps the spread of the data where β̃' (fixed_small) loses some of it at so few steps.
let fast = try DDPMSampler(respacing: GaussianDiffusion(schedule: schedule, variance: .fixedLarge), steps: 100)
let fewer = try fast.sample(model: model, shape: [n, 1], generator: &generator)
print("100 steps:   mean \(moments(fewer).mean), std \(moments(fewer).std)")
// snippet.hide
for result in [x, samples, fewer] {
    precondition(abs(moments(result).mean - 0.5) < 0.03 && abs(moments(result).std - 0.2) < 0.03)
}
