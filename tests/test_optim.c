/* test_optim.c — Adam, RMSprop and SGD against values computed by hand with
 * PyTorch's formulas (Adam's moments across two steps among them), global-norm
 * gradient clipping as torch.nn.utils.clip_grad_norm_, steps on strided
 * vectors (matrix columns), and create errors. */
#include <gsl/gsl_errno.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "rlc/optim.h"
#include "test_util.h"

static rlc_optim_config config(double lr)
{
    rlc_optim_config c;
    rlc_optim_config_default(&c);
    c.learning_rate = lr;
    return c;
}

static void test_defaults(void **s)
{
    (void)s;
    rlc_optim_config c;
    memset(&c, 0xff, sizeof c);
    rlc_optim_config_default(&c);
    assert_true(c.learning_rate == 1e-3);
    assert_true(c.beta1 == 0.9);
    assert_true(c.beta2 == 0.999);
    assert_true(c.alpha == 0.99);
    assert_true(c.eps == 1e-8);
    rlc_optim *o;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_adam, 3, &c), RLC_OK);
    assert_int_equal(o->n, 3);
    assert_int_equal(o->t, 0);
    assert_ptr_equal(o->type, rlc_optim_adam);
    for (size_t i = 0; i < 3; i++) {
        assert_true(o->m[i] == 0.0);
        assert_true(o->v[i] == 0.0);
    }
    rlc_optim_free(o);
}

/* Adam's state matters: lr 0.1, β (0.9, 0.999), ε 1e-8, θ₀ = 0, g = +1
 * then −1 → θ₂ = −0.0947368 (a reset of the moments between the steps
 * would give 0). */
static void test_adam_two_steps(void **s)
{
    (void)s;
    rlc_optim_config c = config(0.1);
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    rlc_optim *o;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_adam, 1, &c), RLC_OK);
    gsl_vector *p = gsl_vector_calloc(1), *g = gsl_vector_alloc(1);

    /* torch.optim.Adam by hand */
    const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double m = 0, v = 0, th = 0;
    const double gs[2] = {1.0, -1.0};
    double th_after[2];
    for (int t = 1; t <= 2; t++) {
        m = b1 * m + (1 - b1) * gs[t - 1];
        v = b2 * v + (1 - b2) * gs[t - 1] * gs[t - 1];
        double mhat = m / (1 - pow(b1, t)), vhat = v / (1 - pow(b2, t));
        th = th - lr * mhat / (sqrt(vhat) + eps);
        th_after[t - 1] = th;
    }
    /* closed form: step 1 moves by −lr/(1+ε); step 2 has m̂ = −0.01/0.19, v̂ = 1 */
    assert_near(th_after[0], -0.1 / (1 + 1e-8), 1e-16);
    assert_near(th_after[1], -0.1 / (1 + 1e-8) + 0.1 * (0.01 / 0.19) / (1 + 1e-8), 1e-15);

    gsl_vector_set(g, 0, 1.0);
    rlc_optim_step(o, p, g);
    assert_int_equal(o->t, 1);
    assert_near(gsl_vector_get(p, 0), th_after[0], 1e-15);
    assert_near(o->m[0], 0.1, 1e-16);
    assert_near(o->v[0], 0.001, 1e-18);
    gsl_vector_set(g, 0, -1.0);
    rlc_optim_step(o, p, g);
    assert_int_equal(o->t, 2);
    assert_near(gsl_vector_get(p, 0), th_after[1], 1e-15);
    assert_near(gsl_vector_get(p, 0), -0.0947368, 1e-7);
    assert_near(o->m[0], -0.01, 1e-16);
    assert_near(o->v[0], 0.001999, 1e-17);
    gsl_vector_free(p);
    gsl_vector_free(g);
    rlc_optim_free(o);
}

/* The first Adam step moves every parameter by lr·sign(g), whatever |g|
 * (m̂ = g, v̂ = g²): the scale invariance of Adam. */
