import CKernels

/// Single-precision matrix multiplication, the kernel under matmul and convolution.
///
/// Row-major: `C = alpha · op(A) · op(B) + beta · C` with `op(A)` of size m×k
/// and `op(B)` k×n. The blocked single-threaded kernels live in the C target
/// `CKernels` and pick their micro-kernel at run time by CPU feature.
public enum GEMM {
    /// Instruction sets the micro-kernels can be dispatched to.
    public enum InstructionSet: String, CaseIterable, Sendable {
        case generic, avx2, avx512, accelerate

        var cValue: ck_isa {
            switch self {
            case .generic: return CK_ISA_GENERIC
            case .avx2: return CK_ISA_AVX2
            case .avx512: return CK_ISA_AVX512
            case .accelerate: return CK_ISA_ACCELERATE
            }
        }
    }

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
        guard m > 0, n > 0 else { return }
        ck_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
