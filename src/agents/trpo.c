/* trpo.c — TRPO (Schulman et al. 2015) behind rlc_agent_type (contracts in
 * include/rlc/trpo.h and include/rlc/agent.h): the rollout is collected by
 * rlc_runner_onpolicy; an update takes one natural-gradient step of π
 * (conjugate gradient on exact Fisher-vector products from the tape's
 * tangents, KL-limited step, backtracking line search), then trains the
 * critic with its own Adam. No entropy bonus, no gSDE. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "rlc/cg.h"
#include "rlc/linalg.h"
#include "rlc/rng.h"
#include "rlc/trpo.h"

void rlc_trpo_config_default(rlc_trpo_config *cfg)
{
    *cfg = (rlc_trpo_config){
        .n_envs = 1,
        .n_steps = 2048,
        .batch_size = 128,
        .learning_rate = 1e-3,
        .lr_schedule = RLC_SCHEDULE_CONSTANT,
        .gamma = 0.99,
        .gae_lambda = 0.95,
        .cg_max_steps = 15,
        .cg_damping = 0.1,
        .line_search_shrinking_factor = 0.8,
        .line_search_max_iter = 10,
        .n_critic_updates = 10,
        .sub_sampling_factor = 1,
        .normalize_advantage = true,
        .target_kl = 0.01,
        .norm_reward = false,
    };
    rlc_policy_config_default(&cfg->policy);
}

/* The [trpo] section: every key, its range and help (defaults above). */
#define T rlc_trpo_config
static const rlc_setting trpo_rows[] = {
    RLC_POLICY_N_ENVS_ROW(T),
    RLC_SETTING_SIZE_ROW(T, "n_steps", n_steps, 1, "steps per environment copy per update"),
    RLC_SETTING_SIZE_ROW(T, "batch_size", batch_size, 1,
                         "critic minibatch size (at most n_steps * n_envs)"),
    RLC_SETTING_REAL_ROW(T, "learning_rate", learning_rate, 0, 1, RLC_SETTING_OPEN_LO,
                         "critic Adam step size at the start"),
    RLC_SETTING_ENUM_ROW(T, "lr_schedule", lr_schedule, rlc_schedule_names,
                         "learning_rate constant, or linear decay to 0 at the end"),
    RLC_POLICY_GAE_ROWS(T),
    RLC_SETTING_WHOLE_ROW(T, "cg_max_steps", RLC_SETTING_SIZE, cg_max_steps, 1, 1000,
                          "Fisher-vector products per conjugate-gradient solve"),
    RLC_SETTING_REAL_ROW(T, "cg_damping", cg_damping, 0, INFINITY, RLC_SETTING_OPEN_HI,
                         "damping added to the Fisher matrix: (F + cg_damping*I) s = g"),
    RLC_SETTING_REAL_ROW(T, "line_search_shrinking_factor", line_search_shrinking_factor, 0, 1,
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI,
                         "step fraction factor between line-search candidates"),
    RLC_SETTING_WHOLE_ROW(T, "line_search_max_iter", RLC_SETTING_SIZE, line_search_max_iter, 1,
                          1000, "line-search candidates tried before the step is dropped"),
    RLC_SETTING_WHOLE_ROW(T, "n_critic_updates", RLC_SETTING_SIZE, n_critic_updates, 1, 100000,
                          "critic epochs over each rollout"),
    RLC_SETTING_WHOLE_ROW(T, "sub_sampling_factor", RLC_SETTING_SIZE, sub_sampling_factor, 1,
                          1000000, "the policy step uses a random 1/k of the rollout's rows"),
    RLC_SETTING_BOOL_ROW(T, "normalize_advantage", normalize_advantage,
                         "normalise advantages over the rows of the policy step"),
    RLC_SETTING_REAL_ROW(T, "target_kl", target_kl, 0, INFINITY,
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI,
                         "KL limit of a step: mean KL(old || new) <= target_kl"),
    RLC_SETTING_BOOL_ROW(T, "norm_reward", norm_reward,
                         "scale rewards by the running std of the discounted return"),
    RLC_POLICY_SETTING_ROWS(T, policy),
};
#undef T

static rlc_status trpo_check(const void *settings, rlc_agent_origin_fn fn, const void *ctx,
                             rlc_agent_settings_error *err)
{
    const rlc_trpo_config *c = settings;
    rlc_status st = rlc_policy_check_rollout(c->n_steps, c->n_envs, c->batch_size, fn, ctx, err);
    if (st != RLC_OK)
        return st;
    /* the policy step needs 2 rows at least (a gradient of more than one
     * sample; advantages normalised by a sample std) */
    if (c->n_envs && c->n_steps > SIZE_MAX / c->n_envs)
        return RLC_OK; /* a rollout beyond size_t has rows to spare (creating it fails) */
    size_t rows = c->n_steps * c->n_envs;
    if (c->sub_sampling_factor >= rows) { /* ⌈rows / k⌉ < 2 */
        err->key = "sub_sampling_factor";
        snprintf(err->reason, sizeof err->reason,
                 "%zu leaves fewer than 2 of the rollout's n_steps \xc3\x97 n_envs = %zu rows for the"
                 " policy step (at most %zu)", c->sub_sampling_factor, rows, rows - 1);
        return RLC_EINVAL;
    }
    return RLC_OK;
}

