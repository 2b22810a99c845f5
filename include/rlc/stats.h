/* rlc/stats.h — statistics for comparing learning curves over seeds: the
 * interquartile mean (IQM) and its stratified-bootstrap confidence interval,
 * the t-based confidence interval of a mean, probability of improvement,
 * Welch's t-test, and putting curves sampled at different x onto one grid
 * (linear interpolation, trapezoid area). It does not read files, group runs
 * or print: `rlc compare` (src/app/compare.c) does that.
 *
 * Sources. IQM, stratified bootstrap and probability of improvement follow
 * rliable (Agarwal et al. 2021, "Deep Reinforcement Learning at the Edge of
 * the Statistical Precipice", and its library rliable.metrics /
 * rliable.library). Quantiles, trimmed means, the t distribution and
 * sorting are GSL's (gsl_stats_*, gsl_cdf_tdist_*, gsl_sort); nothing here
 * re-implements a quantile or a CDF.
 *
 * Arrays are borrowed, contiguous doubles; "sample" means x[0..n−1] in any
 * order. Functions that need scratch space say so and allocate it (one
 * allocation per call, freed before returning); the others allocate nothing.
 * Every function returns RLC_OK or a status and writes its outputs only on
 * RLC_OK. */
#ifndef RLC_STATS_H
#define RLC_STATS_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "rlc/status.h"

/* ---- one sample ----------------------------------------------------------- */

/* Trimmed mean, scipy.stats.trim_mean(x, proportion): sort x, drop
 * k = floor(proportion · n) values from each end, average the n − 2k left
 * (GSL's gsl_stats_trmean_from_sorted_data, which uses the same k).
 * proportion in [0, 0.5). Allocates a sorted copy.
 * RLC_EINVAL: x or out NULL, n = 0, proportion outside [0, 0.5);
 * RLC_ENOMEM. */
rlc_status rlc_stats_trimmed_mean(const double *x, size_t n, double proportion, double *out);

/* Interquartile mean: rlc_stats_trimmed_mean(x, n, 0.25), rliable's
 * metrics.aggregate_iqm (scipy.stats.trim_mean(x, 0.25, axis=None)).
 * For n = 8 it averages the 4 middle values of the sorted sample; for n < 4
 * nothing is trimmed (k = 0) and it is the mean. Same statuses. */
rlc_status rlc_stats_iqm(const double *x, size_t n, double *out);

/* Median (GSL: gsl_sort, then gsl_stats_median_from_sorted_data: the middle
 * value, or the mean of the two middle values). Allocates a sorted copy.
 * RLC_EINVAL: x or out NULL, n = 0; RLC_ENOMEM. */
rlc_status rlc_stats_median(const double *x, size_t n, double *out);

/* Mean with a two-sided t confidence interval:
 *     mean ± t · s / √n,   t = gsl_cdf_tdist_Pinv((1 + confidence) / 2, n − 1),
 * s the sample standard deviation (ddof = 1, gsl_stats_sd). mean, lo, hi
 * are outputs (any may be NULL). Does not allocate.
 * RLC_EINVAL: x NULL, n < 2 (no interval from one value), confidence not in
 * (0, 1). */
rlc_status rlc_stats_mean_ci(const double *x, size_t n, double confidence, double *mean,
                             double *lo, double *hi);

/* Percentile-method confidence interval of the IQM by the stratified
 * bootstrap (rliable's StratifiedBootstrap with aggregate_iqm):
 * scores is n_runs × n_tasks, row-major (run-major: scores[r·n_tasks + t]
 * is run r on task t). Each of n_resamples resamples draws, for every task
 * independently, n_runs run indices uniformly with replacement
 * (gsl_rng_uniform_int(rng, n_runs), task by task, run by run) and computes
 * the IQM of all n_runs · n_tasks resampled scores; the interval is the
 * (1 − confidence)/2 and (1 + confidence)/2 quantiles of those IQMs
 * (gsl_stats_quantile_from_sorted_data: linear interpolation between order
 * statistics, numpy.percentile's default, which rliable's arch backend
 * uses). With one task this is the ordinary bootstrap over seeds. The
 * draws consume rng (borrowed), so the interval is reproducible from the
 * rng's seed. rlc compare uses n_resamples = 2000, confidence 0.95 and a
 * fresh mt19937 seeded with 1 per group. Allocates scratch.
 * RLC_EINVAL: scores, rng, lo or hi NULL, n_runs < 2, n_tasks = 0,
 * n_resamples < 2, confidence not in (0, 1); RLC_ENOMEM. */
