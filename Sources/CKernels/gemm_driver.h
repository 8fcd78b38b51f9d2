// The blocked SGEMM loop nest shared by every instruction set (GotoBLAS/BLIS
// style, row-major). Each instruction-set file includes this header and
// instantiates `ck_gemm_driver` inside a function compiled for its target, so
// the packing loops are vectorised with that instruction set too.
//
// Loop nest, for C (m×n) += op(A) (m×k) · op(B) (k×n):
//   pc: k in blocks of kc           (C tiles accumulate across these)
//     jc: n in blocks of NC         op(B)[pc, jc] packed into NR-wide panels
//       ic: m in panels of MR rows  op(A)[ic, pc] packed (or read in place)
//         jr: NR-wide panels        micro-kernel: MR×NR tile of C
// The A micro-panel (MR×kc) stays in L1 while the B panels stream from L2.
#ifndef CK_GEMM_DRIVER_H
#define CK_GEMM_DRIVER_H

#include "CKScratch.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// A micro-kernel: C[0..MR, 0..NR] = alpha · Σ_p A(i,p)·B(p,j) + beta · C,
/// where A(i,p) = a[i*rs_a + p*cs_a] and B(p,j) = b[p*rs_b + j]. beta == 0
/// never reads C. Always a full MR×NR tile; edges go through a scratch tile.
/// A non-zero pf_rows asks the kernel to prefetch: with A packed or stored
/// transposed, B pf_rows rows ahead (the same panel of the next k block, when
/// B is read in place); with A read in place row by row, the next A panel.
typedef void (*ck_tile_fn)(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                           const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows,
                           float *c, ptrdiff_t ldc, float alpha, float beta);

/// Largest depth of one k block, and the width of one packed B block.
#ifndef CK_KC_MAX
#define CK_KC_MAX 384
#endif
#ifndef CK_NC_MAX
#define CK_NC_MAX 1024
#endif
#ifndef CK_KC_SMALL_M
#define CK_KC_SMALL_M 192
#endif

/// Packs a panel of a transposed B like `ck_pack_b(NR, 1, …)`, faster on one
/// instruction set (NULL: the portable loop).
typedef void (*ck_pack_bt_fn)(const float *b, ptrdiff_t ldb, ptrdiff_t p0, ptrdiff_t j0, ptrdiff_t nr,
                              ptrdiff_t kc, float *bpack);


/// C[0..mr, 0..nr] = alpha·tile + beta·C (beta == 0 ignores C).
static inline __attribute__((always_inline))
void ck_merge_tile(const float *tile, ptrdiff_t ldt, ptrdiff_t mr, ptrdiff_t nr,
                   float *c, ptrdiff_t ldc, float alpha, float beta) {
    for (ptrdiff_t i = 0; i < mr; i++) {
        float *cr = c + i * ldc;
        const float *tr = tile + i * ldt;
        if (beta == 0.0f) {
            for (ptrdiff_t j = 0; j < nr; j++) cr[j] = alpha * tr[j];
        } else {
            for (ptrdiff_t j = 0; j < nr; j++) cr[j] = alpha * tr[j] + beta * cr[j];
        }
    }
}

/// Packs op(A)[i0..i0+mr, p0..p0+kc] as apack[p*MR + i], zero rows past mr.
static inline __attribute__((always_inline))
void ck_pack_a(const int MR, int trans_a, const float *a, ptrdiff_t lda,
               ptrdiff_t i0, ptrdiff_t p0, ptrdiff_t mr, ptrdiff_t kc, float *apack) {
    if (trans_a) {
        for (ptrdiff_t p = 0; p < kc; p++) {
            const float *src = a + (p0 + p) * lda + i0;
            float *dst = apack + p * MR;
            if (mr == MR) {
                memcpy(dst, src, sizeof(float) * (size_t)MR);
            } else {
                ptrdiff_t i = 0;
                for (; i < mr; i++) dst[i] = src[i];
                for (; i < MR; i++) dst[i] = 0.0f;
            }
        }
    } else {
        ptrdiff_t i = 0;
        for (; i < mr; i++) {
            const float *src = a + (i0 + i) * lda + p0;
            for (ptrdiff_t p = 0; p < kc; p++) apack[p * MR + i] = src[p];
        }
        for (; i < MR; i++)
            for (ptrdiff_t p = 0; p < kc; p++) apack[p * MR + i] = 0.0f;
    }
}

