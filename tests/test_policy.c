/* test_policy.c — the on-policy actor-critic's assembled losses (PPO's and
 * A2C's) checked whole against central finite differences over every
 * policy parameter, on Box and Discrete spaces and with each option path
 * (entropy bonus, value clipping, relu, PyTorch-default init). Update
 * values against a reference live in test_reference.c. */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/gradcheck.h"
#include "rlc/policy.h"
#include "rlc/ppo.h"
#include "rlc/rng.h"
#include "test_util.h"

#define N 7 /* rows of the batch */

typedef struct lossfix {
    rlc_policy *p;
    rlc_tape *t;
    bool ppo;
    double clip, clip_vf, ent_coef, vf_coef;
    double obs[N * 4], actions[N], old_lp[N], adv[N], ret[N], old_v[N];
    rlc_policy_batch b;
} lossfix;

static rlc_node *record_loss(lossfix *f, rlc_policy_loss_parts *parts)
{
    rlc_tape_reset(f->t);
    return f->ppo ? rlc_ppo_loss(f->t, f->p, &f->b, f->clip, f->clip_vf, f->ent_coef, f->vf_coef,
                                 parts)
                  : rlc_a2c_loss(f->t, f->p, &f->b, f->ent_coef, f->vf_coef, parts);
}

static double eval_loss(void *ctx)
{
    return rlc_node_scalar(record_loss(ctx, NULL));
}

/* A policy for env_id with the given options and a batch whose old
 * log-probabilities put ratios on both sides of the clip range (but
 * clear of its ends) and whose old values put some V − V_old beyond
 * ±clip_vf. */
static void setup(lossfix *f, const char *env_id, rlc_activation act, bool ortho, bool ppo)
{
    memset(f, 0, sizeof *f);
    rlc_policy_config pc;
    rlc_policy_config_default(&pc);
    pc.net_arch[0] = 5;
    pc.net_arch[1] = 4;
    pc.activation_fn = act;
    pc.ortho_init = ortho;
    pc.log_std_init = -0.3;
    const rlc_env_type *et = rlc_env_find(env_id);
    gsl_rng *rng = rlc_rng_create(11, RLC_RNG_INIT);
    assert_int_equal(rlc_policy_create(&f->p, &pc, et, rng), RLC_OK);
    assert_int_equal(rlc_tape_create(&f->t, 1 << 12), RLC_OK);
    size_t od = f->p->obs_dim;
    for (size_t i = 0; i < N * od; i++)
        f->obs[i] = gsl_rng_uniform(rng) * 2.0 - 1.0;
    for (size_t i = 0; i < N; i++) {
        f->actions[i] = et->action_space.kind == RLC_SPACE_DISCRETE
                            ? (double)(i % et->action_space.n)
                            : gsl_rng_uniform(rng) * 3.0 - 1.5;
        f->adv[i] = (i % 2 ? -1.0 : 1.0) * (0.5 + gsl_rng_uniform(rng));
        f->ret[i] = gsl_rng_uniform(rng) * 2.0 - 1.0;
    }
    f->ppo = ppo;
    f->clip = 0.2;
    f->clip_vf = 0.05;
    f->ent_coef = 0.01;
    f->vf_coef = 0.5;
    f->b = (rlc_policy_batch){N, f->obs, f->actions, f->old_lp, f->adv, f->ret, f->old_v};
    /* old log-probs from the current policy, shifted so ρ ∈ {0.6, 0.9, 1.1, 1.5, ...} */
    static const double rho[] = {0.6, 0.9, 1.1, 1.5, 0.7, 1.05, 1.3};
    rlc_policy_loss_parts parts;
    f->ppo = true; /* old_lp is zero for now, so log_ratio = log π(a|s) */
    assert_non_null(record_loss(f, &parts));
    for (size_t i = 0; i < N; i++)
        f->old_lp[i] = parts.log_ratio->value.data[i] - log(rho[i]);
    /* V − V_old is ±0.1 (beyond clip_vf = 0.05) on most rows, 0.01 on some */
    rlc_node *v;
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(f->obs, N, od);
    rlc_tape_reset(f->t);
    assert_int_equal(rlc_policy_forward(f->p, f->t, &ov.matrix, false, NULL, NULL, &v), RLC_OK);
    for (size_t i = 0; i < N; i++)
        f->old_v[i] = v->value.data[i] - (i % 3 == 0 ? 0.01 : i % 2 ? 0.1 : -0.1);
    f->ppo = ppo;
    gsl_rng_free(rng);
}

