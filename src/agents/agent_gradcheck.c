/* agent_gradcheck.c — gradient checks of an agent's losses through the
 * agent seam (contract in include/rlc/agent.h): fill the agent's batch from
 * a short run, then check each loss block by block. Names no algorithm;
 * prints nothing (the CLI's `rlc gradcheck` does). */
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
#include "rlc/normalize.h"
#include "rlc/rng.h"
#include "rlc/vec_env.h"

size_t rlc_agent_mlp_blocks(const rlc_mlp *m, const char *prefix, const gsl_vector *params,
                            rlc_agent_block *out)
{
    size_t k = 0;
    for (size_t l = 0; l < m->config.n_layers; l++) {
        const gsl_matrix *W = &m->W[l].matrix, *b = &m->b[l].matrix;
        snprintf(out[k].name, sizeof out[k].name, "%s.layer%zu.weight", prefix, l);
        out[k].offset = (size_t)(W->data - params->data);
        out[k++].size = W->size1 * W->size2;
        snprintf(out[k].name, sizeof out[k].name, "%s.layer%zu.bias", prefix, l);
        out[k].offset = (size_t)(b->data - params->data);
        out[k++].size = b->size2;
    }
    return k;
}

/* One rollout as rlc_runner_onpolicy collects it (rewards normalised when
 * the agent's settings say so; no callbacks), then one update on it. */
static rlc_status collect_and_update(const rlc_agent_type *type, void *agent, rlc_vec_env *v,
                                     rlc_rollout *ro)
{
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    size_t n = v->n_envs, od = v->obs_dim, ad = v->act_dim;
    double *buf = malloc((4 * n * od + 2 * n * ad + 4 * n) * sizeof *buf);
    bool *dones = malloc(n * sizeof *dones);
    rlc_return_norm *rn = NULL;
    rlc_status st = RLC_ENOMEM;
    if (!buf || !dones ||
        (set.norm_reward && (st = rlc_return_norm_create(&rn, n, set.gamma, 10.0)))) {
        free(buf);
        free(dones);
        return st;
    }
    double *obs = buf, *next = obs + n * od, *fin = next + n * od, *act = fin + n * od,
           *env_act = act + n * ad, *lp = env_act + n * ad, *val = lp + n, *tv = val + n,
           *rew = tv + n;
    st = RLC_OK;
    rlc_rollout_reset(ro);
    rlc_vec_env_reset(v);
    type->normalize_obs(agent, n, v->obs, obs, true);
    for (size_t s = 0; s < set.n_steps && st == RLC_OK; s++) {
        if ((st = type->act(agent, n, obs, act, env_act, lp, val)))
            break;
        rlc_vec_env_step(v, env_act);
        bool any_trunc = false;
        for (size_t e = 0; e < n; e++) {
            any_trunc |= v->truncated[e] && !v->terminated[e];
            dones[e] = v->terminated[e] || v->truncated[e];
        }
        if (rn)
            rlc_return_norm_step(rn, v->rewards, dones, rew);
        else
            memcpy(rew, v->rewards, n * sizeof *rew);
        type->normalize_obs(agent, n, v->obs, next, true);
        if (any_trunc) {
            type->normalize_obs(agent, n, v->final_obs, fin, false);
            if ((st = type->bootstrap(agent, n, fin, tv, false)))
                break;
        }
        st = rlc_rollout_add(ro, obs, act, lp, val, rew, v->terminated, v->truncated,
                             any_trunc ? fin : NULL, any_trunc ? tv : NULL);
        memcpy(obs, next, n * od * sizeof *obs);
    }
    if (st == RLC_OK && (st = type->bootstrap(agent, n, obs, val, true)) == RLC_OK) {
        rlc_rollout_compute_gae(ro, val, set.gamma, set.gae_lambda);
        rlc_train_stats stats;
        rlc_train_stats_init(&stats);
        st = type->update(agent, ro, 1.0, &stats);
    }
    free(buf);
    free(dones);
    rlc_return_norm_free(rn);
    return st;
}

static rlc_status prepare_onpolicy(const rlc_agent_type *type, void *agent,
                                   const rlc_env_type *env, uint64_t seed, size_t rows)
{
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    rlc_vec_env *v = NULL;
    rlc_rollout *ro = NULL;
    gsl_rng *rng = NULL;
    size_t *all = NULL, *idx = NULL;
    rlc_status st;
    if ((st = rlc_vec_env_create(&v, env, set.n_envs, seed, RLC_RNG_ENV)) ||
        (st = rlc_rollout_create(&ro, set.n_steps, set.n_envs, v->obs_dim, v->act_dim)) ||
        (st = collect_and_update(type, agent, v, ro)))
        goto done;
    size_t total = rlc_rollout_rows(ro), n = rows < total ? rows : total;
    st = RLC_ENOMEM;
    all = malloc(total * sizeof *all);
    idx = malloc(n * sizeof *idx);
    rng = rlc_rng_create(seed, RLC_RNG_SAMPLE);
    if (!all || !idx || !rng)
        goto done;
    for (size_t i = 0; i < total; i++)
        all[i] = i;
    gsl_ran_choose(rng, idx, n, all, total, sizeof *all); /* in rollout order */
    st = type->gradcheck_batch(agent, ro, idx, n);
done:
    rlc_vec_env_free(v);
    rlc_rollout_free(ro);
    if (rng)
        gsl_rng_free(rng);
    free(all);
    free(idx);
    return st;
}

