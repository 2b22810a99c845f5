/* test_tape.c — every tape op: forward values against hand-computed ones,
 * gradients and tangents (J·v) against central finite differences, seeded
 * backward passes (uᵀJ, several per recording), Fisher-vector products of
 * two distributions against closed forms, plus arena reuse (no growth once
 * warm), error propagation and tanh's accuracy against long-double tanhl.
 * Not here: networks and losses built on the tape (their own tests). */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "rlc/gradcheck.h"
#include "rlc/mlp.h"
#include "rlc/rng.h"
#include "rlc/tape.h"
#include "test_util.h"

/* A graph under test: up to three leaf inputs with gradients, an op, and a
 * loss sum(op(...) ⊙ R) with a fixed random R so every output entry gets a
 * distinct weight. */
typedef rlc_node *(*build_fn)(rlc_tape *t, rlc_node **in);

typedef struct {
    rlc_tape *tape;
    build_fn build;
    size_t n_in;
    gsl_matrix *x[4], *dx[4];
    gsl_matrix *R;
    double *flat;  /* all inputs concatenated, the vector gradcheck perturbs */
    size_t n_flat;
} graph;

static void unflatten(graph *g)
{
    size_t off = 0;
    for (size_t k = 0; k < g->n_in; k++) {
        size_t n = g->x[k]->size1 * g->x[k]->size2;
        memcpy(g->x[k]->data, g->flat + off, n * sizeof(double));
        off += n;
    }
}

static rlc_node *forward(graph *g, bool with_grad)
{
    rlc_tape_reset(g->tape);
    rlc_node *in[4] = {0};
    for (size_t k = 0; k < g->n_in; k++)
        in[k] = rlc_tape_leaf(g->tape, g->x[k], with_grad ? g->dx[k] : NULL);
    rlc_node *y = g->build(g->tape, in);
    if (!y)
        return NULL;
    if (!g->R) {
        g->R = gsl_matrix_alloc(y->value.size1, y->value.size2);
        for (size_t i = 0; i < g->R->size1 * g->R->size2; i++)
            g->R->data[i] = 0.5 + 0.1 * (double)(i % 7);
    }
    rlc_node *r = rlc_tape_leaf(g->tape, g->R, NULL);
    return rlc_tape_sum(g->tape, rlc_tape_mul(g->tape, y, r));
}

static double loss_at(void *ctx)
{
    graph *g = ctx;
    unflatten(g);
    return rlc_node_scalar(forward(g, false));
}

/* Build inputs of the given shapes with values in [-1.5, 1.5] that keep a
 * distance from 0 (relu's kink), run backward, and gradcheck every input. */
