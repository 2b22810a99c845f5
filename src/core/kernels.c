/* kernels.c — rlc's hot loops (interface and the same-bits rule in
 * kernels.h). Compiled once per instruction set: meson.build defines
 * RLC_KERNELS_ISA (generic, avx2 or avx512) and passes the matching -m
 * flag, and this file defines the table rlc_kernels_<isa>. The vector width
 * follows the flags: 8 doubles with AVX-512F, 4 with AVX2, 2 with the
 * baseline's SSE2. GCC's vector extensions spell the SIMD; the arithmetic
 * in every lane is the scalar code's, in the same order. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kernels.h"

#if defined(__AVX512F__)
#define VW 8
#elif defined(__AVX2__)
#define VW 4
#else
#define VW 2
#endif
#define NV 2          /* vectors per row of a register tile */
/* Rows of a register tile: 8 with AVX-512's 32 registers (16 accumulators;
 * 7–20% faster than 4 on the configs' products, bench_gemm), 4 with the 16
 * of AVX2 and SSE2. */
#if VW == 8
#define MR 8
#else
#define MR 4
#endif
#define NR (VW * NV)  /* columns of a register tile */

typedef double vec __attribute__((vector_size(VW * 8), aligned(8), may_alias));
typedef double v4 __attribute__((vector_size(32), aligned(8), may_alias));
typedef long long vmask __attribute__((vector_size(VW * 8)));

/* max(v, 0) in every lane as the scalar v > 0 ? v : 0 gives it: +0 for
 * v ≤ 0, −0 and NaN. */
static inline vec vec_relu(vec v)
{
    return (vec)((vmask)v & (v > (vec){0}));
}

#define JOIN2(a, b) a##b
#define JOIN(a, b) JOIN2(a, b)
#define TABLE JOIN(rlc_kernels_, RLC_KERNELS_ISA)
#define STR2(x) #x
#define STR(x) STR2(x)

/* --- dot products in 8 fixed lanes --- */

/* Σ x_k·w_k: lane l sums k ≡ l (mod 8) in order, the lanes are added as
 * ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), then the k left over in order. The
 * 8 lanes are one AVX-512 register, two AVX2 or four SSE2 ones. */
static inline double dot8(size_t n, const double *x, const double *w)
{
    size_t n8 = n - n % 8;
    vec sv[8 / VW];
    for (int v = 0; v < 8 / VW; v++)
        sv[v] = (vec){0};
    for (size_t k = 0; k < n8; k += 8)
        for (int v = 0; v < 8 / VW; v++)
            sv[v] = sv[v] + *(const vec *)(x + k + v * VW) * *(const vec *)(w + k + v * VW);
    double s[8];
    for (int l = 0; l < 8; l++)
        s[l] = sv[l / VW][l % VW];
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (size_t k = n8; k < n; k++)
        t = t + x[k] * w[k];
    return t;
}

static double k_dot(size_t n, const double *x, const double *y) { return dot8(n, x, y); }

#if VW == 8
/* dot8 of rows 0..7 of x (row stride ldx) with w, as one vector: each row's
 * 8 lanes formed as in dot8, then dot8's tree over the lanes done for the 8
 * rows at once by shuffles (lanes 2l and 2l+1 added, then pairs of those,
 * then halves), then the k left over in order: each sum has dot8's bits.
 * 3 times faster than 8 calls of dot8 on an output layer's 64×32. */
static inline vec dot8_rows8(size_t n, const double *x, size_t ldx, const double *w)
{
    size_t n8 = n - n % 8;
    vec s[8];
    for (int i = 0; i < 8; i++)
        s[i] = (vec){0};
    for (size_t k = 0; k < n8; k += 8) {
        vec wv = *(const vec *)(w + k);
        for (int i = 0; i < 8; i++)
            s[i] = s[i] + *(const vec *)(x + i * ldx + k) * wv;
    }
    /* __builtin_shufflevector: lanes 0–7 of the first vector, 8–15 of the second (GCC ≥ 12, clang) */
#define EVEN(a, b) __builtin_shufflevector(a, b, 0, 8, 2, 10, 4, 12, 6, 14)
#define ODD(a, b) __builtin_shufflevector(a, b, 1, 9, 3, 11, 5, 13, 7, 15)
#define LO2(a, b) __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13)
#define HI2(a, b) __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15)
#define LO4(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define HI4(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)
    vec p[4], q[2];
    for (int i = 0; i < 4; i++) /* lane 2l of p[i]: row 2i's s_2l + s_2l+1; 2l+1: row 2i+1's */
        p[i] = EVEN(s[2 * i], s[2 * i + 1]) + ODD(s[2 * i], s[2 * i + 1]);
    for (int i = 0; i < 2; i++) /* rows 4i..4i+3: (s0+s1)+(s2+s3) in lanes 0–3, (s4+s5)+(s6+s7) in 4–7 */
        q[i] = LO2(p[2 * i], p[2 * i + 1]) + HI2(p[2 * i], p[2 * i + 1]);
    vec t = LO4(q[0], q[1]) + HI4(q[0], q[1]);
#undef EVEN
#undef ODD
#undef LO2
#undef HI2
#undef LO4
#undef HI4
    for (size_t k = n8; k < n; k++) {
        vec xv;
        for (int i = 0; i < 8; i++)
            xv[i] = x[i * ldx + k];
        t = t + xv * w[k];
    }
    return t;
}
#endif

