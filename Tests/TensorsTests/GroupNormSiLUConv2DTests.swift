import Tensors
import XCTest

/// `conv2d(…, prologue: .groupNormSiLU(…))`, which (fused, in inference on
/// the Winograd path) normalises each image as the convolution stages it,
/// against `groupNormSiLU` then `conv2d`.
final class GroupNormSiLUConv2DTests: XCTestCase {
    /// The op and its composition, both without gradient recording.
    private func compare(
        batch: Int, channels: Int, outChannels: Int, size: Int, groups: Int, stride: Int = 1,
        shifted: Bool, affine: Bool, residual: Bool, seed: UInt64, fused expectFused: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let x = GradientCheck.random([batch, channels, size, size], seed: seed) * 2 + 0.5
        let gamma = affine ? GradientCheck.random([channels], seed: seed + 1) : nil
        let beta = affine ? GradientCheck.random([channels], seed: seed + 2) : nil
        let shift = shifted ? GradientCheck.random([batch, channels], seed: seed + 3) : nil
        let weight = GradientCheck.random([outChannels, channels, 3, 3], seed: seed + 4) * 0.2
        let bias = GradientCheck.random([outChannels], seed: seed + 5)
        let outSize = (size + 2 - 3) / stride + 1
        let added = residual ? GradientCheck.random([batch, outChannels, outSize, outSize], seed: seed + 6) : nil
        GradMode.withoutGradient {
            let normalized =
                if let shift {
                    x.groupNormSiLU(adding: shift, groups: groups, weight: gamma, bias: beta)
                } else {
                    x.groupNormSiLU(groups: groups, weight: gamma, bias: beta)
                }
            let expected = normalized.conv2d(
                weight, bias: bias, stride: (stride, stride), padding: Conv2DPadding(all: 1),
                adding: added)
            let (fused, records) = Conv2DPlan.recorded {
                x.conv2d(
                    weight, bias: bias, stride: (stride, stride), padding: Conv2DPadding(all: 1),
                    prologue: .groupNormSiLU(groups: groups, weight: gamma, bias: beta, eps: 1e-5, shift: shift),
                    adding: added)
            }
            XCTAssertEqual(
                records.map(\.plan.fusesPrologue), [expectFused], "the case tests the path it names",
                file: file, line: line)
            XCTAssertEqual(fused.shape, expected.shape, file: file, line: line)
            XCTAssertTrue(
                fused.scalars.elementsEqual(expected.scalars) { $0.bitPattern == $1.bitPattern },
                "fused output differs from groupNormSiLU then conv2d", file: file, line: line)
        }
    }

    /// Bit for bit on the F(5×5) (sizes 5, 9, 13) and F(2×2) (size 3)
    /// tilings, with and without the shift, γ/β and residual, and with widths
    /// that leave partial vectors; the next test takes F(4×4) (size 11).
    func testSameBitsAsNormalizingThenConvolving() {
        compare(
            batch: 4, channels: 16, outChannels: 8, size: 9, groups: 4, shifted: true, affine: true,
            residual: true, seed: 10)
        compare(
            batch: 3, channels: 24, outChannels: 16, size: 13, groups: 3, shifted: false, affine: true,
            residual: false, seed: 20)
        compare(
            batch: 2, channels: 8, outChannels: 8, size: 3, groups: 2, shifted: true, affine: false,
            residual: true, seed: 30)
        compare(
            batch: 2, channels: 40, outChannels: 8, size: 5, groups: 8, shifted: false, affine: false,
            residual: false, seed: 40)
    }

    /// The portable and AVX2 copies too, which map each channel in runs.
    func testSameBitsOnEveryInstructionSet() {
        defer { GEMM.force(nil) }
        for set in [GEMM.InstructionSet.generic, .avx2, .avx512] where GEMM.force(set) {
            compare(
                batch: 2, channels: 16, outChannels: 8, size: 11, groups: 4, shifted: true, affine: true,
                residual: true, seed: 50)
        }
    }

    /// Shapes the Winograd path does not take (stride 2) fall back to the two ops.
    func testOtherShapesFallBack() {
        compare(
            batch: 2, channels: 8, outChannels: 8, size: 8, groups: 2, stride: 2, shifted: true, affine: true,
            residual: false, seed: 60, fused: false)
    }

    /// With gradients recorded the op is the composition: the same values,
    /// and gradients reach every input.
    func testRecordsGradientsWhenTraining() {
        let x = GradientCheck.random([2, 8, 6, 6], seed: 70)
        let gamma = GradientCheck.random([8], seed: 71), beta = GradientCheck.random([8], seed: 72)
        let shift = GradientCheck.random([2, 8], seed: 73)
        let weight = GradientCheck.random([8, 8, 3, 3], seed: 74) * 0.2, bias = GradientCheck.random([8], seed: 75)
        let inputs = [x, gamma, beta, shift, weight, bias]
        GradientCheck.check(inputs, epsilon: 1e-2, tolerance: 3e-2) {
            $0[0].conv2d(
                $0[4], bias: $0[5], stride: (1, 1), padding: Conv2DPadding(all: 1),
                prologue: .groupNormSiLU(groups: 2, weight: $0[1], bias: $0[2], eps: 1e-5, shift: $0[3]))
        }
    }
}