static void check_op(build_fn build, size_t n_in, const size_t shapes[][2])
{
    graph g = {.build = build, .n_in = n_in};
    assert_int_equal(rlc_tape_create(&g.tape, 256), RLC_OK);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    for (size_t k = 0; k < n_in; k++) {
        g.x[k] = gsl_matrix_alloc(shapes[k][0], shapes[k][1]);
        g.dx[k] = gsl_matrix_calloc(shapes[k][0], shapes[k][1]);
        for (size_t i = 0; i < shapes[k][0] * shapes[k][1]; i++) {
            double u = gsl_rng_uniform(rng);
            g.x[k]->data[i] = (u < 0.5 ? -1.0 : 1.0) * (0.1 + 1.4 * fabs(2 * u - 1));
        }
        g.n_flat += shapes[k][0] * shapes[k][1];
    }
    g.flat = malloc(g.n_flat * sizeof(double));
    double *analytic = malloc(g.n_flat * sizeof(double));
    size_t off = 0;
    for (size_t k = 0; k < n_in; k++) {
        size_t n = shapes[k][0] * shapes[k][1];
        memcpy(g.flat + off, g.x[k]->data, n * sizeof(double));
        off += n;
    }
    rlc_node *loss = forward(&g, true);
    assert_non_null(loss);
    assert_int_equal(rlc_tape_backward(g.tape, loss), RLC_OK);
    off = 0;
    for (size_t k = 0; k < n_in; k++) {
        size_t n = shapes[k][0] * shapes[k][1];
        memcpy(analytic + off, g.dx[k]->data, n * sizeof(double));
        off += n;
    }
    rlc_gradcheck_result res;
    assert_int_equal(rlc_gradcheck(loss_at, &g, g.flat, g.n_flat, analytic, 1e-6, 1e-6, &res),
                     RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("worst coordinate %zu: analytic %.12g numeric %.12g\n", res.worst_index,
                    res.analytic, res.numeric);
    assert_true(res.max_rel_error < 1e-6);
    /* a gradient of zero everywhere would pass trivially: demand signal */
    double s = 0;
    for (size_t i = 0; i < g.n_flat; i++)
        s += fabs(analytic[i]);
    assert_true(s > 1e-3);
    for (size_t k = 0; k < n_in; k++) {
        gsl_matrix_free(g.x[k]);
        gsl_matrix_free(g.dx[k]);
    }
    gsl_matrix_free(g.R);
    free(g.flat);
    free(analytic);
    gsl_rng_free(rng);
    rlc_tape_free(g.tape);
}

static rlc_node *b_matmul(rlc_tape *t, rlc_node **in) { return rlc_tape_matmul(t, in[0], in[1], false); }
static rlc_node *b_matmul_bt(rlc_tape *t, rlc_node **in) { return rlc_tape_matmul(t, in[0], in[1], true); }
static rlc_node *b_add_bias(rlc_tape *t, rlc_node **in) { return rlc_tape_add_bias(t, in[0], in[1]); }
static rlc_node *b_linear(rlc_tape *t, rlc_node **in) { return rlc_tape_linear(t, in[0], in[1], in[2]); }
static rlc_node *b_linear_relu(rlc_tape *t, rlc_node **in) { return rlc_tape_linear_relu(t, in[0], in[1], in[2]); }
static rlc_node *b_add(rlc_tape *t, rlc_node **in) { return rlc_tape_add(t, in[0], in[1]); }
static rlc_node *b_sub(rlc_tape *t, rlc_node **in) { return rlc_tape_sub(t, in[0], in[1]); }
static rlc_node *b_mul(rlc_tape *t, rlc_node **in) { return rlc_tape_mul(t, in[0], in[1]); }
static rlc_node *b_affine(rlc_tape *t, rlc_node **in) { return rlc_tape_affine(t, in[0], -1.7, 0.3); }
static const double cs[3] = {2.0, -0.5, 1.25}, csh[3] = {0.1, 0.0, -3.0};
static rlc_node *b_scale_cols(rlc_tape *t, rlc_node **in) { return rlc_tape_scale_cols(t, in[0], cs, csh); }
static rlc_node *b_relu(rlc_tape *t, rlc_node **in) { return rlc_tape_relu(t, in[0]); }
static rlc_node *b_tanh(rlc_tape *t, rlc_node **in) { return rlc_tape_tanh(t, in[0]); }
static rlc_node *b_square(rlc_tape *t, rlc_node **in) { return rlc_tape_square(t, in[0]); }
static rlc_node *b_sum(rlc_tape *t, rlc_node **in) { return rlc_tape_sum(t, rlc_tape_square(t, in[0])); }
static rlc_node *b_mean(rlc_tape *t, rlc_node **in) { return rlc_tape_mean(t, rlc_tape_tanh(t, in[0])); }
static rlc_node *b_concat(rlc_tape *t, rlc_node **in) { return rlc_tape_concat_cols(t, in[0], in[1]); }
/* an input used twice: gradients from both uses must add up */
static rlc_node *b_reuse(rlc_tape *t, rlc_node **in)
{
    return rlc_tape_mul(t, rlc_tape_tanh(t, in[0]), rlc_tape_add(t, in[0], in[0]));
}

/* an intermediate read by a product, then by another op: the product's
 * rule runs last and must add to what the other left (it sets the gradient
 * only where nothing has reached it yet) */
static rlc_node *b_reuse_product(rlc_tape *t, rlc_node **in)
{
    rlc_node *h = rlc_tape_tanh(t, in[0]);
    rlc_node *p = rlc_tape_linear(t, h, in[1], in[2]);
    return rlc_tape_add(t, rlc_tape_sum(t, p), rlc_tape_sum(t, rlc_tape_square(t, h)));
}

static rlc_node *b_exp(rlc_tape *t, rlc_node **in) { return rlc_tape_exp(t, in[0]); }
static rlc_node *b_log(rlc_tape *t, rlc_node **in)
{
    return rlc_tape_log(t, rlc_tape_affine(t, rlc_tape_square(t, in[0]), 1.0, 0.5));
}
static rlc_node *b_row_sum(rlc_tape *t, rlc_node **in) { return rlc_tape_row_sum(t, in[0]); }
static rlc_node *b_log_softmax(rlc_tape *t, rlc_node **in) { return rlc_tape_log_softmax(t, in[0]); }
static const double cols5[5] = {0, 3, 1, 3, 2};
static rlc_node *b_gather(rlc_tape *t, rlc_node **in)
{
    return rlc_tape_gather(t, rlc_tape_log_softmax(t, in[0]), cols5);
}
static rlc_node *b_clip(rlc_tape *t, rlc_node **in) { return rlc_tape_clip(t, in[0], -0.7, 0.8); }
static rlc_node *b_min(rlc_tape *t, rlc_node **in) { return rlc_tape_min(t, in[0], in[1]); }
static rlc_node *b_max(rlc_tape *t, rlc_node **in) { return rlc_tape_max(t, in[0], in[1]); }
static double act_data[5 * 2] = {0.3, -1.2, 1.7, 0.05, -0.4, 0.9, 2.2, -2.0, 0.0, 0.6};
static rlc_node *b_gauss_logp(rlc_tape *t, rlc_node **in)
{
    static gsl_matrix_view a;
    a = gsl_matrix_view_array(act_data, 5, 2);
    return rlc_tape_gaussian_log_prob(t, in[0], in[1], &a.matrix);
}
static rlc_node *b_gauss_kl(rlc_tape *t, rlc_node **in)
{
    return rlc_tape_gaussian_kl(t, in[0], in[1], in[2], in[3]);
}

static void test_grad_exp(void **s) { (void)s; check_op(b_exp, 1, (const size_t[][2]){{3, 4}}); }
static void test_grad_log(void **s) { (void)s; check_op(b_log, 1, (const size_t[][2]){{3, 4}}); }
static void test_grad_row_sum(void **s) { (void)s; check_op(b_row_sum, 1, (const size_t[][2]){{3, 4}}); }
static void test_grad_log_softmax(void **s) { (void)s; check_op(b_log_softmax, 1, (const size_t[][2]){{3, 4}}); }
static void test_grad_gather(void **s) { (void)s; check_op(b_gather, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_clip(void **s) { (void)s; check_op(b_clip, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_min(void **s) { (void)s; check_op(b_min, 2, (const size_t[][2]){{5, 4}, {5, 4}}); }
static void test_grad_max(void **s) { (void)s; check_op(b_max, 2, (const size_t[][2]){{5, 4}, {5, 4}}); }
static void test_grad_gauss_logp(void **s) { (void)s; check_op(b_gauss_logp, 2, (const size_t[][2]){{5, 2}, {1, 2}}); }
static void test_grad_gauss_kl(void **s)
{
    (void)s;
    check_op(b_gauss_kl, 4, (const size_t[][2]){{3, 2}, {1, 2}, {3, 2}, {1, 2}});
}

/* rlc_tape_log_softmax_shared finds the log-softmax of its input already on
 * the tape (and only of that input, only since the last reset); read twice,
 * the node's gradient is the sum of both readers'. */
static void test_log_softmax_shared(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    double z[4] = {0.3, -1.1, 2.0, 0.7}, w[4] = {1.0, 2.0, 3.0, 4.0}, gz[4] = {0};
    gsl_matrix_view zv = gsl_matrix_view_array(z, 2, 2), wv = gsl_matrix_view_array(w, 2, 2),
                    gv = gsl_matrix_view_array(gz, 2, 2);
    rlc_node *x = rlc_tape_leaf(t, &zv.matrix, &gv.matrix), *y = rlc_tape_leaf(t, &wv.matrix, NULL);
    assert_null(rlc_tape_log_softmax_shared(t, NULL));
    rlc_tape_reset(t);
    x = rlc_tape_leaf(t, &zv.matrix, &gv.matrix);
    y = rlc_tape_leaf(t, &wv.matrix, NULL);
    rlc_node *lp = rlc_tape_log_softmax(t, x);
    rlc_node *other = rlc_tape_log_softmax(t, y);
    rlc_node *mid = rlc_tape_exp(t, lp); /* nodes in between */
    assert_ptr_equal(rlc_tape_log_softmax_shared(t, x), lp);
    assert_ptr_equal(rlc_tape_log_softmax_shared(t, y), other);
    assert_ptr_equal(rlc_tape_log_softmax_shared(t, mid)->a, mid); /* none yet: a new one */
    /* L = Σ lp + Σ lp ⊙ lp (read as two nodes' inputs) = Σ (lp + lp²): dL/dz
     * through one node equals twice-recorded log-softmaxes', to rounding */
    rlc_node *shared = rlc_tape_log_softmax_shared(t, x);
    rlc_node *loss = rlc_tape_add(t, rlc_tape_sum(t, lp), rlc_tape_sum(t, rlc_tape_mul(t, shared, shared)));
    assert_int_equal(rlc_tape_backward(t, loss), RLC_OK);
    double g1[4];
    memcpy(g1, gz, sizeof g1);
    rlc_tape_reset(t);
    memset(gz, 0, sizeof gz);
    x = rlc_tape_leaf(t, &zv.matrix, &gv.matrix);
    rlc_node *l1 = rlc_tape_log_softmax(t, x), *l2 = rlc_tape_log_softmax(t, x);
    for (int i = 0; i < 4; i++)
        assert_true(memcmp(&l1->value.data[i], &l2->value.data[i], sizeof(double)) == 0);
    loss = rlc_tape_add(t, rlc_tape_sum(t, l1), rlc_tape_sum(t, rlc_tape_mul(t, l2, l2)));
    assert_int_equal(rlc_tape_backward(t, loss), RLC_OK);
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(g1[i]) > 0.1);
        assert_near(g1[i], gz[i], 1e-15);
    }
    double v0 = l1->value.data[0];
    /* after a reset nothing is found: a new node, the same values */
    rlc_tape_reset(t);
    x = rlc_tape_leaf(t, &zv.matrix, NULL);
    rlc_node *fresh = rlc_tape_log_softmax_shared(t, x);
    assert_non_null(fresh);
    assert_ptr_equal(fresh->a, x);
    assert_near(fresh->value.data[0], v0, 0);
    rlc_tape_free(t);
}

/* Gradient buffers are zeroed as a backward pass reaches them: a node the
 * loss does not depend on, recorded before it, ends the pass with a zero
 * gradient, and a second recording on the reset arena (the same memory,
 * poisoned after the first pass) starts from zero too. */
static void test_grads_zeroed_by_the_pass(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    double x[3] = {0.5, -1.0, 2.0}, gx[3] = {0};
    gsl_matrix_view xv = gsl_matrix_view_array(x, 1, 3), gv = gsl_matrix_view_array(gx, 1, 3);
    for (int pass = 0; pass < 2; pass++) {
        rlc_tape_reset(t);
        memset(gx, 0, sizeof gx);
        rlc_node *leaf = rlc_tape_leaf(t, &xv.matrix, &gv.matrix);
        rlc_node *dead = rlc_tape_exp(t, leaf);
        rlc_node *y = rlc_tape_tanh(t, leaf);
        assert_int_equal(rlc_tape_backward(t, rlc_tape_sum(t, y)), RLC_OK);
        for (int j = 0; j < 3; j++) {
            assert_true(dead->grad.data[j] == 0.0 && !signbit(dead->grad.data[j]));
            assert_near(y->grad.data[j], 1.0, 0);
            assert_near(gx[j], 1.0 - tanh(x[j]) * tanh(x[j]), 1e-15);
            dead->grad.data[j] = y->grad.data[j] = 7.0; /* what the next pass finds there */
        }
    }
    rlc_tape_free(t);
}

/* Forward values of the distribution ops against closed forms. */
static void test_distribution_values(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    /* log_softmax of [0, ln 2] = [ln 1/3, ln 2/3] (p = [1/3, 2/3]) */
    double z[2] = {0.0, log(2.0)};
    gsl_matrix_view zv = gsl_matrix_view_array(z, 1, 2);
    rlc_node *ls = rlc_tape_log_softmax(t, rlc_tape_leaf(t, &zv.matrix, NULL));
    assert_near(ls->value.data[0], log(1.0 / 3.0), 1e-15);
    assert_near(ls->value.data[1], log(2.0 / 3.0), 1e-15);
    /* a huge logit stays finite */
    double big[2] = {1000.0, 0.0};
    gsl_matrix_view bv = gsl_matrix_view_array(big, 1, 2);
    rlc_node *lb = rlc_tape_log_softmax(t, rlc_tape_leaf(t, &bv.matrix, NULL));
    assert_near(lb->value.data[0], 0.0, 0);
    assert_near(lb->value.data[1], -1000.0, 0);
    /* Gaussian: log N(2; 0, σ=1e-3·...) — an unsquashed Gaussian far from its mean:
     * log N(2; 0, 1e-3) = −1999994.0111833 (σ = 1e-3) */
    double mu[1] = {0.0}, lsd[1] = {log(1e-3)}, a[1] = {2.0};
    gsl_matrix_view mv = gsl_matrix_view_array(mu, 1, 1), lv = gsl_matrix_view_array(lsd, 1, 1),
                    av = gsl_matrix_view_array(a, 1, 1);
    rlc_node *lp = rlc_tape_gaussian_log_prob(t, rlc_tape_leaf(t, &mv.matrix, NULL),
                                              rlc_tape_leaf(t, &lv.matrix, NULL), &av.matrix);
    assert_near(lp->value.data[0], -1999994.0111833, 1e-6);
    /* KL(N(0,1) ‖ N(1, 2²)) = ln 2 + (1 + 1)/8 − ½ */
    double m0[1] = {0.0}, l0[1] = {0.0}, m1[1] = {1.0}, l1[1] = {log(2.0)};
    gsl_matrix_view m0v = gsl_matrix_view_array(m0, 1, 1), l0v = gsl_matrix_view_array(l0, 1, 1),
                    m1v = gsl_matrix_view_array(m1, 1, 1), l1v = gsl_matrix_view_array(l1, 1, 1);
    rlc_node *kl = rlc_tape_gaussian_kl(t, rlc_tape_leaf(t, &m0v.matrix, NULL), rlc_tape_leaf(t, &l0v.matrix, NULL),
                                        rlc_tape_leaf(t, &m1v.matrix, NULL), rlc_tape_leaf(t, &l1v.matrix, NULL));
    assert_near(kl->value.data[0], log(2.0) + 0.25 - 0.5, 1e-15);
    /* gather rejects an out-of-range or fractional index */
    double bad[1] = {2.0}, frac[1] = {0.5};
    assert_null(rlc_tape_gather(t, ls, bad));
    rlc_tape_reset(t);
    zv = gsl_matrix_view_array(z, 1, 2);
    assert_null(rlc_tape_gather(t, rlc_tape_leaf(t, &zv.matrix, NULL), frac));
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    rlc_tape_free(t);
}

/* PPO's clipped surrogate by hand: ε = 0.2, ρ = [0.5, 0.9, 1.1, 1.5,
 * 0.5, 1.5], A = [1, 1, 1, 1, −1, −1] → min(ρA, clip(ρ)A) = [0.5, 0.9, 1.1,
 * 1.2, −0.8, −1.5], ∂/∂ρ = [1, 1, 1, 0, 0, −1]. */
/* rlc_tape_input: a constant whose value lives on the tape; filled in place
 * it feeds ops like any leaf, backward leaves it alone while reaching the
 * parameters, and an empty shape is refused. */
static void test_input_node(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
    rlc_node *x = rlc_tape_input(t, 2, 3);
    assert_non_null(x);
    assert_null(x->grad.data);
    for (size_t i = 0; i < 6; i++)
        x->value.data[i] = (double)i + 1.0; /* [[1 2 3] [4 5 6]] */
    double w[3] = {0.5, -1.0, 2.0}, dw[3] = {0};
    gsl_matrix_view wv = gsl_matrix_view_array(w, 1, 3), dwv = gsl_matrix_view_array(dw, 1, 3);
    rlc_node *y = rlc_tape_sum(t, rlc_tape_matmul(t, x, rlc_tape_leaf(t, &wv.matrix, &dwv.matrix), true));
    assert_true(rlc_node_scalar(y) == (0.5 - 2 + 6) + (2 - 5 + 12));
    assert_int_equal(rlc_tape_backward(t, y), RLC_OK);
    assert_true(dw[0] == 5.0); /* column sums of x */
    assert_true(dw[1] == 7.0);
    assert_true(dw[2] == 9.0);
    assert_null(rlc_tape_input(t, 0, 3));
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    rlc_tape_free(t);
}

static void test_ppo_clip(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    double rho[6] = {0.5, 0.9, 1.1, 1.5, 0.5, 1.5}, A[6] = {1, 1, 1, 1, -1, -1}, drho[6] = {0};
    gsl_matrix_view rv = gsl_matrix_view_array(rho, 6, 1), av = gsl_matrix_view_array(A, 6, 1),
                    dv = gsl_matrix_view_array(drho, 6, 1);
    rlc_node *r = rlc_tape_leaf(t, &rv.matrix, &dv.matrix), *adv = rlc_tape_leaf(t, &av.matrix, NULL);
    rlc_node *surr = rlc_tape_min(t, rlc_tape_mul(t, r, adv),
                                  rlc_tape_mul(t, rlc_tape_clip(t, r, 0.8, 1.2), adv));
    const double expect[6] = {0.5, 0.9, 1.1, 1.2, -0.8, -1.5}, dexp[6] = {1, 1, 1, 0, 0, -1};
    for (int i = 0; i < 6; i++)
        assert_near(surr->value.data[i], expect[i], 1e-15);
    rlc_node *loss = rlc_tape_scale(t, rlc_tape_mean(t, surr), -1.0);
    assert_near(rlc_node_scalar(loss), -0.2333333333333333, 1e-15);
    assert_int_equal(rlc_tape_backward(t, rlc_tape_sum(t, surr)), RLC_OK);
    for (int i = 0; i < 6; i++)
        assert_near(drho[i], dexp[i], 0);
    rlc_tape_free(t);
}

static void test_grad_matmul(void **s) { (void)s; check_op(b_matmul, 2, (const size_t[][2]){{4, 3}, {3, 5}}); }
static void test_grad_matmul_bt(void **s) { (void)s; check_op(b_matmul_bt, 2, (const size_t[][2]){{4, 3}, {5, 3}}); }
static void test_grad_add_bias(void **s) { (void)s; check_op(b_add_bias, 2, (const size_t[][2]){{4, 3}, {1, 3}}); }
static void test_grad_linear(void **s) { (void)s; check_op(b_linear, 3, (const size_t[][2]){{4, 3}, {2, 3}, {1, 2}}); }
static void test_grad_linear_relu(void **s) { (void)s; check_op(b_linear_relu, 3, (const size_t[][2]){{6, 3}, {4, 3}, {1, 4}}); }
static void test_grad_add(void **s) { (void)s; check_op(b_add, 2, (const size_t[][2]){{3, 2}, {3, 2}}); }
static void test_grad_sub(void **s) { (void)s; check_op(b_sub, 2, (const size_t[][2]){{3, 2}, {3, 2}}); }
static void test_grad_mul(void **s) { (void)s; check_op(b_mul, 2, (const size_t[][2]){{3, 2}, {3, 2}}); }
static void test_grad_affine(void **s) { (void)s; check_op(b_affine, 1, (const size_t[][2]){{3, 2}}); }
static void test_grad_scale_cols(void **s) { (void)s; check_op(b_scale_cols, 1, (const size_t[][2]){{4, 3}}); }
static void test_grad_relu(void **s) { (void)s; check_op(b_relu, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_tanh(void **s) { (void)s; check_op(b_tanh, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_square(void **s) { (void)s; check_op(b_square, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_sum(void **s) { (void)s; check_op(b_sum, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_mean(void **s) { (void)s; check_op(b_mean, 1, (const size_t[][2]){{5, 4}}); }
static void test_grad_concat(void **s) { (void)s; check_op(b_concat, 2, (const size_t[][2]){{3, 2}, {3, 4}}); }
static void test_grad_reuse(void **s) { (void)s; check_op(b_reuse, 1, (const size_t[][2]){{3, 3}}); }
static void test_grad_reuse_product(void **s)
{
    (void)s;
    check_op(b_reuse_product, 3, (const size_t[][2]){{3, 4}, {2, 4}, {1, 2}});
}

/* Forward values computed by hand. */
/* rlc_tape_linear_relu against rlc_tape_relu(rlc_tape_linear(...)) on a
 * 37×9 → 13 layer (vector tails on every path) with a third of the
 * outputs negative: the same value, input gradients and tangent, bit for
 * bit, through a loss that uses the output twice. */
static void fused_pass(bool fused, const gsl_matrix *X, const gsl_matrix *W, const gsl_matrix *b,
                       gsl_matrix *dX, gsl_matrix *dW, gsl_matrix *db, gsl_vector *G,
                       gsl_vector *V, double *value, double *tangent)
{
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1 << 16), RLC_OK);
    gsl_matrix_set_zero(dX), gsl_matrix_set_zero(dW), gsl_matrix_set_zero(db);
    rlc_node *x = rlc_tape_leaf(t, X, dX), *w = rlc_tape_leaf(t, W, dW), *bb = rlc_tape_leaf(t, b, db);
    rlc_node *y = fused ? rlc_tape_linear_relu(t, x, w, bb)
                        : rlc_tape_relu(t, rlc_tape_linear(t, x, w, bb));
    rlc_node *loss = rlc_tape_sum(t, rlc_tape_mul(t, y, rlc_tape_tanh(t, y)));
    assert_int_equal(rlc_tape_backward(t, loss), RLC_OK);
    memcpy(value, y->value.data, 37 * 13 * sizeof(double));
    assert_int_equal(rlc_tape_tangents(t, G, V), RLC_OK);
    memcpy(tangent, y->tangent.data, 37 * 13 * sizeof(double));
    rlc_tape_free(t);
}

static void test_linear_relu_is_two_nodes(void **s)
{
    (void)s;
    enum { R = 37, IN = 9, OUT = 13 };
    gsl_rng *rng = rlc_rng_create(5, RLC_RNG_INIT);
    gsl_matrix *X = gsl_matrix_alloc(R, IN), *W = gsl_matrix_alloc(OUT, IN), *b = gsl_matrix_alloc(1, OUT);
    gsl_matrix *dX[2], *dW[2], *db[2];
    for (size_t i = 0; i < R * IN; i++)
        X->data[i] = gsl_rng_uniform(rng) * 2.0 - 1.0;
    for (size_t i = 0; i < OUT * IN; i++)
        W->data[i] = gsl_rng_uniform(rng) * 2.0 - 1.0;
    for (size_t j = 0; j < OUT; j++)
        b->data[j] = gsl_rng_uniform(rng) - 0.3;
    /* the tangent's directions: G holds the three gradients, V their tangents */
    size_t n = R * IN + OUT * IN + OUT;
    gsl_vector *G = gsl_vector_alloc(n), *V = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        V->data[i] = gsl_rng_uniform(rng) - 0.5;
    double value[2][R * OUT], tangent[2][R * OUT], grads[2][R * IN + OUT * IN + OUT];
    for (int f = 0; f < 2; f++) {
        gsl_matrix_view gx = gsl_matrix_view_vector(G, R, IN);
        gsl_vector_view gw_v = gsl_vector_subvector(G, R * IN, OUT * IN);
        gsl_matrix_view gw = gsl_matrix_view_vector(&gw_v.vector, OUT, IN);
        gsl_vector_view gb_v = gsl_vector_subvector(G, R * IN + OUT * IN, OUT);
        gsl_matrix_view gb = gsl_matrix_view_vector(&gb_v.vector, 1, OUT);
        dX[f] = &gx.matrix, dW[f] = &gw.matrix, db[f] = &gb.matrix;
        fused_pass(f == 1, X, W, b, dX[f], dW[f], db[f], G, V, value[f], tangent[f]);
        memcpy(grads[f], G->data, n * sizeof(double));
    }
    size_t negative = 0;
    for (size_t i = 0; i < R * OUT; i++)
        negative += value[0][i] == 0.0;
    assert_true(negative > R * OUT / 5 && negative < R * OUT * 4 / 5); /* both sides of the kink */
    assert_memory_equal(value[0], value[1], sizeof value[0]);
    assert_memory_equal(grads[0], grads[1], sizeof grads[0]);
    assert_memory_equal(tangent[0], tangent[1], sizeof tangent[0]);
    gsl_matrix_free(X), gsl_matrix_free(W), gsl_matrix_free(b);
    gsl_vector_free(G), gsl_vector_free(V);
    gsl_rng_free(rng);
}

static void test_forward_values(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    double xa[] = {1, 2, 3, 4, 5, 6}; /* 2×3 */
    double wa[] = {1, 0, -1, 2, 1, 0}; /* 2×3 (out×in) */
    double ba[] = {0.5, -0.5};
    gsl_matrix_view x = gsl_matrix_view_array(xa, 2, 3), w = gsl_matrix_view_array(wa, 2, 3),
                    b = gsl_matrix_view_array(ba, 1, 2);
    rlc_node *nx = rlc_tape_leaf(t, &x.matrix, NULL);
    rlc_node *y = rlc_tape_linear(t, nx, rlc_tape_leaf(t, &w.matrix, NULL), rlc_tape_leaf(t, &b.matrix, NULL));
    /* row 0: [1-3, 2+2] + b = [-1.5, 3.5]; row 1: [4-6, 8+5] + b = [-1.5, 12.5] */
    assert_near(gsl_matrix_get(&y->value, 0, 0), -1.5, 0);
    assert_near(gsl_matrix_get(&y->value, 0, 1), 3.5, 0);
    assert_near(gsl_matrix_get(&y->value, 1, 1), 12.5, 0);
    rlc_node *r = rlc_tape_relu(t, y);
    assert_near(gsl_matrix_get(&r->value, 1, 0), 0.0, 0);
    assert_near(rlc_node_scalar(rlc_tape_sum(t, r)), 16.0, 0);
    assert_near(rlc_node_scalar(rlc_tape_mean(t, r)), 4.0, 0);
    rlc_node *c = rlc_tape_concat_cols(t, nx, y);
    assert_int_equal(c->value.size2, 5);
    assert_near(gsl_matrix_get(&c->value, 1, 2), 6.0, 0);
    assert_near(gsl_matrix_get(&c->value, 1, 4), 12.5, 0);
    assert_near(gsl_matrix_get(&rlc_tape_tanh(t, nx)->value, 0, 0), tanh(1.0), 3.6e-16 * tanh(1.0));
    /* each node names its op, for debugging */
    assert_string_equal(rlc_node_op_name(y), "linear");
    assert_string_equal(rlc_node_op_name(r), "relu");
    assert_string_equal(rlc_node_op_name(nx), "leaf");
    assert_null(rlc_node_op_name(NULL));
    /* no leaf carries a gradient: backward is a no-op that succeeds */
    assert_int_equal(rlc_tape_backward(t, rlc_tape_sum(t, r)), RLC_OK);
    assert_int_equal(rlc_tape_status(t), RLC_OK);
    rlc_tape_free(t);
}

/* Shape errors are recorded, NULL propagates, reset clears. */
static void test_errors(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 64), RLC_OK);
    gsl_matrix *a = gsl_matrix_calloc(2, 3), *b = gsl_matrix_calloc(2, 2);
    rlc_node *na = rlc_tape_leaf(t, a, NULL), *nb = rlc_tape_leaf(t, b, NULL);
    assert_null(rlc_tape_add(t, na, nb));
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    assert_null(rlc_tape_tanh(t, NULL));
    assert_int_equal(rlc_tape_backward(t, NULL), RLC_EINVAL);
    rlc_tape_reset(t);
    assert_int_equal(rlc_tape_status(t), RLC_OK);
    na = rlc_tape_leaf(t, a, NULL);
    assert_int_equal(rlc_tape_backward(t, rlc_tape_tanh(t, na)), RLC_EINVAL); /* not 1×1 */
    gsl_matrix_free(a);
    gsl_matrix_free(b);
    rlc_tape_free(t);
}

/* A pass that outgrows the arena settles it at the high-water size: the
 * capacity stops changing after the first reset. */
static void test_arena_settles(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 16), RLC_OK);
    gsl_matrix *a = gsl_matrix_calloc(64, 64), *da = gsl_matrix_calloc(64, 64);
    size_t cap[4];
    for (int pass = 0; pass < 4; pass++) {
        rlc_tape_reset(t);
        rlc_node *x = rlc_tape_leaf(t, a, da);
        rlc_node *loss = rlc_tape_mean(t, rlc_tape_square(t, rlc_tape_tanh(t, rlc_tape_matmul(t, x, x, false))));
        assert_int_equal(rlc_tape_backward(t, loss), RLC_OK);
        cap[pass] = rlc_tape_capacity(t);
    }
    assert_true(cap[1] >= 3 * 64 * 64 * sizeof(double));
    assert_int_equal(cap[1], cap[2]);
    assert_int_equal(cap[2], cap[3]);
    gsl_matrix_free(a);
    gsl_matrix_free(da);
    rlc_tape_free(t);
}

/* tanh against long-double tanhl, relative error at most 3.6e-16, the
 * bound tape.c states: on 2·10⁵ log-spaced |x| over [1e-300, 20] (signs
 * alternating), 2·10⁵ evenly spaced over (0, 20], and the worst points the
 * measurement behind that bound found, just above ln2/4. The kernel's old
 * form, 1 − e with e = exp(−2|x|) rounded, fails this: it gave 0 (relative
 * error 1) for |x| below 2.8e-17, errors near 1e-5 around |x| = 1e-12 and
 * 3e-15 near 0.02.
 * Also exact: ±0 → ±0, ±1 from |x| = 20 on and at ±inf. */
static void test_tanh_accuracy(void **s)
{
    (void)s;
    enum { CHUNK = 4096, N = 200000 };
    const double bound = 3.6e-16;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 4 * CHUNK * sizeof(double) + 4096), RLC_OK);
    static double x[CHUNK];
    double worst = 0.0, worst_x = 0.0;
    const double l0 = log(1e-300), l1 = log(20.0);
    const double special[] = {0.17380183173418043, 0.17407724408, 0.17331318773995, 0.1733926,
                              1e-300, 1e-12, 0.02};
    const size_t n_special = sizeof special / sizeof special[0];
    size_t total = (N + 1) + N + n_special, k = 0;
    for (size_t i = 0; i < total; i++) {
        if (i <= N)
            x[k++] = (i % 2 ? -1.0 : 1.0) * exp(l0 + (l1 - l0) * (double)i / N);
        else if (i <= 2 * (size_t)N)
            x[k++] = 20.0 * (double)(i - N) / N;
        else
            x[k++] = special[i - 2 * N - 1];
        if (k < CHUNK && i + 1 < total)
            continue;
        rlc_tape_reset(t);
        gsl_matrix_view v = gsl_matrix_view_array(x, 1, k);
        rlc_node *y = rlc_tape_tanh(t, rlc_tape_leaf(t, &v.matrix, NULL));
        assert_non_null(y);
        for (size_t j = 0; j < k; j++) {
            long double r = tanhl((long double)x[j]);
            double e = (double)fabsl(((long double)y->value.data[j] - r) / r);
            if (!(e <= worst)) {
                worst = e;
                worst_x = x[j];
            }
        }
        k = 0;
    }
    print_message("tanh: max relative error %.3g at x = %.17g\n", worst, worst_x);
    if (!(worst <= bound))
        fail_msg("tanh: relative error %.3g at x = %.17g exceeds %.3g", worst, worst_x, bound);

    double ex[6] = {0.0, -0.0, 20.0, -25.0, INFINITY, -INFINITY};
    const double want[6] = {0.0, -0.0, 1.0, -1.0, 1.0, -1.0};
    rlc_tape_reset(t);
    gsl_matrix_view ev = gsl_matrix_view_array(ex, 1, 6);
    rlc_node *ey = rlc_tape_tanh(t, rlc_tape_leaf(t, &ev.matrix, NULL));
    for (int j = 0; j < 6; j++) {
        assert_true(ey->value.data[j] == want[j]);
        assert_true(signbit(ey->value.data[j]) == signbit(want[j]));
    }
    /* NaN is not hidden as ±1: a diverged network must show */
    double nx[2] = {NAN, -NAN};
    rlc_tape_reset(t);
    gsl_matrix_view nv = gsl_matrix_view_array(nx, 1, 2);
    rlc_node *ny = rlc_tape_tanh(t, rlc_tape_leaf(t, &nv.matrix, NULL));
    assert_true(isnan(ny->value.data[0]) && isnan(ny->value.data[1]));
    rlc_tape_free(t);
}

/* --- forward mode (rlc_tape_tangents) and seeded reverse passes --- */

/* Error of a derivative against its finite-difference estimate, as
 * rlc_gradcheck measures it: relative, with a floor of 1e-6 below which
 * it is absolute (scaled by 1e6). */
static double fd_error(double analytic, double numeric)
{
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), 1e-6);
    return fabs(analytic - numeric) / scale;
}

static double uniform(gsl_rng *rng) { return 2.0 * gsl_rng_uniform(rng) - 1.0; }

/* How an input leaf of an op under test is recorded: bound into the flat
 * gradient vector G (contiguous, or a strided view with 2 spare columns per
 * row), a constant (grad NULL), or with its grad outside G (a constant for
 * forward mode, though backward reaches it). */
enum { BOUND, STRIDED, CONSTANT, OUTSIDE };

typedef struct {
    const char *op; /* rlc_node_op_name of the node built */
    build_fn build;
    size_t n_in;
    size_t shapes[4][2];
} op_case;

static const op_case op_cases[] = {
    {"matmul", b_matmul, 2, {{4, 3}, {3, 5}}},
    {"matmul_bt", b_matmul_bt, 2, {{4, 3}, {5, 3}}},
    {"add_bias", b_add_bias, 2, {{4, 3}, {1, 3}}},
    {"linear", b_linear, 3, {{4, 3}, {2, 3}, {1, 2}}},
    {"linear_relu", b_linear_relu, 3, {{6, 3}, {4, 3}, {1, 4}}},
    {"add", b_add, 2, {{3, 2}, {3, 2}}},
    {"sub", b_sub, 2, {{3, 2}, {3, 2}}},
    {"mul", b_mul, 2, {{3, 2}, {3, 2}}},
    {"mul", b_reuse, 1, {{3, 3}}},
    {"affine", b_affine, 1, {{3, 2}}},
    {"scale_cols", b_scale_cols, 1, {{4, 3}}},
    {"relu", b_relu, 1, {{5, 4}}},
    {"tanh", b_tanh, 1, {{5, 4}}},
    {"square", b_square, 1, {{5, 4}}},
    {"sum", b_sum, 1, {{5, 4}}},
    {"mean", b_mean, 1, {{5, 4}}},
    {"concat_cols", b_concat, 2, {{3, 2}, {3, 4}}},
    {"exp", b_exp, 1, {{3, 4}}},
    {"log", b_log, 1, {{3, 4}}},
    {"row_sum", b_row_sum, 1, {{3, 4}}},
    {"log_softmax", b_log_softmax, 1, {{3, 4}}},
    {"gather", b_gather, 1, {{5, 4}}},
    {"clip", b_clip, 1, {{5, 4}}},
    {"min", b_min, 2, {{5, 4}, {5, 4}}},
    {"max", b_max, 2, {{5, 4}, {5, 4}}},
    {"gaussian_log_prob", b_gauss_logp, 2, {{5, 2}, {1, 2}}},
    {"gaussian_kl", b_gauss_kl, 4, {{3, 2}, {1, 2}, {3, 2}, {1, 2}}},
};

/* One op's inputs laid out as an MLP's parameters are: input k at offset
 * off[k] of a flat vector P, rows tda[k] apart, its gradient at the same
 * offset of the twin vector G (or of `outside`). */
typedef struct {
    const op_case *c;
    int kind[4];
    size_t off[4], tda[4];
    gsl_vector *P, *G, *outside, *V;
    gsl_matrix_view x[4], dx[4];
    rlc_tape *tape;
    rlc_node *in[4];
} op_graph;

static bool moves(int kind) { return kind == BOUND || kind == STRIDED; }

static rlc_node *op_forward(op_graph *g)
{
    rlc_tape_reset(g->tape);
    for (size_t k = 0; k < g->c->n_in; k++)
        g->in[k] = rlc_tape_leaf(g->tape, &g->x[k].matrix,
                                 g->kind[k] == CONSTANT ? NULL : &g->dx[k].matrix);
    return g->c->build(g->tape, g->in);
}

static void op_graph_init(op_graph *g, const op_case *c, const int *kind, gsl_rng *rng)
{
    g->c = c;
    size_t n = 1; /* entry 0 stays unused: every offset is non-zero */
    for (size_t k = 0; k < c->n_in; k++) {
        g->kind[k] = kind[k];
        g->tda[k] = c->shapes[k][1] + (kind[k] == STRIDED ? 2 : 0);
        g->off[k] = n;
        n += c->shapes[k][0] * g->tda[k];
    }
    g->P = gsl_vector_alloc(n);
    g->G = gsl_vector_calloc(n);
    g->outside = gsl_vector_calloc(n);
    g->V = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++) { /* values as check_op's: ±[0.1, 1.5] */
        double u = gsl_rng_uniform(rng);
        g->P->data[i] = (u < 0.5 ? -1.0 : 1.0) * (0.1 + 1.4 * fabs(2 * u - 1));
        g->V->data[i] = uniform(rng);
    }
    for (size_t k = 0; k < c->n_in; k++) {
        gsl_vector *gv = kind[k] == OUTSIDE ? g->outside : g->G;
        g->x[k] = gsl_matrix_view_array_with_tda(g->P->data + g->off[k], c->shapes[k][0],
                                                 c->shapes[k][1], g->tda[k]);
        g->dx[k] = gsl_matrix_view_array_with_tda(gv->data + g->off[k], c->shapes[k][0],
                                                  c->shapes[k][1], g->tda[k]);
    }
    assert_int_equal(rlc_tape_create(&g->tape, 256), RLC_OK);
}

