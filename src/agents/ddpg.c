/* ddpg.c — DDPG (Lillicrap et al. 2016, Alg. 1) behind rlc_agent_type
 * (contracts in include/rlc/ddpg.h and include/rlc/agent.h). Actor and
 * critic work in environment units: μ(s) = scale ⊙ tanh(·) + shift maps to
 * the action bounds once, and Q(s, a) takes the executed action. Exploration
 * noise is added in the normalised [−1, 1] space (as Stable-Baselines3), then
 * mapped to the bounds and clipped. No TD3 tricks (twin critics, target
 * smoothing, delays). Data-parallel as OpenAI Baselines' DDPG under MPI:
 * each rank its own env, replay and exploration, every gradient averaged
 * over the ranks before its optimiser step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "rlc/agent.h"
#include "rlc/ddpg.h"
#include "rlc/linalg.h"
#include "rlc/mlp.h"
#include "rlc/optim.h"
#include "rlc/replay.h"
#include "rlc/rng.h"
#include "rlc/tape.h"
#include "../core/gsl_alloc.h"

void rlc_ddpg_config_default(rlc_ddpg_config *cfg)
{
    *cfg = (rlc_ddpg_config){
        .learning_rate = 1e-3,
        .buffer_size = 1000000,
        .learning_starts = 100,
        .batch_size = 256,
        .tau = 0.005,
        .gamma = 0.99,
        .train_freq = 1,
        .gradient_steps = 1,
        .net_arch = {400, 300},
        .n_hidden = 2,
        .action_noise = RLC_NOISE_NORMAL,
        .noise_std = 0.1,
        .ou_theta = 0.15,
        .ou_dt = 1e-2,
    };
}

static const char *const noise_names[] = {
    [RLC_NOISE_NORMAL] = "normal", [RLC_NOISE_OU] = "ou", [RLC_NOISE_NONE] = "none",
};
_Static_assert(sizeof(rlc_action_noise) == sizeof(int), "an ENUM setting stores an int");

/* The [ddpg] section: every key, its range and help (defaults above). */
#define T rlc_ddpg_config
static const rlc_setting ddpg_rows[] = {
    RLC_SETTING_REAL_ROW(T, "learning_rate", learning_rate, 0, 1, RLC_SETTING_OPEN_LO,
                         "Adam step size, actor and critic"),
    RLC_SETTING_SIZE_ROW(T, "buffer_size", buffer_size, 1, "replay capacity, transitions"),
    RLC_SETTING_SIZE_ROW(T, "learning_starts", learning_starts, 0,
                         "steps of uniformly random actions, without updates, before learning"),
    RLC_SETTING_SIZE_ROW(T, "batch_size", batch_size, 1,
                         "transitions per gradient step (at most buffer_size)"),
    RLC_SETTING_REAL_ROW(T, "tau", tau, 0, 1, RLC_SETTING_OPEN_LO,
                         "Polyak coefficient: target <- tau*online + (1-tau)*target"),
    RLC_SETTING_REAL_ROW(T, "gamma", gamma, 0, 1, 0, "discount factor"),
    RLC_SETTING_SIZE_ROW(T, "train_freq", train_freq, 1, "environment steps between training phases"),
    RLC_SETTING_SIZE_ROW(T, "gradient_steps", gradient_steps, 1, "gradient steps per training phase"),
    RLC_SETTING_SIZES_ROW(T, "net_arch", net_arch, n_hidden, RLC_MAX_HIDDEN, 1, 65536,
                          "hidden layer widths, actor and critic alike"),
    RLC_SETTING_ENUM_ROW(T, "action_noise", action_noise, noise_names,
                         "exploration noise: i.i.d. Gaussian, Ornstein-Uhlenbeck, or none"),
    RLC_SETTING_REAL_ROW(T, "noise_std", noise_std, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "noise sigma as a fraction of the action half-range (high-low)/2"),
    RLC_SETTING_REAL_ROW(T, "ou_theta", ou_theta, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "OU mean-reversion rate"),
    RLC_SETTING_REAL_ROW(T, "ou_dt", ou_dt, 0, INFINITY, RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI,
                         "OU time step"),
};
#undef T

/* batch_size ≤ buffer_size; blames buffer_size when its origin ranks above
 * batch_size's. */
