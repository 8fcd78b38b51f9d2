import Tensors
import XCTest

/// SGEMM against a naive Double reference: every transpose combination, odd
/// sizes, padded leading dimensions, alpha and beta, each micro-kernel forced
/// in turn, and the threaded split against the single-threaded kernel.
final class GEMMTests: XCTestCase {
    override func tearDown() {
        GEMM.force(nil)
        super.tearDown()
    }

    func testAllTransposesOddSizes() {
        let sizes = [
            (1, 1, 1), (7, 7, 7), (1, 33, 7), (33, 1, 7), (7, 33, 1), (33, 33, 33),
            (257, 7, 33), (7, 257, 33), (33, 7, 257), (13, 40, 64),
        ]
        for (m, n, k) in sizes {
            for transA in [false, true] {
                for transB in [false, true] {
                    check(m: m, n: n, k: k, transA: transA, transB: transB)
                }
            }
        }
    }

    func testPaddedLeadingDimensions() {
        for transA in [false, true] {
            for transB in [false, true] {
                check(m: 29, n: 45, k: 19, transA: transA, transB: transB, padA: 5, padB: 3, padC: 7)
            }
        }
    }

    /// A 4 KiB row stride makes the kernels pack A instead of reading it in place.
    func testConflictingStrideIsPacked() {
        check(m: 50, n: 100, k: 40, transA: false, transB: false, padA: 1024 - 40)
        check(m: 50, n: 100, k: 40, transA: true, transB: false, padA: 1024 - 50)
    }

    func testAlphaBeta() {
        check(m: 20, n: 37, k: 11, transA: false, transB: true, alpha: -0.5, beta: 2)
        check(m: 70, n: 20, k: 400, transA: true, transB: false, alpha: 1.5, beta: -1)
    }

    func testBetaZeroIgnoresNaNInC() {
        for (transA, transB) in [(false, false), (true, true)] {
            check(m: 31, n: 45, k: 17, transA: transA, transB: transB, beta: 0, initialC: .nan)
        }
    }

    func testZeroDepthScalesC() {
        check(m: 5, n: 6, k: 0, transA: false, transB: false, beta: 0, initialC: .nan)
        check(m: 5, n: 6, k: 0, transA: false, transB: false, beta: 3)
    }

    /// Shapes that walk every branch of the blocked loop nest: several k
    /// blocks, more columns than one B block, few rows (B read in place with
    /// prefetch), long rows of A read in place, and panel edges.
    func testBlockingBranches() {
        let shapes = [
            (30, 40, 500, false, false), (30, 40, 500, true, false), (64, 70, 200, true, true),
            (3, 1600, 5, false, false), (100, 64, 400, false, false), (100, 64, 9, false, true),
            (40, 32, 300, false, false), (150, 100, 70, true, false),
        ]
        for (m, n, k, transA, transB) in shapes {
            check(m: m, n: n, k: k, transA: transA, transB: transB, beta: 0.5)
        }
    }