static rlc_status prepare_offpolicy(const rlc_agent_type *type, void *agent,
                                    const rlc_env_type *env, uint64_t seed, size_t rows)
{
    size_t od = env->observation_space.dim, ad = env->action_space.dim;
    gsl_rng *env_rng = rlc_rng_create(seed, RLC_RNG_ENV);
    rlc_env *e = NULL;
    double *buf = malloc((2 * od + ad) * sizeof *buf);
    rlc_status st = RLC_ENOMEM;
    if (!env_rng || !buf || (st = rlc_env_create(&e, env, env_rng)))
        goto done;
    double *obs = buf, *next = obs + od, *action = next + od, reward;
    bool term, trunc;
    rlc_train_stats stats;
    rlc_train_stats_init(&stats);
    rlc_env_reset(e, obs);
    type->episode_start(agent);
    for (size_t t = 0; t < rows && st == RLC_OK; t++) {
        if ((st = type->explore(agent, obs, t, action)))
            break;
        rlc_env_step(e, action, next, &reward, &term, &trunc);
        if ((st = type->store(agent, obs, action, reward, next, term, trunc)) ||
            (st = type->after_step(agent, t + 1, &stats)))
            break;
        if (term || trunc) {
            rlc_env_reset(e, obs);
            type->episode_start(agent);
        } else {
            memcpy(obs, next, od * sizeof *obs);
        }
    }
    if (st == RLC_OK)
        st = type->gradcheck_batch(agent, NULL, NULL, rows);
done:
    rlc_env_free(e);
    if (env_rng)
        gsl_rng_free(env_rng);
    free(buf);
    return st;
}

rlc_status rlc_agent_gradcheck_prepare(const rlc_agent_type *type, void *agent,
                                       const rlc_env_type *env, uint64_t seed, size_t rows)
{
    if (!type || !agent || !env || rows == 0 || !type->gradcheck_batch || !type->losses ||
        !type->loss_value || !type->loss_gradient || !rlc_agent_supports(type, env))
        return RLC_EINVAL;
    return type->kind == RLC_AGENT_ON_POLICY ? prepare_onpolicy(type, agent, env, seed, rows)
                                             : prepare_offpolicy(type, agent, env, seed, rows);
}

typedef struct loss_ctx {
    const rlc_agent_type *type;
    void *agent;
    size_t i;
} loss_ctx;

static double loss_at(void *p)
{
    loss_ctx *c = p;
    return c->type->loss_value(c->agent, c->i);
}

rlc_status rlc_agent_gradcheck_loss(const rlc_agent_type *type, void *agent, size_t i,
                                    const rlc_gradcheck_options *opt,
                                    rlc_gradcheck_report *reports)
{
    if (!type || !agent || !reports || !type->losses)
        return RLC_EINVAL;
    rlc_agent_loss losses[RLC_AGENT_MAX_LOSSES];
    size_t n_losses = type->losses(agent, losses);
    if (i >= n_losses)
        return RLC_EINVAL;
    rlc_agent_loss *L = &losses[i];
    rlc_gradcheck_options o;
    if (opt)
        o = *opt;
    else
        rlc_gradcheck_options_default(&o);
    size_t n = L->params->size;
    double *analytic = malloc(n * sizeof *analytic);
    if (!analytic)
        return RLC_ENOMEM;
    rlc_status st = type->loss_gradient(agent, i);
    if (st == RLC_OK) /* the values below may use the gradient buffer: keep a copy */
        for (size_t k = 0; k < n; k++)
            analytic[k] = gsl_vector_get(L->grads, k);
    loss_ctx c = {type, agent, i};
    for (size_t b = 0; st == RLC_OK && b < L->n_blocks; b++) {
        const rlc_agent_block *B = &L->blocks[b];
        if (B->offset + B->size > n || L->params->stride != 1) {
            st = RLC_EINVAL;
            break;
        }
        o.seed = rlc_rng_derive_seed(opt ? opt->seed : 0, 1000 * (uint64_t)i + b);
        st = rlc_gradcheck_block(loss_at, &c, L->params->data + B->offset, B->size,
                                 analytic + B->offset, &o, &reports[b]);
    }
    free(analytic);
    return st;
}
