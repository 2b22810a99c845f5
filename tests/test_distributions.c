/* test_distributions.c — Categorical and diagonal Gaussian: closed-form
 * values (entropy by hand, the deterministic mode), gradients of log-prob, entropy and KL against
 * finite differences, and sampling frequencies. */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "rlc/distributions.h"
#include "rlc/gradcheck.h"
#include "rlc/rng.h"
#include "test_util.h"

/* Entropy by hand: H = Σ ½ ln(2πe σ²): σ = [0.5, 2] → 2.8378771; 0.5 → 0.7257914; 1 → 1.4189385. */
static void test_gaussian_entropy(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
    double ls2[2] = {log(0.5), log(2.0)}, ls1[1] = {log(0.5)}, ls0[1] = {0.0};
    gsl_matrix_view v2 = gsl_matrix_view_array(ls2, 1, 2), v1 = gsl_matrix_view_array(ls1, 1, 1),
                    v0 = gsl_matrix_view_array(ls0, 1, 1);
    assert_near(rlc_node_scalar(rlc_dist_entropy(t, RLC_DIST_GAUSSIAN, NULL, rlc_tape_leaf(t, &v2.matrix, NULL))),
                2.8378771, 1e-7);
    assert_near(rlc_node_scalar(rlc_dist_entropy(t, RLC_DIST_GAUSSIAN, NULL, rlc_tape_leaf(t, &v1.matrix, NULL))),
                0.7257914, 1e-7);
    assert_near(rlc_node_scalar(rlc_dist_entropy(t, RLC_DIST_GAUSSIAN, NULL, rlc_tape_leaf(t, &v0.matrix, NULL))),
                1.4189385, 1e-7);
    rlc_tape_free(t);
}

/* Categorical p = [1/3, 2/3] (logits [0, ln 2]): H = ln 3 − (2/3) ln 2;
 * log p(1) = ln 2/3; KL(p ‖ uniform) = ln 2 − H. */
static void test_categorical_values(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
    double z[2] = {0.0, log(2.0)}, u[2] = {0.0, 0.0}, a[1] = {1.0};
    gsl_matrix_view zv = gsl_matrix_view_array(z, 1, 2), uv = gsl_matrix_view_array(u, 1, 2),
                    av = gsl_matrix_view_array(a, 1, 1);
    rlc_node *zn = rlc_tape_leaf(t, &zv.matrix, NULL), *un = rlc_tape_leaf(t, &uv.matrix, NULL);
    double H = log(3.0) - (2.0 / 3.0) * log(2.0);
    assert_near(rlc_node_scalar(rlc_dist_entropy(t, RLC_DIST_CATEGORICAL, zn, NULL)), H, 1e-15);
    assert_near(rlc_dist_log_prob(t, RLC_DIST_CATEGORICAL, zn, NULL, &av.matrix)->value.data[0],
                log(2.0 / 3.0), 1e-15);
    assert_near(rlc_node_scalar(rlc_dist_kl(t, RLC_DIST_CATEGORICAL, zn, NULL, un, NULL)),
                log(2.0) - H, 1e-15);
    assert_near(rlc_node_scalar(rlc_dist_kl(t, RLC_DIST_CATEGORICAL, zn, NULL, zn, NULL)), 0.0, 1e-16);
    rlc_tape_free(t);
}

/* Evaluation never samples: the deterministic action is the argmax / the mean, every call. */
static void test_mode_deterministic(void **s)
{
    (void)s;
    double logits[2] = {log(0.3), log(0.7)}, mean[1] = {1.5}, a;
    for (int k = 0; k < 3; k++) {
        rlc_dist_mode(RLC_DIST_CATEGORICAL, 2, logits, &a);
        assert_near(a, 1.0, 0);
        rlc_dist_mode(RLC_DIST_GAUSSIAN, 1, mean, &a);
        assert_near(a, 1.5, 0);
    }
}

/* Sampling: categorical [0.3, 0.7] draws 1 about 70% of the time and the
 * returned log-prob matches; Gaussian samples have the right mean and sd and
 * their returned log-prob equals the tape's for the same action. */
static void test_sampling(void **s)
{
    (void)s;
    gsl_rng *r = rlc_rng_create(5, 0);
    double logits[2] = {log(0.3), log(0.7)}, a, ones = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double lp = rlc_dist_sample(RLC_DIST_CATEGORICAL, 2, logits, NULL, r, &a);
        assert_near(lp, a == 1.0 ? log(0.7) : log(0.3), 1e-15);
        ones += a;
    }
    assert_near(ones / n, 0.7, 0.005); /* 3.5 standard errors */
    double mean[2] = {1.0, -2.0}, ls[2] = {log(0.5), log(3.0)}, x[2], m[2] = {0}, m2[2] = {0};
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
    for (int i = 0; i < n; i++) {
        double lp = rlc_dist_sample(RLC_DIST_GAUSSIAN, 2, mean, ls, r, x);
        for (int j = 0; j < 2; j++) {
            m[j] += x[j] / n;
            m2[j] += x[j] * x[j] / n;
        }
        if (i < 10) {
            rlc_tape_reset(t);
            gsl_matrix_view mv = gsl_matrix_view_array(mean, 1, 2), lv = gsl_matrix_view_array(ls, 1, 2),
                            xv = gsl_matrix_view_array(x, 1, 2);
            rlc_node *l = rlc_dist_log_prob(t, RLC_DIST_GAUSSIAN, rlc_tape_leaf(t, &mv.matrix, NULL),
                                            rlc_tape_leaf(t, &lv.matrix, NULL), &xv.matrix);
            assert_near(l->value.data[0], lp, 1e-12);
        }
    }
    assert_near(m[0], 1.0, 0.01);
    assert_near(m[1], -2.0, 0.04);
    assert_near(sqrt(m2[0] - m[0] * m[0]), 0.5, 0.01);
    assert_near(sqrt(m2[1] - m[1] * m[1]), 3.0, 0.03);
    rlc_tape_free(t);
    gsl_rng_free(r);
}

