/* test_normalize.c — running observation statistics and reward scaling as
 * SB3's VecNormalize: frozen application (hand-computed), batched updates equal
 * one update with all the data (including the 1e-4 prior count), clipping,
 * a hand-computed reward-scaling sequence, and argument errors. */
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <string.h>
#include "rlc/normalize.h"
#include "test_util.h"

/* Frozen statistics by hand: mean [1,2], var [4,9], count 100; [3,5] normalises to
 * [(3−1)/√(4+1e-8), (5−2)/√(9+1e-8)] = [0.99999999875, 0.999999999444444…]
 * and the statistics stay bitwise as they were. */
static void test_apply_is_frozen(void **s)
{
    (void)s;
    rlc_running_norm *n;
    assert_int_equal(rlc_running_norm_create(&n, 2, RLC_NORM_CLIP_DEFAULT), RLC_OK);
    n->mean[0] = 1;
    n->mean[1] = 2;
    n->var[0] = 4;
    n->var[1] = 9;
    n->count = 100;
    double before[5] = {n->mean[0], n->mean[1], n->var[0], n->var[1], n->count};

    const double x[2] = {3, 5};
    double out[2];
    rlc_running_norm_apply(n, x, out, 1);
    assert_near(out[0], 0.99999999875, 1e-12);
    /* rounded by hand, the second is to 11 decimals (0.99999999944, ±5e-12);
     * its value to double precision is 1 − x/2 + 3x²/8, x = 1e-8/9 */
    assert_near(out[1], 0.99999999944, 5e-12);
    assert_near(out[1], 0.99999999944444446, 1e-15);
    assert_true(x[0] == 3 && x[1] == 5);

    double after[5] = {n->mean[0], n->mean[1], n->var[0], n->var[1], n->count};
    assert_memory_equal(before, after, sizeof before);
    assert_true(n->count == 100.0);

    /* in place, many rows, still frozen */
    double y[6] = {3, 5, 1, 2, -1, -1};
    rlc_running_norm_apply(n, y, y, 3);
    assert_true(y[0] == out[0] && y[1] == out[1]);
    assert_true(y[2] == 0.0 && y[3] == 0.0);
    assert_near(y[4], -2.0 / sqrt(4.00000001), 1e-15);
    assert_near(y[5], -3.0 / sqrt(9.00000001), 1e-15);
    double after2[5] = {n->mean[0], n->mean[1], n->var[0], n->var[1], n->count};
    assert_memory_equal(before, after2, sizeof before);
    rlc_running_norm_free(n);
}

enum { ROWS = 10, DIM = 3 };

static double data_at(size_t i, size_t j)
{
    return 5.0 * (double)j - 2.0 + 3.0 * sin(1.3 * (double)i + 0.7 * (double)j) +
           0.1 * (double)(i * i) * (j == 2 ? -1.0 : 1.0);
}

/* Several batches (sizes 3, 1, 4, 2) give the statistics of all ten rows at
 * once, which are those of the data plus SB3's prior pseudo-sample (weight
 * 1e-4, mean 0, variance 1): N = 10 + 1e-4, m = Σx / N,
 * var = (1e-4·(1 + m²) + Σ(x − m)²) / N. */
