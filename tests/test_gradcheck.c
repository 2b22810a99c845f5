/* test_gradcheck.c — the public finite-difference checker itself: a known
 * gradient passes, a wrong one is caught at the right coordinate, x comes
 * back bitwise, the step scales with |xᵢ|, non-finite losses and bad
 * arguments are reported. rlc_gradcheck_block: pass, a sign error and a
 * factor 2 fail, "no signal" for a block the loss ignores, kinks skipped
 * and counted, large blocks sampled with directions that catch one wrong
 * coordinate the sample missed. */
#include <gsl/gsl_errno.h>
#include <string.h>
#include "rlc/gradcheck.h"
#include "test_util.h"

#define N 6

typedef struct {
    const double *x;
    size_t n;
    int calls;
    int nan_after; /* return NaN from this call on (−1: never) */
} fctx;

/* f(x) = Σᵢ sin(xᵢ)·xᵢ₊₁ */
static double f_sin(void *ctx)
{
    fctx *c = ctx;
    c->calls++;
    if (c->nan_after >= 0 && c->calls > c->nan_after)
        return NAN;
    double s = 0;
    for (size_t i = 0; i + 1 < c->n; i++)
        s += sin(c->x[i]) * c->x[i + 1];
    return s;
}

/* ∂f/∂x_k = cos(x_k)·x_{k+1} + sin(x_{k−1}) */
static void grad_sin(const double *x, size_t n, double *g)
{
    for (size_t k = 0; k < n; k++) {
        g[k] = 0;
        if (k + 1 < n)
            g[k] += cos(x[k]) * x[k + 1];
        if (k > 0)
            g[k] += sin(x[k - 1]);
    }
}

/* values whose x ± h − (±h) does not round back to x */
static const double X0[N] = {0.1, -0.7, 1.0 / 3.0, 1.3, -2.2, 0.45};

static void test_known_gradient(void **s)
{
    (void)s;
    double x[N], g[N];
    memcpy(x, X0, sizeof x);
    grad_sin(x, N, g);
    for (size_t i = 0; i < N; i++)
        assert_true(fabs(g[i]) > 0.05); /* relative errors are meaningful */
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_result r;
    memset(&r, 0xff, sizeof r);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_true(r.max_rel_error < 1e-8);
    assert_true(r.max_rel_error >= 0.0);
    assert_true(r.worst_index < N);
    assert_true(r.analytic == g[r.worst_index]);
    assert_near(r.numeric, r.analytic, 1e-8 * fabs(r.analytic));
    assert_int_equal(c.calls, 2 * N); /* central differences: two calls per coordinate */
    assert_memory_equal(x, X0, sizeof x);
}

/* A wrong analytic gradient in one coordinate: large error, found there. */
static void test_wrong_gradient(void **s)
{
    (void)s;
    double x[N], g[N], good[N];
    memcpy(x, X0, sizeof x);
    grad_sin(x, N, good);
    for (size_t bad = 0; bad < N; bad++) {
        memcpy(g, good, sizeof g);
        g[bad] += 0.5;
        fctx c = {.x = x, .n = N, .nan_after = -1};
        rlc_gradcheck_result r;
        assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_OK);
        assert_int_equal(r.worst_index, bad);
        double expect = 0.5 / fmax(fabs(g[bad]), fabs(good[bad]));
        assert_near(r.max_rel_error, expect, 1e-7);
        assert_true(r.max_rel_error > 0.1);
        assert_true(r.analytic == g[bad]);
        assert_near(r.numeric, good[bad], 1e-8);
        assert_memory_equal(x, X0, sizeof x);
    }
    /* sign error in the last coordinate: relative error 2 */
    memcpy(g, good, sizeof g);
    g[N - 1] = -g[N - 1];
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_int_equal(r.worst_index, N - 1);
    assert_near(r.max_rel_error, 2.0, 1e-7);
}

/* Below `floor` the error is absolute / floor: a zero derivative checked
 * against a zero analytic value gives 0, and 1e-9 off gives 1e-9/floor. */
/* Coordinates where x ± h ∓ h does not round back to x (|x| below the
 * step, subnormal, negative): restoring by arithmetic would change them;
 * the checker must put back the very bits it found. */