static void op_graph_free(op_graph *g)
{
    gsl_vector_free(g->P);
    gsl_vector_free(g->G);
    gsl_vector_free(g->outside);
    gsl_vector_free(g->V);
    rlc_tape_free(g->tape);
}

/* Move the inputs bound into G by eps along V (in place). */
static void op_shift(op_graph *g, const double *P0, double eps)
{
    memcpy(g->P->data, P0, g->P->size * sizeof(double));
    for (size_t k = 0; k < g->c->n_in; k++)
        if (moves(g->kind[k]))
            for (size_t i = g->off[k]; i < g->off[k] + g->c->shapes[k][0] * g->tda[k]; i++)
                g->P->data[i] += eps * g->V->data[i];
}

/* Check one op's tangent with the inputs recorded as `kind` says: against
 * central differences of its value along V (step 1e-6), against backward
 * (Σ u⊙(J·V) = (uᵀJ)·V for a random u, the same Jacobian read both ways),
 * and the leaves' tangents as views of V. Returns the largest error. */
static double check_tangent(const op_case *c, const int *kind, gsl_rng *rng)
{
    op_graph g = {0};
    op_graph_init(&g, c, kind, rng);
    rlc_node *y = op_forward(&g);
    assert_non_null(y);
    assert_string_equal(rlc_node_op_name(y), c->op);
    assert_int_equal(rlc_tape_tangents(g.tape, g.G, g.V), RLC_OK);
    for (size_t k = 0; k < c->n_in; k++) {
        if (moves(kind[k])) {
            assert_ptr_equal(g.in[k]->tangent.data, g.V->data + g.off[k]);
            assert_int_equal(g.in[k]->tangent.tda, g.tda[k]);
        } else {
            assert_null(g.in[k]->tangent.data);
        }
    }
    assert_non_null(y->tangent.data);
    size_t rows = y->value.size1, cols = y->value.size2, n = rows * cols;
    double *tangent = malloc(n * sizeof(double)), *plus = malloc(n * sizeof(double));
    double *P0 = malloc(g.P->size * sizeof(double)), *u = malloc(n * sizeof(double));
    memcpy(tangent, y->tangent.data, n * sizeof(double));
    memcpy(P0, g.P->data, g.P->size * sizeof(double));

    /* u·(J·V) against (uᵀJ)·V from a seeded backward on the same recording */
    double u_jv = 0.0, signal = 0.0;
    for (size_t i = 0; i < n; i++) {
        u[i] = uniform(rng);
        u_jv += u[i] * tangent[i];
        signal = fmax(signal, fabs(tangent[i]));
    }
    gsl_matrix_view uv = gsl_matrix_view_array(u, rows, cols);
    assert_int_equal(rlc_tape_backward_seeded(g.tape, y, &uv.matrix), RLC_OK);
    double ujv = 0.0;
    for (size_t i = 0; i < g.G->size; i++)
        ujv += g.G->data[i] * g.V->data[i];
    assert_true(fabs(ujv - u_jv) <= 1e-12 * fmax(1.0, fabs(u_jv)));
    assert_true(signal > 1e-3); /* a zero tangent would pass trivially */

    double worst = 0.0;
    const double h = 1e-6;
    op_shift(&g, P0, h);
    y = op_forward(&g);
    memcpy(plus, y->value.data, n * sizeof(double));
    op_shift(&g, P0, -h);
    y = op_forward(&g);
    for (size_t i = 0; i < n; i++) {
        double e = fd_error(tangent[i], (plus[i] - y->value.data[i]) / (2 * h));
        if (e >= 1e-6)
            print_error("%s entry %zu: tangent %.12g numeric %.12g\n", c->op, i, tangent[i],
                        (plus[i] - y->value.data[i]) / (2 * h));
        worst = fmax(worst, e);
    }
    free(tangent);
    free(plus);
    free(P0);
    free(u);
    op_graph_free(&g);
    return worst;
}