static void teardown(lossfix *f)
{
    rlc_policy_free(f->p);
    rlc_tape_free(f->t);
}

/* Analytic gradient of the whole loss against central differences over
 * every parameter (actor | log_std | critic). */
static void check_whole(lossfix *f)
{
    rlc_node *loss = record_loss(f, NULL);
    assert_non_null(loss);
    gsl_vector_set_zero(f->p->grads);
    assert_int_equal(rlc_tape_backward(f->t, loss), RLC_OK);
    size_t n = f->p->params->size;
    double *g = malloc(n * sizeof *g);
    memcpy(g, f->p->grads->data, n * sizeof *g);
    rlc_gradcheck_result r;
    assert_int_equal(rlc_gradcheck(eval_loss, f, f->p->params->data, n, g, 1e-5, 1e-6, &r), RLC_OK);
    if (r.max_rel_error >= 1e-6)
        print_error("worst coordinate %zu: analytic %.10g, numeric %.10g\n", r.worst_index,
                    r.analytic, r.numeric);
    assert_true(r.max_rel_error < 1e-6);
    /* every block has signal: the check is not passing on zeros */
    double norm = 0;
    for (size_t i = 0; i < n; i++)
        norm += g[i] * g[i];
    assert_true(norm > 1e-6);
    free(g);
}

static void test_ppo_loss_gaussian(void **s)
{
    (void)s;
    lossfix f;
    setup(&f, "Pendulum-v1", RLC_ACT_TANH, true, true);
    check_whole(&f);
    teardown(&f);
}

static void test_ppo_loss_categorical_relu_default_init(void **s)
{
    (void)s;
    lossfix f;
    setup(&f, "CartPole-v1", RLC_ACT_RELU, false, true);
    check_whole(&f);
    teardown(&f);
}

static void test_ppo_loss_no_value_clip_no_entropy(void **s)
{
    (void)s;
    lossfix f;
    setup(&f, "Pendulum-v1", RLC_ACT_TANH, false, true);
    f.clip_vf = 0.0;
    f.ent_coef = 0.0;
    check_whole(&f);
    teardown(&f);
}

/* With ent_coef 0 the entropy stays out of the total and is recorded after
 * it, so a backward pass from the total never visits it; the gradient is
 * bit for bit the one of the total with −0·H in it, and H is still there
 * for the statistics. Categorical (its entropy is the costly one), PPO and
 * A2C. */
static void test_zero_ent_coef_leaves_entropy_off_the_pass(void **s)
{
    (void)s;
    for (int ppo = 0; ppo < 2; ppo++) {
        lossfix f;
        setup(&f, "CartPole-v1", RLC_ACT_TANH, true, ppo);
        f.ent_coef = 0.0;
        rlc_policy_loss_parts parts;
        rlc_node *total = record_loss(&f, &parts);
        assert_non_null(total);
        for (rlc_node *n = total; n; n = n->prev)
            assert_ptr_not_equal(n, parts.entropy);
        bool after = false;
        for (rlc_node *n = parts.entropy; n; n = n->prev)
            after |= n == total;
        assert_true(after);
        assert_true(rlc_node_scalar(parts.entropy) > 0.1); /* H of 2 actions: near ln 2 */
        size_t n = f.p->params->size;
        double *g = malloc(2 * n * sizeof *g);
        gsl_vector_set_zero(f.p->grads);
        assert_int_equal(rlc_tape_backward(f.t, total), RLC_OK);
        memcpy(g, f.p->grads->data, n * sizeof *g);
        /* the total as written before: policy + (−0·H + 0.5·value) */
        rlc_node *old = rlc_tape_add(f.t, parts.policy_loss,
                                     rlc_tape_add(f.t, rlc_tape_scale(f.t, parts.entropy, -0.0),
                                                  rlc_tape_scale(f.t, parts.value_loss, f.vf_coef)));
        assert_memory_equal(&old->value.data[0], &total->value.data[0], sizeof(double));
        gsl_vector_set_zero(f.p->grads);
        assert_int_equal(rlc_tape_backward(f.t, old), RLC_OK);
        memcpy(g + n, f.p->grads->data, n * sizeof *g);
        assert_memory_equal(g, g + n, n * sizeof *g);
        free(g);
        teardown(&f);
    }
}