    /// Products with at most four columns skip the tiles: every narrow width,
    /// more rows than one 256-row block, partial 32-row strips.
    func testNarrowProducts() {
        let shapes = [(838, 1, 96), (300, 2, 45), (70, 3, 838), (33, 4, 9), (2, 300, 45), (1, 96, 838), (2, 5, 3)]
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    check(m: m, n: n, k: k, transA: transA, transB: transB, padA: 3, padB: 2, padC: 1, beta: 0.25)
                    check(m: m, n: n, k: k, transA: transA, transB: transB, beta: 0, initialC: .nan)
                }
            }
        }
    }

    /// A row of C has the same bits however many rows are computed with it
    /// (a batch of one example or of several), on the narrow path and the tiles.
    func testRowsDoNotDependOnTheRowCount() {
        for (n, k) in [(2, 500), (40, 100)] {
            for transB in [false, true] {
                var g = RandomGenerator(seed: UInt64(n * 7 + k))
                let rows = 300
                let a = g.normals(rows * k), b = g.normals(k * n)
                func product(_ m: Int) -> [Float] {
                    var c = [Float](repeating: 0, count: m * n)
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.sgemm(
                            transA: false, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                            b: b, ldb: transB ? k : n, beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                    return c
                }
                let few = product(2), many = product(n < 8 ? rows : 5)
                XCTAssertEqual(few, Array(many.prefix(2 * n)), "n \(n), k \(k), transB \(transB)")
            }
        }
    }

    func testAVX512Kernel() throws { try checkForced(.avx512) }
    func testAVX2Kernel() throws { try checkForced(.avx2) }
    func testGenericKernel() throws { try checkForced(.generic) }

    func testForcingAMissingInstructionSetFails() {
        let before = GEMM.instructionSet
        #if arch(x86_64)
            XCTAssertFalse(GEMM.force(.accelerate))
        #else
            XCTAssertFalse(GEMM.force(.avx512))
        #endif
        XCTAssertEqual(GEMM.instructionSet, before)
    }

    /// A split reduction gives the same bits on every run at a given thread
    /// count: the pieces of k go to the threads in a fixed assignment.
    func testSplitReductionIsRepeatable() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let (m, n, k) = (8, 16, 9216)
        var g = RandomGenerator(seed: 91)
        let a = g.normals(m * k), b = g.normals(k * n), c0 = g.normals(m * n)
        for threads in [2, 3] {
            Parallel.threadCount = threads
            let first = product(m, n, k, false, false, a, b, c0, alpha: 0.75, beta: 0.5)
            for _ in 0..<20 {
                XCTAssertEqual(
                    product(m, n, k, false, false, a, b, c0, alpha: 0.75, beta: 0.5), first,
                    "\(threads) threads")
            }
        }
    }

    func testThreadedMatchesSingleThread() {
        // Row split, column split and split reduction, in one or several pieces
        // per thread (with alpha and beta).
        let shapes = [
            (300, 40, 100, false, false), (40, 300, 100, false, true),
            (24, 40, 2000, true, false), (20, 30, 3000, false, false), (8, 16, 10_000, true, false),
        ]
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for (m, n, k, transA, transB) in shapes {
            var g = RandomGenerator(seed: UInt64(m * 7 + n))
            let a = g.normals(m * k), b = g.normals(k * n), c0 = g.normals(m * n)
            Parallel.threadCount = 1
            let single = product(m, n, k, transA, transB, a, b, c0, alpha: 0.75, beta: 0.5)
            for threads in [2, 3] {
                Parallel.threadCount = threads
                let threaded = product(m, n, k, transA, transB, a, b, c0, alpha: 0.75, beta: 0.5)
                for i in 0..<(m * n) {
                    XCTAssertEqual(
                        threaded[i], single[i], accuracy: 1e-4 * Float(k).squareRoot(),
                        "\(threads) threads, \(m)×\(n)×\(k) at \(i)")
                }
            }
        }
    }

    // MARK: - Helpers

    private func checkForced(_ set: GEMM.InstructionSet) throws {
        guard GEMM.force(set) else { throw XCTSkip("this CPU has no \(set.rawValue)") }
        XCTAssertEqual(GEMM.instructionSet, set.rawValue)
        let shapes = [
            (1, 1, 1), (7, 33, 13), (33, 7, 40), (13, 70, 500), (60, 90, 20), (100, 32, 64),
            (70, 3, 90), (2, 50, 17),
        ]
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    check(m: m, n: n, k: k, transA: transA, transB: transB, padA: 3, beta: 0.25)
                }
            }
        }
        check(m: 26, n: 35, k: 9, transA: false, transB: false, beta: 0, initialC: .nan)
    }

    private func product(
        _ m: Int, _ n: Int, _ k: Int, _ transA: Bool, _ transB: Bool,
        _ a: [Float], _ b: [Float], _ c0: [Float], alpha: Float, beta: Float
    ) -> [Float] {
        var c = c0
        c.withUnsafeMutableBufferPointer { pc in
            GEMM.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
                beta: beta, c: pc.baseAddress!, ldc: n)
        }
        return c
    }

    /// Runs one product with random operands and compares every element of C
    /// (padding included, which must stay untouched) with a Double reference.
    private func check(
        m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
        padA: Int = 0, padB: Int = 0, padC: Int = 0,
        alpha: Float = 1, beta: Float = 0, initialC: Float? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var g = RandomGenerator(seed: UInt64(m * 1_000_003 + n * 1009 + k * 31 + (transA ? 2 : 0) + (transB ? 1 : 0)))
        let (rowsA, colsA) = transA ? (k, m) : (m, k)
        let (rowsB, colsB) = transB ? (n, k) : (k, n)
        let lda = colsA + padA, ldb = colsB + padB, ldc = n + padC
        let a = g.normals(Swift.max(1, rowsA * lda)), b = g.normals(Swift.max(1, rowsB * ldb))
        var c = initialC.map { [Float](repeating: $0, count: m * ldc) } ?? g.normals(m * ldc)
        let original = c
        c.withUnsafeMutableBufferPointer { pc in
            GEMM.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
        }
        let context = "\(m)×\(n)×\(k) transA \(transA) transB \(transB) on \(GEMM.instructionSet)"
        for i in 0..<m {
            for j in 0..<ldc {
                let got = c[i * ldc + j]
                guard j < n else {
                    XCTAssertEqual(
                        got.bitPattern, original[i * ldc + j].bitPattern,
                        "padding changed at (\(i), \(j)), \(context)", file: file, line: line)
                    continue
                }
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(transA ? a[p * lda + i] : a[i * lda + p])
                    let y = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                var expected = Double(alpha) * sum
                if beta != 0 { expected += Double(beta) * Double(original[i * ldc + j]) }
                let tolerance = 1e-5 * (Double(abs(alpha)) * magnitude + abs(Double(beta) * Double(original[i * ldc + j]))) + 1e-6
                if abs(Double(got) - expected) > tolerance || got.isNaN {
                    XCTFail("C[\(i), \(j)] = \(got), expected \(expected), \(context)", file: file, line: line)
                    return
                }
            }
        }
    }
}
