/* qac.c — the Q actor-critic (Zhao, Algorithm 10.1) behind rlc_agent_type
 * (contracts in include/rlc/qac.h and include/rlc/agent.h): one step of
 * each network per rollout collected by rlc_runner_onpolicy, from one
 * recorded pass of both losses. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
#include "rlc/linalg.h"
#include "rlc/optim.h"
#include "rlc/qac.h"

static const char *const optimizer_names[3] = {
    [RLC_QAC_SGD] = "sgd", [RLC_QAC_ADAM] = "adam", [RLC_QAC_RMSPROP] = "rmsprop"};

void rlc_qac_config_default(rlc_qac_config *cfg)
{
    *cfg = (rlc_qac_config){
        .n_envs = 1,
        .n_steps = 1,
        .actor_learning_rate = 1e-3,
        .critic_learning_rate = 1e-3,
        .lr_schedule = RLC_SCHEDULE_CONSTANT,
        .gamma = 0.99,
        .optimizer = RLC_QAC_SGD,
        .ent_coef = 0.0,
        .max_grad_norm = 0.0,
        .norm_reward = false,
    };
    rlc_policy_config_default(&cfg->policy);
    cfg->policy.critic = RLC_CRITIC_ACTION_VALUE;
}

/* The [qac] section: every key, its range and help (defaults above). */
#define T rlc_qac_config
static const rlc_setting qac_rows[] = {
    RLC_POLICY_N_ENVS_ROW(T),
    RLC_SETTING_SIZE_ROW(T, "n_steps", n_steps, 1, "steps per environment copy per update"),
    RLC_SETTING_REAL_ROW(T, "actor_learning_rate", actor_learning_rate, 0, 1, RLC_SETTING_OPEN_LO,
                         "actor step size (alpha_theta)"),
    RLC_SETTING_REAL_ROW(T, "critic_learning_rate", critic_learning_rate, 0, 1,
                         RLC_SETTING_OPEN_LO, "critic step size (alpha_w)"),
    RLC_SETTING_ENUM_ROW(T, "lr_schedule", lr_schedule, rlc_schedule_names,
                         "both learning rates constant, or linear decay to 0 at the end"),
    RLC_SETTING_REAL_ROW(T, "gamma", gamma, 0, 1, 0, "discount factor"),
    RLC_SETTING_ENUM_ROW(T, "optimizer", optimizer, optimizer_names,
                         "sgd (the book), adam or rmsprop, one per network"),
    RLC_SETTING_REAL_ROW(T, "ent_coef", ent_coef, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "entropy coefficient of the actor's loss"),
    RLC_SETTING_REAL_ROW(T, "max_grad_norm", max_grad_norm, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "maximum norm of each network's gradient (0: no clipping)"),
    RLC_SETTING_BOOL_ROW(T, "norm_reward", norm_reward,
                         "scale rewards by the running std of the discounted return"),
    RLC_POLICY_SETTING_ROWS(T, policy),
};
#undef T

/* progress.csv columns, in this order */
enum { ACTOR_LOSS, CRITIC_LOSS, MEAN_Q, ENTROPY, EXPLAINED_VARIANCE, N_STATS };
static const char *const qac_stats[N_STATS] = {
    [ACTOR_LOSS] = "actor_loss",   /* −mean ln π(a|s)·q(s, a), without the entropy term */
    [CRITIC_LOSS] = "critic_loss", /* mean δ², the squared TD error (the critic descends half of it) */
    [MEAN_Q] = "mean_q",           /* mean q(s, a) of the taken actions, before the update */
    [ENTROPY] = "entropy",
    [EXPLAINED_VARIANCE] = "explained_variance", /* of q(s, a) at collection against the targets */
};

typedef struct qac {
    rlc_policy_trainer tr;  /* first: the shared agent-table entries point here; no optimiser */
    rlc_qac_config cfg;
    rlc_optim *actor_opt;   /* over π's parameters (actor | log_std) */
    rlc_optim *critic_opt;  /* over the critic's */
    size_t rows;            /* n_steps × n_envs */
    size_t *order;          /* 0 .. rows − 1: the whole rollout is one batch */
    double *obs, *actions, *targets, *q; /* the rollout, gathered; q(s, a) scratch */
    /* a' ~ π drawn by bootstrap: kept for the next act (has_next), or scratch */
    double *next_actions, *next_log_probs;
    bool has_next;
    size_t n_updates;
} qac;
_Static_assert(offsetof(qac, tr) == 0, "rlc_policy_trainer_* entries take the agent as its trainer");