/* Gradients through each distribution quantity, w.r.t. its parameters. */
typedef struct {
    rlc_tape *t;
    rlc_dist_kind kind;
    int what; /* 0 log-prob (summed), 1 entropy, 2 KL(p ‖ q) w.r.t. q, 3 w.r.t. p */
    double x[16]; /* params (n×d) then log_std (1×d) for q; p fixed */
    double p[16];
    double act[8];
    size_t n, d;
} dctx;

static rlc_node *dist_loss(dctx *c, double *grad)
{
    size_t n = c->n, d = c->d, np = n * d;
    gsl_matrix_view pv = gsl_matrix_view_array(c->x, n, d), lv = gsl_matrix_view_array(c->x + np, 1, d);
    gsl_matrix_view pp = gsl_matrix_view_array(c->p, n, d), lp = gsl_matrix_view_array(c->p + np, 1, d);
    gsl_matrix_view gp = gsl_matrix_view_array(grad, n, d), gl = gsl_matrix_view_array(grad + np, 1, d);
    gsl_matrix_view av = gsl_matrix_view_array(c->act, n, c->kind == RLC_DIST_GAUSSIAN ? d : 1);
    rlc_tape_reset(c->t);
    bool g = grad != NULL;
    rlc_node *P = rlc_tape_leaf(c->t, &pv.matrix, g ? &gp.matrix : NULL);
    rlc_node *L = c->kind == RLC_DIST_GAUSSIAN ? rlc_tape_leaf(c->t, &lv.matrix, g ? &gl.matrix : NULL) : NULL;
    rlc_node *Pf = rlc_tape_leaf(c->t, &pp.matrix, NULL);
    rlc_node *Lf = c->kind == RLC_DIST_GAUSSIAN ? rlc_tape_leaf(c->t, &lp.matrix, NULL) : NULL;
    switch (c->what) {
    case 0: return rlc_tape_sum(c->t, rlc_dist_log_prob(c->t, c->kind, P, L, &av.matrix));
    case 1: return rlc_dist_entropy(c->t, c->kind, P, L);
    case 2: return rlc_dist_kl(c->t, c->kind, Pf, Lf, P, L);
    default: return rlc_dist_kl(c->t, c->kind, P, L, Pf, Lf);
    }
}

static double dist_value(void *p) { return rlc_node_scalar(dist_loss(p, NULL)); }

static void check_dist_grad(rlc_dist_kind kind, int what)
{
    dctx c = {.kind = kind, .what = what, .n = 3, .d = kind == RLC_DIST_GAUSSIAN ? 2 : 4};
    gsl_rng *r = rlc_rng_create(11, (uint64_t)what);
    for (size_t i = 0; i < 16; i++) {
        c.x[i] = gsl_ran_flat(r, -1.0, 1.0);
        c.p[i] = gsl_ran_flat(r, -1.0, 1.0);
    }
    for (size_t i = 0; i < 8; i++)
        c.act[i] = kind == RLC_DIST_GAUSSIAN ? gsl_ran_flat(r, -2.0, 2.0) : (double)(i % 4);
    size_t n = c.n * c.d + (kind == RLC_DIST_GAUSSIAN ? c.d : 0);
    double grad[16] = {0};
    assert_int_equal(rlc_tape_create(&c.t, 1024), RLC_OK);
    assert_int_equal(rlc_tape_backward(c.t, dist_loss(&c, grad)), RLC_OK);
    double mag = 0;
    for (size_t i = 0; i < n; i++)
        mag += fabs(grad[i]);
    assert_true(mag > 1e-3);
    rlc_gradcheck_result res;
    assert_int_equal(rlc_gradcheck(dist_value, &c, c.x, n, grad, 1e-6, 1e-6, &res), RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("kind %d what %d: worst %zu analytic %.12g numeric %.12g\n", kind, what,
                    res.worst_index, res.analytic, res.numeric);
    assert_true(res.max_rel_error < 1e-6);
    rlc_tape_free(c.t);
    gsl_rng_free(r);
}

static void test_grad_categorical(void **s)
{
    (void)s;
    for (int w = 0; w < 4; w++)
        check_dist_grad(RLC_DIST_CATEGORICAL, w);
}

static void test_grad_gaussian(void **s)
{
    (void)s;
    for (int w = 0; w < 4; w++)
        check_dist_grad(RLC_DIST_GAUSSIAN, w);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaussian_entropy), cmocka_unit_test(test_categorical_values),
        cmocka_unit_test(test_mode_deterministic),             cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_grad_categorical),     cmocka_unit_test(test_grad_gaussian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
