/* a2c.c — A2C (Mnih et al. 2016, synchronous) behind rlc_agent_type
 * (contracts in include/rlc/a2c.h and include/rlc/agent.h): one gradient
 * step per rollout collected by rlc_runner_onpolicy, RMSprop or Adam. No
 * shared trunk between actor and critic, no state-dependent exploration. */
#include <math.h>
#include <string.h>
#include <stddef.h>
#include <stdlib.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
#include "rlc/linalg.h"
#include "rlc/optim.h"
#include "rlc/rng.h"

void rlc_a2c_config_default(rlc_a2c_config *cfg)
{
    *cfg = (rlc_a2c_config){
        .n_envs = 1,
        .n_steps = 5,
        .learning_rate = 7e-4,
        .lr_schedule = RLC_SCHEDULE_CONSTANT,
        .gamma = 0.99,
        .gae_lambda = 1.0,
        .ent_coef = 0.0,
        .vf_coef = 0.5,
        .max_grad_norm = 0.5,
        .use_rms_prop = true,
        .rms_prop_eps = 1e-5,
        .normalize_advantage = false,
        .norm_reward = false,
    };
    rlc_policy_config_default(&cfg->policy);
}

/* The [a2c] section: every key, its range and help (defaults above). */
#define T rlc_a2c_config
static const rlc_setting a2c_rows[] = {
    RLC_POLICY_N_ENVS_ROW(T),
    RLC_SETTING_SIZE_ROW(T, "n_steps", n_steps, 1, "steps per environment copy per update"),
    RLC_SETTING_REAL_ROW(T, "learning_rate", learning_rate, 0, 1, RLC_SETTING_OPEN_LO,
                         "optimizer step size at the start"),
    RLC_SETTING_ENUM_ROW(T, "lr_schedule", lr_schedule, rlc_schedule_names,
                         "learning_rate constant, or linear decay to 0 at the end"),
    RLC_POLICY_GAE_ROWS(T),
    RLC_POLICY_LOSS_ROWS(T),
    RLC_SETTING_BOOL_ROW(T, "use_rms_prop", use_rms_prop, "RMSprop (alpha 0.99) if true, else Adam"),
    RLC_SETTING_REAL_ROW(T, "rms_prop_eps", rms_prop_eps, 0, INFINITY,
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI,
                         "RMSprop epsilon (denominator stabiliser)"),
    RLC_SETTING_BOOL_ROW(T, "normalize_advantage", normalize_advantage,
                         "normalise advantages of each rollout"),
    RLC_SETTING_BOOL_ROW(T, "norm_reward", norm_reward,
                         "scale rewards by the running std of the discounted return"),
    RLC_POLICY_SETTING_ROWS(T, policy),
};
#undef T

/* progress.csv columns, in this order */
enum { POLICY_LOSS, VALUE_LOSS, ENTROPY, EXPLAINED_VARIANCE, LEARNING_RATE, N_STATS };
static const char *const a2c_stats[N_STATS] = {
    [POLICY_LOSS] = "policy_loss", [VALUE_LOSS] = "value_loss", [ENTROPY] = "entropy",
    [EXPLAINED_VARIANCE] = "explained_variance", [LEARNING_RATE] = "learning_rate",
};

typedef struct a2c {
    rlc_policy_trainer tr; /* first: the shared agent-table entries point here */
    rlc_a2c_config cfg;
    size_t rows;        /* n_steps × n_envs */
    size_t *order;      /* 0 .. rows − 1: the whole rollout is one batch */
    double *obs, *actions, *advantages, *returns; /* the rollout, gathered */
    size_t n_updates;
} a2c;
_Static_assert(offsetof(a2c, tr) == 0, "rlc_policy_trainer_* entries take the agent as its trainer");

static void a2c_free(void *p)
{
    a2c *a = p;
    if (!a)
        return;
    rlc_policy_trainer_release(&a->tr);
    free(a->order);
    free(a->obs);
    free(a->actions);
    free(a->advantages);
    free(a->returns);
    free(a);
}

static rlc_status size_tape(a2c *a);

