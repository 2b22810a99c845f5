/* policy.c — the on-policy actor-critic (contract in include/rlc/policy.h):
 * building the networks in one flat vector, acting, and the forward pass the
 * losses of A2C and PPO are written on. No losses here. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/linalg.h"
#include "rlc/policy.h"
#include "rlc/rng.h"

void rlc_policy_config_default(rlc_policy_config *cfg)
{
    *cfg = (rlc_policy_config){
        .net_arch = {64, 64},
        .n_hidden = 2,
        .activation_fn = RLC_ACT_TANH,
        .ortho_init = true,
        .log_std_init = 0.0,
        .norm_obs = false,
        .clip_obs = 10.0,
        .critic = RLC_CRITIC_STATE_VALUE,
    };
}

const char *const rlc_policy_activation_names[3] = {
    [RLC_ACT_RELU] = "relu", [RLC_ACT_TANH] = "tanh", /* identity is not offered */
};
_Static_assert(sizeof(rlc_activation) == sizeof(int), "an ENUM setting stores an int");

void rlc_policy_free(rlc_policy *p)
{
    if (!p)
        return;
    rlc_mlp_free(p->actor);
    rlc_mlp_free(p->critic);
    if (p->params)
        gsl_vector_free(p->params);
    if (p->grads)
        gsl_vector_free(p->grads);
    rlc_running_norm_free(p->obs_norm);
    free(p);
}

static rlc_mlp_config net_config(const rlc_policy_config *cfg, size_t in, size_t out)
{
    rlc_mlp_config m = {.n_layers = cfg->n_hidden + 1,
                        .hidden_activation = cfg->activation_fn,
                        .output_activation = RLC_ACT_IDENTITY};
    m.sizes[0] = in;
    for (size_t l = 0; l < cfg->n_hidden; l++)
        m.sizes[l + 1] = cfg->net_arch[l];
    m.sizes[cfg->n_hidden + 1] = out;
    return m;
}

rlc_status rlc_policy_create(rlc_policy **out, const rlc_policy_config *cfg,
                             const rlc_env_type *env, gsl_rng *rng)
{
    if (!out || !cfg || !env || !rng || cfg->n_hidden < 1 || cfg->n_hidden > RLC_MAX_HIDDEN ||
        (cfg->critic != RLC_CRITIC_STATE_VALUE && cfg->critic != RLC_CRITIC_ACTION_VALUE))
        return RLC_EINVAL;
    *out = NULL;
    rlc_policy *p = calloc(1, sizeof *p);
    if (!p)
        return RLC_ENOMEM;
    p->config = *cfg;
    p->obs_dim = env->observation_space.dim;
    bool discrete = env->action_space.kind == RLC_SPACE_DISCRETE;
    p->dist = discrete ? RLC_DIST_CATEGORICAL : RLC_DIST_GAUSSIAN;
    p->act_dim = discrete ? 1 : env->action_space.dim;
    p->dist_dim = discrete ? env->action_space.n : env->action_space.dim;
    p->act_low = env->action_space.low;
    p->act_high = env->action_space.high;

    /* the critic: V(s); q(s, ·) one column per action; q([s | a]) */
    bool q = cfg->critic == RLC_CRITIC_ACTION_VALUE;
    rlc_mlp_config ac = net_config(cfg, p->obs_dim, p->dist_dim),
                   cc = net_config(cfg, p->obs_dim + (q && !discrete ? p->act_dim : 0),
                                   q && discrete ? p->dist_dim : 1);
    size_t na = rlc_mlp_param_count(&ac), nc = rlc_mlp_param_count(&cc);
    size_t nl = discrete ? 0 : p->act_dim;
    rlc_status st = RLC_ENOMEM;
    p->params = gsl_vector_calloc(na + nl + nc);
    p->grads = gsl_vector_calloc(na + nl + nc);
    if (!p->params || !p->grads)
        goto fail;
    if ((st = rlc_mlp_create_in(&p->actor, &ac, p->params, p->grads, 0)) ||
        (st = rlc_mlp_create_in(&p->critic, &cc, p->params, p->grads, na + nl)))
        goto fail;
    p->pi = gsl_vector_subvector(p->params, 0, na + nl);
    p->dpi = gsl_vector_subvector(p->grads, 0, na + nl);
    if (!discrete) {
        p->log_std = gsl_matrix_view_array(p->params->data + na, 1, nl);
        p->dlog_std = gsl_matrix_view_array(p->grads->data + na, 1, nl);
        gsl_matrix_set_all(&p->log_std.matrix, cfg->log_std_init);
    }
    if (cfg->ortho_init) {
        if ((st = rlc_mlp_init_orthogonal(p->actor, rng, sqrt(2.0), 0.01)) ||
            (st = rlc_mlp_init_orthogonal(p->critic, rng, sqrt(2.0), 1.0)))
            goto fail;
    } else {
        rlc_mlp_init_default(p->actor, rng);
        rlc_mlp_init_default(p->critic, rng);
    }
    if (cfg->norm_obs) {
        if ((st = rlc_running_norm_create(&p->obs_norm, p->obs_dim, cfg->clip_obs)))
            goto fail;
        p->obs_mean = gsl_vector_view_array(p->obs_norm->mean, p->obs_dim);
        p->obs_var = gsl_vector_view_array(p->obs_norm->var, p->obs_dim);
        p->obs_count = gsl_vector_view_array(&p->obs_norm->count, 1);
    }
    *out = p;
    return RLC_OK;
fail:
    rlc_policy_free(p);
    return st;
}