static void qac_free(void *p)
{
    qac *a = p;
    if (!a)
        return;
    rlc_policy_trainer_release(&a->tr);
    rlc_optim_free(a->actor_opt);
    rlc_optim_free(a->critic_opt);
    free(a->order);
    free(a->obs);
    free(a->actions);
    free(a->targets);
    free(a->q);
    free(a->next_actions);
    free(a->next_log_probs);
    free(a);
}

static rlc_status size_tape(qac *a);

static rlc_status qac_create(void **out, const void *settings, const rlc_env_type *env,
                             uint64_t seed)
{
    const rlc_qac_config *cfg = settings;
    *out = NULL;
    if (!env || rlc_agent_check_settings(&rlc_agent_qac, cfg, NULL, NULL, NULL) ||
        !rlc_agent_supports(&rlc_agent_qac, env))
        return RLC_EINVAL;
    qac *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->cfg.policy.critic = RLC_CRITIC_ACTION_VALUE;
    a->rows = cfg->n_steps * cfg->n_envs;
    rlc_status st = rlc_policy_trainer_init(&a->tr, &a->cfg.policy, env, seed, NULL, 0.0, 0.0);
    if (st != RLC_OK)
        goto fail;
    rlc_policy *p = a->tr.policy;
    const rlc_optim_type *type = cfg->optimizer == RLC_QAC_ADAM      ? rlc_optim_adam
                                 : cfg->optimizer == RLC_QAC_RMSPROP ? rlc_optim_rmsprop
                                                                     : rlc_optim_sgd;
    rlc_optim_config oc;
    rlc_optim_config_default(&oc); /* Adam β 0.9, 0.999, ε 1e-8; RMSprop α 0.99 */
    if (cfg->optimizer == RLC_QAC_RMSPROP)
        oc.eps = 1e-5; /* Stable-Baselines3's A2C's */
    oc.learning_rate = cfg->actor_learning_rate;
    if ((st = rlc_optim_create(&a->actor_opt, type, p->pi.vector.size, &oc)))
        goto fail;
    oc.learning_rate = cfg->critic_learning_rate;
    if ((st = rlc_optim_create(&a->critic_opt, type, p->critic->n_params, &oc)))
        goto fail;
    size_t n = a->rows, ne = cfg->n_envs, od = p->obs_dim, ad = p->act_dim;
    st = RLC_ENOMEM;
    a->order = malloc(n * sizeof *a->order);
    a->obs = calloc(n * od, sizeof(double)); /* zeros: size_tape's rollout */
    a->actions = calloc(n * ad, sizeof(double));
    a->targets = calloc(n, sizeof(double));
    a->q = calloc(n, sizeof(double));
    a->next_actions = calloc(ne * ad, sizeof(double));
    a->next_log_probs = calloc(ne, sizeof(double));
    if (!a->order || !a->obs || !a->actions || !a->targets || !a->q || !a->next_actions ||
        !a->next_log_probs)
        goto fail;
    for (size_t i = 0; i < n; i++)
        a->order[i] = i;
    if ((st = size_tape(a)) != RLC_OK)
        goto fail;
    *out = a;
    return RLC_OK;
fail:
    qac_free(a);
    return st;
}

static rlc_onpolicy_settings qac_settings(const void *p)
{
    const qac *a = p;
    /* λ = 0: the returns GAE computes are the Sarsa targets r + γ(1 − terminated)·q(s', a') */
    return (rlc_onpolicy_settings){a->cfg.n_envs, a->cfg.n_steps, a->cfg.gamma, 0.0,
                                   a->cfg.norm_reward};
}