static rlc_status ddpg_check(const void *settings, rlc_agent_origin_fn origin, const void *ctx,
                             rlc_agent_settings_error *err)
{
    const rlc_ddpg_config *c = settings;
    if (c->batch_size <= c->buffer_size)
        return RLC_OK;
    bool by_buffer = origin && origin(ctx, "buffer_size") > origin(ctx, "batch_size");
    err->key = by_buffer ? "buffer_size" : "batch_size";
    if (by_buffer)
        snprintf(err->reason, sizeof err->reason, "%zu is smaller than batch_size %zu",
                 c->buffer_size, c->batch_size);
    else
        snprintf(err->reason, sizeof err->reason, "%zu is larger than buffer_size %zu",
                 c->batch_size, c->buffer_size);
    return RLC_EINVAL;
}

/* progress.csv columns, in this order */
enum { ACTOR_LOSS, CRITIC_LOSS, N_STATS };
static const char *const ddpg_stats[N_STATS] = {
    [ACTOR_LOSS] = "actor_loss", /* −mean Q(s, μ(s)) over the last training phase */
    [CRITIC_LOSS] = "critic_loss", /* mean (Q(s, a) − y)² */
};

typedef struct ddpg {
    rlc_ddpg_config cfg;
    size_t obs_dim, act_dim;
    double *scale, *shift;          /* act_dim each: (high−low)/2, (high+low)/2 */
    const double *low, *high;
    double *noise;                  /* act_dim: OU state / last noise */
    rlc_mlp *actor, *actor_target, *critic, *critic_target;
    rlc_optim *actor_opt, *critic_opt;
    rlc_replay *replay;
    rlc_replay_batch batch;
    gsl_matrix *y;                  /* batch × 1 critic targets */
    rlc_tape *tape;
    gsl_rng *explore_rng, *sample_rng;
    size_t n_updates;
    rlc_agent_ranks ranks;          /* data-parallel (ddpg_set_ranks); size 0 or 1: alone */
    rlc_replay_batch gc;            /* gradient checks only: a sampled batch */
    gsl_matrix *gc_y;               /* and its critic targets */
} ddpg;

static void ddpg_free(void *p)
{
    ddpg *a = p;
    if (!a)
        return;
    free(a->scale);
    free(a->noise);
    rlc_mlp_free(a->actor);
    rlc_mlp_free(a->actor_target);
    rlc_mlp_free(a->critic);
    rlc_mlp_free(a->critic_target);
    rlc_optim_free(a->actor_opt);
    rlc_optim_free(a->critic_opt);
    rlc_replay_free(a->replay);
    rlc_replay_batch_free(&a->batch);
    rlc_replay_batch_free(&a->gc);
    if (a->gc_y)
        gsl_matrix_free(a->gc_y);
    if (a->y)
        gsl_matrix_free(a->y);
    rlc_tape_free(a->tape);
    if (a->explore_rng)
        gsl_rng_free(a->explore_rng);
    if (a->sample_rng)
        gsl_rng_free(a->sample_rng);
    free(a);
}

static rlc_status size_tape(ddpg *a);