void rlc_policy_normalize_obs(const rlc_policy *p, const double *obs, double *out, size_t n)
{
    if (p->obs_norm)
        rlc_running_norm_apply(p->obs_norm, obs, out, n);
    else if (out != obs)
        memcpy(out, obs, n * p->obs_dim * sizeof *out);
}

rlc_status rlc_policy_forward(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs, bool train,
                              rlc_node **dist_params, rlc_node **log_std, rlc_node **values)
{
    rlc_policy *pm = (rlc_policy *)p; /* leaves borrow the views; backward writes only grads */
    if (values && p->config.critic != RLC_CRITIC_STATE_VALUE) {
        if (dist_params)
            *dist_params = NULL;
        if (log_std)
            *log_std = NULL;
        *values = NULL;
        return RLC_EINVAL;
    }
    rlc_node *x = rlc_tape_leaf(t, obs, NULL);
    if (dist_params)
        *dist_params = rlc_mlp_forward(p->actor, t, x, train);
    if (log_std)
        *log_std = p->dist == RLC_DIST_GAUSSIAN
                       ? rlc_tape_leaf(t, &pm->log_std.matrix, train ? &pm->dlog_std.matrix : NULL)
                       : NULL;
    if (values)
        *values = rlc_mlp_forward(p->critic, t, x, train);
    rlc_status st = rlc_tape_status(t);
    if (st != RLC_OK) { /* nodes recorded before the error are not outputs either */
        if (dist_params)
            *dist_params = NULL;
        if (log_std)
            *log_std = NULL;
        if (values)
            *values = NULL;
    }
    return st;
}

rlc_status rlc_policy_q(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs,
                        const gsl_matrix *actions, bool train, rlc_node **q)
{
    *q = NULL;
    size_t n = obs->size1, od = p->obs_dim, ad = p->act_dim;
    if (p->config.critic != RLC_CRITIC_ACTION_VALUE || obs->size2 != od || actions->size1 != n ||
        actions->size2 != ad || obs->tda != od || actions->tda != ad)
        return RLC_EINVAL;
    if (p->dist == RLC_DIST_CATEGORICAL) { /* q(s, ·), then the taken action's column */
        rlc_node *x = rlc_tape_leaf(t, obs, NULL);
        *q = rlc_tape_gather(t, rlc_mlp_forward(p->critic, t, x, train), actions->data);
    } else { /* q([s | clip(a)]): the input row gathered onto the tape */
        rlc_node *x = rlc_tape_input(t, n, od + ad);
        if (x) {
            for (size_t i = 0; i < n; i++) {
                double *row = x->value.data + i * (od + ad);
                memcpy(row, obs->data + i * od, od * sizeof *row);
                rlc_policy_clip_action(p, actions->data + i * ad, row + od);
            }
        }
        *q = rlc_mlp_forward(p->critic, t, x, train);
    }
    rlc_status st = rlc_tape_status(t);
    if (st != RLC_OK)
        *q = NULL;
    return st;
}

