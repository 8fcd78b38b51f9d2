// Improved DDPM (Nichol & Dhariwal 2021): the cosine schedule, a learned variance
// (learned_range: log σ² = ((v+1)/2) log β_t + (1 − (v+1)/2) log β̃_t) and the hybrid
// loss L_simple + λ L_vlb, with the stop-gradient on the mean inside L_vlb.
import Datasets
import Diffusion
import NN
import Tensors

// snippet.show
let schedule = try NoiseSchedule(.cosine(), timesteps: 1000)
let diffusion = GaussianDiffusion(schedule: schedule, prediction: .epsilon, variance: .learnedRange)

// The network's extra output v ∈ [−1, 1] interpolates log σ² between log β̃_t (v = −1) and log β_t (v = 1).
let t = [499, 499, 499]
let v = Tensor(shape: [3, 1], scalars: [-1, 0, 1])
let (variance, _) = try diffusion.modelVariance(varianceValues: v, timesteps: t, rank: 2)
print("σ² at v = −1, 0, 1: \(variance.scalars)  (β̃ \(schedule.double.posteriorVariance[499]), β \(schedule.double.betas[499]))")

// An MLP with twice the outputs (ε̂ and v) trained on the hybrid loss for 100 steps.
var generator = RandomGenerator(seed: 5)
var loader = try DataLoader(samples: try ToyDistribution.eightGaussians.sample(8192, seed: 5), batchSize: 256, seed: 5)
let model = try MLPDenoiser(config: MLPDenoiserConfig(hiddenWidth: 64, outputFactor: 2), generator: &generator)
let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 3e-3, weightDecay: 0)
for step in 1...100 {
    let loss = try diffusion.trainingLoss(model: model, x0: loader.nextBatch().samples, kind: .hybrid(lambda: 0.001), generator: &generator)
    optimizer.zeroGrad()
    loss.loss.backward()
    optimizer.step()
    if step % 25 == 0 {
        let mse = loss.meanSquaredError!.reduce(0, +) / 256, bound = loss.boundTerm!.reduce(0, +) / 256
        print("step \(step): hybrid \(loss.loss.item) = L_simple \(mse) + λ·T·L_t with L_t \(bound) bits/dim")
    }
}
// snippet.hide
let final = try diffusion.trainingLoss(model: model, x0: loader.nextBatch().samples, kind: .hybrid(), generator: &generator)
precondition(final.loss.item.isFinite && final.boundTerm != nil && final.meanSquaredError != nil)
precondition(variance.scalars[0] < variance.scalars[1] && variance.scalars[1] < variance.scalars[2])
