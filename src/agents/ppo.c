/* ppo.c — PPO (Schulman et al. 2017) behind rlc_agent_type (contracts in
 * include/rlc/ppo.h and include/rlc/agent.h). The rollout is collected by
 * rlc_runner_onpolicy; this file holds the policy, the optimiser and the
 * update: epochs of shuffled minibatches on the clipped surrogate. No
 * state-dependent exploration, no recurrent policies. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include "rlc/agent.h"
#include "rlc/linalg.h"
#include "rlc/optim.h"
#include "rlc/ppo.h"
#include "rlc/rng.h"

void rlc_ppo_config_default(rlc_ppo_config *cfg)
{
    *cfg = (rlc_ppo_config){
        .n_envs = 1,
        .n_steps = 2048,
        .batch_size = 64,
        .n_epochs = 10,
        .learning_rate = 3e-4,
        .lr_schedule = RLC_SCHEDULE_CONSTANT,
        .gamma = 0.99,
        .gae_lambda = 0.95,
        .clip_range = 0.2,
        .clip_range_schedule = RLC_SCHEDULE_CONSTANT,
        .clip_range_vf = 0.0,
        .normalize_advantage = true,
        .ent_coef = 0.0,
        .vf_coef = 0.5,
        .max_grad_norm = 0.5,
        .target_kl = 0.0,
        .norm_reward = false,
    };
    rlc_policy_config_default(&cfg->policy);
}

/* The [ppo] section: every key, its range and help (defaults above). */
#define T rlc_ppo_config
static const rlc_setting ppo_rows[] = {
    RLC_POLICY_N_ENVS_ROW(T),
    RLC_SETTING_SIZE_ROW(T, "n_steps", n_steps, 1, "steps per environment copy per rollout"),
    RLC_SETTING_SIZE_ROW(T, "batch_size", batch_size, 1, "minibatch size (at most n_steps * n_envs)"),
    RLC_SETTING_SIZE_ROW(T, "n_epochs", n_epochs, 1, "passes over each rollout"),
    RLC_SETTING_REAL_ROW(T, "learning_rate", learning_rate, 0, 1, RLC_SETTING_OPEN_LO,
                         "Adam step size at the start"),
    RLC_SETTING_ENUM_ROW(T, "lr_schedule", lr_schedule, rlc_schedule_names,
                         "learning_rate constant, or linear decay to 0 at the end"),
    RLC_POLICY_GAE_ROWS(T),
    RLC_SETTING_REAL_ROW(T, "clip_range", clip_range, 0, 10, RLC_SETTING_OPEN_LO,
                         "clipping epsilon of the surrogate objective at the start"),
    RLC_SETTING_ENUM_ROW(T, "clip_range_schedule", clip_range_schedule, rlc_schedule_names,
                         "clip_range constant, or linear decay to 0 at the end"),
    RLC_SETTING_REAL_ROW(T, "clip_range_vf", clip_range_vf, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "clipping of the value function around the old values; 0 = off"),
    RLC_SETTING_BOOL_ROW(T, "normalize_advantage", normalize_advantage,
                         "normalise advantages per minibatch"),
    RLC_POLICY_LOSS_ROWS(T),
    RLC_SETTING_REAL_ROW(T, "target_kl", target_kl, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "stop an update early once approx KL > 1.5 * target_kl; 0 = off"),
    RLC_SETTING_BOOL_ROW(T, "norm_reward", norm_reward,
                         "scale rewards by the running std of the discounted return"),
    RLC_POLICY_SETTING_ROWS(T, policy),
};
#undef T

/* The rollout n_steps × n_envs holds at least two rows and one minibatch. */
static rlc_status ppo_check(const void *settings, rlc_agent_origin_fn fn, const void *ctx,
                            rlc_agent_settings_error *err)
{
    const rlc_ppo_config *p = settings;
    return rlc_policy_check_rollout(p->n_steps, p->n_envs, p->batch_size, fn, ctx, err);
}

/* progress.csv columns, in this order */
enum { POLICY_LOSS, VALUE_LOSS, ENTROPY, APPROX_KL, CLIP_FRACTION, EXPLAINED_VARIANCE,
       LEARNING_RATE, N_STATS };
