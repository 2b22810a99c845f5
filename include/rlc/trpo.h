/* rlc/trpo.h — Trust Region Policy Optimization (Schulman et al. 2015,
 * "Trust Region Policy Optimization", §6 and Appendix C), with settings
 * named and meant as sb3-contrib's TRPO: per rollout, one natural-gradient
 * step of the policy (actor and log-std) — the conjugate-gradient solution
 * s of (F + cg_damping·I) s = g, where g is the gradient of the surrogate
 * L(θ) = mean(A·π_θ(a|s)/π_old(a|s)) and F the Fisher matrix of the mean
 * KL(π_old ‖ π_θ) at θ_old, scaled to the KL limit and shortened by a
 * backtracking line search — then n_critic_updates epochs of Adam on the
 * critic alone. The agent type rlc_agent_trpo declares the settings as the
 * [trpo] section. No entropy bonus, no gSDE.
 * Where rlc differs from sb3-contrib, on purpose: the KL is KL(π_old ‖ π_θ)
 * as in the paper (sb3-contrib's line search measures KL(π_θ ‖ π_old); the
 * Fisher matrix at θ_old is the same), a candidate is accepted at KL ≤ δ
 * (sb3-contrib: < δ), and conjugate gradient starts from 0 (sb3-contrib:
 * from 1e-4·N(0, 1) noise), so an update is deterministic given the
 * rollout. */
#ifndef RLC_TRPO_H
#define RLC_TRPO_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/agent.h"
#include "rlc/optim.h"
#include "rlc/policy.h"

extern const rlc_agent_type rlc_agent_trpo; /* src/agents/trpo.c */

typedef struct rlc_trpo_config {
    size_t n_envs;
    size_t n_steps;                      /* steps per copy per update (default 2048) */
    size_t batch_size;                   /* critic minibatch (default 128) */
    double learning_rate;                /* critic Adam step size (default 1e-3) */
    rlc_schedule lr_schedule;
    double gamma, gae_lambda;            /* default 0.99, 0.95 */
    size_t cg_max_steps;                 /* Fisher-vector products per CG solve (default 15) */
    double cg_damping;                   /* F + cg_damping·I (default 0.1) */
    double line_search_shrinking_factor; /* step fraction ← fraction · this (default 0.8) */
    size_t line_search_max_iter;         /* candidates tried (default 10) */
    size_t n_critic_updates;             /* critic epochs per rollout (default 10) */
    /* k: the policy step (surrogate, its gradient, the Fisher-vector
     * products, the line search) uses ⌈rows / k⌉ rows drawn at random
     * without replacement from the rollout's, afresh each update; the
     * critic uses them all (default 1: every row). As sb3-contrib's, which
     * cites Schulman's thesis (2016), pp. 40–42. */
    size_t sub_sampling_factor;
    bool normalize_advantage;            /* over the policy step's rows, sample std (default true) */
    double target_kl;                    /* δ: the KL limit of a step (default 0.01) */
    bool norm_reward;
    rlc_policy_config policy;
} rlc_trpo_config;

/* sb3-contrib's TRPO defaults, one env. */
void rlc_trpo_config_default(rlc_trpo_config *cfg);

/* The step scale of a natural-gradient direction s: β = √(2δ / sᵀFs), so
 * that the quadratic model of the KL, ½(βs)ᵀF(βs), equals δ. NaN when
 * sᵀFs ≤ 0 or either is not finite (the step is then skipped). */
double rlc_trpo_step_scale(double target_kl, double sFs);

/* Whether the backtracking line search accepts a candidate step: its mean
 * KL(π_old ‖ π_new) is at most δ = target_kl and its surrogate improved
 * (> 0). The search tries fractions 1, f, f², ... of the full step and
 * keeps the first candidate accepted; none accepted restores the old
 * parameters. */
bool rlc_trpo_accepts(double kl, double improvement, double target_kl);

#endif