/* The action kept at the rollout's end, else a fresh draw; then q(s, a). */
static rlc_status qac_act(void *p, size_t n, const double *obs, double *actions,
                          double *env_actions, double *log_probs, double *values)
{
    qac *a = p;
    rlc_policy *pol = a->tr.policy;
    rlc_status st;
    if (a->has_next) {
        if (n != a->cfg.n_envs)
            return RLC_EINVAL;
        memcpy(actions, a->next_actions, n * pol->act_dim * sizeof *actions);
        a->has_next = false;
        /* log π(a'|s) as drawn, under θ before the update; q with the updated critic */
        memcpy(log_probs, a->next_log_probs, n * sizeof *log_probs);
        gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, pol->obs_dim);
        gsl_matrix_const_view av = gsl_matrix_const_view_array(actions, n, pol->act_dim);
        rlc_node *q;
        rlc_tape_reset(a->tr.tape);
        st = rlc_policy_q(pol, a->tr.tape, &ov.matrix, &av.matrix, false, &q);
        if (st == RLC_OK)
            memcpy(values, q->value.data, n * sizeof *values);
    } else {
        st = rlc_policy_act(pol, a->tr.tape, obs, n, a->tr.action_rng, actions, log_probs, values);
    }
    for (size_t i = 0; st == RLC_OK && i < n; i++)
        rlc_policy_clip_action(pol, actions + i * pol->act_dim, env_actions + i * pol->act_dim);
    return st;
}

/* q(s, a') with a' ~ π(·|s) from the action stream; kept for the next act
 * when `next` (the book's a_{t+1}), else drawn for the target alone. */
static rlc_status qac_bootstrap(void *p, size_t n, const double *obs, double *values, bool next)
{
    qac *a = p;
    if (n > a->cfg.n_envs)
        return RLC_EINVAL;
    rlc_status st = rlc_policy_act(a->tr.policy, a->tr.tape, obs, n, a->tr.action_rng,
                                   a->next_actions, a->next_log_probs, values);
    a->has_next = st == RLC_OK && next;
    return st;
}

rlc_status rlc_qac_loss(rlc_tape *t, const rlc_policy *p, size_t n, const double *obs,
                        const double *actions, const double *targets, double *q_weights,
                        double ent_coef, rlc_qac_loss_parts *parts, rlc_node **loss)
{
    *loss = NULL;
    if (p->config.critic != RLC_CRITIC_ACTION_VALUE)
        return RLC_EINVAL;
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, p->obs_dim);
    gsl_matrix_const_view av = gsl_matrix_const_view_array(actions, n, p->act_dim);
    gsl_matrix_const_view tv = gsl_matrix_const_view_array(targets, n, 1);
    gsl_matrix_view wv = gsl_matrix_view_array(q_weights, n, 1);
    rlc_node *dp, *ls, *q;
    rlc_status st;
    if ((st = rlc_policy_forward(p, t, &ov.matrix, true, &dp, &ls, NULL)) ||
        (st = rlc_policy_q(p, t, &ov.matrix, &av.matrix, true, &q)))
        return st;
    memcpy(q_weights, q->value.data, n * sizeof *q_weights); /* q(s, a; w_t), held fixed */
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, dp, ls, &av.matrix);
    rlc_node *actor = rlc_tape_scale(
        t, rlc_tape_mean(t, rlc_tape_mul(t, logp, rlc_tape_leaf(t, &wv.matrix, NULL))), -1.0);
    rlc_node *entropy = rlc_dist_entropy(t, p->dist, dp, ls);
    rlc_node *critic = rlc_tape_scale(
        t, rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, rlc_tape_leaf(t, &tv.matrix, NULL), q))),
        0.5);
    rlc_node *total = rlc_tape_add(
        t, rlc_tape_sub(t, actor, rlc_tape_scale(t, entropy, ent_coef)), critic);
    if ((st = rlc_tape_status(t)))
        return st;
    if (parts)
        *parts = (rlc_qac_loss_parts){actor, entropy, critic, q};
    *loss = total;
    return RLC_OK;
}

/* Grow the tape to what the loss of a whole rollout needs, on the (zeroed)
 * rollout buffers, applying nothing: an update then never allocates. */
static rlc_status size_tape(qac *a)
{
    rlc_tape *t = a->tr.tape;
    rlc_node *loss;
    rlc_tape_reset(t);
    rlc_status st = rlc_qac_loss(t, a->tr.policy, a->rows, a->obs, a->actions, a->targets, a->q,
                                 a->cfg.ent_coef, NULL, &loss);
    if (st != RLC_OK)
        return st;
    return rlc_tape_reset(t);
}

/* One step of each network on the whole rollout, from one backward pass:
 * the actor's loss reaches only π's parameters and the critic's only the
 * critic's, so each optimiser steps on its own part of the flat gradient. */
