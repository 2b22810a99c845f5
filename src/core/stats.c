/* stats.c — IQM, bootstrap and t intervals, probability of improvement,
 * Welch's test, grids and interpolation (contract and sources in
 * include/rlc/stats.h). Quantiles, trimmed means, CDFs and sorting are GSL's;
 * this file only arranges the calls and never prints. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "rlc/stats.h"

static bool strictly_increasing(const double *x, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (!(x[i] < x[i + 1]))
            return false;
    return true;
}

/* A sorted copy of x (caller frees), or NULL when out of memory. */
static double *sorted_copy(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, x, n * sizeof *s);
    gsl_sort(s, 1, n);
    return s;
}

rlc_status rlc_stats_trimmed_mean(const double *x, size_t n, double proportion, double *out)
{
    if (!x || !out || !n || !(proportion >= 0.0 && proportion < 0.5))
        return RLC_EINVAL;
    double *s = sorted_copy(x, n);
    if (!s)
        return RLC_ENOMEM;
    *out = gsl_stats_trmean_from_sorted_data(proportion, s, 1, n);
    free(s);
    return RLC_OK;
}

rlc_status rlc_stats_iqm(const double *x, size_t n, double *out)
{
    return rlc_stats_trimmed_mean(x, n, 0.25, out);
}

rlc_status rlc_stats_median(const double *x, size_t n, double *out)
{
    if (!x || !out || !n)
        return RLC_EINVAL;
    double *s = sorted_copy(x, n);
    if (!s)
        return RLC_ENOMEM;
    *out = gsl_stats_median_from_sorted_data(s, 1, n);
    free(s);
    return RLC_OK;
}

rlc_status rlc_stats_mean_ci(const double *x, size_t n, double confidence, double *mean,
                             double *lo, double *hi)
{
    if (!x || n < 2 || !(confidence > 0.0 && confidence < 1.0))
        return RLC_EINVAL;
    double m = gsl_stats_mean(x, 1, n);
    double half = gsl_cdf_tdist_Pinv((1.0 + confidence) / 2.0, (double)(n - 1)) *
                  gsl_stats_sd_m(x, 1, n, m) / sqrt((double)n);
    if (mean)
        *mean = m;
    if (lo)
        *lo = m - half;
    if (hi)
        *hi = m + half;
    return RLC_OK;
}

rlc_status rlc_stats_bootstrap_iqm_ci(const double *scores, size_t n_runs, size_t n_tasks,
                                      size_t n_resamples, double confidence, gsl_rng *rng,
                                      double *lo, double *hi)
{
    if (!scores || !rng || !lo || !hi || n_runs < 2 || !n_tasks || n_resamples < 2 ||
        !(confidence > 0.0 && confidence < 1.0))
        return RLC_EINVAL;
    size_t cells = n_runs * n_tasks;
    double *work = malloc((cells + n_resamples) * sizeof *work);
    if (!work)
        return RLC_ENOMEM;
    double *sample = work, *iqms = work + cells;
    for (size_t b = 0; b < n_resamples; b++) {
        /* stratified: each task (column) resamples its own runs */
        for (size_t t = 0; t < n_tasks; t++)
            for (size_t r = 0; r < n_runs; r++) {
                size_t pick = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n_runs);
                sample[r * n_tasks + t] = scores[pick * n_tasks + t];
            }
        gsl_sort(sample, 1, cells);
        iqms[b] = gsl_stats_trmean_from_sorted_data(0.25, sample, 1, cells);
    }
    gsl_sort(iqms, 1, n_resamples);
    *lo = gsl_stats_quantile_from_sorted_data(iqms, 1, n_resamples, (1.0 - confidence) / 2.0);
    *hi = gsl_stats_quantile_from_sorted_data(iqms, 1, n_resamples, (1.0 + confidence) / 2.0);
    free(work);
    return RLC_OK;
}

rlc_status rlc_stats_prob_improvement(const double *x, size_t n, const double *y, size_t m,
                                      double *out)
{
    if (!x || !y || !out || !n || !m)
        return RLC_EINVAL;
    double u = 0.0; /* counts in halves are exact in double */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            u += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
    *out = u / ((double)n * (double)m);
    return RLC_OK;
}

