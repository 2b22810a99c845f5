/* rollout.c — on-policy rollout storage, GAE with terminated/truncated
 * boundaries, minibatch gathering and advantage normalisation (contract in
 * include/rlc/rollout.h). No shuffling, no network evaluation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>
#include "rlc/rollout.h"

rlc_status rlc_rollout_create(rlc_rollout **out, size_t n_steps, size_t n_envs, size_t obs_dim,
                              size_t act_dim)
{
    if (!out)
        return RLC_EINVAL;
    *out = NULL;
    if (!n_steps || !n_envs || !obs_dim || !act_dim)
        return RLC_EINVAL;
    size_t rows = n_steps * n_envs;
    if (rows / n_envs != n_steps || rows > SIZE_MAX / sizeof(double) / obs_dim ||
        rows > SIZE_MAX / sizeof(double) / act_dim)
        return RLC_EINVAL;
    rlc_rollout *r = calloc(1, sizeof *r);
    if (!r)
        return RLC_ENOMEM;
    r->n_steps = n_steps;
    r->n_envs = n_envs;
    r->obs_dim = obs_dim;
    r->act_dim = act_dim;
    r->obs = malloc(rows * obs_dim * sizeof(double));
    r->actions = malloc(rows * act_dim * sizeof(double));
    r->log_probs = malloc(rows * sizeof(double));
    r->values = malloc(rows * sizeof(double));
    r->rewards = malloc(rows * sizeof(double));
    r->final_obs = calloc(rows * obs_dim, sizeof(double));
    r->truncation_values = calloc(rows, sizeof(double));
    r->advantages = calloc(rows, sizeof(double));
    r->returns = calloc(rows, sizeof(double));
    r->terminated = calloc(rows, 1);
    r->truncated = calloc(rows, 1);
    if (!r->obs || !r->actions || !r->log_probs || !r->values || !r->rewards || !r->final_obs ||
        !r->truncation_values || !r->advantages || !r->returns || !r->terminated ||
        !r->truncated) {
        rlc_rollout_free(r);
        return RLC_ENOMEM;
    }
    *out = r;
    return RLC_OK;
}

void rlc_rollout_free(rlc_rollout *r)
{
    if (!r)
        return;
    free(r->obs);
    free(r->actions);
    free(r->log_probs);
    free(r->values);
    free(r->rewards);
    free(r->final_obs);
    free(r->truncation_values);
    free(r->advantages);
    free(r->returns);
    free(r->terminated);
    free(r->truncated);
    free(r);
}

void rlc_rollout_reset(rlc_rollout *r)
{
    r->pos = 0;
}

size_t rlc_rollout_rows(const rlc_rollout *r)
{
    return r->pos * r->n_envs;
}

rlc_status rlc_rollout_add(rlc_rollout *r, const double *obs, const double *actions,
                           const double *log_probs, const double *values, const double *rewards,
                           const bool *terminated, const bool *truncated, const double *final_obs,
                           const double *truncation_values)
{
    size_t n = r->n_envs, od = r->obs_dim;
    if (r->pos >= r->n_steps)
        return RLC_EINVAL;
    if (!truncation_values || !final_obs)
        for (size_t e = 0; e < n; e++)
            if (truncated[e] && !terminated[e])
                return RLC_EINVAL;
    size_t row0 = r->pos * n;
    memcpy(r->obs + row0 * r->obs_dim, obs, n * r->obs_dim * sizeof(double));
    memcpy(r->actions + row0 * r->act_dim, actions, n * r->act_dim * sizeof(double));
    memcpy(r->log_probs + row0, log_probs, n * sizeof(double));
    memcpy(r->values + row0, values, n * sizeof(double));
    memcpy(r->rewards + row0, rewards, n * sizeof(double));
    for (size_t e = 0; e < n; e++) {
        bool boot = truncated[e] && !terminated[e];
        double *fo = r->final_obs + (row0 + e) * od;
        r->terminated[row0 + e] = terminated[e];
        r->truncated[row0 + e] = truncated[e];
        r->truncation_values[row0 + e] = boot ? truncation_values[e] : 0.0;
        if (boot)
            memcpy(fo, final_obs + e * od, od * sizeof *fo);
        else
            memset(fo, 0, od * sizeof *fo);
    }
    r->pos++;
    return RLC_OK;
}

void rlc_rollout_compute_gae(rlc_rollout *r, const double *last_values, double gamma,
                             double gae_lambda)
{
    size_t n = r->n_envs;
    for (size_t e = 0; e < n; e++) {
        double next_adv = 0.0; /* A_{t+1}; nothing after the rollout's last step */
        for (size_t t = r->pos; t-- > 0;) {
            size_t i = t * n + e;
            double delta = r->rewards[i] - r->values[i];
            bool done = r->terminated[i] || r->truncated[i];
            if (!r->terminated[i]) { /* bootstrap from V(next_t) */
                double v_next;
                if (r->truncated[i])
                    v_next = r->truncation_values[i]; /* the final observation */
                else if (t + 1 == r->pos)
                    v_next = last_values[e]; /* the observation after the rollout */
                else
                    v_next = r->values[i + n]; /* s_{t+1}, same episode */
                delta = r->rewards[i] + gamma * v_next - r->values[i];
            }
            double adv = done ? delta : delta + gamma * gae_lambda * next_adv;
            r->advantages[i] = adv;
            r->returns[i] = adv + r->values[i];
            next_adv = adv;
        }
    }
}

void rlc_rollout_gather(const rlc_rollout *r, const size_t *idx, size_t n, double *obs,
                        double *actions, double *log_probs, double *advantages, double *returns,
                        double *values)
{
    size_t od = r->obs_dim, ad = r->act_dim;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (obs)
            memcpy(obs + k * od, r->obs + i * od, od * sizeof(double));
        if (actions)
            memcpy(actions + k * ad, r->actions + i * ad, ad * sizeof(double));
        if (log_probs)
            log_probs[k] = r->log_probs[i];
        if (advantages)
            advantages[k] = r->advantages[i];
        if (returns)
            returns[k] = r->returns[i];
        if (values)
            values[k] = r->values[i];
    }
}

void rlc_normalize_advantages(double *adv, size_t n)
{
    if (n < 2)
        return; /* the sample std of one value is undefined; leave it */
    double mean = gsl_stats_mean(adv, 1, n);
    double sd = gsl_stats_sd(adv, 1, n); /* ddof = 1 */
    for (size_t i = 0; i < n; i++)
        adv[i] = (adv[i] - mean) / (sd + 1e-8);
}

double rlc_rollout_explained_variance(const rlc_rollout *r)
{
    size_t n = rlc_rollout_rows(r);
    if (n < 2)
        return NAN;
    double var_y = gsl_stats_variance(r->returns, 1, n);
    if (!(var_y > 0))
        return NAN;
    /* Var(R − V) with one pass for the mean and one for the sum of squares */
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += (r->returns[i] - r->values[i]) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = r->returns[i] - r->values[i] - mean;
        ss += d * d;
    }
    return 1.0 - ss / (double)(n - 1) / var_y;
}
