/* test_reference.c — single updates of DDPG, PPO, A2C, TRPO and QAC replayed in rlc and compared
 * with PyTorch's float64 values (tests/data/reference/, written by
 * tests/reference/make_fixtures.py after Stable-Baselines3's and sb3-contrib's train()): every
 * loss term, every gradient, the clipped gradient, TRPO's Fisher-vector product, direction and
 * line search, and the parameters after the step. Fixed data, one step: it says nothing about
 * learning, and finite-difference checks of the same losses are test_ddpg.c's and
 * test_policy.c's. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/blas.h"
#include "rlc/cg.h"
#include "rlc/ddpg.h"
#include "rlc/optim.h"
#include "rlc/policy.h"
#include "rlc/ppo.h"
#include "rlc/qac.h"
#include "rlc/rng.h"
#include "rlc/rollout.h"
#include "rlc/trpo.h"
#include "test_fixture.h"

#define REFERENCE(name) RLC_TEST_DATA_DIR "/reference/" name ".txt"

/* Loss terms and gradients (clipped or not) agree to this relative error; parameters after a
 * step, whose update is a small part of them, to PARAM_TOL. */
#define VALUE_TOL 1e-10
#define PARAM_TOL 1e-12

/* Entrywise relative error of got against want, |got − want| / max(|want|, floor), where the
 * floor is 1e-6 of the array's largest |want|: an entry that is tiny only because its terms
 * cancel carries the rounding of those terms, so it is held to the array's scale. */
static void expect_close(const char *what, const double *got, const double *want, size_t n,
                         double tol)
{
    double scale = 0.0, worst = -1.0;
    size_t wi = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++) {
        double err = fabs(got[i] - want[i]) / fmax(fabs(want[i]), 1e-6 * scale);
        if (!(err <= worst) && !isnan(worst)) { /* a NaN is the worst and stays so */
            worst = err;
            wi = i;
        }
    }
    if (!(worst < tol)) {
        print_error("%s[%zu] = %.17g, reference %.17g: relative error %.3g (tolerance %g)\n",
                    what, wi, got[wi], want[wi], worst, tol);
        fail();
    }
}

static void expect_scalar(const char *what, const rlc_node *node, const fixture *f)
{
    double v = rlc_node_scalar(node);
    expect_close(what, &v, fixture_get(f, what, 1), 1, VALUE_TOL);
}

static void expect_vector(const char *what, const gsl_vector *got, const fixture *f, double tol)
{
    expect_close(what, got->data, fixture_get(f, what, got->size), got->size, tol);
}

static void load_params(gsl_vector *dst, const fixture *f, const char *name)
{
    memcpy(dst->data, fixture_get(f, name, dst->size), dst->size * sizeof(double));
}

/* Array `name` of fixture f as a rows × cols gsl_matrix_const_view (borrowed from f). */
#define fixture_matrix(f, name, rows, cols) \
    gsl_matrix_const_view_array(fixture_get(f, name, (rows) * (cols)), rows, cols)

/* A DDPG network of the fixture's shape: in → hidden... → out, ReLU between layers. */
static rlc_mlp *make_mlp(const fixture *f, size_t in, size_t out, rlc_activation output)
{
    size_t nh = fixture_count(f, "hidden");
    const double *h = fixture_get(f, "hidden", nh);
    rlc_mlp_config c = {.n_layers = nh + 1, .hidden_activation = RLC_ACT_RELU,
                        .output_activation = output};
    c.sizes[0] = in;
    for (size_t l = 0; l < nh; l++)
        c.sizes[l + 1] = (size_t)h[l];
    c.sizes[nh + 1] = out;
    rlc_mlp *m;
    assert_int_equal(rlc_mlp_create(&m, &c), RLC_OK);
    return m;
}

/* DDPG, one gradient step as rlc's agent takes it: targets y = r + γ(1 − terminated)·Q'(s',
 * μ'(s')) from the target networks (which differ from the online ones, as after training),
 * one Adam step of the critic on mean (Q(s, a) − y)², one Adam step of the actor on
 * −mean Q(s, μ(s)) through the critic just updated, then the Polyak update of both targets.
 * Two of the eight transitions are terminal; the action box is asymmetric
 * ([−2, 2] × [0.5, 1.5]), so scale and shift both matter. */
