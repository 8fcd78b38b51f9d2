import Diffusion
import Foundation
import NN
import Tensors
import XCTest

@testable import Pipelines

/// A model folder made ready to draw: choices that cannot fit are refused with what is
/// accepted, the guidance values before the folder is read, the class choices against it.
final class FolderSamplingTests: XCTestCase {
    func problem(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch { return "\(error)" }
    }

    func testGuidanceIsCheckedBeforeTheFolderIsRead() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        let choice = try SamplerChoice(steps: 2)
        func make(guidance: Double?, rescale: Double = 0, classes: ClassChoice = .single(0)) -> String {
            problem {
                try FolderSampling(
                    folder: missing, sampler: choice, classes: classes, guidance: guidance, guidanceRescale: rescale,
                    count: 1, batchSize: 1, seed: 0)
            }
        }
        XCTAssertTrue(make(guidance: .nan).contains("guidance weight nan is not accepted"))
        XCTAssertTrue(make(guidance: -1).contains("finite number ≥ 0"))
        XCTAssertTrue(make(guidance: 2, rescale: 1.5).contains("guidance rescale 1.5"))
        XCTAssertTrue(make(guidance: 2, classes: .none).contains("guidance needs a class"))
        XCTAssertTrue(make(guidance: 2).contains("no such model folder"))
    }

    func testClassChoicesAreCheckedAgainstTheFolderAndADrawRuns() throws {
        let folder = try makeTemporaryFolder("FolderSampling")
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = RandomGenerator(seed: 1)
        let unet = try UNet2DModel(config: try UNetConfig.preset(named: "digits-tiny"), generator: &generator)
        try DenoiserFolder.save(unet, scheduler: SchedulerConfig(trainTimesteps: 50), to: folder)
        let choice = try SamplerChoice(name: "ddim", steps: 2)
        XCTAssertTrue(
            problem { try FolderSampling(folder: folder, sampler: choice, classes: .single(3), count: 2, batchSize: 2, seed: 0) }
                .contains("is not class-conditional"))
        XCTAssertTrue(
            problem { try FolderSampling(folder: folder, sampler: try SamplerChoice(steps: 51), count: 2, batchSize: 2, seed: 0) }
                .contains("exceed the model's 50 training timesteps"))
        let drawing = try FolderSampling(folder: folder, sampler: choice, count: 3, batchSize: 2, seed: 0)
        XCTAssertEqual(drawing.plan.count, 3)
        XCTAssertNil(drawing.plan.labels)
        XCTAssertTrue(drawing.drawsPNGImages)
        XCTAssertEqual(drawing.summary.trainingTimesteps, 50)
        XCTAssertEqual(try drawing.pipeline.draw(count: drawing.plan.count).samples.shape, [3, 1, 8, 8])
    }
}