static void test_restores_bitwise(void **s)
{
    (void)s;
    double x[N] = {2.5e-7, 1e-300, -3.7e-9, 5e-324, -0.0, 0.1};
    double x0[N], g[N];
    memcpy(x0, x, sizeof x);
    grad_sin(x, N, g);
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_memory_equal(x, x0, sizeof x);
    assert_true(r.max_rel_error < 1e-6);
}

static double f_const_in_x1(void *ctx)
{
    const double *x = ctx;
    return 3.0 * x[0]; /* ∂/∂x1 = 0 */
}

static void test_floor(void **s)
{
    (void)s;
    double x[2] = {0.2, 0.3};
    double g[2] = {3.0, 0.0};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(f_const_in_x1, x, x, 2, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_true(r.max_rel_error < 1e-8);
    g[1] = 1e-9;
    assert_int_equal(rlc_gradcheck(f_const_in_x1, x, x, 2, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_int_equal(r.worst_index, 1);
    assert_near(r.max_rel_error, 1e-3, 1e-12); /* 1e-9 / 1e-6 */
    assert_true(r.numeric == 0.0);
}

/* h = step·max(1, |xᵢ|): a quadratic at x = 1e4 is differentiated to
 * ~1e-12 relative; an unscaled h = 1e-6 would leave ~1e-7 of cancellation
 * error. */
static double f_square(void *ctx)
{
    const double *x = ctx;
    return x[0] * x[0] + 0.5 * x[1] * x[1];
}

static void test_step_scales(void **s)
{
    (void)s;
    double x[2] = {1e4 + 1.0 / 3.0, -3e4 - 0.1};
    double x0[2];
    memcpy(x0, x, sizeof x0);
    double g[2] = {2 * x[0], x[1]};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(f_square, x, x, 2, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_true(r.max_rel_error < 1e-9);
    assert_memory_equal(x, x0, sizeof x);
}

static void test_nonfinite(void **s)
{
    (void)s;
    double x[N];
    memcpy(x, X0, sizeof x);
    double g[N];
    grad_sin(x, N, g);
    rlc_gradcheck_result r;
    /* NaN on the very first evaluation */
    fctx c = {.x = x, .n = N, .nan_after = 0};
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_ENONFINITE);
    assert_memory_equal(x, X0, sizeof x);
    /* NaN on the minus side of coordinate 2 (call 6): x still restored */
    c = (fctx){.x = x, .n = N, .nan_after = 5};
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, &r), RLC_ENONFINITE);
    assert_memory_equal(x, X0, sizeof x);
}

static double f_inf(void *ctx)
{
    const double *x = ctx;
    return x[0] > 1.0 ? INFINITY : x[0];
}

static void test_infinite(void **s)
{
    (void)s;
    double x[1] = {1.0}, g[1] = {1.0};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(f_inf, x, x, 1, g, 1e-6, 1e-6, &r), RLC_ENONFINITE);
    assert_true(x[0] == 1.0);
    x[0] = 0.5;
    assert_int_equal(rlc_gradcheck(f_inf, x, x, 1, g, 1e-6, 1e-6, &r), RLC_OK);
    assert_true(r.max_rel_error < 1e-8);
}

static void test_bad_arguments(void **s)
{
    (void)s;
    double x[N], g[N];
    memcpy(x, X0, sizeof x);
    grad_sin(x, N, g);
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(NULL, &c, x, N, g, 1e-6, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, NULL, N, g, 1e-6, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, NULL, 1e-6, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 1e-6, 1e-6, NULL), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, 0, g, 1e-6, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, 0.0, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, -1e-6, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck(f_sin, &c, x, N, g, NAN, 1e-6, &r), RLC_EINVAL);
    assert_int_equal(c.calls, 0); /* rejected before any evaluation */
    assert_memory_equal(x, X0, sizeof x);
}

/* --- rlc_gradcheck_block --- */

static void test_block_pass(void **s)
{
    (void)s;
    double x[N], g[N];
    memcpy(x, X0, sizeof x);
    grad_sin(x, N, g);
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_report r;
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, g, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_PASS);
    assert_int_equal(r.n, N);
    assert_int_equal(r.n_coords, N);
    assert_false(r.sampled);
    assert_int_equal(r.n_directions, 0);
    assert_int_equal(r.n_kinks, 0);
    assert_true(r.max_rel_error < 1e-8);
    assert_int_equal(c.calls, 1 + 2 * N); /* f(x) once, two per coordinate */
    assert_memory_equal(x, X0, sizeof x);
    assert_string_equal(rlc_gradcheck_verdict_name(r.verdict), "pass");
}

