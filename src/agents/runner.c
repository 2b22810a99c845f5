/* runner.c — the off- and on-policy training loops and deterministic evaluation
 * (contract in include/rlc/agent.h). Talks to agents only through
 * rlc_agent_type and to the outside only through callbacks. */
#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
#include "rlc/env.h"
#include "rlc/normalize.h"
#include "rlc/rng.h"

#define MAX_DIM 64 /* observation/action components handled without allocation */

rlc_status rlc_runner_evaluate(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               double *actions, double *returns)
{
    size_t n = envs->n_envs, left = n;
    rlc_vec_env_reset(envs);
    for (size_t t = 1; left; t++) {
        rlc_status st = type->predict(agent, n, envs->obs, actions);
        if (st != RLC_OK)
            return st;
        rlc_vec_env_step(envs, actions);
        /* a copy's first episode is the one that ends with length t */
        for (size_t i = 0; i < n; i++)
            if ((envs->terminated[i] || envs->truncated[i]) && envs->episode_length[i] == t) {
                returns[i] = envs->episode_return[i];
                left--;
            }
    }
    return RLC_OK;
}

/* Buffers of the on-policy runner, one allocation each, made once. */
typedef struct onpolicy_buffers {
    double *obs, *next_obs, *final_obs; /* n_envs × obs_dim, normalised */
    double *actions, *env_actions;      /* n_envs × act_dim: as sampled, and clipped for the env */
    double *log_probs, *values, *rewards, *trunc_values; /* n_envs */
    bool *dones;                        /* n_envs */
} onpolicy_buffers;

static void buffers_free(onpolicy_buffers *b)
{
    free(b->obs);
    free(b->next_obs);
    free(b->final_obs);
    free(b->actions);
    free(b->env_actions);
    free(b->log_probs);
    free(b->values);
    free(b->rewards);
    free(b->trunc_values);
    free(b->dones);
}

static bool buffers_alloc(onpolicy_buffers *b, size_t n, size_t od, size_t ad)
{
    *b = (onpolicy_buffers){0};
    b->obs = malloc(n * od * sizeof(double));
    b->next_obs = malloc(n * od * sizeof(double));
    b->final_obs = malloc(n * od * sizeof(double));
    b->actions = malloc(n * ad * sizeof(double));
    b->env_actions = malloc(n * ad * sizeof(double));
    b->log_probs = malloc(n * sizeof(double));
    b->values = malloc(n * sizeof(double));
    b->rewards = malloc(n * sizeof(double));
    b->trunc_values = malloc(n * sizeof(double));
    b->dones = malloc(n * sizeof(bool));
    return b->obs && b->next_obs && b->final_obs && b->actions && b->env_actions &&
           b->log_probs && b->values && b->rewards && b->trunc_values && b->dones;
}

size_t rlc_runner_timesteps(const rlc_agent_type *type, const void *agent, size_t total_timesteps)
{
    if (type->kind != RLC_AGENT_ON_POLICY)
        return total_timesteps;
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    size_t per_rollout = set.n_steps * set.n_envs, updates = total_timesteps / per_rollout;
    return (updates ? updates : 1) * per_rollout;
}

/* The loop's state between calls: everything a run needs to continue. */
struct rlc_runner {
    const rlc_agent_type *type;
    void *agent;
    rlc_runner_config cfg;
    rlc_env *env;         /* off-policy training env */
    rlc_vec_env *venv;    /* on-policy training copies */
    rlc_vec_env *eval;    /* evaluation copies */
    bool owns_envs;       /* created by rlc_runner_create (else borrowed) */
    gsl_rng *env_rng;     /* the off-policy env's generator, when owned */
    size_t timesteps;     /* environment steps taken */
    size_t updates;       /* on-policy: rollouts trained on */
    bool started;         /* the training env has had its first reset */
    rlc_train_stats stats;
    /* off-policy: the episode under way */
    double obs[MAX_DIM];
    double ep_return;
    size_t ep_len;
    /* on-policy */
    rlc_onpolicy_settings set;
    onpolicy_buffers b;
    rlc_rollout *ro;
    rlc_return_norm *rn;
    double *eval_returns, *eval_actions;
    /* data-parallel (rlc_runner_set_ranks); size 0 or 1: alone */
    rlc_agent_ranks ranks;
    /* with several ranks and norm_reward: the return statistics at the last
     * sync (mean, var, count), then this rank's returns since then as
     * [count, Σ(ret − mean), Σ(ret − mean)²] */
    bool ret_sync_on;
    double ret_sync[6];
};