/* Every op's tangent, with all inputs bound into G and in mixes where one
 * input is a strided view and the others strided, constant or outside G;
 * and with no input bound, no tangent at all. */
static void test_tangent_every_op(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    double worst = 0.0;
    const char *worst_op = "";
    for (size_t c = 0; c < sizeof op_cases / sizeof op_cases[0]; c++) {
        const op_case *oc = &op_cases[c];
        for (size_t p = 0; p <= oc->n_in; p++) {
            int kind[4];
            for (size_t k = 0; k < oc->n_in; k++) {
                static const int others[3] = {CONSTANT, OUTSIDE, STRIDED};
                kind[k] = p == 0 ? BOUND : k == p - 1 ? STRIDED : others[(k + p) % 3];
            }
            double e = check_tangent(oc, kind, rng);
            if (e > worst) {
                worst = e;
                worst_op = oc->op;
            }
        }
        /* nothing bound: no tangent anywhere */
        op_graph g = {0};
        int kind[4] = {OUTSIDE, CONSTANT, OUTSIDE, CONSTANT};
        op_graph_init(&g, oc, kind, rng);
        rlc_node *y = op_forward(&g);
        assert_int_equal(rlc_tape_tangents(g.tape, g.G, g.V), RLC_OK);
        assert_null(y->tangent.data);
        op_graph_free(&g);
    }
    print_message("tangents: max error against central differences %.3g (%s)\n", worst, worst_op);
    assert_true(worst < 1e-6);
    gsl_rng_free(rng);
}