static void test_batches_equal_all_at_once(void **s)
{
    (void)s;
    double x[ROWS * DIM];
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < DIM; j++)
            x[i * DIM + j] = data_at(i, j);

    rlc_running_norm *fresh, *once, *parts;
    assert_int_equal(rlc_running_norm_create(&fresh, DIM, 10.0), RLC_OK);
    for (size_t j = 0; j < DIM; j++) {
        assert_true(fresh->mean[j] == 0.0);
        assert_true(fresh->var[j] == 1.0);
    }
    assert_true(fresh->count == 1e-4);
    assert_true(fresh->eps == 1e-8);
    assert_true(fresh->clip == 10.0);
    rlc_running_norm_free(fresh);

    assert_int_equal(rlc_running_norm_create(&once, DIM, 10.0), RLC_OK);
    assert_int_equal(rlc_running_norm_create(&parts, DIM, 10.0), RLC_OK);
    rlc_running_norm_update(once, x, ROWS);
    const size_t sizes[4] = {3, 1, 4, 2};
    size_t at = 0;
    for (size_t k = 0; k < 4; k++) {
        rlc_running_norm_update(parts, x + at * DIM, sizes[k]);
        at += sizes[k];
    }
    assert_int_equal(at, ROWS);
    double snap[2 * DIM + 1];
    memcpy(snap, parts->mean, DIM * sizeof(double));
    memcpy(snap + DIM, parts->var, DIM * sizeof(double));
    snap[2 * DIM] = parts->count;
    rlc_running_norm_update(parts, x, 0); /* an empty batch changes nothing, bitwise */
    assert_memory_equal(snap, parts->mean, DIM * sizeof(double));
    assert_memory_equal(snap + DIM, parts->var, DIM * sizeof(double));
    assert_true(snap[2 * DIM] == parts->count);

    const double N = ROWS + 1e-4;
    for (size_t j = 0; j < DIM; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < ROWS; i++)
            sum += x[i * DIM + j];
        double m = sum / N; /* the prior contributes 1e-4 · 0 */
        double ss = 1e-4 * (1.0 + m * m);
        for (size_t i = 0; i < ROWS; i++)
            ss += (x[i * DIM + j] - m) * (x[i * DIM + j] - m);
        double v = ss / N;
        assert_true(v > 1.0); /* the data are spread, so the check is not about the prior */
        assert_near(once->mean[j], m, 1e-12);
        assert_near(once->var[j], v, 1e-12);
        assert_near(parts->mean[j], m, 1e-12);
        assert_near(parts->var[j], v, 1e-12);
    }
    assert_near(once->count, N, 1e-12);
    assert_near(parts->count, N, 1e-12);
    rlc_running_norm_free(once);
    rlc_running_norm_free(parts);
}

/* One batch of one row from the initial state, by hand: δ = x, N' = 1.0001,
 * mean = x / 1.0001, var = (1e-4 + x²·1e-4 / 1.0001) / 1.0001 (batch var 0). */
/* Merging a batch's moments is merging its rows: the same bits, since
 * update computes the same mean and variance (ddof 0) and merges them; a
 * count of 0 changes nothing. A merge that wrongly used ddof 1 or forgot
 * the count would differ. */
static void test_merge_moments(void **s)
{
    (void)s;
    const double first[] = {0.5, -1.0, 2.0, 3.0, -0.25, 1.5};  /* 3 rows x 2 */
    const double second[] = {4.0, 0.0, -2.0, 1.0};             /* 2 rows x 2 */
    rlc_running_norm *a, *b;
    assert_int_equal(rlc_running_norm_create(&a, 2, 10.0), RLC_OK);
    assert_int_equal(rlc_running_norm_create(&b, 2, 10.0), RLC_OK);
    rlc_running_norm_update(a, first, 3);
    rlc_running_norm_update(b, first, 3);
    rlc_running_norm_update(a, second, 2);
    /* second's moments by hand: means (1, 0.5), variances (9, 0.25) */
    const double mean[] = {1.0, 0.5}, var[] = {9.0, 0.25};
    rlc_running_norm_merge(b, mean, var, 0.0);
    rlc_running_norm_merge(b, mean, var, 2.0);
    for (int j = 0; j < 2; j++) {
        assert_memory_equal(&a->mean[j], &b->mean[j], sizeof(double));
        assert_memory_equal(&a->var[j], &b->var[j], sizeof(double));
    }
    assert_true(a->count == b->count);
    rlc_running_norm_free(a);
    rlc_running_norm_free(b);
}

static void test_single_row_update(void **s)
{
    (void)s;
    rlc_running_norm *n;
    assert_int_equal(rlc_running_norm_create(&n, 1, 10.0), RLC_OK);
    const double x = 4.0;
    rlc_running_norm_update(n, &x, 1);
    assert_near(n->mean[0], 4.0 / 1.0001, 1e-15);
    assert_near(n->var[0], (1e-4 + 16.0 * 1e-4 / 1.0001) / 1.0001, 1e-15);
    assert_near(n->count, 1.0001, 1e-15);
    rlc_running_norm_free(n);
}