/* The critic's value at (obs, actions) (n rows) into values: V(s) from
 * the node v already recorded, or q(s, a) recorded now. */
static rlc_status critic_values(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs,
                                const double *actions, rlc_node *v, double *values)
{
    size_t n = obs->size1;
    if (p->config.critic == RLC_CRITIC_ACTION_VALUE) {
        gsl_matrix_const_view av = gsl_matrix_const_view_array(actions, n, p->act_dim);
        rlc_status st = rlc_policy_q(p, t, obs, &av.matrix, false, &v);
        if (st != RLC_OK)
            return st;
    }
    memcpy(values, v->value.data, n * sizeof *values);
    return RLC_OK;
}

/* On a reset tape, without gradients: π's distribution parameters and
 * log-std for obs, and V(s) (*v NULL for a q critic: critic_values records
 * q(s, a) once the actions are known). */
static rlc_status acting_forward(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs,
                                 rlc_node **dp, rlc_node **ls, rlc_node **v)
{
    *v = NULL;
    rlc_tape_reset(t);
    return rlc_policy_forward(p, t, obs, false, dp, ls,
                              p->config.critic == RLC_CRITIC_STATE_VALUE ? v : NULL);
}

rlc_status rlc_policy_act(const rlc_policy *p, rlc_tape *t, const double *obs, size_t n,
                          gsl_rng *rng, double *actions, double *log_probs, double *values)
{
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, p->obs_dim);
    rlc_node *dp, *ls, *v;
    rlc_status st = acting_forward(p, t, &ov.matrix, &dp, &ls, &v);
    if (st != RLC_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        log_probs[i] = rlc_dist_sample(p->dist, p->dist_dim, dp->value.data + i * p->dist_dim,
                                       ls ? ls->value.data : NULL, rng, actions + i * p->act_dim);
    return critic_values(p, t, &ov.matrix, actions, v, values);
}

rlc_status rlc_policy_evaluate_actions(const rlc_policy *p, rlc_tape *t, const double *obs,
                                       const double *actions, size_t n, double *log_probs,
                                       double *values)
{
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, p->obs_dim);
    gsl_matrix_const_view av = gsl_matrix_const_view_array(actions, n, p->act_dim);
    rlc_node *dp, *ls, *v;
    rlc_status st = acting_forward(p, t, &ov.matrix, &dp, &ls, &v);
    if (st != RLC_OK)
        return st;
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, dp, ls, &av.matrix);
    if (!logp)
        return rlc_tape_status(t);
    memcpy(log_probs, logp->value.data, n * sizeof *log_probs);
    return critic_values(p, t, &ov.matrix, actions, v, values);
}

rlc_status rlc_policy_values(const rlc_policy *p, rlc_tape *t, const double *obs, size_t n,
                             double *values)
{
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, p->obs_dim);
    rlc_node *v;
    rlc_tape_reset(t);
    rlc_status st = rlc_policy_forward(p, t, &ov.matrix, false, NULL, NULL, &v);
    if (st != RLC_OK)
        return st;
    memcpy(values, v->value.data, n * sizeof *values);
    return RLC_OK;
}

rlc_status rlc_policy_predict(const rlc_policy *p, rlc_tape *t, size_t n, const double *obs,
                              double *actions)
{
    rlc_tape_reset(t);
    rlc_node *x = rlc_tape_input(t, n, p->obs_dim), *dp;
    if (!x)
        return rlc_tape_status(t);
    rlc_policy_normalize_obs(p, obs, x->value.data, n);
    rlc_status st = rlc_policy_forward(p, t, &x->value, false, &dp, NULL, NULL);
    if (st != RLC_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        double *a = actions + i * p->act_dim;
        rlc_dist_mode(p->dist, p->dist_dim, dp->value.data + i * p->dist_dim, a);
        rlc_policy_clip_action(p, a, a);
    }
    return RLC_OK;
}

