/* rlc/env.h — the environment interface (Gymnasium's reset/step with
 * terminated/truncated), the registry of built-in environments by Gymnasium
 * id, and the TimeLimit every registered environment carries.
 *
 * An environment is a const table of pure functions (rlc_env_type) over a
 * caller-owned state vector; an rlc_env instance adds the state, the
 * TimeLimit counter and a borrowed gsl_rng. To add your own environment,
 * fill an rlc_env_type: rlc_env_create and the runners take it as it is,
 * and rlc_env_register makes its id known to rlc_env_find (so a
 * configuration's [run] env_id and rlc_run_train can name it).
 *
 * Observations are doubles holding float32-rounded values, so they equal
 * Gymnasium's float32 observations exactly while networks stay in double.
 * Actions are always `const double *`: a Box action of dim n is n doubles; a
 * Discrete action is one double holding the integer index. */
#ifndef RLC_ENV_H
#define RLC_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "rlc/state.h"
#include "rlc/status.h"

typedef enum rlc_space_kind {
    RLC_SPACE_DISCRETE, /* integers 0 .. n-1, passed as one double */
    RLC_SPACE_BOX       /* dim doubles, each in [low[i], high[i]] */
} rlc_space_kind;

typedef struct rlc_space {
    rlc_space_kind kind;
    size_t dim;         /* Box: number of components; Discrete: 1 */
    size_t n;           /* Discrete: number of actions; Box: 0 */
    const double *low;  /* Box: dim lower bounds (borrowed, static); Discrete: NULL */
    const double *high; /* Box: dim upper bounds; Discrete: NULL */
} rlc_space;

typedef struct rlc_env_type {
    const char *id;              /* Gymnasium id, e.g. "Pendulum-v1" */
    /* Doubles of state: all of it, bookkeeping included, so it can be more
     * than Gymnasium's env.unwrapped.state. This is the size of the array
     * rlc_env_set_state reads. Pendulum-v1: 2 (θ in rad, unwrapped; θ̇ in
     * rad/s). CartPole-v1: 5 (x in m, ẋ in m/s, θ in rad, θ̇ in rad/s, then a
     * terminated flag: 0.0 until a terminating step has been taken since
     * reset, then 1.0 — Gymnasium's steps_beyond_terminated is not None — so
     * that later terminating steps pay reward 0). */
    size_t state_dim;
    size_t scratch_dim;          /* doubles after the state that the env keeps derived from it
                                  * between calls (Pendulum: sin θ); 0 for most envs */
    rlc_space observation_space; /* Box of obs_dim float32-representable doubles */
    rlc_space action_space;
    unsigned max_episode_steps;  /* TimeLimit from Gymnasium's registration; 0 = none */
    /* Gymnasium's spec.reward_threshold: the mean episode return that counts
     * as solved (CartPole-v1: 475.0), only reported, never a stopping rule.
     * Used when the flag is true; false = Gymnasium registers none
     * (Pendulum-v1). A flag rather than NaN so that a type written with
     * designated initializers, which leave both zero, has no threshold
     * instead of a threshold of 0. */
    bool has_reward_threshold;
    double reward_threshold;
    /* Draw an initial state from Gymnasium's reset distribution. */
    void (*reset)(double *state, gsl_rng *rng);
    /* Advance the state by one step under `action` (not validated: Box
     * actions are clipped as Gymnasium does); write the reward and whether
     * the new state is terminal. May read the scratch values that observe
     * left for the current state. */
    void (*step)(double *state, const double *action, double *reward, bool *terminated);
    /* Observation of a state, as float32-rounded doubles (obs_dim of them);
     * also refreshes the scratch values after the state. rlc_env calls it
     * after every reset, set_state and step, so step always finds them
     * current; code calling these functions directly must do the same. */
    void (*observe)(double *state, double *obs);
    /* Optional (NULL: the vector env calls step and observe per copy). Step
     * n copies at once and observe them: copy i's state at
     * states + i * stride (stride >= state_dim + scratch_dim), its action at
     * actions + i * action_space.dim, its observation to obs + i * obs_dim,
     * its reward and flag to rewards[i] and terminated[i]. Must give bit for
     * bit what step then observe give per copy (scratch values included);
     * it exists so an env can interleave the copies and let the CPU overlap
     * their dependency chains (rlc_vec_env uses it). */
    void (*step_batch)(size_t n, double *states, size_t stride, const double *actions,
                       double *obs, double *rewards, bool *terminated);
} rlc_env_type;