/* A sign error and a factor 2 in one coordinate, then in all: FAIL, named. */
static void test_block_wrong(void **s)
{
    (void)s;
    for (int kind = 0; kind < 2; kind++) {
        double x[N], g[N];
        memcpy(x, X0, sizeof x);
        grad_sin(x, N, g);
        g[3] *= kind == 0 ? -1.0 : 2.0;
        fctx c = {.x = x, .n = N, .nan_after = -1};
        rlc_gradcheck_report r;
        assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, g, NULL, &r), RLC_OK);
        assert_int_equal(r.verdict, RLC_GRADCHECK_FAIL);
        assert_int_equal(r.worst_index, 3);
        assert_true(r.max_rel_error >= 0.5);
        assert_int_equal(r.n_kinks, 0); /* a wrong gradient is not a kink */
        assert_string_equal(rlc_gradcheck_verdict_name(r.verdict), "FAIL");
    }
}

/* f(x) = x₀²: the block x₁.. is not read by f. */
static double f_first_sq(void *ctx)
{
    const double *x = ctx;
    return x[0] * x[0] + 1.0;
}

static void test_block_no_signal(void **s)
{
    (void)s;
    double x[4] = {0.5, 0.25, -1.0, 2.0}, g[4] = {1.0, 0, 0, 0};
    rlc_gradcheck_report r;
    assert_int_equal(rlc_gradcheck_block(f_first_sq, x, x + 1, 3, g + 1, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_NO_SIGNAL); /* not a pass: nothing measured */
    assert_string_equal(rlc_gradcheck_verdict_name(r.verdict), "no signal");
    /* a zero analytic gradient where f does depend on x is a failure */
    g[0] = 0.0;
    assert_int_equal(rlc_gradcheck_block(f_first_sq, x, x, 1, g, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_FAIL);
    g[0] = 1.0;
    assert_int_equal(rlc_gradcheck_block(f_first_sq, x, x, 1, g, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_PASS);
}

/* f(x) = Σ relu(xᵢ)·(i + 1) + Σ xᵢ²/2 (so no coordinate is flat); the tape's
 * convention: relu′(0) = 0. */
static double f_relu(void *ctx)
{
    const double *x = ctx;
    double s = 0;
    for (size_t i = 0; i < N; i++)
        s += (x[i] > 0 ? x[i] : 0.0) * (double)(i + 1) + 0.5 * x[i] * x[i];
    return s;
}

static void test_block_kinks(void **s)
{
    (void)s;
    /* x₁ at the kink, x₄ within the step of it (3e-7 < h = 1e-6) */
    double x[N] = {0.3, 0.0, -0.4, 0.8, 3e-7, -1.1}, g[N];
    for (size_t i = 0; i < N; i++)
        g[i] = (x[i] > 0 ? (double)(i + 1) : 0.0) + x[i];
    rlc_gradcheck_report r;
    assert_int_equal(rlc_gradcheck_block(f_relu, x, x, N, g, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_PASS);
    assert_int_equal(r.n_kinks, 2);
    assert_int_equal(r.n_coords, N);
    /* a sign error next to the kinks is still caught */
    g[3] = -g[3];
    assert_int_equal(rlc_gradcheck_block(f_relu, x, x, N, g, NULL, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_FAIL);
    assert_int_equal(r.worst_index, 3);
    assert_int_equal(r.n_kinks, 2);
    /* a block of kinks alone proves nothing: x₁ = 0 alone, relu′(0) = 0 */
    double xk[N] = {0.3, 0.0, -0.4, 0.8, 0.5, -1.1}, gk[1] = {0.0};
    assert_int_equal(rlc_gradcheck_block(f_relu, xk, xk + 1, 1, gk, NULL, &r), RLC_OK);
    assert_int_equal(r.n_kinks, 1);
    assert_int_equal(r.verdict, RLC_GRADCHECK_NO_SIGNAL);
}

#define BIG 1000

typedef struct {
    const double *x;
    int calls;
} big_ctx;

/* f(x) = Σ sin(xᵢ)·(1 + i/BIG) */
static double f_big(void *ctx)
{
    big_ctx *c = ctx;
    c->calls++;
    double s = 0;
    for (size_t i = 0; i < BIG; i++)
        s += sin(c->x[i]) * (1.0 + (double)i / BIG);
    return s;
}

static void test_block_sampled(void **s)
{
    (void)s;
    static double x[BIG], x0[BIG], g[BIG];
    for (size_t i = 0; i < BIG; i++) {
        x[i] = x0[i] = 0.001 * (double)i - 0.3;
        g[i] = cos(x[i]) * (1.0 + (double)i / BIG);
    }
    rlc_gradcheck_options o;
    rlc_gradcheck_options_default(&o);
    o.seed = 7;
    big_ctx c = {x, 0};
    rlc_gradcheck_report r;
    assert_int_equal(rlc_gradcheck_block(f_big, &c, x, BIG, g, &o, &r), RLC_OK);
    assert_int_equal(r.verdict, RLC_GRADCHECK_PASS);
    assert_true(r.sampled);
    assert_int_equal(r.n_coords, o.n_sample);
    assert_int_equal(r.n_directions, o.n_directions);
    assert_int_equal(c.calls, 1 + 2 * (int)(o.n_sample + o.n_directions));
    assert_memory_equal(x, x0, sizeof x);
    /* one coordinate with a sign error, outside the sample: the directions
     * see it (gᵀd is off by 2|gⱼ|, about 6% of |gᵀd| here) */
    bool in_sample = true;
    size_t j = 0;
    for (; in_sample && j < BIG; j++) {
        g[j] = -g[j];
        c.calls = 0;
        assert_int_equal(rlc_gradcheck_block(f_big, &c, x, BIG, g, &o, &r), RLC_OK);
        in_sample = r.worst_index == j;
        if (in_sample)
            g[j] = -g[j];
    }
    assert_false(in_sample);
    assert_int_equal(r.verdict, RLC_GRADCHECK_FAIL);
    assert_int_equal(r.worst_index, SIZE_MAX); /* a direction found it */
    assert_memory_equal(x, x0, sizeof x);
    /* every coordinate when the limit allows */
    g[j - 1] = -g[j - 1];
    o.max_full = BIG;
    c.calls = 0;
    assert_int_equal(rlc_gradcheck_block(f_big, &c, x, BIG, g, &o, &r), RLC_OK);
    assert_false(r.sampled);
    assert_int_equal(r.n_coords, BIG);
    assert_int_equal(r.verdict, RLC_GRADCHECK_PASS);
}

static void test_block_bad_arguments(void **s)
{
    (void)s;
    double x[N], g[N];
    memcpy(x, X0, sizeof x);
    grad_sin(x, N, g);
    fctx c = {.x = x, .n = N, .nan_after = -1};
    rlc_gradcheck_report r;
    rlc_gradcheck_options o;
    rlc_gradcheck_options_default(&o);
    assert_int_equal(rlc_gradcheck_block(NULL, &c, x, N, g, &o, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, 0, g, &o, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, NULL, &o, &r), RLC_EINVAL);
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, g, &o, NULL), RLC_EINVAL);
    o.tol = 0;
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, g, &o, &r), RLC_EINVAL);
    assert_int_equal(c.calls, 0);
    c.nan_after = 4;
    assert_int_equal(rlc_gradcheck_block(f_sin, &c, x, N, g, NULL, &r), RLC_ENONFINITE);
    assert_memory_equal(x, X0, sizeof x);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_gradient), cmocka_unit_test(test_wrong_gradient),
        cmocka_unit_test(test_floor),          cmocka_unit_test(test_step_scales),
        cmocka_unit_test(test_nonfinite),      cmocka_unit_test(test_infinite),
        cmocka_unit_test(test_bad_arguments),  cmocka_unit_test(test_restores_bitwise),
        cmocka_unit_test(test_block_pass),     cmocka_unit_test(test_block_wrong),
        cmocka_unit_test(test_block_no_signal), cmocka_unit_test(test_block_kinks),
        cmocka_unit_test(test_block_sampled),  cmocka_unit_test(test_block_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