static rlc_status ddpg_create(void **out, const void *settings, const rlc_env_type *env,
                              uint64_t seed)
{
    const rlc_ddpg_config *cfg = settings;
    *out = NULL;
    if (!env || rlc_agent_check_settings(&rlc_agent_ddpg, cfg, NULL, NULL, NULL) ||
        !rlc_agent_supports(&rlc_agent_ddpg, env))
        return RLC_EINVAL;
    ddpg *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->obs_dim = env->observation_space.dim;
    a->act_dim = env->action_space.dim;
    a->low = env->action_space.low;
    a->high = env->action_space.high;
    size_t od = a->obs_dim, ad = a->act_dim;
    rlc_status st = RLC_ENOMEM;
    gsl_rng *init_rng = NULL;
    a->scale = malloc(2 * ad * sizeof(double));
    a->noise = calloc(ad, sizeof(double));
    a->y = rlc_matrix_alloc(cfg->batch_size, 1);
    a->explore_rng = rlc_rng_create(seed, RLC_RNG_EXPLORE);
    a->sample_rng = rlc_rng_create(seed, RLC_RNG_SAMPLE);
    init_rng = rlc_rng_create(seed, RLC_RNG_INIT);
    if (!a->scale || !a->noise || !a->y || !a->explore_rng || !a->sample_rng ||
        !init_rng)
        goto fail;
    a->shift = a->scale + ad;
    for (size_t j = 0; j < ad; j++) {
        a->scale[j] = (a->high[j] - a->low[j]) / 2.0;
        a->shift[j] = (a->high[j] + a->low[j]) / 2.0;
    }

    rlc_mlp_config actor_cfg = {.n_layers = cfg->n_hidden + 1,
                                .hidden_activation = RLC_ACT_RELU,
                                .output_activation = RLC_ACT_TANH};
    rlc_mlp_config critic_cfg = actor_cfg;
    critic_cfg.output_activation = RLC_ACT_IDENTITY;
    actor_cfg.sizes[0] = od;
    critic_cfg.sizes[0] = od + ad;
    for (size_t l = 0; l < cfg->n_hidden; l++)
        actor_cfg.sizes[l + 1] = critic_cfg.sizes[l + 1] = cfg->net_arch[l];
    actor_cfg.sizes[cfg->n_hidden + 1] = ad;
    critic_cfg.sizes[cfg->n_hidden + 1] = 1;
    if ((st = rlc_mlp_create(&a->actor, &actor_cfg)) || (st = rlc_mlp_create(&a->actor_target, &actor_cfg)) ||
        (st = rlc_mlp_create(&a->critic, &critic_cfg)) || (st = rlc_mlp_create(&a->critic_target, &critic_cfg)))
        goto fail;
    rlc_mlp_init_default(a->actor, init_rng);
    rlc_mlp_init_default(a->critic, init_rng);
    rlc_mlp_polyak(a->actor_target, a->actor, 1.0);   /* hard copy: θ' = θ bitwise */
    rlc_mlp_polyak(a->critic_target, a->critic, 1.0);

    rlc_optim_config oc;
    rlc_optim_config_default(&oc);
    oc.learning_rate = cfg->learning_rate;
    if ((st = rlc_optim_create(&a->actor_opt, rlc_optim_adam, a->actor->n_params, &oc)) ||
        (st = rlc_optim_create(&a->critic_opt, rlc_optim_adam, a->critic->n_params, &oc)) ||
        (st = rlc_replay_create(&a->replay, cfg->buffer_size, od, ad)) ||
        (st = rlc_replay_batch_create(&a->batch, cfg->batch_size, od, ad)) ||
        (st = rlc_tape_create(&a->tape, 1 << 16)) || (st = size_tape(a)))
        goto fail;
    gsl_rng_free(init_rng);
    *out = a;
    return RLC_OK;
fail:
    if (init_rng)
        gsl_rng_free(init_rng);
    ddpg_free(a);
    return st;
}

/* μ(s) in environment units on the tape. */
static rlc_node *actor_forward(ddpg *a, const rlc_mlp *actor, rlc_node *obs, bool train)
{
    return rlc_tape_scale_cols(a->tape, rlc_mlp_forward(actor, a->tape, obs, train), a->scale,
                               a->shift);
}

static rlc_node *critic_forward(ddpg *a, const rlc_mlp *critic, rlc_node *obs, rlc_node *act,
                                bool train)
{
    return rlc_mlp_forward(critic, a->tape, rlc_tape_concat_cols(a->tape, obs, act), train);
}

static rlc_status ddpg_predict(void *p, size_t n, const double *obs, double *action)
{
    ddpg *a = p;
    rlc_tape_reset(a->tape);
    rlc_node *x = rlc_tape_input(a->tape, n, a->obs_dim), *mu = NULL;
    if (x) {
        memcpy(x->value.data, obs, n * a->obs_dim * sizeof(double));
        mu = actor_forward(a, a->actor, x, false);
    }
    if (!mu)
        return rlc_tape_status(a->tape);
    for (size_t i = 0; i < n * a->act_dim; i++) { /* tanh can round to ±1: keep inside the bounds */
        size_t j = i % a->act_dim;
        action[i] = fmin(fmax(mu->value.data[i], a->low[j]), a->high[j]);
    }
    return RLC_OK;
}

static void ddpg_episode_start(void *p)
{
    ddpg *a = p;
    memset(a->noise, 0, a->act_dim * sizeof(double));
}