/* progress.csv columns, in this order */
enum { KL, EXPECTED_IMPROVEMENT, SURROGATE_IMPROVEMENT, LINE_SEARCH_STEPS, LINE_SEARCH_FAILURES,
       SKIPPED_STEPS, CG_ITERATIONS, CG_RESIDUAL, VALUE_LOSS, EXPLAINED_VARIANCE, LEARNING_RATE,
       N_STATS };
static const char *const trpo_stats[N_STATS] = {
    [KL] = "kl_divergence",                       /* mean KL(old ‖ new) of the step taken (0: none) */
    [EXPECTED_IMPROVEMENT] = "expected_improvement", /* β·gᵀs, the linear model's gain of the full step */
    [SURROGATE_IMPROVEMENT] = "surrogate_improvement", /* L(new) − L(old) of the step taken (0: none) */
    [LINE_SEARCH_STEPS] = "line_search_steps",    /* candidates evaluated */
    [LINE_SEARCH_FAILURES] = "line_search_failures", /* updates whose line search accepted none, so far */
    [SKIPPED_STEPS] = "skipped_steps",            /* updates with sᵀFs ≤ 0 or not finite, so far */
    [CG_ITERATIONS] = "cg_iterations",
    [CG_RESIDUAL] = "cg_residual",                /* ‖g − (F + λI)s‖² at the end of CG */
    [VALUE_LOSS] = "value_loss",                  /* mean over the critic's minibatches */
    [EXPLAINED_VARIANCE] = "explained_variance",
    [LEARNING_RATE] = "learning_rate",            /* the critic's */
};

typedef struct trpo {
    rlc_policy_trainer tr; /* first: the shared agent-table entries point here; no optimiser */
    rlc_trpo_config cfg;
    rlc_optim *critic_opt; /* Adam over the critic's parameters alone */
    gsl_rng *sample_rng;   /* critic minibatch order; the policy step's sub-sample */
    rlc_cg *cg;
    size_t rows, n_pi;     /* rollout rows; parameters of π (actor | log_std) */
    size_t pi_rows;        /* rows of the policy step: ⌈rows / sub_sampling_factor⌉ */
    size_t *order, *perm;  /* rows each: 0 .. rows − 1, and the critic's minibatch order */
    size_t *sub;           /* rows: a shuffle whose first pi_rows are the policy step's (k > 1) */
    /* the rollout, gathered (rows each) */
    double *obs, *actions, *old_log_probs, *advantages, *returns;
    /* the policy step's rows (pi_rows each): the rollout's own arrays when
     * sub_sampling_factor is 1, else the sub-sample gathered from them */
    double *pi_obs, *pi_actions, *pi_old_log_probs, *pi_advantages;
    rlc_policy_fisher *fisher; /* F·v at θ_old, and π_old's distribution parameters */
    gsl_vector *g, *s, *Fs; /* n_pi each */
    gsl_vector *theta0;        /* π's parameters before the last policy step (n_pi) */
    size_t failures, skipped, n_updates;
    /* gradient checks only (trpo_gradcheck_batch): π_old's distribution
     * parameters on the batch's rows, the Fisher workspace at the checked
     * point, GC_DIRECTIONS random directions over π's parameters, F·v */
    double *gc_old_dist, *gc_old_log_std;
    rlc_policy_fisher *gc_fisher;
    gsl_vector *gc_v[2], *gc_fv;
} trpo;
_Static_assert(offsetof(trpo, tr) == 0, "rlc_policy_trainer_* entries take the agent as its trainer");

static void trpo_free(void *p)
{
    trpo *a = p;
    if (!a)
        return;
    rlc_policy_trainer_release(&a->tr);
    rlc_optim_free(a->critic_opt);
    if (a->sample_rng)
        gsl_rng_free(a->sample_rng);
    rlc_cg_free(a->cg);
    free(a->order);
    free(a->perm);
    free(a->obs);
    free(a->actions);
    free(a->old_log_probs);
    free(a->advantages);
    free(a->returns);
    free(a->sub);
    if (a->pi_obs != a->obs) {
        free(a->pi_obs);
        free(a->pi_actions);
        free(a->pi_old_log_probs);
        free(a->pi_advantages);
    }
    rlc_policy_fisher_free(a->fisher);
    free(a->gc_old_dist);
    rlc_policy_fisher_free(a->gc_fisher);
    gsl_vector *vs[] = {a->g, a->s, a->Fs, a->theta0, a->gc_v[0], a->gc_v[1], a->gc_fv};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    free(a);
}

static rlc_status size_tape(trpo *a);