static const char *const ppo_stats[N_STATS] = {
    [POLICY_LOSS] = "policy_loss", [VALUE_LOSS] = "value_loss", [ENTROPY] = "entropy",
    [APPROX_KL] = "approx_kl", [CLIP_FRACTION] = "clip_fraction",
    [EXPLAINED_VARIANCE] = "explained_variance", [LEARNING_RATE] = "learning_rate",
};

typedef struct ppo {
    rlc_policy_trainer tr; /* first: the shared agent-table entries point here */
    rlc_ppo_config cfg;
    gsl_rng *sample_rng;   /* minibatch order */
    size_t rows;           /* n_steps × n_envs */
    size_t *perm;          /* rows: minibatch order, reshuffled every epoch */
    /* one minibatch, gathered (batch_size rows each) */
    double *obs, *actions, *old_log_probs, *advantages, *returns, *old_values;
    size_t n_updates;
} ppo;
_Static_assert(offsetof(ppo, tr) == 0, "rlc_policy_trainer_* entries take the agent as its trainer");

static void ppo_free(void *p)
{
    ppo *a = p;
    if (!a)
        return;
    rlc_policy_trainer_release(&a->tr);
    if (a->sample_rng)
        gsl_rng_free(a->sample_rng);
    free(a->perm);
    free(a->obs);
    free(a->actions);
    free(a->old_log_probs);
    free(a->advantages);
    free(a->returns);
    free(a->old_values);
    free(a);
}

static rlc_status size_tape(ppo *a, size_t m);

static rlc_status ppo_create(void **out, const void *settings, const rlc_env_type *env,
                             uint64_t seed)
{
    const rlc_ppo_config *cfg = settings;
    *out = NULL;
    if (!env || rlc_agent_check_settings(&rlc_agent_ppo, cfg, NULL, NULL, NULL) ||
        !rlc_agent_supports(&rlc_agent_ppo, env))
        return RLC_EINVAL;
    ppo *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->rows = cfg->n_steps * cfg->n_envs;
    /* SB3's PPO: Adam with eps 1e-5 over all parameters */
    rlc_status st = rlc_policy_trainer_init(&a->tr, &cfg->policy, env, seed, rlc_optim_adam,
                                            cfg->learning_rate, 1e-5);
    if (st != RLC_OK)
        goto fail;
    size_t b = cfg->batch_size < a->rows ? cfg->batch_size : a->rows;
    size_t od = a->tr.policy->obs_dim, ad = a->tr.policy->act_dim;
    st = RLC_ENOMEM;
    a->sample_rng = rlc_rng_create(seed, RLC_RNG_SAMPLE);
    a->perm = malloc(a->rows * sizeof *a->perm);
    a->obs = calloc(b * od, sizeof(double)); /* zeros: size_tape's minibatch */
    a->actions = calloc(b * ad, sizeof(double));
    a->old_log_probs = calloc(b, sizeof(double));
    a->advantages = calloc(b, sizeof(double));
    a->returns = calloc(b, sizeof(double));
    a->old_values = calloc(b, sizeof(double));
    if (!a->sample_rng || !a->perm || !a->obs || !a->actions || !a->old_log_probs ||
        !a->advantages || !a->returns || !a->old_values)
        goto fail;
    for (size_t i = 0; i < a->rows; i++)
        a->perm[i] = i;
    if ((st = size_tape(a, b)) != RLC_OK)
        goto fail;
    *out = a;
    return RLC_OK;
fail:
    ppo_free(a);
    return st;
}

static rlc_onpolicy_settings ppo_settings(const void *p)
{
    const ppo *a = p;
    return (rlc_onpolicy_settings){a->cfg.n_envs, a->cfg.n_steps, a->cfg.gamma, a->cfg.gae_lambda,
                                   a->cfg.norm_reward};
}

double rlc_ppo_approx_kl(const double *log_ratio, size_t n)
{
    double k = 0.0;
    for (size_t i = 0; i < n; i++)
        k += expm1(log_ratio[i]) - log_ratio[i]; /* (ρ − 1) − log ρ */
    return n ? k / (double)n : 0.0;
}