/* At kinks the tangent takes backward's conventions: relu passes nothing at
 * 0, clip passes at both bounds, min and max take a's tangent on ties. x =
 * [0, 0.5, −0.5, −0.7, 0.8, 1.0], v = [1, 2, 3, 4, 5, 6]; the tangents
 * below are read off by hand, and equal the backward gradient ⊙ v (these
 * Jacobians are diagonal). */
static void test_tangent_kinks(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1024), RLC_OK);
    double x[6] = {0.0, 0.5, -0.5, -0.7, 0.8, 1.0}, g[6] = {0}, v[6] = {1, 2, 3, 4, 5, 6};
    gsl_matrix_view xv = gsl_matrix_view_array(x, 1, 6), gm = gsl_matrix_view_array(g, 1, 6);
    gsl_vector_view G = gsl_vector_view_array(g, 6), V = gsl_vector_view_array(v, 6);
    const double relu_t[6] = {0, 2, 0, 0, 5, 6}, clip_t[6] = {1, 2, 3, 4, 5, 0};
    for (int op = 0; op < 2; op++) {
        rlc_tape_reset(t);
        memset(g, 0, sizeof g);
        rlc_node *l = rlc_tape_leaf(t, &xv.matrix, &gm.matrix);
        rlc_node *y = op == 0 ? rlc_tape_relu(t, l) : rlc_tape_clip(t, l, -0.7, 0.8);
        assert_int_equal(rlc_tape_tangents(t, &G.vector, &V.vector), RLC_OK);
        assert_int_equal(rlc_tape_backward(t, rlc_tape_sum(t, y)), RLC_OK);
        for (int j = 0; j < 6; j++) {
            assert_true(y->tangent.data[j] == (op == 0 ? relu_t : clip_t)[j]);
            assert_true(y->tangent.data[j] == g[j] * v[j]);
        }
    }
    /* min/max of a = [1, 2] and b = [1, 3]: tie, then b's / a's entry */
    double ab[4] = {1, 2, 1, 3}, gab[4], vab[4] = {10, 20, 30, 40};
    gsl_matrix_view av = gsl_matrix_view_array(ab, 1, 2), bv = gsl_matrix_view_array(ab + 2, 1, 2);
    gsl_matrix_view ga = gsl_matrix_view_array(gab, 1, 2), gb = gsl_matrix_view_array(gab + 2, 1, 2);
    gsl_vector_view Gab = gsl_vector_view_array(gab, 4), Vab = gsl_vector_view_array(vab, 4);
    const double min_t[2] = {10, 20}, max_t[2] = {10, 40};
    for (int op = 0; op < 2; op++) {
        rlc_tape_reset(t);
        memset(gab, 0, sizeof gab);
        rlc_node *a = rlc_tape_leaf(t, &av.matrix, &ga.matrix), *b = rlc_tape_leaf(t, &bv.matrix, &gb.matrix);
        rlc_node *y = op == 0 ? rlc_tape_min(t, a, b) : rlc_tape_max(t, a, b);
        assert_int_equal(rlc_tape_tangents(t, &Gab.vector, &Vab.vector), RLC_OK);
        assert_int_equal(rlc_tape_backward(t, rlc_tape_sum(t, y)), RLC_OK);
        for (int j = 0; j < 2; j++) {
            assert_true(y->tangent.data[j] == (op == 0 ? min_t : max_t)[j]);
            assert_true(y->tangent.data[j] == gab[j] * vab[j] + gab[2 + j] * vab[2 + j]);
        }
    }
    rlc_tape_free(t);
}