static rlc_status trpo_create(void **out, const void *settings, const rlc_env_type *env,
                              uint64_t seed)
{
    const rlc_trpo_config *cfg = settings;
    *out = NULL;
    if (!env || rlc_agent_check_settings(&rlc_agent_trpo, cfg, NULL, NULL, NULL) ||
        !rlc_agent_supports(&rlc_agent_trpo, env))
        return RLC_EINVAL;
    trpo *a = calloc(1, sizeof *a);
    if (!a)
        return RLC_ENOMEM;
    a->cfg = *cfg;
    a->rows = cfg->n_steps * cfg->n_envs;
    a->pi_rows = (a->rows + cfg->sub_sampling_factor - 1) / cfg->sub_sampling_factor;
    rlc_status st = rlc_policy_trainer_init(&a->tr, &cfg->policy, env, seed, NULL, 0.0, 0.0);
    if (st != RLC_OK)
        goto fail;
    rlc_policy *p = a->tr.policy;
    a->n_pi = p->pi.vector.size;
    /* sb3-contrib's TRPO trains the critic with the policy's Adam (eps 1e-8) */
    rlc_optim_config oc;
    rlc_optim_config_default(&oc);
    oc.learning_rate = cfg->learning_rate;
    if ((st = rlc_optim_create(&a->critic_opt, rlc_optim_adam, p->critic->n_params, &oc)) ||
        (st = rlc_cg_alloc(&a->cg, a->n_pi)) ||
        (st = rlc_policy_fisher_create(&a->fisher, p, a->pi_rows, cfg->cg_damping)))
        goto fail;
    size_t n = a->rows, od = p->obs_dim, ad = p->act_dim;
    st = RLC_ENOMEM;
    a->sample_rng = rlc_rng_create(seed, RLC_RNG_SAMPLE);
    a->order = malloc(n * sizeof *a->order);
    a->perm = malloc(n * sizeof *a->perm);
    a->obs = calloc(n * od, sizeof(double)); /* zeros: size_tape's rollout */
    a->actions = calloc(n * ad, sizeof(double));
    a->old_log_probs = calloc(n, sizeof(double));
    a->advantages = calloc(n, sizeof(double));
    a->returns = calloc(n, sizeof(double));
    a->g = gsl_vector_calloc(a->n_pi);
    a->s = gsl_vector_alloc(a->n_pi);
    a->Fs = gsl_vector_alloc(a->n_pi);
    a->theta0 = gsl_vector_alloc(a->n_pi);
    if (!a->sample_rng || !a->order || !a->perm || !a->obs || !a->actions || !a->old_log_probs ||
        !a->advantages || !a->returns || !a->g || !a->s || !a->Fs || !a->theta0)
        goto fail;
    if (cfg->sub_sampling_factor == 1) {
        a->pi_obs = a->obs;
        a->pi_actions = a->actions;
        a->pi_old_log_probs = a->old_log_probs;
        a->pi_advantages = a->advantages;
    } else {
        size_t m = a->pi_rows;
        a->sub = malloc(n * sizeof *a->sub);
        a->pi_obs = calloc(m * od, sizeof(double));
        a->pi_actions = calloc(m * ad, sizeof(double));
        a->pi_old_log_probs = calloc(m, sizeof(double));
        a->pi_advantages = calloc(m, sizeof(double));
        if (!a->sub || !a->pi_obs || !a->pi_actions || !a->pi_old_log_probs || !a->pi_advantages)
            goto fail;
    }
    for (size_t i = 0; i < n; i++)
        a->order[i] = a->perm[i] = i;
    gsl_vector_memcpy(a->theta0, &p->pi.vector);
    if ((st = size_tape(a)) != RLC_OK)
        goto fail;
    *out = a;
    return RLC_OK;
fail:
    trpo_free(a);
    return st;
}

static rlc_onpolicy_settings trpo_settings(const void *p)
{
    const trpo *a = p;
    return (rlc_onpolicy_settings){a->cfg.n_envs, a->cfg.n_steps, a->cfg.gamma, a->cfg.gae_lambda,
                                   a->cfg.norm_reward};
}

double rlc_trpo_step_scale(double target_kl, double sFs)
{
    double beta = sqrt(2.0 * target_kl / sFs);
    return sFs > 0 && isfinite(sFs) && isfinite(beta) ? beta : NAN;
}

bool rlc_trpo_accepts(double kl, double improvement, double target_kl)
{
    return kl <= target_kl && improvement > 0;
}

/* On the tape (reset first): π's distribution parameters for the gathered
 * rollout, with π's parameters trainable; the surrogate
 * L = mean(A·exp(log π − log π_old)) and, when `kl` is wanted, the mean
 * KL(π_old ‖ π) against the stored old parameters. */
