/* test_reference.c — single updates of DDPG, PPO and A2C replayed in rlc and compared with
 * PyTorch's float64 values (tests/data/reference/, written by tests/reference/make_fixtures.py
 * after Stable-Baselines3's train()): every loss term, every gradient, the clipped gradient
 * and the parameters after the optimiser step. Fixed data, one step: it says nothing about
 * learning, and finite-difference checks of the same losses are test_ddpg.c's and
 * test_policy.c's. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/blas.h"
#include "rlc/ddpg.h"
#include "rlc/optim.h"
#include "rlc/policy.h"
#include "rlc/ppo.h"
#include "rlc/rng.h"
#include "rlc/rollout.h"
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

/* The fixture's policy (actor | log_std | critic) in a trainer whose optimiser is the one the
 * agent builds: PPO's Adam, or A2C's RMSprop or Adam, with the fixture's learning rate and eps
 * and rlc's other defaults (β 0.9, 0.999; α 0.99). */
static void onpolicy_setup(onpolicy *o, const char *path, bool ppo)
{
    memset(o, 0, sizeof *o);
    fixture_load(&o->f, path);
    const fixture *f = &o->f;
    o->ppo = ppo;
    size_t od = (size_t)fixture_scalar(f, "obs_dim"), k = (size_t)fixture_scalar(f, "n_out");
    assert_true(od <= MAX_DIM && k <= MAX_DIM);
    for (size_t j = 0; j < MAX_DIM; j++) {
        o->low[j] = -1.0;
        o->high[j] = 1.0;
    }
    o->env.id = "reference";
    o->env.observation_space = (rlc_space){RLC_SPACE_BOX, od, 0, o->low, o->high};
    o->env.action_space = fixture_scalar(f, "gaussian") != 0
                              ? (rlc_space){RLC_SPACE_BOX, k, 0, o->low, o->high}
                              : (rlc_space){RLC_SPACE_DISCRETE, 1, k, NULL, NULL};
    rlc_policy_config pc;
    rlc_policy_config_default(&pc);
    pc.n_hidden = fixture_count(f, "hidden");
    for (size_t l = 0; l < pc.n_hidden; l++)
        pc.net_arch[l] = (size_t)fixture_get(f, "hidden", pc.n_hidden)[l];
    pc.activation_fn = fixture_scalar(f, "relu") != 0 ? RLC_ACT_RELU : RLC_ACT_TANH;
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
