/* test_stats.c — rlc/stats.h against hand-computed values and against
 * numbers computed independently with scipy 1.10.1 / numpy (Debian
 * bookworm's python3-scipy), pasted here as literals so the test needs no
 * Python. Names the wrong answers where a plausible mistake exists. */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include "rlc/stats.h"
#include "test_util.h"

/* A sample used by several tests (8 final evaluations). */
static const double scores8[8] = {500, 480.5, 499, 350.25, 500, 470, 420, 499.5};

static void test_iqm_hand(void **state)
{
    (void)state;
    double v;
    /* sorted 1 2 3 4 5 7 8 9; k = floor(0.25·8) = 2 cut each end: (3+4+5+7)/4 */
    const double a[8] = {7, 1, 5, 3, 9, 2, 8, 4};
    assert_int_equal(rlc_stats_iqm(a, 8, &v), RLC_OK);
    assert_near(v, 4.75, 1e-15);
    /* n = 10: k = floor(2.5) = 2, six values left: (3+4+6+7+8+9)/6 = 37/6,
     * not the 5 middle values a rounding k = 3 would keep */
    const double b[10] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 100};
    assert_int_equal(rlc_stats_iqm(b, 10, &v), RLC_OK);
    assert_near(v, 37.0 / 6.0, 1e-14);
    /* hand: sorted 350.25 420 470 480.5 499 499.5 500 500 -> (470+480.5+499+499.5)/4 */
    assert_int_equal(rlc_stats_iqm(scores8, 8, &v), RLC_OK);
    assert_near(v, 487.25, 1e-12);
    /* n < 4: nothing trimmed, the mean */
    const double c[3] = {1, 2, 6};
    assert_int_equal(rlc_stats_iqm(c, 3, &v), RLC_OK);
    assert_near(v, 3.0, 1e-15);
    assert_int_equal(rlc_stats_trimmed_mean(c, 3, 0.5, &v), RLC_EINVAL);
    assert_int_equal(rlc_stats_iqm(c, 0, &v), RLC_EINVAL);
    assert_int_equal(rlc_stats_median(scores8, 8, &v), RLC_OK);
    assert_near(v, (480.5 + 499) / 2, 1e-12); /* sorted: 4th and 5th of 8 */
    assert_int_equal(rlc_stats_median(c, 3, &v), RLC_OK);
    assert_near(v, 2.0, 0);
}

static void test_mean_ci(void **state)
{
    (void)state;
    double m, lo, hi;
    assert_int_equal(rlc_stats_mean_ci(scores8, 8, 0.95, &m, &lo, &hi), RLC_OK);
    assert_near(m, 464.90625, 1e-12);
    /* scipy: mean ∓ t.ppf(0.975, 7)·std(ddof=1)/√8; GSL's t quantile
     * (gsl_cdf_tdist_Pinv) agrees with scipy's to about 1e-10 relative */
    assert_near(lo, 419.93619229497085, 1e-6);
    assert_near(hi, 509.87630770502915, 1e-6);
    assert_int_equal(rlc_stats_mean_ci(scores8, 1, 0.95, &m, &lo, &hi), RLC_EINVAL);
    assert_int_equal(rlc_stats_mean_ci(scores8, 8, 1.0, &m, &lo, &hi), RLC_EINVAL);
}

/* The bootstrap draws with gsl_rng_uniform_int on mt19937 seeded with 1.
 * Independent computation: numpy's MT19937 with legacy seeding (the same
 * init_genrand as GSL), GSL's rejection rule k = raw / ((2^32−1)/n) redone in
 * Python, scipy.stats.trim_mean(·, 0.25) and numpy.percentile([2.5, 97.5])
 * over 2000 resamples gave [432.8046875, 499.75]. */
