/* runner.c — the off- and on-policy training loops and deterministic evaluation
 * (contract in include/rlc/agent.h). Talks to agents only through
 * rlc_agent_type and to the outside only through callbacks. */
#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
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

rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb)
{
    size_t od = env->type->observation_space.dim, ad = env->type->action_space.dim;
    if (type->kind != RLC_AGENT_OFF_POLICY || od > MAX_DIM || ad > MAX_DIM ||
        eval_envs->type != env->type)
        return RLC_EINVAL;
    double obs[MAX_DIM], next_obs[MAX_DIM], action[MAX_DIM], reward;
    size_t n_eval = eval_envs->n_envs;
    double *returns = malloc(n_eval * sizeof *returns);
    double *eval_actions = malloc(n_eval * ad * sizeof *eval_actions);
    if (!returns || !eval_actions) {
        free(returns);
        free(eval_actions);
        return RLC_ENOMEM;
    }
    rlc_train_stats stats;
    rlc_train_stats_init(&stats);
    rlc_status st = RLC_OK;
    double ep_return = 0.0;
    size_t ep_len = 0;
    bool term, trunc;

    rlc_env_reset(env, obs);
    type->episode_start(agent);
    for (size_t t = 0; t < cfg->total_timesteps; t++) {
        size_t steps = t + 1;
        if ((st = type->explore(agent, obs, t, action)) != RLC_OK)
            break;
        rlc_env_step(env, action, next_obs, &reward, &term, &trunc);
        if ((st = type->store(agent, obs, action, reward, next_obs, term, trunc)) != RLC_OK)
            break;
        ep_return += reward;
        ep_len++;
        if ((st = type->after_step(agent, steps, &stats)) != RLC_OK)
            break;
        if (term || trunc) {
            if (cb->on_episode && (st = cb->on_episode(cb->ctx, ep_return, ep_len, steps)))
                break;
            ep_return = 0.0;
            ep_len = 0;
            rlc_env_reset(env, obs);
            type->episode_start(agent);
        } else {
            for (size_t i = 0; i < od; i++)
                obs[i] = next_obs[i];
        }
        bool last = steps == cfg->total_timesteps;
        /* evaluate first, so a progress line at the same step shows it */
        bool evaluate = (cfg->eval_freq && steps % cfg->eval_freq == 0) || last;
        if (evaluate) {
            if ((st = rlc_runner_evaluate(type, agent, eval_envs, eval_actions, returns)) ||
                (cb->on_eval && (st = cb->on_eval(cb->ctx, steps, returns, n_eval))))
                break;
        }
        if (cb->on_progress &&
            ((cfg->log_interval && steps % cfg->log_interval == 0) || evaluate) &&
            (st = cb->on_progress(cb->ctx, steps, &stats)))
            break;
    }
    free(returns);
    free(eval_actions);
    return st;
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

rlc_status rlc_runner_onpolicy(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                               const rlc_runner_callbacks *cb)
{
    if (type->kind != RLC_AGENT_ON_POLICY)
        return RLC_EINVAL;
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    size_t n = envs->n_envs, od = envs->obs_dim, ad = envs->type->action_space.dim;
    if (n != set.n_envs || set.n_steps == 0 || eval_envs->type != envs->type)
        return RLC_EINVAL;
    size_t per_rollout = set.n_steps * n;
    size_t updates = rlc_runner_timesteps(type, agent, cfg->total_timesteps) / per_rollout;

    onpolicy_buffers b = {0};
    rlc_rollout *ro = NULL;
    rlc_return_norm *rn = NULL;
    size_t n_eval = eval_envs->n_envs;
    double *eval_returns = malloc(n_eval * sizeof *eval_returns);
    double *eval_actions = malloc(n_eval * ad * sizeof *eval_actions);
    rlc_status st = RLC_ENOMEM;
    if (!eval_returns || !eval_actions || !buffers_alloc(&b, n, od, ad) ||
        rlc_rollout_create(&ro, set.n_steps, n, od, ad) ||
        (set.norm_reward && rlc_return_norm_create(&rn, n, set.gamma, 10.0)))
        goto done;

    rlc_train_stats stats;
    rlc_train_stats_init(&stats);
    size_t timesteps = 0;
    rlc_vec_env_reset(envs);
    type->normalize_obs(agent, n, envs->obs, b.obs, true);

    st = RLC_OK;
    for (size_t k = 0; k < updates && st == RLC_OK; k++) {
        rlc_rollout_reset(ro);
        for (size_t s = 0; s < set.n_steps; s++) {
            if ((st = type->act(agent, n, b.obs, b.actions, b.env_actions, b.log_probs, b.values)))
                goto done;
            rlc_vec_env_step(envs, b.env_actions);
            timesteps += n;
            bool any_trunc = false;
            for (size_t e = 0; e < n; e++) {
                b.dones[e] = envs->terminated[e] || envs->truncated[e];
                any_trunc |= envs->truncated[e] && !envs->terminated[e];
                if (b.dones[e] && cb->on_episode &&
                    (st = cb->on_episode(cb->ctx, envs->episode_return[e], envs->episode_length[e],
                                         timesteps)))
                    goto done;
            }
            /* SB3 VecNormalize order: statistics from the new observations,
             * then normalise them and the final observations with it. */
            type->normalize_obs(agent, n, envs->obs, b.next_obs, true);
            if (any_trunc) {
                type->normalize_obs(agent, n, envs->final_obs, b.final_obs, false);
                if ((st = type->bootstrap(agent, n, b.final_obs, b.trunc_values, false)))
                    goto done;
            }
            if (rn)
                rlc_return_norm_step(rn, envs->rewards, b.dones, b.rewards);
            else
                memcpy(b.rewards, envs->rewards, n * sizeof *b.rewards);
            if ((st = rlc_rollout_add(ro, b.obs, b.actions, b.log_probs, b.values, b.rewards,
                                      envs->terminated, envs->truncated,
                                      any_trunc ? b.final_obs : NULL,
                                      any_trunc ? b.trunc_values : NULL)))
                goto done;
            memcpy(b.obs, b.next_obs, n * od * sizeof *b.obs);
        }
        if ((st = type->bootstrap(agent, n, b.obs, b.values, true)))
            break;
        rlc_rollout_compute_gae(ro, b.values, set.gamma, set.gae_lambda);
        if ((st = type->update(agent, ro, 1.0 - (double)k / (double)updates, &stats)))
            break;
        bool last = k + 1 == updates;
        size_t before = timesteps - per_rollout;
        bool evaluate = (cfg->eval_freq && timesteps / cfg->eval_freq != before / cfg->eval_freq) ||
                        last;
        if (evaluate) {
            if ((st = rlc_runner_evaluate(type, agent, eval_envs, eval_actions, eval_returns)) ||
                (cb->on_eval && (st = cb->on_eval(cb->ctx, timesteps, eval_returns, n_eval))))
                break;
        }
        bool log = cfg->log_interval &&
                   timesteps / cfg->log_interval != before / cfg->log_interval;
        if (cb->on_progress && (log || evaluate) &&
            (st = cb->on_progress(cb->ctx, timesteps, &stats)))
            break;
    }
done:
    free(eval_returns);
    free(eval_actions);
    buffers_free(&b);
    rlc_rollout_free(ro);
    rlc_return_norm_free(rn);
    return st;
}

rlc_status rlc_runner_train(const rlc_agent_type *type, void *agent, const rlc_env_type *env,
                            uint64_t seed, size_t n_eval_episodes, const rlc_runner_config *cfg,
                            const rlc_runner_callbacks *cb)
{
    rlc_vec_env *eval_envs = NULL, *venv = NULL;
    rlc_env *single = NULL;
    gsl_rng *env_rng = NULL;
    rlc_status st = rlc_vec_env_create(&eval_envs, env, n_eval_episodes, seed, RLC_RNG_EVAL_ENV);
    if (st != RLC_OK)
        goto done;
    if (type->kind == RLC_AGENT_ON_POLICY) {
        if ((st = rlc_vec_env_create(&venv, env, type->onpolicy_settings(agent).n_envs, seed,
                                     RLC_RNG_ENV)))
            goto done;
        st = rlc_runner_onpolicy(type, agent, venv, eval_envs, cfg, cb);
    } else {
        st = RLC_ENOMEM;
        if (!(env_rng = rlc_rng_create(seed, RLC_RNG_ENV)) ||
            (st = rlc_env_create(&single, env, env_rng)))
            goto done;
        st = rlc_runner_offpolicy(type, agent, single, eval_envs, cfg, cb);
    }
done:
    rlc_vec_env_free(eval_envs);
    rlc_vec_env_free(venv);
    rlc_env_free(single);
    if (env_rng)
        gsl_rng_free(env_rng);
    return st;
}