static rlc_status record_surrogate(trpo *a, bool train, rlc_node **dist, rlc_node **log_std,
                                   rlc_node **surrogate, rlc_node **kl)
{
    rlc_policy *p = a->tr.policy;
    rlc_tape *t = a->tr.tape;
    size_t n = a->pi_rows;
    gsl_matrix_const_view obs = gsl_matrix_const_view_array(a->pi_obs, n, p->obs_dim);
    gsl_matrix_const_view act = gsl_matrix_const_view_array(a->pi_actions, n, p->act_dim);
    gsl_matrix_const_view oldlp = gsl_matrix_const_view_array(a->pi_old_log_probs, n, 1);
    gsl_matrix_const_view adv = gsl_matrix_const_view_array(a->pi_advantages, n, 1);
    rlc_tape_reset(t);
    rlc_status st = rlc_policy_forward(p, t, &obs.matrix, train, dist, log_std, NULL);
    if (st != RLC_OK)
        return st;
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, *dist, *log_std, &act.matrix);
    rlc_node *ratio = rlc_tape_exp(t, rlc_tape_sub(t, logp, rlc_tape_leaf(t, &oldlp.matrix, NULL)));
    *surrogate = rlc_tape_mean(t, rlc_tape_mul(t, ratio, rlc_tape_leaf(t, &adv.matrix, NULL)));
    if (kl) {
        gsl_matrix_view od = gsl_matrix_view_array(a->fisher->old_dist, n, p->dist_dim);
        gsl_matrix_view ol = gsl_matrix_view_array(a->fisher->old_log_std, 1, p->act_dim);
        *kl = rlc_dist_kl(t, p->dist, rlc_tape_leaf(t, &od.matrix, NULL),
                          p->dist == RLC_DIST_GAUSSIAN ? rlc_tape_leaf(t, &ol.matrix, NULL) : NULL,
                          *dist, *log_std);
    }
    return rlc_tape_status(t);
}

/* The Fisher-vector product on this rank's rollout, averaged over the
 * ranks (data-parallel; this rank's alone otherwise). */
static rlc_status fisher_product(void *p, const gsl_vector *v, gsl_vector *Fv)
{
    trpo *a = p;
    rlc_status st = rlc_policy_fisher_product(a->fisher, v, Fv);
    if (st == RLC_OK)
        st = rlc_policy_trainer_mean(&a->tr, Fv->data, Fv->size);
    return st;
}

/* The policy step: direction, scale, line search. Fills the policy stats.
 * Data-parallel, the surrogate, its gradient, every Fisher-vector product
 * and each line-search candidate's surrogate and KL are averaged over the
 * ranks, so every rank takes the same step. */
static rlc_status policy_step(trpo *a, double *stats)
{
    rlc_policy *p = a->tr.policy;
    rlc_node *dist, *ls, *surr;
    gsl_vector_memcpy(a->theta0, &p->pi.vector); /* θ_old */
    rlc_status st = record_surrogate(a, true, &dist, &ls, &surr, NULL);
    if (st != RLC_OK)
        return st;
    double L0 = rlc_node_scalar(surr);
    if ((st = rlc_policy_trainer_mean(&a->tr, &L0, 1)))
        return st;
    if (!isfinite(L0))
        return RLC_ENONFINITE;
    if ((st = rlc_policy_fisher_set(a->fisher, a->tr.tape, dist, ls)))
        return st;
    rlc_vector_zero(&p->dpi.vector);
    if ((st = rlc_tape_backward(a->tr.tape, surr)))
        return st;
    gsl_vector_memcpy(a->g, &p->dpi.vector);
    if ((st = rlc_policy_trainer_mean(&a->tr, a->g->data, a->g->size)))
        return st;

    rlc_cg_result cg;
    st = rlc_cg_solve(a->cg, fisher_product, a, a->g, a->s, a->cfg.cg_max_steps, 1e-10, &cg);
    stats[CG_ITERATIONS] = (double)cg.iterations;
    stats[CG_RESIDUAL] = cg.residual_norm2;
    stats[KL] = stats[SURROGATE_IMPROVEMENT] = 0.0;
    stats[LINE_SEARCH_STEPS] = 0.0;
    double beta = NAN, gs = 0.0;
    if (st == RLC_OK && (st = fisher_product(a, a->s, a->Fs)) == RLC_OK) {
        double sFs = rlc_dot(a->s, a->Fs);
        gs = rlc_dot(a->g, a->s);
        beta = rlc_trpo_step_scale(a->cfg.target_kl, sFs);
    } else if (st != RLC_ENONFINITE) {
        return st; /* a tape error; ENONFINITE (no positive curvature) skips the step */
    }
    stats[EXPECTED_IMPROVEMENT] = isnan(beta) ? 0.0 : beta * gs;
    if (isnan(beta)) {
        a->skipped++;
        return RLC_OK;
    }
    double frac = 1.0;
    for (size_t it = 0; it < a->cfg.line_search_max_iter; it++) {
        gsl_vector_memcpy(&p->pi.vector, a->theta0);
        rlc_axpy(frac * beta, a->s, &p->pi.vector);
        rlc_node *kl;
        if ((st = record_surrogate(a, false, &dist, &ls, &surr, &kl))) {
            gsl_vector_memcpy(&p->pi.vector, a->theta0);
            return st;
        }
        stats[LINE_SEARCH_STEPS] = (double)(it + 1);
        double sk[2] = {rlc_node_scalar(surr), rlc_node_scalar(kl)};
        if ((st = rlc_policy_trainer_mean(&a->tr, sk, 2))) {
            gsl_vector_memcpy(&p->pi.vector, a->theta0);
            return st;
        }
        double improvement = sk[0] - L0, d = sk[1];
        if (rlc_trpo_accepts(d, improvement, a->cfg.target_kl)) {
            stats[KL] = d;
            stats[SURROGATE_IMPROVEMENT] = improvement;
            return RLC_OK;
        }
        frac *= a->cfg.line_search_shrinking_factor;
    }
    gsl_vector_memcpy(&p->pi.vector, a->theta0); /* bit for bit */
    a->failures++;
    return RLC_OK;
}