rlc_status rlc_stats_welch(const double *x, size_t n, const double *y, size_t m, double *t,
                           double *df, double *p)
{
    if (!x || !y || n < 2 || m < 2)
        return RLC_EINVAL;
    double mx = gsl_stats_mean(x, 1, n), my = gsl_stats_mean(y, 1, m);
    double vx = gsl_stats_variance_m(x, 1, n, mx) / (double)n;
    double vy = gsl_stats_variance_m(y, 1, m, my) / (double)m;
    double tt = NAN, nu = NAN, pp = NAN;
    if (vx + vy > 0.0) {
        tt = (mx - my) / sqrt(vx + vy);
        nu = (vx + vy) * (vx + vy) / (vx * vx / (double)(n - 1) + vy * vy / (double)(m - 1));
        pp = 2.0 * gsl_cdf_tdist_Q(fabs(tt), nu);
        if (pp > 1.0)
            pp = 1.0;
    }
    if (t)
        *t = tt;
    if (df)
        *df = nu;
    if (p)
        *p = pp;
    return RLC_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

rlc_status rlc_stats_grid_union(const double *const *xs, const size_t *ns, size_t k,
                                double **grid, size_t *n_grid)
{
    if (!xs || !ns || !k || !grid || !n_grid)
        return RLC_EINVAL;
    double lo = -INFINITY, hi = INFINITY;
    size_t total = 0;
    for (size_t i = 0; i < k; i++) {
        if (!xs[i] || !ns[i] || !strictly_increasing(xs[i], ns[i]))
            return RLC_EINVAL;
        lo = fmax(lo, xs[i][0]);
        hi = fmin(hi, xs[i][ns[i] - 1]);
        total += ns[i];
    }
    if (!(lo <= hi))
        return RLC_EINVAL;
    double *g = malloc(total * sizeof *g);
    if (!g)
        return RLC_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < ns[i]; j++)
            if (xs[i][j] >= lo && xs[i][j] <= hi)
                g[m++] = xs[i][j];
    qsort(g, m, sizeof *g, cmp_double);
    size_t u = 0;
    for (size_t j = 0; j < m; j++)
        if (!u || g[j] != g[u - 1])
            g[u++] = g[j];
    /* lo and hi are some curve's own first / last x, so u >= 1 */
    *grid = g;
    *n_grid = u;
    return RLC_OK;
}

rlc_status rlc_stats_grid_linspace(double lo, double hi, size_t n_grid, double *grid)
{
    if (!grid || !n_grid || !isfinite(lo) || !isfinite(hi) || lo > hi || (n_grid > 1 && lo == hi))
        return RLC_EINVAL;
    for (size_t j = 0; j < n_grid; j++)
        grid[j] = n_grid == 1 ? lo : lo + (hi - lo) * (double)j / (double)(n_grid - 1);
    grid[n_grid - 1] = n_grid == 1 ? lo : hi;
    return RLC_OK;
}

rlc_status rlc_stats_interp(const double *x, const double *y, size_t n, const double *grid,
                            size_t n_grid, double *out)
{
    if (!x || !y || !n || (n_grid && (!grid || !out)) || !strictly_increasing(x, n))
        return RLC_EINVAL;
    for (size_t j = 0; j < n_grid; j++)
        if (!(grid[j] >= x[0] && grid[j] <= x[n - 1]))
            return RLC_EINVAL;
    if (n == 1) {
        for (size_t j = 0; j < n_grid; j++)
            out[j] = y[0];
        return RLC_OK;
    }
    gsl_interp *interp = gsl_interp_alloc(gsl_interp_linear, n);
    gsl_interp_accel *acc = interp ? gsl_interp_accel_alloc() : NULL;
    rlc_status st = RLC_ENOMEM;
    if (!acc)
        goto done;
    st = RLC_EINVAL;
    if (gsl_interp_init(interp, x, y, n) != GSL_SUCCESS)
        goto done;
    for (size_t j = 0; j < n_grid; j++)
        if (gsl_interp_eval_e(interp, x, y, grid[j], acc, &out[j]) != GSL_SUCCESS)
            goto done;
    st = RLC_OK;
done:
    gsl_interp_accel_free(acc);
    gsl_interp_free(interp);
    return st;
}

rlc_status rlc_stats_normalized_auc(const double *x, const double *y, size_t n, double *out)
{
    if (!x || !y || !out || !n || !strictly_increasing(x, n))
        return RLC_EINVAL;
    if (n == 1) {
        *out = y[0];
        return RLC_OK;
    }
    double area = 0.0;
    for (size_t i = 0; i + 1 < n; i++)
        area += (x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2.0;
    *out = area / (x[n - 1] - x[0]);
    return RLC_OK;
}