rlc_node *rlc_ppo_loss(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                       double clip_range, double clip_range_vf, double ent_coef, double vf_coef,
                       rlc_policy_loss_parts *parts)
{
    gsl_matrix_const_view obs = gsl_matrix_const_view_array(b->obs, b->n, p->obs_dim);
    gsl_matrix_const_view act = gsl_matrix_const_view_array(b->actions, b->n, p->act_dim);
    gsl_matrix_const_view oldlp = gsl_matrix_const_view_array(b->old_log_probs, b->n, 1);
    gsl_matrix_const_view adv = gsl_matrix_const_view_array(b->advantages, b->n, 1);
    rlc_node *dp, *ls, *v;
    if (rlc_policy_forward(p, t, &obs.matrix, true, &dp, &ls, &v) != RLC_OK)
        return NULL;
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, dp, ls, &act.matrix);
    rlc_node *log_ratio = rlc_tape_sub(t, logp, rlc_tape_leaf(t, &oldlp.matrix, NULL));
    rlc_node *ratio = rlc_tape_exp(t, log_ratio);
    rlc_node *A = rlc_tape_leaf(t, &adv.matrix, NULL);
    rlc_node *surr =
        rlc_tape_min(t, rlc_tape_mul(t, ratio, A),
                     rlc_tape_mul(t, rlc_tape_clip(t, ratio, 1.0 - clip_range, 1.0 + clip_range), A));
    rlc_node *policy_loss = rlc_tape_scale(t, rlc_tape_mean(t, surr), -1.0);
    if (parts) {
        parts->log_ratio = log_ratio;
        parts->ratio = ratio;
    }
    return rlc_policy_loss_total(t, p, b, policy_loss, dp, ls, v, clip_range_vf, ent_coef, vf_coef,
                                 parts);
}

/* The loss of one minibatch of m rows (already gathered) on the tape, with
 * the parts this update reports: policy, value and entropy terms, the clip
 * fraction of this minibatch, and its log-ratios (m × 1, on the tape until
 * its next reset) for the approx KL. */
static rlc_node *minibatch_loss(ppo *a, size_t m, double clip, double *pg, double *vl, double *ent,
                                double *clip_frac, const double **log_ratio)
{
    rlc_tape *t = a->tr.tape;
    rlc_policy_batch b = {m, a->obs, a->actions, a->old_log_probs, a->advantages, a->returns,
                          a->old_values};
    rlc_policy_loss_parts parts;
    rlc_tape_reset(t);
    rlc_node *loss = rlc_ppo_loss(t, a->tr.policy, &b, clip, a->cfg.clip_range_vf, a->cfg.ent_coef,
                                  a->cfg.vf_coef, &parts);
    if (!loss)
        return NULL;
    double cf = 0;
    for (size_t i = 0; i < m; i++)
        cf += fabs(parts.ratio->value.data[i] - 1.0) > clip;
    *pg = rlc_node_scalar(parts.policy_loss);
    *vl = rlc_node_scalar(parts.value_loss);
    *ent = rlc_node_scalar(parts.entropy);
    *log_ratio = parts.log_ratio->value.data;
    *clip_frac = cf / (double)m;
    return loss;
}

/* Grow the tape to what the loss of a full minibatch of m rows needs, on
 * the (zeroed) minibatch buffers, applying nothing. Once the reset has kept
 * the high-water block, an update never allocates, so it cannot stop
 * halfway (after some minibatches' steps, or after the shuffle) for want
 * of memory. */
static rlc_status size_tape(ppo *a, size_t m)
{
    double pg, vl, ent, cf;
    const double *lr;
    if (!minibatch_loss(a, m, a->cfg.clip_range, &pg, &vl, &ent, &cf, &lr))
        return rlc_tape_status(a->tr.tape);
    return rlc_tape_reset(a->tr.tape);
}