static void test_ddpg_update(void **state)
{
    (void)state;
    fixture f;
    fixture_load(&f, REFERENCE("ddpg"));
    size_t od = (size_t)fixture_scalar(&f, "obs_dim"), ad = (size_t)fixture_scalar(&f, "act_dim");
    size_t n = fixture_count(&f, "rewards");
    double gamma = fixture_scalar(&f, "gamma"), tau = fixture_scalar(&f, "tau");
    const double *scale = fixture_get(&f, "scale", ad), *shift = fixture_get(&f, "shift", ad);
    rlc_mlp *actor = make_mlp(&f, od, ad, RLC_ACT_TANH);
    rlc_mlp *actor_t = make_mlp(&f, od, ad, RLC_ACT_TANH);
    rlc_mlp *critic = make_mlp(&f, od + ad, 1, RLC_ACT_IDENTITY);
    rlc_mlp *critic_t = make_mlp(&f, od + ad, 1, RLC_ACT_IDENTITY);
    load_params(actor->params, &f, "actor");
    load_params(actor_t->params, &f, "actor_target");
    load_params(critic->params, &f, "critic");
    load_params(critic_t->params, &f, "critic_target");
    gsl_matrix_const_view obs = fixture_matrix(&f, "obs", n, od);
    gsl_matrix_const_view act = fixture_matrix(&f, "actions", n, ad);
    gsl_matrix_const_view rew = fixture_matrix(&f, "rewards", n, 1);
    gsl_matrix_const_view term = fixture_matrix(&f, "terminated", n, 1);
    gsl_matrix_const_view next = fixture_matrix(&f, "next_obs", n, od);
    gsl_matrix *y = gsl_matrix_alloc(n, 1);
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1 << 12), RLC_OK);

    /* targets, from the target networks and without gradient */
    rlc_node *s2 = rlc_tape_leaf(t, &next.matrix, NULL);
    rlc_node *mu2 = rlc_tape_scale_cols(t, rlc_mlp_forward(actor_t, t, s2, false), scale, shift);
    rlc_node *q2 = rlc_mlp_forward(critic_t, t, rlc_tape_concat_cols(t, s2, mu2), false);
    assert_non_null(q2);
    expect_close("q_next", q2->value.data, fixture_get(&f, "q_next", n), n, VALUE_TOL);
    rlc_ddpg_td_target(&rew.matrix, &term.matrix, &q2->value, gamma, y);
    expect_close("y", y->data, fixture_get(&f, "y", n), n, VALUE_TOL);

    rlc_optim_config oc; /* the agent's Adam: defaults but the learning rate */
    rlc_optim_config_default(&oc);
    oc.learning_rate = fixture_scalar(&f, "learning_rate");
    rlc_optim *copt, *aopt;
    assert_int_equal(rlc_optim_create(&copt, rlc_optim_adam, critic->n_params, &oc), RLC_OK);
    assert_int_equal(rlc_optim_create(&aopt, rlc_optim_adam, actor->n_params, &oc), RLC_OK);

    rlc_tape_reset(t);
    rlc_node *lc = rlc_ddpg_critic_loss(t, critic, &obs.matrix, &act.matrix, y);
    assert_int_equal(rlc_tape_backward(t, lc), RLC_OK);
    expect_scalar("critic_loss", lc, &f);
    expect_vector("critic_grad", critic->grads, &f, VALUE_TOL);
    rlc_optim_step(copt, critic->params, critic->grads);
    expect_vector("critic_after", critic->params, &f, PARAM_TOL);

    rlc_tape_reset(t);
    rlc_node *la = rlc_ddpg_actor_loss(t, actor, critic, &obs.matrix, scale, shift);
    assert_int_equal(rlc_tape_backward(t, la), RLC_OK);
    expect_scalar("actor_loss", la, &f);
    expect_vector("actor_grad", actor->grads, &f, VALUE_TOL);
    rlc_optim_step(aopt, actor->params, actor->grads);
    expect_vector("actor_after", actor->params, &f, PARAM_TOL);

    rlc_mlp_polyak(critic_t, critic, tau);
    rlc_mlp_polyak(actor_t, actor, tau);
    expect_vector("critic_target_after", critic_t->params, &f, PARAM_TOL);
    expect_vector("actor_target_after", actor_t->params, &f, PARAM_TOL);

    rlc_optim_free(copt);
    rlc_optim_free(aopt);
    rlc_tape_free(t);
    gsl_matrix_free(y);
    rlc_mlp_free(actor);
    rlc_mlp_free(actor_t);
    rlc_mlp_free(critic);
    rlc_mlp_free(critic_t);
    fixture_free(&f);
}

/* --- on-policy: PPO and A2C --- */

#define MAX_ROWS 16
#define MAX_DIM 8

typedef struct onpolicy {
    fixture f;
    bool ppo;
    rlc_env_type env;             /* only its spaces: the policy's shapes */
    double low[MAX_DIM], high[MAX_DIM]; /* Box bounds (±1) the spaces borrow; no loss reads them */
    rlc_policy_trainer tr;        /* the fixture's policy, the agent's optimiser, a tape */
} onpolicy;

/* The environment spaces and policy settings of fixture f: Box observations of obs_dim, Box
 * actions of n_out (Gaussian) or n_out discrete actions, the hidden sizes and activation. The
 * spaces borrow low and high (MAX_DIM each). */