static void k_axpy(size_t n, double a, const double *restrict x, double *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] + a * x[i];
}

static void k_polyak(size_t n, double tau, double keep, const double *restrict x,
                     double *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tau * x[i] + keep * y[i];
}

/* --- matrix products --- */

/* out(r, c) = base(r, c) + Σ_k L(r, k)·P(k, c) for r < R, c0 ≤ c < C, where
 * L(r, k) = l[r·lr + k·lk], P(k, c) = p[k·ldp + c], out(r, c) = o[r·ors + c·ocs],
 * and base(r, c) by the store kind:
 *   ST_ADD   out(r, c) itself, out row-major (ocs = 1): C += ...
 *   ST_SET   0, out row-major
 *   ST_BIAS  b[c], out row-major (a bias row)
 *   ST_BIAS_RELU  as ST_BIAS, then out(r, c) = max(out(r, c), 0)
 *   ST_ANY   b[r·brs + c·bcs], any strides (Cᵀ computed into C).
 * The kind is a constant in each copy of the loops below (always_inline),
 * so a tile's store is one vector load, add and store for the first three.
 * Passed by value: the stores go through may_alias vectors, which would
 * make the compiler reload the fields of a struct behind a pointer. */
enum { ST_ADD, ST_SET, ST_BIAS, ST_BIAS_RELU, ST_ANY };

typedef struct operands {
    size_t K;
    const double *l;
    size_t lr, lk;
    const double *p;
    size_t ldp;
    double *o;
    size_t ors, ocs;
    const double *b;
    size_t brs, bcs;
} operands;

#define INLINE static inline __attribute__((always_inline))

INLINE void put(operands q, int kind, size_t r, size_t c, double s)
{
    double *o = q.o + r * q.ors + c * q.ocs;
    double base = kind == ST_ADD                             ? *o
                  : kind == ST_SET                           ? 0.0
                  : kind == ST_BIAS || kind == ST_BIAS_RELU ? q.b[c]
                                                             : q.b[r * q.brs + c * q.bcs];
    double v = base + s;
    *o = kind == ST_BIAS_RELU ? (v > 0.0 ? v : 0.0) : v;
}

/* VW entries of row r from column c. */
INLINE void put_vec(operands q, int kind, size_t r, size_t c, vec acc)
{
    if (kind == ST_ANY) {
        for (int e = 0; e < VW; e++)
            put(q, kind, r, c + e, acc[e]);
        return;
    }
    vec *o = (vec *)(q.o + r * q.ors + c);
    vec base = kind == ST_ADD ? *o : kind == ST_SET ? (vec){0} : *(const vec *)(q.b + c);
    if (kind == ST_BIAS_RELU)
        *o = vec_relu(base + acc);
    else
        *o = base + acc;
}

/* Columns c.. that no full tile covers: one vector of columns, then (the
 * AVX-512 copy) four, 8 rows at a time, then one column at a time; every
 * entry summed over k in order as in the tile. Kept out of the tile's
 * function so that its register allocation stays as it is. */
