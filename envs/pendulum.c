/* pendulum.c — Pendulum-v1, bit-exact with Gymnasium's classic_control/pendulum.py
 * (commit 3f0476a8c; g = 10, m = l = 1, dt = 0.05), checked against the traces
 * in tests/data/gymnasium. Deliberately not here: rendering, reset options
 * (x_init/y_init), the unused last_u, and validation of the action (it is
 * clipped to [-2, 2] as Gymnasium does; NaN passes through like np.clip).
 *
 * State: {theta (never wrapped), theta_dot}, both double, then one scratch
 * double holding sin(theta) for the next step. Observation:
 * {f32(cos theta), f32(sin theta), f32(theta_dot)}. Exactness needs IEEE double
 * evaluation in source order (build with -ffp-contract=off: no FMA), glibc's
 * sin/cos, and `**2` as a real pow(x, 2.0) call, which is not always x*x.
 * For speed, pow is skipped where glibc's documented error bound makes its
 * result x*x, and fmod where the floor-mod is a plain add or subtract; neither
 * changes a bit (tests/test_env.c checks them against the literal formulas). */
#define _GNU_SOURCE /* sincos */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "rlc/env.h"
#include "classic_control.h"

#define RLC_PI 3.141592653589793

/* Python's `x ** 2` on a double is pow(x, 2.0), which glibc does not round
 * correctly: for ~0.08% of inputs it is not x*x. Calling through a volatile
 * pointer keeps the compiler from folding it into x*x whatever the flags. */
static double (*volatile rlc_pendulum_pow)(double, double) = pow;

/* pow(x, 2.0), skipping the call when its result is certain. glibc's pow
 * (like musl's: ARM optimized-routines, glibc >= 2.28) documents a worst-case
 * error of 0.54 ULP, so it returns p = x*x whenever the exact x^2 lies within
 * 0.45 ULP of p: the other neighbour of x^2 is then more than 0.55 ULP away.
 * (An older, correctly rounded pow always returns p.) The exact residual
 * x^2 - p comes from Dekker's product (Veltkamp split; no FMA), valid for
 * 2^-450 <= |x| <= 2^450. This skips ~90% of the calls; over 2e8 random
 * inputs glibc 2.36's pow differed from x*x only when |x^2 - p| > 0.49 ULP. */
static inline double rlc_pendulum_sq(double x)
{
    double p = x * x;
    double ax = fabs(x);
    if (ax >= 0x1p-450 && ax <= 0x1p450) {
        double c = 134217729.0 * x; /* 2^27 + 1 */
        double hi = c - (c - x), lo = x - hi;
        double e = (((hi * hi - p) + hi * lo) + hi * lo) + lo * lo; /* exact */
        uint64_t b;
        memcpy(&b, &p, sizeof b);
        /* scale = 2^floor(log2 p), halved when p is a power of two (x^2 may
         * then lie in the binade below, whose ULP is half as big) */
        b = (b & UINT64_C(0x000fffffffffffff)) ? b & UINT64_C(0x7ff0000000000000)
                                               : b - (UINT64_C(1) << 52);
        double scale;
        memcpy(&scale, &b, sizeof scale);
        if (fabs(e) < scale * (0.45 * 0x1p-52)) /* 0.45 ULP */
            return p;
    }
    return rlc_pendulum_pow(x, 2.0);
}

/* angle_normalize: ((x + pi) % (2*pi)) - pi with Python's floor modulo
 * (result has the sign of the divisor; a zero result is +0.0). The common
 * cases skip fmod, giving the same bits: for 0 <= a < b fmod(a, b) is a; for
 * b <= a < 2b it is a - b, exact (Sterbenz); for -b <= a < 0 it is a (or -0.0
 * at -b) and Python then adds b. Everything else goes through fmod. */
static double rlc_pendulum_wrap(double x)
{
    const double b = 2.0 * RLC_PI;
    double a = x + RLC_PI;
    double r;
    if (a >= 0.0 && a < b)
        r = a;
    else if (a >= b && a < 2.0 * b)
        r = a - b;
    else if (a >= -b && a < 0.0)
        r = a + b;
    else {
        r = fmod(a, b);
        if (r != 0.0 && r < 0.0)
            r += b;
    }
    if (r == 0.0)
        r = 0.0; /* +0.0, also for fmod's -0.0 */
    return r - RLC_PI;
}

