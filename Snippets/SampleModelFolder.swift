// A model folder (diffusers' layout: config.json, scheduler_config.json,
// diffusion_pytorch_model.safetensors) saved, loaded and sampled: with a sampler of
// Diffusion by hand, and as `ddpm sample` does it through Pipelines.
import Datasets
import Diffusion
import Foundation
import NN
import Pipelines
import Tensors

// snippet.hide
// A small MLP ε-model trained briefly on two moons, so that the folder holds something.
var generator = RandomGenerator(seed: 8)
let scheduler = SchedulerConfig(trainTimesteps: 1000, betaSchedule: "linear", clipSample: false)
let training = try scheduler.makeDiffusion()
var loader = try DataLoader(samples: try ToyDistribution.twoMoons.sample(8192, seed: 8), batchSize: 256, seed: 8)
let model = try MLPDenoiser(config: MLPDenoiserConfig(hiddenWidth: 64), generator: &generator)
let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 3e-3, weightDecay: 0)
for _ in 0..<300 {
    let loss = try training.trainingLoss(model: model, x0: loader.nextBatch().samples, generator: &generator)
    optimizer.zeroGrad()
    loss.loss.backward()
    optimizer.step()
}
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swift-ddpm-snippet-model-\(getpid())")
defer { try? FileManager.default.removeItem(at: folder) }

// snippet.show
try DenoiserFolder.save(model, scheduler: scheduler, to: folder)

// By hand: load the folder, build its process from scheduler_config.json, pick a sampler.
let loaded = try DenoiserFolder.load(from: folder)
let sampler = try DPMSolverPlusPlus(diffusion: try loaded.scheduler.makeDiffusion(), steps: 20)
var seed = RandomGenerator(seed: 0)
let points = try sampler.sample(model: loaded.model, shape: [500] + loaded.exampleShape, generator: &seed)
print("DPM-Solver++, 20 steps: \(points.shape) points, first \(points.scalars.prefix(4))")

// As `ddpm sample --model DIR --sampler ddim --steps 50 --n 500` does it: batched, seeded per batch,
// and clamped to [−1, 1] as images are (the moons reach past it, so these points are cut at ±1).
let sampling = try FolderSampling(
    folder: folder, sampler: try SamplerChoice(name: "ddim", steps: 50), count: 500, batchSize: 250, seed: 0)
let drawn = try sampling.pipeline.draw(count: sampling.plan.count, labels: sampling.plan.labels)
print("DDIM, 50 steps: \(drawn.samples.shape) points, first \(drawn.samples.scalars.prefix(4))")
// snippet.hide
for result in [points, drawn.samples] {
    let mean = result.mean().item, std = (result - mean).square().mean().item.squareRoot()
    print("mean \(mean), std \(std) (two moons: 0, 1)")
    precondition(abs(mean) < 0.3 && std > 0.6 && std < 1.4)
}