static void fixture_policy(const fixture *f, rlc_env_type *env, double *low, double *high,
                           rlc_policy_config *pc)
{
    size_t od = (size_t)fixture_scalar(f, "obs_dim"), k = (size_t)fixture_scalar(f, "n_out");
    assert_true(od <= MAX_DIM && k <= MAX_DIM);
    for (size_t j = 0; j < MAX_DIM; j++) {
        low[j] = -1.0;
        high[j] = 1.0;
    }
    memset(env, 0, sizeof *env);
    env->id = "reference";
    env->observation_space = (rlc_space){RLC_SPACE_BOX, od, 0, low, high};
    env->action_space = fixture_scalar(f, "gaussian") != 0
                            ? (rlc_space){RLC_SPACE_BOX, k, 0, low, high}
                            : (rlc_space){RLC_SPACE_DISCRETE, 1, k, NULL, NULL};
    rlc_policy_config_default(pc);
    pc->n_hidden = fixture_count(f, "hidden");
    for (size_t l = 0; l < pc->n_hidden; l++)
        pc->net_arch[l] = (size_t)fixture_get(f, "hidden", pc->n_hidden)[l];
    pc->activation_fn = fixture_scalar(f, "relu") != 0 ? RLC_ACT_RELU : RLC_ACT_TANH;
}

/* The fixture's policy (actor | log_std | critic) in a trainer whose optimiser is the one the
 * agent builds: PPO's Adam, or A2C's RMSprop or Adam, with the fixture's learning rate and eps
 * and rlc's other defaults (β 0.9, 0.999; α 0.99). */
static void onpolicy_setup(onpolicy *o, const char *path, bool ppo)
{
    memset(o, 0, sizeof *o);
    fixture_load(&o->f, path);
    const fixture *f = &o->f;
    o->ppo = ppo;
    rlc_policy_config pc;
    fixture_policy(f, &o->env, o->low, o->high, &pc);
    const rlc_optim_type *type =
        !ppo && fixture_scalar(f, "rms_prop") != 0 ? rlc_optim_rmsprop : rlc_optim_adam;
    assert_int_equal(rlc_policy_trainer_init(&o->tr, &pc, &o->env, 1, type,
                                             fixture_scalar(f, "learning_rate"),
                                             fixture_scalar(f, "eps")),
                     RLC_OK);
    load_params(o->tr.policy->params, f, "params");
}

static void onpolicy_teardown(onpolicy *o)
{
    rlc_policy_trainer_release(&o->tr);
    fixture_free(&o->f);
}

static rlc_node *record_loss(onpolicy *o, const rlc_policy_batch *b, rlc_policy_loss_parts *parts)
{
    const fixture *f = &o->f;
    rlc_tape_reset(o->tr.tape);
    if (o->ppo)
        return rlc_ppo_loss(o->tr.tape, o->tr.policy, b, fixture_scalar(f, "clip_range"),
                            fixture_scalar(f, "clip_range_vf"), fixture_scalar(f, "ent_coef"),
                            fixture_scalar(f, "vf_coef"), parts);
    return rlc_a2c_loss(o->tr.tape, o->tr.policy, b, fixture_scalar(f, "ent_coef"),
                        fixture_scalar(f, "vf_coef"), parts);
}

/* The loss on b and its parts; the raw gradient of one backward pass; then the trainer's step
 * as the agents take it (zero, backward, clip the global norm to max_grad_norm, optimiser):
 * the clipped gradient, the parameters after it and the step itself. One Adam or RMSprop
 * step hardly depends on the gradient's scale, so the clipped gradient is compared itself. */
static void check_step(onpolicy *o, const rlc_policy_batch *b)
{
    const fixture *f = &o->f;
    rlc_policy *p = o->tr.policy;
    double max_grad_norm = fixture_scalar(f, "max_grad_norm");
    rlc_policy_loss_parts parts;
    rlc_node *loss = record_loss(o, b, &parts);
    assert_non_null(loss);
    expect_scalar("policy_loss", parts.policy_loss, f);
    expect_scalar("value_loss", parts.value_loss, f);
    expect_scalar("entropy", parts.entropy, f);
    expect_scalar("loss", loss, f);
    if (o->ppo)
        expect_close("log_ratio", parts.log_ratio->value.data, fixture_get(f, "log_ratio", b->n),
                     b->n, VALUE_TOL);
    else
        assert_null(parts.log_ratio);

    gsl_vector_set_zero(p->grads);
    assert_int_equal(rlc_tape_backward(o->tr.tape, loss), RLC_OK);
    expect_vector("grad", p->grads, f, VALUE_TOL);
    double norm = gsl_blas_dnrm2(p->grads);
    expect_close("grad_norm", &norm, fixture_get(f, "grad_norm", 1), 1, VALUE_TOL);
    assert_true(norm > 1.5 * max_grad_norm); /* the clip is active */

    gsl_vector *step = gsl_vector_alloc(p->params->size);
    gsl_vector_memcpy(step, p->params);
    assert_int_equal(rlc_policy_trainer_step(&o->tr, record_loss(o, b, NULL), max_grad_norm),
                     RLC_OK);
    expect_vector("grad_clipped", p->grads, f, VALUE_TOL);
    expect_vector("params_after", p->params, f, PARAM_TOL);
    gsl_vector_sub(step, p->params); /* θ_before − θ_after */
    gsl_vector_scale(step, -1.0);
    expect_vector("update", step, f, VALUE_TOL);
    gsl_vector_free(step);
}

