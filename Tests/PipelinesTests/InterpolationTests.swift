import Tensors
import XCTest
@testable import Diffusion
@testable import Pipelines

final class InterpolationTests: XCTestCase {
    func testSlerpKeepsTheEndsAndTheNorm() throws {
        var generator = RandomGenerator(seed: 4)
        let a = Tensor.randn([1, 1, 16, 16], generator: &generator), b = Tensor.randn([1, 1, 16, 16], generator: &generator)
        XCTAssertEqual(try Interpolation.slerp(a, b, 0).scalars, a.scalars)
        XCTAssertEqual(try Interpolation.slerp(a, b, 1).scalars, b.scalars)
        func norm(_ x: Tensor) -> Double { x.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let middle = try Interpolation.slerp(a, b, 0.5)
        // Two independent Gaussian draws are nearly orthogonal: slerp keeps the norm, a straight line loses ~30%.
        XCTAssertEqual(norm(middle), (norm(a) + norm(b)) / 2, accuracy: 0.05 * norm(a))
        XCTAssertLessThan(norm((a + b) * 0.5), 0.8 * norm(a))
        XCTAssertThrowsError(try Interpolation.slerp(a, Tensor.zeros([1, 1, 4, 4]), 0.5))
        XCTAssertThrowsError(try Interpolation.frames(from: a, to: b, count: 1))
    }

    /// The first and last frames are the two samples drawn separately from the two noises.
    func testEndsEqualSeparateSamples() throws {
        let diffusion = try TwoPictures.diffusion()
        let model = try TwoPictures.model(diffusion)
        var generator = RandomGenerator(seed: 5)
        let a = Tensor.randn([1, 1, 4, 4], generator: &generator), b = Tensor.randn([1, 1, 4, 4], generator: &generator)
        for sampler in [
            try DDIMSampler(diffusion: diffusion, steps: 20, spacing: .trailing) as any Sampler,
            try HeunSampler(diffusion: diffusion, steps: 10, spacing: .trailing),
        ] {
            let frames = try Interpolation.samples(model: model, sampler: sampler, from: a, to: b, frames: 6)
            XCTAssertEqual(frames.shape, [6, 1, 4, 4])
            var unused = RandomGenerator(seed: 0)
            let first = try sampler.sample(model: model, from: a, generator: &unused)
            let last = try sampler.sample(model: model, from: b, generator: &unused)
            for (x, y) in zip(frames.slice(axis: 0, 0..<1).scalars, first.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            for (x, y) in zip(frames.slice(axis: 0, 5..<6).scalars, last.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
    }

    /// DDIM inversion of a picture the model knows, then DDIM sampling, gives the picture back;
    /// interpolating between the two pictures' inversions starts at one and ends at the other.
    func testInversionRoundTripsAndInterpolatesRealImages() throws {
        let diffusion = try TwoPictures.diffusion()
        let model = try TwoPictures.model(diffusion)
        let sampler = try DDIMSampler(diffusion: diffusion, steps: 50, spacing: .trailing)
        let left = TwoPictures.tensor(TwoPictures.left), right = TwoPictures.tensor(TwoPictures.right)
        let latent = try sampler.invert(model: model, images: left)
        var unused = RandomGenerator(seed: 0)
        let back = try sampler.sample(model: model, state: latent, fromStep: 0, classLabels: nil, generator: &unused, callback: nil)
        for (x, y) in zip(back.scalars, left.scalars) { XCTAssertEqual(Double(x), Double(y), accuracy: 0.1) }
        let frames = try Interpolation.samples(model: model, sampler: sampler, betweenImages: left, and: right, frames: 5)
        for (x, y) in zip(frames.slice(axis: 0, 0..<1).scalars, left.scalars) { XCTAssertEqual(Double(x), Double(y), accuracy: 0.1) }
        for (x, y) in zip(frames.slice(axis: 0, 4..<5).scalars, right.scalars) { XCTAssertEqual(Double(x), Double(y), accuracy: 0.1) }
        XCTAssertThrowsError(
            try Interpolation.samples(
                model: model, sampler: DDIMSampler(diffusion: diffusion, steps: 10, eta: 1),
                betweenImages: left, and: right, frames: 3))
    }
}