/* On the tape (reset first): the critic's loss mean (R − V)² on the
 * gathered rollout's rows idx[0 .. m), or on m zero rows when idx is NULL
 * (size_tape), with the critic's parameters trainable. NULL on a tape
 * error. */
static rlc_node *record_critic_loss(trpo *a, const size_t *idx, size_t m)
{
    rlc_policy *p = a->tr.policy;
    rlc_tape *t = a->tr.tape;
    size_t od = p->obs_dim;
    rlc_tape_reset(t);
    rlc_node *x = rlc_tape_input(t, m, od), *ret = rlc_tape_input(t, m, 1), *v;
    if (!x || !ret)
        return NULL;
    for (size_t i = 0; i < m; i++) { /* the minibatch is gathered onto the tape */
        const double *o = idx ? a->obs + idx[i] * od : NULL;
        for (size_t j = 0; j < od; j++)
            x->value.data[i * od + j] = o ? o[j] : 0.0;
        ret->value.data[i] = idx ? a->returns[idx[i]] : 0.0;
    }
    if (rlc_policy_forward(p, t, &x->value, true, NULL, NULL, &v) != RLC_OK)
        return NULL;
    return rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, ret, v)));
}

/* n_critic_updates epochs of shuffled minibatches on mean (R − V)². */
static rlc_status critic_step(trpo *a, double *value_loss)
{
    rlc_policy *p = a->tr.policy;
    size_t n = a->rows, bs = a->cfg.batch_size < n ? a->cfg.batch_size : n;
    double sum = 0.0;
    size_t count = 0;
    for (size_t e = 0; e < a->cfg.n_critic_updates; e++) {
        gsl_ran_shuffle(a->sample_rng, a->perm, n, sizeof *a->perm);
        for (size_t start = 0; start < n; start += bs) {
            size_t m = n - start < bs ? n - start : bs; /* the last may be smaller */
            rlc_node *loss = record_critic_loss(a, a->perm + start, m);
            if (!loss)
                return rlc_tape_status(a->tr.tape);
            double l = rlc_node_scalar(loss);
            bool together = a->tr.ranks.size > 1;
            if (!isfinite(l) && !together)
                return RLC_ENONFINITE;
            gsl_vector *g = p->critic->grads;
            rlc_status st = RLC_OK;
            if (isfinite(l)) {
                rlc_vector_zero(g);
                if ((st = rlc_tape_backward(a->tr.tape, loss)) != RLC_OK)
                    return st;
            } else {
                gsl_vector_set_all(g, NAN); /* the other ranks stop too */
            }
            if (together) {
                if ((st = rlc_policy_trainer_mean(&a->tr, g->data, g->size)) != RLC_OK)
                    return st;
                if (!isfinite(l) || !rlc_optim_all_finite(g))
                    return RLC_ENONFINITE;
            }
            rlc_optim_step(a->critic_opt, p->critic->params, g);
            sum += l;
            count++;
        }
    }
    *value_loss = count ? sum / (double)count : NAN;
    return RLC_OK;
}

/* Grow the tape to what an update's passes need — the recorded surrogate
 * with its tangents and seeded backward, a line-search candidate, a critic
 * minibatch — on the zeroed rollout buffers, applying nothing, resetting
 * after each so the arena keeps the high-water block. Then an update never
 * allocates, so it cannot stop halfway for want of memory. */
static rlc_status size_tape(trpo *a)
{
    rlc_policy *p = a->tr.policy;
    rlc_tape *t = a->tr.tape;
    rlc_node *dist, *ls, *surr, *kl;
    rlc_status st;
    if ((st = record_surrogate(a, true, &dist, &ls, &surr, NULL)) ||
        (st = rlc_policy_fisher_set(a->fisher, t, dist, ls)) ||
        (st = rlc_tape_backward(t, surr)) ||
        (st = rlc_policy_fisher_product(a->fisher, a->g, a->Fs)) || (st = rlc_tape_reset(t)) ||
        (st = record_surrogate(a, false, &dist, &ls, &surr, &kl)) || (st = rlc_tape_reset(t)))
        return st;
    rlc_node *loss = record_critic_loss(a, NULL, a->cfg.batch_size < a->rows ? a->cfg.batch_size
                                                                             : a->rows);
    if (!loss)
        return rlc_tape_status(t);
    if ((st = rlc_tape_backward(t, loss)))
        return st;
    rlc_vector_zero(p->grads);
    return rlc_tape_reset(t);
}