/* A small MLP, 3 → 8 → 6 → 2 with tanh after every layer, on a batch of 5,
 * recorded with rlc_mlp_forward(train = true): its leaves' gradients are
 * views into m->grads, so rlc_tape_tangents(m->grads, v) moves every
 * parameter along v. */
typedef struct {
    rlc_mlp *m;
    rlc_tape *t;
    gsl_matrix *x, *u;
} mlp_case;

static void mlp_case_init(mlp_case *c, gsl_rng *rng)
{
    rlc_mlp_config cfg = {.n_layers = 3, .sizes = {3, 8, 6, 2},
                          .hidden_activation = RLC_ACT_TANH, .output_activation = RLC_ACT_TANH};
    assert_int_equal(rlc_mlp_create(&c->m, &cfg), RLC_OK);
    rlc_mlp_init_default(c->m, rng);
    assert_int_equal(rlc_tape_create(&c->t, 512), RLC_OK);
    c->x = gsl_matrix_alloc(5, 3);
    c->u = gsl_matrix_alloc(5, 2);
    for (size_t i = 0; i < 15; i++)
        c->x->data[i] = 2.0 * uniform(rng);
    for (size_t i = 0; i < 10; i++)
        c->u->data[i] = uniform(rng);
}

static void mlp_case_free(mlp_case *c)
{
    rlc_mlp_free(c->m);
    rlc_tape_free(c->t);
    gsl_matrix_free(c->x);
    gsl_matrix_free(c->u);
}

static rlc_node *mlp_out(mlp_case *c)
{
    rlc_tape_reset(c->t);
    return rlc_mlp_forward(c->m, c->t, rlc_tape_leaf(c->t, c->x, NULL), true);
}

/* uᵀf(θ) for rlc_gradcheck (θ = the MLP's params). */
static double mlp_u_dot_out(void *ctx)
{
    mlp_case *c = ctx;
    rlc_node *y = mlp_out(c);
    double s = 0.0;
    for (size_t i = 0; i < 10; i++)
        s += c->u->data[i] * y->value.data[i];
    return s;
}

/* Largest error of J·v (the output's tangent, 5×2) against central
 * differences of the output along v. */
