/* cartpole.c — CartPole-v1, bit-exact with Gymnasium's classic_control/cartpole.py
 * (commit 3f0476a8c; default Euler integrator, sutton_barto_reward=False),
 * checked against the traces in tests/data/gymnasium. Deliberately not here:
 * rendering, reset options (low/high), the semi-implicit integrator, the
 * Sutton-Barto reward, the "already terminated" warning, action validation.
 *
 * Actions: Gymnasium asserts the action is 0 or 1; this interface has no error
 * path, so the CALLER must validate. Here action[0] >= 0.5 pushes right
 * (+10 N) and anything else (including NaN) pushes left (-10 N), which agrees
 * with Gymnasium on every valid action.
 *
 * State (5 doubles): x, x_dot, theta, theta_dot, and a bookkeeping flag that is
 * 1.0 once a terminating step has been taken since reset (Gymnasium's
 * steps_beyond_terminated != None): terminated steps after that give reward
 * 0.0. Reset clears it; rlc_env_set_state callers set it (0.0 = fresh).
 * Exactness needs IEEE double evaluation in source order (-ffp-contract=off)
 * and glibc's sin/cos. */
#include <math.h>
#include "rlc/env.h"
#include "classic_control.h"

#define RLC_CP_GRAVITY 9.8
#define RLC_CP_MASSPOLE 0.1
#define RLC_CP_TOTAL_MASS (0.1 + 1.0)  /* masspole + masscart */
#define RLC_CP_LENGTH 0.5              /* half the pole's length */
#define RLC_CP_POLEMASS_LENGTH (0.1 * 0.5)
#define RLC_CP_FORCE_MAG 10.0
#define RLC_CP_TAU 0.02
#define RLC_CP_THETA_THRESHOLD (12 * 2 * 3.141592653589793 / 360)
#define RLC_CP_X_THRESHOLD 2.4

static void rlc_cartpole_reset(double *state, gsl_rng *rng)
{
    for (int i = 0; i < 4; i++)
        state[i] = rlc_cc_uniform(rng, -0.05, 0.05);
    state[4] = 0.0;
}

/* The equations of motion: the new (x, x_dot, theta, theta_dot) in s from
 * the old ones, sin θ and cos θ, and the force. Gymnasium's formulas in its
 * order of operations. */
static inline void rlc_cartpole_euler(double s[4], double sintheta, double costheta, double force)
{
    double x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
    double temp = (force + (RLC_CP_POLEMASS_LENGTH * (theta_dot * theta_dot)) * sintheta)
                  / RLC_CP_TOTAL_MASS;
    double thetaacc = (RLC_CP_GRAVITY * sintheta - costheta * temp)
                      / (RLC_CP_LENGTH * (4.0 / 3.0 - (RLC_CP_MASSPOLE * (costheta * costheta))
                                                          / RLC_CP_TOTAL_MASS));
    double xacc = temp - ((RLC_CP_POLEMASS_LENGTH * thetaacc) * costheta) / RLC_CP_TOTAL_MASS;
    s[0] = x + RLC_CP_TAU * x_dot;
    s[1] = x_dot + RLC_CP_TAU * xacc;
    s[2] = theta + RLC_CP_TAU * theta_dot;
    s[3] = theta_dot + RLC_CP_TAU * thetaacc;
}

/* action[0] >= 0.5 pushes right, anything else left (see the top of this
 * file): a table, not a branch, as actions are random. */
static inline double rlc_cartpole_force(const double *action)
{
    static const double forces[2] = {-RLC_CP_FORCE_MAG, RLC_CP_FORCE_MAG};
    return forces[action[0] >= 0.5];
}

/* Termination test and reward of a stepped state (x, theta in state[0], [2];
 * the terminated bookkeeping flag in state[4]). */
static inline void rlc_cartpole_outcome(double *state, double *reward, bool *terminated)
{
    double x = state[0], theta = state[2];
    bool done = x < -RLC_CP_X_THRESHOLD || x > RLC_CP_X_THRESHOLD
                || theta < -RLC_CP_THETA_THRESHOLD || theta > RLC_CP_THETA_THRESHOLD;
    if (!done)
        *reward = 1.0;
    else if (state[4] == 0.0) {
        state[4] = 1.0; /* first terminating step still earns 1.0 */
        *reward = 1.0;
    } else
        *reward = 0.0;
    *terminated = done;
}