/* Normalised values are clipped to [−clip, clip]; INFINITY disables it. */
static void test_clipping(void **s)
{
    (void)s;
    const double sd1 = sqrt(1.0 + 1e-8);
    rlc_running_norm *n;
    assert_int_equal(rlc_running_norm_create(&n, 2, 2.0), RLC_OK);
    const double x[4] = {-5, 0.5, 5, -1.5};
    double out[4];
    rlc_running_norm_apply(n, x, out, 2);
    assert_true(out[0] == -2.0);
    assert_near(out[1], 0.5 / sd1, 1e-15);
    assert_true(out[2] == 2.0);
    assert_near(out[3], -1.5 / sd1, 1e-15);
    rlc_running_norm_free(n);

    assert_int_equal(rlc_running_norm_create(&n, 1, RLC_NORM_CLIP_DEFAULT), RLC_OK);
    const double big[3] = {100, -1e6, 9.5};
    rlc_running_norm_apply(n, big, out, 3);
    assert_true(out[0] == 10.0 && out[1] == -10.0);
    assert_near(out[2], 9.5 / sd1, 1e-15);
    rlc_running_norm_free(n);

    assert_int_equal(rlc_running_norm_create(&n, 1, INFINITY), RLC_OK);
    rlc_running_norm_apply(n, big, out, 2);
    assert_near(out[0], 100.0 / sd1, 1e-12);
    assert_near(out[1], -1e6 / sd1, 1e-8);
    rlc_running_norm_free(n);
}

/* Reward scaling, 2 envs, γ = 0.9, clip_reward = 2, against a hand
 * recomputation of SB3's VecNormalize.step_wait (returns ← γ·returns + r;
 * ret_rms.update(returns); r / √(var + 1e-8) clipped; returns[done] = 0).
 * Step 1 by hand: returns [1, −2], batch mean −0.5, batch var 2.25,
 * N' = 2.0001, mean = −0.5·2 / 2.0001,
 * var = (1e-4 + 2.25·2 + 0.25·1e-4·2 / 2.0001) / 2.0001. */
static void test_reward_scaling_sequence(void **s)
{
    (void)s;
    rlc_return_norm *n;
    assert_int_equal(rlc_return_norm_create(&n, 2, 0.9, 2.0), RLC_OK);
    assert_true(n->mean == 0.0 && n->var == 1.0 && n->count == 1e-4);
    assert_true(n->returns[0] == 0.0 && n->returns[1] == 0.0);

    const double rew[4][2] = {{1, -2}, {0.5, 3}, {2, 1}, {-1, 50}};
    const bool done[4][2] = {{false, false}, {true, false}, {false, true}, {false, false}};
    const double exp_out[4][2] = {{0.6666740724382246, -1.3333481448764493},
                                  {0.3589808825088354, 2.0}, /* 2.1538853 clipped */
                                  {1.454187593507848, 0.727093796753924},
                                  {-0.061449860145730555, 2.0}}; /* 3.0724930 clipped */
    const double exp_ret[4][2] = {{1.0, -2.0}, {0.0, 1.2}, {2.0, 0.0}, {0.8, 50.0}};
    const double exp_stats[4][3] = {{-0.49997500124993743, 2.249950001874937, 2.0001},
                                    {0.39999000024999376, 1.9399805003874928, 4.0001},
                                    {0.9466508891518476, 1.8915556323423788, 6.0001},
                                    {7.059911751103111, 264.82452523064666, 8.0001}};
    const double v1 = (1e-4 + 2.25 * 2.0 + 0.25 * 1e-4 * 2.0 / 2.0001) / 2.0001;

    for (size_t k = 0; k < 4; k++) {
        double out[2];
        rlc_return_norm_step(n, rew[k], done[k], out);
        for (size_t e = 0; e < 2; e++) {
            assert_near(out[e], exp_out[k][e], 1e-12);
            assert_near(n->returns[e], exp_ret[k][e], 1e-12);
        }
        assert_near(n->mean, exp_stats[k][0], 1e-12);
        assert_near(n->var, exp_stats[k][1], 1e-12);
        assert_near(n->count, exp_stats[k][2], 1e-12);
        if (k == 0) {
            assert_near(n->mean, -1.0 / 2.0001, 1e-15);
            assert_near(n->var, v1, 1e-15);
            assert_near(out[0], 1.0 / sqrt(v1 + 1e-8), 1e-15);
            assert_near(out[1], -2.0 / sqrt(v1 + 1e-8), 1e-15);
        }
    }

    /* frozen application: same scale, nothing changes */
    double before[5] = {n->mean, n->var, n->count, n->returns[0], n->returns[1]};
    double r3[3] = {1.0, -100.0, 0.0};
    rlc_return_norm_apply(n, r3, r3, 3); /* in place */
    assert_near(r3[0], 1.0 / sqrt(264.82452523064666 + 1e-8), 1e-12);
    assert_true(r3[1] == -2.0);
    assert_true(r3[2] == 0.0);
    double after[5] = {n->mean, n->var, n->count, n->returns[0], n->returns[1]};
    assert_memory_equal(before, after, sizeof before);

    /* reset zeroes the running returns only */
    rlc_return_norm_reset(n);
    assert_true(n->returns[0] == 0.0 && n->returns[1] == 0.0);
    assert_true(n->mean == before[0] && n->var == before[1] && n->count == before[2]);
    rlc_return_norm_free(n);
}

