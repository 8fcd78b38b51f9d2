import Tensors
import XCTest

/// The choices of `Conv2DPlan`, stated as a table: the benchmark U-Net's
/// layers at 2 threads (28×28, 14×14 and 7×7 with 32 to 128 channels), small
/// batches, and the shapes each fast path refuses.
final class Conv2DPlanTests: XCTestCase {
    private struct Row {
        let input: [Int]
        let weight: [Int]
        var stride = (1, 1)
        var padding = Conv2DPadding(all: 1)
        var threads = 2
        let forward: Conv2DAlgorithm
        let backward: Conv2DAlgorithm
        let threading: Conv2DThreading
        let why: String
    }

    private static let table: [Row] = [
        Row(
            input: [64, 32, 28, 28], weight: [32, 32, 3, 3], forward: .winograd(.f4x4), backward: .winograd(.f4x4),
            threading: .batchBlocks(2), why: "28×28: 49 F(4×4) tiles cost 1764, 36 F(5×5) tiles 1764 (tie)"),
        Row(
            input: [64, 64, 14, 14], weight: [64, 64, 3, 3], forward: .winograd(.f5x5), backward: .winograd(.f5x5),
            threading: .batchBlocks(2), why: "14×14: 9 F(5×5) tiles cost 441, 16 F(4×4) tiles 576"),
        Row(
            input: [64, 128, 7, 7], weight: [128, 128, 3, 3], forward: .winograd(.f4x4),
            backward: .winograd(.f4x4), threading: .batchBlocks(2), why: "7×7: 4 F(4×4) tiles cost 144, F(5×5) 196"),
        Row(
            input: [8, 16, 3, 3], weight: [16, 16, 3, 3], forward: .winograd(.f2x2), backward: .winograd(.f2x2),
            threading: .batchBlocks(2), why: "an output narrower than 4 takes F(2×2)"),
        Row(
            input: [64, 32, 28, 28], weight: [32, 32, 3, 3], stride: (2, 2),
            padding: Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1), forward: .implicitGEMM, backward: .im2col,
            threading: .batchBlocks(2), why: "stride 2: implicit forward, im2col backward"),
        Row(
            input: [64, 1, 28, 28], weight: [32, 1, 3, 3], forward: .implicitGEMM, backward: .implicitGEMM,
            threading: .batchBlocks(2), why: "conv_in: one input channel is too thin for Winograd"),
        Row(
            input: [64, 32, 28, 28], weight: [1, 32, 3, 3], forward: .implicitGEMM, backward: .implicitGEMM,
            threading: .batchBlocks(2), why: "conv_out: one output channel is too thin for Winograd"),
        Row(
            input: [64, 32, 14, 14], weight: [64, 32, 1, 1], padding: .zero, forward: .pointwise,
            backward: .pointwise, threading: .batchBlocks(2), why: "1×1 shortcut"),
        Row(
            input: [2, 8, 4, 4], weight: [8, 8, 1, 1], padding: .zero, forward: .pointwise, backward: .pointwise,
            threading: .splitGEMM, why: "too little work to hand out batch blocks"),
        Row(
            input: [1, 32, 28, 28], weight: [32, 32, 3, 3], forward: .im2col, backward: .im2col,
            threading: .splitGEMM, why: "a batch of 1 at 2 threads: im2col with the GEMMs split"),
        Row(
            input: [1, 32, 28, 28], weight: [32, 32, 3, 3], threads: 1, forward: .winograd(.f4x4),
            backward: .winograd(.f4x4), threading: .batchBlocks(1), why: "a batch of 1 at 1 thread"),
        Row(
            input: [4, 16, 8, 8], weight: [16, 16, 5, 5], padding: Conv2DPadding(all: 2), forward: .implicitGEMM,
            backward: .implicitGEMM, threading: .batchBlocks(2), why: "5×5 kernel: no Winograd"),
        Row(
            input: [4, 16, 5, 5], weight: [16, 16, 3, 3], padding: Conv2DPadding(all: 3), forward: .im2col,
            backward: .im2col, threading: .splitGEMM, why: "padding 3 with a 3×3 kernel: only im2col"),
        Row(
            input: [4, 16, 8, 8], weight: [16, 16, 3, 3], stride: (2, 1), forward: .im2col, backward: .im2col,
            threading: .splitGEMM, why: "unequal strides: only im2col"),
    ]

    func testTheTable() {
        for row in Self.table {
            let geometry = Conv2DGeometry(
                input: row.input, weight: row.weight, bias: nil, stride: row.stride,
                padding: row.padding)
            let plan = Conv2DPlan(geometry, threads: row.threads)
            XCTAssertEqual(plan.forward.algorithm, row.forward, row.why)
            XCTAssertEqual(plan.backward.algorithm, row.backward, row.why)
            XCTAssertEqual(plan.forward.threading, row.threading, row.why)
        }
    }

    /// The prologue is fused only in inference on the Winograd path, and
    /// never a map no kernel knows; the residual wherever Winograd writes the output.
    func testWhatIsFused() {
        let winograd = Conv2DGeometry(
            input: [4, 16, 8, 8], weight: [16, 16, 3, 3], bias: nil, stride: (1, 1),
            padding: Conv2DPadding(all: 1))
        let strided = Conv2DGeometry(
            input: [4, 16, 8, 8], weight: [16, 16, 3, 3], bias: nil, stride: (2, 2),
            padding: Conv2DPadding(all: 1))
        for prologue in [Conv2DPlan.Prologue.groupNormSiLU, .upsampleNearest2x] {
            XCTAssertTrue(Conv2DPlan(winograd, prologue: prologue, threads: 2).fusesPrologue)
            XCTAssertFalse(Conv2DPlan(winograd, prologue: prologue, recording: true, threads: 2).fusesPrologue)
            XCTAssertFalse(Conv2DPlan(strided, prologue: prologue, threads: 2).fusesPrologue)
        }
        XCTAssertFalse(Conv2DPlan(winograd, prologue: .other, threads: 2).fusesPrologue)
        XCTAssertFalse(Conv2DPlan(winograd, threads: 2).fusesPrologue)
        XCTAssertTrue(Conv2DPlan(winograd, residual: true, recording: true, threads: 2).fusesResidual)
        XCTAssertFalse(Conv2DPlan(strided, residual: true, threads: 2).fusesResidual)
        XCTAssertFalse(Conv2DPlan(winograd, threads: 2).fusesResidual)
    }

    /// An override replaces the choice and keeps the plan's threading rule.
    func testOverride() {
        let geometry = Conv2DGeometry(
            input: [64, 32, 28, 28], weight: [32, 32, 3, 3], bias: nil, stride: (1, 1),
            padding: Conv2DPadding(all: 1))
        let plan = Conv2DPlan(
            geometry, threads: 2,
            override: Conv2DPlan.Override(forward: .winograd(.f2x2), backward: .im2col))
        XCTAssertEqual(plan.forward.algorithm, .winograd(.f2x2))
        XCTAssertEqual(plan.backward.algorithm, .im2col)
        XCTAssertEqual(plan.backward.threading, .batchBlocks(2))
        XCTAssertEqual(
            Conv2DPlan(geometry, threads: 2, override: .using(.winograd(.f4x4))),
            Conv2DPlan(geometry, threads: 2))
    }

    /// What each algorithm can compute at all.
    func testWhatEachAlgorithmComputes() {
        func geometry(_ weight: [Int], stride: (Int, Int) = (1, 1), padding: Int = 1) -> Conv2DGeometry {
            Conv2DGeometry(
                input: [2, 4, 9, 9], weight: weight, bias: nil, stride: stride,
                padding: Conv2DPadding(all: padding))
        }
        XCTAssertTrue(Conv2DAlgorithm.pointwise.computesForward(geometry([4, 4, 1, 1], padding: 0)))
        XCTAssertFalse(Conv2DAlgorithm.pointwise.computesForward(geometry([4, 4, 1, 1], padding: 1)))
        XCTAssertFalse(Conv2DAlgorithm.winograd(.f4x4).computesForward(geometry([4, 4, 3, 3], stride: (2, 2))))
        XCTAssertFalse(Conv2DAlgorithm.winograd(.f4x4).computesForward(geometry([4, 4, 5, 5], padding: 2)))
        XCTAssertFalse(Conv2DAlgorithm.winograd(.f4x4).computesForward(geometry([4, 4, 3, 3], padding: 3)))
        XCTAssertTrue(Conv2DAlgorithm.implicitGEMM.computesForward(geometry([4, 4, 3, 3], stride: (2, 2))))
        XCTAssertFalse(Conv2DAlgorithm.implicitGEMM.computesBackward(geometry([4, 4, 3, 3], stride: (2, 2))))
        XCTAssertFalse(Conv2DAlgorithm.implicitGEMM.computesForward(geometry([4, 4, 3, 3], stride: (2, 1))))
        XCTAssertFalse(Conv2DAlgorithm.implicitGEMM.computesForward(geometry([4, 4, 1, 1], padding: 0)))
        XCTAssertTrue(Conv2DAlgorithm.im2col.computesBackward(geometry([4, 4, 3, 3], stride: (2, 1), padding: 3)))
    }

    /// `recorded` sees each convolution of its body, in order, with its weight.
    func testRecordedSeesEveryCall() {
        let x = GradientCheck.random([2, 8, 6, 6], seed: 1)
        let w1 = GradientCheck.random([8, 8, 3, 3], seed: 2), w2 = GradientCheck.random([4, 8, 1, 1], seed: 3)
        let (y, records) = Conv2DPlan.recorded { x.conv2d(w1, padding: 1).conv2d(w2) }
        XCTAssertEqual(y.shape, [2, 4, 6, 6])
        XCTAssertEqual(records.count, 2)
        XCTAssertTrue(records[0].weight === w1 && records[1].weight === w2)
        XCTAssertEqual(records[1].plan.forward.algorithm, .pointwise)
        XCTAssertTrue(Conv2DPlan.recorded { x.conv2d(w2) }.records.count == 1, "a new recording starts empty")
    }
}