static double mlp_jv_error(mlp_case *c, const double *jv, const gsl_vector *v)
{
    const double h = 1e-6;
    size_t n = c->m->n_params;
    double *p0 = malloc(n * sizeof(double)), plus[10], worst = 0.0;
    memcpy(p0, c->m->params->data, n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        c->m->params->data[i] = p0[i] + h * v->data[i];
    memcpy(plus, mlp_out(c)->value.data, sizeof plus);
    for (size_t i = 0; i < n; i++)
        c->m->params->data[i] = p0[i] - h * v->data[i];
    rlc_node *y = mlp_out(c);
    for (size_t i = 0; i < 10; i++)
        worst = fmax(worst, fd_error(jv[i], (plus[i] - y->value.data[i]) / (2 * h)));
    memcpy(c->m->params->data, p0, n * sizeof(double));
    free(p0);
    return worst;
}

/* J·v of a whole MLP for two directions on one recording, each against
 * central differences; the second call allocates nothing: a pass with two
 * calls leaves the arena at the size a pass with one call settled it at. */
static void test_tangent_mlp(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    mlp_case c;
    mlp_case_init(&c, rng);
    size_t n = c.m->n_params;
    gsl_vector *v1 = gsl_vector_alloc(n), *v2 = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++) {
        v1->data[i] = uniform(rng);
        v2->data[i] = uniform(rng);
    }
    double jv1[10], jv2[10];
    /* warm: one tangent call per pass until the arena has settled */
    for (int pass = 0; pass < 2; pass++) {
        rlc_node *y = mlp_out(&c);
        assert_int_equal(rlc_tape_tangents(c.t, c.m->grads, v1), RLC_OK);
        assert_non_null(y->tangent.data);
        memcpy(jv1, y->tangent.data, sizeof jv1);
    }
    rlc_tape_reset(c.t);
    size_t cap = rlc_tape_capacity(c.t);
    rlc_node *y = mlp_out(&c);
    assert_int_equal(rlc_tape_tangents(c.t, c.m->grads, v1), RLC_OK);
    assert_int_equal(rlc_tape_tangents(c.t, c.m->grads, v2), RLC_OK);
    memcpy(jv2, y->tangent.data, sizeof jv2);
    assert_int_equal(rlc_tape_tangents(c.t, c.m->grads, v1), RLC_OK);
    assert_memory_equal(y->tangent.data, jv1, sizeof jv1); /* v1 again: the same bits */
    rlc_tape_reset(c.t);
    assert_int_equal(rlc_tape_capacity(c.t), cap);
    double e1 = mlp_jv_error(&c, jv1, v1), e2 = mlp_jv_error(&c, jv2, v2);
    print_message("MLP J·v: max error against central differences %.3g, %.3g\n", e1, e2);
    assert_true(e1 < 1e-6 && e2 < 1e-6);
    assert_memory_not_equal(jv1, jv2, sizeof jv1);
    gsl_vector_free(v1);
    gsl_vector_free(v2);
    mlp_case_free(&c);
    gsl_rng_free(rng);
}

/* uᵀJ of the MLP from seeded backward passes on ONE recording, seeds u1
 * then u2: each against central differences of uᵀf (rlc_gradcheck), and
 * the second bit for bit what a fresh recording gives — nothing of the
 * first pass is left in the intermediate gradients. */
static void test_backward_seeded_mlp(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 13);
    mlp_case c;
    mlp_case_init(&c, rng);
    size_t n = c.m->n_params;
    gsl_matrix *u1 = gsl_matrix_alloc(5, 2), *u2 = gsl_matrix_alloc(5, 2);
    gsl_matrix_memcpy(u1, c.u);
    for (size_t i = 0; i < 10; i++)
        u2->data[i] = uniform(rng);
    double *g1 = malloc(n * sizeof(double)), *g2 = malloc(n * sizeof(double));
    rlc_node *y = mlp_out(&c);
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward_seeded(c.t, y, u1), RLC_OK);
    memcpy(g1, c.m->grads->data, n * sizeof(double));
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward_seeded(c.t, y, u2), RLC_OK);
    memcpy(g2, c.m->grads->data, n * sizeof(double));
    /* the same seed on a fresh recording */
    y = mlp_out(&c);
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward_seeded(c.t, y, u2), RLC_OK);
    assert_memory_equal(c.m->grads->data, g2, n * sizeof(double));

    rlc_gradcheck_result r1, r2;
    gsl_matrix_memcpy(c.u, u1);
    assert_int_equal(rlc_gradcheck(mlp_u_dot_out, &c, c.m->params->data, n, g1, 1e-6, 1e-6, &r1),
                     RLC_OK);
    gsl_matrix_memcpy(c.u, u2);
    assert_int_equal(rlc_gradcheck(mlp_u_dot_out, &c, c.m->params->data, n, g2, 1e-6, 1e-6, &r2),
                     RLC_OK);
    print_message("MLP uᵀJ: max error against central differences %.3g, %.3g\n",
                  r1.max_rel_error, r2.max_rel_error);
    assert_true(r1.max_rel_error < 1e-6 && r2.max_rel_error < 1e-6);
    gsl_matrix_free(u1);
    gsl_matrix_free(u2);
    free(g1);
    free(g2);
    mlp_case_free(&c);
    gsl_rng_free(rng);
}

/* rlc_tape_backward twice on one recording, as tape.h states: the second
 * pass computes the same gradient again (grads zeroed in between: the same
 * bits) and adds it again (not zeroed: twice the gradient). A second pass
 * that started from the first pass's intermediate gradients would add a
 * larger multiple of it and fail both checks. */
static void test_backward_twice(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);
    mlp_case c;
    mlp_case_init(&c, rng);
    size_t n = c.m->n_params;
    double *g = malloc(n * sizeof(double));
    rlc_node *y = mlp_out(&c);
    rlc_node *loss = rlc_tape_sum(c.t, rlc_tape_mul(c.t, y, rlc_tape_leaf(c.t, c.u, NULL)));
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward(c.t, loss), RLC_OK);
    memcpy(g, c.m->grads->data, n * sizeof(double));
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward(c.t, loss), RLC_OK);
    assert_memory_equal(c.m->grads->data, g, n * sizeof(double));
    assert_int_equal(rlc_tape_backward(c.t, loss), RLC_OK);
    for (size_t i = 0; i < n; i++)
        assert_near(c.m->grads->data[i], 2.0 * g[i], 1e-14 * fabs(g[i]));
    free(g);
    mlp_case_free(&c);
    gsl_rng_free(rng);
}

/* vᵀ(Jᵀ(J·v)) = ‖J·v‖² ≥ 0 for random v: J·v from a tangent pass, Jᵀ of it
 * from a backward pass seeded with it (the Gauss-Newton product TRPO's
 * Fisher-vector product is made of). */
static void test_jtjv_identity(void **s)
{
    (void)s;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 19);
    mlp_case c;
    mlp_case_init(&c, rng);
    size_t n = c.m->n_params;
    gsl_vector *v = gsl_vector_alloc(n);
    rlc_node *y = mlp_out(&c);
    for (int trial = 0; trial < 5; trial++) {
        for (size_t i = 0; i < n; i++)
            v->data[i] = uniform(rng);
        assert_int_equal(rlc_tape_tangents(c.t, c.m->grads, v), RLC_OK);
        double jv2 = 0.0, vjtjv = 0.0;
        for (size_t i = 0; i < 10; i++)
            jv2 += y->tangent.data[i] * y->tangent.data[i];
        gsl_vector_set_zero(c.m->grads);
        assert_int_equal(rlc_tape_backward_seeded(c.t, y, &y->tangent), RLC_OK);
        for (size_t i = 0; i < n; i++)
            vjtjv += v->data[i] * c.m->grads->data[i];
        assert_true(jv2 > 1e-3);
        assert_near(vjtjv, jv2, 1e-13 * jv2);
    }
    gsl_vector_free(v);
    mlp_case_free(&c);
    gsl_rng_free(rng);
}

/* Fisher-vector products F·v = Jᵀ M J v with the tape, for two
 * distributions whose Fisher matrix is known in closed form (TRPO's
 * natural-gradient step rests on these being right). J·v comes from a
 * tangent pass, Jᵀ(M·J·v) from a seeded backward pass.
 * Categorical, logits z = [0, ln 2] (p = [1/3, 2/3]): with J the Jacobian
 * of log p = log_softmax(z) and M = diag(p), Jᵀ M J = Σₖ pₖ ∇log pₖ ∇log pₖᵀ
 * = diag(p) − ppᵀ, so F·[1, 0] = [2/9, −2/9].
 * Diagonal Gaussian in θ = (μ, log σ), μ = 0, σ = 0.5: F = E[∇log p ∇log pᵀ]
 * = diag(1/σ², 2). The score (z/σ, z² − 1), z = (a − μ)/σ, is a polynomial
 * of degree 2 in z, so the expectation is exact with 3-point Gauss-Hermite
 * quadrature: z = −√3, 0, √3 with weights 1/6, 2/3, 1/6. J: the Jacobian
 * of log p at those three actions (3 × 2), M = diag(weights); F·[1, 1] =
 * [4, 2]. */
