/* rlc/rollout.h — the on-policy rollout buffer (PPO, A2C, TRPO, QAC): n_steps ×
 * n_envs transitions in contiguous step-major arrays, generalized advantage
 * estimation that tells terminated from truncated, minibatch gathering and
 * per-minibatch advantage normalisation. It does not shuffle (the caller
 * draws the index permutation) and does not evaluate any network.
 *
 * Layout. Row i = t * n_envs + e holds step t of environment e; every array
 * is row-major with one row per transition (obs: rows × obs_dim, actions:
 * rows × act_dim, the rest: rows × 1). A discrete action is stored as one
 * double (act_dim = 1).
 *
 * GAE (Schulman et al. 2016, "High-Dimensional Continuous Control Using
 * Generalized Advantage Estimation", eq. 16, computed backwards by the
 * recursion A_t = δ_t + γλ A_{t+1}), with episode boundaries:
 *
 *     δ_t = r_t + γ (1 − terminated_t) V(next_t) − V(s_t)
 *     A_t = δ_t + γ λ (1 − done_t) A_{t+1},      done_t = terminated_t || truncated_t
 *     returns_t = A_t + V(s_t)                   (the value-function target)
 *
 * next_t is s_{t+1} inside an episode; at a truncation (time limit) it is the
 * episode's final observation, whose value the caller passes as
 * truncation_values — never the reset observation stored in row t+1; at the
 * rollout's last step it is the observation after the rollout (last_values).
 * A terminated step never bootstraps (V(next) is not even read), and no
 * advantage crosses an episode boundary. This is the convention of
 * the hand-computed cases in tests/test_rollout.c and equals
 * Stable-Baselines3's (which folds γ·V(final obs) into the reward of a
 * truncated step). */
#ifndef RLC_ROLLOUT_H
#define RLC_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/status.h"

typedef struct rlc_rollout {
    size_t n_steps, n_envs, obs_dim, act_dim;
    size_t pos;              /* steps added so far, ≤ n_steps; rows filled = pos * n_envs */
    double *obs;             /* rows × obs_dim */
    double *actions;         /* rows × act_dim */
    double *log_probs;       /* rows: log π_old(a|s) at collection */
    double *values;          /* rows: V(s_t) at collection */
    double *rewards;         /* rows */
    double *final_obs;       /* rows × obs_dim: the episode's final observation where
                              * truncated && !terminated (normalised as obs), else 0 */
    double *truncation_values; /* rows: bootstrap value of final_obs where truncated && !terminated, else 0 */
    double *advantages;      /* rows, written by rlc_rollout_compute_gae */
    double *returns;         /* rows, = advantages + values */
    unsigned char *terminated; /* rows, 0/1 */
    unsigned char *truncated;  /* rows, 0/1 (as reported; done = terminated || truncated) */
} rlc_rollout;

/* Allocates the buffer for n_steps × n_envs transitions: one allocation per
 * array family, nothing allocated afterwards. pos starts at 0.
 * RLC_EINVAL: out NULL or any size 0; RLC_ENOMEM. On error *out is NULL. */
rlc_status rlc_rollout_create(rlc_rollout **out, size_t n_steps, size_t n_envs, size_t obs_dim,
                              size_t act_dim);
void rlc_rollout_free(rlc_rollout *r); /* NULL-safe */

/* Empties the buffer (pos = 0) for the next rollout; keeps the storage. */
void rlc_rollout_reset(rlc_rollout *r);

/* Rows filled so far: pos * n_envs. */
size_t rlc_rollout_rows(const rlc_rollout *r);

/* Copies one step for all n_envs environments into rows pos*n_envs ..
 * pos*n_envs + n_envs − 1 and advances pos. All arrays are borrowed and
 * indexed by env: obs n_envs × obs_dim, actions n_envs × act_dim (as
 * sampled, before any clipping for the env, so log_probs stay consistent),
 * final_obs n_envs × obs_dim, the others n_envs. final_obs (env e's
 * episode's final observation, so an update can recompute its bootstrap)
 * and truncation_values[e] (its bootstrap value: V, or q(s, a') for QAC)
 * are read only where truncated[e] && !terminated[e], and may be NULL when
 * no env is in that case. Does not allocate.
 * RLC_EINVAL: the buffer is full (pos == n_steps), or final_obs or
 * truncation_values is NULL while some env is truncated and not
 * terminated; nothing is written. */
rlc_status rlc_rollout_add(rlc_rollout *r, const double *obs, const double *actions,
                           const double *log_probs, const double *values, const double *rewards,
                           const bool *terminated, const bool *truncated, const double *final_obs,
                           const double *truncation_values);

/* Fills advantages and returns for the pos steps held, by the GAE recursion
 * above, backwards from step pos − 1. last_values[e] = V(observation of env
 * e after the last step added) (n_envs, borrowed; read only for envs whose
 * last step is not done). gamma, gae_lambda in [0, 1] (not checked).
 * Does not allocate. With pos == 0 it does nothing. */
void rlc_rollout_compute_gae(rlc_rollout *r, const double *last_values, double gamma,
                             double gae_lambda);

/* Copies the n rows idx[0..n−1] (each < rlc_rollout_rows(r), not checked)
 * into row-major outputs owned by the caller: obs n × obs_dim, actions
 * n × act_dim, log_probs / advantages / returns / values n each. Any output
 * may be NULL to skip it. advantages and returns are meaningful after
 * rlc_rollout_compute_gae. Does not allocate. */
void rlc_rollout_gather(const rlc_rollout *r, const size_t *idx, size_t n, double *obs,
                        double *actions, double *log_probs, double *advantages, double *returns,
                        double *values);

/* In place, adv[i] ← (adv[i] − mean) / (std + 1e-8) over the n values, with
 * the sample standard deviation (ddof = 1, as Stable-Baselines3 and CleanRL;
 * GSL's gsl_stats_sd). For n ≤ 1 the values are left unchanged (a sample std
 * of one value is undefined: never NaN). Does not
 * allocate. */
void rlc_normalize_advantages(double *adv, size_t n);

/* 1 − Var(returns − values) / Var(returns) over the rows held (after
 * rlc_rollout_compute_gae), as Stable-Baselines3's explained_variance: 1 is
 * a perfect critic, ≤ 0 no better than a constant. NaN when Var(returns)
 * is 0 or no rows are held. Does not allocate. */
double rlc_rollout_explained_variance(const rlc_rollout *r);

#endif