static rlc_status ddpg_explore(void *p, const double *obs, size_t timestep, double *action)
{
    ddpg *a = p;
    if (timestep < a->cfg.learning_starts) { /* warm-up: uniform over the action box */
        for (size_t j = 0; j < a->act_dim; j++)
            action[j] = gsl_ran_flat(a->explore_rng, a->low[j], a->high[j]);
        return RLC_OK;
    }
    rlc_status st = ddpg_predict(a, 1, obs, action);
    if (st != RLC_OK)
        return st;
    for (size_t j = 0; j < a->act_dim; j++) {
        double sigma = a->cfg.noise_std;
        switch (a->cfg.action_noise) {
        case RLC_NOISE_NORMAL:
            a->noise[j] = gsl_ran_gaussian(a->explore_rng, sigma);
            break;
        case RLC_NOISE_OU: /* x ← x + θ(0 − x)dt + σ√dt·N(0,1) */
            a->noise[j] += a->cfg.ou_theta * (0.0 - a->noise[j]) * a->cfg.ou_dt +
                           sigma * sqrt(a->cfg.ou_dt) * gsl_ran_gaussian(a->explore_rng, 1.0);
            break;
        case RLC_NOISE_NONE:
            a->noise[j] = 0.0;
            break;
        }
        double u = (action[j] - a->shift[j]) / a->scale[j] + a->noise[j]; /* normalised space */
        u = fmin(fmax(u, -1.0), 1.0);
        action[j] = fmin(fmax(a->scale[j] * u + a->shift[j], a->low[j]), a->high[j]);
    }
    return RLC_OK;
}

static rlc_status ddpg_store(void *p, const double *obs, const double *action, double reward,
                             const double *next_obs, bool terminated, bool truncated)
{
    ddpg *a = p;
    rlc_replay_add(a->replay, obs, action, reward, next_obs, terminated, truncated);
    return RLC_OK;
}

rlc_node *rlc_ddpg_critic_loss(rlc_tape *t, const rlc_mlp *critic, const gsl_matrix *obs,
                               const gsl_matrix *actions, const gsl_matrix *y)
{
    rlc_node *sa = rlc_tape_concat_cols(t, rlc_tape_leaf(t, obs, NULL), rlc_tape_leaf(t, actions, NULL));
    rlc_node *q = rlc_mlp_forward(critic, t, sa, true);
    return rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, q, rlc_tape_leaf(t, y, NULL))));
}

rlc_node *rlc_ddpg_actor_loss(rlc_tape *t, const rlc_mlp *actor, const rlc_mlp *critic,
                              const gsl_matrix *obs, const double *scale, const double *shift)
{
    rlc_node *s = rlc_tape_leaf(t, obs, NULL);
    rlc_node *mu = rlc_tape_scale_cols(t, rlc_mlp_forward(actor, t, s, true), scale, shift);
    rlc_node *q = rlc_mlp_forward(critic, t, rlc_tape_concat_cols(t, s, mu), false);
    return rlc_tape_scale(t, rlc_tape_mean(t, q), -1.0);
}

void rlc_ddpg_td_target(const gsl_matrix *rewards, const gsl_matrix *terminated,
                        const gsl_matrix *q_next, double gamma, gsl_matrix *y)
{
    for (size_t i = 0; i < y->size1; i++)
        y->data[i * y->tda] = rewards->data[i * rewards->tda] +
                              gamma * (1.0 - terminated->data[i * terminated->tda]) *
                                  q_next->data[i * q_next->tda];
}

/* Q'(s', μ'(s')) for the batch's next observations, on the tape. */
static rlc_node *target_q(ddpg *a)
{
    rlc_node *s2 = rlc_tape_leaf(a->tape, a->batch.next_obs, NULL);
    return critic_forward(a, a->critic_target, s2, actor_forward(a, a->actor_target, s2, false),
                          false);
}

/* Grow the tape to what train_step's three passes need, on the zeroed
 * batch, applying nothing. Once every reset has kept the high-water block,
 * training never allocates, so an update cannot stop halfway (after the
 * critic's step, say) for want of memory. */
