import Foundation
import NN
import Tensors
import XCTest
@testable import Diffusion

final class DenoiserConfigTests: XCTestCase {
    /// Each kind parses from its own config.json, builds its network, and is read back from it.
    func testKindsRoundTripThroughJSONAndModels() throws {
        var unet = UNetConfig(
            sampleSize: 8, inChannels: 2, outChannels: 1, blockOutChannels: [8, 8], layersPerBlock: 1,
            downBlockTypes: [.plain, .plain], upBlockTypes: [.plain, .plain], attentionHeadDim: nil,
            normNumGroups: 4)
        unet.selfCondition = true
        let mlp = MLPDenoiserConfig(dataDimension: 3, hiddenWidth: 8, blocks: 1, timeEmbeddingDimension: 4)
        let diffusion = GaussianDiffusion(schedule: try NoiseSchedule(.linear(), timesteps: 10))
        for (config, shape, className) in [
            (DenoiserConfig.unet(unet), [1, 8, 8], "UNet2DModel"),
            (.mlp(mlp), [3], "MLPDenoiser"),
        ] {
            XCTAssertEqual(try DenoiserConfig.parse(try config.jsonData()), config)
            XCTAssertEqual(config.exampleShape, shape)
            XCTAssertEqual(config.className, className)
            var generator = RandomGenerator(seed: 1)
            let model = try config.makeModel(diffusion: diffusion, generator: &generator)
            XCTAssertEqual(DenoiserConfig(of: model), config)
        }
        var generator = RandomGenerator(seed: 1)
        XCTAssertTrue(try DenoiserConfig.unet(unet).makeModel(diffusion: diffusion, generator: &generator) is SelfConditionedDenoiser)
        // A diffusers config without _class_name is a U-Net.
        XCTAssertEqual(
            try DenoiserConfig.parse(Data(#"{"sample_size": 8, "in_channels": 1, "out_channels": 1}"#.utf8)).className,
            "UNet2DModel")
        XCTAssertNil(
            DenoiserConfig(of: try GaussianMixtureDenoiser(weights: [1], means: [[0]], deviations: [1], schedule: diffusion.schedule)))
    }
}