static rlc_status qac_update(void *p, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    qac *a = p;
    rlc_policy *pol = a->tr.policy;
    size_t m = rlc_rollout_rows(ro);
    if (m != a->rows)
        return RLC_EINVAL;
    rlc_status st = rlc_policy_trainer_sync_obs(&a->tr); /* data-parallel */
    if (st != RLC_OK)
        return st;
    rlc_rollout_gather(ro, a->order, m, a->obs, a->actions, NULL, NULL, a->targets, NULL);
    rlc_qac_loss_parts parts;
    rlc_node *loss;
    rlc_tape_reset(a->tr.tape);
    st = rlc_qac_loss(a->tr.tape, pol, m, a->obs, a->actions, a->targets, a->q, a->cfg.ent_coef,
                      &parts, &loss);
    if (st != RLC_OK)
        return st;
    bool finite = isfinite(rlc_node_scalar(loss)), together = a->tr.ranks.size > 1;
    if (finite) {
        rlc_vector_zero(pol->grads);
        if ((st = rlc_tape_backward(a->tr.tape, loss)))
            return st;
    } else if (together) {
        gsl_vector_set_all(pol->grads, NAN); /* the other ranks see it and stop too */
    }
    /* data-parallel: both networks' gradients averaged over the ranks (one sum) */
    if (together && (st = rlc_policy_trainer_mean(&a->tr, pol->grads->data, pol->grads->size)))
        return st;
    if (!finite)
        return rlc_train_stats_nonfinite(
            stats, a->n_updates,
            !isfinite(rlc_node_scalar(parts.actor_loss))    ? "actor loss"
            : !isfinite(rlc_node_scalar(parts.critic_loss)) ? "critic loss"
            : !isfinite(rlc_node_scalar(parts.entropy))     ? "entropy"
                                                            : "loss");
    if (!rlc_optim_all_finite(&pol->dpi.vector))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "actor gradient");
    if (!rlc_optim_all_finite(pol->critic->grads))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "critic gradient");
    if (a->cfg.max_grad_norm > 0) {
        rlc_optim_clip_grad_norm(&pol->dpi.vector, a->cfg.max_grad_norm);
        rlc_optim_clip_grad_norm(pol->critic->grads, a->cfg.max_grad_norm);
    }
    a->actor_opt->config.learning_rate =
        rlc_schedule_value(a->cfg.actor_learning_rate, a->cfg.lr_schedule, progress);
    a->critic_opt->config.learning_rate =
        rlc_schedule_value(a->cfg.critic_learning_rate, a->cfg.lr_schedule, progress);
    rlc_optim_step(a->actor_opt, &pol->pi.vector, &pol->dpi.vector);
    rlc_optim_step(a->critic_opt, pol->critic->params, pol->critic->grads);
    if (!rlc_optim_all_finite(&pol->pi.vector))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "actor parameters");
    if (!rlc_optim_all_finite(pol->critic->params))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "critic parameters");
    a->n_updates++;
    double *v = stats->values, mean_q = 0.0;
    for (size_t i = 0; i < m; i++)
        mean_q += a->q[i] / (double)m;
    v[ACTOR_LOSS] = rlc_node_scalar(parts.actor_loss);
    v[CRITIC_LOSS] = 2.0 * rlc_node_scalar(parts.critic_loss);
    v[MEAN_Q] = mean_q;
    v[ENTROPY] = rlc_node_scalar(parts.entropy);
    v[EXPLAINED_VARIANCE] = rlc_rollout_explained_variance(ro);
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static rlc_status qac_state(void *p, const rlc_state_visitor *v)
{
    qac *a = p;
    size_t ne = a->cfg.n_envs;
    rlc_status st;
    if ((st = rlc_policy_trainer_state(&a->tr, v)) ||
        (st = rlc_optim_state(a->actor_opt, v, "actor_optim")) ||
        (st = rlc_optim_state(a->critic_opt, v, "critic_optim")) ||
        (st = rlc_state_bytes(v, "next_actions", a->next_actions,
                              ne * a->tr.policy->act_dim * sizeof *a->next_actions)) ||
        (st = rlc_state_bytes(v, "next_log_probs", a->next_log_probs,
                              ne * sizeof *a->next_log_probs)) ||
        (st = rlc_state_bools(v, "has_next", &a->has_next, 1)))
        return st;
    return rlc_state_bytes(v, "n_updates", &a->n_updates, sizeof a->n_updates);
}

