import CKernels
import Foundation

/// Single-precision matrix multiplication, the kernel under matmul and convolution.
///
/// Row-major: `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of size m×k
/// and `op(B)` k×n. The blocked single-threaded kernels live in the C target
/// `CKernels` and pick their micro-kernel at run time by CPU feature; this type
/// spreads one product over `Parallel.threadCount` threads.
public enum GEMM {
    /// Instruction sets the micro-kernels can be dispatched to.
    public enum InstructionSet: String, CaseIterable, Sendable {
        /// Portable C, compiled for the baseline CPU.
        case generic
        /// AVX2 with FMA micro-kernels.
        case avx2
        /// AVX-512 micro-kernels.
        case avx512
        /// Apple's Accelerate framework (macOS).
        case accelerate

        var cValue: ck_isa {
            switch self {
            case .generic: return CK_ISA_GENERIC
            case .avx2: return CK_ISA_AVX2
            case .avx512: return CK_ISA_AVX512
            case .accelerate: return CK_ISA_ACCELERATE
            }
        }
    }

    /// Products with fewer multiply-adds than this run on the calling thread.
    static let parallelThreshold = 64 * 64 * 64
    /// Row blocks handed to a thread are multiples of this (a multiple of every
    /// micro-kernel's height), column blocks multiples of `columnQuantum`.
    static let rowQuantum = 12
    static let columnQuantum = 32

    /// Multiplies raw row-major matrices (see the type's documentation).
    ///
    /// With `transA`, A is stored k×m (`lda ≥ m`), otherwise m×k (`lda ≥ k`);
    /// likewise B. `beta == 0` overwrites C without reading it.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m \(m), n \(n), k \(k)")
        precondition(
            lda >= (transA ? m : k),
            "sgemm: lda \(lda) is shorter than a row of A (\(transA ? "k×m, m = \(m)" : "m×k, k = \(k)"))")
        precondition(
            ldb >= (transB ? k : n),
            "sgemm: ldb \(ldb) is shorter than a row of B (\(transB ? "n×k, k = \(k)" : "k×n, n = \(n)"))")
        precondition(ldc >= n, "sgemm: ldc \(ldc) is shorter than a row of C (n = \(n))")
        guard m > 0, n > 0 else { return }
        let threads = Parallel.threadCount
        if threads <= 1 || k <= 0 || m * n * k < parallelThreshold {
            ck_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        } else if k >= 2 * Swift.max(m, n) {
            splitReduction(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
        } else if m >= n {
            // Row blocks of C: rows of op(A) with the whole of op(B).
            forEachPiece((m + rowQuantum - 1) / rowQuantum, threads: threads, work: m * n * k) { blocks in
                let start = blocks.lowerBound * rowQuantum
                let rows = Swift.min(m, blocks.upperBound * rowQuantum) - start
                let aStart = transA ? a + start : a + start * lda
                ck_sgemm(
                    transA ? 1 : 0, transB ? 1 : 0, rows, n, k, alpha, aStart, lda, b, ldb,
                    beta, c + start * ldc, ldc)
            }
        } else {
            // Column blocks of C: columns of op(B) with the whole of op(A).
            forEachPiece((n + columnQuantum - 1) / columnQuantum, threads: threads, work: m * n * k) { blocks in
                let start = blocks.lowerBound * columnQuantum
                let columns = Swift.min(n, blocks.upperBound * columnQuantum) - start
                let bStart = transB ? b + start * ldb : b + start
                ck_sgemm(
                    transA ? 1 : 0, transB ? 1 : 0, m, columns, k, alpha, a, lda, bStart, ldb,
                    beta, c + start, ldc)
            }
        }
    }

    /// Runs `body` over `0..<count` cut into a few contiguous pieces per thread
    /// that the threads claim one at a time, so that a thread slowed down by
    /// other processes on a shared machine ends up doing less of the work.
    /// Each piece keeps at least `parallelThreshold` of the `work`.
    private static func forEachPiece(_ count: Int, threads: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let pieces = Swift.min(count, threads * piecesPerThread, Swift.max(threads, work / parallelThreshold))
        let claims = PieceCounter()
        Parallel.forEachChunk(threads) { _ in
            while let piece = claims.next(below: pieces) {
                body(count * piece / pieces..<count * (piece + 1) / pieces)
            }
        }
    }

    /// Pieces per thread for row and column splits: more balance each piece
    /// costs one more packing of the shared operand.
    static let piecesPerThread = 3

    /// Splits a long reduction (weight gradients: k in the tens of thousands,
    /// m and n small) over threads. Worker w takes the pieces of k numbered w,
    /// w + workers, … in order (a fixed assignment, so that the sums are the
    /// same bits on every run); the first worker accumulates its pieces into C,
    /// each other worker into a private partial product, and the partials are
    /// then added to C in worker order.
    private static func splitReduction(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        let workers = Swift.min(threads, Swift.max(1, k / 64))
        // Pieces at least ~1500 deep, so re-reading C per piece stays cheap.
        let pieces = Swift.min(workers * piecesPerThread, Swift.max(workers, k / 1536))
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: (workers - 1) * m * n)
        defer { partials.deallocate() }
        Parallel.forEach(workers) { worker in
            let target = worker == 0 ? c : partials + (worker - 1) * m * n
            let ldt = worker == 0 ? ldc : n
            // The first piece a worker does sets its target (C with the
            // caller's beta, a partial from zero); later pieces add to it.
            let initialBeta: Float = worker == 0 ? beta : 0
            var claimedAny = false
            for piece in stride(from: worker, to: pieces, by: workers) {
                let start = k * piece / pieces, end = k * (piece + 1) / pieces
                let aStart = transA ? a + start * lda : a + start
                let bStart = transB ? b + start : b + start * ldb
                ck_sgemm(
                    transA ? 1 : 0, transB ? 1 : 0, m, n, end - start, alpha, aStart, lda,
                    bStart, ldb, claimedAny ? 1 : initialBeta, target, ldt)
                claimedAny = true
            }
            if !claimedAny {
                // No piece left for this worker: a product of depth 0 applies beta.
                ck_sgemm(0, 0, m, n, 0, alpha, a, 1, b, n, initialBeta, target, ldt)
            }
        }
        Parallel.forEachChunk(m, minimumChunk: Swift.max(1, 16_384 / n)) { rows in
            for worker in 1..<workers {
                let partial = partials + (worker - 1) * m * n
                for i in rows {
                    let row = c + i * ldc, source = partial + i * n
                    for j in 0..<n { row[j] += source[j] }
                }
            }
        }
    }

    /// The instruction set the kernels dispatch to ("avx512", "avx2", "generic"
    /// or "accelerate").
    public static var instructionSet: String {
        String(cString: ck_isa_name(ck_current_isa()))
    }

    /// Forces the kernels onto `set` (nil restores detection), for tests and
    /// benchmarks. Returns false, changing nothing, when this CPU lacks `set`.
    @discardableResult
    public static func force(_ set: InstructionSet?) -> Bool {
        ck_force_isa(set?.cValue ?? CK_ISA_AUTO) == 0
    }
}

/// Hands out piece numbers 0, 1, 2, … to concurrent callers.
private final class PieceCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0

    /// The next unclaimed piece, or nil once all `count` are claimed.
    func next(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard taken < count else { return nil }
        taken += 1
        return taken - 1
    }
}