/* np.clip(x, lo, hi) for a scalar: NaN stays NaN. */
static double rlc_pendulum_clip(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* The cost of a state and a clipped action (the reward is its negative),
 * grouped as Python evaluates it. */
static inline double rlc_pendulum_cost(double th, double thd, double u)
{
    return (rlc_pendulum_sq(rlc_pendulum_wrap(th)) + 0.1 * rlc_pendulum_sq(thd))
           + 0.001 * rlc_pendulum_sq(u);
}

/* The new angular velocity from the old one, sin θ and the clipped action. */
static inline double rlc_pendulum_velocity(double thd, double sin_th, double u)
{
    return rlc_pendulum_clip(thd + (15.0 * sin_th + 3.0 * u) * 0.05, -8.0, 8.0);
}

static void rlc_pendulum_reset(double *state, gsl_rng *rng)
{
    state[0] = rlc_cc_uniform(rng, -RLC_PI, RLC_PI);
    state[1] = rlc_cc_uniform(rng, -1.0, 1.0);
}

static void rlc_pendulum_step(double *state, const double *action, double *reward,
                              bool *terminated)
{
    double th = state[0], thd = state[1];
    double u = rlc_pendulum_clip(action[0], -2.0, 2.0);
    double cost = rlc_pendulum_cost(th, thd, u); /* of the state before the update */
    double nthd = rlc_pendulum_velocity(thd, state[2], u); /* state[2] = sin(th), from observe */
    state[0] = th + nthd * 0.05; /* semi-implicit: the new velocity */
    state[1] = nthd;
    *reward = -cost;
    *terminated = false;
}

/* Also keeps sin θ in the scratch double state[2] for the next step, so a
 * step costs one sincos instead of three trig calls. */
static void rlc_pendulum_observe(double *state, double *obs)
{
    double s, c;
    sincos(state[0], &s, &c); /* glibc's sincos returns exactly its sin and cos, in one call */
    state[2] = s;
    obs[0] = rlc_cc_f32(c);
    obs[1] = rlc_cc_f32(s);
    obs[2] = rlc_cc_f32(state[1]);
}

/* Steps and observes a group of copies phase by phase: the cost and the
 * dynamics of each, then sincos for each, then the stores, so that the
 * copies' sincos calls (a third of a step) do not wait on one another's
 * results. The same functions as step then observe, so the same bits
 * (tests/test_env.c, tests/test_vec_env.c). */
static void rlc_pendulum_step_batch(size_t n, double *states, size_t stride,
                                    const double *actions, double *obs, double *rewards,
                                    bool *terminated)
{
    enum { GROUP = 8 };
    for (size_t i0 = 0; i0 < n; i0 += GROUP) {
        size_t m = n - i0 < GROUP ? n - i0 : GROUP;
        double *st = states + i0 * stride;
        double th[GROUP], thd[GROUP], sn[GROUP], cs[GROUP];
        for (size_t k = 0; k < m; k++) {
            double *s = st + k * stride;
            double u = rlc_pendulum_clip(actions[i0 + k], -2.0, 2.0);
            rewards[i0 + k] = -rlc_pendulum_cost(s[0], s[1], u);
            terminated[i0 + k] = false;
            thd[k] = rlc_pendulum_velocity(s[1], s[2], u);
            th[k] = s[0] + thd[k] * 0.05;
        }
        for (size_t k = 0; k < m; k++)
            sincos(th[k], &sn[k], &cs[k]);
        for (size_t k = 0; k < m; k++) {
            double *s = st + k * stride, *o = obs + (i0 + k) * 3;
            s[0] = th[k];
            s[1] = thd[k];
            s[2] = sn[k];
            o[0] = rlc_cc_f32(cs[k]);
            o[1] = rlc_cc_f32(sn[k]);
            o[2] = rlc_cc_f32(thd[k]);
        }
    }
}

static const double rlc_pendulum_obs_low[3] = {-1.0, -1.0, -8.0};
static const double rlc_pendulum_obs_high[3] = {1.0, 1.0, 8.0};
static const double rlc_pendulum_act_low[1] = {-2.0};
static const double rlc_pendulum_act_high[1] = {2.0};

const rlc_env_type rlc_env_pendulum_v1 = {
    .id = "Pendulum-v1",
    .state_dim = 2,
    .scratch_dim = 1,
    .observation_space = {RLC_SPACE_BOX, 3, 0, rlc_pendulum_obs_low, rlc_pendulum_obs_high},
    .action_space = {RLC_SPACE_BOX, 1, 0, rlc_pendulum_act_low, rlc_pendulum_act_high},
    .max_episode_steps = 200, /* no reward_threshold: Gymnasium registers none */
    .reset = rlc_pendulum_reset,
    .step = rlc_pendulum_step,
    .step_batch = rlc_pendulum_step_batch,
    .observe = rlc_pendulum_observe,
};
