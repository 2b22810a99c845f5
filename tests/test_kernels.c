/* test_kernels.c — rlc's kernels (src/core/kernels.h) give the same bits on
 * every instruction-set path this CPU runs, and those bits are the ones
 * their stated summation order defines: each product entry against a
 * plain scalar loop in that order, compared with memcmp, over shapes that
 * reach every tile, strip, path and mode; the elementwise, dot-product and
 * optimiser kernels against the generic path. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/isa.h"
#include "kernels.h"
#include "test_util.h"

static const rlc_kernels *paths[3];
static size_t n_paths;

static int setup(void **state)
{
    (void)state;
    const char *names[] = {"generic", "avx2", "avx512"};
    const rlc_kernels *tables[] = {&rlc_kernels_generic,
#if defined(RLC_HAVE_ISA_X86)
                                   &rlc_kernels_avx2, &rlc_kernels_avx512
#else
                                   NULL, NULL
#endif
    };
    for (int i = 0; i < 3; i++)
        if (rlc_isa_supported(names[i]))
            paths[n_paths++] = tables[i];
    return 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static double uniform(void) /* xorshift64*, in [-1, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1Du) >> 11) * 0x1.0p-52 - 1.0;
}

static void fill(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = uniform() * 3.0;
}

/* The order kernels.h states: base + Σ_k from 0, or the 8-lane dot product. */
static double ref_dot8(size_t n, const double *x, size_t incx, const double *y, size_t incy)
{
    double s[8] = {0};
    size_t n8 = n - n % 8;
    for (size_t k = 0; k < n8; k++)
        s[k % 8] = s[k % 8] + x[k * incx] * y[k * incy];
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (size_t k = n8; k < n; k++)
        t = t + x[k * incx] * y[k * incy];
    return t;
}

static void ref_gemm(char ta, char tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                     const double *B, size_t ldb, int mode, const double *bias, double *C,
                     size_t ldc)
{
    bool dots = rlc_gemm_path(ta, tb, M, N, K) == RLC_GEMM_DOTS;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            if (dots) {
                s = ref_dot8(K, A + i * lda, 1, B + j * ldb, 1);
            } else {
                for (size_t k = 0; k < K; k++) {
                    double a = ta == 'N' ? A[i * lda + k] : A[k * lda + i];
                    double b = tb == 'N' ? B[k * ldb + j] : B[j * ldb + k];
                    s = s + a * b;
                }
            }
            bool with_bias = mode == RLC_GEMM_BIAS || mode == RLC_GEMM_BIAS_RELU;
            double base = mode == RLC_GEMM_ADD ? C[i * ldc + j] : with_bias ? bias[j] : 0.0;
            double v = base + s;
            C[i * ldc + j] = mode == RLC_GEMM_BIAS_RELU ? (v > 0.0 ? v : 0.0) : v;
        }
}

static void test_gemm_every_path_is_the_stated_order(void **state)
{
    (void)state;
    static const size_t dims[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 31, 33, 64};
    const size_t nd = sizeof dims / sizeof dims[0];
    size_t cap = 70 * 70 + 64, checked = 0;
    double *A = malloc(cap * sizeof *A), *B = malloc(cap * sizeof *B), *bias = malloc(80 * sizeof *bias);
    double *C0 = malloc(cap * sizeof *C0), *Cr = malloc(cap * sizeof *Cr), *Ck = malloc(cap * sizeof *Ck);
    double *work = malloc(cap * sizeof *work);
    assert_non_null(A && B && bias && C0 && Cr && Ck && work);
    int paths_seen[3] = {0};
    for (int t = 0; t < 4; t++) {
        char ta = t & 1 ? 'T' : 'N', tb = t & 2 ? 'T' : 'N';
        for (size_t a = 0; a < nd; a++)
            for (size_t b = 0; b < nd; b++)
                for (size_t c = 0; c < nd; c += 3) {
                    size_t M = dims[a], N = dims[b], K = dims[(c + a + b) % nd];
                    int mode = (int)((a + b + c + (size_t)t) % 4);
                    /* row strides one wider than needed: views, as a leaf may be */
                    size_t lda = (ta == 'N' ? K : M) + 1, ldb = (tb == 'N' ? N : K) + 1, ldc = N + 2;
                    fill(A, (ta == 'N' ? M : K) * lda);
                    fill(B, (tb == 'N' ? K : N) * ldb);
                    fill(bias, N);
                    fill(C0, M * ldc);
                    assert_true(rlc_gemm_work(ta, tb, M, N, K) <= cap);
                    memcpy(Cr, C0, M * ldc * sizeof *Cr);
                    ref_gemm(ta, tb, M, N, K, A, lda, B, ldb, mode, bias, Cr, ldc);
                    paths_seen[rlc_gemm_path(ta, tb, M, N, K)]++;
                    for (size_t p = 0; p < n_paths; p++) {
                        memcpy(Ck, C0, M * ldc * sizeof *Ck);
                        paths[p]->gemm(ta, tb, M, N, K, A, lda, B, ldb, mode, bias, Ck, ldc, work);
                        for (size_t i = 0; i < M; i++)
                            if (memcmp(Ck + i * ldc, Cr + i * ldc, N * sizeof *Ck) != 0)
                                fail_msg("%s gemm %c%c M=%zu N=%zu K=%zu mode %d: row %zu differs "
                                         "from the stated order",
                                         paths[p]->isa, ta, tb, M, N, K, mode, i);
                        /* the stride padding of C is never written */
                        for (size_t i = 0; i < M; i++)
                            assert_memory_equal(Ck + i * ldc + N, C0 + i * ldc + N,
                                                (ldc - N) * sizeof *Ck);
                        checked++;
                    }
                }
    }
    print_message("%zu products on %zu paths\n", checked, n_paths);
    assert_true(paths_seen[RLC_GEMM_DOTS] && paths_seen[RLC_GEMM_COLS] && paths_seen[RLC_GEMM_ROWS]);
    free(A), free(B), free(bias), free(C0), free(Cr), free(Ck), free(work);
}

