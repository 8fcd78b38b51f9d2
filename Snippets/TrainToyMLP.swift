// Algorithm 1 of DDPM (L_simple, DDPM eq. 14): train the toy MLP ε-model on two moons for
// 200 steps, first with the loop written out, then with the library's one-call loss.
import Datasets
import Diffusion
import NN
import Tensors

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
let diffusion = GaussianDiffusion(schedule: schedule, prediction: .epsilon)
var generator = RandomGenerator(seed: 0)
var loader = try DataLoader(samples: try ToyDistribution.twoMoons.sample(8192, seed: 0), batchSize: 256, seed: 0)
let model = try MLPDenoiser(config: MLPDenoiserConfig(dataDimension: 2, hiddenWidth: 64), generator: &generator)
let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 3e-3, weightDecay: 0)

var losses: [Float] = []
for step in 1...200 {
    let x0 = loader.nextBatch().samples  // x0 ~ q(x0)
    let t = UniformTimesteps.draw(batch: 256, timesteps: schedule.count, generator: &generator)  // t ~ Uniform{1..T}
    let (xt, epsilon) = try schedule.marginalSample(x0: x0, timesteps: t, generator: &generator)  // ε ~ N(0, I)
    let loss = (try model(xt, timesteps: t, classLabels: nil) - epsilon).square().mean()  // ‖ε − ε_θ(x_t, t)‖²
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item)
    if step % 50 == 0 { print("step \(step): L_simple \(loss.item)") }
}

// The same step in one call: draws t and ε, forms x_t, runs the model, builds L_simple.
let batch = try diffusion.trainingLoss(model: model, x0: loader.nextBatch().samples, kind: .simple, generator: &generator)
print("one more batch: L_simple \(batch.loss.item) at timesteps \(batch.timesteps.prefix(4))…")
// snippet.hide
let first = losses.prefix(20).reduce(0, +) / 20, last = losses.suffix(20).reduce(0, +) / 20
print("mean loss of the first 20 steps \(first), of the last 20 \(last)")
precondition(last < 0.9 * first, "L_simple should fall while training")