/* step may write its output over the rewards. */
static void test_reward_step_in_place(void **s)
{
    (void)s;
    rlc_return_norm *n;
    assert_int_equal(rlc_return_norm_create(&n, 2, 0.9, 2.0), RLC_OK);
    double r[2] = {1, -2};
    const bool d[2] = {false, true};
    rlc_return_norm_step(n, r, d, r);
    assert_near(r[0], 0.6666740724382246, 1e-12);
    assert_near(r[1], -1.3333481448764493, 1e-12);
    assert_true(n->returns[0] == 1.0 && n->returns[1] == 0.0);
    rlc_return_norm_free(n);
}

static void test_errors(void **s)
{
    (void)s;
    rlc_running_norm *n = NULL;
    assert_int_equal(rlc_running_norm_create(&n, 0, 10.0), RLC_EINVAL);
    assert_null(n);
    assert_int_equal(rlc_running_norm_create(&n, 2, 0.0), RLC_EINVAL);
    assert_int_equal(rlc_running_norm_create(&n, 2, -1.0), RLC_EINVAL);
    assert_int_equal(rlc_running_norm_create(&n, 2, NAN), RLC_EINVAL);
    assert_null(n);
    assert_int_equal(rlc_running_norm_create(NULL, 2, 10.0), RLC_EINVAL);
    rlc_running_norm_free(NULL);

    rlc_return_norm *m = NULL;
    assert_int_equal(rlc_return_norm_create(&m, 0, 0.99, 10.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, 1.5, 10.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, -0.1, 10.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, NAN, 10.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, 0.99, 0.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, 0.99, NAN), RLC_EINVAL);
    assert_null(m);
    assert_int_equal(rlc_return_norm_create(NULL, 1, 0.99, 10.0), RLC_EINVAL);
    assert_int_equal(rlc_return_norm_create(&m, 1, 1.0, INFINITY), RLC_OK);
    rlc_return_norm_free(m);
    rlc_return_norm_free(NULL);
}
/* Return statistics merged from moments (the returns of other ranks) are
 * those a step with the same returns gives; the running returns are left
 * alone, and an empty batch changes nothing. */
static void test_return_merge(void **s)
{
    (void)s;
    rlc_return_norm *a, *b;
    assert_int_equal(rlc_return_norm_create(&a, 2, 0.9, 10.0), RLC_OK);
    assert_int_equal(rlc_return_norm_create(&b, 2, 0.9, 10.0), RLC_OK);
    const double r[2] = {1.0, 3.0};
    const bool d[2] = {false, false};
    double out[2];
    rlc_return_norm_step(a, r, d, out); /* returns (1, 3): mean 2, variance 1 */
    rlc_return_norm_merge(b, 2.0, 1.0, 0.0);
    rlc_return_norm_merge(b, 2.0, 1.0, -1.0);
    assert_true(b->count == RLC_NORM_COUNT0);
    rlc_return_norm_merge(b, 2.0, 1.0, 2.0);
    assert_memory_equal(&a->mean, &b->mean, sizeof(double));
    assert_memory_equal(&a->var, &b->var, sizeof(double));
    assert_true(a->count == b->count);
    assert_true(b->returns[0] == 0.0 && b->returns[1] == 0.0);
    /* not the statistics of one return (a rank's own, unmerged) */
    rlc_return_norm *c;
    assert_int_equal(rlc_return_norm_create(&c, 1, 0.9, 10.0), RLC_OK);
    rlc_return_norm_merge(c, 1.0, 0.0, 1.0);
    assert_false(c->var == b->var);
    rlc_return_norm_free(a);
    rlc_return_norm_free(b);
    rlc_return_norm_free(c);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_is_frozen),
        cmocka_unit_test(test_batches_equal_all_at_once),
        cmocka_unit_test(test_merge_moments),
        cmocka_unit_test(test_single_row_update),
        cmocka_unit_test(test_clipping),
        cmocka_unit_test(test_reward_scaling_sequence),
        cmocka_unit_test(test_reward_step_in_place),
        cmocka_unit_test(test_return_merge),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