static rlc_status size_tape(ddpg *a)
{
    rlc_tape *t = a->tape;
    rlc_replay_batch *b = &a->batch;
    gsl_matrix *m[] = {b->obs, b->next_obs, b->actions, b->rewards, b->terminated, a->y};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
        gsl_matrix_set_zero(m[k]);
    rlc_status st;
    if ((st = rlc_tape_reset(t)) || !target_q(a) || (st = rlc_tape_reset(t)) ||
        !rlc_ddpg_critic_loss(t, a->critic, b->obs, b->actions, a->y) ||
        (st = rlc_tape_reset(t)) ||
        !rlc_ddpg_actor_loss(t, a->actor, a->critic, b->obs, a->scale, a->shift))
        return st ? st : rlc_tape_status(t);
    return rlc_tape_reset(t);
}

/* Data-parallel: g replaced by its mean over the ranks (the fixed-order
 * sum, then ÷ size), so that every rank takes the same step. A rank whose
 * loss is not finite sends NaN, so every rank sees a non-finite gradient
 * and stops at the same step. Alone: nothing (bit for bit a plain run). */
static rlc_status average(ddpg *a, gsl_vector *g, bool finite)
{
    if (a->ranks.size <= 1)
        return RLC_OK;
    if (!finite)
        gsl_vector_set_all(g, NAN);
    rlc_status st = a->ranks.sum(a->ranks.ctx, g->data, g->size);
    if (st != RLC_OK)
        return st;
    for (size_t i = 0; i < g->size; i++) /* contiguous: the network's flat gradient */
        g->data[i] /= (double)a->ranks.size;
    return RLC_OK;
}

/* One gradient step on critic then actor, then both target updates
 * (Stable-Baselines3's DDPG order: TD3 with policy_delay 1, no smoothing).
 * The passes are those size_tape made room for: nothing here allocates.
 * RLC_ENONFINITE with *what naming a loss, gradient or parameters that
 * are not finite: checked before each step (a loss, a gradient: nothing of
 * that network applied) and after it (its parameters). Data-parallel,
 * each gradient is averaged over the ranks before its check and step. */
static rlc_status train_step(ddpg *a, double *critic_loss, double *actor_loss, const char **what)
{
    rlc_tape *t = a->tape;
    rlc_replay_batch *b = &a->batch;
    rlc_replay_sample(a->replay, a->sample_rng, b);

    rlc_tape_reset(t);
    rlc_node *q2 = target_q(a);
    if (!q2)
        return rlc_tape_status(t);
    rlc_ddpg_td_target(b->rewards, b->terminated, &q2->value, a->cfg.gamma, a->y);

    rlc_tape_reset(t);
    rlc_vector_zero(a->critic->grads);
    rlc_node *lc = rlc_ddpg_critic_loss(t, a->critic, b->obs, b->actions, a->y);
    rlc_status st = rlc_tape_backward(t, lc);
    if (st != RLC_OK)
        return st;
    *critic_loss = rlc_node_scalar(lc);
    /* stop before a step spreads NaN into the parameters */
    if ((st = average(a, a->critic->grads, isfinite(*critic_loss))) != RLC_OK)
        return st;
    if (!isfinite(*critic_loss) || !rlc_optim_all_finite(a->critic->grads)) {
        *what = isfinite(*critic_loss) ? "critic gradient" : "critic loss";
        return RLC_ENONFINITE;
    }
    rlc_optim_step(a->critic_opt, a->critic->params, a->critic->grads);
    if (!rlc_optim_all_finite(a->critic->params)) {
        *what = "critic parameters";
        return RLC_ENONFINITE;
    }

    rlc_tape_reset(t);
    rlc_vector_zero(a->actor->grads);
    rlc_node *la = rlc_ddpg_actor_loss(t, a->actor, a->critic, b->obs, a->scale, a->shift);
    if ((st = rlc_tape_backward(t, la)) != RLC_OK)
        return st;
    *actor_loss = rlc_node_scalar(la);
    if ((st = average(a, a->actor->grads, isfinite(*actor_loss))) != RLC_OK)
        return st;
    if (!isfinite(*actor_loss) || !rlc_optim_all_finite(a->actor->grads)) {
        *what = isfinite(*actor_loss) ? "actor gradient" : "actor loss";
        return RLC_ENONFINITE;
    }
    rlc_optim_step(a->actor_opt, a->actor->params, a->actor->grads);
    if (!rlc_optim_all_finite(a->actor->params)) {
        *what = "actor parameters";
        return RLC_ENONFINITE;
    }

    rlc_mlp_polyak(a->critic_target, a->critic, a->cfg.tau);
    rlc_mlp_polyak(a->actor_target, a->actor, a->cfg.tau);
    a->n_updates++;
    return RLC_OK;
}