typedef struct rlc_env {
    const rlc_env_type *type; /* borrowed */
    double *state;            /* state_dim doubles, then scratch_dim, owned */
    size_t elapsed_steps;     /* TimeLimit counter: steps since the last reset or set_state */
    gsl_rng *rng;             /* borrowed: resets draw from it */
} rlc_env;

/* Built-in environment types. */
extern const rlc_env_type rlc_env_pendulum_v1;  /* envs/pendulum.c: Gymnasium classic_control/pendulum.py */
extern const rlc_env_type rlc_env_cartpole_v1;  /* envs/cartpole.c: Gymnasium classic_control/cartpole.py */

/* The registered type with Gymnasium id `id` (built-in or registered at
 * run time), or NULL. */
const rlc_env_type *rlc_env_find(const char *id);

/* The built-in environments, NULL-terminated. */
extern const rlc_env_type *const rlc_env_registry[];

#define RLC_ENV_MAX_REGISTERED 32 /* environments rlc_env_register accepts */

/* Register a caller's environment type (borrowed: it must outlive every use)
 * under its id: the built-ins, then registered types in order, are what
 * rlc_env_find and rlc_env_at see. RLC_EINVAL: NULL type or id, an id
 * already registered, an id that is not a printable name (as config names),
 * state_dim, observation or action dimension 0, a Discrete space with n 0,
 * a Box without bounds, or NULL reset/step/observe; RLC_ENOMEM: already
 * RLC_ENV_MAX_REGISTERED registered. Not thread-safe: register before
 * starting threads that look environments up. */
rlc_status rlc_env_register(const rlc_env_type *type);

/* The i-th environment (built-ins first, then registered ones), or NULL
 * past the last: for listing them. */
const rlc_env_type *rlc_env_at(size_t i);

/* Create an instance of `type` drawing resets from `rng` (borrowed; must
 * outlive the env). The state is zero until the first reset. Allocates once.
 * Returns RLC_OK, RLC_EINVAL (NULL argument) or RLC_ENOMEM. */
rlc_status rlc_env_create(rlc_env **out, const rlc_env_type *type, gsl_rng *rng);

/* NULL-safe. */
void rlc_env_free(rlc_env *env);

/* Reset: new initial state from the env's rng, TimeLimit counter to 0, and
 * the observation (obs_dim doubles) into obs. Does not allocate. */
void rlc_env_reset(rlc_env *env, double *obs);

/* Set the state directly, as Gymnasium code does when it writes
 * env.unwrapped.state after reset, and restart the TimeLimit counter.
 * `state` holds exactly env->type->state_dim doubles (read, not kept): ask
 * the type for the size, since it counts bookkeeping that Gymnasium's state
 * lacks (see rlc_env_type.state_dim). For CartPole-v1 that is 5 doubles:
 * Gymnasium's (x, x_dot, theta, theta_dot), then the terminated flag, 0.0
 * for a state no terminating step has been taken from (what Gymnasium has
 * right after reset) or 1.0 to carry that memory over. Scratch values are
 * recomputed. Writes the observation of the state (obs_dim doubles) to obs.
 * Does not allocate. */
void rlc_env_set_state(rlc_env *env, const double *state, double *obs);

/* One step: observation, reward, terminated (the MDP reached a terminal
 * state) and truncated (elapsed_steps reached max_episode_steps; both can be
 * true on one step). Like Gymnasium, stepping past an end is allowed.
 * Does not allocate. */
void rlc_env_step(rlc_env *env, const double *action, double *obs, double *reward,
                  bool *terminated, bool *truncated);

/* The environment's training state under `name`: its state and scratch,
 * its TimeLimit counter and its generator (borrowed, but its draws are
 * this env's). */
rlc_status rlc_env_state(rlc_env *e, const rlc_state_visitor *v, const char *name);

#endif