/// Packs op(B)[p0..p0+kc, j0..j0+nr] as bpack[p*NR + j], zero columns past nr.
static inline __attribute__((always_inline))
void ck_pack_b(const int NR, int trans_b, const float *b, ptrdiff_t ldb,
               ptrdiff_t p0, ptrdiff_t j0, ptrdiff_t nr, ptrdiff_t kc, float *bpack) {
    if (trans_b) {
        ptrdiff_t j = 0;
        for (; j < nr; j++) {
            const float *src = b + (j0 + j) * ldb + p0;
            for (ptrdiff_t p = 0; p < kc; p++) bpack[p * NR + j] = src[p];
        }
        for (; j < NR; j++)
            for (ptrdiff_t p = 0; p < kc; p++) bpack[p * NR + j] = 0.0f;
    } else {
        for (ptrdiff_t p = 0; p < kc; p++) {
            const float *src = b + (p0 + p) * ldb + j0;
            float *dst = bpack + p * NR;
            if (nr == NR) {
                memcpy(dst, src, sizeof(float) * (size_t)NR);
            } else {
                ptrdiff_t j = 0;
                for (; j < nr; j++) dst[j] = src[j];
                for (; j < NR; j++) dst[j] = 0.0f;
            }
        }
    }
}

/// True when a stride in floats is a multiple of 4 KiB, which maps the rows of
/// a panel onto the same L1 sets.
static inline int ck_conflicting_stride(ptrdiff_t ld) {
    return ((ld * (ptrdiff_t)sizeof(float)) & 4095) == 0;
}

/// The rows of C at or below which every A panel of a k block is prepared up
/// front and the loops over A and B panels swap, so that one B panel, read
/// once from memory, meets all of A while it is in L1 (weight gradients:
/// few output channels, a long reduction).
#define CK_SMALL_M 64

/// Columns of C at or below which the product skips the MR×NR tiles, which
/// would be mostly padding there (a convolution to one output channel ran at
/// a thirtieth of full speed). Few rows take the tiles all the same: rows are
/// a batch's examples (a Linear layer's), and each row's values must not
/// depend on how many there are, which the narrow path's sums would change.
#define CK_NARROW_N 4

/// The sums S(i,j) = Σ_p op(A)(i,p) · bcol[j*k + p] of rows i0..i0+mr for a
/// fixed count N of columns, into s[j*mr + i]: dot products along A's rows
/// when they are contiguous, else row updates along its columns.
static inline __attribute__((always_inline))
void ck_narrow_sums(const int N, int trans_a, ptrdiff_t mr, ptrdiff_t k, const float *a, ptrdiff_t lda,
                    ptrdiff_t i0, const float *bcol, float *s) {
#pragma clang fp reassociate(on)
    if (!trans_a) {
        for (ptrdiff_t i = 0; i < mr; i++) {
            const float *ai = a + (i0 + i) * lda;
            float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (ptrdiff_t p = 0; p < k; p++)
                for (int j = 0; j < N; j++) acc[j] += ai[p] * bcol[j * k + p];
            for (int j = 0; j < N; j++) s[j * mr + i] = acc[j];
        }
    } else {
        // Strips of W rows whose N·W sums stay in registers; a last partial strip reads
        // and writes only its own rows.
        enum { W = 32 };
        for (ptrdiff_t i1 = 0; i1 < mr; i1 += W) {
            const ptrdiff_t w = mr - i1 < W ? mr - i1 : W;
            float acc[4][W] = {{0.0f}};
            if (w == W) {
                for (ptrdiff_t p = 0; p < k; p++) {
                    const float *ap = a + p * lda + i0 + i1;
                    for (int j = 0; j < N; j++)
                        for (int i = 0; i < W; i++) acc[j][i] += ap[i] * bcol[j * k + p];
                }
            } else {
                for (ptrdiff_t p = 0; p < k; p++) {
                    const float *ap = a + p * lda + i0 + i1;
                    for (int j = 0; j < N; j++)
                        for (ptrdiff_t i = 0; i < w; i++) acc[j][i] += ap[i] * bcol[j * k + p];
                }
            }
            for (int j = 0; j < N; j++)
                for (ptrdiff_t i = 0; i < w; i++) s[j * mr + i1 + i] = acc[j][i];
        }
    }
}

