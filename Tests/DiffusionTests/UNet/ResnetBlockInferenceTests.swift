import Diffusion
import NN
import Tensors
import XCTest

/// The residual block without gradient recording (its norm → SiLU → conv
/// pairs fused, `Conv2DPrologue.groupNormSiLU`) against the same block
/// recording its tape (the separate ops).
final class ResnetBlockInferenceTests: XCTestCase {
    func testInferenceGivesTheSameBitsAsTraining() {
        var generator = RandomGenerator(seed: 11)
        for (inChannels, outChannels, size) in [(16, 24, 10), (24, 24, 5)] {
            let block = ResnetBlock2D(
                inChannels: inChannels, outChannels: outChannels, timeWidth: 32, groups: 4,
                eps: 1e-5, dropout: 0, generator: &generator)
            let x = Tensor.randn([4, inChannels, size, size], generator: &generator)
            let timeEmbedding = Tensor.randn([4, 32], generator: &generator)
            let recorded = block(x, timeEmbedding: timeEmbedding)
            XCTAssertTrue(recorded.requiresGrad, "the block's parameters should make the training call record")
            let inferred = GradMode.withoutGradient { block(x, timeEmbedding: timeEmbedding) }
            XCTAssertFalse(inferred.requiresGrad)
            XCTAssertTrue(
                recorded.scalars.elementsEqual(inferred.scalars) { $0.bitPattern == $1.bitPattern },
                "\(inChannels) → \(outChannels) at \(size)²: inference differs from training")
        }
    }

    /// Dropout that draws (training mode, p > 0) keeps the separate ops, and
    /// draws the same mask with or without gradient recording.
    func testActiveDropoutIsStillApplied() {
        var generator = RandomGenerator(seed: 12)
        let block = ResnetBlock2D(
            inChannels: 8, outChannels: 8, timeWidth: 16, groups: 2, eps: 1e-5,
            dropout: 0.5, generator: &generator)
        let x = Tensor.randn([2, 8, 6, 6], generator: &generator)
        let timeEmbedding = Tensor.randn([2, 16], generator: &generator)
        let saved = block.dropout.generator
        let recorded = block(x, timeEmbedding: timeEmbedding)
        block.dropout.generator = saved
        let inferred = GradMode.withoutGradient { block(x, timeEmbedding: timeEmbedding) }
        XCTAssertEqual(recorded.scalars, inferred.scalars)
        block.dropout.isTraining = false
        let evaluated = GradMode.withoutGradient { block(x, timeEmbedding: timeEmbedding) }
        XCTAssertNotEqual(evaluated.scalars, inferred.scalars, "evaluation should not drop")
    }
}
