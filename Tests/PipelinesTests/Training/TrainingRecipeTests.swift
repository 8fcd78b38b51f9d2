import Diffusion
import Foundation
import NN
import Pipelines
import XCTest

/// The training recipe as a Swift user builds it: the model chosen from the
/// data and the options, what is refused, and a run started, stopped and
/// resumed through `TrainingRun` alone.
final class TrainingRecipeTests: XCTestCase {
    private func unet(_ recipe: TrainingRecipe) throws -> UNetConfig {
        guard case .unet(let config) = try recipe.network() else {
            XCTFail("expected a U-Net, got \(recipe.modelClass)")
            throw PipelineError(problem: "not a U-Net")
        }
        return config
    }

    func testTheDataChoosesTheModel() throws {
        let toy = try TrainingRecipe(choosing: TrainingChoices(data: "toy:moons"))
        XCTAssertEqual(toy.modelClass, "MLPDenoiser")
        XCTAssertEqual(toy.batchSize, 256)
        XCTAssertFalse(try toy.schedulerConfig().clipSample, "points are not clipped to [−1, 1]")

        let digits = try TrainingRecipe(choosing: TrainingChoices(data: "digits"))
        XCTAssertEqual(try unet(digits), try UNetConfig.preset(named: "digits-tiny"))
        XCTAssertEqual(digits.batchSize, 32)

        var choices = TrainingChoices(data: "mnist")
        choices.variance = .learnedRange
        choices.selfCondition = true
        choices.prediction = .velocity
        choices.cosineSchedule = true
        let mnist = try TrainingRecipe(choosing: choices)
        let config = try unet(mnist)
        XCTAssertEqual(config.outChannels, 2, "a learned variance doubles the output channels")
        XCTAssertEqual(config.inChannels, 2, "self-conditioning doubles the input channels")
        XCTAssertTrue(config.selfCondition)
        let scheduler = try mnist.schedulerConfig()
        XCTAssertEqual(scheduler.prediction, .velocity)
        XCTAssertEqual(scheduler.betaSchedule, "squaredcos_cap_v2")
    }

    func testConditionalSizesTheClassEmbedding() throws {
        var choices = TrainingChoices(data: "digits")
        choices.conditional = true
        choices.classDropout = 0.2
        let recipe = try TrainingRecipe(choosing: choices)
        XCTAssertEqual(recipe.conditioning?.classCount, 10)
        XCTAssertEqual(recipe.conditioning?.classDropout, 0.2)
        XCTAssertEqual(try unet(recipe).numClassEmbeds, 11, "ten classes and the null class")
    }

    func testMismatchesAreRefusedWithWhatWouldFit() {
        func problem(_ choices: TrainingChoices) -> String {
            do {
                _ = try TrainingRecipe(choosing: choices)
                return "accepted"
            } catch {
                return String(describing: error)
            }
        }
        var conditionalToy = TrainingChoices(data: "toy:moons")
        conditionalToy.conditional = true
        XCTAssertTrue(problem(conditionalToy).contains("toy data has no classes"), problem(conditionalToy))
        var presetToy = TrainingChoices(data: "toy:moons")
        presetToy.preset = "mnist-tiny"
        XCTAssertTrue(problem(presetToy).contains("--preset names U-Nets"), problem(presetToy))
        var conditionalConfig = TrainingChoices(data: "digits")
        var config = (try? UNetConfig.preset(named: "digits-tiny"))!
        config.numClassEmbeds = 11
        conditionalConfig.networkConfig = (config.jsonData(), "net.json")
        XCTAssertTrue(problem(conditionalConfig).contains("net.json is class-conditional"), problem(conditionalConfig))
        var wrongOutputs = TrainingChoices(data: "digits")
        config.numClassEmbeds = nil
        wrongOutputs.networkConfig = (config.jsonData(), "net.json")
        wrongOutputs.variance = .learnedRange
        XCTAssertTrue(problem(wrongOutputs).contains("--variance learned_range needs 2"), problem(wrongOutputs))
    }

    /// Four steps in one go equal two steps, a stop, and two resumed steps —
    /// through `TrainingRun` only; a second start in the same folder is refused.
    func testStartStopResume() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var choices = TrainingChoices(data: "toy:moons")
        choices.batchSize = 32
        choices.seed = 3
        let recipe = try TrainingRecipe(choosing: choices)
        let configuration = TrainingConfiguration(steps: 4, learningRate: 1e-3, seed: 3, checkpointEvery: 2)

        let whole = root.appendingPathComponent("whole")
        _ = try TrainingRun.start(recipe, configuration: configuration, out: whole).run()

        let split = root.appendingPathComponent("split")
        let first = try TrainingRun.start(recipe, configuration: configuration, out: split)
        var steps = 0
        XCTAssertEqual(try first.run(shouldStop: { steps >= 2 }, onStep: { _ in steps += 1 }), .interrupted(step: 2))
        XCTAssertThrowsError(try TrainingRun.start(recipe, configuration: configuration, out: split)) {
            XCTAssertTrue(String(describing: $0).contains("already holds a training run"), "\($0)")
        }
        let resumed = try TrainingRun.resume(out: split)
        XCTAssertEqual(resumed.recipe, recipe)
        XCTAssertEqual(resumed.trainer.step, 2)
        XCTAssertEqual(try resumed.trainer.run(), .finished(step: 4))

        let weights = "diffusion_pytorch_model.safetensors"
        XCTAssertEqual(
            try Data(contentsOf: whole.appendingPathComponent(weights)),
            try Data(contentsOf: split.appendingPathComponent(weights)))
    }
}