static rlc_status a2c_create(void **out, const void *settings, const rlc_env_type *env,
                             uint64_t seed)
{
    const rlc_a2c_config *cfg = settings;
    *out = NULL;
    if (!env || rlc_agent_check_settings(&rlc_agent_a2c, cfg, NULL, NULL, NULL) ||
        !rlc_agent_supports(&rlc_agent_a2c, env))
        return RLC_EINVAL;
    a2c *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->rows = cfg->n_steps * cfg->n_envs;
    /* SB3's A2C: RMSprop(α 0.99, ε rms_prop_eps), or Adam(ε 1e-5) */
    rlc_status st = rlc_policy_trainer_init(
        &a->tr, &cfg->policy, env, seed, cfg->use_rms_prop ? rlc_optim_rmsprop : rlc_optim_adam,
        cfg->learning_rate, cfg->use_rms_prop ? cfg->rms_prop_eps : 1e-5);
    if (st != RLC_OK)
        goto fail;
    st = RLC_ENOMEM;
    a->order = malloc(a->rows * sizeof *a->order);
    a->obs = calloc(a->rows * a->tr.policy->obs_dim, sizeof(double)); /* zeros: size_tape's batch */
    a->actions = calloc(a->rows * a->tr.policy->act_dim, sizeof(double));
    a->advantages = calloc(a->rows, sizeof(double));
    a->returns = calloc(a->rows, sizeof(double));
    if (!a->order || !a->obs || !a->actions || !a->advantages || !a->returns)
        goto fail;
    for (size_t i = 0; i < a->rows; i++)
        a->order[i] = i;
    if ((st = size_tape(a)) != RLC_OK)
        goto fail;
    *out = a;
    return RLC_OK;
fail:
    a2c_free(a);
    return st;
}

static rlc_onpolicy_settings a2c_settings(const void *p)
{
    const a2c *a = p;
    return (rlc_onpolicy_settings){a->cfg.n_envs, a->cfg.n_steps, a->cfg.gamma, a->cfg.gae_lambda,
                                   a->cfg.norm_reward};
}

rlc_node *rlc_a2c_loss(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                       double ent_coef, double vf_coef, rlc_policy_loss_parts *parts)
{
    gsl_matrix_const_view obs = gsl_matrix_const_view_array(b->obs, b->n, p->obs_dim);
    gsl_matrix_const_view act = gsl_matrix_const_view_array(b->actions, b->n, p->act_dim);
    gsl_matrix_const_view adv = gsl_matrix_const_view_array(b->advantages, b->n, 1);
    rlc_node *dp, *ls, *v;
    if (rlc_policy_forward(p, t, &obs.matrix, true, &dp, &ls, &v) != RLC_OK)
        return NULL;
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, dp, ls, &act.matrix);
    rlc_node *policy_loss = rlc_tape_scale(
        t, rlc_tape_mean(t, rlc_tape_mul(t, logp, rlc_tape_leaf(t, &adv.matrix, NULL))), -1.0);
    if (parts)
        parts->log_ratio = parts->ratio = NULL;
    return rlc_policy_loss_total(t, p, b, policy_loss, dp, ls, v, 0.0, ent_coef, vf_coef, parts);
}

/* Grow the tape to what the loss of a whole rollout needs, on the (zeroed)
 * rollout buffers, applying nothing: an update then never allocates. */
static rlc_status size_tape(a2c *a)
{
    rlc_tape *t = a->tr.tape;
    rlc_policy_batch b = {a->rows, a->obs, a->actions, NULL, a->advantages, a->returns, NULL};
    rlc_tape_reset(t);
    if (!rlc_a2c_loss(t, a->tr.policy, &b, a->cfg.ent_coef, a->cfg.vf_coef, NULL))
        return rlc_tape_status(t);
    return rlc_tape_reset(t);
}