INLINE void strips_k(operands q, int kind, size_t c, size_t R, size_t C)
{
    const size_t K = q.K, lr = q.lr, lk = q.lk, ldp = q.ldp;
    const double *l = q.l, *p = q.p;
    for (; c + VW <= C; c += VW) {
        size_t r = 0;
        for (; r + 8 <= R; r += 8) {
            vec acc[8];
            for (int i = 0; i < 8; i++)
                acc[i] = (vec){0};
            for (size_t k = 0; k < K; k++) {
                vec pv = *(const vec *)(p + k * ldp + c);
                for (int i = 0; i < 8; i++)
                    acc[i] = acc[i] + l[(r + i) * lr + k * lk] * pv;
            }
            for (int i = 0; i < 8; i++)
                put_vec(q, kind, r + i, c, acc[i]);
        }
        for (; r < R; r++) {
            vec acc = {0};
            for (size_t k = 0; k < K; k++)
                acc = acc + l[r * lr + k * lk] * *(const vec *)(p + k * ldp + c);
            put_vec(q, kind, r, c, acc);
        }
    }
#if VW > 4
    for (; c + 4 <= C; c += 4) {
        size_t r = 0;
        for (; r + 8 <= R; r += 8) {
            v4 acc[8];
            for (int i = 0; i < 8; i++)
                acc[i] = (v4){0};
            for (size_t k = 0; k < K; k++) {
                v4 pv = *(const v4 *)(p + k * ldp + c);
                for (int i = 0; i < 8; i++)
                    acc[i] = acc[i] + l[(r + i) * lr + k * lk] * pv;
            }
            for (int i = 0; i < 8; i++)
                for (int e = 0; e < 4; e++)
                    put(q, kind, r + i, c + e, acc[i][e]);
        }
        for (; r < R; r++) {
            v4 acc = {0};
            for (size_t k = 0; k < K; k++)
                acc = acc + l[r * lr + k * lk] * *(const v4 *)(p + k * ldp + c);
            for (int e = 0; e < 4; e++)
                put(q, kind, r, c + e, acc[e]);
        }
    }
#endif
    for (; c < C; c++)
        for (size_t r = 0; r < R; r++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++)
                s = s + l[r * lr + k * lk] * p[k * ldp + c];
            put(q, kind, r, c, s);
        }
}

/* Rows r..r+rows−1 (rows ≤ MR, a constant where inlined), columns c..c+NR−1
 * of out = base + L·P: one register tile, every entry summed over k in order. */
INLINE void tile(operands q, int kind, size_t r, size_t c, int rows)
{
    const size_t K = q.K, lr = q.lr, lk = q.lk, ldp = q.ldp;
    const double *l = q.l, *p = q.p;
    vec acc[MR][NV];
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < NV; v++)
            acc[i][v] = (vec){0};
    for (size_t k = 0; k < K; k++) {
        vec pv[NV];
        for (int v = 0; v < NV; v++)
            pv[v] = *(const vec *)(p + k * ldp + c + v * VW);
        for (int i = 0; i < rows; i++) {
            const double *a = l + (r + i) * lr + k * lk;
            for (int v = 0; v < NV; v++) {
                /* AVX-512: L(r, k) read once per vector, so that each read
                 * folds into its product as an embedded broadcast
                 * (vmulpd m64{1to8}); the empty asm hides that the pointers
                 * are equal. One shared vbroadcastsd costs a floating-point
                 * slot on Zen 4 (not only a load), which made a DDPG
                 * gradient step 1.2 times slower there (bench_gemm's
                 * products 1.2–1.4 times). AVX2 has no embedded broadcast
                 * and its separate broadcasts were slower, so it shares one. */
                const double *av = a;
#if VW == 8
                if (v > 0)
                    __asm__("" : "+r"(av));
#endif
                acc[i][v] = acc[i][v] + *av * pv[v];
            }
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < NV; v++)
            put_vec(q, kind, r + i, c + v * VW, acc[i][v]);
}

/* out (R×C) = base + L·P: register tiles of MR rows × NR columns, then (AVX-512)
 * one of 4 rows, then one of the 1–3 rows left, then the strips. */
INLINE void core_k(operands q, int kind, size_t R, size_t C,
                   void (*strips)(operands, size_t, size_t, size_t))
{
    size_t c = 0;
    for (; c + NR <= C; c += NR) {
        size_t r = 0;
        for (; r + MR <= R; r += MR)
            tile(q, kind, r, c, MR);
#if MR > 4
        for (; r + 4 <= R; r += 4)
            tile(q, kind, r, c, 4);
#endif
        /* rows left over, at most 3: one tile of that height (a single row
         * alone waits on its own additions' latency) */
        if (R - r == 3)
            tile(q, kind, r, c, 3);
        else if (R - r == 2)
            tile(q, kind, r, c, 2);
        else if (R - r == 1)
            tile(q, kind, r, c, 1);
    }
    if (c < C)
        strips(q, c, R, C);
}