size_t rlc_policy_tensors(rlc_policy *p, rlc_agent_tensor *out)
{
    out[0] = (rlc_agent_tensor){"policy", p->params};
    if (!p->obs_norm)
        return 1;
    out[1] = (rlc_agent_tensor){"obs_mean", &p->obs_mean.vector};
    out[2] = (rlc_agent_tensor){"obs_var", &p->obs_var.vector};
    out[3] = (rlc_agent_tensor){"obs_count", &p->obs_count.vector};
    return 4;
}

void rlc_policy_clip_action(const rlc_policy *p, const double *action, double *clipped)
{
    for (size_t j = 0; j < p->act_dim; j++) {
        double a = action[j];
        clipped[j] = p->dist == RLC_DIST_GAUSSIAN ? fmin(fmax(a, p->act_low[j]), p->act_high[j]) : a;
    }
}

rlc_node *rlc_policy_loss_total(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                                rlc_node *policy_loss, rlc_node *dist_params, rlc_node *log_std,
                                rlc_node *values, double clip_range_vf, double ent_coef,
                                double vf_coef, rlc_policy_loss_parts *parts)
{
    gsl_matrix_const_view ret = gsl_matrix_const_view_array(b->returns, b->n, 1);
    rlc_node *vpred = values;
    if (clip_range_vf > 0) {
        gsl_matrix_const_view oldv = gsl_matrix_const_view_array(b->old_values, b->n, 1);
        rlc_node *old = rlc_tape_leaf(t, &oldv.matrix, NULL);
        vpred = rlc_tape_add(t, old, rlc_tape_clip(t, rlc_tape_sub(t, values, old), -clip_range_vf,
                                                   clip_range_vf));
    }
    rlc_node *value_loss =
        rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, rlc_tape_leaf(t, &ret.matrix, NULL), vpred)));
    rlc_node *entropy, *loss;
    if (ent_coef != 0.0) {
        entropy = rlc_dist_entropy(t, p->dist, dist_params, log_std);
        loss = rlc_tape_add(t, policy_loss, rlc_tape_add(t, rlc_tape_scale(t, entropy, -ent_coef),
                                                         rlc_tape_scale(t, value_loss, vf_coef)));
    } else {
        /* −0·H adds nothing (H finite) and its backward only ±0: H is
         * recorded after the loss, where a backward pass from the loss never
         * goes (8% of a PPO CartPole minibatch), for the statistics and a
         * gradient check of H alone */
        loss = rlc_tape_add(t, policy_loss, rlc_tape_scale(t, value_loss, vf_coef));
        entropy = rlc_dist_entropy(t, p->dist, dist_params, log_std);
    }
    if (parts) {
        parts->policy_loss = policy_loss;
        parts->value_loss = value_loss;
        parts->entropy = entropy;
    }
    return loss;
}

rlc_status rlc_policy_fisher_create(rlc_policy_fisher **out, const rlc_policy *p, size_t n,
                                    double damping)
{
    if (!out || !p || !n)
        return RLC_EINVAL;
    *out = NULL;
    rlc_policy_fisher *f = calloc(1, sizeof *f);
    if (!f)
        return RLC_ENOMEM;
    f->policy = p;
    f->n = n;
    f->damping = damping;
    f->old_dist = malloc(n * p->dist_dim * sizeof(double));
    f->old_log_std = calloc(p->act_dim, sizeof(double));
    f->metric = malloc(n * p->dist_dim * sizeof(double));
    f->u = malloc(n * p->dist_dim * sizeof(double));
    f->direction = gsl_vector_calloc(p->params->size);
    if (!f->old_dist || !f->old_log_std || !f->metric || !f->u || !f->direction) {
        rlc_policy_fisher_free(f);
        return RLC_ENOMEM;
    }
    *out = f;
    return RLC_OK;
}

void rlc_policy_fisher_free(rlc_policy_fisher *f)
{
    if (!f)
        return;
    free(f->old_dist);
    free(f->old_log_std);
    free(f->metric);
    free(f->u);
    if (f->direction)
        gsl_vector_free(f->direction);
    free(f);
}

