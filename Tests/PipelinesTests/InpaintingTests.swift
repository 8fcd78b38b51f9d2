import Tensors
import XCTest
@testable import Diffusion
@testable import Pipelines

final class InpaintingTests: XCTestCase {
    /// diffusers' RePaintScheduler.set_timesteps(10, jump_length=3, jump_n_sample=2), in grid units.
    func testScheduleMatchesDiffusers() {
        XCTAssertEqual(
            Inpainting.schedule(steps: 10, jumpLength: 3, resampleCount: 2),
            [9, 8, 7, 6, 7, 8, 9, 8, 7, 6, 5, 4, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
        XCTAssertEqual(Inpainting.schedule(steps: 5, jumpLength: 10, resampleCount: 10), [4, 3, 2, 1, 0])
        XCTAssertEqual(try Inpainting(diffusion: TwoPictures.diffusion(), steps: 10, jumpLength: 3, resampleCount: 2).modelEvaluations, 19)
    }

    /// The kept half stays exactly as given, and the filled half completes the picture the kept half
    /// belongs to (the exact denoiser knows the two pictures), for either picture and with resampling.
    func testKeptRegionIsExactAndFilledRegionMatchesThePicture() throws {
        let diffusion = try TwoPictures.diffusion()
        let model = try TwoPictures.model(diffusion)
        // Fill the right half (1), keep the left half (0).
        let mask = Tensor(shape: [4, 4], scalars: (0..<16).map { $0 % 4 < 2 ? 0 : 1 })
        for picture in [TwoPictures.left, TwoPictures.right] {
            // The kept half is the picture; the half to fill starts as grey noise-free junk.
            let given = (0..<16).map { $0 % 4 < 2 ? picture[$0] : 0.1 }
            let images = Tensor.concat(Array(repeating: TwoPictures.tensor(given), count: 8), axis: 0)
            for (jump, resample) in [(5, 1), (5, 3)] {
                var generator = RandomGenerator(seed: 3)
                let out = try Inpainting(diffusion: diffusion, steps: 50, jumpLength: jump, resampleCount: resample)(
                    model: model, images: images, mask: mask, generator: &generator)
                let values = out.scalars, input = images.scalars
                for i in values.indices where i % 4 < 2 {
                    XCTAssertEqual(values[i], input[i], "kept pixel \(i) changed")
                }
                for b in 0..<8 {
                    for p in 0..<16 where p % 4 >= 2 {
                        XCTAssertEqual(Double(values[b * 16 + p]), picture[p], accuracy: 0.25, "filled pixel \(p) of image \(b)")
                    }
                }
            }
        }
    }

    func testBadMasksAreRefused() throws {
        let diffusion = try TwoPictures.diffusion()
        let inpainting = try Inpainting(diffusion: diffusion, steps: 10)
        let images = TwoPictures.tensor(TwoPictures.left)
        var generator = RandomGenerator(seed: 0)
        let cases: [(Tensor, String)] = [
            (Tensor(shape: [3, 4], scalars: Array(repeating: 0, count: 12)), "image's size"),
            (Tensor(shape: [4, 4], scalars: (0..<16).map { $0 == 0 ? 0.5 : 0 }), "binary"),
            (Tensor(shape: [4, 4], scalars: Array(repeating: 0, count: 16)), "empty"),
            (Tensor(shape: [4, 4], scalars: Array(repeating: 1, count: 16)), "whole image"),
        ]
        for (mask, expected) in cases {
            XCTAssertThrowsError(try inpainting(model: TwoPictures.model(diffusion), images: images, mask: mask, generator: &generator)) {
                error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertThrowsError(try Inpainting(diffusion: diffusion, steps: 0))
        XCTAssertThrowsError(try Inpainting(diffusion: diffusion, steps: 10, jumpLength: 0))
        XCTAssertThrowsError(try Inpainting(diffusion: diffusion, steps: 10, resampleCount: 0))
    }
}
