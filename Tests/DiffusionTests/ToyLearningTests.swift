import Diffusion
import NN
import Tensors
import XCTest

/// Learning end to end: a small MLP ε-model trained on a 2-D distribution and
/// sampled with DDPM and DDIM must land much closer (in energy distance) to
/// fresh data than the untrained model does.
final class ToyLearningTests: XCTestCase {
    /// Eight Gaussians on a circle of radius 2 (σ = 0.1), `[n, 2]`.
    static func eightGaussians(_ n: Int, generator: inout RandomGenerator) -> Tensor {
        var values = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let angle = Float(generator.nextInt(below: 8)) * Float.pi / 4
            values[2 * i] = 2 * cos(angle) + 0.1 * generator.nextNormal()
            values[2 * i + 1] = 2 * sin(angle) + 0.1 * generator.nextNormal()
        }
        return Tensor(shape: [n, 2], scalars: values)
    }

    /// The energy distance `2E|X−Y| − E|X−X'| − E|Y−Y'|` between two point sets, in Double.
    static func energyDistance(_ a: Tensor, _ b: Tensor) -> Double {
        func meanDistance(_ x: Tensor, _ y: Tensor) -> Double {
            let n = x.shape[0], m = y.shape[0]
            var total = 0.0
            for i in 0..<n {
                let (x0, x1) = (Double(x.scalars[2 * i]), Double(x.scalars[2 * i + 1]))
                for j in 0..<m {
                    let (d0, d1) = (x0 - Double(y.scalars[2 * j]), x1 - Double(y.scalars[2 * j + 1]))
                    total += (d0 * d0 + d1 * d1).squareRoot()
                }
            }
            return total / Double(n * m)
        }
        return 2 * meanDistance(a, b) - meanDistance(a, a) - meanDistance(b, b)
    }

    func testMLPLearnsEightGaussians() throws {
        var generator = RandomGenerator(seed: 11)
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.cosine(), timesteps: 100))
        let model = try MLPDenoiser(
            config: MLPDenoiserConfig(hiddenWidth: 64, blocks: 1, timeEmbeddingDimension: 16),
            generator: &generator)
        let optimizer = try AdamW(parameters: model.namedParameters(), learningRate: 3e-3, weightDecay: 0)
        let fresh = Self.eightGaussians(1000, generator: &generator)

        func sampleDistance() throws -> (ddpm: Double, ddim: Double) {
            var g = RandomGenerator(seed: 99)
            let ddpm = try DDPMSampler(diffusion: diffusion).sample(model: model, shape: [1000, 2], generator: &g)
            let ddim = try DDIMSampler(diffusion: diffusion, steps: 20).sample(model: model, shape: [1000, 2], generator: &g)
            return (Self.energyDistance(ddpm, fresh), Self.energyDistance(ddim, fresh))
        }

        let untrained = try sampleDistance()
        for _ in 0..<400 {
            let x0 = Self.eightGaussians(128, generator: &generator)
            let loss = try diffusion.trainingLoss(model: model, x0: x0, generator: &generator).loss
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        let trained = try sampleDistance()
        XCTAssertGreaterThan(untrained.ddpm, 0.5, "the untrained model must clearly miss")
        XCTAssertLessThan(trained.ddpm, 0.1, "DDPM samples: energy distance \(trained.ddpm) (untrained \(untrained.ddpm))")
        XCTAssertLessThan(trained.ddim, 0.1, "DDIM samples: energy distance \(trained.ddim) (untrained \(untrained.ddim))")
    }
}
