@testable import Tensors
import XCTest

/// Checks that a fast convolution path gives what the im2col path gives:
/// output, input, weight and bias gradients, each element within 1e-4 of the
/// larger of its own magnitude, the part's root-mean-square and 1. (Winograd's
/// rounding error scales with the magnitudes in a whole tile, not with the one
/// element: an output of 0.1 among outputs of 10 carries an error of order
/// 10 · 1e-6.)
enum ConvolutionPathComparison {
    static let parts = ["output", "input gradient", "weight gradient", "bias gradient"]

    /// Runs `compare(index, needInput, context)` for every case at 1 and 2
    /// threads, with and without the input's gradient.
    static func forEachSetting(cases: Int, _ compare: (Int, Bool, String) -> Void) {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for index in 0..<cases {
                for needInput in [true, false] {
                    compare(index, needInput, "case \(index), \(threads) threads, needInput \(needInput)")
                }
            }
        }
    }

    /// Output and gradients (input's when `needInput`, weight's, bias's) of one
    /// conv2d with bias (stride 1 unless given), all seeded by `index`, by `algorithms`.
    static func outputAndGradients(
        input: [Int], weight: [Int], stride: Int = 1, padding: Conv2DPadding, index: Int,
        needInput: Bool, algorithms: Conv2DPlan.Override
    ) -> [[Float]] {
        let x = GradientCheck.random(input, seed: UInt64(10 + index))
        let w = GradientCheck.random(weight, seed: UInt64(20 + index))
        let b = GradientCheck.random([weight[0]], seed: UInt64(30 + index))
        x.requiresGrad = needInput
        w.requiresGrad = true
        b.requiresGrad = true
        let y = x.conv2d(w, bias: b, stride: (stride, stride), padding: padding, algorithms: algorithms)
        y.backward(GradientCheck.random(y.shape, seed: UInt64(40 + index)))
        return [y.scalars, x.grad?.scalars ?? [], w.grad!.scalars, b.grad!.scalars]
    }

    static func assertMatch(
        _ fast: [[Float]], _ reference: [[Float]], _ context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for (part, name) in parts.enumerated() {
            XCTAssertEqual(fast[part].count, reference[part].count, "\(context) \(name)", file: file, line: line)
            var worst: Float = 0
            let rms = rootMeanSquare(reference[part])
            for i in 0..<Swift.min(fast[part].count, reference[part].count) {
                let scale = Swift.max(1, rms, Swift.abs(reference[part][i]))
                worst = Swift.max(worst, Swift.abs(fast[part][i] - reference[part][i]) / scale)
            }
            XCTAssertLessThan(worst, 1e-4, "\(context) \(name)", file: file, line: line)
        }
    }

    /// `√(Σ xᵢ² / n)`, 0 for no elements.
    static func rootMeanSquare(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        return Float((values.reduce(0) { $0 + Double($1) * Double($1) } / Double(values.count)).squareRoot())
    }
}