static void test_bootstrap_fixed_seed(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 1);
    double lo, hi, iqm;
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(scores8, 8, 1, 2000, 0.95, rng, &lo, &hi), RLC_OK);
    assert_near(lo, 432.8046875, 1e-9);
    assert_near(hi, 499.75, 1e-9);
    assert_int_equal(rlc_stats_iqm(scores8, 8, &iqm), RLC_OK);
    assert_true(lo <= iqm && iqm <= hi);
    /* same seed, same interval */
    double lo2, hi2;
    gsl_rng_set(rng, 1);
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(scores8, 8, 1, 2000, 0.95, rng, &lo2, &hi2),
                     RLC_OK);
    assert_true(lo2 == lo && hi2 == hi);
    /* a constant sample has a zero-width interval */
    const double k[4] = {3, 3, 3, 3};
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(k, 4, 1, 100, 0.95, rng, &lo, &hi), RLC_OK);
    assert_near(lo, 3, 0);
    assert_near(hi, 3, 0);
    /* stratified: two tasks with very different scales; each resample keeps
     * one value per run from each task, so the IQM of 2·n cells stays
     * between the tasks' ranges instead of ever being all-task-A */
    const double two[6] = {0, 100, 1, 101, 2, 102}; /* run-major: (taskA, taskB) per run */
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(two, 3, 2, 500, 0.95, rng, &lo, &hi), RLC_OK);
    assert_true(lo > 2.0 && hi < 100.0);
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(scores8, 1, 1, 2000, 0.95, rng, &lo, &hi),
                     RLC_EINVAL);
    assert_int_equal(rlc_stats_bootstrap_iqm_ci(scores8, 8, 1, 2000, 0.95, NULL, &lo, &hi),
                     RLC_EINVAL);
    gsl_rng_free(rng);
}

static void test_prob_improvement(void **state)
{
    (void)state;
    double p;
    /* X={1,2,3}, Y={2,2,4} by hand: x=1 beats none (0); x=2 ties both 2s
     * (½+½); x=3 beats both 2s (1+1): 3 of 9 pairs -> 1/3 */
    const double x[3] = {1, 2, 3}, y[3] = {2, 2, 4};
    assert_int_equal(rlc_stats_prob_improvement(x, 3, y, 3, &p), RLC_OK);
    assert_near(p, 3.0 / 9.0, 1e-15);
    assert_int_equal(rlc_stats_prob_improvement(y, 3, x, 3, &p), RLC_OK);
    assert_near(p, 6.0 / 9.0, 1e-15); /* P(X>Y) + P(Y>X) = 1 */
    /* identical samples: ½, not 0 (ties count half) */
    assert_int_equal(rlc_stats_prob_improvement(x, 3, x, 3, &p), RLC_OK);
    assert_near(p, 0.5, 0);
    const double z[1] = {10};
    assert_int_equal(rlc_stats_prob_improvement(z, 1, x, 3, &p), RLC_OK);
    assert_near(p, 1.0, 0);
    assert_int_equal(rlc_stats_prob_improvement(x, 0, y, 3, &p), RLC_EINVAL);
}

/* Expected values: scipy.stats.ttest_ind(x, y, equal_var=False) (scipy
 * 1.10.1, Debian bookworm), printed with repr(). */
static void test_welch_scipy(void **state)
{
    (void)state;
    double t, df, p;
    const double x[5] = {1, 2, 3, 4, 5}, y[6] = {2, 4, 6, 8, 10, 13};
    assert_int_equal(rlc_stats_welch(x, 5, y, 6, &t, &df, &p), RLC_OK);
    assert_near(t, -2.331262020600785, 1e-12);
    assert_near(p, 0.05391390974790283, 1e-10);
    /* by hand: s_x²/n = 2.5/5 = 0.5; Σy² = 389, ȳ = 43/6, so
     * s_y² = (389 − 43²/6)/5 = 16.1667 and s_y²/m = 2.6944 */
    double a = 0.5, b = (389.0 - 43.0 * 43.0 / 6.0) / 5.0 / 6.0;
    assert_near(df, (a + b) * (a + b) / (a * a / 4 + b * b / 5), 1e-12);
    /* not the pooled (Student) test's p, which has ν = 9 */
    assert_true(fabs(df - 9.0) > 1.0);

    const double y2[6] = {300, 410, 200.5, 450, 380, 460};
    assert_int_equal(rlc_stats_welch(scores8, 8, y2, 6, &t, NULL, &p), RLC_OK);
    assert_near(t, 2.1836375275684943, 1e-12);
    assert_near(p, 0.06435891111068986, 1e-10);

    /* both variances zero: undefined (NaN, as scipy), still OK */
    const double k1[3] = {1, 1, 1}, k2[3] = {2, 2, 2};
    assert_int_equal(rlc_stats_welch(k1, 3, k2, 3, &t, &df, &p), RLC_OK);
    assert_true(isnan(p) && isnan(t));
    assert_int_equal(rlc_stats_welch(x, 1, y, 6, &t, &df, &p), RLC_EINVAL);
}