/* PPO: one minibatch step as the agent takes it. A 12-row rollout collected by an older
 * policy (rlc must give the same log-probabilities and values from the older parameters);
 * the first 8 rows of a fixed permutation gathered from it, their advantages normalised
 * (sample std); the clipped surrogate with ratios beyond both ends of [1 − ε, 1 + ε] where
 * the clip binds, values clipped around the old ones, an entropy bonus; one Adam step
 * (eps 1e-5) after global-norm clipping that binds. */
static void ppo_case(const char *path)
{
    onpolicy o;
    onpolicy_setup(&o, path, true);
    const fixture *f = &o.f;
    rlc_policy *p = o.tr.policy;
    size_t od = p->obs_dim, ad = p->act_dim, rows = fixture_count(f, "rollout_values");
    size_t m = (size_t)fixture_scalar(f, "batch_size");
    assert_true(rows <= MAX_ROWS && m <= rows);
    const double *obs = fixture_get(f, "rollout_obs", rows * od);
    const double *act = fixture_get(f, "rollout_actions", rows * ad);
    const double *old_lp = fixture_get(f, "rollout_log_probs", rows);
    const double *old_v = fixture_get(f, "rollout_values", rows);

    /* the older policy: the log-probabilities and values the rollout holds */
    load_params(p->params, f, "params_old");
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, rows, od);
    gsl_matrix_const_view av = gsl_matrix_const_view_array(act, rows, ad);
    rlc_node *dp, *ls, *v;
    rlc_tape_reset(o.tr.tape);
    assert_int_equal(rlc_policy_forward(p, o.tr.tape, &ov.matrix, false, &dp, &ls, &v), RLC_OK);
    rlc_node *lp = rlc_dist_log_prob(o.tr.tape, p->dist, dp, ls, &av.matrix);
    assert_non_null(lp);
    expect_close("rollout_log_probs", lp->value.data, old_lp, rows, VALUE_TOL);
    expect_close("rollout_values", v->value.data, old_v, rows, VALUE_TOL);
    load_params(p->params, f, "params");

    /* the rollout as the runner leaves it, GAE's advantages and returns included */
    rlc_rollout *ro;
    assert_int_equal(rlc_rollout_create(&ro, rows, 1, od, ad), RLC_OK);
    const double zero = 0.0;
    const bool no = false;
    for (size_t i = 0; i < rows; i++)
        assert_int_equal(rlc_rollout_add(ro, obs + i * od, act + i * ad, old_lp + i, old_v + i,
                                         &zero, &no, &no, NULL, NULL),
                         RLC_OK);
    memcpy(ro->advantages, fixture_get(f, "rollout_advantages", rows), rows * sizeof(double));
    memcpy(ro->returns, fixture_get(f, "rollout_returns", rows), rows * sizeof(double));

    size_t idx[MAX_ROWS];
    const double *perm = fixture_get(f, "perm", rows);
    for (size_t k = 0; k < m; k++)
        idx[k] = (size_t)perm[k];
    double mobs[MAX_ROWS * MAX_DIM], mact[MAX_ROWS * MAX_DIM], mlp[MAX_ROWS], madv[MAX_ROWS],
        mret[MAX_ROWS], mval[MAX_ROWS];
    rlc_rollout_gather(ro, idx, m, mobs, mact, mlp, madv, mret, mval);
    rlc_normalize_advantages(madv, m);
    expect_close("advantages_normalized", madv, fixture_get(f, "advantages_normalized", m), m,
                 VALUE_TOL);
    rlc_policy_batch b = {m, mobs, mact, mlp, madv, mret, mval};
    check_step(&o, &b);
    rlc_rollout_free(ro);
    onpolicy_teardown(&o);
}

/* A2C: the whole 8-row rollout is one batch; advantages normalised only if the case says so;
 * −mean(A·log π) plus the value and entropy terms; one clipped step of RMSprop (torch's: ε
 * added outside the square root) or Adam (eps 1e-5). */
static void a2c_case(const char *path)
{
    onpolicy o;
    onpolicy_setup(&o, path, false);
    const fixture *f = &o.f;
    size_t n = fixture_count(f, "advantages");
    assert_true(n <= MAX_ROWS);
    double adv[MAX_ROWS];
    memcpy(adv, fixture_get(f, "advantages", n), n * sizeof(double));
    if (fixture_scalar(f, "normalize_advantage") != 0)
        rlc_normalize_advantages(adv, n);
    expect_close("advantages_used", adv, fixture_get(f, "advantages_used", n), n, VALUE_TOL);
    rlc_policy_batch b = {n,
                          fixture_get(f, "obs", n * o.tr.policy->obs_dim),
                          fixture_get(f, "actions", n * o.tr.policy->act_dim),
                          NULL,
                          adv,
                          fixture_get(f, "returns", n),
                          NULL};
    check_step(&o, &b);
    onpolicy_teardown(&o);
}

/* Box actions (2-d Gaussian, state-independent log-std), tanh networks 5-4. */
static void test_ppo_gaussian(void **state)
{
    (void)state;
    ppo_case(REFERENCE("ppo_gaussian"));
}

/* Three discrete actions (Categorical over logits), relu networks 5-4, four observations. */
static void test_ppo_categorical(void **state)
{
    (void)state;
    ppo_case(REFERENCE("ppo_categorical"));
}