void rlc_runner_free(rlc_runner *r)
{
    if (!r)
        return;
    if (r->owns_envs) {
        rlc_vec_env_free(r->eval);
        rlc_vec_env_free(r->venv);
        rlc_env_free(r->env);
        if (r->env_rng)
            gsl_rng_free(r->env_rng);
    }
    buffers_free(&r->b);
    rlc_rollout_free(r->ro);
    rlc_return_norm_free(r->rn);
    free(r->eval_returns);
    free(r->eval_actions);
    free(r);
}

/* A runner on the given envs (exactly one of env and venv, as the kind
 * needs), borrowed or owned; the buffers the loop needs, allocated once. */
static rlc_status runner_init(rlc_runner **out, const rlc_agent_type *type, void *agent,
                              rlc_env *env, rlc_vec_env *venv, rlc_vec_env *eval,
                              const rlc_runner_config *cfg, bool own)
{
    *out = NULL;
    rlc_runner *r = calloc(1, sizeof *r);
    if (!r)
        return RLC_ENOMEM;
    *r = (rlc_runner){.type = type, .agent = agent, .cfg = *cfg, .env = env, .venv = venv,
                      .eval = eval, .owns_envs = own};
    rlc_train_stats_init(&r->stats);
    const rlc_env_type *et = env ? env->type : venv->type;
    size_t od = et->observation_space.dim, ad = et->action_space.dim, n_eval = eval->n_envs;
    rlc_status st = RLC_EINVAL;
    if (eval->type != et)
        goto fail;
    if (type->kind == RLC_AGENT_OFF_POLICY) {
        if (!env || od > MAX_DIM || ad > MAX_DIM)
            goto fail;
    } else {
        if (!venv)
            goto fail;
        r->set = type->onpolicy_settings(agent);
        if (venv->n_envs != r->set.n_envs || r->set.n_steps == 0)
            goto fail;
    }
    st = RLC_ENOMEM;
    r->eval_returns = malloc(n_eval * sizeof *r->eval_returns);
    r->eval_actions = malloc(n_eval * ad * sizeof *r->eval_actions);
    if (!r->eval_returns || !r->eval_actions)
        goto fail;
    if (venv && (!buffers_alloc(&r->b, venv->n_envs, od, ad) ||
                 rlc_rollout_create(&r->ro, r->set.n_steps, venv->n_envs, od, ad) ||
                 (r->set.norm_reward &&
                  rlc_return_norm_create(&r->rn, venv->n_envs, r->set.gamma, 10.0))))
        goto fail;
    *out = r;
    return RLC_OK;
fail:
    r->owns_envs = false; /* the caller keeps what it passed */
    rlc_runner_free(r);
    return st;
}

rlc_status rlc_runner_create(rlc_runner **out, const rlc_agent_type *type, void *agent,
                             const rlc_env_type *env, uint64_t seed, size_t n_eval_episodes,
                             const rlc_runner_config *cfg)
{
    *out = NULL;
    rlc_vec_env *eval = NULL, *venv = NULL;
    rlc_env *single = NULL;
    gsl_rng *env_rng = NULL;
    rlc_status st = rlc_vec_env_create(&eval, env, n_eval_episodes, seed, RLC_RNG_EVAL_ENV);
    if (st != RLC_OK)
        goto fail;
    if (type->kind == RLC_AGENT_ON_POLICY) {
        if ((st = rlc_vec_env_create(&venv, env, type->onpolicy_settings(agent).n_envs, seed,
                                     RLC_RNG_ENV)))
            goto fail;
    } else {
        st = RLC_ENOMEM;
        if (!(env_rng = rlc_rng_create(seed, RLC_RNG_ENV)) ||
            (st = rlc_env_create(&single, env, env_rng)))
            goto fail;
    }
    if ((st = runner_init(out, type, agent, single, venv, eval, cfg, true)))
        goto fail;
    (*out)->env_rng = env_rng;
    return RLC_OK;
fail:
    rlc_vec_env_free(eval);
    rlc_vec_env_free(venv);
    rlc_env_free(single);
    if (env_rng)
        gsl_rng_free(env_rng);
    return st;
}