/* --- gradient checks: the actor's and the critic's losses on tr.gc ---
 * The actor's loss holds q fixed (its weights are the critic's values at
 * recording) and the critic's does not depend on π, so each is checked
 * against its own network's parameters, as one backward pass trains them. */

enum { GC_ACTOR, GC_CRITIC, GC_N };

static rlc_status qac_gradcheck_batch(void *p, const rlc_rollout *ro, const size_t *idx, size_t n)
{
    qac *a = p;
    return rlc_policy_trainer_gradcheck_batch(&a->tr, ro, idx, n, false);
}

static size_t qac_losses(void *p, rlc_agent_loss *out)
{
    qac *a = p;
    rlc_policy *pol = a->tr.policy;
    static const char *const names[GC_N] = {"actor_loss", "critic_loss"};
    const int which[GC_N] = {RLC_POLICY_ACTOR | RLC_POLICY_LOG_STD, RLC_POLICY_CRITIC};
    for (size_t i = 0; i < GC_N; i++) {
        out[i] = (rlc_agent_loss){.name = names[i], .params = pol->params, .grads = pol->grads};
        out[i].n_blocks = rlc_policy_blocks(pol, which[i], out[i].blocks);
    }
    return GC_N;
}

/* Part i of rlc_qac_loss on the gradient-check batch (targets: the
 * returns, which GAE with λ = 0 made the Sarsa targets), on a reset tape. */
static rlc_node *gc_record(qac *a, size_t i)
{
    const rlc_policy_batch *b = &a->tr.gc;
    rlc_qac_loss_parts parts;
    rlc_node *loss;
    rlc_tape_reset(a->tr.tape);
    if (rlc_qac_loss(a->tr.tape, a->tr.policy, b->n, b->obs, b->actions, b->returns,
                     a->tr.gc_scratch, a->cfg.ent_coef, &parts, &loss))
        return NULL;
    return i == GC_ACTOR ? parts.actor_loss : parts.critic_loss;
}

static double qac_loss_value(void *p, size_t i)
{
    rlc_node *l = gc_record(p, i);
    return l ? rlc_node_scalar(l) : NAN;
}

static rlc_status qac_loss_gradient(void *p, size_t i)
{
    qac *a = p;
    rlc_node *l = gc_record(a, i);
    if (!l)
        return rlc_tape_status(a->tr.tape) ? rlc_tape_status(a->tr.tape) : RLC_EINVAL;
    rlc_vector_zero(a->tr.policy->grads);
    return rlc_tape_backward(a->tr.tape, l);
}

static void qac_settings_default(void *settings)
{
    rlc_qac_config_default(settings);
}

/* Data-parallel: the trainer's ranks (observation statistics merged at
 * each update, rank r's actions from its own stream); each update averages
 * the whole flat gradient, actor and critic, over the ranks. */
static rlc_status qac_set_ranks(void *p, const rlc_agent_ranks *ranks)
{
    return rlc_policy_trainer_set_ranks(p, ranks);
}

const rlc_agent_type rlc_agent_qac = {
    .name = "qac",
    .description = "Q Actor-Critic (Sarsa critic q(s, a), actor weighted by q)",
    .kind = RLC_AGENT_ON_POLICY,
    .box_actions = true,
    .discrete_actions = true,
    .settings_size = sizeof(rlc_qac_config),
    .settings_default = qac_settings_default,
    .settings_rows = qac_rows,
    .n_settings_rows = sizeof qac_rows / sizeof qac_rows[0],
    .stat_names = qac_stats,
    .n_stats = N_STATS,
    .create = qac_create,
    .free = qac_free,
    .predict = rlc_policy_trainer_predict,
    .tensors = rlc_policy_trainer_tensors,
    .state = qac_state,
    .onpolicy_settings = qac_settings,
    .normalize_obs = rlc_policy_trainer_normalize_obs,
    .act = qac_act,
    .bootstrap = qac_bootstrap,
    .update = qac_update,
    .gradcheck_batch = qac_gradcheck_batch,
    .losses = qac_losses,
    .loss_value = qac_loss_value,
    .loss_gradient = qac_loss_gradient,
    .set_ranks = qac_set_ranks,
};
_Static_assert(sizeof(rlc_qac_config) <= RLC_AGENT_SETTINGS_MAX, "raise RLC_AGENT_SETTINGS_MAX");