static rlc_status ddpg_after_step(void *p, size_t timesteps, rlc_train_stats *stats)
{
    ddpg *a = p;
    if (timesteps <= a->cfg.learning_starts || timesteps % a->cfg.train_freq != 0)
        return RLC_OK;
    double cl = 0, al = 0;
    for (size_t k = 0; k < a->cfg.gradient_steps; k++) {
        double c = 0, l = 0;
        const char *what = "";
        rlc_status st = train_step(a, &c, &l, &what);
        if (st == RLC_ENONFINITE)
            return rlc_train_stats_nonfinite(stats, a->n_updates, what);
        if (st != RLC_OK)
            return st;
        cl += c;
        al += l;
    }
    stats->values[ACTOR_LOSS] = al / (double)a->cfg.gradient_steps;
    stats->values[CRITIC_LOSS] = cl / (double)a->cfg.gradient_steps;
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static size_t ddpg_tensors(void *p, rlc_agent_tensor *out)
{
    ddpg *a = p;
    rlc_agent_tensor t[] = {
        {"actor", a->actor->params},
        {"critic", a->critic->params},
        {"actor_target", a->actor_target->params},
        {"critic_target", a->critic_target->params},
    };
    memcpy(out, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static rlc_status ddpg_state(void *p, const rlc_state_visitor *v)
{
    ddpg *a = p;
    rlc_status st;
    if ((st = rlc_state_vector(v, "actor", a->actor->params)) ||
        (st = rlc_state_vector(v, "critic", a->critic->params)) ||
        (st = rlc_state_vector(v, "actor_target", a->actor_target->params)) ||
        (st = rlc_state_vector(v, "critic_target", a->critic_target->params)) ||
        (st = rlc_optim_state(a->actor_opt, v, "actor_optim")) ||
        (st = rlc_optim_state(a->critic_opt, v, "critic_optim")) ||
        (st = rlc_replay_state(a->replay, v, "replay")) ||
        (st = rlc_state_bytes(v, "noise", a->noise, a->act_dim * sizeof *a->noise)) ||
        (st = rlc_state_rng(v, "explore_rng", a->explore_rng)) ||
        (st = rlc_state_rng(v, "sample_rng", a->sample_rng)))
        return st;
    return rlc_state_bytes(v, "n_updates", &a->n_updates, sizeof a->n_updates);
}

/* --- gradient checks: the critic's and the actor's loss on a batch
 * sampled from the replay, with targets y from the target networks --- */

enum { GC_CRITIC, GC_ACTOR, GC_N };

static rlc_status ddpg_gradcheck_batch(void *p, const rlc_rollout *ro, const size_t *idx, size_t n)
{
    ddpg *a = p;
    (void)ro;
    (void)idx;
    if (n == 0 || a->replay->size == 0)
        return RLC_EINVAL;
    rlc_replay_batch_free(&a->gc);
    if (a->gc_y)
        gsl_matrix_free(a->gc_y);
    rlc_status st;
    if ((st = rlc_replay_batch_create(&a->gc, n, a->obs_dim, a->act_dim)))
        return st;
    if (!(a->gc_y = rlc_matrix_alloc(n, 1)))
        return RLC_ENOMEM;
    if ((st = rlc_replay_sample(a->replay, a->sample_rng, &a->gc)))
        return st;
    rlc_tape_reset(a->tape);
    rlc_node *s2 = rlc_tape_leaf(a->tape, a->gc.next_obs, NULL);
    rlc_node *q2 = critic_forward(a, a->critic_target, s2,
                                  actor_forward(a, a->actor_target, s2, false), false);
    if (!q2)
        return rlc_tape_status(a->tape);
    rlc_ddpg_td_target(a->gc.rewards, a->gc.terminated, &q2->value, a->cfg.gamma, a->gc_y);
    return RLC_OK;
}

static size_t ddpg_losses(void *p, rlc_agent_loss *out)
{
    ddpg *a = p;
    out[GC_CRITIC] = (rlc_agent_loss){.name = "critic_loss", .params = a->critic->params,
                                      .grads = a->critic->grads};
    out[GC_CRITIC].n_blocks =
        rlc_agent_mlp_blocks(a->critic, "critic", a->critic->params, out[GC_CRITIC].blocks);
    out[GC_ACTOR] = (rlc_agent_loss){.name = "actor_loss", .params = a->actor->params,
                                     .grads = a->actor->grads};
    out[GC_ACTOR].n_blocks =
        rlc_agent_mlp_blocks(a->actor, "actor", a->actor->params, out[GC_ACTOR].blocks);
    return GC_N;
}

static rlc_node *gc_record(ddpg *a, size_t i)
{
    rlc_tape_reset(a->tape);
    return i == GC_CRITIC
               ? rlc_ddpg_critic_loss(a->tape, a->critic, a->gc.obs, a->gc.actions, a->gc_y)
               : rlc_ddpg_actor_loss(a->tape, a->actor, a->critic, a->gc.obs, a->scale, a->shift);
}

static double ddpg_loss_value(void *p, size_t i)
{
    rlc_node *l = gc_record(p, i);
    return l ? rlc_node_scalar(l) : NAN;
}

static rlc_status ddpg_loss_gradient(void *p, size_t i)
{
    ddpg *a = p;
    rlc_node *l = gc_record(a, i);
    if (!l)
        return rlc_tape_status(a->tape);
    rlc_vector_zero(i == GC_CRITIC ? a->critic->grads : a->actor->grads);
    return rlc_tape_backward(a->tape, l);
}

static void ddpg_settings_default(void *settings)
{
    rlc_ddpg_config_default(settings);
}

/* Data-parallel: rank r > 0 explores and samples its replay from streams
 * RLC_RNG_EXPLORE and RLC_RNG_SAMPLE of ranks->seed (its own transitions,
 * in its own replay); every gradient step averages the critic's and then
 * the actor's gradient over the ranks (average). */
static rlc_status ddpg_set_ranks(void *p, const rlc_agent_ranks *ranks)
{
    ddpg *a = p;
    if (!ranks || !ranks->size || ranks->rank >= ranks->size || !ranks->sum)
        return RLC_EINVAL;
    if (ranks->rank > 0) {
        gsl_rng *e = rlc_rng_create(ranks->seed, RLC_RNG_EXPLORE);
        gsl_rng *s = rlc_rng_create(ranks->seed, RLC_RNG_SAMPLE);
        if (e && s) {
            gsl_rng_memcpy(a->explore_rng, e);
            gsl_rng_memcpy(a->sample_rng, s);
        }
        if (e)
            gsl_rng_free(e);
        if (s)
            gsl_rng_free(s);
        if (!e || !s)
            return RLC_ENOMEM;
    }
    a->ranks = *ranks;
    return RLC_OK;
}

const rlc_agent_type rlc_agent_ddpg = {
    .name = "ddpg",
    .description = "Deep Deterministic Policy Gradient (replay, target networks)",
    .kind = RLC_AGENT_OFF_POLICY,
    .box_actions = true,
    .discrete_actions = false,
    .settings_size = sizeof(rlc_ddpg_config),
    .settings_default = ddpg_settings_default,
    .settings_rows = ddpg_rows,
    .n_settings_rows = sizeof ddpg_rows / sizeof ddpg_rows[0],
    .settings_check = ddpg_check,
    .stat_names = ddpg_stats,
    .n_stats = N_STATS,
    .create = ddpg_create,
    .free = ddpg_free,
    .predict = ddpg_predict,
    .tensors = ddpg_tensors,
    .state = ddpg_state,
    .explore = ddpg_explore,
    .episode_start = ddpg_episode_start,
    .store = ddpg_store,
    .after_step = ddpg_after_step,
    .gradcheck_batch = ddpg_gradcheck_batch,
    .losses = ddpg_losses,
    .loss_value = ddpg_loss_value,
    .loss_gradient = ddpg_loss_gradient,
    .set_ranks = ddpg_set_ranks,
};
_Static_assert(sizeof(rlc_ddpg_config) <= RLC_AGENT_SETTINGS_MAX, "raise RLC_AGENT_SETTINGS_MAX");