rlc_status rlc_policy_fisher_set(rlc_policy_fisher *f, rlc_tape *t, rlc_node *dist,
                                 const rlc_node *log_std)
{
    const rlc_policy *p = f ? f->policy : NULL;
    if (!p || !t || !dist || dist->value.size1 > f->n || dist->value.size2 != p->dist_dim ||
        (p->dist == RLC_DIST_GAUSSIAN && !log_std))
        return RLC_EINVAL;
    f->tape = t;
    f->dist = dist;
    size_t rows = dist->value.size1, k = p->dist_dim;
    for (size_t i = 0; i < rows; i++) /* the node may be a view with tda != k */
        memcpy(f->old_dist + i * k, dist->value.data + i * dist->value.tda, k * sizeof(double));
    if (log_std)
        memcpy(f->old_log_std, log_std->value.data, p->act_dim * sizeof(double));
    if (p->dist == RLC_DIST_CATEGORICAL) { /* softmax of each row's logits */
        for (size_t i = 0; i < rows; i++) {
            const double *z = f->old_dist + i * k;
            double *pi = f->metric + i * k, mx = z[0], sum = 0.0;
            for (size_t j = 1; j < k; j++)
                mx = z[j] > mx ? z[j] : mx;
            for (size_t j = 0; j < k; j++)
                sum += exp(z[j] - mx);
            for (size_t j = 0; j < k; j++)
                pi[j] = exp(z[j] - mx) / sum;
        }
    } else {
        for (size_t j = 0; j < p->act_dim; j++)
            f->metric[j] = exp(-2.0 * f->old_log_std[j]);
    }
    return RLC_OK;
}

rlc_status rlc_policy_fisher_product(void *ctx, const gsl_vector *v, gsl_vector *Fv)
{
    rlc_policy_fisher *f = ctx;
    const rlc_policy *p = f->policy;
    size_t n = f->dist->value.size1, k = p->dist_dim, na = p->actor->n_params;
    size_t n_pi = p->pi.vector.size;
    gsl_vector_view head = gsl_vector_subvector(f->direction, 0, n_pi);
    gsl_vector_memcpy(&head.vector, v);
    rlc_status st = rlc_tape_tangents(f->tape, p->grads, f->direction);
    if (st != RLC_OK)
        return st;
    const gsl_matrix *jv = &f->dist->tangent; /* n × k: J·v */
    for (size_t i = 0; i < n; i++) {
        const double *jvi = jv->data + i * jv->tda;
        double *ui = f->u + i * k;
        if (p->dist == RLC_DIST_CATEGORICAL) { /* (diag(p) − ppᵀ)·Jv */
            const double *pi = f->metric + i * k;
            double pjv = 0.0;
            for (size_t j = 0; j < k; j++)
                pjv += pi[j] * jvi[j];
            for (size_t j = 0; j < k; j++)
                ui[j] = pi[j] * (jvi[j] - pjv) / (double)n;
        } else { /* diag(1/σ²)·Jv */
            for (size_t j = 0; j < k; j++)
                ui[j] = jvi[j] * f->metric[j] / (double)n;
        }
    }
    gsl_vector_view dpi = gsl_vector_subvector(p->grads, 0, n_pi);
    rlc_vector_zero(&dpi.vector);
    gsl_matrix_view seed = gsl_matrix_view_array(f->u, n, k);
    if ((st = rlc_tape_backward_seeded(f->tape, f->dist, &seed.matrix)))
        return st;
    gsl_vector_memcpy(Fv, &dpi.vector);
    for (size_t j = na; j < n_pi; j++) /* log σ: the mean over rows of 2·v */
        gsl_vector_set(Fv, j, 2.0 * gsl_vector_get(v, j));
    rlc_axpy(f->damping, v, Fv);
    return RLC_OK;
}

static int rank(rlc_agent_origin_fn fn, const void *ctx, const char *key)
{
    return fn ? fn(ctx, key) : 0;
}

