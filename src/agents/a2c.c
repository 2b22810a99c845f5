/* a2c.c — A2C (Mnih et al. 2016, synchronous) behind rlc_agent_type
 * (contracts in include/rlc/a2c.h and include/rlc/agent.h): one gradient
 * step per rollout collected by rlc_runner_onpolicy, RMSprop or Adam. No
 * shared trunk between actor and critic, no state-dependent exploration. */
#include <math.h>
#include <stdlib.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
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

typedef struct a2c {
    rlc_a2c_config cfg;
    rlc_policy *policy;
    rlc_optim *optim;
    rlc_tape *tape;
    gsl_rng *action_rng;
    size_t rows;        /* n_steps × n_envs */
    size_t *order;      /* 0 .. rows − 1: the whole rollout is one batch */
    double *obs, *actions, *advantages, *returns; /* the rollout, gathered */
    size_t n_updates;
} a2c;

static void a2c_free(void *p)
{
    a2c *a = p;
    if (!a)
        return;
    rlc_policy_free(a->policy);
    rlc_optim_free(a->optim);
    rlc_tape_free(a->tape);
    if (a->action_rng)
        gsl_rng_free(a->action_rng);
    free(a->order);
    free(a->obs);
    free(a->actions);
    free(a->advantages);
    free(a->returns);
    free(a);
}

static rlc_status a2c_create(void **out, const void *settings, const rlc_env_type *env,
                             uint64_t seed)
{
    const rlc_a2c_config *cfg = settings;
    *out = NULL;
    if (!cfg || cfg->n_envs < 1 || cfg->n_steps < 1)
        return RLC_EINVAL;
    a2c *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->rows = cfg->n_steps * cfg->n_envs;
    rlc_status st = RLC_ENOMEM;
    gsl_rng *init_rng = rlc_rng_create(seed, RLC_RNG_INIT);
    a->action_rng = rlc_rng_create(seed, RLC_RNG_EXPLORE);
    if (!init_rng || !a->action_rng)
        goto fail;
    if ((st = rlc_policy_create(&a->policy, &cfg->policy, env, init_rng)))
        goto fail;
    st = RLC_ENOMEM;
    a->order = malloc(a->rows * sizeof *a->order);
    a->obs = malloc(a->rows * a->policy->obs_dim * sizeof(double));
    a->actions = malloc(a->rows * a->policy->act_dim * sizeof(double));
    a->advantages = malloc(a->rows * sizeof(double));
    a->returns = malloc(a->rows * sizeof(double));
    if (!a->order || !a->obs || !a->actions || !a->advantages || !a->returns)
        goto fail;
    for (size_t i = 0; i < a->rows; i++)
        a->order[i] = i;
    rlc_optim_config oc;
    rlc_optim_config_default(&oc);
    oc.learning_rate = cfg->learning_rate;
    oc.eps = cfg->use_rms_prop ? cfg->rms_prop_eps : 1e-5; /* SB3: RMSprop(α 0.99, ε) or Adam(ε 1e-5) */
    if ((st = rlc_optim_create(&a->optim, cfg->use_rms_prop ? rlc_optim_rmsprop : rlc_optim_adam,
                               a->policy->params->size, &oc)) ||
        (st = rlc_tape_create(&a->tape, 1 << 16)))
        goto fail;
    gsl_rng_free(init_rng);
    *out = a;
    return RLC_OK;
fail:
    if (init_rng)
        gsl_rng_free(init_rng);
    a2c_free(a);
    return st;
}

static void a2c_predict(void *p, const double *obs, double *action)
{
    a2c *a = p;
    rlc_policy_predict(a->policy, a->tape, obs, action);
}

static rlc_onpolicy_settings a2c_settings(void *p)
{
    a2c *a = p;
    return (rlc_onpolicy_settings){a->cfg.n_envs, a->cfg.n_steps, a->cfg.gamma, a->cfg.gae_lambda,
                                   a->cfg.norm_reward};
}

static rlc_policy *a2c_policy(void *p) { return ((a2c *)p)->policy; }
static gsl_rng *a2c_action_rng(void *p) { return ((a2c *)p)->action_rng; }

/* One step on −mean(A·log π(a|s)) + vf_coef·mean (R − V)² − ent_coef·H. */
static rlc_status a2c_update(void *p, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    a2c *a = p;
    rlc_policy *pol = a->policy;
    rlc_tape *t = a->tape;
    size_t m = rlc_rollout_rows(ro);
    rlc_rollout_gather(ro, a->order, m, a->obs, a->actions, NULL, a->advantages, a->returns, NULL);
    if (a->cfg.normalize_advantage)
        rlc_normalize_advantages(a->advantages, m);
    a->optim->config.learning_rate =
        a->cfg.lr_schedule == RLC_SCHEDULE_LINEAR ? a->cfg.learning_rate * progress : a->cfg.learning_rate;

    gsl_matrix_view obs = gsl_matrix_view_array(a->obs, m, pol->obs_dim);
    gsl_matrix_view act = gsl_matrix_view_array(a->actions, m, pol->act_dim);
    gsl_matrix_view adv = gsl_matrix_view_array(a->advantages, m, 1);
    gsl_matrix_view ret = gsl_matrix_view_array(a->returns, m, 1);
    rlc_tape_reset(t);
    rlc_node *dp, *ls, *v;
    rlc_policy_forward(pol, t, &obs.matrix, true, &dp, &ls, &v);
    rlc_node *logp = rlc_dist_log_prob(t, pol->dist, dp, ls, &act.matrix);
    rlc_node *policy_loss = rlc_tape_scale(
        t, rlc_tape_mean(t, rlc_tape_mul(t, logp, rlc_tape_leaf(t, &adv.matrix, NULL))), -1.0);
    rlc_node *value_loss =
        rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, rlc_tape_leaf(t, &ret.matrix, NULL), v)));
    rlc_node *entropy = rlc_dist_entropy(t, pol->dist, dp, ls);
    rlc_node *loss = rlc_tape_add(t, policy_loss,
                                  rlc_tape_add(t, rlc_tape_scale(t, entropy, -a->cfg.ent_coef),
                                               rlc_tape_scale(t, value_loss, a->cfg.vf_coef)));
    gsl_vector_set_zero(pol->grads);
    rlc_status st = rlc_tape_backward(t, loss);
    if (st != RLC_OK)
        return st;
    if (!isfinite(rlc_node_scalar(loss)))
        return RLC_ENONFINITE;
    rlc_optim_clip_grad_norm(pol->grads, a->cfg.max_grad_norm);
    rlc_optim_step(a->optim, pol->params, pol->grads);
    a->n_updates++;
    stats->policy_loss = rlc_node_scalar(policy_loss);
    stats->value_loss = rlc_node_scalar(value_loss);
    stats->entropy = rlc_node_scalar(entropy);
    stats->explained_variance = rlc_rollout_explained_variance(ro);
    stats->learning_rate = a->optim->config.learning_rate;
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static size_t a2c_tensors(void *p, rlc_agent_tensor *out)
{
    a2c *a = p;
    out[0] = (rlc_agent_tensor){"policy", a->policy->params};
    return 1;
}

const rlc_agent_type rlc_agent_a2c = {
    .name = "a2c",
    .kind = RLC_AGENT_ON_POLICY,
    .create = a2c_create,
    .free = a2c_free,
    .predict = a2c_predict,
    .onpolicy_settings = a2c_settings,
    .policy = a2c_policy,
    .action_rng = a2c_action_rng,
    .update = a2c_update,
    .tensors = a2c_tensors,
};