static void test_adam_first_step_sign(void **s)
{
    (void)s;
    rlc_optim_config c = config(0.01);
    rlc_optim *o;
    const double g0[5] = {1e-3, -5.0, 100.0, -0.25, 0.0};
    const double p0[5] = {0.5, 0.5, -1.0, 2.0, 3.0};
    assert_int_equal(rlc_optim_create(&o, rlc_optim_adam, 5, &c), RLC_OK);
    double pd[5], gd[5];
    memcpy(pd, p0, sizeof pd);
    memcpy(gd, g0, sizeof gd);
    gsl_vector_view p = gsl_vector_view_array(pd, 5), g = gsl_vector_view_array(gd, 5);
    rlc_optim_step(o, &p.vector, &g.vector);
    for (int i = 0; i < 5; i++) {
        double sign = g0[i] > 0 ? 1.0 : g0[i] < 0 ? -1.0 : 0.0;
        /* exactly lr·|g|/(|g| + ε) in magnitude */
        double expect = p0[i] - 0.01 * g0[i] / (fabs(g0[i]) + 1e-8);
        assert_near(pd[i], expect, 1e-15);
        assert_near(pd[i], p0[i] - 0.01 * sign, 1e-5 * 0.01);
    }
    assert_memory_equal(gd, g0, sizeof gd); /* grads are read only */
    /* a second identical step moves by the same amount again (m̂ = g and
     * v̂ = g² for a constant g) */
    double p1[5];
    memcpy(p1, pd, sizeof p1);
    rlc_optim_step(o, &p.vector, &g.vector);
    for (int i = 0; i < 5; i++)
        assert_near(pd[i], p1[i] - 0.01 * g0[i] / (fabs(g0[i]) + 1e-8), 1e-12);
    rlc_optim_free(o);
}

/* torch.optim.RMSprop (α 0.99, ε 1e-5, no momentum, not centred):
 * v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε). */
static void test_rmsprop(void **s)
{
    (void)s;
    rlc_optim_config c = config(0.01);
    c.alpha = 0.99;
    c.eps = 1e-5;
    rlc_optim *o;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_rmsprop, 2, &c), RLC_OK);
    double pd[2] = {1.0, -1.0}, gd[2] = {2.0, -0.5};
    gsl_vector_view p = gsl_vector_view_array(pd, 2), g = gsl_vector_view_array(gd, 2);
    rlc_optim_step(o, &p.vector, &g.vector);
    /* v1 = 0.01·g² = [0.04, 0.0025]; √v1 = [0.2, 0.05] */
    assert_near(o->v[0], 0.04, 1e-15 * 0.04);
    assert_near(o->v[1], 0.0025, 1e-15 * 0.0025);
    double e10 = 1.0 - 0.01 * 2.0 / (0.2 + 1e-5);
    double e11 = -1.0 + 0.01 * 0.5 / (0.05 + 1e-5);
    assert_near(pd[0], e10, 1e-15);
    assert_near(pd[1], e11, 1e-15);
    /* ≈ θ − lr·sign(g)/(√(1−α)) = θ ∓ 0.1 */
    assert_near(pd[0], 0.9, 1e-5);
    assert_near(pd[1], -0.9, 1e-3);
    /* step 2 with g = [1, 1]: v2 = 0.99·v1 + 0.01 = [0.0496, 0.012475] */
    gd[0] = 1.0;
    gd[1] = 1.0;
    rlc_optim_step(o, &p.vector, &g.vector);
    assert_near(o->v[0], 0.0496, 1e-15 * 0.0496);
    assert_near(o->v[1], 0.012475, 1e-15 * 0.012475);
    assert_near(pd[0], e10 - 0.01 / (sqrt(0.0496) + 1e-5), 1e-15);
    assert_near(pd[1], e11 - 0.01 / (sqrt(0.012475) + 1e-5), 1e-15);
    rlc_optim_free(o);
}

static void test_sgd(void **s)
{
    (void)s;
    rlc_optim_config c = config(0.5);
    rlc_optim *o;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_sgd, 3, &c), RLC_OK);
    double pd[3] = {1.0, -2.0, 0.25}, gd[3] = {0.5, -4.0, 0.0};
    gsl_vector_view p = gsl_vector_view_array(pd, 3), g = gsl_vector_view_array(gd, 3);
    rlc_optim_step(o, &p.vector, &g.vector);
    assert_near(pd[0], 0.75, 0);
    assert_near(pd[1], 0.0, 0);
    assert_near(pd[2], 0.25, 0);
    rlc_optim_step(o, &p.vector, &g.vector);
    assert_near(pd[0], 0.5, 0);
    assert_near(pd[1], 2.0, 0);
    assert_near(pd[2], 0.25, 0);
    /* the learning rate is read at every step (schedules set it between steps) */
    o->config.learning_rate = 0.25;
    rlc_optim_step(o, &p.vector, &g.vector);
    assert_near(pd[0], 0.375, 0);
    assert_near(pd[1], 3.0, 0);
    rlc_optim_free(o);
}