rlc_status rlc_policy_check_rollout(size_t n_steps, size_t n_envs, size_t batch_size,
                                    rlc_agent_origin_fn fn, const void *ctx,
                                    rlc_agent_settings_error *err)
{
    int r_steps = rank(fn, ctx, "n_steps"), r_envs = rank(fn, ctx, "n_envs");
    bool by_envs = r_envs > r_steps;
    const char *key = by_envs ? "n_envs" : "n_steps";
    /* a rollout too large for size_t holds any batch */
    bool huge = n_envs && n_steps > SIZE_MAX / n_envs;
    size_t rollout = huge ? SIZE_MAX : n_steps * n_envs;
    if (rollout <= 1) {
        err->key = key;
        snprintf(err->reason, sizeof err->reason,
                 "n_steps \xc3\x97 n_envs must be greater than 1, got %zu \xc3\x97 %zu",
                 n_steps, n_envs);
        return RLC_EINVAL;
    }
    if (!huge && batch_size > rollout) {
        if (rank(fn, ctx, "batch_size") < (r_steps > r_envs ? r_steps : r_envs)) {
            err->key = key;
            snprintf(err->reason, sizeof err->reason,
                     "the rollout n_steps \xc3\x97 n_envs = %zu is smaller than batch_size %zu",
                     rollout, batch_size);
        } else {
            err->key = "batch_size";
            snprintf(err->reason, sizeof err->reason,
                     "%zu is larger than the rollout (n_steps \xc3\x97 n_envs = %zu)",
                     batch_size, rollout);
        }
        return RLC_EINVAL;
    }
    return RLC_OK;
}

rlc_status rlc_policy_trainer_init(rlc_policy_trainer *tr, const rlc_policy_config *cfg,
                                   const rlc_env_type *env, uint64_t seed,
                                   const rlc_optim_type *type, double learning_rate, double eps)
{
    *tr = (rlc_policy_trainer){0};
    rlc_status st = RLC_ENOMEM;
    gsl_rng *init_rng = rlc_rng_create(seed, RLC_RNG_INIT);
    tr->action_rng = rlc_rng_create(seed, RLC_RNG_EXPLORE);
    if (!init_rng || !tr->action_rng)
        goto done;
    if ((st = rlc_policy_create(&tr->policy, cfg, env, init_rng)))
        goto done;
    rlc_optim_config oc;
    rlc_optim_config_default(&oc);
    oc.learning_rate = learning_rate;
    oc.eps = eps;
    if ((type && (st = rlc_optim_create(&tr->optim, type, tr->policy->params->size, &oc))) ||
        (st = rlc_tape_create(&tr->tape, 1 << 16)))
        goto done;
done:
    if (init_rng)
        gsl_rng_free(init_rng);
    if (st != RLC_OK)
        rlc_policy_trainer_release(tr);
    return st;
}

void rlc_policy_trainer_release(rlc_policy_trainer *tr)
{
    rlc_policy_free(tr->policy);
    rlc_optim_free(tr->optim);
    rlc_tape_free(tr->tape);
    if (tr->action_rng)
        gsl_rng_free(tr->action_rng);
    free(tr->gc_data);
    free(tr->obs_sync);
    *tr = (rlc_policy_trainer){0};
}

rlc_status rlc_policy_trainer_set_ranks(rlc_policy_trainer *tr, const rlc_agent_ranks *ranks)
{
    if (!ranks || !ranks->size || ranks->rank >= ranks->size || !ranks->sum)
        return RLC_EINVAL;
    if (ranks->rank > 0) {
        gsl_rng *r = rlc_rng_create(ranks->seed, RLC_RNG_EXPLORE);
        if (!r)
            return RLC_ENOMEM;
        gsl_rng_memcpy(tr->action_rng, r);
        gsl_rng_free(r);
    }
    rlc_running_norm *on = tr->policy->obs_norm;
    if (ranks->size > 1 && on && !tr->obs_sync) {
        size_t d = on->dim;
        if (!(tr->obs_sync = calloc(4 * d + 2, sizeof *tr->obs_sync)))
            return RLC_ENOMEM;
        memcpy(tr->obs_sync, on->mean, d * sizeof(double)); /* equal on every rank: fresh */
        memcpy(tr->obs_sync + d, on->var, d * sizeof(double));
        tr->obs_sync[2 * d] = on->count;
    }
    tr->ranks = *ranks;
    return RLC_OK;
}