/* One copy of the loops per store kind. */
#define KIND_COPY(name, kind)                                                               \
    __attribute__((noinline)) static void strips_##name(operands q, size_t c, size_t R,    \
                                                         size_t C)                         \
    {                                                                                       \
        strips_k(q, kind, c, R, C);                                                         \
    }                                                                                       \
    static void core_##name(operands q, size_t R, size_t C)                                 \
    {                                                                                       \
        core_k(q, kind, R, C, strips_##name);                                               \
    }
KIND_COPY(add, ST_ADD)
KIND_COPY(set, ST_SET)
KIND_COPY(bias, ST_BIAS)
KIND_COPY(bias_relu, ST_BIAS_RELU)
KIND_COPY(any, ST_ANY)

/* max(C, 0) on an M×N block, after a path that stored C = bias + s. */
static void relu_block(size_t M, size_t N, double *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double v = C[i * ldc + j];
            C[i * ldc + j] = v > 0.0 ? v : 0.0;
        }
}

static const double zero = 0.0;

static void k_gemm(char ta, char tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                   const double *B, size_t ldb, int mode, const double *bias, double *Cm,
                   size_t ldc, double *work)
{
    switch (rlc_gemm_path(ta, tb, M, N, K)) {
    case RLC_GEMM_DOTS: {
        /* base(i, j) of C's entry (i, j), as a pointer and strides */
        bool with_bias = mode == RLC_GEMM_BIAS || mode == RLC_GEMM_BIAS_RELU;
        const double *b = mode == RLC_GEMM_ADD ? Cm : with_bias ? bias : &zero;
        size_t bi = mode == RLC_GEMM_ADD ? ldc : 0, bj = mode == RLC_GEMM_SET ? 0 : 1;
        size_t i0 = 0;
#if VW == 8
        for (; i0 + 8 <= M; i0 += 8)
            for (size_t j = 0; j < N; j++) {
                vec t = dot8_rows8(K, A + i0 * lda, lda, B + j * ldb);
                for (size_t i = 0; i < 8; i++)
                    Cm[(i0 + i) * ldc + j] = b[(i0 + i) * bi + j * bj] + t[i];
            }
#endif
        for (size_t i = i0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                Cm[i * ldc + j] = b[i * bi + j * bj] + dot8(K, A + i * lda, B + j * ldb);
        if (mode == RLC_GEMM_BIAS_RELU)
            relu_block(M, N, Cm, ldc);
        return;
    }
    case RLC_GEMM_COLS: { /* L = op(A), P = op(B) (K×N) */
        const double *p = B;
        size_t ldp = ldb;
        if (tb == 'T') {
            /* P = Bᵀ, 8 rows of B at a time: 8 reads in step, one 8-wide store
             * (twice as fast as row by row for the 64×64 weights) */
            size_t j0 = 0;
            for (; j0 + 8 <= N; j0 += 8)
                for (size_t k = 0; k < K; k++)
                    for (size_t e = 0; e < 8; e++)
                        work[k * N + j0 + e] = B[(j0 + e) * ldb + k];
            for (size_t k = 0; k < K; k++)
                for (size_t j = j0; j < N; j++)
                    work[k * N + j] = B[j * ldb + k];
            p = work;
            ldp = N;
        }
        operands q = {K, A, ta == 'N' ? lda : 1, ta == 'N' ? 1 : lda, p, ldp,
                      Cm, ldc, 1, bias, 0, 1};
        if (mode == RLC_GEMM_ADD)
            core_add(q, M, N);
        else if (mode == RLC_GEMM_SET)
            core_set(q, M, N);
        else if (mode == RLC_GEMM_BIAS)
            core_bias(q, M, N);
        else
            core_bias_relu(q, M, N);
        return;
    }
    default: { /* Cᵀ (N×M) = baseᵀ + op(B)ᵀ·op(A)ᵀ: L = op(B)ᵀ, P = op(A)ᵀ (K×M) */
        const double *p = A;
        size_t ldp = lda;
        if (ta == 'N') {
            for (size_t k = 0; k < K; k++)
                for (size_t i = 0; i < M; i++)
                    work[k * M + i] = A[i * lda + k];
            p = work;
            ldp = M;
        }
        /* out(r, c) = C(c, r); base(r, c) = C(c, r), 0 or bias[r] */
        bool with_bias = mode == RLC_GEMM_BIAS || mode == RLC_GEMM_BIAS_RELU;
        const double *b = mode == RLC_GEMM_ADD ? Cm : with_bias ? bias : &zero;
        size_t brs = mode == RLC_GEMM_SET ? 0 : 1, bcs = mode == RLC_GEMM_ADD ? ldc : 0;
        operands q = {K, B, tb == 'N' ? 1 : ldb, tb == 'N' ? ldb : 1, p, ldp,
                      Cm, 1, ldc, b, brs, bcs};
        core_any(q, N, M);
        if (mode == RLC_GEMM_BIAS_RELU)
            relu_block(M, N, Cm, ldc);
        return;
    }
    }
}

/* --- elementwise --- */

static void k_relu(size_t n, const double *restrict x, double *restrict y)
{
    for (size_t j = 0; j < n; j++) {
        double xj = x[j];
        y[j] = xj > 0.0 ? xj : 0.0;
    }
}

/* exp(x) for −708 ≤ x ≤ 0 as two parts, e^x = scale·(1 + m), written so
 * GCC vectorises it (no calls, no branches): x = k·ln2 + r with
 * |r| ≤ ln2/2, scale = 2^k put into the exponent bits, and
 * m = exp(r) − 1 = r + r²·(1/2! + r/3! + ... + r¹¹/13!) by its Taylor
 * series (truncation < 1e-17 relative). The inner polynomial is evaluated
 * by Estrin's scheme (pairs c + c'·r, then pairs of those with r², r⁴,
 * r⁸): a dependency chain of 6 steps instead of Horner's 13, which let the
 * loop run at 0.81 ns per element instead of 1.16 (AVX-512 path, this
 * machine, 2048-element arrays). m is returned apart from the 1 so that
 * tanh can form 1 − e^x without cancellation. The caller clamps x (a clamp
 * in here would stop the vectoriser's if-conversion). */
static inline double exp_nonpositive_parts(double x, double *m)
{
    const double shifter = 0x1.8p52; /* adding it rounds to an integer in the low mantissa bits */
    double t = x * 0x1.71547652b82fep0 + shifter; /* x/ln2, rounded */
    double k = t - shifter;
    double r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45; /* ln2 in two parts */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double a0 = 1.0 / 2.0 + r * (1.0 / 6.0), a1 = 1.0 / 24.0 + r * (1.0 / 120.0);
    double a2 = 1.0 / 720.0 + r * (1.0 / 5040.0), a3 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    double a4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    double a5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    double b0 = a0 + r2 * a1, b1 = a2 + r2 * a3, b2 = a4 + r2 * a5;
    *m = r + r2 * ((b0 + r4 * b1) + r8 * b2);
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    uint64_t kb = (tb - UINT64_C(0x4338000000000000) + 1023) << 52; /* (k + 1023) as exponent bits */
    double scale;
    memcpy(&scale, &kb, sizeof scale);
    return scale;
}

/* tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|) = s·(1 + m), in two
 * vectorised passes (clamp |x| to 354, where tanh is ±1 in double; then
 * the rest) instead of glibc's tanh, which took half of a PPO update.
 * 1 ∓ e is formed as (1 ∓ s) ∓ s·m: below |x| = ln2/4, s = 1 and 1 − e is
 * −m, free of the cancellation that 1 − e suffers for small |x| (relative
 * error 1e-5 around |x| = 1e-12, and 0 returned below 2.8e-17, with e
 * rounded first); above, 1 − s is exact. Relative error against long-double
 * tanhl ≤ 3.6e-16 (under 3 ULP; glibc's tanh: 3.1e-16), measured on
 * 4.2·10⁷ log-spaced |x| over [1e-300, 20], 4.2·10⁷ evenly spaced over
 * (0, 20] and 2.1·10⁷ over [0.172, 0.1765], both signs; the largest,
 * 3.53e-16, just above ln2/4, where k becomes −1 and (1 − s) − s·m partly
 * cancels. tests/test_tape.c checks the bound. NaN gives NaN, so a
 * diverged network is seen. */
static void k_tanh(size_t n, const double *restrict x, double *restrict y)
{
    for (size_t j = 0; j < n; j++) {
        double a = fabs(x[j]);
        y[j] = a > 354.0 ? 354.0 : a; /* NaN stays NaN */
    }
    for (size_t j = 0; j < n; j++) {
        double m, s = exp_nonpositive_parts(-2.0 * y[j], &m);
        double sm = s * m;
        y[j] = copysign(((1.0 - s) - sm) / ((1.0 + s) + sm), x[j]);
    }
}

static void k_bw_affine(size_t n, double a, const double *restrict g, double *restrict dx)
{
    for (size_t j = 0; j < n; j++)
        dx[j] += g[j] * a;
}

static void k_bw_scale_cols(size_t n, const double *restrict k, const double *restrict g,
                            double *restrict dx)
{
    for (size_t j = 0; j < n; j++)
        dx[j] += g[j] * k[j];
}

static void k_bw_relu(size_t n, const double *restrict x, const double *restrict g,
                      double *restrict dx)
{
    for (size_t j = 0; j < n; j++) {
        double gj = g[j]; /* loaded unconditionally so the select vectorises */
        dx[j] += x[j] > 0.0 ? gj : 0.0;
    }
}

static void k_relu_mask(size_t n, const double *restrict y, double *restrict g)
{
    for (size_t j = 0; j < n; j++) {
        double gj = g[j]; /* loaded unconditionally so the select vectorises */
        g[j] = 0.0 + (y[j] > 0.0 ? gj : 0.0);
    }
}

static void k_bw_tanh(size_t n, const double *restrict y, const double *restrict g,
                      double *restrict dx)
{
    for (size_t j = 0; j < n; j++)
        dx[j] += g[j] * (1.0 - y[j] * y[j]);
}

static void k_bw_square(size_t n, const double *restrict x, const double *restrict g,
                        double *restrict dx)
{
    for (size_t j = 0; j < n; j++)
        dx[j] += g[j] * (2.0 * x[j]);
}

/* Each column's sum kept in a register over all rows (4 vectors of columns
 * at a time), not stored and reloaded after every row as s[j] += g(i, j)
 * row by row did: the same additions in the same order. */
static void k_col_sums(size_t rows, size_t n, const double *restrict g, size_t ld,
                       double *restrict s)
{
    size_t j = 0;
    for (; j + 4 * VW <= n; j += 4 * VW) {
        vec a[4];
        for (int v = 0; v < 4; v++)
            a[v] = *(const vec *)(s + j + v * VW);
        for (size_t i = 0; i < rows; i++)
            for (int v = 0; v < 4; v++)
                a[v] = a[v] + *(const vec *)(g + i * ld + j + v * VW);
        for (int v = 0; v < 4; v++)
            *(vec *)(s + j + v * VW) = a[v];
    }
    for (; j + VW <= n; j += VW) {
        vec a = *(const vec *)(s + j);
        for (size_t i = 0; i < rows; i++)
            a = a + *(const vec *)(g + i * ld + j);
        *(vec *)(s + j) = a;
    }
    for (; j < n; j++) {
        double a = s[j];
        for (size_t i = 0; i < rows; i++)
            a = a + g[i * ld + j];
        s[j] = a;
    }
}

/* --- optimisers --- */

static void k_adam(size_t n, double *restrict p, const double *restrict g, double *restrict m,
                   double *restrict v, double b1, double b2, double step, double sqrt_bc2,
                   double eps)
{
    for (size_t i = 0; i < n; i++) {
        const double gi = g[i];
        m[i] = b1 * m[i] + (1.0 - b1) * gi;
        v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
        p[i] -= step * m[i] / (sqrt(v[i]) / sqrt_bc2 + eps);
    }
}

static void k_rmsprop(size_t n, double *restrict p, const double *restrict g, double *restrict v,
                      double alpha, double lr, double eps)
{
    for (size_t i = 0; i < n; i++) {
        const double gi = g[i];
        v[i] = alpha * v[i] + (1.0 - alpha) * gi * gi;
        p[i] -= lr * gi / (sqrt(v[i]) + eps);
    }
}

/* NaN and ±inf are the doubles whose 11 exponent bits are all set: an
 * integer OR over the vector, which the compiler vectorises. */
static int k_all_finite(size_t n, const double *restrict x)
{
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, x + i, sizeof bits);
        bad |= (~bits & UINT64_C(0x7ff0000000000000)) == 0;
    }
    return !bad;
}

const rlc_kernels TABLE = {
    .isa = STR(RLC_KERNELS_ISA),
    .gemm = k_gemm,
    .relu = k_relu,
    .tanh = k_tanh,
    .bw_affine = k_bw_affine,
    .bw_scale_cols = k_bw_scale_cols,
    .bw_relu = k_bw_relu,
    .bw_tanh = k_bw_tanh,
    .relu_mask = k_relu_mask,
    .bw_square = k_bw_square,
    .col_sums = k_col_sums,
    .dot = k_dot,
    .axpy = k_axpy,
    .polyak = k_polyak,
    .adam = k_adam,
    .rmsprop = k_rmsprop,
    .all_finite = k_all_finite,
};
