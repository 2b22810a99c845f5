/* test_collect.h — one rollout collected outside rlc_runner_onpolicy, the
 * way it collects one, so a test can call an agent's update on it directly
 * and see the rollout the update saw. Not a second runner: no reward
 * normalisation, evaluation or callbacks. Defines a static function;
 * include it from one .c file. */
#ifndef RLC_TEST_COLLECT_H
#define RLC_TEST_COLLECT_H

#include <string.h>
#include "rlc/agent.h"
#include "rlc/rollout.h"
#include "rlc/vec_env.h"
#include "test_util.h"

#define COLLECT_MAX_COPIES 8
#define COLLECT_MAX_OBS 4
#define COLLECT_MAX_ACT 1

/* Reset v, then fill ro (n_steps × n_envs of the agent's settings) from
 * agent acting on v: normalize_obs (statistics updated from the training
 * observations), act, step, the bootstrap of every final observation;
 * then GAE from the bootstrap of the last observations. */
static void collect_rollout(const rlc_agent_type *type, void *agent, rlc_vec_env *v,
                            rlc_rollout *ro)
{
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    size_t n = v->n_envs, od = v->obs_dim;
    assert_true(n <= COLLECT_MAX_COPIES && od <= COLLECT_MAX_OBS && v->act_dim <= COLLECT_MAX_ACT);
    assert_int_equal(n, set.n_envs);
    double obs[COLLECT_MAX_COPIES * COLLECT_MAX_OBS], next[COLLECT_MAX_COPIES * COLLECT_MAX_OBS],
        fin[COLLECT_MAX_COPIES * COLLECT_MAX_OBS], act[COLLECT_MAX_COPIES * COLLECT_MAX_ACT],
        env_act[COLLECT_MAX_COPIES * COLLECT_MAX_ACT], lp[COLLECT_MAX_COPIES],
        val[COLLECT_MAX_COPIES], tv[COLLECT_MAX_COPIES];
    rlc_rollout_reset(ro);
    rlc_vec_env_reset(v);
    type->normalize_obs(agent, n, v->obs, obs, true);
    for (size_t s = 0; s < set.n_steps; s++) {
        assert_int_equal(type->act(agent, n, obs, act, env_act, lp, val), RLC_OK);
        rlc_vec_env_step(v, env_act);
        type->normalize_obs(agent, n, v->obs, next, true);
        type->normalize_obs(agent, n, v->final_obs, fin, false);
        assert_int_equal(type->bootstrap(agent, n, fin, tv, false), RLC_OK);
        assert_int_equal(rlc_rollout_add(ro, obs, act, lp, val, v->rewards, v->terminated,
                                         v->truncated, fin, tv),
                         RLC_OK);
        memcpy(obs, next, n * od * sizeof *obs);
    }
    assert_int_equal(type->bootstrap(agent, n, obs, val, true), RLC_OK);
    rlc_rollout_compute_gae(ro, val, set.gamma, set.gae_lambda);
}

#endif
