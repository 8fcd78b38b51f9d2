// ᾱ_t = ∏_{s≤t} (1 − β_s) for the linear (DDPM) and cosine (Improved DDPM) schedules,
// and the signal-to-noise ratio SNR(t) = ᾱ_t / (1 − ᾱ_t).
import Diffusion

// snippet.show
let linear = try NoiseSchedule(.linear(), timesteps: 1000)
let cosine = try NoiseSchedule(.cosine(), timesteps: 1000)

// Index i is the paper's t = i + 1 (0-based, as diffusers).
for t in [1, 250, 500, 750, 1000] {
    let i = t - 1
    print(
        "t = \(t): β linear \(linear.double.betas[i]), ᾱ linear \(linear.double.alphaBar[i]), "
            + "ᾱ cosine \(cosine.double.alphaBar[i]), SNR linear \(linear.double.signalToNoise[i])")
}
// snippet.hide

// ᾱ_T is close to 0 for both, so x_T is almost pure noise: L_T = KL(q(x_T|x0) ‖ N(0, I)) ≈ 0.
precondition(linear.double.alphaBar[999] < 1e-4 && cosine.double.alphaBar[999] < 1e-4)
// The cosine schedule keeps more signal in the middle of the chain.
precondition(cosine.double.alphaBar[499] > linear.double.alphaBar[499])