static void test_a2c_loss_gaussian_and_categorical(void **s)
{
    (void)s;
    lossfix f;
    setup(&f, "Pendulum-v1", RLC_ACT_TANH, true, false);
    check_whole(&f);
    teardown(&f);
    /* relu with PyTorch's default init: orthogonal init zeroes the biases,
     * so a row whose first-layer units are all off puts the next layer's
     * pre-activations exactly on relu's kink at 0 */
    setup(&f, "CartPole-v1", RLC_ACT_RELU, false, false);
    check_whole(&f);
    teardown(&f);
}

/* The parts add up as the header says, and the clipped terms are really
 * clipped: with the value clip on, the value loss uses V_old ± clip_vf on
 * the rows moved by 0.1, so it differs from the unclipped one. */
static void test_ppo_loss_parts(void **s)
{
    (void)s;
    lossfix f;
    setup(&f, "Pendulum-v1", RLC_ACT_TANH, true, true);
    rlc_policy_loss_parts parts;
    double total = rlc_node_scalar(record_loss(&f, &parts));
    double pg = rlc_node_scalar(parts.policy_loss), vl = rlc_node_scalar(parts.value_loss),
           ent = rlc_node_scalar(parts.entropy);
    assert_near(total, pg + 0.5 * vl - 0.01 * ent, 1e-14);
    /* hand-assembled value loss with V' = V_old + clip(V − V_old, ±0.05) */
    rlc_node *v;
    gsl_matrix_const_view ov = gsl_matrix_const_view_array(f.obs, N, f.p->obs_dim);
    rlc_tape_reset(f.t);
    assert_int_equal(rlc_policy_forward(f.p, f.t, &ov.matrix, false, NULL, NULL, &v), RLC_OK);
    double clipped = 0, plain = 0;
    for (size_t i = 0; i < N; i++) {
        double d = v->value.data[i] - f.old_v[i];
        double vp = f.old_v[i] + fmin(fmax(d, -0.05), 0.05);
        clipped += (f.ret[i] - vp) * (f.ret[i] - vp) / N;
        plain += (f.ret[i] - v->value.data[i]) * (f.ret[i] - v->value.data[i]) / N;
    }
    assert_near(vl, clipped, 1e-14);
    assert_true(fabs(clipped - plain) > 1e-3);
    /* the policy term: −mean min(ρA, clip(ρ, 0.8, 1.2)A) with the ρ set up */
    static const double rho[] = {0.6, 0.9, 1.1, 1.5, 0.7, 1.05, 1.3};
    double want = 0;
    for (size_t i = 0; i < N; i++)
        want -= fmin(rho[i] * f.adv[i], fmin(fmax(rho[i], 0.8), 1.2) * f.adv[i]) / N;
    assert_near(pg, want, 1e-12);
    teardown(&f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ppo_loss_gaussian),
        cmocka_unit_test(test_ppo_loss_categorical_relu_default_init),
        cmocka_unit_test(test_ppo_loss_no_value_clip_no_entropy),
        cmocka_unit_test(test_zero_ent_coef_leaves_entropy_off_the_pass),
        cmocka_unit_test(test_a2c_loss_gaussian_and_categorical),
        cmocka_unit_test(test_ppo_loss_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
