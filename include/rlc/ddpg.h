/* rlc/ddpg.h — DDPG (Lillicrap et al. 2016, "Continuous control with deep
 * reinforcement learning", Algorithm 1): deterministic actor mu(s), critic
 * Q(s, a), Polyak-averaged target networks, uniform replay, Gaussian or
 * Ornstein–Uhlenbeck exploration. Hyperparameter names are
 * Stable-Baselines3's; the agent type rlc_agent_ddpg declares them as the
 * [ddpg] section. Data-parallel (set_ranks, as OpenAI Baselines' DDPG under
 * MPI): each rank steps its own env and keeps its own replay, explores and
 * samples from streams of its rank seed (rank 0: the run seed), and every
 * gradient step's critic gradient, then actor gradient, is summed over the
 * ranks (rlc_agent_ranks.sum) and divided by their number before its Adam
 * step, so the parameters stay identical on every rank; the reported
 * losses are this rank's. With one rank nothing changes, bit for bit. */
#ifndef RLC_DDPG_H
#define RLC_DDPG_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "rlc/agent.h"
#include "rlc/mlp.h"
#include "rlc/tape.h"

extern const rlc_agent_type rlc_agent_ddpg; /* src/agents/ddpg.c */

typedef enum rlc_action_noise {
    RLC_NOISE_NORMAL, /* i.i.d. N(0, noise_std^2) per step */
    RLC_NOISE_OU,     /* Ornstein–Uhlenbeck(theta = ou_theta, sigma = noise_std, dt = ou_dt), reset at episode start */
    RLC_NOISE_NONE
} rlc_action_noise;

typedef struct rlc_ddpg_config {
    double learning_rate;          /* Adam step size, actor and critic */
    size_t buffer_size;            /* replay capacity, transitions */
    size_t learning_starts;        /* uniformly random actions and no updates before this many steps */
    size_t batch_size;             /* transitions per gradient step */
    double tau;                    /* Polyak coefficient: theta' <- tau*theta + (1-tau)*theta' */
    double gamma;                  /* discount */
    size_t train_freq;             /* env steps between training phases */
    size_t gradient_steps;         /* gradient steps per training phase */
    size_t net_arch[RLC_MAX_HIDDEN]; /* hidden layer widths, actor and critic alike */
    size_t n_hidden;               /* entries used in net_arch (1..RLC_MAX_HIDDEN) */
    rlc_action_noise action_noise;
    double noise_std;              /* noise sigma as a fraction of the action half-range (high-low)/2 */
    double ou_theta;               /* OU mean-reversion rate */
    double ou_dt;                  /* OU time step */
} rlc_ddpg_config;

/* Defaults: Stable-Baselines3's DDPG defaults except where rlc's tuned
 * Pendulum settings say otherwise (see configs/ddpg_pendulum.ini). */
void rlc_ddpg_config_default(rlc_ddpg_config *cfg);

/* The two DDPG losses, recorded on tape t (public so they can be
 * gradient-checked and reused). Shapes: obs n×obs_dim, actions n×act_dim
 * (environment units), y n×1; all borrowed for the pass. Each returns a 1×1
 * node, or NULL with the error in rlc_tape_status(t).
 *
 * Critic (Lillicrap et al. 2016, Alg. 1): L(φ) = mean_i (Q_φ(s_i, a_i) − y_i)²;
 * backward adds dL/dφ into critic->grads only. */
rlc_node *rlc_ddpg_critic_loss(rlc_tape *t, const rlc_mlp *critic, const gsl_matrix *obs,
                               const gsl_matrix *actions, const gsl_matrix *y);

/* Actor: J(θ) = −mean_i Q_φ(s_i, μ_θ(s_i)) with μ_θ(s) = scale ⊙ tanh(net_θ(s)) + shift
 * (scale, shift: act_dim doubles, borrowed). The critic is held constant:
 * backward adds dJ/dθ into actor->grads and leaves critic->grads untouched. */
rlc_node *rlc_ddpg_actor_loss(rlc_tape *t, const rlc_mlp *actor, const rlc_mlp *critic,
                              const gsl_matrix *obs, const double *scale, const double *shift);

/* Critic targets y_i = r_i + γ·(1 − terminated_i)·q_next_i (all n×1): a
 * truncated transition (terminated 0) bootstraps from Q'(s', μ'(s')).
 * Does not allocate. */
void rlc_ddpg_td_target(const gsl_matrix *rewards, const gsl_matrix *terminated,
                        const gsl_matrix *q_next, double gamma, gsl_matrix *y);

#endif
