@testable import Tensors
import XCTest

/// `conv2d(…, prologue: .upsampleNearest2x)`, whose Winograd staging copy
/// (fused, in inference) upsamples each image on the way, against
/// `upsampleNearest2x` then `conv2d`.
final class UpsampleConv2DTests: XCTestCase {
    /// The op and its composition without gradient recording: the same bits.
    private func compare(
        batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, seed: UInt64,
        fused expectFused: Bool = true, file: StaticString = #filePath, line: UInt = #line
    ) {
        let x = GradientCheck.random([batch, channels, height, width], seed: seed)
        let weight = GradientCheck.random([outChannels, channels, 3, 3], seed: seed + 1)
        let bias = GradientCheck.random([outChannels], seed: seed + 2)
        let padding = Conv2DPadding(all: 1)
        GradMode.withoutGradient {
            let expected = x.upsampleNearest2x().conv2d(weight, bias: bias, stride: (1, 1), padding: padding)
            let (fused, records) = Conv2DPlan.recorded {
                x.conv2d(weight, bias: bias, stride: (1, 1), padding: padding, prologue: .upsampleNearest2x)
            }
            XCTAssertEqual(
                records.map(\.plan.fusesPrologue), [expectFused], "the case tests the path it names",
                file: file, line: line)
            XCTAssertEqual(fused.shape, expected.shape, file: file, line: line)
            XCTAssertTrue(
                fused.scalars.elementsEqual(expected.scalars) { $0.bitPattern == $1.bitPattern },
                "fused output differs from upsampleNearest2x then conv2d", file: file, line: line)
        }
    }

    /// The U-Net's two upsamplings (7 → 14 on F(5×5), 14 → 28 on F(4×4)),
    /// odd and unequal sizes, and channel counts off the SIMD width, on every
    /// instruction set (the portable copy too).
    func testSameBitsAsUpsamplingThenConvolving() {
        defer { GEMM.force(nil) }
        for set in [GEMM.InstructionSet.generic, .avx2, .avx512] where GEMM.force(set) {
            compare(batch: 2, channels: 16, outChannels: 8, height: 7, width: 7, seed: 10)
            compare(batch: 3, channels: 8, outChannels: 12, height: 14, width: 14, seed: 20)
            compare(batch: 2, channels: 17, outChannels: 9, height: 5, width: 3, seed: 30)
            compare(batch: 2, channels: 33, outChannels: 8, height: 2, width: 9, seed: 40)
        }
    }

    /// Shapes off the Winograd path (one input channel) take the two ops.
    func testOtherShapesFallBack() {
        compare(batch: 2, channels: 1, outChannels: 4, height: 4, width: 4, seed: 50, fused: false)
    }

    /// With gradients recorded the op is the composition: the same values, and
    /// the same gradients for the input, the weight and the bias.
    func testRecordsGradientsWhenTraining() {
        func run(fused: Bool) -> [[Float]] {
            let x = GradientCheck.random([2, 8, 5, 6], seed: 60)
            let weight = GradientCheck.random([8, 8, 3, 3], seed: 61), bias = GradientCheck.random([8], seed: 62)
            for tensor in [x, weight, bias] { tensor.requiresGrad = true }
            let padding = Conv2DPadding(all: 1)
            let y =
                fused
                ? x.conv2d(weight, bias: bias, stride: (1, 1), padding: padding, prologue: .upsampleNearest2x)
                : x.upsampleNearest2x().conv2d(weight, bias: bias, stride: (1, 1), padding: padding)
            y.backward(GradientCheck.random(y.shape, seed: 63))
            return [y.scalars, x.grad!.scalars, weight.grad!.scalars, bias.grad!.scalars]
        }
        XCTAssertEqual(run(fused: true), run(fused: false))
    }
}