static void rlc_cartpole_step(double *state, const double *action, double *reward,
                              bool *terminated)
{
    rlc_cartpole_euler(state, sin(state[2]), cos(state[2]), rlc_cartpole_force(action));
    rlc_cartpole_outcome(state, reward, terminated);
}

/* One copy's step is a chain of long-latency operations (sincos, then two
 * divisions, into the next step's θ), so stepping copies one after another
 * waits on each chain in turn. Here a group of copies is stepped phase by
 * phase: all the sincos calls, then the equations of motion for the whole
 * group at once on columns (which the compiler turns into SIMD; the same
 * IEEE operations, so the same bits), then observations and outcomes. */
static void rlc_cartpole_step_batch(size_t n, double *states, size_t stride,
                                    const double *actions, double *obs, double *rewards,
                                    bool *terminated)
{
    enum { GROUP = 8 };
    for (size_t i0 = 0; i0 < n; i0 += GROUP) {
        size_t m = n - i0 < GROUP ? n - i0 : GROUP;
        double *st = states + i0 * stride;
        double col[4][GROUP], sn[GROUP], cs[GROUP], force[GROUP];
        for (size_t k = 0; k < m; k++) {
            for (int j = 0; j < 4; j++)
                col[j][k] = st[k * stride + j];
            force[k] = rlc_cartpole_force(actions + i0 + k);
        }
        for (size_t k = m; k < GROUP; k++) { /* a last, partial group: zero padding */
            for (int j = 0; j < 4; j++)
                col[j][k] = 0.0;
            force[k] = 0.0;
        }
        for (size_t k = 0; k < GROUP; k++) {
            sn[k] = sin(col[2][k]);
            cs[k] = cos(col[2][k]);
        }
        for (size_t k = 0; k < GROUP; k++) {
            double s[4] = {col[0][k], col[1][k], col[2][k], col[3][k]};
            rlc_cartpole_euler(s, sn[k], cs[k], force[k]);
            for (int j = 0; j < 4; j++)
                col[j][k] = s[j];
        }
        for (size_t k = 0; k < m; k++) {
            double *o = obs + (i0 + k) * 4;
            for (int j = 0; j < 4; j++) {
                st[k * stride + j] = col[j][k];
                o[j] = rlc_cc_f32(col[j][k]);
            }
            rlc_cartpole_outcome(st + k * stride, rewards + i0 + k, terminated + i0 + k);
        }
    }
}

static void rlc_cartpole_observe(double *state, double *obs)
{
    for (int i = 0; i < 4; i++)
        obs[i] = rlc_cc_f32(state[i]);
}

/* Box(-high, high) with high = f32([2 * 2.4, inf, 2 * theta_threshold, inf]). */
static const double rlc_cartpole_obs_high[4] = {
    (double)(float)(RLC_CP_X_THRESHOLD * 2), INFINITY,
    (double)(float)(RLC_CP_THETA_THRESHOLD * 2), INFINITY,
};
static const double rlc_cartpole_obs_low[4] = {
    -(double)(float)(RLC_CP_X_THRESHOLD * 2), -INFINITY,
    -(double)(float)(RLC_CP_THETA_THRESHOLD * 2), -INFINITY,
};

const rlc_env_type rlc_env_cartpole_v1 = {
    .id = "CartPole-v1",
    .state_dim = 5,
    .observation_space = {RLC_SPACE_BOX, 4, 0, rlc_cartpole_obs_low, rlc_cartpole_obs_high},
    .action_space = {RLC_SPACE_DISCRETE, 1, 2, NULL, NULL},
    .max_episode_steps = 500,
    .has_reward_threshold = true, /* gymnasium/envs/__init__.py registers 475.0 */
    .reward_threshold = 475.0,
    .reset = rlc_cartpole_reset,
    .step = rlc_cartpole_step,
    .step_batch = rlc_cartpole_step_batch,
    .observe = rlc_cartpole_observe,
};
