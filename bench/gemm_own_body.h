/* gemm_own_body.h — a candidate for issue 12: a small fixed-order dgemm,
 * row-major, C (M×N) += op(A)·op(B). Included once per instruction set by
 * bench_gemm.c with
 *   OWN(name)  the name with the copy's suffix,
 *   OWN_ATTR   its target attribute (or nothing for the baseline),
 *   OWN_VW     lanes per vector (8 for AVX-512, 4 AVX2, 2 SSE2),
 *   OWN_NV     vectors per row of the register tile.
 * Every C(i, j) is  s = 0; for k = 0..K-1: s = s + op(A)(i,k)·op(B)(k,j);
 * C(i, j) = C(i, j) + s,  with separate multiply and add (the build passes
 * -ffp-contract=off), so the bits do not depend on the vector width, the
 * tiling or the path below: the copies agree bit for bit.
 *
 * Vectorised across the columns of the output: when N ≥ OWN_VW (or, for
 * A·B, N ≥ 4) the tile is 4 rows × OWN_VW·OWN_NV columns of C, then strips
 * of one vector (or 4 columns) × 8 rows, with op(B) read along its rows
 * (packed to K×N first when B is transposed); when the output is narrower
 * than that and than it is tall (the last layer, or dW of the first) the
 * same loops compute Cᵀ = op(B)ᵀ·op(A)ᵀ, vectorised across C's rows.
 *
 * One exception to the sequential order: A·Bᵀ with fewer than OWN_DOT_N
 * output columns (the forward pass of an output layer, x·Wᵀ with W 1×k or
 * 2×k) is a dot product of two contiguous rows, taken in 8 fixed lanes
 * (lane l sums k ≡ l mod 8 in order), then ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)),
 * then the k left over in order, then added to C. The lanes are 8 in every
 * copy (one AVX-512 register, two AVX2, four SSE2) and the choice of path
 * depends on the shape only, so the copies still agree bit for bit. */

typedef double OWN(vec) __attribute__((vector_size(OWN_VW * 8), aligned(8), may_alias));
#if OWN_VW > 4
typedef double OWN(v4) __attribute__((vector_size(32), aligned(8), may_alias));
#endif
#ifndef OWN_DOT_N
#define OWN_DOT_N 4
#endif

/* C(i, j) += x_i · w_j for rows of A (M×K) and of B (N×K), N < OWN_DOT_N. */
OWN_ATTR static void OWN(dots)(size_t M, size_t N, size_t K, const double *A, size_t lda,
                               const double *B, size_t ldb, double *Cm, size_t ldc)
{
    size_t K8 = K - K % 8;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            const double *x = A + i * lda, *w = B + j * ldb;
            OWN(vec) sv[8 / OWN_VW]; /* the 8 lanes as 8/OWN_VW native vectors */
            for (int v = 0; v < 8 / OWN_VW; v++)
                sv[v] = (OWN(vec)){0};
            for (size_t k = 0; k < K8; k += 8)
                for (int v = 0; v < 8 / OWN_VW; v++)
                    sv[v] = sv[v] + *(const OWN(vec) *)(x + k + v * OWN_VW) *
                                        *(const OWN(vec) *)(w + k + v * OWN_VW);
            double s[8];
            for (int l = 0; l < 8; l++)
                s[l] = sv[l / OWN_VW][l % OWN_VW];
            double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
            for (size_t k = K8; k < K; k++)
                t = t + x[k] * w[k];
            Cm[i * ldc + j] = Cm[i * ldc + j] + t;
        }
}

#define OWN_MR 4
#define OWN_NR (OWN_VW * OWN_NV)

/* The columns c0..C-1 that a full tile does not cover: one vector, then
 * (AVX-512 copy) four columns, 8 rows at a time, then scalar; the same
 * order as the tile. Kept out of the tile's function so that its register
 * allocation stays as it is. */
OWN_ATTR __attribute__((noinline)) static void OWN(cols)(size_t c, size_t R, size_t C, size_t K,
                                                         const double *l, size_t lr, size_t lk,
                                                         const double *p, size_t ldp, double *o,
                                                         size_t ors, size_t ocs)
{
    for (; c + OWN_VW <= C; c += OWN_VW) { /* one vector of columns, 8 rows at a time */
        size_t r = 0;
        for (; r + 8 <= R; r += 8) {
            OWN(vec) acc[8];
            for (int i = 0; i < 8; i++)
                acc[i] = (OWN(vec)){0};
            for (size_t k = 0; k < K; k++) {
                OWN(vec) pv = *(const OWN(vec) *)(p + k * ldp + c);
                for (int i = 0; i < 8; i++)
                    acc[i] = acc[i] + l[(r + i) * lr + k * lk] * pv;
            }
            for (int i = 0; i < 8; i++)
                for (int e = 0; e < OWN_VW; e++) {
                    double *dst = o + (r + i) * ors + (c + e) * ocs;
                    *dst = *dst + acc[i][e];
                }
        }
        for (; r < R; r++) {
            OWN(vec) acc = {0};
            for (size_t k = 0; k < K; k++)
                acc = acc + l[r * lr + k * lk] * *(const OWN(vec) *)(p + k * ldp + c);
            for (int e = 0; e < OWN_VW; e++) {
                double *dst = o + r * ors + (c + e) * ocs;
                *dst = *dst + acc[e];
            }
        }
    }
#if OWN_VW > 4
    for (; c + 4 <= C; c += 4) { /* four columns (the AVX-512 copy), 8 rows at a time */
        size_t r = 0;
        for (; r + 8 <= R; r += 8) {
            OWN(v4) acc[8];
            for (int i = 0; i < 8; i++)
                acc[i] = (OWN(v4)){0};
            for (size_t k = 0; k < K; k++) {
                OWN(v4) pv = *(const OWN(v4) *)(p + k * ldp + c);
                for (int i = 0; i < 8; i++)
                    acc[i] = acc[i] + l[(r + i) * lr + k * lk] * pv;
            }
            for (int i = 0; i < 8; i++)
                for (int e = 0; e < 4; e++) {
                    double *dst = o + (r + i) * ors + (c + e) * ocs;
                    *dst = *dst + acc[i][e];
                }
        }
        for (; r < R; r++) {
            OWN(v4) acc = {0};
            for (size_t k = 0; k < K; k++)
                acc = acc + l[r * lr + k * lk] * *(const OWN(v4) *)(p + k * ldp + c);
            for (int e = 0; e < 4; e++) {
                double *dst = o + r * ors + (c + e) * ocs;
                *dst = *dst + acc[e];
            }
        }
    }
#endif
    for (; c < C; c++) /* columns left over, scalar, the same order */
        for (size_t r = 0; r < R; r++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++)
                s = s + l[r * lr + k * lk] * p[k * ldp + c];
            o[r * ors + c * ocs] = o[r * ors + c * ocs] + s;
        }
}