/* Inputs for the elementwise kernels: ordinary values, then the edges. */
static size_t edge_inputs(double *x, size_t n)
{
    fill(x, n);
    const double edge[] = {0.0, -0.0, 1e-300, -1e-17, 0.17328679513998632, 354.0, 355.0, -1e300,
                           INFINITY, -INFINITY, NAN, 19.0};
    size_t m = sizeof edge / sizeof edge[0];
    for (size_t i = 0; i < m && i < n; i++)
        x[i * 7 % n] = edge[i];
    return n;
}

static void assert_same_bits(const double *a, const double *b, size_t n, const char *what,
                             const char *isa)
{
    if (memcmp(a, b, n * sizeof *a) != 0)
        fail_msg("%s on %s differs from generic", what, isa);
}

static void test_elementwise_same_bits_on_every_path(void **state)
{
    (void)state;
    enum { n = 1003 }; /* not a multiple of any vector width */
    static double x[n], g[n], k[n], y0[n], y1[n];
    edge_inputs(x, n);
    fill(g, n);
    fill(k, n);
    const rlc_kernels *r = &rlc_kernels_generic;
    for (size_t p = 0; p < n_paths; p++) {
        const rlc_kernels *q = paths[p];
        r->relu(n, x, y0), q->relu(n, x, y1);
        assert_same_bits(y0, y1, n, "relu", q->isa);
        r->tanh(n, x, y0), q->tanh(n, x, y1);
        assert_same_bits(y0, y1, n, "tanh", q->isa);
        void (*bw[])(size_t, const double *, const double *, double *) = {
            r->bw_scale_cols, r->bw_relu, r->bw_tanh, r->bw_square};
        void (*bwq[])(size_t, const double *, const double *, double *) = {
            q->bw_scale_cols, q->bw_relu, q->bw_tanh, q->bw_square};
        for (int i = 0; i < 4; i++) {
            memcpy(y0, k, sizeof y0);
            memcpy(y1, k, sizeof y1);
            bw[i](n, x, g, y0);
            bwq[i](n, x, g, y1);
            assert_same_bits(y0, y1, n, "a backward kernel", q->isa);
        }
        /* relu_mask: g ← 0 + [y>0]·g in place, on every path the bits of
         * bw_relu into zeros (−0 in g becomes +0 there too) */
        for (size_t i = 0; i < n; i++)
            y1[i] = i % 5 == 0 ? -0.0 : g[i];
        memset(y0, 0, sizeof y0);
        r->bw_relu(n, x, y1, y0);
        q->relu_mask(n, x, y1);
        assert_same_bits(y0, y1, n, "relu_mask", q->isa);
        memcpy(y0, k, sizeof y0), memcpy(y1, k, sizeof y1);
        r->bw_affine(n, -0.3, g, y0), q->bw_affine(n, -0.3, g, y1);
        assert_same_bits(y0, y1, n, "bw_affine", q->isa);
        memcpy(y0, k, sizeof y0), memcpy(y1, k, sizeof y1);
        r->col_sums(17, 59, g, 59, y0), q->col_sums(17, 59, g, 59, y1); /* 17 rows of 59 */
        assert_same_bits(y0, y1, n, "col_sums", q->isa);
        double s = k[3];
        for (size_t i = 0; i < 17; i++)
            s = s + g[i * 59 + 3];
        assert_memory_equal(&s, &y1[3], sizeof s); /* column 3, summed in row order */
        memcpy(y0, k, sizeof y0), memcpy(y1, k, sizeof y1);
        r->axpy(n, 0.7, g, y0), q->axpy(n, 0.7, g, y1);
        assert_same_bits(y0, y1, n, "axpy", q->isa);
        memcpy(y0, k, sizeof y0), memcpy(y1, k, sizeof y1);
        for (size_t i = 0; i < n; i++)
            y0[i] = 0.005 * g[i] + 0.995 * y0[i];
        q->polyak(n, 0.005, 0.995, g, y1);
        assert_same_bits(y0, y1, n, "polyak", q->isa);
        for (size_t m = 0; m < 40; m++) { /* every remainder, then the whole vector */
            double d = q->dot(m, g, k), e = ref_dot8(m, g, 1, k, 1);
            assert_memory_equal(&d, &e, sizeof d);
        }
        double d = q->dot(n, g, k), e = ref_dot8(n, g, 1, k, 1);
        assert_memory_equal(&d, &e, sizeof d);
        /* all_finite: every length to 40 (vector body and tails), a NaN or
         * ±inf at every position caught, DBL_MAX and subnormals not */
        double f[40];
        for (size_t m = 0; m <= 40; m++) {
            for (size_t i = 0; i < m; i++)
                f[i] = i % 3 == 0 ? DBL_MAX : i % 3 == 1 ? -4.9e-324 : g[i];
            assert_int_equal(q->all_finite(m, f), 1);
            for (size_t i = 0; i < m; i++) {
                double keep = f[i];
                const double bad[] = {NAN, INFINITY, -INFINITY};
                for (size_t b = 0; b < 3; b++) {
                    f[i] = bad[b];
                    assert_int_equal(q->all_finite(m, f), 0);
                }
                f[i] = keep;
            }
        }
    }
}