const rlc_train_stats *rlc_runner_stats(const rlc_runner *r)
{
    return &r->stats;
}

size_t rlc_runner_steps_done(const rlc_runner *r) { return r->timesteps; }

rlc_status rlc_runner_state(rlc_runner *r, const rlc_state_visitor *v)
{
    rlc_status st;
    if ((st = rlc_state_bytes(v, "timesteps", &r->timesteps, sizeof r->timesteps)) ||
        (st = rlc_state_bytes(v, "updates", &r->updates, sizeof r->updates)) ||
        (st = rlc_state_bools(v, "started", &r->started, 1)) ||
        (st = rlc_state_bytes(v, "stats", &r->stats, sizeof r->stats)) ||
        (st = rlc_vec_env_state(r->eval, v, "eval_env")))
        return st;
    if (r->env) {
        size_t od = r->env->type->observation_space.dim;
        if ((st = rlc_env_state(r->env, v, "env")) ||
            (st = rlc_state_bytes(v, "obs", r->obs, od * sizeof *r->obs)) ||
            (st = rlc_state_bytes(v, "episode_return", &r->ep_return, sizeof r->ep_return)))
            return st;
        return rlc_state_bytes(v, "episode_length", &r->ep_len, sizeof r->ep_len);
    }
    if ((st = rlc_vec_env_state(r->venv, v, "env")))
        return st;
    if (r->rn && (st = rlc_return_norm_state(r->rn, v, "return_norm")))
        return st;
    if (r->ranks.size <= 1)
        return RLC_OK;
    /* several ranks: the next act's observations as normalised before the
     * update merged the statistics (alone, normalising again on resume
     * gives the same numbers; merged, it would not) */
    if ((st = rlc_state_bytes(v, "next_obs", r->b.obs, r->venv->n_envs * r->venv->obs_dim *
                                                           sizeof *r->b.obs)))
        return st;
    return r->ret_sync_on ? rlc_state_bytes(v, "return_sync", r->ret_sync, sizeof r->ret_sync)
                          : RLC_OK;
}

rlc_status rlc_runner_set_ranks(rlc_runner *r, const rlc_agent_ranks *ranks)
{
    if (!r || !ranks || !ranks->size || ranks->rank >= ranks->size || !ranks->sum)
        return RLC_EINVAL;
    r->ranks = *ranks;
    r->ret_sync_on = ranks->size > 1 && r->rn;
    if (r->ret_sync_on) {
        double init[6] = {r->rn->mean, r->rn->var, r->rn->count, 0, 0, 0};
        memcpy(r->ret_sync, init, sizeof init);
    }
    return RLC_OK;
}

const rlc_return_norm *rlc_runner_return_norm(const rlc_runner *r)
{
    return r->rn;
}

/* Data-parallel reward normalisation, at each step: this rank's n_envs
 * discounted returns (as rlc_return_norm_step is about to form them),
 * counted about the last merged mean for the next sync_returns. */
static void count_returns(rlc_runner *r, const double *rewards)
{
    double *acc = r->ret_sync + 3;
    for (size_t e = 0; e < r->rn->n_envs; e++) {
        double x = r->rn->returns[e] * r->rn->gamma + rewards[e] - r->ret_sync[0];
        acc[0] += 1.0;
        acc[1] += x;
        acc[2] += x * x;
    }
}

/* Before each update: every rank's returns since the last sync, one sum
 * over the ranks, merged as one batch into the statistics of the last sync
 * (as rlc_policy_trainer_sync_obs merges observations), so every rank
 * holds the statistics of all ranks' returns. */
static rlc_status sync_returns(rlc_runner *r)
{
    double *acc = r->ret_sync + 3;
    rlc_status st = r->ranks.sum(r->ranks.ctx, acc, 3);
    if (st != RLC_OK)
        return st;
    rlc_return_norm *rn = r->rn;
    rn->mean = r->ret_sync[0];
    rn->var = r->ret_sync[1];
    rn->count = r->ret_sync[2];
    if (acc[0] > 0) {
        double m = acc[1] / acc[0], v = acc[2] / acc[0] - m * m;
        rlc_return_norm_merge(rn, r->ret_sync[0] + m, v > 0 ? v : 0.0, acc[0]);
    }
    r->ret_sync[0] = rn->mean;
    r->ret_sync[1] = rn->var;
    r->ret_sync[2] = rn->count;
    acc[0] = acc[1] = acc[2] = 0.0;
    return RLC_OK;
}