/* Each optimiser on matrix columns: params is column 1 of a 4×3 matrix,
 * grads column 2 of a 4×2 one (strides 3 and 2). Two steps give bitwise
 * the parameters and moments of the same steps on contiguous vectors, and
 * the other columns are untouched. A step that ignored the strides would
 * read and write each matrix's first four doubles (row 0 and the start of
 * row 1) instead. */
static void test_strided(void **s)
{
    (void)s;
    const rlc_optim_type *types[3] = {rlc_optim_adam, rlc_optim_rmsprop, rlc_optim_sgd};
    const double p0[4] = {0.5, -1.0, 2.0, 0.0}, g0[4] = {0.3, -4.0, 1e-3, 2.5};
    for (int k = 0; k < 3; k++) {
        rlc_optim_config c = config(0.01);
        rlc_optim *oc, *os;
        assert_int_equal(rlc_optim_create(&oc, types[k], 4, &c), RLC_OK);
        assert_int_equal(rlc_optim_create(&os, types[k], 4, &c), RLC_OK);
        double pd[4], gd[4], pm[4][3], gm[4][2], pm0[4][3], gm0[4][2];
        memcpy(pd, p0, sizeof pd);
        memcpy(gd, g0, sizeof gd);
        for (int i = 0; i < 4; i++) {
            pm[i][0] = 100.0 + i, pm[i][1] = p0[i], pm[i][2] = 200.0 + i;
            gm[i][0] = 300.0 + i, gm[i][1] = g0[i];
        }
        memcpy(pm0, pm, sizeof pm0);
        memcpy(gm0, gm, sizeof gm0);
        gsl_vector_view p = gsl_vector_view_array(pd, 4), g = gsl_vector_view_array(gd, 4);
        gsl_matrix_view P = gsl_matrix_view_array(&pm[0][0], 4, 3);
        gsl_matrix_view G = gsl_matrix_view_array(&gm[0][0], 4, 2);
        gsl_vector_view pc = gsl_matrix_column(&P.matrix, 1), gc = gsl_matrix_column(&G.matrix, 1);
        assert_int_equal(pc.vector.stride, 3);
        assert_int_equal(gc.vector.stride, 2);
        for (int t = 0; t < 2; t++) {
            rlc_optim_step(oc, &p.vector, &g.vector);
            rlc_optim_step(os, &pc.vector, &gc.vector);
        }
        for (int i = 0; i < 4; i++) {
            assert_true(pd[i] != p0[i]); /* the step moved every parameter */
            assert_memory_equal(&pm[i][1], &pd[i], sizeof(double));
            assert_true(pm[i][0] == pm0[i][0] && pm[i][2] == pm0[i][2]);
        }
        assert_memory_equal(gm, gm0, sizeof gm); /* grads are read only */
        assert_memory_equal(os->m, oc->m, 4 * sizeof(double));
        assert_memory_equal(os->v, oc->v, 4 * sizeof(double));
        /* and the contiguous result is the optimiser's: first SGD step θ − lr·g */
        if (types[k] == rlc_optim_sgd)
            for (int i = 0; i < 4; i++)
                assert_true(pd[i] == (p0[i] - 0.01 * g0[i]) - 0.01 * g0[i]);
        rlc_optim_free(oc);
        rlc_optim_free(os);
    }
}

