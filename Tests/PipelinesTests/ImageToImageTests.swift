import Tensors
import XCTest
@testable import Diffusion
@testable import Pipelines

final class ImageToImageTests: XCTestCase {
    func testStartStepFollowsDiffusers() throws {
        let diffusion = try TwoPictures.diffusion()
        let sampler = try DDIMSampler(diffusion: diffusion, steps: 10, spacing: .trailing)
        XCTAssertEqual(try ImageToImage(sampler: sampler, strength: 0).startStep, 10)
        XCTAssertEqual(try ImageToImage(sampler: sampler, strength: 0.3).startStep, 7)
        XCTAssertEqual(try ImageToImage(sampler: sampler, strength: 0.75).startStep, 3)
        XCTAssertEqual(try ImageToImage(sampler: sampler, strength: 1).startStep, 0)
        for bad in [-0.1, 1.5, Double.nan] {
            XCTAssertThrowsError(try ImageToImage(sampler: sampler, strength: bad)) { error in
                XCTAssertTrue("\(error)".contains("[0, 1]"), "\(error)")
            }
        }
    }

    func testStrengthZeroReturnsTheInput() throws {
        let diffusion = try TwoPictures.diffusion()
        let input = TwoPictures.tensor((0..<16).map { Double($0) / 16 - 0.5 })
        for sampler in [try DDIMSampler(diffusion: diffusion, steps: 10) as any Sampler, try EulerSampler(diffusion: diffusion, steps: 10)]
        {
            var generator = RandomGenerator(seed: 1)
            let output = try ImageToImage(sampler: sampler, strength: 0)(
                model: try TwoPictures.model(diffusion), images: input, generator: &generator)
            XCTAssertEqual(output.scalars, input.scalars)
        }
    }

    /// A little strength keeps the picture the input is nearest to; full strength forgets the
    /// input and draws both pictures about equally often, as sampling from noise does.
    func testStrengthMovesFromTheInputToFreshSamples() throws {
        let diffusion = try TwoPictures.diffusion()
        let model = try TwoPictures.model(diffusion)
        // The left picture, dimmed: clearly nearer "left" than "right".
        let input = Tensor.concat(Array(repeating: TwoPictures.tensor(TwoPictures.left.map { 0.3 * $0 }), count: 40), axis: 0)
        for sampler in [
            try DDIMSampler(diffusion: diffusion, steps: 20, spacing: .trailing) as any Sampler,
            try EulerSampler(diffusion: diffusion, steps: 20, spacing: .trailing), try DPMSolverPlusPlus(diffusion: diffusion, steps: 20),
            try DDPMSampler(respacing: diffusion, steps: 20),
        ] {
            func leftShare(_ strength: Double) throws -> Double {
                var generator = RandomGenerator(seed: 2)
                let out = try ImageToImage(sampler: sampler, strength: strength)(model: model, images: input, generator: &generator)
                let values = out.scalars
                let lefts = (0..<40).filter { b in
                    (0..<16).reduce(0.0) { $0 + Double(values[b * 16 + $1]) * TwoPictures.left[$1] } > 0
                }
                return Double(lefts.count) / 40
            }
            let weak = try leftShare(0.3), full = try leftShare(1)
            XCTAssertEqual(weak, 1, "\(type(of: sampler)) at strength 0.3 keeps the input's picture")
            XCTAssertGreaterThan(full, 0.2, "\(type(of: sampler)) at strength 1 draws both pictures")
            XCTAssertLessThan(full, 0.8, "\(type(of: sampler)) at strength 1 draws both pictures")
        }
    }
}