/* The policy step's rows: the first pi_rows of a fresh shuffle of the
 * rollout's (sb3-contrib takes every k-th row of a shuffled rollout: the
 * same distribution), copied from the gathered rollout. */
static void sub_sample(trpo *a)
{
    const rlc_policy *p = a->tr.policy;
    size_t od = p->obs_dim, ad = p->act_dim;
    for (size_t i = 0; i < a->rows; i++)
        a->sub[i] = i;
    gsl_ran_shuffle(a->sample_rng, a->sub, a->rows, sizeof *a->sub);
    for (size_t i = 0; i < a->pi_rows; i++) {
        size_t r = a->sub[i];
        memcpy(a->pi_obs + i * od, a->obs + r * od, od * sizeof(double));
        memcpy(a->pi_actions + i * ad, a->actions + r * ad, ad * sizeof(double));
        a->pi_old_log_probs[i] = a->old_log_probs[r];
        a->pi_advantages[i] = a->advantages[r];
    }
}

static rlc_status trpo_update(void *p, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    trpo *a = p;
    rlc_status sync = rlc_policy_trainer_sync_obs(&a->tr); /* data-parallel */
    if (sync != RLC_OK)
        return sync;
    size_t n = rlc_rollout_rows(ro);
    if (n != a->rows)
        return RLC_EINVAL;
    rlc_rollout_gather(ro, a->order, n, a->obs, a->actions, a->old_log_probs, a->advantages,
                       a->returns, NULL);
    if (a->cfg.sub_sampling_factor > 1)
        sub_sample(a);
    if (a->cfg.normalize_advantage)
        rlc_normalize_advantages(a->pi_advantages, a->pi_rows);
    double *v = stats->values;
    rlc_status st = policy_step(a, v);
    if (st == RLC_ENONFINITE)
        return rlc_train_stats_nonfinite(stats, a->n_updates, "surrogate loss");
    if (st != RLC_OK)
        return st;
    a->critic_opt->config.learning_rate =
        rlc_schedule_value(a->cfg.learning_rate, a->cfg.lr_schedule, progress);
    st = critic_step(a, &v[VALUE_LOSS]);
    if (st == RLC_ENONFINITE)
        return rlc_train_stats_nonfinite(stats, a->n_updates, "value loss");
    if (st != RLC_OK)
        return st;
    /* once per update: the policy after its line search, the critic after
     * its minibatch steps */
    if (!rlc_optim_all_finite(&a->tr.policy->pi.vector))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "policy parameters");
    if (!rlc_optim_all_finite(a->tr.policy->critic->params))
        return rlc_train_stats_nonfinite(stats, a->n_updates, "value parameters");
    a->n_updates++;
    v[LINE_SEARCH_FAILURES] = (double)a->failures;
    v[SKIPPED_STEPS] = (double)a->skipped;
    v[EXPLAINED_VARIANCE] = rlc_rollout_explained_variance(ro);
    v[LEARNING_RATE] = a->critic_opt->config.learning_rate;
    stats->n_updates = a->n_updates;
    return RLC_OK;
}

static rlc_status trpo_state(void *p, const rlc_state_visitor *v)
{
    trpo *a = p;
    rlc_status st;
    if ((st = rlc_policy_trainer_state(&a->tr, v)) ||
        (st = rlc_optim_state(a->critic_opt, v, "critic_optim")) ||
        (st = rlc_state_rng(v, "sample_rng", a->sample_rng)) ||
        (st = rlc_state_bytes(v, "perm", a->perm, a->rows * sizeof *a->perm)) || /* shuffled in place */
        (st = rlc_state_bytes(v, "line_search_failures", &a->failures, sizeof a->failures)) ||
        (st = rlc_state_bytes(v, "skipped_steps", &a->skipped, sizeof a->skipped)))
        return st;
    return rlc_state_bytes(v, "n_updates", &a->n_updates, sizeof a->n_updates);
}

/* --- gradient checks ---
 * On the batch, after the update moved θ off θ_old: the surrogate
 * mean(A·π_θ/π_old); the mean KL(π_old ‖ π_θ) (not 0 there, so its
 * gradient is not 0 either, unless the line search kept θ_old); the
 * critic's mean (R − V)²; and for GC_DIRECTIONS random directions v the
 * Fisher-vector product: F·v (cg_damping left out) is the gradient of
 * vᵀ∇θ mean KL(π_θ* ‖ π_θ) at θ = θ*, the checked point, so finite
 * differences of that function are the Hessian of the mean KL along v. */

#define GC_DIRECTIONS 2
enum { GC_SURROGATE, GC_KL, GC_FVP0, GC_VALUE = GC_FVP0 + GC_DIRECTIONS, GC_N };

