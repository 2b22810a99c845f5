/* test_cg.c — conjugate gradient: the 2 × 2 system worked by hand (with and
 * without damping), random symmetric positive definite systems against
 * GSL's Cholesky solve, early stops, and the errors. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include "rlc/cg.h"
#include "test_util.h"

typedef struct dense {
    const gsl_matrix *A;
    double damping;
    size_t calls;
} dense;

static rlc_status dense_mv(void *ctx, const gsl_vector *v, gsl_vector *Av)
{
    dense *d = ctx;
    d->calls++;
    gsl_blas_dgemv(CblasNoTrans, 1.0, d->A, v, 0.0, Av);
    gsl_blas_daxpy(d->damping, v, Av);
    return RLC_OK;
}

/* F = [[4, 1], [1, 3]], g = [1, 2], x₀ = 0: two iterations give the exact
 * s = [1/11, 7/11]; with damping 0.1, (F + 0.1 I) s = g gives
 * s = [0.0939368, 0.6148591]. A solver that forgot the damping, or started
 * from the residual with the wrong sign, gives other numbers. */
static void test_two_by_two(void **s)
{
    (void)s;
    double a[4] = {4, 1, 1, 3}, bd[2] = {1, 2}, xd[2];
    gsl_matrix_view A = gsl_matrix_view_array(a, 2, 2);
    gsl_vector_view b = gsl_vector_view_array(bd, 2), x = gsl_vector_view_array(xd, 2);
    rlc_cg *w;
    assert_int_equal(rlc_cg_alloc(&w, 2), RLC_OK);
    dense d = {&A.matrix, 0.0, 0};
    rlc_cg_result r;
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 2, 0.0, &r), RLC_OK);
    assert_int_equal(r.iterations, 2);
    assert_int_equal(d.calls, 2);
    assert_near(xd[0], 1.0 / 11.0, 1e-15);
    assert_near(xd[1], 7.0 / 11.0, 1e-15);
    assert_true(r.residual_norm2 < 1e-28);
    /* sᵀFs = 15/11: TRPO's step scale √(2·0.01 / sᵀFs) = 0.1211060 */
    double Fs[2] = {4 * xd[0] + xd[1], xd[0] + 3 * xd[1]};
    double sFs = xd[0] * Fs[0] + xd[1] * Fs[1];
    assert_near(sFs, 15.0 / 11.0, 1e-15);
    assert_near(sqrt(2 * 0.01 / sFs), 0.1211060, 5e-8);

    d = (dense){&A.matrix, 0.1, 0};
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 15, 1e-20, &r), RLC_OK);
    assert_near(xd[0], 0.0939368, 5e-8);
    assert_near(xd[1], 0.6148591, 5e-8);
    /* one iteration only: the steepest-descent point, not the solution */
    d = (dense){&A.matrix, 0.0, 0};
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 1, 0.0, &r), RLC_OK);
    assert_int_equal(r.iterations, 1);
    assert_near(xd[0], 0.25, 1e-15); /* α = bᵀb / bᵀAb = 5/20, x = αb */
    assert_near(xd[1], 0.5, 1e-15);
    rlc_cg_free(w);
}

/* Random SPD systems (A = MᵀM + I) of sizes 1..40: n iterations reach GSL's
 * Cholesky solution to 1e-9 relative; a loose tolerance stops early. */
static void test_random_spd_against_cholesky(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t n = 1; n <= 40; n += 3) {
        gsl_matrix *M = gsl_matrix_alloc(n, n), *A = gsl_matrix_alloc(n, n),
                   *L = gsl_matrix_alloc(n, n);
        gsl_vector *b = gsl_vector_alloc(n), *x = gsl_vector_alloc(n), *ref = gsl_vector_alloc(n);
        for (size_t i = 0; i < n; i++) {
            gsl_vector_set(b, i, gsl_rng_uniform(rng) - 0.5);
            for (size_t j = 0; j < n; j++)
                gsl_matrix_set(M, i, j, gsl_rng_uniform(rng) - 0.5);
        }
        gsl_matrix_set_identity(A);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, M, M, 1.0, A);
        gsl_matrix_memcpy(L, A);
        assert_int_equal(gsl_linalg_cholesky_decomp1(L), GSL_SUCCESS);
        assert_int_equal(gsl_linalg_cholesky_solve(L, b, ref), GSL_SUCCESS);
        rlc_cg *w;
        assert_int_equal(rlc_cg_alloc(&w, n), RLC_OK);
        dense d = {A, 0.0, 0};
        rlc_cg_result r;
        assert_int_equal(rlc_cg_solve(w, dense_mv, &d, b, x, 4 * n, 1e-30, &r), RLC_OK);
        double ref_norm = gsl_blas_dnrm2(ref);
        gsl_vector_sub(x, ref);
        assert_true(gsl_blas_dnrm2(x) <= 1e-9 * ref_norm);
        assert_true(r.iterations <= 4 * n);
        /* a tolerance that the first residual already meets: no product */
        d.calls = 0;
        assert_int_equal(rlc_cg_solve(w, dense_mv, &d, b, x, 10, 1e3, &r), RLC_OK);
        assert_int_equal(d.calls, 0);
        assert_true(gsl_vector_isnull(x));
        rlc_cg_free(w);
        gsl_matrix_free(M);
        gsl_matrix_free(A);
        gsl_matrix_free(L);
        gsl_vector_free(b);
        gsl_vector_free(x);
        gsl_vector_free(ref);
    }
    gsl_rng_free(rng);
}

/* An indefinite A (pᵀAp ≤ 0 along b) is reported, not divided by. */
static void test_not_positive_definite(void **s)
{
    (void)s;
    double a[4] = {-1, 0, 0, 1}, bd[2] = {1, 0}, xd[2] = {9, 9};
    gsl_matrix_view A = gsl_matrix_view_array(a, 2, 2);
    gsl_vector_view b = gsl_vector_view_array(bd, 2), x = gsl_vector_view_array(xd, 2);
    rlc_cg *w;
    assert_int_equal(rlc_cg_alloc(&w, 2), RLC_OK);
    dense d = {&A.matrix, 0.0, 0};
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 5, 0.0, NULL),
                     RLC_ENONFINITE);
    assert_true(xd[0] == 0.0 && xd[1] == 0.0);
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 0, 0.0, NULL), RLC_EINVAL);
    assert_int_equal(rlc_cg_solve(w, dense_mv, &d, &b.vector, &x.vector, 5, -1.0, NULL), RLC_EINVAL);
    assert_int_equal(rlc_cg_solve(w, NULL, &d, &b.vector, &x.vector, 5, 0.0, NULL), RLC_EINVAL);
    rlc_cg_free(w);
    rlc_cg_free(NULL);
    assert_int_equal(rlc_cg_alloc(&w, 0), RLC_EINVAL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_by_two),
        cmocka_unit_test(test_random_spd_against_cholesky),
        cmocka_unit_test(test_not_positive_definite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
