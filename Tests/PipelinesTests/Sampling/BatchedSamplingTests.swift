import Tensors
import XCTest
@testable import Diffusion
@testable import Pipelines

final class BatchedSamplingTests: XCTestCase {
    /// Each batch has its own stream: the first batch is the same whatever the count, and the
    /// same seed gives the same bits; a trajectory has up to 10 columns of the first images.
    func testBatchesAreSeededOnTheirOwn() throws {
        let diffusion = try TwoPictures.diffusion()
        let sampler = try DDPMSampler(respacing: diffusion, steps: 12)
        let pipeline = try BatchedSampling(
            model: try TwoPictures.model(diffusion), sampler: sampler, exampleShape: [1, 4, 4],
            batchSize: 3, seed: 9)
        var progress: [Int] = []
        let seven = try pipeline.draw(count: 7, trajectoryCount: 2, progress: { progress.append($0) })
        let three = try pipeline.draw(count: 3)
        XCTAssertEqual(seven.samples.shape, [7, 1, 4, 4])
        XCTAssertEqual(Array(seven.samples.scalars.prefix(48)), three.samples.scalars)
        XCTAssertEqual(try pipeline.draw(count: 7).samples.scalars, seven.samples.scalars)
        XCTAssertEqual(progress, Array(1...36))
        XCTAssertEqual(seven.trajectory?.columns, 10)
        XCTAssertEqual(seven.trajectory?.images.shape, [20, 1, 4, 4])
        XCTAssertThrowsError(try pipeline.draw(count: 2, labels: [1]))
        XCTAssertThrowsError(try pipeline.draw(count: 3, shouldStop: { true })) { XCTAssertTrue($0 is BatchedSampling.Cancelled) }
    }
}