static void test_fisher_vector_products(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1024), RLC_OK);
    /* categorical */
    double z[2] = {0.0, log(2.0)}, gz[2] = {0}, v[2] = {1.0, 0.0}, seed[2];
    gsl_matrix_view zv = gsl_matrix_view_array(z, 1, 2), gzv = gsl_matrix_view_array(gz, 1, 2);
    gsl_vector_view G = gsl_vector_view_array(gz, 2), V = gsl_vector_view_array(v, 2);
    rlc_node *logp = rlc_tape_log_softmax(t, rlc_tape_leaf(t, &zv.matrix, &gzv.matrix));
    assert_int_equal(rlc_tape_tangents(t, &G.vector, &V.vector), RLC_OK);
    for (int k = 0; k < 2; k++)
        seed[k] = exp(logp->value.data[k]) * logp->tangent.data[k]; /* M·J·v */
    gsl_matrix_view sv = gsl_matrix_view_array(seed, 1, 2);
    assert_int_equal(rlc_tape_backward_seeded(t, logp, &sv.matrix), RLC_OK);
    assert_near(gz[0], 2.0 / 9.0, 1e-15);
    assert_near(gz[1], -2.0 / 9.0, 1e-15);

    /* diagonal Gaussian: θ = [μ, log σ] in one vector, its gradient in another */
    rlc_tape_reset(t);
    double theta[2] = {0.0, log(0.5)}, gtheta[2] = {0}, w[2] = {1.0, 1.0};
    double ones[3] = {1, 1, 1}, act[3] = {-0.5 * sqrt(3.0), 0.0, 0.5 * sqrt(3.0)};
    const double weight[3] = {1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0};
    gsl_matrix_view mu = gsl_matrix_view_array(theta, 1, 1), ls = gsl_matrix_view_array(theta + 1, 1, 1);
    gsl_matrix_view dmu = gsl_matrix_view_array(gtheta, 1, 1), dls = gsl_matrix_view_array(gtheta + 1, 1, 1);
    gsl_matrix_view on = gsl_matrix_view_array(ones, 3, 1), av = gsl_matrix_view_array(act, 3, 1);
    gsl_vector_view Gt = gsl_vector_view_array(gtheta, 2), W = gsl_vector_view_array(w, 2);
    rlc_node *mean = rlc_tape_matmul(t, rlc_tape_leaf(t, &on.matrix, NULL),
                                     rlc_tape_leaf(t, &mu.matrix, &dmu.matrix), false); /* 3 × 1 */
    rlc_node *lp = rlc_tape_gaussian_log_prob(t, mean, rlc_tape_leaf(t, &ls.matrix, &dls.matrix),
                                              &av.matrix);
    assert_int_equal(rlc_tape_tangents(t, &Gt.vector, &W.vector), RLC_OK);
    double gseed[3];
    for (int i = 0; i < 3; i++)
        gseed[i] = weight[i] * lp->tangent.data[i];
    gsl_matrix_view gs = gsl_matrix_view_array(gseed, 3, 1);
    assert_int_equal(rlc_tape_backward_seeded(t, lp, &gs.matrix), RLC_OK);
    assert_near(gtheta[0], 4.0, 1e-14);
    assert_near(gtheta[1], 2.0, 1e-14);
    rlc_tape_free(t);
}

/* rlc_tape_backward_seeded's argument errors (RLC_EINVAL, recorded in the
 * tape like an op's), a node no leaf with gradient feeds (nothing to do),
 * and a strided seed (read through its tda). */
static void test_seeded_errors(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1024), RLC_OK);
    double x[4] = {1, 2, 3, 4}, g[4] = {0};
    gsl_matrix_view xv = gsl_matrix_view_array(x, 2, 2), gm = gsl_matrix_view_array(g, 2, 2);
    gsl_matrix *seed = gsl_matrix_alloc(2, 3);
    gsl_matrix_set_all(seed, 1.0);
    gsl_matrix_view s22 = gsl_matrix_submatrix(seed, 0, 0, 2, 2); /* 2 × 2, tda 3 */
    assert_int_equal(rlc_tape_backward_seeded(NULL, NULL, NULL), RLC_EINVAL);
    rlc_node *y = rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
    assert_int_equal(rlc_tape_backward_seeded(t, y, seed), RLC_EINVAL); /* 2 × 3 seed */
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    assert_int_equal(rlc_tape_backward_seeded(t, y, &s22.matrix), RLC_EINVAL); /* latched */
    rlc_tape_reset(t);
    y = rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
    assert_int_equal(rlc_tape_backward_seeded(t, y, NULL), RLC_EINVAL);
    rlc_tape_reset(t);
    assert_int_equal(rlc_tape_backward_seeded(t, NULL, &s22.matrix), RLC_EINVAL);

    rlc_tape_reset(t);
    y = rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, NULL));
    assert_int_equal(rlc_tape_backward_seeded(t, y, &s22.matrix), RLC_OK);
    y = rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
    assert_int_equal(rlc_tape_backward_seeded(t, y, &s22.matrix), RLC_OK);
    for (int i = 0; i < 4; i++) /* dx = (1 − tanh²x)·1 */
        assert_near(g[i], 1.0 - y->value.data[i] * y->value.data[i], 0);
    /* a leaf as the node: the seed is added into its gradient */
    double before = g[3];
    assert_int_equal(rlc_tape_backward_seeded(t, y->a, &s22.matrix), RLC_OK);
    assert_true(g[3] == before + 1.0);
    gsl_matrix_free(seed);
    rlc_tape_free(t);
}

/* rlc_tape_tangents' argument errors: RLC_EINVAL, recorded in the tape like
 * an op's; a tape that already failed returns its error. */
static void test_tangent_errors(void **s)
{
    (void)s;
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1024), RLC_OK);
    double x[4] = {1, 2, 3, 4}, g[4] = {0}, v[4] = {1, 1, 1, 1};
    gsl_matrix_view xv = gsl_matrix_view_array(x, 2, 2), gm = gsl_matrix_view_array(g, 2, 2);
    gsl_vector_view G4 = gsl_vector_view_array(g, 4), V4 = gsl_vector_view_array(v, 4);
    gsl_vector_view V3 = gsl_vector_view_array(v, 3), G3 = gsl_vector_view_array(g, 3);
    gsl_vector_view V2s = gsl_vector_view_array_with_stride(v, 2, 2);
    gsl_vector_view G2 = gsl_vector_view_array(g, 2);
    assert_int_equal(rlc_tape_tangents(NULL, &G4.vector, &V4.vector), RLC_EINVAL);
    rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
    assert_int_equal(rlc_tape_tangents(t, &G4.vector, &V3.vector), RLC_EINVAL); /* sizes */
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    assert_int_equal(rlc_tape_tangents(t, &G4.vector, &V4.vector), RLC_EINVAL); /* latched */
    struct {
        const gsl_vector *grads, *dir;
    } bad[] = {{NULL, &V4.vector}, {&G4.vector, NULL}, {&G2.vector, &V2s.vector},
               {&G3.vector, &V3.vector}}; /* the last: the leaf's grad straddles G3's end */
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rlc_tape_reset(t);
        rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
        assert_int_equal(rlc_tape_tangents(t, bad[k].grads, bad[k].dir), RLC_EINVAL);
        assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    }
    rlc_tape_reset(t);
    rlc_node *y = rlc_tape_tanh(t, rlc_tape_leaf(t, &xv.matrix, &gm.matrix));
    assert_int_equal(rlc_tape_tangents(t, &G4.vector, &V4.vector), RLC_OK);
    assert_non_null(y->tangent.data);
    rlc_tape_free(t);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_matmul),    cmocka_unit_test(test_grad_matmul_bt),
        cmocka_unit_test(test_grad_add_bias),  cmocka_unit_test(test_grad_linear),
        cmocka_unit_test(test_grad_linear_relu), cmocka_unit_test(test_linear_relu_is_two_nodes),
        cmocka_unit_test(test_grad_add),       cmocka_unit_test(test_grad_sub),
        cmocka_unit_test(test_grad_mul),       cmocka_unit_test(test_grad_affine),
        cmocka_unit_test(test_grad_scale_cols), cmocka_unit_test(test_grad_relu),
        cmocka_unit_test(test_grad_tanh),      cmocka_unit_test(test_grad_square),
        cmocka_unit_test(test_grad_sum),       cmocka_unit_test(test_grad_mean),
        cmocka_unit_test(test_grad_concat),    cmocka_unit_test(test_grad_reuse),
        cmocka_unit_test(test_grad_reuse_product),
        cmocka_unit_test(test_grad_exp),       cmocka_unit_test(test_grad_log),
        cmocka_unit_test(test_grad_row_sum),   cmocka_unit_test(test_grad_log_softmax),
        cmocka_unit_test(test_log_softmax_shared), cmocka_unit_test(test_grads_zeroed_by_the_pass),
        cmocka_unit_test(test_grad_gather),    cmocka_unit_test(test_grad_clip),
        cmocka_unit_test(test_grad_min),       cmocka_unit_test(test_grad_max),
        cmocka_unit_test(test_grad_gauss_logp), cmocka_unit_test(test_grad_gauss_kl),
        cmocka_unit_test(test_distribution_values),
        cmocka_unit_test(test_input_node), cmocka_unit_test(test_ppo_clip),
        cmocka_unit_test(test_forward_values), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_arena_settles), cmocka_unit_test(test_tanh_accuracy),
        cmocka_unit_test(test_tangent_every_op), cmocka_unit_test(test_tangent_kinks),
        cmocka_unit_test(test_tangent_mlp), cmocka_unit_test(test_backward_seeded_mlp),
        cmocka_unit_test(test_backward_twice), cmocka_unit_test(test_jtjv_identity),
        cmocka_unit_test(test_fisher_vector_products), cmocka_unit_test(test_seeded_errors),
        cmocka_unit_test(test_tangent_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