static void test_optimisers_same_bits_on_every_path(void **state)
{
    (void)state;
    enum { n = 517 };
    static double p0[n], m0[n], v0[n], p1[n], m1[n], v1[n], g[n];
    for (size_t p = 0; p < n_paths; p++) {
        fill(p0, n), fill(g, n), fill(m0, n), fill(v0, n);
        for (size_t i = 0; i < n; i++)
            v0[i] = fabs(v0[i]);
        memcpy(p1, p0, sizeof p0), memcpy(m1, m0, sizeof m0), memcpy(v1, v0, sizeof v0);
        for (int t = 0; t < 3; t++) {
            rlc_kernels_generic.adam(n, p0, g, m0, v0, 0.9, 0.999, 1e-3, 0.03, 1e-8);
            paths[p]->adam(n, p1, g, m1, v1, 0.9, 0.999, 1e-3, 0.03, 1e-8);
            rlc_kernels_generic.rmsprop(n, p0, g, v0, 0.99, 7e-4, 1e-5);
            paths[p]->rmsprop(n, p1, g, v1, 0.99, 7e-4, 1e-5);
        }
        assert_same_bits(p0, p1, n, "adam/rmsprop parameters", paths[p]->isa);
        assert_same_bits(m0, m1, n, "adam m", paths[p]->isa);
        assert_same_bits(v0, v1, n, "adam/rmsprop v", paths[p]->isa);
    }
}

static void test_isa_selection(void **state)
{
    (void)state;
    const char *was = rlc_isa();
    assert_true(rlc_isa_supported("generic"));
    assert_false(rlc_isa_supported("sse9"));
    assert_false(rlc_isa_supported(NULL));
    assert_int_equal(rlc_isa_set("sse9"), RLC_EINVAL);
    assert_string_equal(rlc_isa(), was); /* a refused name changes nothing */
    assert_int_equal(rlc_isa_set("generic"), RLC_OK);
    assert_string_equal(rlc_isa(), "generic");
    const char *env = getenv("RLC_ISA");
    if (env && rlc_isa_supported(env))
        assert_string_equal(was, env); /* the load-time choice honoured RLC_ISA */
    else if (rlc_isa_supported("avx512"))
        assert_string_equal(was, "avx512"); /* else the widest path */
    assert_int_equal(rlc_isa_set(was), RLC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_every_path_is_the_stated_order),
        cmocka_unit_test(test_elementwise_same_bits_on_every_path),
        cmocka_unit_test(test_optimisers_same_bits_on_every_path),
        cmocka_unit_test(test_isa_selection),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
