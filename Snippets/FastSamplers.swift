// Faster samplers than DDPM's 1000 ancestral steps: DDIM (Song et al. 2021) and
// DPM-Solver++ (Lu et al. 2022), run on data whose optimal ε-model is known exactly,
// x0 ~ N(m, s²). With the exact model, what is left is each sampler's discretisation
// error: too few steps shrink the spread of the samples, and DPM-Solver++ needs far fewer
// steps than DDIM to get it right.
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
let diffusion = GaussianDiffusion(schedule: schedule)
let model = try GaussianMixtureDenoiser(weights: [1], means: [[0.5]], deviations: [0.5], schedule: schedule)

var spreads: [String: [Float]] = [:]
for steps in [10, 20, 50] {
    let samplers: [(String, any Sampler)] = [
        // x_prev = √ᾱ_prev x̂0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z; η = 0 (σ = 0) is deterministic.
        ("DDIM, η = 0", try DDIMSampler(diffusion: diffusion, steps: steps)),
        // The multistep solver of the diffusion ODE in x̂0-prediction, order 2 (2M).
        ("DPM-Solver++ 2M", try DPMSolverPlusPlus(diffusion: diffusion, steps: steps)),
    ]
    for (name, sampler) in samplers {
        var generator = RandomGenerator(seed: 6)
        let samples = try sampler.sample(model: model, shape: [4000, 1], generator: &generator)
        print("\(name), \(steps) steps: mean \(moments(samples).mean), std \(moments(samples).std)  (data: 0.5, 0.5)")
        spreads[name, default: []].append(moments(samples).std)
    }
}
// snippet.hide
let ddim = spreads["DDIM, η = 0"]!, dpm = spreads["DPM-Solver++ 2M"]!
precondition(ddim[0] < ddim[1] && ddim[1] < ddim[2] && ddim[2] < 0.5, "DDIM's spread grows towards the data's with more steps")
precondition(abs(dpm[1] - 0.5) < 0.03 && abs(dpm[1] - 0.5) < abs(ddim[1] - 0.5), "DPM-Solver++ is closer at 20 steps")