static rlc_status ppo_update(void *p, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    ppo *a = p;
    rlc_status sync = rlc_policy_trainer_sync_obs(&a->tr); /* data-parallel */
    if (sync != RLC_OK)
        return sync;
    size_t rows = rlc_rollout_rows(ro), bs = a->cfg.batch_size < rows ? a->cfg.batch_size : rows;
    double clip = rlc_schedule_value(a->cfg.clip_range, a->cfg.clip_range_schedule, progress);
    a->tr.optim->config.learning_rate =
        rlc_schedule_value(a->cfg.learning_rate, a->cfg.lr_schedule, progress);
    double pg_sum = 0, vl_sum = 0, ent_sum = 0, cf_sum = 0, kl_last = 0;
    size_t n_mb = 0;
    bool stop = false;
    for (size_t epoch = 0; epoch < a->cfg.n_epochs && !stop; epoch++) {
        gsl_ran_shuffle(a->sample_rng, a->perm, rows, sizeof *a->perm);
        for (size_t start = 0; start < rows; start += bs) {
            size_t m = rows - start < bs ? rows - start : bs; /* the last minibatch may be smaller */
            rlc_rollout_gather(ro, a->perm + start, m, a->obs, a->actions, a->old_log_probs,
                               a->advantages, a->returns, a->old_values);
            if (a->cfg.normalize_advantage)
                rlc_normalize_advantages(a->advantages, m);
            double pg, vl, ent, cf;
            const double *log_ratio;
            rlc_node *loss = minibatch_loss(a, m, clip, &pg, &vl, &ent, &cf, &log_ratio);
            if (!loss)
                return rlc_tape_status(a->tr.tape);
            /* Early stop before this minibatch's step: the step that crossed the
             * limit is not applied. Data-parallel: on the KL averaged over the
             * ranks, so that all stop at the same minibatch. Without a limit
             * only the last minibatch's KL is reported, so only it is computed. */
            if (a->cfg.target_kl > 0) {
                double kl = rlc_ppo_approx_kl(log_ratio, m);
                rlc_status st = rlc_policy_trainer_mean(&a->tr, &kl, 1);
                if (st != RLC_OK)
                    return st;
                kl_last = kl;
                if (kl > 1.5 * a->cfg.target_kl) {
                    stop = true;
                    break;
                }
            } else if (epoch + 1 == a->cfg.n_epochs && start + m == rows) {
                kl_last = rlc_ppo_approx_kl(log_ratio, m);
            }
            rlc_status st = rlc_policy_trainer_step(&a->tr, loss, a->cfg.max_grad_norm);
            if (st == RLC_ENONFINITE) {
                const char *what = strcmp(a->tr.nonfinite, "loss") ? a->tr.nonfinite
                                   : !isfinite(pg)                 ? "policy loss"
                                   : !isfinite(vl)                 ? "value loss"
                                   : !isfinite(ent)                ? "entropy"
                                                                   : "loss";
                return rlc_train_stats_nonfinite(stats, a->n_updates, what);
            }
            if (st != RLC_OK)
                return st;
            a->n_updates++;
            pg_sum += pg;
            vl_sum += vl;
            ent_sum += ent;
            cf_sum += cf;
            n_mb++;
        }
    }
    double *v = stats->values;
    v[POLICY_LOSS] = n_mb ? pg_sum / (double)n_mb : NAN;
    v[VALUE_LOSS] = n_mb ? vl_sum / (double)n_mb : NAN;
    v[ENTROPY] = n_mb ? ent_sum / (double)n_mb : NAN;
    v[CLIP_FRACTION] = n_mb ? cf_sum / (double)n_mb : NAN;
    v[APPROX_KL] = kl_last;
    v[EXPLAINED_VARIANCE] = rlc_rollout_explained_variance(ro);
    v[LEARNING_RATE] = a->tr.optim->config.learning_rate;
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static rlc_status ppo_state(void *p, const rlc_state_visitor *v)
{
    ppo *a = p;
    rlc_status st;
    if ((st = rlc_policy_trainer_state(&a->tr, v)) ||
        (st = rlc_state_rng(v, "sample_rng", a->sample_rng)) ||
        (st = rlc_state_bytes(v, "perm", a->perm, a->rows * sizeof *a->perm))) /* shuffled in place */
        return st;
    return rlc_state_bytes(v, "n_updates", &a->n_updates, sizeof a->n_updates);
}

/* --- gradient checks: the three terms of the loss on tr.gc --- */

enum { GC_SURROGATE, GC_VALUE, GC_ENTROPY, GC_N };

static rlc_status ppo_gradcheck_batch(void *p, const rlc_rollout *ro, const size_t *idx, size_t n)
{
    ppo *a = p;
    return rlc_policy_trainer_gradcheck_batch(&a->tr, ro, idx, n, a->cfg.normalize_advantage);
}

static size_t ppo_losses(void *p, rlc_agent_loss *out)
{
    ppo *a = p;
    rlc_policy *pol = a->tr.policy;
    static const char *const names[GC_N] = {"clipped_surrogate", "value_loss", "entropy"};
    /* a Gaussian's entropy depends on log σ alone */
    const int which[GC_N] = {RLC_POLICY_ACTOR | RLC_POLICY_LOG_STD, RLC_POLICY_CRITIC,
                             pol->dist == RLC_DIST_GAUSSIAN ? RLC_POLICY_LOG_STD : RLC_POLICY_ACTOR};
    for (size_t i = 0; i < GC_N; i++) {
        out[i] = (rlc_agent_loss){.name = names[i], .params = pol->params, .grads = pol->grads};
        out[i].n_blocks = rlc_policy_blocks(pol, which[i], out[i].blocks);
    }
    return GC_N;
}

/* Term i of rlc_ppo_loss on the gradient-check batch, on a reset tape. */
static rlc_node *gc_record(ppo *a, size_t i)
{
    rlc_policy_loss_parts parts;
    rlc_tape_reset(a->tr.tape);
    if (!rlc_ppo_loss(a->tr.tape, a->tr.policy, &a->tr.gc, a->cfg.clip_range, a->cfg.clip_range_vf,
                      a->cfg.ent_coef, a->cfg.vf_coef, &parts))
        return NULL;
    return i == GC_SURROGATE ? parts.policy_loss : i == GC_VALUE ? parts.value_loss : parts.entropy;
}

static double ppo_loss_value(void *p, size_t i)
{
    rlc_node *l = gc_record(p, i);
    return l ? rlc_node_scalar(l) : NAN;
}

static rlc_status ppo_loss_gradient(void *p, size_t i)
{
    ppo *a = p;
    rlc_node *l = gc_record(a, i);
    if (!l)
        return rlc_tape_status(a->tr.tape);
    rlc_vector_zero(a->tr.policy->grads);
    return rlc_tape_backward(a->tr.tape, l);
}

static void ppo_settings_default(void *settings)
{
    rlc_ppo_config_default(settings);
}

/* Data-parallel: the trainer averages every step's gradient (and PPO its KL before the early stop). */
static rlc_status ppo_set_ranks(void *p, const rlc_agent_ranks *ranks)
{
    return rlc_policy_trainer_set_ranks(p, ranks);
}

const rlc_agent_type rlc_agent_ppo = {
    .name = "ppo",
    .description = "Proximal Policy Optimization (clipped surrogate)",
    .kind = RLC_AGENT_ON_POLICY,
    .box_actions = true,
    .discrete_actions = true,
    .settings_size = sizeof(rlc_ppo_config),
    .settings_default = ppo_settings_default,
    .settings_rows = ppo_rows,
    .n_settings_rows = sizeof ppo_rows / sizeof ppo_rows[0],
    .settings_check = ppo_check,
    .stat_names = ppo_stats,
    .n_stats = N_STATS,
    .create = ppo_create,
    .free = ppo_free,
    .predict = rlc_policy_trainer_predict,
    .tensors = rlc_policy_trainer_tensors,
    .state = ppo_state,
    .onpolicy_settings = ppo_settings,
    .normalize_obs = rlc_policy_trainer_normalize_obs,
    .act = rlc_policy_trainer_act,
    .bootstrap = rlc_policy_trainer_bootstrap,
    .update = ppo_update,
    .set_ranks = ppo_set_ranks,
    .gradcheck_batch = ppo_gradcheck_batch,
    .losses = ppo_losses,
    .loss_value = ppo_loss_value,
    .loss_gradient = ppo_loss_gradient,
};
_Static_assert(sizeof(rlc_ppo_config) <= RLC_AGENT_SETTINGS_MAX, "raise RLC_AGENT_SETTINGS_MAX");
