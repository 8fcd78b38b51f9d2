// The posterior of the forward process, q(x_{t−1} | x_t, x0) = N(μ̃_t, β̃_t I)
// (tutorial eq. 52–53, 75): take one step back from x_t when x0 is known.
import Diffusion
import Tensors

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
var generator = RandomGenerator(seed: 1)
let x0 = Tensor.uniform([4, 2], low: -1, high: 1, generator: &generator)  // four 2-D points
let t = [Int](repeating: 499, count: 4)  // the paper's t = 500

let (xt, epsilon) = try schedule.marginalSample(x0: x0, timesteps: t, generator: &generator)
let posterior = try schedule.posterior(x0: x0, xt: xt, timesteps: t)
// μ̃_t = (√ᾱ_{t−1} β_t/(1 − ᾱ_t)) x0 + (√α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t)) x_t,  β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t
let previous = posterior.mean + Tensor.randn(xt.shape, generator: &generator) * posterior.variance.sqrt()
print("x_t     \(xt.scalars)")
print("μ̃_t     \(posterior.mean.scalars)")
print("β̃_t     \(schedule.double.posteriorVariance[499])  (β_t = \(schedule.double.betas[499]))")
print("x_{t−1} \(previous.scalars)")

// Written with ε instead of x0 the same mean is (1/√α_t)(x_t − β_t/√(1 − ᾱ_t) · ε) (tutorial eq. 101).
let epsilonForm = try schedule.epsilonFormMean(xt: xt, epsilon: epsilon, timesteps: t)
// snippet.hide
let difference = (epsilonForm - posterior.mean).abs().scalars.max()!
print("largest difference between the two forms of μ̃_t: \(difference)")
precondition(difference < 1e-4)