static rlc_status trpo_gradcheck_batch(void *p, const rlc_rollout *ro, const size_t *idx, size_t n)
{
    trpo *a = p;
    rlc_policy *pol = a->tr.policy;
    rlc_status st = rlc_policy_trainer_gradcheck_batch(&a->tr, ro, idx, n,
                                                       a->cfg.normalize_advantage);
    if (st != RLC_OK)
        return st;
    size_t dd = pol->dist_dim;
    free(a->gc_old_dist);
    rlc_policy_fisher_free(a->gc_fisher);
    a->gc_fisher = NULL;
    a->gc_old_dist = malloc((n * dd + pol->act_dim) * sizeof(double));
    for (size_t j = 0; j < GC_DIRECTIONS; j++)
        if (!a->gc_v[j] && !(a->gc_v[j] = gsl_vector_alloc(a->n_pi)))
            return RLC_ENOMEM;
    if (!a->gc_fv && !(a->gc_fv = gsl_vector_alloc(a->n_pi)))
        return RLC_ENOMEM;
    if (!a->gc_old_dist)
        return RLC_ENOMEM;
    if ((st = rlc_policy_fisher_create(&a->gc_fisher, pol, n, 0.0)))
        return st;
    /* π_old on the batch: the last update's θ_old, put in place for one
     * forward pass, its distribution parameters kept */
    a->gc_old_log_std = a->gc_old_dist + n * dd;
    gsl_matrix_const_view obs = gsl_matrix_const_view_array(a->tr.gc.obs, n, pol->obs_dim);
    rlc_node *dist, *ls;
    gsl_vector_memcpy(a->gc_fv, &pol->pi.vector);
    gsl_vector_memcpy(&pol->pi.vector, a->theta0);
    rlc_tape_reset(a->tr.tape);
    st = rlc_policy_forward(pol, a->tr.tape, &obs.matrix, false, &dist, &ls, NULL);
    gsl_vector_memcpy(&pol->pi.vector, a->gc_fv);
    if (st != RLC_OK)
        return st;
    for (size_t k = 0; k < n; k++)
        memcpy(a->gc_old_dist + k * dd, dist->value.data + k * dist->value.tda, dd * sizeof(double));
    if (ls)
        memcpy(a->gc_old_log_std, ls->value.data, pol->act_dim * sizeof(double));
    for (size_t j = 0; j < GC_DIRECTIONS; j++)
        for (size_t i = 0; i < a->n_pi; i++)
            gsl_vector_set(a->gc_v[j], i, gsl_ran_gaussian(a->sample_rng, 1.0));
    /* θ*: the Fisher workspace takes the current π as its old policy */
    rlc_tape_reset(a->tr.tape);
    if ((st = rlc_policy_forward(pol, a->tr.tape, &obs.matrix, true, &dist, &ls, NULL)))
        return st;
    return rlc_policy_fisher_set(a->gc_fisher, a->tr.tape, dist, ls);
}

static size_t trpo_losses(void *p, rlc_agent_loss *out)
{
    trpo *a = p;
    rlc_policy *pol = a->tr.policy;
    static const char *const names[GC_N] = {"surrogate", "mean_kl", "fisher_product[0]",
                                            "fisher_product[1]", "value_loss"};
    for (size_t i = 0; i < GC_N; i++) {
        int which = i == GC_VALUE ? RLC_POLICY_CRITIC : RLC_POLICY_ACTOR | RLC_POLICY_LOG_STD;
        out[i] = (rlc_agent_loss){.name = names[i], .params = pol->params, .grads = pol->grads};
        out[i].n_blocks = rlc_policy_blocks(pol, which, out[i].blocks);
    }
    return GC_N;
}

/* Loss i (not a Fisher product) on the batch, on a reset tape; for the
 * Fisher products, the mean KL against θ*. */