/* SB3's default A2C: RMSprop, raw advantages; 2-d Gaussian, tanh networks 5-4. */
static void test_a2c_rmsprop_gaussian(void **state)
{
    (void)state;
    a2c_case(REFERENCE("a2c_rmsprop_gaussian"));
}

/* A2C with use_rms_prop off and normalize_advantage on; Categorical, relu networks 4-4. */
static void test_a2c_adam_categorical(void **state)
{
    (void)state;
    a2c_case(REFERENCE("a2c_adam_categorical"));
}

/* --- TRPO --- */

#define MAX_PI 128 /* parameters of π in the fixtures */

/* On t (reset first): π's distribution parameters for the rollout's observations, the
 * surrogate mean(A·exp(log π − log π_old)) on the normalised advantages adv, and, when old is
 * given (π_θ₀'s distribution parameters, then its log σ), the mean KL(π_θ₀ ‖ π) — the graph
 * rlc's TRPO update records. */
static rlc_node *trpo_surrogate(rlc_tape *t, rlc_policy *p, const fixture *f, size_t n,
                                const double *adv, rlc_node **dist, rlc_node **ls,
                                const rlc_policy_fisher *old, rlc_node **kl)
{
    gsl_matrix_const_view obs = fixture_matrix(f, "rollout_obs", n, p->obs_dim);
    gsl_matrix_const_view act = fixture_matrix(f, "rollout_actions", n, p->act_dim);
    gsl_matrix_const_view oldlp = fixture_matrix(f, "rollout_log_probs", n, 1);
    gsl_matrix_const_view a = gsl_matrix_const_view_array(adv, n, 1);
    rlc_tape_reset(t);
    assert_int_equal(rlc_policy_forward(p, t, &obs.matrix, old == NULL, dist, ls, NULL), RLC_OK);
    rlc_node *lp = rlc_dist_log_prob(t, p->dist, *dist, *ls, &act.matrix);
    rlc_node *ratio = rlc_tape_exp(t, rlc_tape_sub(t, lp, rlc_tape_leaf(t, &oldlp.matrix, NULL)));
    rlc_node *surr = rlc_tape_mean(t, rlc_tape_mul(t, ratio, rlc_tape_leaf(t, &a.matrix, NULL)));
    if (old) {
        gsl_matrix_view od = gsl_matrix_view_array(old->old_dist, n, p->dist_dim);
        gsl_matrix_view ol = gsl_matrix_view_array(old->old_log_std, 1, p->act_dim);
        *kl = rlc_dist_kl(t, p->dist, rlc_tape_leaf(t, &od.matrix, NULL),
                          p->dist == RLC_DIST_GAUSSIAN ? rlc_tape_leaf(t, &ol.matrix, NULL) : NULL,
                          *dist, *ls);
        assert_non_null(*kl);
    }
    assert_non_null(surr);
    return surr;
}

/* TRPO, one update: a 10-row rollout collected by an older policy (so the ratios start away
 * from 1), advantages normalised over it. First the pieces, each against PyTorch: the surrogate
 * and its gradient g over π's parameters; (F + λI)·v for a fixed v, F the Hessian of the mean
 * KL(π_θ₀ ‖ π) at θ₀ by double backward in PyTorch; the conjugate-gradient direction s from g
 * after cg_max_steps products (not converged: the residual stays above the tolerance), with
 * sᵀ(F + λI)s, β and the expected improvement β·gᵀs; every line-search candidate's mean KL and
 * surrogate gain, the first rejected for its KL. The fixtures are chosen so that CG amplifies a
 * rounding difference in g by less than 100 (make_fixtures.py checks it): with more CG steps
 * or less damping it reaches 1e9, and a 1e-10 comparison of s would test the conditioning, not
 * rlc. Then the agent's own update on the same rollout, one critic minibatch covering it (the
 * critic's shuffled order changes only a sum's order): its statistics and all the parameters
 * after it. */