static void test_clip_grad_norm(void **s)
{
    (void)s;
    /* [3, 4] with max 1: norm 5, scaled by max/(norm + 1e-6) */
    double gd[2] = {3.0, 4.0};
    gsl_vector_view g = gsl_vector_view_array(gd, 2);
    double norm = rlc_optim_clip_grad_norm(&g.vector, 1.0);
    assert_near(norm, 5.0, 1e-15);
    double coef = 1.0 / (5.0 + 1e-6);
    assert_near(gd[0], 3.0 * coef, 1e-16);
    assert_near(gd[1], 4.0 * coef, 1e-16);
    /* i.e. [0.6, 0.8] shrunk by 5/(5 + 1e-6) */
    assert_near(gd[0], 0.6 * 5.0 / (5.0 + 1e-6), 1e-16);
    assert_near(gd[1], 0.8 * 5.0 / (5.0 + 1e-6), 1e-16);
    assert_near(sqrt(gd[0] * gd[0] + gd[1] * gd[1]), 1.0, 1e-6);
    assert_true(sqrt(gd[0] * gd[0] + gd[1] * gd[1]) < 1.0);

    /* larger max: [3, 4] with max 2.5 → halved (up to the 1e-6) */
    double hd[2] = {3.0, -4.0};
    gsl_vector_view h = gsl_vector_view_array(hd, 2);
    assert_near(rlc_optim_clip_grad_norm(&h.vector, 2.5), 5.0, 1e-15);
    assert_near(hd[0], 3.0 * 2.5 / (5.0 + 1e-6), 1e-16);
    assert_near(hd[1], -4.0 * 2.5 / (5.0 + 1e-6), 1e-16);

    /* norm below max: returned, grads untouched (bitwise) */
    double kd[3] = {0.3, -0.4, 0.0}, k0[3];
    memcpy(k0, kd, sizeof k0);
    gsl_vector_view k = gsl_vector_view_array(kd, 3);
    assert_near(rlc_optim_clip_grad_norm(&k.vector, 1.0), 0.5, 1e-15);
    assert_memory_equal(kd, k0, sizeof kd);
    /* well above: max 10 on [3, 4] */
    double ld[2] = {3.0, 4.0};
    gsl_vector_view lv = gsl_vector_view_array(ld, 2);
    assert_near(rlc_optim_clip_grad_norm(&lv.vector, 10.0), 5.0, 1e-15);
    assert_true(ld[0] == 3.0 && ld[1] == 4.0);
    /* zero gradient: norm 0, stays zero, no NaN */
    double zd[2] = {0.0, 0.0};
    gsl_vector_view z = gsl_vector_view_array(zd, 2);
    assert_true(rlc_optim_clip_grad_norm(&z.vector, 0.5) == 0.0);
    assert_true(zd[0] == 0.0 && zd[1] == 0.0);
}

static void test_create_errors(void **s)
{
    (void)s;
    rlc_optim_config c = config(1e-3);
    rlc_optim *o = NULL;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_adam, 0, &c), RLC_EINVAL);
    assert_null(o);
    assert_int_equal(rlc_optim_create(&o, NULL, 4, &c), RLC_EINVAL);
    assert_int_equal(rlc_optim_create(&o, rlc_optim_sgd, 4, NULL), RLC_EINVAL);
    assert_int_equal(rlc_optim_create(NULL, rlc_optim_sgd, 4, &c), RLC_EINVAL);
    c.learning_rate = 0.0;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_adam, 4, &c), RLC_EINVAL);
    assert_null(o);
    c.learning_rate = -1e-3;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_rmsprop, 4, &c), RLC_EINVAL);
    assert_null(o);
    c.learning_rate = NAN;
    assert_int_equal(rlc_optim_create(&o, rlc_optim_sgd, 4, &c), RLC_EINVAL);
    assert_null(o);
    c.learning_rate = 1e-12; /* tiny but positive is fine */
    assert_int_equal(rlc_optim_create(&o, rlc_optim_sgd, 4, &c), RLC_OK);
    assert_non_null(o);
    rlc_optim_free(o);
    rlc_optim_free(NULL);
    assert_string_equal(rlc_optim_adam->name, "adam");
    assert_string_equal(rlc_optim_rmsprop->name, "rmsprop");
    assert_string_equal(rlc_optim_sgd->name, "sgd");
}

/* rlc_optim_all_finite: NaN, +inf and -inf anywhere are caught; the
 * largest and smallest finite doubles, -0 and subnormals are not; a
 * strided vector (a matrix column) reads only its entries. */
static void test_all_finite(void **state)
{
    (void)state;
    gsl_vector *x = gsl_vector_calloc(37);
    assert_true(rlc_optim_all_finite(x));
    const double ok[] = {DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324, -0.0, 1.0};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
        gsl_vector_set(x, 5 * k, ok[k]);
    assert_true(rlc_optim_all_finite(x));
    const double bad[] = {NAN, INFINITY, -INFINITY, -NAN};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        for (size_t i = 0; i < x->size; i += 12) {
            double keep = gsl_vector_get(x, i);
            gsl_vector_set(x, i, bad[k]);
            assert_false(rlc_optim_all_finite(x));
            gsl_vector_set(x, i, keep);
        }
    gsl_vector_free(x);
    gsl_matrix *m = gsl_matrix_calloc(4, 3);
    gsl_matrix_set(m, 2, 0, NAN);
    gsl_vector_view c1 = gsl_matrix_column(m, 1), c0 = gsl_matrix_column(m, 0);
    assert_true(rlc_optim_all_finite(&c1.vector));
    assert_false(rlc_optim_all_finite(&c0.vector));
    gsl_matrix_free(m);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_finite),
        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_adam_two_steps),
        cmocka_unit_test(test_adam_first_step_sign), cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_sgd),       cmocka_unit_test(test_strided),
        cmocka_unit_test(test_clip_grad_norm),
        cmocka_unit_test(test_create_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
