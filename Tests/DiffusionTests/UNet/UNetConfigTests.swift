import Diffusion
import Foundation
import XCTest

final class UNetConfigTests: XCTestCase {
    private func parse(_ json: String) throws -> (config: UNetConfig, warnings: [String]) {
        try UNetConfig.parse(Data(json.utf8), source: "test.json")
    }

    func testBenchmarkConfigParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/unet/tiny-attn/model/config.json")
        let (config, warnings) = try UNetConfig.parse(Data(contentsOf: url))
        XCTAssertEqual(config.sampleHeight, 8)
        XCTAssertEqual(config.sampleWidth, 12)
        XCTAssertEqual(config.attentionHeadDim, 16)
        XCTAssertEqual(warnings, [])
    }

    func testDefaultsNullsAndUnknownKeys() throws {
        let (config, warnings) = try parse(
            #"{"sample_size": 32, "block_out_channels": [32, 64], "down_block_types": ["DownBlock2D", "AttnDownBlock2D"], "up_block_types": ["AttnUpBlock2D", "UpBlock2D"], "attention_head_dim": null, "shiny": 1}"#
        )
        XCTAssertNil(config.attentionHeadDim, "null means one head of full width")
        XCTAssertEqual(config.normNumGroups, 32)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("shiny"))
        let (defaults, _) = try parse(
            #"{"block_out_channels": [32, 64], "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"]}"#
        )
        XCTAssertEqual(defaults.attentionHeadDim, 8, "absent means diffusers' default")
    }

    func testUnsupportedValuesAreRefusedWithTheKey() {
        let cases: [(String, String)] = [
            (#"{"down_block_types": ["CrossAttnDownBlock2D"]}"#, "CrossAttnDownBlock2D"),
            (#"{"act_fn": "mish"}"#, "act_fn"),
            (#"{"time_embedding_type": "fourier"}"#, "time_embedding_type"),
            (#"{"layers_per_block": "two"}"#, "layers_per_block"),
            (#"{"block_out_channels": [30, 64, 64, 64]}"#, "norm_num_groups"),
            (#"[1, 2]"#, "JSON object"),
            (#"{"sample_size": 30}"#, "divisible"),
            ("{not json", "JSON"),
        ]
        for (json, needle) in cases {
            XCTAssertThrowsError(try parse(json), json) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error) should mention \(needle)")
            }
        }
    }

    func testJSONRoundTrip() throws {
        for name in UNetConfig.presetNames {
            let config = try UNetConfig.preset(named: name)
            XCTAssertEqual(try UNetConfig.parse(config.jsonData()).config, config)
        }
        XCTAssertThrowsError(try UNetConfig.preset(named: "huge"))
    }

    func testSchedulerConfigRoundTripAndErrors() throws {
        let config = SchedulerConfig(trainTimesteps: 500, betaSchedule: "squaredcos_cap_v2", prediction: .velocity, variance: .learnedRange)
        XCTAssertEqual(try SchedulerConfig.parse(config.jsonData()), config)
        XCTAssertThrowsError(try SchedulerConfig.parse(Data(#"{"beta_schedule": "wiggly"}"#.utf8)))
        XCTAssertThrowsError(try SchedulerConfig.parse(Data(#"{"num_train_timesteps": 0}"#.utf8)))
        XCTAssertThrowsError(try SchedulerConfig.parse(Data(#"{"prediction_type": "noise"}"#.utf8)))
    }
}
