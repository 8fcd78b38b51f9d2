import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Clipping and Imagen's dynamic thresholding of x̂0, against values worked by hand.
final class DenoisedClippingTests: XCTestCase {
    func testClipClampsToTheRange() {
        let x = Tensor(shape: [1, 4], scalars: [-3, -0.5, 0.25, 2])
        XCTAssertEqual(DenoisedClipping.clip(range: 1).apply(to: x).scalars, [-1, -0.5, 0.25, 1])
        XCTAssertEqual(DenoisedClipping.clip(range: 2.5).apply(to: x).scalars, [-2.5, -0.5, 0.25, 2])
        XCTAssertEqual(DenoisedClipping.none.apply(to: x).scalars, x.scalars)
    }

    func testDynamicThresholdUsesTheLinearlyInterpolatedQuantilePerExample() {
        // Example 0: |x| sorted = 0.5, 1.5, 2, 3; the 0.5 quantile sits at position 1.5 → 1.75.
        // Example 1: every |x| ≤ 1, so s = max(quantile, 1) = 1 and thresholding is plain clipping.
        let x = Tensor(shape: [2, 2, 2], scalars: [0.5, -3, 2, 1.5, 0.2, -0.9, 0.4, 1])
        let out = DenoisedClipping.dynamicThreshold(ratio: 0.5, maximum: 10).apply(to: x).scalars
        let s: Float = 1.75
        let expected: [Float] = [0.5 / s, -1, 1, 1.5 / s, 0.2, -0.9, 0.4, 1]
        for (a, b) in zip(out, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testDynamicThresholdIsCappedBySampleMaxValue() {
        // The 0.995 quantile of |x| here is close to 4, but s may not exceed 2.
        let x = Tensor(shape: [1, 3], scalars: [4, -4, 1])
        let out = DenoisedClipping.dynamicThreshold(ratio: 0.995, maximum: 2).apply(to: x).scalars
        XCTAssertEqual(out, [1, -1, 0.5])
    }

    func testDiffusionsApplyTheirClippingInTheReverseStep() throws {
        let schedule = try NoiseSchedule(.linear(start: 1e-4, end: 0.02), timesteps: 10)
        let xt = Tensor(shape: [1, 4], scalars: [3, -3, 0.1, 0])
        let predictions = Tensor(shape: [1, 4], scalars: [4, -2, 0.5, 0])  // x̂0 itself (x0-prediction)
        for clipping in [DenoisedClipping.none, .clip(range: 1), .dynamicThreshold(ratio: 0.9, maximum: 3)] {
            let diffusion = GaussianDiffusion(
                schedule: schedule, prediction: .sample, variance: .fixedSmall,
                denoisedClipping: clipping)
            let step = try diffusion.reverseStep(modelOutput: predictions, xt: xt, timesteps: [5])
            XCTAssertEqual(step.predictedX0.scalars, clipping.apply(to: predictions).scalars, "\(clipping)")
        }
    }
}
