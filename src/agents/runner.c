/* runner.c — the off-policy training loop and deterministic evaluation
 * (contract in include/rlc/agent.h). Talks to agents only through
 * rlc_agent_type and to the outside only through callbacks. */
#include <math.h>
#include <stdlib.h>
#include "rlc/agent.h"

#define MAX_DIM 64 /* observation/action components handled without allocation */

rlc_status rlc_runner_evaluate(const rlc_agent_type *type, void *agent, rlc_env *env, size_t n,
                               double *returns)
{
    size_t od = env->type->observation_space.dim, ad = env->type->action_space.dim;
    if (od > MAX_DIM || ad > MAX_DIM)
        return RLC_EINVAL;
    double obs[MAX_DIM], action[MAX_DIM], r;
    bool term, trunc;
    for (size_t e = 0; e < n; e++) {
        double ret = 0.0;
        rlc_env_reset(env, obs);
        do {
            type->predict(agent, obs, action);
            rlc_env_step(env, action, obs, &r, &term, &trunc);
            ret += r;
        } while (!term && !trunc);
        if (returns)
            returns[e] = ret;
    }
    return RLC_OK;
}

rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_env *eval_env, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb)
{
    size_t od = env->type->observation_space.dim, ad = env->type->action_space.dim;
    if (od > MAX_DIM || ad > MAX_DIM || cfg->n_eval_episodes == 0)
        return RLC_EINVAL;
    double obs[MAX_DIM], next_obs[MAX_DIM], action[MAX_DIM], reward;
    double *returns = malloc(cfg->n_eval_episodes * sizeof *returns);
    if (!returns)
        return RLC_ENOMEM;
    rlc_train_stats stats = {.actor_loss = NAN, .critic_loss = NAN, .n_updates = 0};
    rlc_status st = RLC_OK;
    double ep_return = 0.0;
    size_t ep_len = 0;
    bool term, trunc;

    rlc_env_reset(env, obs);
    type->episode_start(agent);
    for (size_t t = 0; t < cfg->total_timesteps; t++) {
        size_t steps = t + 1;
        type->explore(agent, obs, t, action);
        rlc_env_step(env, action, next_obs, &reward, &term, &trunc);
        type->store(agent, obs, action, reward, next_obs, term, trunc);
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
        if (cb->on_progress && ((cfg->log_interval && steps % cfg->log_interval == 0) || last) &&
            (st = cb->on_progress(cb->ctx, steps, &stats)))
            break;
        if ((cfg->eval_freq && steps % cfg->eval_freq == 0) || last) {
            rlc_runner_evaluate(type, agent, eval_env, cfg->n_eval_episodes, returns);
            if (cb->on_eval && (st = cb->on_eval(cb->ctx, steps, returns, cfg->n_eval_episodes)))
                break;
        }
    }
    free(returns);
    return st;
}