/// C = alpha·op(A)·op(B) + beta·C for n ≤ CK_NARROW_N. Each row of C is
/// computed on its own, so its values do not depend on m. Returns 0, or -1
/// when out of scratch memory.
static inline __attribute__((always_inline))
int ck_gemm_narrow(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                   float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                   float beta, float *c, ptrdiff_t ldc) {
    enum { ROWS = 256 };
    float *bcol = ck_thread_buffer(CK_BUFFER_GEMM_PACKING, (size_t)(n * k + n * ROWS));
    if (!bcol) return -1;
    float *s = bcol + n * k;
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t p = 0; p < k; p++) bcol[j * k + p] = trans_b ? b[j * ldb + p] : b[p * ldb + j];
    for (ptrdiff_t i0 = 0; i0 < m; i0 += ROWS) {
        const ptrdiff_t mr = m - i0 < ROWS ? m - i0 : ROWS;
        switch (n) {
        case 1: ck_narrow_sums(1, trans_a, mr, k, a, lda, i0, bcol, s); break;
        case 2: ck_narrow_sums(2, trans_a, mr, k, a, lda, i0, bcol, s); break;
        case 3: ck_narrow_sums(3, trans_a, mr, k, a, lda, i0, bcol, s); break;
        default: ck_narrow_sums(4, trans_a, mr, k, a, lda, i0, bcol, s); break;
        }
        for (ptrdiff_t i = 0; i < mr; i++)
            for (ptrdiff_t j = 0; j < n; j++) {
                float *cij = c + (i0 + i) * ldc + j;
                *cij = beta == 0.0f ? alpha * s[j * mr + i] : alpha * s[j * mr + i] + beta * *cij;
            }
    }
    return 0;
}