/* One step on the whole rollout. */
static rlc_status a2c_update(void *p, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    a2c *a = p;
    rlc_status sync = rlc_policy_trainer_sync_obs(&a->tr); /* data-parallel */
    if (sync != RLC_OK)
        return sync;
    size_t m = rlc_rollout_rows(ro);
    rlc_rollout_gather(ro, a->order, m, a->obs, a->actions, NULL, a->advantages, a->returns, NULL);
    if (a->cfg.normalize_advantage)
        rlc_normalize_advantages(a->advantages, m);
    a->tr.optim->config.learning_rate =
        rlc_schedule_value(a->cfg.learning_rate, a->cfg.lr_schedule, progress);
    rlc_policy_batch b = {m, a->obs, a->actions, NULL, a->advantages, a->returns, NULL};
    rlc_policy_loss_parts parts;
    rlc_tape_reset(a->tr.tape);
    rlc_node *loss = rlc_a2c_loss(a->tr.tape, a->tr.policy, &b, a->cfg.ent_coef, a->cfg.vf_coef,
                                  &parts);
    rlc_status st = rlc_policy_trainer_step(&a->tr, loss, a->cfg.max_grad_norm);
    if (st == RLC_ENONFINITE) {
        const char *what = strcmp(a->tr.nonfinite, "loss") ? a->tr.nonfinite
                           : !isfinite(rlc_node_scalar(parts.policy_loss)) ? "policy loss"
                           : !isfinite(rlc_node_scalar(parts.value_loss))  ? "value loss"
                           : !isfinite(rlc_node_scalar(parts.entropy))     ? "entropy"
                                                                           : "loss";
        return rlc_train_stats_nonfinite(stats, a->n_updates, what);
    }
    if (st != RLC_OK)
        return st;
    a->n_updates++;
    double *v = stats->values;
    v[POLICY_LOSS] = rlc_node_scalar(parts.policy_loss);
    v[VALUE_LOSS] = rlc_node_scalar(parts.value_loss);
    v[ENTROPY] = rlc_node_scalar(parts.entropy);
    v[EXPLAINED_VARIANCE] = rlc_rollout_explained_variance(ro);
    v[LEARNING_RATE] = a->tr.optim->config.learning_rate;
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static rlc_status a2c_state(void *p, const rlc_state_visitor *v)
{
    a2c *a = p;
    rlc_status st = rlc_policy_trainer_state(&a->tr, v);
    return st ? st : rlc_state_bytes(v, "n_updates", &a->n_updates, sizeof a->n_updates);
}

/* --- gradient checks: the policy and value terms of the loss on tr.gc --- */

enum { GC_POLICY, GC_VALUE, GC_N };

static rlc_status a2c_gradcheck_batch(void *p, const rlc_rollout *ro, const size_t *idx, size_t n)
{
    a2c *a = p;
    return rlc_policy_trainer_gradcheck_batch(&a->tr, ro, idx, n, a->cfg.normalize_advantage);
}

static size_t a2c_losses(void *p, rlc_agent_loss *out)
{
    a2c *a = p;
    rlc_policy *pol = a->tr.policy;
    static const char *const names[GC_N] = {"policy_loss", "value_loss"};
    const int which[GC_N] = {RLC_POLICY_ACTOR | RLC_POLICY_LOG_STD, RLC_POLICY_CRITIC};
    for (size_t i = 0; i < GC_N; i++) {
        out[i] = (rlc_agent_loss){.name = names[i], .params = pol->params, .grads = pol->grads};
        out[i].n_blocks = rlc_policy_blocks(pol, which[i], out[i].blocks);
    }
    return GC_N;
}

/* Term i of rlc_a2c_loss on the gradient-check batch, on a reset tape. */
static rlc_node *gc_record(a2c *a, size_t i)
{
    rlc_policy_loss_parts parts;
    rlc_tape_reset(a->tr.tape);
    if (!rlc_a2c_loss(a->tr.tape, a->tr.policy, &a->tr.gc, a->cfg.ent_coef, a->cfg.vf_coef, &parts))
        return NULL;
    return i == GC_POLICY ? parts.policy_loss : parts.value_loss;
}

static double a2c_loss_value(void *p, size_t i)
{
    rlc_node *l = gc_record(p, i);
    return l ? rlc_node_scalar(l) : NAN;
}

static rlc_status a2c_loss_gradient(void *p, size_t i)
{
    a2c *a = p;
    rlc_node *l = gc_record(a, i);
    if (!l)
        return rlc_tape_status(a->tr.tape);
    rlc_vector_zero(a->tr.policy->grads);
    return rlc_tape_backward(a->tr.tape, l);
}

static void a2c_settings_default(void *settings)
{
    rlc_a2c_config_default(settings);
}

/* Data-parallel: the trainer averages every step's gradient. */
static rlc_status a2c_set_ranks(void *p, const rlc_agent_ranks *ranks)
{
    return rlc_policy_trainer_set_ranks(p, ranks);
}

const rlc_agent_type rlc_agent_a2c = {
    .name = "a2c",
    .description = "Advantage Actor-Critic (synchronous)",
    .kind = RLC_AGENT_ON_POLICY,
    .box_actions = true,
    .discrete_actions = true,
    .settings_size = sizeof(rlc_a2c_config),
    .settings_default = a2c_settings_default,
    .settings_rows = a2c_rows,
    .n_settings_rows = sizeof a2c_rows / sizeof a2c_rows[0],
    .stat_names = a2c_stats,
    .n_stats = N_STATS,
    .create = a2c_create,
    .free = a2c_free,
    .predict = rlc_policy_trainer_predict,
    .tensors = rlc_policy_trainer_tensors,
    .state = a2c_state,
    .onpolicy_settings = a2c_settings,
    .normalize_obs = rlc_policy_trainer_normalize_obs,
    .act = rlc_policy_trainer_act,
    .bootstrap = rlc_policy_trainer_bootstrap,
    .update = a2c_update,
    .set_ranks = a2c_set_ranks,
    .gradcheck_batch = a2c_gradcheck_batch,
    .losses = a2c_losses,
    .loss_value = a2c_loss_value,
    .loss_gradient = a2c_loss_gradient,
};
_Static_assert(sizeof(rlc_a2c_config) <= RLC_AGENT_SETTINGS_MAX, "raise RLC_AGENT_SETTINGS_MAX");