static void trpo_case(const char *path)
{
    fixture fx, *f = &fx;
    fixture_load(f, path);
    rlc_env_type env;
    double low[MAX_DIM], high[MAX_DIM];
    rlc_trpo_config c;
    rlc_trpo_config_default(&c);
    fixture_policy(f, &env, low, high, &c.policy);
    size_t n = fixture_count(f, "rollout_values");
    assert_true(n <= MAX_ROWS);
    c.n_steps = n;
    c.batch_size = n;
    c.n_critic_updates = 1;
    c.learning_rate = fixture_scalar(f, "learning_rate");
    c.cg_max_steps = (size_t)fixture_scalar(f, "cg_max_steps");
    c.cg_damping = fixture_scalar(f, "cg_damping");
    c.line_search_shrinking_factor = fixture_scalar(f, "line_search_shrinking_factor");
    c.line_search_max_iter = (size_t)fixture_scalar(f, "line_search_max_iter");
    c.target_kl = fixture_scalar(f, "target_kl");
    void *agent;
    assert_int_equal(rlc_agent_trpo.create(&agent, &c, &env, 1), RLC_OK);
    rlc_policy_trainer *tr = agent; /* the agent's first member */
    rlc_policy *p = tr->policy;
    rlc_tape *t = tr->tape;
    size_t od = p->obs_dim, ad = p->act_dim, n_pi = p->pi.vector.size;
    assert_true(n_pi <= MAX_PI);
    const double *obs = fixture_get(f, "rollout_obs", n * od);
    const double *act = fixture_get(f, "rollout_actions", n * ad);
    const double *old_lp = fixture_get(f, "rollout_log_probs", n);
    const double *old_v = fixture_get(f, "rollout_values", n);

    /* the older policy: the log-probabilities and values the rollout holds */
    load_params(p->params, f, "params_old");
    rlc_node *dist, *ls, *v;
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(obs, n, od);
    gsl_matrix_const_view av = gsl_matrix_const_view_array(act, n, ad);
    rlc_tape_reset(t);
    assert_int_equal(rlc_policy_forward(p, t, &ov.matrix, false, &dist, &ls, &v), RLC_OK);
    rlc_node *lp = rlc_dist_log_prob(t, p->dist, dist, ls, &av.matrix);
    assert_non_null(lp);
    expect_close("rollout_log_probs", lp->value.data, old_lp, n, VALUE_TOL);
    expect_close("rollout_values", v->value.data, old_v, n, VALUE_TOL);
    load_params(p->params, f, "params");

    double adv[MAX_ROWS];
    memcpy(adv, fixture_get(f, "rollout_advantages", n), n * sizeof(double));
    rlc_normalize_advantages(adv, n);
    expect_close("advantages_normalized", adv, fixture_get(f, "advantages_normalized", n), n,
                 VALUE_TOL);

    /* g, F·v and CG at θ₀, on one recorded pass */
    rlc_node *surr = trpo_surrogate(t, p, f, n, adv, &dist, &ls, NULL, NULL);
    double L0 = rlc_node_scalar(surr);
    expect_close("surrogate", &L0, fixture_get(f, "surrogate", 1), 1, VALUE_TOL);
    rlc_policy_fisher *fi;
    assert_int_equal(rlc_policy_fisher_create(&fi, p, n, c.cg_damping), RLC_OK);
    assert_int_equal(rlc_policy_fisher_set(fi, t, dist, ls), RLC_OK);
    gsl_vector_set_zero(&p->dpi.vector);
    assert_int_equal(rlc_tape_backward(t, surr), RLC_OK);
    expect_vector("g", &p->dpi.vector, f, VALUE_TOL);

    gsl_vector *g = gsl_vector_alloc(n_pi), *s = gsl_vector_alloc(n_pi),
               *Fs = gsl_vector_alloc(n_pi);
    gsl_vector_const_view fv = gsl_vector_const_view_array(fixture_get(f, "v", n_pi), n_pi);
    assert_int_equal(rlc_policy_fisher_product(fi, &fv.vector, Fs), RLC_OK);
    expect_vector("Fv", Fs, f, VALUE_TOL);

    memcpy(g->data, fixture_get(f, "g", n_pi), n_pi * sizeof(double));
    rlc_cg *cg;
    rlc_cg_result res;
    assert_int_equal(rlc_cg_alloc(&cg, n_pi), RLC_OK);
    assert_int_equal(rlc_cg_solve(cg, rlc_policy_fisher_product, fi, g, s, c.cg_max_steps, 1e-10,
                                  &res),
                     RLC_OK);
    expect_vector("s", s, f, VALUE_TOL);
    assert_int_equal(res.iterations, (size_t)fixture_scalar(f, "cg_iterations"));
    assert_int_equal(res.iterations, c.cg_max_steps);
    expect_close("cg_residual", &res.residual_norm2, fixture_get(f, "cg_residual", 1), 1,
                 VALUE_TOL);
    double sFs, gs;
    assert_int_equal(rlc_policy_fisher_product(fi, s, Fs), RLC_OK);
    gsl_blas_ddot(s, Fs, &sFs);
    gsl_blas_ddot(g, s, &gs);
    expect_close("sFs", &sFs, fixture_get(f, "sFs", 1), 1, VALUE_TOL);
    double beta = rlc_trpo_step_scale(c.target_kl, sFs), expected = beta * gs;
    expect_close("beta", &beta, fixture_get(f, "beta", 1), 1, VALUE_TOL);
    expect_close("expected_improvement", &expected, fixture_get(f, "expected_improvement", 1), 1,
                 VALUE_TOL);

    /* the line search's candidates: θ₀ + f^k·β·s */
    size_t steps = (size_t)fixture_scalar(f, "line_search_steps");
    assert_true(steps >= 2 && steps <= c.line_search_max_iter);
    double theta0[MAX_PI], kls[16], gains[16], frac = 1.0;
    assert_true(steps <= 16);
    memcpy(theta0, p->pi.vector.data, n_pi * sizeof(double));
    for (size_t k = 0; k < steps; k++) {
        gsl_vector_view th = gsl_vector_view_array(theta0, n_pi);
        gsl_vector_memcpy(&p->pi.vector, &th.vector);
        gsl_blas_daxpy(frac * beta, s, &p->pi.vector);
        rlc_node *kl;
        rlc_node *sk = trpo_surrogate(t, p, f, n, adv, &dist, &ls, fi, &kl);
        kls[k] = rlc_node_scalar(kl);
        gains[k] = rlc_node_scalar(sk) - L0;
        assert_true(rlc_trpo_accepts(kls[k], gains[k], c.target_kl) == (k + 1 == steps));
        frac *= c.line_search_shrinking_factor;
    }
    assert_true(kls[0] > c.target_kl); /* the full step is rejected for its KL */
    expect_close("line_search_kl", kls, fixture_get(f, "line_search_kl", steps), steps, VALUE_TOL);
    expect_close("line_search_gain", gains, fixture_get(f, "line_search_gain", steps), steps,
                 VALUE_TOL);
    expect_close("pi_after", p->pi.vector.data, fixture_get(f, "pi_after", n_pi), n_pi,
                 PARAM_TOL);

    /* the agent's update from θ₀ on the same rollout */
    load_params(p->params, f, "params");
    rlc_rollout *ro;
    assert_int_equal(rlc_rollout_create(&ro, n, 1, od, ad), RLC_OK);
    const double zero = 0.0;
    const bool no = false;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rlc_rollout_add(ro, obs + i * od, act + i * ad, old_lp + i, old_v + i,
                                         &zero, &no, &no, NULL, NULL),
                         RLC_OK);
    memcpy(ro->advantages, fixture_get(f, "rollout_advantages", n), n * sizeof(double));
    memcpy(ro->returns, fixture_get(f, "rollout_returns", n), n * sizeof(double));
    rlc_train_stats st;
    rlc_train_stats_init(&st);
    assert_int_equal(rlc_agent_trpo.update(agent, ro, 1.0, &st), RLC_OK);
    static const char *const stats[] = {"kl_divergence", "expected_improvement",
                                        "surrogate_improvement", "line_search_steps",
                                        "cg_iterations", "cg_residual", "value_loss"};
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        double got = rlc_train_stats_get(&rlc_agent_trpo, &st, stats[i]);
        expect_close(stats[i], &got, fixture_get(f, stats[i], 1), 1, VALUE_TOL);
    }
    assert_true(rlc_train_stats_get(&rlc_agent_trpo, &st, "line_search_failures") == 0.0);
    assert_true(rlc_train_stats_get(&rlc_agent_trpo, &st, "skipped_steps") == 0.0);
    expect_close("pi_after", p->pi.vector.data, fixture_get(f, "pi_after", n_pi), n_pi,
                 PARAM_TOL);
    expect_vector("params_after", p->params, f, PARAM_TOL);

    rlc_rollout_free(ro);
    rlc_cg_free(cg);
    rlc_policy_fisher_free(fi);
    gsl_vector_free(g);
    gsl_vector_free(s);
    gsl_vector_free(Fs);
    rlc_agent_trpo.free(agent);
    fixture_free(f);
}

