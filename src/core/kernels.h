/* kernels.h — rlc's hot loops, one table of them per instruction set.
 * Internal to src/core; not installed.
 *
 * kernels.c is compiled three times (meson.build): for the x86-64 baseline
 * (SSE2), for AVX2 and for AVX-512F, each copy defining one table below.
 * isa.c picks the table at load time (the widest the CPU runs, or the one
 * RLC_ISA names; include/rlc/isa.h) and callers reach it through rlc_kern().
 *
 * Same bits on every path: every kernel performs the same IEEE operations
 * in the same order whatever the vector width (separate multiply and add,
 * the build passes -ffp-contract=off; reductions in fixed lanes whose count
 * does not depend on the path), so the three tables return identical
 * results. Nothing here calls a BLAS, whose kernels sum in CPU-dependent
 * orders and contract into FMA. tests/test_kernels.c checks the identity
 * on every path this CPU has.
 *
 * Matrices are row-major with a row stride (ld ≥ columns), as gsl_matrix. */
#ifndef RLC_KERNELS_H
#define RLC_KERNELS_H

#include <stddef.h>

/* What a product's result is added to, C = base + op(A)·op(B):
 *   RLC_GEMM_ADD   base is C itself (C += AB);
 *   RLC_GEMM_SET   base is 0 (C's old contents are not read);
 *   RLC_GEMM_BIAS  base is the 1×N row `bias` on every row (a linear
 *                  layer's forward pass, fused: no copy of the bias first);
 *   RLC_GEMM_BIAS_RELU  as RLC_GEMM_BIAS, each entry then replaced by
 *                  v > 0 ? v : 0, as the relu kernel computes it (a
 *                  linear layer and its relu, fused: no second pass). */
enum { RLC_GEMM_ADD, RLC_GEMM_SET, RLC_GEMM_BIAS, RLC_GEMM_BIAS_RELU };

typedef struct rlc_kernels {
    const char *isa; /* "generic", "avx2", "avx512" */

    /* C (M×N) = base + op(A)·op(B), ta/tb 'N' or 'T' (op(A) is M×K, op(B)
     * K×N). Every entry is base + s, s = Σ_k op(A)(i,k)·op(B)(k,j) summed
     * from 0 in k order; except A·Bᵀ narrower than 4 columns and taller
     * than wide (an output layer's forward pass), where s is a dot product
     * of two rows taken as `dot` below. `work` holds rlc_gemm_work(ta, tb,
     * M, N, K) doubles. C may not alias A, B or bias. */
    void (*gemm)(char ta, char tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                 const double *B, size_t ldb, int mode, const double *bias, double *C,
                 size_t ldc, double *work);

    /* Elementwise over n contiguous entries; y, dx never alias inputs. */
    void (*relu)(size_t n, const double *x, double *y);
    void (*tanh)(size_t n, const double *x, double *y);
    void (*bw_affine)(size_t n, double a, const double *g, double *dx);       /* dx += a·g */
    void (*bw_scale_cols)(size_t n, const double *k, const double *g, double *dx); /* dx += k⊙g */
    void (*bw_relu)(size_t n, const double *x, const double *g, double *dx);  /* dx += [x>0]·g */
    void (*bw_tanh)(size_t n, const double *y, const double *g, double *dx);  /* dx += (1−y²)⊙g */
    /* g ← 0 + [y>0]·g in place: a fused linear+relu node's gradient (or
     * tangent) before and after its relu, the same bits as bw_relu into a
     * zeroed dx. */
    void (*relu_mask)(size_t n, const double *y, double *g);
    void (*bw_square)(size_t n, const double *x, const double *g, double *dx); /* dx += 2x⊙g */

    /* s (1×n) += the column sums of g (rows×n, row stride ld), each column
     * summed in row order: a bias's gradient. */
    void (*col_sums)(size_t rows, size_t n, const double *g, size_t ld, double *s);

    /* Σ x_i·y_i over n contiguous entries, in 8 fixed lanes (lane
     * l sums i ≡ l mod 8 in order), then ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)),
     * then the rest in order. */
    double (*dot)(size_t n, const double *x, const double *y);
    /* y += a·x (a product, then a sum: no FMA). */
    void (*axpy)(size_t n, double a, const double *x, double *y);
    /* y ← tau·x + keep·y, as written (rlc_vector_polyak's contiguous loop). */
    void (*polyak)(size_t n, double tau, double keep, const double *x, double *y);

    /* Optimiser updates of n contiguous parameters (formulas in optim.c). */
    void (*adam)(size_t n, double *p, const double *g, double *m, double *v, double b1,
                 double b2, double step, double sqrt_bc2, double eps);
    void (*rmsprop)(size_t n, double *p, const double *g, double *v, double alpha, double lr,
                    double eps);
    /* 1 when none of n contiguous entries is NaN or ±inf, else 0. */
    int (*all_finite)(size_t n, const double *x);
} rlc_kernels;

extern const rlc_kernels rlc_kernels_generic;
#if defined(RLC_HAVE_ISA_X86)
extern const rlc_kernels rlc_kernels_avx2, rlc_kernels_avx512;
#endif

/* The table in use (isa.c). */
extern const rlc_kernels *rlc_kernels_current;
static inline const rlc_kernels *rlc_kern(void) { return rlc_kernels_current; }

/* How gemm lays out a product; a function of the shape alone, so the
 * choice is the same on every path:
 *   RLC_GEMM_DOTS  A·Bᵀ with N < 4 and M > N: one dot product per entry;
 *   RLC_GEMM_COLS  vectorised across C's columns, reading op(B) along its
 *                  rows (packed to K×N first when B is transposed);
 *   RLC_GEMM_ROWS  narrow and tall outputs, and A·Bᵀ with at least 8 rows
 *                  where packing A (M×K) and storing C entry by entry
 *                  (M·N) moves less than packing B (N×K): a layer's
 *                  x·Wᵀ on a few envs' observations, W wide. Cᵀ =
 *                  op(B)ᵀ·op(A)ᵀ, vectorised across C's rows (op(A)ᵀ
 *                  packed to K×M when A is not transposed).
 * COLS and ROWS sum every entry in the same order (gemm, above), so
 * the choice between them changes the time, not the bits. */
enum { RLC_GEMM_DOTS, RLC_GEMM_COLS, RLC_GEMM_ROWS };
static inline int rlc_gemm_path(char ta, char tb, size_t M, size_t N, size_t K)
{
    if (ta == 'N' && tb == 'T' && N < 4 && M > N)
        return RLC_GEMM_DOTS;
    if (ta == 'N' && tb == 'T' && M >= 8 && M * (K + N) < N * K)
        return RLC_GEMM_ROWS;
    if (N >= 8 || N >= M || (ta == 'N' && tb == 'N' && N >= 4))
        return RLC_GEMM_COLS;
    return RLC_GEMM_ROWS;
}

/* Doubles of `work` that gemm needs for this product. */
static inline size_t rlc_gemm_work(char ta, char tb, size_t M, size_t N, size_t K)
{
    switch (rlc_gemm_path(ta, tb, M, N, K)) {
    case RLC_GEMM_COLS: return tb == 'T' ? K * N : 0;
    case RLC_GEMM_ROWS: return ta == 'N' ? K * M : 0;
    default: return 0;
    }
}

#endif