/* Whether the step count reached (off-policy) or crossed (on-policy, from
 * `before`) a multiple of every (0: never). */
static bool crossed(size_t before, size_t now, size_t every)
{
    return every && now / every != before / every;
}

/* After a step (off-policy) or an update (on-policy) that took the count
 * from `before`: evaluate when it crossed a multiple of eval_freq or at the
 * end, then a progress row when it crossed a multiple of log_interval, or
 * evaluated (so every eval.csv row has a progress.csv row at its step). */
static rlc_status evaluate_and_log(rlc_runner *r, size_t before, bool last,
                                   const rlc_runner_callbacks *cb)
{
    bool evaluate = crossed(before, r->timesteps, r->cfg.eval_freq) || last;
    rlc_status st = RLC_OK;
    if (evaluate) {
        st = rlc_runner_evaluate(r->type, r->agent, r->eval, r->eval_actions, r->eval_returns);
        if (st == RLC_OK && cb->on_eval)
            st = cb->on_eval(cb->ctx, r->timesteps, r->eval_returns, r->eval->n_envs);
    }
    if (st == RLC_OK && cb->on_progress &&
        (crossed(before, r->timesteps, r->cfg.log_interval) || evaluate))
        st = cb->on_progress(cb->ctx, r->timesteps, &r->stats);
    return st;
}

static rlc_status run_offpolicy(rlc_runner *r, const rlc_runner_callbacks *cb)
{
    const rlc_agent_type *type = r->type;
    void *agent = r->agent;
    rlc_env *env = r->env;
    size_t od = env->type->observation_space.dim;
    double next_obs[MAX_DIM], action[MAX_DIM], reward;
    bool term, trunc;
    rlc_status st = RLC_OK;
    if (!r->started) {
        rlc_env_reset(env, r->obs);
        type->episode_start(agent);
        r->started = true;
    }
    while (r->timesteps < r->cfg.total_timesteps) {
        size_t t = r->timesteps, steps = t + 1;
        if ((st = type->explore(agent, r->obs, t, action)) != RLC_OK)
            return st;
        rlc_env_step(env, action, next_obs, &reward, &term, &trunc);
        if ((st = type->store(agent, r->obs, action, reward, next_obs, term, trunc)) != RLC_OK)
            return st;
        r->ep_return += reward;
        r->ep_len++;
        r->timesteps = steps;
        if ((st = type->after_step(agent, steps, &r->stats)) != RLC_OK)
            return st;
        bool ended = term || trunc;
        double ep_return = r->ep_return;
        size_t ep_len = r->ep_len;
        if (ended) {
            r->ep_return = 0.0;
            r->ep_len = 0;
            rlc_env_reset(env, r->obs);
            type->episode_start(agent);
        } else {
            for (size_t i = 0; i < od; i++)
                r->obs[i] = next_obs[i];
        }
        if (ended && cb->on_episode && (st = cb->on_episode(cb->ctx, ep_return, ep_len, steps)))
            return st;
        bool last = steps == r->cfg.total_timesteps;
        if ((st = evaluate_and_log(r, t, last, cb)))
            return st;
        if (cb->on_checkpoint && (st = cb->on_checkpoint(cb->ctx, steps, last)))
            return st;
    }
    return RLC_OK;
}