/* out(r, c) += Σ_k L(r, k)·P(k, c) for r < R, c < C, where
 * L(r, k) = l[r·lr + k·lk], P(k, c) = p[k·ldp + c], out(r, c) = o[r·ors + c·ocs]. */
OWN_ATTR static void OWN(core)(size_t R, size_t C, size_t K, const double *l, size_t lr,
                               size_t lk, const double *p, size_t ldp, double *o, size_t ors,
                               size_t ocs)
{
    size_t c = 0;
    for (; c + OWN_NR <= C; c += OWN_NR) {
        size_t r = 0;
        for (; r + OWN_MR <= R; r += OWN_MR) {
            OWN(vec) acc[OWN_MR][OWN_NV];
            for (int i = 0; i < OWN_MR; i++)
                for (int v = 0; v < OWN_NV; v++)
                    acc[i][v] = (OWN(vec)){0};
            for (size_t k = 0; k < K; k++) {
                OWN(vec) pv[OWN_NV];
                for (int v = 0; v < OWN_NV; v++)
                    pv[v] = *(const OWN(vec) *)(p + k * ldp + c + v * OWN_VW);
                for (int i = 0; i < OWN_MR; i++) {
                    double a = l[(r + i) * lr + k * lk];
                    for (int v = 0; v < OWN_NV; v++)
                        acc[i][v] = acc[i][v] + a * pv[v];
                }
            }
            for (int i = 0; i < OWN_MR; i++)
                for (int v = 0; v < OWN_NV; v++) {
                    double *dst = o + (r + i) * ors + (c + v * OWN_VW) * ocs;
                    if (ocs == 1) {
                        *(OWN(vec) *)dst = *(OWN(vec) *)dst + acc[i][v];
                    } else {
                        for (int e = 0; e < OWN_VW; e++)
                            dst[e * ocs] = dst[e * ocs] + acc[i][v][e];
                    }
                }
        }
        for (; r < R; r++) { /* rows left over: one row, the same tile width */
            OWN(vec) acc[OWN_NV];
            for (int v = 0; v < OWN_NV; v++)
                acc[v] = (OWN(vec)){0};
            for (size_t k = 0; k < K; k++) {
                double a = l[r * lr + k * lk];
                for (int v = 0; v < OWN_NV; v++)
                    acc[v] = acc[v] + a * *(const OWN(vec) *)(p + k * ldp + c + v * OWN_VW);
            }
            for (int v = 0; v < OWN_NV; v++)
                for (int e = 0; e < OWN_VW; e++) {
                    double *dst = o + r * ors + (c + v * OWN_VW + e) * ocs;
                    *dst = *dst + acc[v][e];
                }
        }
    }
    if (c < C)
        OWN(cols)(c, R, C, K, l, lr, lk, p, ldp, o, ors, ocs);
}

/* C (M×N, row stride ldc) += op(A)·op(B); ta/tb 'N' or 'T'; `work` holds
 * at least K·max(M, N) doubles for a packed operand. */
OWN_ATTR static void OWN(gemm)(char ta, char tb, size_t M, size_t N, size_t K, const double *A,
                               size_t lda, const double *B, size_t ldb, double *Cm, size_t ldc,
                               double *work)
{
    if (ta == 'N' && tb == 'T' && N < OWN_DOT_N && M > N) {
        OWN(dots)(M, N, K, A, lda, B, ldb, Cm, ldc);
        return;
    }
    if (N >= OWN_VW || N >= M || (ta == 'N' && tb == 'N' && N >= 4)) {
        /* across C's columns: P = op(B), K×N */
        const double *p = B;
        size_t ldp = ldb;
        if (tb == 'T') {
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < N; j++)
                    work[k * N + j] = B[j * ldb + k];
            p = work;
            ldp = N;
        }
        OWN(core)(M, N, K, A, ta == 'N' ? lda : 1, ta == 'N' ? 1 : lda, p, ldp, Cm, ldc, 1);
    } else { /* across C's rows: Cᵀ (N×M) += op(B)ᵀ·op(A)ᵀ, P = op(A)ᵀ, K×M */
        const double *p = A;
        size_t ldp = lda;
        if (ta == 'N') {
            for (size_t k = 0; k < K; k++)
                for (size_t i = 0; i < M; i++)
                    work[k * M + i] = A[i * lda + k];
            p = work;
            ldp = M;
        }
        OWN(core)(N, M, K, B, tb == 'N' ? 1 : ldb, tb == 'N' ? ldb : 1, p, ldp, Cm, 1, ldc);
    }
}

#undef OWN_MR
#undef OWN_NR