static void test_grid_and_interp(void **state)
{
    (void)state;
    /* run A evaluated every 1000 steps to 5000, run B every 1500 from 1500 to 6000 */
    const double xa[5] = {1000, 2000, 3000, 4000, 5000}, ya[5] = {10, 20, 30, 40, 50};
    const double xb[4] = {1500, 3000, 4500, 6000}, yb[4] = {0, 30, 60, 90};
    const double *xs[2] = {xa, xb};
    const size_t ns[2] = {5, 4};
    double *grid = NULL;
    size_t n = 0;
    assert_int_equal(rlc_stats_grid_union(xs, ns, 2, &grid, &n), RLC_OK);
    /* union within [max(1000,1500), min(5000,6000)] = [1500, 5000]: 1000 and
     * 6000 are outside, 3000 is kept once */
    const double want[6] = {1500, 2000, 3000, 4000, 4500, 5000};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_near(grid[i], want[i], 0);
    double out[6];
    assert_int_equal(rlc_stats_interp(xa, ya, 5, grid, n, out), RLC_OK);
    const double wa[6] = {15, 20, 30, 40, 45, 50};
    for (size_t i = 0; i < 6; i++)
        assert_near(out[i], wa[i], 1e-12);
    assert_int_equal(rlc_stats_interp(xb, yb, 4, grid, n, out), RLC_OK);
    const double wb[6] = {0, 10, 30, 50, 60, 70};
    for (size_t i = 0; i < 6; i++)
        assert_near(out[i], wb[i], 1e-12);
    /* AUC of A on the grid: trapezoids 500·17.5 + 1000·25 + 1000·35 +
     * 500·42.5 + 500·47.5 = 113750 over 3500 -> 32.5 (A is linear: the mean
     * of its ends, (15 + 50)/2) */
    double auc;
    assert_int_equal(rlc_stats_interp(xa, ya, 5, grid, n, out), RLC_OK);
    assert_int_equal(rlc_stats_normalized_auc(grid, out, n, &auc), RLC_OK);
    assert_near(auc, 32.5, 1e-12);
    const double cx[3] = {0, 1, 5}, cy[3] = {7, 7, 7};
    assert_int_equal(rlc_stats_normalized_auc(cx, cy, 3, &auc), RLC_OK);
    assert_near(auc, 7.0, 1e-15);
    free(grid);

    /* no extrapolation; non-overlapping ranges; non-increasing x */
    const double far[1] = {6000};
    assert_int_equal(rlc_stats_interp(xa, ya, 5, far, 1, out), RLC_EINVAL);
    const double xc[2] = {7000, 8000};
    const double *xs2[2] = {xa, xc};
    const size_t ns2[2] = {5, 2};
    assert_int_equal(rlc_stats_grid_union(xs2, ns2, 2, &grid, &n), RLC_EINVAL);
    const double bad[3] = {1, 3, 3};
    assert_int_equal(rlc_stats_interp(bad, ya, 3, far, 0, out), RLC_EINVAL);
    /* one point */
    const double one[1] = {1000};
    assert_int_equal(rlc_stats_interp(one, ya, 1, one, 1, out), RLC_OK);
    assert_near(out[0], 10, 0);

    double lin[4];
    assert_int_equal(rlc_stats_grid_linspace(0, 3, 4, lin), RLC_OK);
    assert_near(lin[1], 1, 1e-15);
    assert_near(lin[3], 3, 0);
    assert_int_equal(rlc_stats_grid_linspace(3, 0, 4, lin), RLC_EINVAL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iqm_hand),
        cmocka_unit_test(test_mean_ci),
        cmocka_unit_test(test_bootstrap_fixed_seed),
        cmocka_unit_test(test_prob_improvement),
        cmocka_unit_test(test_welch_scipy),
        cmocka_unit_test(test_grid_and_interp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
