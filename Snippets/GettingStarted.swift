// Train a DDPM and sample from it, from Swift: what `ddpm demo` does, on the bundled
// 8×8 digits. As CI runs it (a debug build) it trains for 20 steps of 16 digits and draws
// 16 digits in 25 steps, to show that every part runs; `swift run -c release GettingStarted full`
// trains for 3,000 steps of 32 and draws 64 digits in 100 steps, as the demo does (minutes, not seconds).
import Datasets
import Diffusion
import Foundation
import Pipelines
import Tensors

// snippet.hide
let full = CommandLine.arguments.dropFirst().first == "full"
let (steps, batchSize, samplingSteps, count) = full ? (3000, 32, 100, 64) : (20, 16, 25, 16)
let out = FileManager.default.temporaryDirectory.appendingPathComponent("swift-ddpm-getting-started")
try? FileManager.default.removeItem(at: out)

// snippet.show
// 1. The recipe: the bundled digits, the U-Net chosen for them (digits-tiny), v-prediction as the demo.
var choices = TrainingChoices(data: "digits")
choices.prediction = .velocity
choices.batchSize = batchSize
let recipe = try TrainingRecipe(choosing: choices)

// 2. Train (Algorithm 1): AdamW with warmup, gradient clipping, an EMA of the weights; the run
//    exports the EMA weights as a model folder in `out` at each checkpoint and at the end.
let configuration = TrainingConfiguration(
    steps: steps, learningRate: 1e-3, warmupSteps: 20, gradientClip: 1, emaDecay: 0.99, checkpointEvery: steps)
let trainer = try TrainingRun.start(recipe, configuration: configuration, out: out)
_ = try trainer.run(onStep: { report in
    if report.step % 10 == 0 { print("step \(report.step) of \(report.totalSteps): loss \(report.loss)") }
})

// 3. Sample (Algorithm 2): load the folder, draw digits with ancestral sampling respaced to fewer steps.
let loaded = try DenoiserFolder.load(from: out)
let sampler = try DDPMSampler(respacing: try loaded.scheduler.makeDiffusion(), steps: samplingSteps)
var generator = RandomGenerator(seed: 0)
let digits = try sampler.sample(model: loaded.model, shape: [count] + loaded.exampleShape, generator: &generator)

// 4. Look at them: a grid of 8×8 digits.
let grid = out.appendingPathComponent("samples.png")
try ImageGrid.write(digits.clamped(-1, 1), toFile: grid.path, columns: 8)
print("\(count) digits: \(grid.path); the model folder: \(out.path)")
// snippet.hide
precondition(digits.shape == [count, 1, 8, 8] && digits.scalars.allSatisfy(\.isFinite))
