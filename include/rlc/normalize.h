/* rlc/normalize.h — running mean/variance normalisation as Stable-Baselines3's
 * VecNormalize: observations through RunningMeanStd (rlc_running_norm), and
 * rewards scaled by the running std of a per-env discounted return
 * (rlc_return_norm). It holds statistics only: it does not wrap an
 * environment, save checkpoints or decide when to update — the caller updates
 * while training and only applies (frozen statistics) while evaluating.
 *
 * Statistics update (SB3 RunningMeanStd.update / update_from_moments, the
 * parallel algorithm of Chan, Golub & LeVeque 1979): a batch of B rows with
 * per-component mean μ_b and variance σ²_b (ddof 0) merges into (μ, σ², N) as
 *     δ = μ_b − μ,  N' = N + B,  μ' = μ + δ·B / N',
 *     σ²' = (σ²·N + σ²_b·B + δ²·N·B / N') / N'.
 * The statistics start at μ = 0, σ² = 1, N = 1e-4 (SB3's epsilon), so after
 * data X they are those of X plus a pseudo-sample of weight 1e-4 with mean 0
 * and variance 1. Batch moments: μ_b = (Σ x) / B, then
 * σ²_b = (Σ (x − μ_b)²) / B, each sum in row order — numpy's order for the
 * observations' axis-0 reduction; for the returns of 8 or more envs numpy
 * sums pairwise, which may differ in the last bits. */
#ifndef RLC_NORMALIZE_H
#define RLC_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/state.h"
#include "rlc/status.h"

#define RLC_NORM_CLIP_DEFAULT 10.0 /* SB3 VecNormalize clip_obs and clip_reward */
#define RLC_NORM_EPS 1e-8          /* SB3 VecNormalize epsilon, inside the sqrt */
#define RLC_NORM_COUNT0 1e-4       /* SB3 RunningMeanStd epsilon: the initial count */

/* Running statistics of dim-component vectors (observations). */
typedef struct rlc_running_norm {
    size_t dim;
    double *mean;  /* dim; starts 0 */
    double *var;   /* dim, population variance (ddof 0); starts 1 */
    double count;  /* samples merged so far + RLC_NORM_COUNT0 */
    double clip;   /* normalised values are clipped to [−clip, clip] */
    double eps;    /* RLC_NORM_EPS */
    double storage[]; /* mean then var: the struct and both arrays are one allocation */
} rlc_running_norm;

/* One allocation. clip > 0 (RLC_NORM_CLIP_DEFAULT as SB3; INFINITY for no
 * clipping). RLC_EINVAL: out NULL, dim 0, clip not > 0 (or NaN);
 * RLC_ENOMEM. On error *out is NULL. */
rlc_status rlc_running_norm_create(rlc_running_norm **out, size_t dim, double clip);
void rlc_running_norm_free(rlc_running_norm *n); /* NULL-safe */

/* Merges the batch x (rows × dim, row-major, borrowed) into mean, var and
 * count by the formula above (batch variance with ddof 0). rows == 0 is a
 * no-op. Does not allocate. */
void rlc_running_norm_update(rlc_running_norm *n, const double *x, size_t rows);

/* Merges a batch given by its moments — count rows with per-column mean
 * batch_mean and variance batch_var (dim each, ddof 0) — as
 * rlc_running_norm_update merges rows (for statistics gathered
 * elsewhere, e.g. on other processes). count <= 0 is a no-op. Does not
 * allocate. */
void rlc_running_norm_merge(rlc_running_norm *n, const double *batch_mean,
                            const double *batch_var, double count);

/* out = clip((x − mean) / sqrt(var + eps), −clip, clip), rows × dim
 * row-major; x and out may be the same array (not otherwise overlapping).
 * Never changes the statistics (use it alone for evaluation). Does not
 * allocate. */
void rlc_running_norm_apply(const rlc_running_norm *n, const double *x, double *out, size_t rows);

/* Reward scaling (SB3 VecNormalize with norm_reward=True): per env a
 * discounted return ret ← γ·ret + r, whose running variance (scalar
 * statistics, same update as above, one batch of n_envs values per step)
 * scales the rewards: r / sqrt(var + eps) clipped to [−clip, clip]. Rewards
 * are scaled, never centred. */
typedef struct rlc_return_norm {
    size_t n_envs;
    double gamma;  /* discount of the running return */
    double clip;   /* clip_reward */
    double eps;    /* RLC_NORM_EPS */
    double mean, var, count; /* ret_rms: statistics of the returns; start 0, 1, 1e-4 */
    double *returns;         /* n_envs running discounted returns; start 0 */
    double storage[];        /* returns: the struct and the array are one allocation */
} rlc_return_norm;

/* One allocation. RLC_EINVAL: out NULL, n_envs 0, gamma outside [0, 1],
 * clip_reward not > 0 (or NaN); RLC_ENOMEM. On error *out is NULL. */
rlc_status rlc_return_norm_create(rlc_return_norm **out, size_t n_envs, double gamma,
                                  double clip_reward);
void rlc_return_norm_free(rlc_return_norm *n); /* NULL-safe */

/* One training step of all n_envs envs, in SB3's order: returns ←
 * γ·returns + rewards; update the statistics with the n_envs returns; out =
 * clip(rewards / sqrt(var + eps), ±clip) with the updated var; then
 * returns[e] ← 0 where dones[e] (done = terminated || truncated). rewards,
 * dones, out: n_envs each; out may be rewards. Does not allocate. */
void rlc_return_norm_step(rlc_return_norm *n, const double *rewards, const bool *dones,
                          double *out);

/* Merges a batch of `count` returns with mean batch_mean and variance
 * batch_var (ddof 0) into the return statistics (mean, var, count) by the
 * formula above, as rlc_return_norm_step merges each step's n_envs
 * returns (for returns counted elsewhere, e.g. on the other ranks of a
 * data-parallel run). Leaves the running returns alone. count <= 0 is a
 * no-op. Does not allocate. */
void rlc_return_norm_merge(rlc_return_norm *n, double batch_mean, double batch_var,
                           double count);

/* out = clip(rewards / sqrt(var + eps), ±clip) for `count` rewards with the
 * current (frozen) statistics: changes neither the statistics nor the
 * returns. out may be rewards. Does not allocate. */
void rlc_return_norm_apply(const rlc_return_norm *n, const double *rewards, double *out,
                           size_t count);

/* Zeroes the running returns (SB3 VecNormalize.reset); keeps the statistics. */
void rlc_return_norm_reset(rlc_return_norm *n);

/* Training state under `name`: mean, var and count; for the return
 * normaliser also the running discounted returns. */
rlc_status rlc_running_norm_state(rlc_running_norm *n, const rlc_state_visitor *v,
                                  const char *name);
rlc_status rlc_return_norm_state(rlc_return_norm *n, const rlc_state_visitor *v, const char *name);

#endif
