import CKernels
import Foundation
import Tensors
import XCTest

/// The vectorised transcendental kernels (CKElementwise.h) against Double
/// references, on every instruction set this CPU offers.
final class ElementwiseKernelTests: XCTestCase {
    /// Values across the whole range: tiny, ordinary, the clamp edges, and beyond.
    static let samples: [Float] = {
        var values: [Float] = [
            0, -0.0, 1e-8, -1e-8, 0.5, -0.5, 1, -1, 10, -10, 80, -80, 87.3, -87.3, 88.7, -88.7,
            -100, -103.9, -104, -120, 89, 200, .infinity, -.infinity,
        ]
        var generator = RandomGenerator(seed: 9)
        values += generator.normals(333).map { $0 * 20 }
        return values
    }()

    /// Runs `body` once per instruction set the CPU supports, with it forced.
    private func forEachInstructionSet(_ body: (GEMM.InstructionSet) -> Void) {
        defer { GEMM.force(nil) }
        for set in [GEMM.InstructionSet.generic, .avx2, .avx512] where GEMM.force(set) { body(set) }
    }

    /// |a − b| ≤ tolerance · |b|, or ≤ 1e-37 (values below Float's normal range count as zero);
    /// where `b` overflows Float, `a` must be the same infinity.
    private func assertClose(_ a: Float, _ b: Double, _ tolerance: Double, _ message: String) {
        if b.isNaN { XCTAssertTrue(a.isNaN, message); return }
        if Float(b).isInfinite { XCTAssertEqual(a, Float(b), message); return }
        let error = Swift.abs(Double(a) - b)
        XCTAssertLessThanOrEqual(error, Swift.max(tolerance * Swift.abs(b), 1e-37), message)
    }

    func testExpMatchesDouble() {
        forEachInstructionSet { set in
            var x = Self.samples
            x.append(.nan)
            var y = [Float](repeating: 0, count: x.count)
            ck_exp(x, &y, x.count)
            for i in x.indices {
                assertClose(y[i], Foundation.exp(Double(x[i])), 1e-6, "\(set) exp(\(x[i])) = \(y[i])")
            }
        }
    }

    func testSigmoidSiluAndSiluBackwardMatchDouble() {
        forEachInstructionSet { set in
            let x = Self.samples.filter { $0.isFinite }
            var generator = RandomGenerator(seed: 4)
            let g = generator.normals(x.count)
            var s = [Float](repeating: 0, count: x.count), y = s, dx = s
            ck_sigmoid(x, &s, x.count)
            ck_silu(x, &y, x.count)
            ck_silu_backward(x, g, &dx, x.count)
            for i in x.indices {
                let v = Double(x[i])
                let sigma = 1 / (1 + Foundation.exp(-v))
                assertClose(s[i], sigma, 2e-6, "\(set) sigmoid(\(x[i]))")
                assertClose(y[i], v * sigma, 2e-6, "\(set) silu(\(x[i]))")
                let expected = Double(g[i]) * sigma * (1 + v * (1 - sigma))
                XCTAssertEqual(
                    Double(dx[i]), expected, accuracy: 2e-6 * Swift.max(1, Swift.abs(expected)),
                    "\(set) silu backward at \(x[i])")
            }
        }
    }

    func testSoftmaxRowMatchesDouble() {
        forEachInstructionSet { set in
            var generator = RandomGenerator(seed: 5)
            for n in [1, 2, 7, 16, 17, 33, 196] {
                let x = generator.normals(n).map { $0 * 8 }
                var y = [Float](repeating: 0, count: n)
                ck_softmax_row(x, &y, n)
                let m = Double(x.max()!)
                let e = x.map { Foundation.exp(Double($0) - m) }
                let total = e.reduce(0, +)
                for i in 0..<n {
                    XCTAssertEqual(Double(y[i]), e[i] / total, accuracy: 1e-6, "\(set) softmax n \(n) element \(i)")
                }
            }
        }
    }

    /// The tensor ops built on the kernels, against the same formulas in Double,
    /// on a tensor long enough to be split over threads.
    func testTensorOpsOnLongInputs() {
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        var generator = RandomGenerator(seed: 6)
        let count = 70_001
        let x = Tensor(shape: [count], scalars: generator.normals(count).map { $0 * 6 })
        let silu = x.silu(), sigmoid = x.sigmoid(), exp = x.exp()
        for i in stride(from: 0, to: count, by: 97) {
            let v = Double(x.scalars[i]), sigma = 1 / (1 + Foundation.exp(-v))
            assertClose(silu.scalars[i], v * sigma, 2e-6, "silu")
            assertClose(sigmoid.scalars[i], sigma, 2e-6, "sigmoid")
            assertClose(exp.scalars[i], Foundation.exp(v), 1e-6, "exp")
        }
    }
}
