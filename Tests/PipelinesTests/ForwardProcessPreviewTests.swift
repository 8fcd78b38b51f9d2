import Datasets
import Diffusion
import Tensors
import XCTest

@testable import Pipelines

final class ForwardProcessPreviewTests: XCTestCase {
    func testEveryTimestepIsTheClosedFormWithOneNoise() throws {
        let schedule = try ForwardProcessPreview.schedule(named: "cosine", timesteps: 50)
        let image = Tensor(shape: [1, 2, 2], scalars: [-1, -0.5, 0.5, 1])
        let preview = try ForwardProcessPreview(schedule: schedule, image: image, seed: 3)
        for t in [0, 17, 49] {
            let a = schedule.double.alphaBar[t]
            let expected = zip(image.scalars, preview.noise.scalars).map { a.squareRoot() * Double($0) + (1 - a).squareRoot() * Double($1) }
            assertClose(try preview.noised(at: t).scalars, expected, tolerance: 1e-6)
        }
        XCTAssertEqual(try ForwardProcessPreview(schedule: schedule, image: image, seed: 3).noise.scalars, preview.noise.scalars)
        XCTAssertNotEqual(try ForwardProcessPreview(schedule: schedule, image: image, seed: 4).noise.scalars, preview.noise.scalars)
        XCTAssertEqual(preview.signalToNoise[10], preview.alphaBar[10] / (1 - preview.alphaBar[10]))
        XCTAssertEqual(try preview.noisedPicture(at: 0).width, 2)
    }

    func testBadChoicesAreRefusedWithWhatIsAccepted() throws {
        func problem(_ body: () throws -> Any) -> String {
            do {
                _ = try body()
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(problem { try ForwardProcessPreview.schedule(named: "quadratic", timesteps: 10) }.contains("linear, scaled_linear"))
        XCTAssertTrue(problem { try ForwardProcessPreview.schedule(named: "linear", timesteps: 1) }.contains("2…10000"))
        let schedule = try ForwardProcessPreview.schedule(named: "linear", timesteps: 10)
        let preview = try ForwardProcessPreview(schedule: schedule, image: Tensor(shape: [1, 1, 1], scalars: [0]), seed: 0)
        XCTAssertTrue(problem { try preview.noised(at: 10) }.contains("give 0…9"))
        XCTAssertTrue(problem { try ForwardProcessPreview(schedule: schedule, image: Tensor([1, 2]), seed: 0) }.contains("[C, H, W]"))
        XCTAssertTrue(problem { try ForwardProcessPreview.bundledImage(.digits, index: 1_000_000) }.contains("not in digits"))
        XCTAssertEqual(try ForwardProcessPreview.bundledImage(.digits, index: 0).shape, [1, 8, 8])
    }
}