static rlc_node *gc_record(trpo *a, size_t i)
{
    rlc_policy *p = a->tr.policy;
    rlc_tape *t = a->tr.tape;
    const rlc_policy_batch *b = &a->tr.gc;
    size_t n = b->n;
    gsl_matrix_const_view obs = gsl_matrix_const_view_array(b->obs, n, p->obs_dim);
    rlc_node *dist, *ls, *v;
    rlc_tape_reset(t);
    if (i == GC_VALUE) {
        gsl_matrix_const_view ret = gsl_matrix_const_view_array(b->returns, n, 1);
        if (rlc_policy_forward(p, t, &obs.matrix, true, NULL, NULL, &v))
            return NULL;
        return rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_sub(t, rlc_tape_leaf(t, &ret.matrix, NULL), v)));
    }
    if (rlc_policy_forward(p, t, &obs.matrix, true, &dist, &ls, NULL))
        return NULL;
    if (i == GC_SURROGATE) {
        gsl_matrix_const_view act = gsl_matrix_const_view_array(b->actions, n, p->act_dim);
        gsl_matrix_const_view oldlp = gsl_matrix_const_view_array(b->old_log_probs, n, 1);
        gsl_matrix_const_view adv = gsl_matrix_const_view_array(b->advantages, n, 1);
        rlc_node *logp = rlc_dist_log_prob(t, p->dist, dist, ls, &act.matrix);
        rlc_node *ratio = rlc_tape_exp(t, rlc_tape_sub(t, logp, rlc_tape_leaf(t, &oldlp.matrix, NULL)));
        return rlc_tape_mean(t, rlc_tape_mul(t, ratio, rlc_tape_leaf(t, &adv.matrix, NULL)));
    }
    bool kl = i == GC_KL;
    gsl_matrix_view od = gsl_matrix_view_array(kl ? a->gc_old_dist : a->gc_fisher->old_dist, n,
                                               p->dist_dim);
    gsl_matrix_view ol = gsl_matrix_view_array(kl ? a->gc_old_log_std : a->gc_fisher->old_log_std,
                                               1, p->act_dim);
    return rlc_dist_kl(t, p->dist, rlc_tape_leaf(t, &od.matrix, NULL),
                       p->dist == RLC_DIST_GAUSSIAN ? rlc_tape_leaf(t, &ol.matrix, NULL) : NULL,
                       dist, ls);
}

static double trpo_loss_value(void *p, size_t i)
{
    trpo *a = p;
    rlc_policy *pol = a->tr.policy;
    rlc_node *l = gc_record(a, i);
    if (!l)
        return NAN;
    if (i < GC_FVP0 || i >= GC_FVP0 + GC_DIRECTIONS)
        return rlc_node_scalar(l);
    /* vᵀ∇θ mean KL(π_θ* ‖ π_θ) */
    rlc_vector_zero(pol->grads);
    if (rlc_tape_backward(a->tr.tape, l))
        return NAN;
    return rlc_dot(a->gc_v[i - GC_FVP0], &pol->dpi.vector);
}

static rlc_status trpo_loss_gradient(void *p, size_t i)
{
    trpo *a = p;
    rlc_policy *pol = a->tr.policy;
    rlc_tape *t = a->tr.tape;
    if (i >= GC_FVP0 && i < GC_FVP0 + GC_DIRECTIONS) {
        /* F·v from the tangent and seeded backward passes, at θ* */
        gsl_matrix_const_view obs =
            gsl_matrix_const_view_array(a->tr.gc.obs, a->tr.gc.n, pol->obs_dim);
        rlc_node *dist, *ls;
        rlc_status st;
        rlc_tape_reset(t);
        if ((st = rlc_policy_forward(pol, t, &obs.matrix, true, &dist, &ls, NULL)) ||
            (st = rlc_policy_fisher_set(a->gc_fisher, t, dist, ls)) ||
            (st = rlc_policy_fisher_product(a->gc_fisher, a->gc_v[i - GC_FVP0], a->gc_fv)))
            return st;
        rlc_vector_zero(pol->grads);
        gsl_vector_memcpy(&pol->dpi.vector, a->gc_fv);
        return RLC_OK;
    }
    rlc_node *l = gc_record(a, i);
    if (!l)
        return rlc_tape_status(t);
    rlc_vector_zero(pol->grads);
    return rlc_tape_backward(t, l);
}

static void trpo_settings_default(void *settings)
{
    rlc_trpo_config_default(settings);
}

/* Data-parallel: see policy_step and critic_step. */
static rlc_status trpo_set_ranks(void *p, const rlc_agent_ranks *ranks)
{
    return rlc_policy_trainer_set_ranks(&((trpo *)p)->tr, ranks);
}

const rlc_agent_type rlc_agent_trpo = {
    .name = "trpo",
    .description = "Trust Region Policy Optimization (natural gradient, KL line search)",
    .kind = RLC_AGENT_ON_POLICY,
    .box_actions = true,
    .discrete_actions = true,
    .settings_size = sizeof(rlc_trpo_config),
    .settings_default = trpo_settings_default,
    .settings_rows = trpo_rows,
    .n_settings_rows = sizeof trpo_rows / sizeof trpo_rows[0],
    .settings_check = trpo_check,
    .stat_names = trpo_stats,
    .n_stats = N_STATS,
    .create = trpo_create,
    .free = trpo_free,
    .predict = rlc_policy_trainer_predict,
    .tensors = rlc_policy_trainer_tensors,
    .state = trpo_state,
    .onpolicy_settings = trpo_settings,
    .normalize_obs = rlc_policy_trainer_normalize_obs,
    .act = rlc_policy_trainer_act,
    .bootstrap = rlc_policy_trainer_bootstrap,
    .update = trpo_update,
    .set_ranks = trpo_set_ranks,
    .gradcheck_batch = trpo_gradcheck_batch,
    .losses = trpo_losses,
    .loss_value = trpo_loss_value,
    .loss_gradient = trpo_loss_gradient,
};
_Static_assert(sizeof(rlc_trpo_config) <= RLC_AGENT_SETTINGS_MAX, "raise RLC_AGENT_SETTINGS_MAX");