/* Box actions (2-d Gaussian, state-independent log-std), tanh networks 5-4, cg_damping 0.1;
 * advantages favour actions near the mean, so the step shrinks σ and the full step's KL
 * exceeds its quadratic model: the line search takes the second candidate. */
static void test_trpo_gaussian(void **state)
{
    (void)state;
    trpo_case(REFERENCE("trpo_gaussian"));
}

/* Three discrete actions (Categorical over logits), tanh networks 5-4, four observations,
 * cg_damping 0.01; the line search takes the second candidate. */
static void test_trpo_categorical(void **state)
{
    (void)state;
    trpo_case(REFERENCE("trpo_categorical"));
}

/* --- QAC --- */

/* QAC, one update as the agent takes it, on a rollout of 4 steps × 2 envs built from the
 * fixture: rlc's q(s, a) at every row and at the a' after the rollout (the Box critic sees the
 * action clipped to ±1, and some are beyond), the Sarsa targets GAE with λ = 0 computes from
 * them (two rows terminated), then the agent's update: both losses, the raw and the
 * per-network clipped gradient, and the parameters after one step of each network's
 * optimiser. */
static void qac_case(const char *path)
{
    fixture fx;
    fixture_load(&fx, path);
    const fixture *f = &fx;
    rlc_env_type env;
    double low[MAX_DIM], high[MAX_DIM];
    rlc_qac_config c;
    rlc_qac_config_default(&c);
    fixture_policy(f, &env, low, high, &c.policy);
    c.policy.critic = RLC_CRITIC_ACTION_VALUE;
    c.n_envs = (size_t)fixture_scalar(f, "n_envs");
    c.n_steps = (size_t)fixture_scalar(f, "n_steps");
    c.gamma = fixture_scalar(f, "gamma");
    c.ent_coef = fixture_scalar(f, "ent_coef");
    c.max_grad_norm = fixture_scalar(f, "max_grad_norm");
    c.actor_learning_rate = fixture_scalar(f, "actor_learning_rate");
    c.critic_learning_rate = fixture_scalar(f, "critic_learning_rate");
    c.optimizer = fixture_scalar(f, "rms_prop") != 0 ? RLC_QAC_RMSPROP : RLC_QAC_ADAM;
    void *agent;
    assert_int_equal(rlc_agent_qac.create(&agent, &c, &env, 1), RLC_OK);
    rlc_policy_trainer *tr = agent;
    rlc_policy *p = tr->policy;
    load_params(p->params, f, "params");

    size_t ne = c.n_envs, rows = ne * c.n_steps, od = p->obs_dim, ad = p->act_dim;
    assert_true(rows <= MAX_ROWS);
    const double *obs = fixture_get(f, "obs", rows * od), *act = fixture_get(f, "actions", rows * ad),
                 *rew = fixture_get(f, "rewards", rows), *term = fixture_get(f, "terminated", rows);
    double q[MAX_ROWS], q_next[MAX_ROWS], lp[MAX_ROWS];
    assert_int_equal(rlc_policy_evaluate_actions(p, tr->tape, obs, act, rows, lp, q), RLC_OK);
    expect_close("q_values", q, fixture_get(f, "q_values", rows), rows, VALUE_TOL);
    assert_int_equal(rlc_policy_evaluate_actions(p, tr->tape, fixture_get(f, "next_obs", ne * od),
                                                 fixture_get(f, "next_actions", ne * ad), ne, lp,
                                                 q_next),
                     RLC_OK);
    expect_close("q_next", q_next, fixture_get(f, "q_next", ne), ne, VALUE_TOL);

    rlc_rollout *ro;
    assert_int_equal(rlc_rollout_create(&ro, c.n_steps, ne, od, ad), RLC_OK);
    for (size_t t = 0; t < c.n_steps; t++) {
        bool terminated[MAX_ROWS], truncated[MAX_ROWS] = {false};
        for (size_t e = 0; e < ne; e++)
            terminated[e] = term[t * ne + e] != 0;
        assert_int_equal(rlc_rollout_add(ro, obs + t * ne * od, act + t * ne * ad, lp, q + t * ne,
                                         rew + t * ne, terminated, truncated, NULL, NULL),
                         RLC_OK);
    }
    rlc_rollout_compute_gae(ro, q_next, c.gamma, 0.0);
    expect_close("targets", ro->returns, fixture_get(f, "targets", rows), rows, VALUE_TOL);

    /* the loss and its raw gradient, recorded as the update records them */
    double targets[MAX_ROWS], weights[MAX_ROWS];
    memcpy(targets, ro->returns, rows * sizeof *targets);
    rlc_qac_loss_parts parts;
    rlc_node *loss;
    rlc_tape_reset(tr->tape);
    assert_int_equal(rlc_qac_loss(tr->tape, p, rows, obs, act, targets, weights, c.ent_coef,
                                  &parts, &loss),
                     RLC_OK);
    expect_scalar("actor_loss", parts.actor_loss, f);
    expect_scalar("critic_loss", parts.critic_loss, f);
    expect_scalar("entropy", parts.entropy, f);
    expect_scalar("loss", loss, f);
    gsl_vector_set_zero(p->grads);
    assert_int_equal(rlc_tape_backward(tr->tape, loss), RLC_OK);
    expect_vector("grad", p->grads, f, VALUE_TOL);

    rlc_train_stats st;
    rlc_train_stats_init(&st);
    assert_int_equal(rlc_agent_qac.update(agent, ro, 1.0, &st), RLC_OK);
    expect_vector("grad_clipped", p->grads, f, VALUE_TOL);
    expect_vector("params_after", p->params, f, PARAM_TOL);
    double v = rlc_train_stats_get(&rlc_agent_qac, &st, "actor_loss");
    expect_close("actor_loss", &v, fixture_get(f, "actor_loss", 1), 1, VALUE_TOL);
    v = rlc_train_stats_get(&rlc_agent_qac, &st, "critic_loss") / 2.0; /* mean δ², half of it the loss */
    expect_close("critic_loss", &v, fixture_get(f, "critic_loss", 1), 1, VALUE_TOL);
    v = rlc_train_stats_get(&rlc_agent_qac, &st, "mean_q");
    expect_close("mean_q", &v, fixture_get(f, "mean_q", 1), 1, VALUE_TOL);
    rlc_rollout_free(ro);
    rlc_agent_qac.free(agent);
    fixture_free(&fx);
}

/* Three discrete actions, relu networks 5-4, Adam for both networks. */
static void test_qac_adam_categorical(void **state)
{
    (void)state;
    qac_case(REFERENCE("qac_adam_categorical"));
}

/* 2-d Gaussian, tanh networks 5-4, RMSprop for both networks. */
static void test_qac_rmsprop_gaussian(void **state)
{
    (void)state;
    qac_case(REFERENCE("qac_rmsprop_gaussian"));
}

int main(void)
{
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddpg_update),
        cmocka_unit_test(test_ppo_gaussian),
        cmocka_unit_test(test_ppo_categorical),
        cmocka_unit_test(test_a2c_rmsprop_gaussian),
        cmocka_unit_test(test_a2c_adam_categorical),
        cmocka_unit_test(test_trpo_gaussian),
        cmocka_unit_test(test_trpo_categorical),
        cmocka_unit_test(test_qac_adam_categorical),
        cmocka_unit_test(test_qac_rmsprop_gaussian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
