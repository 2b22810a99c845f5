/* test_mlp.c — flat-parameter MLPs: parameter count and layout, forward
 * values of a hand-set network, whole-network gradients (parameters and
 * input) against central differences, train=false, both initialisers,
 * copy, Polyak averaging (by hand, with the τ passed, also on matrix columns) and create
 * errors. */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "rlc/gradcheck.h"
#include "rlc/mlp.h"
#include "rlc/tape.h"
#include "test_util.h"

static rlc_mlp_config cfg3(size_t n_layers, const size_t *sizes, rlc_activation hidden,
                           rlc_activation output)
{
    rlc_mlp_config c = {.n_layers = n_layers, .hidden_activation = hidden,
                        .output_activation = output};
    for (size_t l = 0; l <= n_layers; l++)
        c.sizes[l] = sizes[l];
    return c;
}

static gsl_rng *make_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* ---- parameter count and layout ---- */

static void test_param_count(void **s)
{
    (void)s;
    rlc_mlp_config c = cfg3(2, (const size_t[]){3, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    assert_int_equal(rlc_mlp_param_count(&c), 26); /* 4·(3+1) + 2·(4+1) */
    rlc_mlp_config c2 = cfg3(3, (const size_t[]){5, 64, 64, 1}, RLC_ACT_RELU, RLC_ACT_IDENTITY);
    assert_int_equal(rlc_mlp_param_count(&c2), 64 * 6 + 64 * 65 + 1 * 65);
    rlc_mlp_config c1 = cfg3(1, (const size_t[]){2, 1}, RLC_ACT_RELU, RLC_ACT_IDENTITY);
    assert_int_equal(rlc_mlp_param_count(&c1), 3);

    rlc_mlp *m;
    assert_int_equal(rlc_mlp_create(&m, &c), RLC_OK);
    assert_non_null(m);
    assert_int_equal(m->n_params, 26);
    assert_int_equal(m->params->size, 26);
    assert_int_equal(m->grads->size, 26);
    assert_int_equal(m->params->stride, 1);
    assert_int_equal(m->grads->stride, 1);
    for (size_t i = 0; i < 26; i++) { /* created zero */
        assert_true(m->params->data[i] == 0.0);
        assert_true(m->grads->data[i] == 0.0);
    }
    rlc_mlp_free(m);
}

/* Views point into the flat vectors in the order W0, b0, W1, b1 (row-major
 * out×in for W): write k through params->data / grads->data, read it back
 * through the views. */
static void test_views_layout(void **s)
{
    (void)s;
    rlc_mlp_config c = cfg3(2, (const size_t[]){3, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp *m;
    assert_int_equal(rlc_mlp_create(&m, &c), RLC_OK);
    for (size_t k = 0; k < m->n_params; k++) {
        m->params->data[k] = (double)k;
        m->grads->data[k] = -(double)k - 0.5;
    }
    size_t k = 0;
    for (size_t l = 0; l < 2; l++) {
        size_t in = c.sizes[l], out = c.sizes[l + 1];
        gsl_matrix *W = &m->W[l].matrix, *b = &m->b[l].matrix;
        gsl_matrix *dW = &m->dW[l].matrix, *db = &m->db[l].matrix;
        assert_int_equal(W->size1, out);
        assert_int_equal(W->size2, in);
        assert_int_equal(b->size1, 1);
        assert_int_equal(b->size2, out);
        assert_int_equal(dW->size1, out);
        assert_int_equal(dW->size2, in);
        assert_int_equal(db->size1, 1);
        assert_int_equal(db->size2, out);
        for (size_t i = 0; i < out; i++)
            for (size_t j = 0; j < in; j++, k++) {
                assert_true(gsl_matrix_get(W, i, j) == (double)k);
                assert_true(gsl_matrix_get(dW, i, j) == -(double)k - 0.5);
            }
        for (size_t j = 0; j < out; j++, k++) {
            assert_true(gsl_matrix_get(b, 0, j) == (double)k);
            assert_true(gsl_matrix_get(db, 0, j) == -(double)k - 0.5);
        }
    }
    assert_int_equal(k, 26);
    /* and the other direction: a write through a view lands in the vector */
    gsl_matrix_set(&m->W[1].matrix, 1, 3, 123.0);  /* offset 16 + 1·4 + 3 = 23 */
    assert_true(m->params->data[23] == 123.0);
    gsl_matrix_set(&m->db[0].matrix, 0, 2, -7.0); /* offset 12 + 2 = 14 */
    assert_true(m->grads->data[14] == -7.0);
    rlc_mlp_free(m);
}

/* ---- forward values of a hand-set 2→2→1 network ---- */

static void set_hand_network(rlc_mlp *m)
{
    /* W0 = [[1, -1], [0.5, 2]], b0 = [0.1, -0.2], W1 = [[1.5, -0.5]], b1 = [0.3] */
    const double p[] = {1, -1, 0.5, 2, 0.1, -0.2, 1.5, -0.5, 0.3};
    assert_int_equal(m->n_params, 9);
    memcpy(m->params->data, p, sizeof p);
}

static void test_forward_hand(void **s)
{
    (void)s;
    double xa[] = {1, 2, 2, -1}; /* 2×2 batch */
    gsl_matrix_view x = gsl_matrix_view_array(xa, 2, 2);
    /* row 0: hidden pre [1-2+0.1, 0.5+4-0.2] = [-0.9, 4.3] → relu [0, 4.3];
     *        out pre 1.5·0 - 0.5·4.3 + 0.3 = -1.85
     * row 1: hidden pre [2+1+0.1, 1-2-0.2] = [3.1, -1.2] → relu [3.1, 0];
     *        out pre 1.5·3.1 + 0.3 = 4.95 */
    const rlc_activation outs[2] = {RLC_ACT_TANH, RLC_ACT_IDENTITY};
    const double expect[2][2] = {{tanh(-1.85), tanh(4.95)}, {-1.85, 4.95}};
    for (int k = 0; k < 2; k++) {
        rlc_mlp_config c = cfg3(2, (const size_t[]){2, 2, 1}, RLC_ACT_RELU, outs[k]);
        rlc_mlp *m;
        rlc_tape *t;
        assert_int_equal(rlc_mlp_create(&m, &c), RLC_OK);
        assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
        set_hand_network(m);
        rlc_node *y = rlc_mlp_forward(m, t, rlc_tape_leaf(t, &x.matrix, NULL), false);
        assert_non_null(y);
        assert_int_equal(y->value.size1, 2);
        assert_int_equal(y->value.size2, 1);
        assert_near(gsl_matrix_get(&y->value, 0, 0), expect[k][0], 1e-15);
        assert_near(gsl_matrix_get(&y->value, 1, 0), expect[k][1], 1e-15);
        /* tanh hidden instead: row 0 out = 1.5·tanh(-0.9) - 0.5·tanh(4.3) + 0.3 */
        m->config.hidden_activation = RLC_ACT_TANH;
        rlc_tape_reset(t);
        y = rlc_mlp_forward(m, t, rlc_tape_leaf(t, &x.matrix, NULL), true);
        double pre0 = 1.5 * tanh(-0.9) - 0.5 * tanh(4.3) + 0.3;
        double pre1 = 1.5 * tanh(3.1) - 0.5 * tanh(-1.2) + 0.3;
        assert_near(gsl_matrix_get(&y->value, 0, 0), k == 0 ? tanh(pre0) : pre0, 1e-15);
        assert_near(gsl_matrix_get(&y->value, 1, 0), k == 0 ? tanh(pre1) : pre1, 1e-15);
        assert_int_equal(rlc_tape_status(t), RLC_OK);
        rlc_tape_free(t);
        rlc_mlp_free(m);
    }
}

/* ---- whole-network gradients vs central differences ---- */

typedef struct {
    rlc_mlp *m;
    rlc_tape *t;
    gsl_matrix *x, *dx, *R;
} net_ctx;

/* loss = Σ mlp(x) ⊙ R, recorded on the tape; with_grad: params and x get
 * gradients (train=true, x leaf bound to dx). */
static rlc_node *net_loss(net_ctx *c, bool train, bool x_grad)
{
    rlc_tape_reset(c->t);
    rlc_node *x = rlc_tape_leaf(c->t, c->x, x_grad ? c->dx : NULL);
    rlc_node *y = rlc_mlp_forward(c->m, c->t, x, train);
    rlc_node *r = rlc_tape_leaf(c->t, c->R, NULL);
    return rlc_tape_sum(c->t, rlc_tape_mul(c->t, y, r));
}

static double net_loss_value(void *ctx)
{
    return rlc_node_scalar(net_loss(ctx, false, false));
}

static double act(rlc_activation a, double z)
{
    return a == RLC_ACT_RELU ? (z > 0 ? z : 0) : a == RLC_ACT_TANH ? tanh(z) : z;
}

/* Independent dense forward of row `row` of x; returns the smallest |pre-
 * activation| seen in a relu hidden layer (distance to the kink) and writes
 * the outputs to y. */
static double ref_forward(const rlc_mlp *m, const gsl_matrix *x, size_t row, double *y)
{
    double h[64], z[64], min_kink = INFINITY;
    size_t L = m->config.n_layers;
    for (size_t j = 0; j < m->config.sizes[0]; j++)
        h[j] = gsl_matrix_get(x, row, j);
    for (size_t l = 0; l < L; l++) {
        size_t in = m->config.sizes[l], out = m->config.sizes[l + 1];
        rlc_activation a = l + 1 == L ? m->config.output_activation : m->config.hidden_activation;
        for (size_t i = 0; i < out; i++) {
            double acc = gsl_matrix_get(&m->b[l].matrix, 0, i);
            for (size_t j = 0; j < in; j++)
                acc += gsl_matrix_get(&m->W[l].matrix, i, j) * h[j];
            z[i] = acc;
            if (a == RLC_ACT_RELU && fabs(acc) < min_kink)
                min_kink = fabs(acc);
        }
        for (size_t i = 0; i < out; i++)
            h[i] = act(a, z[i]);
    }
    for (size_t i = 0; i < m->config.sizes[L]; i++)
        y[i] = h[i];
    return min_kink;
}

static void check_network_grads(const size_t *sizes, size_t n_layers, rlc_activation hidden,
                                rlc_activation output, unsigned long seed)
{
    const size_t n = 4; /* batch */
    rlc_mlp_config cfg = cfg3(n_layers, sizes, hidden, output);
    net_ctx c = {0};
    assert_int_equal(rlc_mlp_create(&c.m, &cfg), RLC_OK);
    assert_int_equal(rlc_tape_create(&c.t, 1024), RLC_OK);
    gsl_rng *rng = make_rng(seed);
    rlc_mlp_init_default(c.m, rng);
    size_t in = sizes[0], out = sizes[n_layers];
    c.x = gsl_matrix_alloc(n, in);
    c.dx = gsl_matrix_calloc(n, in);
    c.R = gsl_matrix_alloc(n, out);
    for (size_t i = 0; i < n * in; i++)
        c.x->data[i] = gsl_ran_flat(rng, -1.5, 1.5);
    for (size_t i = 0; i < n * out; i++)
        c.R->data[i] = 0.5 + 0.1 * (double)(i % 7);

    /* forward value agrees with an independent dense forward; the inputs
     * stay away from relu's kink so finite differences are meaningful */
    rlc_node *yn = rlc_mlp_forward(c.m, c.t, rlc_tape_leaf(c.t, c.x, NULL), false);
    assert_non_null(yn);
    double min_kink = INFINITY, yref[64];
    for (size_t r = 0; r < n; r++) {
        double k = ref_forward(c.m, c.x, r, yref);
        if (k < min_kink)
            min_kink = k;
        for (size_t j = 0; j < out; j++)
            assert_near(gsl_matrix_get(&yn->value, r, j), yref[j], 1e-12);
    }
    assert_true(min_kink > 1e-3);

    gsl_vector_set_zero(c.m->grads);
    gsl_matrix_set_zero(c.dx);
    rlc_node *loss = net_loss(&c, true, true);
    assert_non_null(loss);
    assert_int_equal(rlc_tape_backward(c.t, loss), RLC_OK);

    size_t np = c.m->n_params;
    double *ga = malloc(np * sizeof(double)), *gx = malloc(n * in * sizeof(double));
    memcpy(ga, c.m->grads->data, np * sizeof(double));
    memcpy(gx, c.dx->data, n * in * sizeof(double));

    rlc_gradcheck_result res;
    /* w.r.t. every parameter */
    assert_int_equal(rlc_gradcheck(net_loss_value, &c, c.m->params->data, np, ga, 1e-6, 1e-6, &res),
                     RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("param %zu: analytic %.12g numeric %.12g\n", res.worst_index, res.analytic,
                    res.numeric);
    assert_true(res.max_rel_error < 1e-6);
    /* w.r.t. the input */
    assert_int_equal(rlc_gradcheck(net_loss_value, &c, c.x->data, n * in, gx, 1e-6, 1e-6, &res),
                     RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("input %zu: analytic %.12g numeric %.12g\n", res.worst_index, res.analytic,
                    res.numeric);
    assert_true(res.max_rel_error < 1e-6);

    /* non-trivial signal in both, and in every layer's weights */
    double sp = 0, sx = 0;
    for (size_t i = 0; i < np; i++)
        sp += fabs(ga[i]);
    for (size_t i = 0; i < n * in; i++)
        sx += fabs(gx[i]);
    assert_true(sp > 1e-3);
    assert_true(sx > 1e-3);
    for (size_t l = 0; l < n_layers; l++) {
        const gsl_matrix *dW = &c.m->dW[l].matrix;
        double sl = 0;
        for (size_t i = 0; i < dW->size1 * dW->size2; i++)
            sl += fabs(dW->data[i]);
        assert_true(sl > 1e-6);
    }

    free(ga);
    free(gx);
    gsl_matrix_free(c.x);
    gsl_matrix_free(c.dx);
    gsl_matrix_free(c.R);
    gsl_rng_free(rng);
    rlc_tape_free(c.t);
    rlc_mlp_free(c.m);
}

static void test_grad_relu_tanh(void **s)
{
    (void)s;
    check_network_grads((const size_t[]){3, 5, 4, 2}, 3, RLC_ACT_RELU, RLC_ACT_TANH, 21);
}

static void test_grad_relu_identity(void **s)
{
    (void)s;
    check_network_grads((const size_t[]){3, 4, 2}, 2, RLC_ACT_RELU, RLC_ACT_IDENTITY, 11);
}

static void test_grad_tanh_identity(void **s)
{
    (void)s;
    check_network_grads((const size_t[]){4, 6, 6, 1}, 3, RLC_ACT_TANH, RLC_ACT_IDENTITY, 5);
}

/* train=false: no parameter gradient, but the input gradient still flows and
 * equals the one of a train=true pass. */
static void test_no_train(void **s)
{
    (void)s;
    rlc_mlp_config cfg = cfg3(2, (const size_t[]){3, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    net_ctx c = {0};
    assert_int_equal(rlc_mlp_create(&c.m, &cfg), RLC_OK);
    assert_int_equal(rlc_tape_create(&c.t, 256), RLC_OK);
    gsl_rng *rng = make_rng(3);
    rlc_mlp_init_default(c.m, rng);
    c.x = gsl_matrix_alloc(2, 3);
    c.dx = gsl_matrix_calloc(2, 3);
    c.R = gsl_matrix_alloc(2, 2);
    for (size_t i = 0; i < 6; i++)
        c.x->data[i] = gsl_ran_flat(rng, -1.5, 1.5);
    for (size_t i = 0; i < 4; i++)
        c.R->data[i] = 1.0 + 0.25 * (double)i;

    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward(c.t, net_loss(&c, true, true)), RLC_OK);
    double dx_train[6];
    memcpy(dx_train, c.dx->data, sizeof dx_train);
    double sp = 0;
    for (size_t i = 0; i < c.m->n_params; i++)
        sp += fabs(c.m->grads->data[i]);
    assert_true(sp > 1e-3); /* train=true does accumulate */

    gsl_vector_set_zero(c.m->grads);
    gsl_matrix_set_zero(c.dx);
    assert_int_equal(rlc_tape_backward(c.t, net_loss(&c, false, true)), RLC_OK);
    for (size_t i = 0; i < c.m->n_params; i++)
        assert_true(c.m->grads->data[i] == 0.0);
    double sx = 0;
    for (size_t i = 0; i < 6; i++) {
        assert_near(c.dx->data[i], dx_train[i], 1e-15);
        sx += fabs(c.dx->data[i]);
    }
    assert_true(sx > 1e-3);

    /* train=true accumulates (adds) into grads: two passes = twice one */
    gsl_vector_set_zero(c.m->grads);
    assert_int_equal(rlc_tape_backward(c.t, net_loss(&c, true, false)), RLC_OK);
    double g1[26];
    memcpy(g1, c.m->grads->data, sizeof g1);
    assert_int_equal(rlc_tape_backward(c.t, net_loss(&c, true, false)), RLC_OK);
    for (size_t i = 0; i < 26; i++)
        assert_near(c.m->grads->data[i], 2 * g1[i], 1e-15 * fabs(g1[i]));

    gsl_matrix_free(c.x);
    gsl_matrix_free(c.dx);
    gsl_matrix_free(c.R);
    gsl_rng_free(rng);
    rlc_tape_free(c.t);
    rlc_mlp_free(c.m);
}

/* ---- initialisers ---- */

static void test_init_default(void **s)
{
    (void)s;
    rlc_mlp_config cfg = cfg3(3, (const size_t[]){3, 16, 9, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp *a, *b, *c;
    assert_int_equal(rlc_mlp_create(&a, &cfg), RLC_OK);
    assert_int_equal(rlc_mlp_create(&b, &cfg), RLC_OK);
    assert_int_equal(rlc_mlp_create(&c, &cfg), RLC_OK);
    gsl_rng *r1 = make_rng(42), *r2 = make_rng(42), *r3 = make_rng(43);
    rlc_mlp_init_default(a, r1);
    rlc_mlp_init_default(b, r2);
    rlc_mlp_init_default(c, r3);
    for (size_t l = 0; l < 3; l++) {
        double bound = 1.0 / sqrt((double)cfg.sizes[l]);
        const gsl_matrix *mats[2] = {&a->W[l].matrix, &a->b[l].matrix};
        for (int k = 0; k < 2; k++) {
            const gsl_matrix *M = mats[k];
            double maxabs = 0, sum = 0;
            size_t cnt = M->size1 * M->size2;
            for (size_t i = 0; i < cnt; i++) {
                assert_true(fabs(M->data[i]) <= bound);
                if (fabs(M->data[i]) > maxabs)
                    maxabs = fabs(M->data[i]);
                sum += M->data[i];
            }
            assert_true(maxabs > 0.0); /* not all zero */
            if (cnt >= 16) {
                /* spread over the whole interval, centred */
                assert_true(maxabs > 0.7 * bound);
                assert_true(fabs(sum / (double)cnt) < 0.5 * bound);
            }
        }
    }
    assert_memory_equal(a->params->data, b->params->data, a->n_params * sizeof(double));
    assert_memory_not_equal(a->params->data, c->params->data, a->n_params * sizeof(double));
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    gsl_rng_free(r3);
    rlc_mlp_free(a);
    rlc_mlp_free(b);
    rlc_mlp_free(c);
}

/* max |G - g²I| for G = W·Wᵀ (rows) or Wᵀ·W (cols) */
static double gram_error(const gsl_matrix *W, bool rows, double gain)
{
    size_t k = rows ? W->size1 : W->size2, d = rows ? W->size2 : W->size1;
    double err = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double acc = 0;
            for (size_t q = 0; q < d; q++)
                acc += rows ? gsl_matrix_get(W, i, q) * gsl_matrix_get(W, j, q)
                            : gsl_matrix_get(W, q, i) * gsl_matrix_get(W, q, j);
            double e = fabs(acc - (i == j ? gain * gain : 0.0));
            if (e > err)
                err = e;
        }
    return err;
}

static void test_init_orthogonal(void **s)
{
    (void)s;
    /* layer 0: 7×3 (tall), layer 1: 5×7 (wide), layer 2: 5×5 (square), layer 3: 2×5 (wide) */
    rlc_mlp_config cfg = cfg3(4, (const size_t[]){3, 7, 5, 5, 2}, RLC_ACT_TANH, RLC_ACT_IDENTITY);
    rlc_mlp *m, *m2;
    assert_int_equal(rlc_mlp_create(&m, &cfg), RLC_OK);
    assert_int_equal(rlc_mlp_create(&m2, &cfg), RLC_OK);
    for (size_t i = 0; i < m->n_params; i++)
        m->params->data[i] = 7.0; /* biases must be overwritten with 0 */
    gsl_rng *rng = make_rng(1), *rng2 = make_rng(1);
    const double hg = sqrt(2.0), og = 0.01;
    assert_int_equal(rlc_mlp_init_orthogonal(m, rng, hg, og), RLC_OK);
    assert_int_equal(rlc_mlp_init_orthogonal(m2, rng2, hg, og), RLC_OK);
    for (size_t l = 0; l < 4; l++) {
        const gsl_matrix *W = &m->W[l].matrix;
        double g = l == 3 ? og : hg;
        size_t out = W->size1, in = W->size2;
        if (out <= in) /* wide or square: orthonormal rows */
            assert_true(gram_error(W, true, g) < 1e-12);
        if (out >= in) /* tall or square: orthonormal columns */
            assert_true(gram_error(W, false, g) < 1e-12);
        for (size_t j = 0; j < out; j++)
            assert_true(gsl_matrix_get(&m->b[l].matrix, 0, j) == 0.0);
    }
    /* wide layer is not also column-orthonormal (would mean a wrong shape) */
    assert_true(gram_error(&m->W[1].matrix, false, hg) > 0.1);
    assert_memory_equal(m->params->data, m2->params->data, m->n_params * sizeof(double));
    gsl_rng_free(rng);
    gsl_rng_free(rng2);
    rlc_mlp_free(m);
    rlc_mlp_free(m2);
}

/* ---- copy and Polyak averaging ---- */

static void test_copy(void **s)
{
    (void)s;
    rlc_mlp_config cfg = cfg3(2, (const size_t[]){3, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp *a, *b;
    assert_int_equal(rlc_mlp_create(&a, &cfg), RLC_OK);
    assert_int_equal(rlc_mlp_create(&b, &cfg), RLC_OK);
    gsl_rng *rng = make_rng(9);
    rlc_mlp_init_default(a, rng);
    a->params->data[0] = -0.0;
    a->params->data[1] = 1e-310; /* subnormal */
    for (size_t i = 0; i < b->n_params; i++)
        b->params->data[i] = 3.0;
    rlc_mlp_copy(b, a);
    assert_memory_equal(a->params->data, b->params->data, a->n_params * sizeof(double));
    assert_true(signbit(b->params->data[0]));
    /* the views of the copy see the copied values */
    assert_true(gsl_matrix_get(&b->W[1].matrix, 1, 3) == gsl_matrix_get(&a->W[1].matrix, 1, 3));
    gsl_rng_free(rng);
    rlc_mlp_free(a);
    rlc_mlp_free(b);
}

/* θ' ← τθ + (1−τ)θ' with the τ passed (a routine that used a fixed τ would
 * never make the hard copy τ = 1). */
static void test_polyak_tau(void **s)
{
    (void)s;
    rlc_mlp_config cfg = cfg3(1, (const size_t[]){2, 1}, RLC_ACT_RELU, RLC_ACT_IDENTITY);
    rlc_mlp *on, *tg;
    assert_int_equal(rlc_mlp_create(&on, &cfg), RLC_OK);
    assert_int_equal(rlc_mlp_create(&tg, &cfg), RLC_OK);
    assert_int_equal(on->n_params, 3);
    const double theta[3] = {1.0, -2.0, 0.5};
    memcpy(on->params->data, theta, sizeof theta);
    gsl_vector_set_zero(tg->params);

    rlc_mlp_polyak(tg, on, 0.005);
    const double one[3] = {0.005, -0.01, 0.0025};
    for (int i = 0; i < 3; i++)
        assert_near(tg->params->data[i], one[i], 1e-15 * fabs(one[i]));
    rlc_mlp_polyak(tg, on, 0.005);
    rlc_mlp_polyak(tg, on, 0.005);
    const double three[3] = {0.014925125, -0.02985025, 0.0074625625};
    for (int i = 0; i < 3; i++)
        assert_near(tg->params->data[i], three[i], 1e-15 * fabs(three[i]));
    /* the online network is untouched */
    assert_memory_equal(on->params->data, theta, sizeof theta);

    /* τ = 1: a bitwise copy, −0.0 included (0.0·x + 1·(−0.0) would give +0.0) */
    on->params->data[0] = -0.0;
    on->params->data[1] = 0.1;
    on->params->data[2] = -1.0 / 3.0;
    tg->params->data[0] = 0.0;
    tg->params->data[1] = 12345.678;
    tg->params->data[2] = -7.0;
    rlc_mlp_polyak(tg, on, 1.0);
    assert_memory_equal(tg->params->data, on->params->data, 3 * sizeof(double));

    /* the vector form, same numbers */
    double td[3] = {0, 0, 0}, sd[3] = {1.0, -2.0, 0.5};
    gsl_vector_view tv = gsl_vector_view_array(td, 3), sv = gsl_vector_view_array(sd, 3);
    rlc_vector_polyak(&tv.vector, &sv.vector, 0.005);
    for (int i = 0; i < 3; i++)
        assert_near(td[i], one[i], 1e-15 * fabs(one[i]));
    rlc_vector_polyak(&tv.vector, &sv.vector, 0.005);
    rlc_vector_polyak(&tv.vector, &sv.vector, 0.005);
    for (int i = 0; i < 3; i++)
        assert_near(td[i], three[i], 1e-15 * fabs(three[i]));
    sd[1] = -0.0;
    rlc_vector_polyak(&tv.vector, &sv.vector, 1.0);
    assert_memory_equal(td, sd, sizeof sd);

    /* τ = 0 keeps the target */
    double keep[3];
    memcpy(keep, td, sizeof keep);
    sd[0] = 99.0;
    rlc_vector_polyak(&tv.vector, &sv.vector, 0.0);
    assert_memory_equal(td, keep, sizeof keep);

    rlc_mlp_free(on);
    rlc_mlp_free(tg);
}

/* Polyak on matrix columns (stride 3): the column gets the same values as
 * the contiguous form above and its neighbours are untouched. A loop that
 * ignored the stride would average the first rows instead, writing into
 * columns 1 and 2. */
static void test_polyak_strided(void **s)
{
    (void)s;
    double td[3][3] = {{0, 10, 20}, {0, 11, 21}, {0, 12, 22}};
    double sd[3][3] = {{-5, 1.0, 7}, {-6, -2.0, 8}, {-7, 0.5, 9}};
    double t0[3][3], s0[3][3];
    memcpy(t0, td, sizeof t0);
    memcpy(s0, sd, sizeof s0);
    gsl_matrix_view tm = gsl_matrix_view_array(&td[0][0], 3, 3);
    gsl_matrix_view sm = gsl_matrix_view_array(&sd[0][0], 3, 3);
    gsl_vector_view tc = gsl_matrix_column(&tm.matrix, 0); /* θ' = 0 */
    gsl_vector_view sc = gsl_matrix_column(&sm.matrix, 1); /* θ = (1, −2, 0.5) */
    assert_int_equal(tc.vector.stride, 3);
    const double one[3] = {0.005, -0.01, 0.0025};
    const double three[3] = {0.014925125, -0.02985025, 0.0074625625};
    rlc_vector_polyak(&tc.vector, &sc.vector, 0.005);
    for (int i = 0; i < 3; i++)
        assert_near(td[i][0], one[i], 1e-15 * fabs(one[i]));
    rlc_vector_polyak(&tc.vector, &sc.vector, 0.005);
    rlc_vector_polyak(&tc.vector, &sc.vector, 0.005);
    for (int i = 0; i < 3; i++) {
        assert_near(td[i][0], three[i], 1e-15 * fabs(three[i]));
        assert_true(td[i][1] == t0[i][1] && td[i][2] == t0[i][2]); /* neighbours kept */
    }
    assert_memory_equal(sd, s0, sizeof sd); /* the source is read only */

    /* bitwise the same as the contiguous loop on the same numbers */
    double cd[3] = {0, 0, 0}, csd[3] = {1.0, -2.0, 0.5};
    gsl_vector_view cv = gsl_vector_view_array(cd, 3), csv = gsl_vector_view_array(csd, 3);
    for (int k = 0; k < 3; k++)
        rlc_vector_polyak(&cv.vector, &csv.vector, 0.005);
    for (int i = 0; i < 3; i++)
        assert_memory_equal(&td[i][0], &cd[i], sizeof(double));

    /* τ = 1: the column becomes the source column, neighbours kept */
    rlc_vector_polyak(&tc.vector, &sc.vector, 1.0);
    for (int i = 0; i < 3; i++) {
        assert_true(td[i][0] == sd[i][1]);
        assert_true(td[i][1] == t0[i][1] && td[i][2] == t0[i][2]);
    }
}

/* ---- errors ---- */

static void test_create_errors(void **s)
{
    (void)s;
    rlc_mlp *m = NULL;
    rlc_mlp_config c0 = {.n_layers = 0, .sizes = {3, 2}};
    assert_int_equal(rlc_mlp_create(&m, &c0), RLC_EINVAL);
    assert_null(m);
    rlc_mlp_config c9 = {.n_layers = RLC_MLP_MAX_LAYERS + 1};
    for (size_t l = 0; l <= RLC_MLP_MAX_LAYERS; l++)
        c9.sizes[l] = 2;
    assert_int_equal(rlc_mlp_create(&m, &c9), RLC_EINVAL);
    assert_null(m);
    rlc_mlp_config z_in = cfg3(2, (const size_t[]){0, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp_config z_hid = cfg3(2, (const size_t[]){3, 0, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp_config z_out = cfg3(2, (const size_t[]){3, 4, 0}, RLC_ACT_RELU, RLC_ACT_TANH);
    assert_int_equal(rlc_mlp_create(&m, &z_in), RLC_EINVAL);
    assert_null(m);
    assert_int_equal(rlc_mlp_create(&m, &z_hid), RLC_EINVAL);
    assert_null(m);
    assert_int_equal(rlc_mlp_create(&m, &z_out), RLC_EINVAL);
    assert_null(m);
    assert_int_equal(rlc_mlp_create(&m, NULL), RLC_EINVAL);
    assert_int_equal(rlc_mlp_create(NULL, &z_out), RLC_EINVAL);
    /* the maximum depth is accepted */
    c9.n_layers = RLC_MLP_MAX_LAYERS;
    assert_int_equal(rlc_mlp_create(&m, &c9), RLC_OK);
    assert_int_equal(m->n_params, RLC_MLP_MAX_LAYERS * 2 * 3);
    rlc_mlp_free(m);
    rlc_mlp_free(NULL);
}

/* An input of the wrong width is a tape error, not a crash. */
static void test_forward_shape_error(void **s)
{
    (void)s;
    rlc_mlp_config cfg = cfg3(2, (const size_t[]){3, 4, 2}, RLC_ACT_RELU, RLC_ACT_TANH);
    rlc_mlp *m;
    rlc_tape *t;
    assert_int_equal(rlc_mlp_create(&m, &cfg), RLC_OK);
    assert_int_equal(rlc_tape_create(&t, 256), RLC_OK);
    gsl_matrix *x = gsl_matrix_calloc(2, 4);
    assert_null(rlc_mlp_forward(m, t, rlc_tape_leaf(t, x, NULL), true));
    assert_int_equal(rlc_tape_status(t), RLC_EINVAL);
    rlc_tape_reset(t);
    gsl_matrix *x3 = gsl_matrix_calloc(2, 3);
    rlc_node *y = rlc_mlp_forward(m, t, rlc_tape_leaf(t, x3, NULL), true);
    assert_non_null(y);
    assert_int_equal(y->value.size1, 2);
    assert_int_equal(y->value.size2, 2);
    gsl_matrix_free(x);
    gsl_matrix_free(x3);
    rlc_tape_free(t);
    rlc_mlp_free(m);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_count),        cmocka_unit_test(test_views_layout),
        cmocka_unit_test(test_forward_hand),       cmocka_unit_test(test_grad_relu_tanh),
        cmocka_unit_test(test_grad_relu_identity), cmocka_unit_test(test_grad_tanh_identity),
        cmocka_unit_test(test_no_train),           cmocka_unit_test(test_init_default),
        cmocka_unit_test(test_init_orthogonal),    cmocka_unit_test(test_copy),
        cmocka_unit_test(test_polyak_tau),         cmocka_unit_test(test_polyak_strided),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_forward_shape_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