/// The blocked product with micro-kernels of MR×NR: `packed` reads a packed A
/// panel, `a_cols` reads A in place with rs_a == 1 (A transposed), `a_rows` in
/// place with cs_a == 1 (A not transposed). Requires m, n, k > 0. Returns 0,
/// or -1 (computing nothing) when its scratch memory cannot be allocated.
static inline __attribute__((always_inline))
int ck_gemm_driver(const int MR, const int NR,
                    ck_tile_fn packed, ck_tile_fn a_cols, ck_tile_fn a_rows, ck_pack_bt_fn pack_bt,
                    int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                    float alpha, const float *a, ptrdiff_t lda,
                    const float *b, ptrdiff_t ldb,
                    float beta, float *c, ptrdiff_t ldc) {
    if (n <= CK_NARROW_N) return ck_gemm_narrow(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    const int small_m = m <= CK_SMALL_M;
    const ptrdiff_t KCM = small_m ? CK_KC_SMALL_M : CK_KC_MAX;
    const ptrdiff_t k_blocks = (k + KCM - 1) / KCM;
    ptrdiff_t kc_max = (k + k_blocks - 1) / k_blocks;
    kc_max = (kc_max + 7) & ~(ptrdiff_t)7;
    // Equal column blocks of at most CK_NC_MAX, whole panels where possible.
    const ptrdiff_t n_blocks = (n + CK_NC_MAX - 1) / CK_NC_MAX;
    ptrdiff_t nc_max = (n + n_blocks - 1) / n_blocks;
    if (n_blocks > 1) nc_max = (nc_max + NR - 1) / NR * NR;
    const ptrdiff_t nc_panels = (nc_max + NR - 1) / NR;
    const ptrdiff_t m_panels = (m + MR - 1) / MR;

    // Read B in place when it is row-major and there are few A panels to
    // amortise packing over (or it is already laid out as one panel).
    const int direct_b = !trans_b && !ck_conflicting_stride(ldb) && (small_m || ldb == NR);
    // Read A in place when each A panel meets only one or two B panels (packing
    // would cost as much as it saves), or when its rows do not collide in L1
    // and, stored transposed, its columns are short.
    const int direct_a = nc_panels <= 2 || (!ck_conflicting_stride(lda) && (!trans_a || lda <= 4 * MR));

    const ptrdiff_t a_panels_held = small_m ? m_panels : 1;
    float *scratch = ck_thread_buffer(CK_BUFFER_GEMM_PACKING, (size_t)(kc_max * nc_panels * NR + a_panels_held * kc_max * MR
                                         + kc_max * NR + MR * NR + 64));
    if (!scratch) return -1;
    float *bpack = scratch;
    float *apack = bpack + kc_max * nc_panels * NR;
    float *bedge = apack + a_panels_held * kc_max * MR;
    float *tile = bedge + kc_max * NR;

    // Where the A panel starting at row ic lives for k block pc, packing it
    // into `dst` when it cannot be read in place.
#define CK_PREPARE_A(ic, dst, ap, rs_a, cs_a, kernel)                                   \
    do {                                                                                \
        const ptrdiff_t mr_ = m - (ic) < MR ? m - (ic) : MR;                            \
        if (direct_a && mr_ == MR) {                                                    \
            if (trans_a) { ap = a + pc * lda + (ic); rs_a = 1; cs_a = lda; kernel = a_cols; } \
            else { ap = a + (ic) * lda + pc; rs_a = lda; cs_a = 1; kernel = a_rows; }   \
        } else {                                                                        \
            ck_pack_a(MR, trans_a, a, lda, (ic), pc, mr_, kc, (dst));                   \
            ap = (dst); rs_a = 1; cs_a = MR; kernel = packed;                           \
        }                                                                               \
    } while (0)

    for (ptrdiff_t pc = 0; pc < k; pc += kc_max) {
        const ptrdiff_t kc = k - pc < kc_max ? k - pc : kc_max;
        const float beta_block = pc == 0 ? beta : 1.0f;
        for (ptrdiff_t jc = 0; jc < n; jc += nc_max) {
            const ptrdiff_t nc = n - jc < nc_max ? n - jc : nc_max;
            const ptrdiff_t full_panels = nc / NR;
            const ptrdiff_t edge_nr = nc - full_panels * NR;
            if (direct_b) {
                if (edge_nr) ck_pack_b(NR, 0, b, ldb, pc, jc + full_panels * NR, edge_nr, kc, bedge);
            } else if (trans_b) {
                for (ptrdiff_t jr = 0; jr < nc; jr += NR) {
                    const ptrdiff_t nr = nc - jr < NR ? nc - jr : NR;
                    if (pack_bt) pack_bt(b, ldb, pc, jc + jr, nr, kc, bpack + (jr / NR) * kc * NR);
                    else ck_pack_b(NR, 1, b, ldb, pc, jc + jr, nr, kc, bpack + (jr / NR) * kc * NR);
                }
            } else {
                // Row by row, so that B streams from memory in address order.
                for (ptrdiff_t p = 0; p < kc; p++) {
                    const float *src = b + (pc + p) * ldb + jc;
                    for (ptrdiff_t jp = 0; jp < full_panels; jp++)
                        memcpy(bpack + jp * kc * NR + p * NR, src + jp * NR, sizeof(float) * (size_t)NR);
                }
                if (edge_nr) ck_pack_b(NR, 0, b, ldb, pc, jc + full_panels * NR, edge_nr, kc, bpack + full_panels * kc * NR);
            }
#define CK_B_PANEL(jr, nr, bp, rs_b)                                                    \
    do {                                                                                \
        if (!direct_b) { bp = bpack + ((jr) / NR) * kc * NR; rs_b = NR; }               \
        else if ((nr) == NR) { bp = b + pc * ldb + jc + (jr); rs_b = ldb; }             \
        else { bp = bedge; rs_b = NR; }                                                 \
    } while (0)
#define CK_RUN_TILE(ic, mr, jr, nr, ap, rs_a, cs_a, kernel, bp, rs_b, pf)                   \
    do {                                                                                \
        float *cp = c + (ic) * ldc + jc + (jr);                                         \
        if ((mr) == MR && (nr) == NR) {                                                 \
            kernel(kc, ap, rs_a, cs_a, bp, rs_b, pf, cp, ldc, alpha, beta_block);           \
        } else {                                                                        \
            kernel(kc, ap, rs_a, cs_a, bp, rs_b, pf, tile, NR, 1.0f, 0.0f);                 \
            ck_merge_tile(tile, NR, mr, nr, cp, ldc, alpha, beta_block);                \
        }                                                                               \
    } while (0)
            if (small_m) {
                const float *aps[CK_SMALL_M];
                ptrdiff_t rsa[CK_SMALL_M], csa[CK_SMALL_M];
                ck_tile_fn kernels[CK_SMALL_M];
                for (ptrdiff_t ip = 0; ip < m_panels; ip++)
                    CK_PREPARE_A(ip * MR, apack + ip * kc * MR, aps[ip], rsa[ip], csa[ip], kernels[ip]);
                for (ptrdiff_t jr = 0; jr < nc; jr += NR) {
                    const ptrdiff_t nr = nc - jr < NR ? nc - jr : NR;
                    const float *bp;
                    ptrdiff_t rs_b;
                    CK_B_PANEL(jr, nr, bp, rs_b);
                    for (ptrdiff_t ip = 0; ip < m_panels; ip++) {
                        const ptrdiff_t ic = ip * MR, mr = m - ic < MR ? m - ic : MR;
                        // The first A panel pulls the next k block of an in-place B panel
                        // towards the cache while the others reuse this one.
                        const ptrdiff_t pf = direct_b && ip == 0 && bp != bedge && pc + kc < k ? kc : 0;
                        CK_RUN_TILE(ic, mr, jr, nr, aps[ip], rsa[ip], csa[ip], kernels[ip], bp, rs_b, pf);
                    }
                }
            } else {
                for (ptrdiff_t ic = 0; ic < m; ic += MR) {
                    const ptrdiff_t mr = m - ic < MR ? m - ic : MR;
                    const float *ap;
                    ptrdiff_t rs_a, cs_a;
                    ck_tile_fn kernel;
                    CK_PREPARE_A(ic, apack, ap, rs_a, cs_a, kernel);
                    for (ptrdiff_t jr = 0; jr < nc; jr += NR) {
                        const ptrdiff_t nr = nc - jr < NR ? nc - jr : NR;
                        const float *bp;
                        ptrdiff_t rs_b;
                        CK_B_PANEL(jr, nr, bp, rs_b);
                        // A panel read in place row by row prefetches the next one.
                        const ptrdiff_t pf = kernel == a_rows && jr == 0 && ic + 2 * MR <= m;
                        CK_RUN_TILE(ic, mr, jr, nr, ap, rs_a, cs_a, kernel, bp, rs_b, pf);
                    }
                }
            }
#undef CK_B_PANEL
#undef CK_RUN_TILE
        }
    }
#undef CK_PREPARE_A
    return 0;
}

#endif