static rlc_status run_onpolicy(rlc_runner *r, const rlc_runner_callbacks *cb)
{
    const rlc_agent_type *type = r->type;
    void *agent = r->agent;
    rlc_vec_env *envs = r->venv;
    onpolicy_buffers *b = &r->b;
    size_t n = envs->n_envs, od = envs->obs_dim;
    size_t per_rollout = r->set.n_steps * n;
    size_t updates = rlc_runner_timesteps(type, agent, r->cfg.total_timesteps) / per_rollout;
    rlc_status st = RLC_OK;
    if (!r->started) {
        rlc_vec_env_reset(envs);
        type->normalize_obs(agent, n, envs->obs, b->obs, true);
        r->started = true;
    } else if (r->ranks.size <= 1) { /* resumed: the same observations, normalised with the
                                        * same statistics (several ranks: loaded as they were) */
        type->normalize_obs(agent, n, envs->obs, b->obs, false);
    }
    while (r->updates < updates) {
        size_t k = r->updates;
        rlc_rollout_reset(r->ro);
        for (size_t s = 0; s < r->set.n_steps; s++) {
            if ((st = type->act(agent, n, b->obs, b->actions, b->env_actions, b->log_probs,
                                b->values)))
                return st;
            rlc_vec_env_step(envs, b->env_actions);
            r->timesteps += n;
            bool any_trunc = false;
            for (size_t e = 0; e < n; e++) {
                b->dones[e] = envs->terminated[e] || envs->truncated[e];
                any_trunc |= envs->truncated[e] && !envs->terminated[e];
                if (b->dones[e] && cb->on_episode &&
                    (st = cb->on_episode(cb->ctx, envs->episode_return[e], envs->episode_length[e],
                                         r->timesteps)))
                    return st;
            }
            /* SB3 VecNormalize order: statistics from the new observations,
             * then normalise them and the final observations with it. */
            type->normalize_obs(agent, n, envs->obs, b->next_obs, true);
            if (any_trunc) {
                type->normalize_obs(agent, n, envs->final_obs, b->final_obs, false);
                if ((st = type->bootstrap(agent, n, b->final_obs, b->trunc_values, false)))
                    return st;
            }
            if (r->ret_sync_on)
                count_returns(r, envs->rewards);
            if (r->rn)
                rlc_return_norm_step(r->rn, envs->rewards, b->dones, b->rewards);
            else
                memcpy(b->rewards, envs->rewards, n * sizeof *b->rewards);
            if ((st = rlc_rollout_add(r->ro, b->obs, b->actions, b->log_probs, b->values,
                                      b->rewards, envs->terminated, envs->truncated,
                                      any_trunc ? b->final_obs : NULL,
                                      any_trunc ? b->trunc_values : NULL)))
                return st;
            memcpy(b->obs, b->next_obs, n * od * sizeof *b->obs);
        }
        if ((st = type->bootstrap(agent, n, b->obs, b->values, true)))
            return st;
        rlc_rollout_compute_gae(r->ro, b->values, r->set.gamma, r->set.gae_lambda);
        if (r->ret_sync_on && (st = sync_returns(r)))
            return st;
        if ((st = type->update(agent, r->ro, 1.0 - (double)k / (double)updates, &r->stats)))
            return st;
        r->updates = k + 1;
        bool last = r->updates == updates;
        if ((st = evaluate_and_log(r, r->timesteps - per_rollout, last, cb)))
            return st;
        if (cb->on_checkpoint && (st = cb->on_checkpoint(cb->ctx, r->timesteps, last)))
            return st;
    }
    return RLC_OK;
}

rlc_status rlc_runner_run(rlc_runner *r, const rlc_runner_callbacks *cb)
{
    return r->env ? run_offpolicy(r, cb) : run_onpolicy(r, cb);
}

rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb)
{
    if (type->kind != RLC_AGENT_OFF_POLICY)
        return RLC_EINVAL;
    rlc_runner *r;
    rlc_status st = runner_init(&r, type, agent, env, NULL, eval_envs, cfg, false);
    if (st == RLC_OK)
        st = rlc_runner_run(r, cb);
    rlc_runner_free(r);
    return st;
}

rlc_status rlc_runner_onpolicy(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                               const rlc_runner_callbacks *cb)
{
    if (type->kind != RLC_AGENT_ON_POLICY)
        return RLC_EINVAL;
    rlc_runner *r;
    rlc_status st = runner_init(&r, type, agent, NULL, envs, eval_envs, cfg, false);
    if (st == RLC_OK)
        st = rlc_runner_run(r, cb);
    rlc_runner_free(r);
    return st;
}

rlc_status rlc_runner_train(const rlc_agent_type *type, void *agent, const rlc_env_type *env,
                            uint64_t seed, size_t n_eval_episodes, const rlc_runner_config *cfg,
                            const rlc_runner_callbacks *cb)
{
    rlc_runner *r;
    rlc_status st = rlc_runner_create(&r, type, agent, env, seed, n_eval_episodes, cfg);
    if (st == RLC_OK)
        st = rlc_runner_run(r, cb);
    rlc_runner_free(r);
    return st;
}
