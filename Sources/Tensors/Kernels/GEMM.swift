import CKernels

/// Single-precision matrix multiplication, the kernel under matmul and convolution.
///
/// Row-major: `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of size m×k
/// and `op(B)` k×n. The micro-kernels live in the C target `CKernels` and are
/// chosen at run time by CPU feature.
public enum GEMM {
    /// Multiplies raw row-major matrices (see the type's documentation).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        ck_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// The instruction set the kernels dispatch to ("avx512", "avx2" or "generic").
    public static var instructionSet: String {
        String(cString: ck_isa_name(ck_current_isa()))
    }
}
