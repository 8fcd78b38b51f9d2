import Foundation
import NN
import Tensors
import XCTest
@testable import Diffusion

/// A network for `[B, 2, 2, 2]` inputs (one image channel and its estimate) that records what it
/// is given: its output is a fixed linear map of the input, so the x̂0 it implies is known.
private final class RecordingNetwork: DenoisingModel, Module {
    var inputs: [Tensor] = []
    var timesteps: [[Double]] = []
    let scale = Tensor(shape: [1], scalars: [0.3], requiresGrad: true)

    var parameters: [(name: String, tensor: Tensor)] { [("scale", scale)] }

    func callAsFunction(_ x: Tensor, timesteps: [Int], classLabels: [Int]?) throws -> Tensor {
        try self(x, continuousTimesteps: timesteps.map(Double.init), classLabels: classLabels)
    }

    func callAsFunction(_ x: Tensor, continuousTimesteps: [Double], classLabels: [Int]?) throws -> Tensor {
        inputs.append(Tensor(shape: x.shape, scalars: x.scalars))
        timesteps.append(continuousTimesteps)
        let halves = x.split([1, 1], axis: 1)
        // Depends on both halves, so the estimate changes the output.
        return (halves[0] + halves[1] * Float(0.5)) * scale
    }

    /// The estimate channel of evaluation `index`.
    func estimate(_ index: Int) -> Tensor { inputs[index].split([1, 1], axis: 1)[1] }
}