rlc_status rlc_policy_trainer_sync_obs(rlc_policy_trainer *tr)
{
    rlc_running_norm *on = tr->policy->obs_norm;
    if (!tr->obs_sync || !on)
        return RLC_OK;
    size_t d = on->dim;
    double *mean0 = tr->obs_sync, *var0 = mean0 + d, *count0 = var0 + d, *acc = count0 + 1;
    rlc_status st = tr->ranks.sum(tr->ranks.ctx, acc, 1 + 2 * d);
    if (st != RLC_OK)
        return st;
    double rows = acc[0];
    /* the statistics of the last sync, then every rank's rows as one batch;
     * the batch mean and variance from sums shifted by the old mean */
    memcpy(on->mean, mean0, d * sizeof(double));
    memcpy(on->var, var0, d * sizeof(double));
    on->count = *count0;
    if (rows > 0) {
        for (size_t j = 0; j < d; j++) {
            double m = acc[1 + j] / rows, v = acc[1 + d + j] / rows - m * m;
            acc[1 + j] = mean0[j] + m;        /* batch mean */
            acc[1 + d + j] = v > 0 ? v : 0.0; /* batch variance */
        }
        rlc_running_norm_merge(on, acc + 1, acc + 1 + d, rows);
    }
    memcpy(mean0, on->mean, d * sizeof(double));
    memcpy(var0, on->var, d * sizeof(double));
    *count0 = on->count;
    for (size_t i = 0; i < 1 + 2 * d; i++)
        acc[i] = 0.0;
    return RLC_OK;
}

rlc_status rlc_policy_trainer_mean(rlc_policy_trainer *tr, double *x, size_t n)
{
    if (tr->ranks.size <= 1)
        return RLC_OK;
    rlc_status st = tr->ranks.sum(tr->ranks.ctx, x, n);
    for (size_t i = 0; st == RLC_OK && i < n; i++)
        x[i] /= (double)tr->ranks.size;
    return st;
}

rlc_status rlc_policy_trainer_step(rlc_policy_trainer *tr, rlc_node *loss, double max_grad_norm)
{
    if (!loss)
        return rlc_tape_status(tr->tape);
    tr->nonfinite = "loss";
    bool finite = isfinite(rlc_node_scalar(loss));
    bool together = tr->ranks.size > 1;
    if (!finite && !together)
        return RLC_ENONFINITE;
    gsl_vector *g = tr->policy->grads;
    rlc_status st = RLC_OK;
    if (finite) {
        rlc_vector_zero(g);
        st = rlc_tape_backward(tr->tape, loss);
        if (st != RLC_OK)
            return st; /* (a tape error: out of memory, which create rules out) */
    } else {
        gsl_vector_set_all(g, NAN); /* the other ranks see it and stop too */
    }
    if (together && (st = rlc_policy_trainer_mean(tr, g->data, g->size)) != RLC_OK)
        return st;
    if (!finite)
        return RLC_ENONFINITE;
    tr->nonfinite = "gradient";
    if (!isfinite(rlc_optim_clip_grad_norm(tr->policy->grads, max_grad_norm)))
        return RLC_ENONFINITE;
    rlc_optim_step(tr->optim, tr->policy->params, tr->policy->grads);
    tr->nonfinite = "parameters";
    return rlc_optim_all_finite(tr->policy->params) ? RLC_OK : RLC_ENONFINITE;
}

rlc_status rlc_policy_trainer_predict(void *agent, size_t n, const double *obs, double *action)
{
    rlc_policy_trainer *tr = agent;
    return rlc_policy_predict(tr->policy, tr->tape, n, obs, action);
}

void rlc_policy_trainer_normalize_obs(void *agent, size_t n, const double *obs, double *out,
                                      bool update)
{
    rlc_policy_trainer *tr = agent;
    rlc_policy *p = tr->policy;
    if (update && p->obs_norm) {
        rlc_running_norm_update(p->obs_norm, obs, n);
        if (tr->obs_sync) { /* data-parallel: this rank's part for the next sync */
            size_t d = p->obs_norm->dim;
            const double *mean0 = tr->obs_sync;
            double *acc = tr->obs_sync + 2 * d + 1;
            acc[0] += (double)n;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < d; j++) {
                    double x = obs[i * d + j] - mean0[j];
                    acc[1 + j] += x;
                    acc[1 + d + j] += x * x;
                }
        }
    }
    rlc_policy_normalize_obs(p, obs, out, n);
}

