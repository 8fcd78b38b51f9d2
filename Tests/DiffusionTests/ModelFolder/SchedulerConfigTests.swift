import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Every `scheduler_config.json` key diffusers uses for sampling is read and
/// honoured; keys that are not are named in warnings.
final class SchedulerConfigTests: XCTestCase {
    func testSamplingKeysAreReadAndHonoured() throws {
        let json = #"""
            {"_class_name": "DDIMScheduler", "num_train_timesteps": 1000, "beta_schedule": "linear",
             "clip_sample": true, "clip_sample_range": 2.0, "thresholding": false,
             "timestep_spacing": "trailing", "steps_offset": 1, "set_alpha_to_one": false}
            """#
        let config = try SchedulerConfig.parse(Data(json.utf8))
        XCTAssertEqual(config.clipSampleRange, 2)
        XCTAssertEqual(config.timestepSpacing, .trailing)
        XCTAssertEqual(config.stepsOffset, 1)
        XCTAssertFalse(config.setAlphaToOne)
        XCTAssertEqual(config.denoisedClipping, .clip(range: 2))
        XCTAssertEqual(try config.makeDiffusion().denoisedClipping, .clip(range: 2))
        XCTAssertEqual(SchedulerConfig.unknownKeys(in: Data(json.utf8)), [])
    }

    func testThresholdingTakesPrecedenceOverClipping() throws {
        let json = #"{"clip_sample": true, "thresholding": true, "dynamic_thresholding_ratio": 0.9, "sample_max_value": 3.0}"#
        let config = try SchedulerConfig.parse(Data(json.utf8))
        XCTAssertEqual(config.denoisedClipping, .dynamicThreshold(ratio: 0.9, maximum: 3))
        XCTAssertEqual(try SchedulerConfig.parse(config.jsonData()), config)
    }

    func testDefaultsWriteNoExtraKeysAndRoundTrip() throws {
        let object = try JSONSerialization.jsonObject(with: SchedulerConfig().jsonData()) as? [String: Any]
        for key in ["thresholding", "timestep_spacing", "steps_offset", "set_alpha_to_one"] {
            XCTAssertNil(object?[key], key)
        }
        var config = SchedulerConfig()
        config.timestepSpacing = .leading
        config.stepsOffset = 1
        config.setAlphaToOne = false
        config.clipSampleRange = 1.5
        XCTAssertEqual(try SchedulerConfig.parse(config.jsonData()), config)
    }

    func testUnknownKeysAreWarnedAbout() {
        let json = #"{"_class_name": "DPMSolverMultistepScheduler", "solver_order": 3, "beta_end": 0.012, "use_karras_sigmas": true}"#
        XCTAssertEqual(
            SchedulerConfig.unknownKeys(in: Data(json.utf8), source: "s.json"),
            [#"s.json: ignoring unknown key "solver_order""#, #"s.json: ignoring unknown key "use_karras_sigmas""#])
    }

    func testBadValuesAreRefusedNamingTheKey() {
        for (json, key) in [
            (#"{"timestep_spacing": "sideways"}"#, "timestep spacing"),
            (#"{"clip_sample_range": 0}"#, "clip_sample_range"),
            (#"{"dynamic_thresholding_ratio": 1.5}"#, "dynamic_thresholding_ratio"),
            (#"{"sample_max_value": 0.5}"#, "sample_max_value"),
            (#"{"steps_offset": -1}"#, "steps_offset"),
        ] {
            XCTAssertThrowsError(try SchedulerConfig.parse(Data(json.utf8)), json) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error) should name \(key)")
            }
        }
    }

    func testSpacingAndOffsetReachTheSamplers() throws {
        let diffusion = try SchedulerConfig().makeDiffusion()
        let ddim = try DDIMSampler(diffusion: diffusion, steps: 10, spacing: .leading, offset: 1)
        XCTAssertEqual(ddim.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1])
        let ddpm = try DDPMSampler(respacing: diffusion, steps: 10, spacing: .leading, offset: 1)
        XCTAssertEqual(ddpm.timesteps, ddim.timesteps)
    }
}