final class SelfConditioningTests: XCTestCase {
    private func diffusion(_ prediction: PredictionType = .epsilon) throws -> GaussianDiffusion {
        GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 100), prediction: prediction, clipDenoised: true)
    }

    private func noise(seed: UInt64 = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randn([2, 1, 2, 2], generator: &generator)
    }

    /// x̂0 from an output for each prediction type, against the formulas, clipped to [−1, 1].
    func testEstimateFollowsThePredictionType() throws {
        let x = Tensor(shape: [2, 1, 1, 2], scalars: [0.5, -0.2, 0.1, 0.9])
        let output = Tensor(shape: [2, 1, 1, 2], scalars: [0.3, 0.1, -0.4, 0.2])
        let alphaBar = [0.8, 0.25]
        for prediction in [PredictionType.epsilon, .velocity, .sample] {
            let model = SelfConditionedDenoiser(network: RecordingNetwork(), diffusion: try diffusion(prediction))
            let estimate = try model.estimate(output: output, xt: x, alphaBar: alphaBar).scalars
            for i in 0..<4 {
                let a = alphaBar[i / 2], xt = Double(x.scalars[i]), o = Double(output.scalars[i])
                let expected: Double
                switch prediction {
                case .epsilon: expected = (xt - (1 - a).squareRoot() * o) / a.squareRoot()
                case .velocity: expected = a.squareRoot() * xt - (1 - a).squareRoot() * o
                case .sample: expected = o
                }
                XCTAssertEqual(Double(estimate[i]), min(max(expected, -1), 1), accuracy: 1e-6, "\(prediction) \(i)")
            }
        }
        // Where ᾱ = 0, ε-prediction says nothing about x0: the estimate is 0, never a division by zero.
        let model = SelfConditionedDenoiser(network: RecordingNetwork(), diffusion: try diffusion())
        XCTAssertEqual(try model.estimate(output: output, xt: x, alphaBar: [0]).scalars, [0, 0, 0, 0])
    }

    /// A sampler's first evaluation sees zeros; each later one sees the x̂0 of the one before it
    /// (for DDIM: the x̂0 it reports); a second run starts from zeros again and repeats the first.
    func testSamplersFeedBackTheLastEstimateAndRunsAreIndependent() throws {
        let network = RecordingNetwork()
        let diffusion = try diffusion()
        let model = SelfConditionedDenoiser(network: network, diffusion: diffusion)
        let sampler = try DDIMSampler(diffusion: diffusion, steps: 4)
        var reported: [Tensor] = []
        var generator = RandomGenerator(seed: 2)
        let first = try sampler.sample(model: model, from: noise(), generator: &generator) { step in
            reported.append(step.predictedX0)
        }
        XCTAssertEqual(network.inputs.count, 4)
        XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 8))
        for i in 1..<4 {
            XCTAssertEqual(network.estimate(i).scalars, reported[i - 1].scalars, "evaluation \(i) sees the x̂0 of \(i - 1)")
            XCTAssertTrue(network.estimate(i).scalars.contains { $0 != 0 })
        }
        XCTAssertNil(model.previousEstimate, "the sampler worked on its own copy")
        network.inputs = []
        let second = try sampler.sample(model: model, from: noise(), generator: &generator)
        XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 8), "a new run starts from zeros")
        XCTAssertEqual(first.scalars, second.scalars)
    }

    /// Every sampler kind and guidance go through the memory: zeros first, estimates after.
    func testEverySamplerAndGuidanceUseSelfConditioning() throws {
        let diffusion = try diffusion(.velocity)
        let samplers: [(String, any Sampler)] = [
            ("ddpm", try DDPMSampler(respacing: diffusion, steps: 4)),
            ("ddim", try DDIMSampler(diffusion: diffusion, steps: 4)),
            ("dpm++", try DPMSolverPlusPlus(diffusion: diffusion, steps: 4)),
            ("dpm++3m-sde", try DPMSolverPlusPlus(diffusion: diffusion, steps: 4, order: 3, stochastic: true)),
            ("unipc", try UniPCSampler(diffusion: diffusion, steps: 4)),
            ("euler", try EulerSampler(diffusion: diffusion, steps: 4, sigmas: .karras)),
            ("euler-a", try EulerAncestralSampler(diffusion: diffusion, steps: 4)),
            ("heun", try HeunSampler(diffusion: diffusion, steps: 3)),
        ]
        for (name, sampler) in samplers {
            let network = RecordingNetwork()
            let model = SelfConditionedDenoiser(network: network, diffusion: diffusion)
            var generator = RandomGenerator(seed: 3)
            _ = try sampler.sample(model: model, from: noise(), generator: &generator)
            XCTAssertGreaterThanOrEqual(network.inputs.count, 3, name)
            XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 8), name)
            for i in 1..<network.inputs.count {
                XCTAssertTrue(network.estimate(i).scalars.contains { $0 != 0 }, "\(name): evaluation \(i) has an estimate")
            }
        }
        // Guidance doubles the batch (conditional, then unconditional); each half keeps its own estimate.
        let network = RecordingNetwork()
        let guided = try ClassifierFreeGuidance(
            model: SelfConditionedDenoiser(network: network, diffusion: diffusion),
            scale: 2, classCount: 2, nullClass: 2)
        let sampler = try DDIMSampler(diffusion: diffusion, steps: 3)
        var generator = RandomGenerator(seed: 4)
        for _ in 0..<2 {
            network.inputs = []
            _ = try sampler.sample(model: guided, from: noise(), classLabels: [0, 1], generator: &generator)
            XCTAssertEqual(network.inputs.count, 3)
            XCTAssertEqual(network.inputs[0].shape, [4, 2, 2, 2])
            XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 16), "each guided run starts from zeros")
            XCTAssertTrue(network.estimate(1).scalars.contains { $0 != 0 })
        }
    }

    /// ᾱ at a continuous timestep: exact on the grid, between its neighbours off it.
    func testAlphaBarAtContinuousTimesteps() throws {
        let diffusion = try diffusion()
        let model = SelfConditionedDenoiser(network: RecordingNetwork(), diffusion: diffusion)
        let alphaBar = diffusion.schedule.double.alphaBar
        for t in [0, 1, 50, 99] { XCTAssertEqual(model.alphaBar(at: Double(t)), alphaBar[t], accuracy: 1e-12) }
        let between = model.alphaBar(at: 40.5)
        XCTAssertLessThan(between, alphaBar[40])
        XCTAssertGreaterThan(between, alphaBar[41])
    }

    /// Training: one uniform draw per batch decides; about half the batches first evaluate without
    /// gradient and then train on that estimate (detached), the rest train on zeros; the extra draw
    /// comes from the trainer's generator, so runs repeat.
    func testTrainingUsesTheEstimateOnAboutHalfTheBatches() throws {
        let diffusion = try diffusion()
        let network = RecordingNetwork()
        let model = SelfConditionedDenoiser(network: network, diffusion: diffusion)
        var generator = RandomGenerator(seed: 5)
        var twice = 0
        let batches = 40
        var draws: [[Float]] = []
        for _ in 0..<batches {
            network.inputs = []
            let x0 = Tensor(shape: [2, 1, 2, 2], scalars: [Float](repeating: 0.5, count: 8))
            let loss = try diffusion.trainingLoss(model: model, x0: x0, options: TrainingLossOptions(), generator: &generator)
            draws.append(loss.perExample)
            if network.inputs.count == 2 {
                twice += 1
                XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 8))
                let alphaBar = diffusion.schedule.double.alphaBar
                let first = (network.inputs[0].split([1, 1], axis: 1)[0] + Tensor.zeros([2, 1, 2, 2]) * Float(0.5)) * network.scale
                let expected = try model.estimate(
                    output: first, xt: network.inputs[1].split([1, 1], axis: 1)[0],
                    alphaBar: loss.timesteps.map { alphaBar[$0] })
                XCTAssertEqual(network.estimate(1).scalars, expected.scalars)
            } else {
                XCTAssertEqual(network.inputs.count, 1)
                XCTAssertEqual(network.estimate(0).scalars, [Float](repeating: 0, count: 8))
            }
            loss.loss.backward()
        }
        XCTAssertGreaterThan(twice, batches / 5)
        XCTAssertLessThan(twice, batches * 4 / 5)
        XCTAssertFalse(model.previousEstimate != nil, "training keeps no memory")
        var again = RandomGenerator(seed: 5)
        for draw in draws {
            let x0 = Tensor(shape: [2, 1, 2, 2], scalars: [Float](repeating: 0.5, count: 8))
            XCTAssertEqual(
                try diffusion.trainingLoss(model: model, x0: x0, options: TrainingLossOptions(), generator: &again).perExample,
                draw)
        }
    }

    /// `self_condition` round-trips through config.json, needs an even in_channels, and a loaded
    /// folder takes images of the image's channels.
    func testConfigAndFolderRoundTrip() throws {
        var config = UNetConfig(
            sampleSize: 8, inChannels: 2, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], attentionHeadDim: nil,
            normNumGroups: 4)
        config.selfCondition = true
        XCTAssertEqual(config.imageChannels, 1)
        let (parsed, warnings) = try UNetConfig.parse(config.jsonData())
        XCTAssertEqual(parsed, config)
        XCTAssertEqual(warnings, [])
        XCTAssertFalse(
            String(decoding: UNetConfig().jsonData(), as: UTF8.self).contains("self_condition"),
            "written only when on")
        var odd = config
        odd.inChannels = 3
        XCTAssertThrowsError(try UNetConfig.parse(odd.jsonData())) { XCTAssertTrue("\($0)".contains("even in_channels"), "\($0)") }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("self-condition-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = RandomGenerator(seed: 6)
        let diffusion = try diffusion()
        let model = SelfConditionedDenoiser(network: try UNet2DModel(config: config, generator: &generator), diffusion: diffusion)
        let scheduler = SchedulerConfig(
            trainTimesteps: 100, betaSchedule: "linear", prediction: .epsilon,
            variance: .fixedSmall, clipSample: true)
        try DenoiserFolder.save(model, scheduler: scheduler, to: folder)
        let loaded = try DenoiserFolder.load(from: folder)
        XCTAssertEqual(loaded.exampleShape, [1, 8, 8])
        XCTAssertTrue(loaded.model is SelfConditionedDenoiser)
        XCTAssertEqual(loaded.model.namedParameters().map(\.path), model.namedParameters().map(\.path))
        XCTAssertEqual(loaded.model.namedParameters().map(\.tensor.scalars), model.namedParameters().map(\.tensor.scalars))
        var sampling = RandomGenerator(seed: 7)
        let images = try DDIMSampler(diffusion: try scheduler.makeDiffusion(), steps: 3)
            .sample(model: loaded.model, shape: [2, 1, 8, 8], generator: &sampling)
        XCTAssertEqual(images.shape, [2, 1, 8, 8])
        XCTAssertTrue(images.scalars.allSatisfy(\.isFinite))
    }
}