rlc_status rlc_policy_trainer_act(void *agent, size_t n, const double *obs, double *actions,
                                  double *env_actions, double *log_probs, double *values)
{
    rlc_policy_trainer *tr = agent;
    rlc_policy *p = tr->policy;
    rlc_status st = rlc_policy_act(p, tr->tape, obs, n, tr->action_rng, actions, log_probs, values);
    for (size_t i = 0; st == RLC_OK && i < n; i++)
        rlc_policy_clip_action(p, actions + i * p->act_dim, env_actions + i * p->act_dim);
    return st;
}

rlc_status rlc_policy_trainer_bootstrap(void *agent, size_t n, const double *obs, double *values,
                                        bool next)
{
    (void)next; /* V(s) draws nothing */
    rlc_policy_trainer *tr = agent;
    return rlc_policy_values(tr->policy, tr->tape, obs, n, values);
}

size_t rlc_policy_trainer_tensors(void *agent, rlc_agent_tensor *out)
{
    return rlc_policy_tensors(((rlc_policy_trainer *)agent)->policy, out);
}

rlc_status rlc_policy_trainer_state(rlc_policy_trainer *tr, const rlc_state_visitor *v)
{
    rlc_policy *p = tr->policy;
    rlc_status st;
    if ((st = rlc_state_vector(v, "policy", p->params)) ||
        (p->obs_norm && (st = rlc_running_norm_state(p->obs_norm, v, "obs_norm"))) ||
        (st = rlc_state_rng(v, "action_rng", tr->action_rng)) ||
        (tr->optim && (st = rlc_optim_state(tr->optim, v, "optim"))))
        return st;
    if (!tr->obs_sync) /* data-parallel with observation statistics only */
        return RLC_OK;
    return rlc_state_bytes(v, "obs_sync", tr->obs_sync,
                           (4 * p->obs_norm->dim + 2) * sizeof *tr->obs_sync);
}

rlc_status rlc_policy_trainer_gradcheck_batch(rlc_policy_trainer *tr, const rlc_rollout *ro,
                                              const size_t *idx, size_t n,
                                              bool normalize_advantage)
{
    if (!tr || !ro || !idx || n == 0)
        return RLC_EINVAL;
    size_t od = tr->policy->obs_dim, ad = tr->policy->act_dim;
    double *d = realloc(tr->gc_data, (n * (od + ad) + 5 * n) * sizeof *d);
    if (!d)
        return RLC_ENOMEM;
    tr->gc_data = d;
    double *obs = d, *act = obs + n * od, *lp = act + n * ad, *adv = lp + n, *ret = adv + n,
           *val = ret + n;
    tr->gc_scratch = val + n;
    rlc_rollout_gather(ro, idx, n, obs, act, lp, adv, ret, val);
    if (normalize_advantage)
        rlc_normalize_advantages(adv, n);
    tr->gc = (rlc_policy_batch){n, obs, act, lp, adv, ret, val};
    return RLC_OK;
}

size_t rlc_policy_blocks(const rlc_policy *p, int which, rlc_agent_block *out)
{
    size_t k = 0;
    if (which & RLC_POLICY_ACTOR)
        k += rlc_agent_mlp_blocks(p->actor, "actor", p->params, out + k);
    if ((which & RLC_POLICY_LOG_STD) && p->dist == RLC_DIST_GAUSSIAN) {
        snprintf(out[k].name, sizeof out[k].name, "log_std");
        out[k].offset = (size_t)(p->log_std.matrix.data - p->params->data);
        out[k++].size = p->act_dim;
    }
    if (which & RLC_POLICY_CRITIC)
        k += rlc_agent_mlp_blocks(p->critic, "critic", p->params, out + k);
    return k;
}
