// Classifier-free guidance (Ho & Salimans 2022): ε̂ = ε_uncond + w·(ε_cond − ε_uncond),
// around a class-conditional ε-model whose answers are exact: class 0 is N(−0.5, 0.1²),
// class 1 is N(0.5, 0.1²), and the "null" class 2 the even mixture of both.
import Diffusion
import Foundation
import Tensors

// snippet.hide
/// The exact ε-model of two one-dimensional Gaussian classes and of their even mixture (the null class).
struct TwoClassDenoiser: DenoisingModel {
    let schedule: NoiseSchedule
    let means = [-0.5, 0.5]
    let std = 0.1

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        let perExample = x.count / timesteps.count
        let scalars = x.scalars.enumerated().map { index, value -> Float in
            let example = index / perExample
            let alphaBar = schedule.double.alphaBar[timesteps[example]]
            let variance = alphaBar * std * std + 1 - alphaBar
            let label = classLabels?[example] ?? 2
            let classes = label < 2 ? [label] : [0, 1]
            // E[ε | x_t] over the classes, each weighted by how well it explains x_t.
            let weights = classes.map { exp(-pow(Double(value) - alphaBar.squareRoot() * means[$0], 2) / (2 * variance)) }
            let expected = zip(classes, weights).map { $1 * (Double(value) - alphaBar.squareRoot() * means[$0]) }.reduce(0, +)
            return Float((1 - alphaBar).squareRoot() / variance * expected / weights.reduce(0, +))
        }
        return Tensor(shape: x.shape, scalars: scalars)
    }
}

// snippet.show
let schedule = try NoiseSchedule(.linear(), timesteps: 1000)
let sampler = try DPMSolverPlusPlus(diffusion: GaussianDiffusion(schedule: schedule), steps: 20)
let labels = [Int](repeating: 1, count: 1000)  // ask for class 1 every time
for w in [0.0, 1.0, 3.0] {
    let guided = try ClassifierFreeGuidance(model: TwoClassDenoiser(schedule: schedule), scale: w, classCount: 2, nullClass: 2)
    var generator = RandomGenerator(seed: 7)
    let samples = try sampler.sample(model: guided, shape: [1000, 1], classLabels: labels, generator: &generator)
    let inClassOne = samples.scalars.filter { $0 > 0 }.count
    print("w = \(w): \(inClassOne) of 1000 samples on class 1's side; mean \(samples.mean().item)")
    // snippet.hide
    if w == 0 { precondition(inClassOne > 350 && inClassOne < 650, "w = 0 is the unconditional model") }
    if w >= 1 { precondition(inClassOne > 980, "w ≥ 1 draws class 1") }
    // snippet.show
}