rlc_status rlc_stats_bootstrap_iqm_ci(const double *scores, size_t n_runs, size_t n_tasks,
                                      size_t n_resamples, double confidence, gsl_rng *rng,
                                      double *lo, double *hi);

/* ---- two samples ---------------------------------------------------------- */

/* Probability of improvement of X over Y (rliable's
 * metrics.probability_of_improvement for one task):
 *     P(X > Y) = (1 / (n·m)) Σ_i Σ_j ( [x_i > y_j] + ½ [x_i = y_j] ),
 * the Mann–Whitney U statistic of X normalised by n·m. Example: X = {1,2,3},
 * Y = {2,2,4} gives (x=1: 0; x=2: ½+½; x=3: 1+1) / 9 = 1/3. Does not allocate.
 * RLC_EINVAL: x, y or out NULL, n or m = 0. */
rlc_status rlc_stats_prob_improvement(const double *x, size_t n, const double *y, size_t m,
                                      double *out);

/* Welch's unequal-variance t-test, two-sided:
 *     t  = (x̄ − ȳ) / √(s_x²/n + s_y²/m)
 *     ν  = (s_x²/n + s_y²/m)² / ( (s_x²/n)²/(n−1) + (s_y²/m)²/(m−1) )
 *          (Welch–Satterthwaite)
 *     p  = 2 · gsl_cdf_tdist_Q(|t|, ν)
 * (scipy.stats.ttest_ind(x, y, equal_var=False)). When both sample variances
 * are 0 the test is undefined, as in scipy: t and p are NaN (and ν is NaN)
 * and the status is still RLC_OK. t, df, p are outputs (any may be NULL).
 * Does not allocate.
 * RLC_EINVAL: x or y NULL, n < 2 or m < 2. */
rlc_status rlc_stats_welch(const double *x, size_t n, const double *y, size_t m, double *t,
                           double *df, double *p);

/* ---- curves on a grid ----------------------------------------------------- */

/* The grid that k curves share: the sorted union of all their x values,
 * restricted to [max_i x_i[0], min_i x_i[n_i − 1]] (the range every curve
 * covers), duplicates removed. xs[i] (n_i = ns[i] values) must be strictly
 * increasing. On RLC_OK *grid is a new array of *n_grid ≥ 1 values (the
 * caller frees it with free()). Allocates.
 * RLC_EINVAL: a NULL pointer, k = 0, some n_i = 0, some xs[i] not strictly
 * increasing, or the ranges do not overlap (max of firsts > min of lasts);
 * RLC_ENOMEM. */
rlc_status rlc_stats_grid_union(const double *const *xs, const size_t *ns, size_t k,
                                double **grid, size_t *n_grid);

/* n_grid evenly spaced values lo, lo + (hi − lo)/(n_grid − 1), …, hi into
 * grid (caller-owned, n_grid values; the last is exactly hi). n_grid = 1
 * gives {lo}. Does not allocate.
 * RLC_EINVAL: grid NULL, n_grid = 0, lo > hi, n_grid > 1 with lo = hi, or a
 * bound not finite. */
rlc_status rlc_stats_grid_linspace(double lo, double hi, size_t n_grid, double *grid);

/* Piecewise-linear interpolation of the curve (x[i], y[i]), i < n, at each
 * grid point: out[j] = y(grid[j]) (GSL's gsl_interp_linear; a grid point
 * equal to some x[i] gives exactly y[i]). x strictly increasing; every grid
 * point must lie in [x[0], x[n − 1]] (no extrapolation). With n = 1 every
 * grid point must equal x[0]. out has n_grid values (caller-owned).
 * Allocates GSL's interpolation state.
 * RLC_EINVAL: a NULL pointer, n = 0, x not strictly increasing, a grid
 * point outside [x[0], x[n − 1]]; RLC_ENOMEM. */
rlc_status rlc_stats_interp(const double *x, const double *y, size_t n, const double *grid,
                            size_t n_grid, double *out);

/* Normalised area under a curve: the trapezoid rule over the points
 * (x[i], y[i]) divided by the x range,
 *     AUC = Σ_{i<n−1} (x[i+1] − x[i]) · (y[i] + y[i+1]) / 2  /  (x[n−1] − x[0]),
 * i.e. the curve's average height (in y's units: reward). A constant curve
 * c has AUC c. With n = 1 it is y[0]. x strictly increasing. Does not
 * allocate. RLC_EINVAL: a NULL pointer, n = 0, x not strictly increasing. */
rlc_status rlc_stats_normalized_auc(const double *x, const double *y, size_t n, double *out);

#endif
