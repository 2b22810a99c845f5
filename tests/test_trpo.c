/* test_trpo.c — TRPO's pieces: the step scale and the line search's
 * acceptance worked by hand, exact Fisher-vector products against a
 * finite-difference Hessian of the mean KL and against the analytic Fisher
 * metrics, short runs whose every step respects the KL limit, and the
 * sub-sampled policy step. Learning
 * itself is tested in test_learning.c. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/rng.h"
#include "rlc/trpo.h"
#include "test_util.h"

/* β = √(2δ / sᵀFs): for the 2 × 2 system F = [[4, 1], [1, 3]], g = [1, 2]
 * the CG direction s = [1/11, 7/11] has sᵀFs = 15/11, so δ = 0.01 gives
 * β = 0.1211060 and a full step [0.01100964, 0.07706746] whose quadratic
 * KL ½(βs)ᵀF(βs) is δ exactly (without the 2 it would be δ/2). A
 * non-positive or non-finite sᵀFs skips the step. */
static void test_step_scale(void **s)
{
    (void)s;
    double beta = rlc_trpo_step_scale(0.01, 15.0 / 11.0);
    assert_near(beta, 0.1211060, 5e-8);
    assert_near(beta / 11.0, 0.01100964, 5e-9);
    assert_near(7.0 * beta / 11.0, 0.07706746, 5e-9);
    assert_near(0.5 * beta * beta * 15.0 / 11.0, 0.01, 1e-17);
    assert_true(isnan(rlc_trpo_step_scale(0.01, 0.0)));
    assert_true(isnan(rlc_trpo_step_scale(0.01, -1.0)));
    assert_true(isnan(rlc_trpo_step_scale(0.01, NAN)));
    assert_true(isnan(rlc_trpo_step_scale(0.01, INFINITY)));
}

/* The line search with δ = 0.01 and fractions 1, 0.5, 0.25, 0.125 whose
 * (KL, surrogate gain) are (0.040, +0.020), (0.016, +0.012),
 * (0.0045, −0.001), (0.0011, +0.004) keeps 0.125: the first candidate
 * within the KL limit AND improving. Gain alone would keep 1, KL alone
 * 0.25. */
static void test_line_search_acceptance(void **s)
{
    (void)s;
    const double kl[4] = {0.040, 0.016, 0.0045, 0.0011}, gain[4] = {0.020, 0.012, -0.001, 0.004};
    long pick = -1, by_gain = -1, by_kl = -1;
    for (long k = 3; k >= 0; k--) {
        if (rlc_trpo_accepts(kl[k], gain[k], 0.01))
            pick = k;
        if (gain[k] > 0)
            by_gain = k;
        if (kl[k] <= 0.01)
            by_kl = k;
    }
    assert_int_equal(pick, 3);
    assert_int_equal(by_gain, 0);
    assert_int_equal(by_kl, 2);
    assert_true(rlc_trpo_accepts(0.01, 1e-12, 0.01));  /* the limit itself is allowed */
    assert_false(rlc_trpo_accepts(0.01, 0.0, 0.01));   /* no gain */
    assert_false(rlc_trpo_accepts(NAN, 1.0, 0.01));
}

/* A small policy for env_id, its forward pass over n random observations
 * recorded on t with π's parameters trainable, and a Fisher workspace set on
 * it. */
typedef struct fx {
    rlc_policy *p;
    rlc_tape *t;
    rlc_policy_fisher *f;
    double obs[16 * 4];
    size_t n;
    rlc_node *dist, *log_std;
} fx;

static void fx_setup(fx *x, const char *env_id, double log_std_init, double damping)
{
    memset(x, 0, sizeof *x);
    rlc_policy_config pc;
    rlc_policy_config_default(&pc);
    pc.net_arch[0] = 5;
    pc.net_arch[1] = 4;
    pc.ortho_init = false;
    pc.log_std_init = log_std_init;
    gsl_rng *rng = rlc_rng_create(7, RLC_RNG_INIT);
    assert_int_equal(rlc_policy_create(&x->p, &pc, rlc_env_find(env_id), rng), RLC_OK);
    x->n = 16;
    for (size_t i = 0; i < x->n * x->p->obs_dim; i++)
        x->obs[i] = 2.0 * gsl_rng_uniform(rng) - 1.0;
    gsl_rng_free(rng);
    assert_int_equal(rlc_tape_create(&x->t, 1 << 14), RLC_OK);
    assert_int_equal(rlc_policy_fisher_create(&x->f, x->p, x->n, damping), RLC_OK);
    gsl_matrix_view ov = gsl_matrix_view_array(x->obs, x->n, x->p->obs_dim);
    rlc_tape_reset(x->t);
    assert_int_equal(rlc_policy_forward(x->p, x->t, &ov.matrix, true, &x->dist, &x->log_std, NULL),
                     RLC_OK);
    assert_int_equal(rlc_policy_fisher_set(x->f, x->t, x->dist, x->log_std), RLC_OK);
}

static void fx_teardown(fx *x)
{
    rlc_policy_fisher_free(x->f);
    rlc_tape_free(x->t);
    rlc_policy_free(x->p);
}

/* ∇θ mean KL(π_θ₀ ‖ π_θ) at the policy's current parameters, into g (π's
 * size), on a second tape (the first keeps the recorded pass). */
static void kl_grad(fx *x, rlc_tape *t2, gsl_vector *g)
{
    rlc_policy *p = x->p;
    gsl_matrix_view ov = gsl_matrix_view_array(x->obs, x->n, p->obs_dim);
    gsl_matrix_view od = gsl_matrix_view_array(x->f->old_dist, x->n, p->dist_dim);
    gsl_matrix_view ol = gsl_matrix_view_array(x->f->old_log_std, 1, p->act_dim);
    rlc_node *dist, *ls;
    rlc_tape_reset(t2);
    assert_int_equal(rlc_policy_forward(p, t2, &ov.matrix, true, &dist, &ls, NULL), RLC_OK);
    rlc_node *kl = rlc_dist_kl(t2, p->dist, rlc_tape_leaf(t2, &od.matrix, NULL),
                               ls ? rlc_tape_leaf(t2, &ol.matrix, NULL) : NULL, dist, ls);
    gsl_vector_set_zero(p->grads);
    assert_int_equal(rlc_tape_backward(t2, kl), RLC_OK);
    gsl_vector_memcpy(g, &p->dpi.vector);
}

/* F·v against the Hessian of the mean KL by central differences of its
 * gradient along v: (∇KL(θ₀ + hv) − ∇KL(θ₀ − hv)) / 2h, on random v, for
 * Categorical and Gaussian policies; relative error < 1e-6. */
static void check_against_fd_hessian(const char *env_id)
{
    fx x;
    fx_setup(&x, env_id, -0.4, 0.0);
    rlc_policy *p = x.p;
    size_t m = p->pi.vector.size;
    gsl_vector *v = gsl_vector_alloc(m), *Fv = gsl_vector_alloc(m), *gp = gsl_vector_alloc(m),
               *gm = gsl_vector_alloc(m), *theta0 = gsl_vector_alloc(m);
    gsl_rng *rng = rlc_rng_create(9, RLC_RNG_SAMPLE);
    rlc_tape *t2;
    assert_int_equal(rlc_tape_create(&t2, 1 << 14), RLC_OK);
    gsl_vector_memcpy(theta0, &p->pi.vector);
    for (int rep = 0; rep < 3; rep++) {
        for (size_t i = 0; i < m; i++)
            gsl_vector_set(v, i, gsl_rng_uniform(rng) - 0.5);
        assert_int_equal(rlc_policy_fisher_product(x.f, v, Fv), RLC_OK);
        const double h = 1e-5;
        gsl_vector_memcpy(&p->pi.vector, theta0);
        gsl_blas_daxpy(h, v, &p->pi.vector);
        kl_grad(&x, t2, gp);
        gsl_vector_memcpy(&p->pi.vector, theta0);
        gsl_blas_daxpy(-h, v, &p->pi.vector);
        kl_grad(&x, t2, gm);
        gsl_vector_memcpy(&p->pi.vector, theta0);
        double worst = 0.0, scale = 0.0;
        for (size_t i = 0; i < m; i++)
            scale = fmax(scale, fabs(gsl_vector_get(Fv, i)));
        for (size_t i = 0; i < m; i++) {
            double fd = (gsl_vector_get(gp, i) - gsl_vector_get(gm, i)) / (2 * h);
            double an = gsl_vector_get(Fv, i);
            worst = fmax(worst, fabs(an - fd) / fmax(fabs(an), 1e-3 * scale));
        }
        if (!(worst < 1e-6))
            fail_msg("%s: F·v vs finite-difference Hessian: relative error %.3g", env_id, worst);
        double vFv;
        gsl_blas_ddot(v, Fv, &vFv);
        assert_true(vFv > 0.0); /* F is positive semi-definite; here definite along v */
    }
    gsl_vector_free(v);
    gsl_vector_free(Fv);
    gsl_vector_free(gp);
    gsl_vector_free(gm);
    gsl_vector_free(theta0);
    gsl_rng_free(rng);
    rlc_tape_free(t2);
    fx_teardown(&x);
}

static void test_fisher_categorical_vs_hessian(void **s)
{
    (void)s;
    check_against_fd_hessian("CartPole-v1");
}

static void test_fisher_gaussian_vs_hessian(void **s)
{
    (void)s;
    check_against_fd_hessian("Pendulum-v1");
}

/* The analytic metrics, read off the output layer's bias (whose Jacobian
 * is the identity): logits [0, ln 2] (p = [1/3, 2/3]) and v = [1, 0] on
 * that bias give F·v = [2/9, −2/9] there; a Gaussian with σ = 0.5 and
 * v = 1 on the mean's bias and on log σ gives [1/σ², 2] = [4, 2]. One
 * observation, damping 0. The bias sits just before log_std in π's
 * vector (actor: W0 b0 W1 b1 W2 b2, then log_std). */
static void test_fisher_analytic_metrics(void **s)
{
    (void)s;
    fx x;
    fx_setup(&x, "CartPole-v1", 0.0, 0.0);
    rlc_policy *p = x.p;
    size_t na = p->actor->n_params, m = p->pi.vector.size;
    /* make the logits exactly [0, ln 2] for observation 0: shift the output bias */
    double z0 = x.dist->value.data[0], z1 = x.dist->value.data[1];
    gsl_vector_set(&p->pi.vector, na - 2, gsl_vector_get(&p->pi.vector, na - 2) - z0);
    gsl_vector_set(&p->pi.vector, na - 1, gsl_vector_get(&p->pi.vector, na - 1) - z1 + log(2.0));
    gsl_matrix_view ov = gsl_matrix_view_array(x.obs, 1, p->obs_dim);
    rlc_tape_reset(x.t);
    assert_int_equal(rlc_policy_forward(p, x.t, &ov.matrix, true, &x.dist, &x.log_std, NULL),
                     RLC_OK);
    assert_near(x.dist->value.data[0], 0.0, 1e-15);
    assert_near(x.dist->value.data[1], log(2.0), 1e-15);
    assert_int_equal(rlc_policy_fisher_set(x.f, x.t, x.dist, x.log_std), RLC_OK);
    gsl_vector *v = gsl_vector_calloc(m), *Fv = gsl_vector_alloc(m);
    gsl_vector_set(v, na - 2, 1.0);
    assert_int_equal(rlc_policy_fisher_product(x.f, v, Fv), RLC_OK);
    assert_near(gsl_vector_get(Fv, na - 2), 2.0 / 9.0, 1e-15);
    assert_near(gsl_vector_get(Fv, na - 1), -2.0 / 9.0, 1e-15);
    gsl_vector_free(v);
    gsl_vector_free(Fv);
    fx_teardown(&x);

    fx_setup(&x, "Pendulum-v1", log(0.5), 0.0);
    p = x.p;
    na = p->actor->n_params;
    m = p->pi.vector.size;
    rlc_tape_reset(x.t);
    ov = gsl_matrix_view_array(x.obs, 1, p->obs_dim);
    assert_int_equal(rlc_policy_forward(p, x.t, &ov.matrix, true, &x.dist, &x.log_std, NULL),
                     RLC_OK);
    assert_int_equal(rlc_policy_fisher_set(x.f, x.t, x.dist, x.log_std), RLC_OK);
    v = gsl_vector_calloc(m);
    Fv = gsl_vector_alloc(m);
    gsl_vector_set(v, na - 1, 1.0); /* the mean's bias */
    gsl_vector_set(v, na, 1.0);     /* log σ */
    assert_int_equal(rlc_policy_fisher_product(x.f, v, Fv), RLC_OK);
    assert_near(gsl_vector_get(Fv, na - 1), 4.0, 1e-12);
    assert_near(gsl_vector_get(Fv, na), 2.0, 1e-15);
    /* damping adds λv */
    x.f->damping = 0.1;
    assert_int_equal(rlc_policy_fisher_product(x.f, v, Fv), RLC_OK);
    assert_near(gsl_vector_get(Fv, na), 2.1, 1e-15);
    gsl_vector_free(v);
    gsl_vector_free(Fv);
    fx_teardown(&x);
}

/* Twenty TRPO updates on CartPole and ten on Pendulum: every step taken
 * stays within the KL limit with a surrogate gain, never a NaN, and the
 * statistics say what happened. */
typedef struct rec {
    size_t rows, bad;
    double max_kl;
} rec;

static rlc_status on_progress(void *ctx, size_t timesteps, const rlc_train_stats *st)
{
    (void)timesteps;
    rec *r = ctx;
    double kl = rlc_train_stats_get(&rlc_agent_trpo, st, "kl_divergence");
    double gain = rlc_train_stats_get(&rlc_agent_trpo, st, "surrogate_improvement");
    double steps = rlc_train_stats_get(&rlc_agent_trpo, st, "line_search_steps");
    double cg = rlc_train_stats_get(&rlc_agent_trpo, st, "cg_iterations");
    r->rows++;
    r->max_kl = fmax(r->max_kl, kl);
    if (!(kl <= 0.01 && gain >= 0.0 && steps >= 1 && steps <= 10 && cg >= 1 && cg <= 15) ||
        !isfinite(rlc_train_stats_get(&rlc_agent_trpo, st, "value_loss")) ||
        rlc_train_stats_get(&rlc_agent_trpo, st, "skipped_steps") != 0.0)
        r->bad++;
    return RLC_OK;
}

static void run_updates(const char *env_id, size_t n_steps, size_t updates)
{
    rlc_trpo_config c;
    rlc_trpo_config_default(&c);
    c.n_envs = 2;
    c.n_steps = n_steps;
    c.batch_size = 64;
    c.n_critic_updates = 2;
    c.policy.net_arch[0] = c.policy.net_arch[1] = 16;
    void *agent;
    assert_int_equal(rlc_agent_trpo.create(&agent, &c, rlc_env_find(env_id), 3), RLC_OK);
    rec r = {0};
    rlc_runner_config rc = {.total_timesteps = updates * 2 * n_steps, .log_interval = 1}; /* a row per update */
    rlc_runner_callbacks cb = {.ctx = &r, .on_progress = on_progress};
    assert_int_equal(rlc_runner_train(&rlc_agent_trpo, agent, rlc_env_find(env_id), 3, 1, &rc, &cb),
                     RLC_OK);
    assert_int_equal(r.rows, updates);
    assert_int_equal(r.bad, 0);
    assert_true(r.max_kl > 0.001); /* steps were taken, and near the limit */
    rlc_agent_trpo.free(agent);
}

static void test_updates_respect_kl(void **s)
{
    (void)s;
    run_updates("CartPole-v1", 256, 20);
    run_updates("Pendulum-v1", 256, 10);
}

/* sub_sampling_factor k: the policy step is the full step on the rollout's
 * rows the agent draws, ⌈rows / k⌉ of them (the first of a shuffle by its
 * sample stream), with advantages normalised over them. An agent with
 * k = 4 on a 16-row rollout ends with π bit-identical to an agent with
 * k = 1 given those 4 rows alone, and not to one given all 16. */
static void *sub_agent(size_t n_steps, size_t k)
{
    rlc_trpo_config c;
    rlc_trpo_config_default(&c);
    c.n_steps = n_steps;
    c.batch_size = n_steps;
    c.sub_sampling_factor = k;
    c.policy.net_arch[0] = 5;
    c.policy.net_arch[1] = 4;
    c.target_kl = 0.05;
    void *agent;
    assert_int_equal(rlc_agent_trpo.create(&agent, &c, rlc_env_find("CartPole-v1"), 3), RLC_OK);
    return agent;
}

static const gsl_vector *sub_update(void *agent, const double *obs, const double *act,
                                    const double *lp, const double *adv, const size_t *rows,
                                    size_t n)
{
    rlc_rollout *ro;
    assert_int_equal(rlc_rollout_create(&ro, n, 1, 4, 1), RLC_OK);
    const double zero = 0.0;
    const bool no = false;
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        assert_int_equal(rlc_rollout_add(ro, obs + 4 * r, act + r, lp + r, &zero, &zero, &no, &no,
                                         NULL, NULL),
                         RLC_OK);
        ro->advantages[i] = ro->returns[i] = adv[r];
    }
    rlc_train_stats st;
    rlc_train_stats_init(&st);
    assert_int_equal(rlc_agent_trpo.update(agent, ro, 0.0, &st), RLC_OK);
    assert_true(rlc_train_stats_get(&rlc_agent_trpo, &st, "kl_divergence") > 0.0); /* a step */
    rlc_rollout_free(ro);
    return &((rlc_policy_trainer *)agent)->policy->pi.vector;
}

static void test_sub_sampling(void **s)
{
    (void)s;
    enum { N = 16, K = 4, M = N / K };
    double obs[N * 4], act[N], lp[N], adv[N];
    size_t all[N], drawn[N];
    gsl_rng *rng = rlc_rng_create(11, RLC_RNG_INIT);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < 4; j++)
            obs[4 * i + j] = 2.0 * gsl_rng_uniform(rng) - 1.0;
        act[i] = (double)(i % 2);
        lp[i] = log(0.5);
        adv[i] = gsl_rng_uniform(rng) - 0.3;
        all[i] = drawn[i] = i;
    }
    gsl_rng_free(rng);
    rng = rlc_rng_create(3, RLC_RNG_SAMPLE); /* the agent's sample stream, seed 3 */
    gsl_ran_shuffle(rng, drawn, N, sizeof *drawn);
    gsl_rng_free(rng);

    void *sub = sub_agent(N, K), *few = sub_agent(M, 1), *full = sub_agent(N, 1);
    const gsl_vector *a = sub_update(sub, obs, act, lp, adv, all, N);
    const gsl_vector *b = sub_update(few, obs, act, lp, adv, drawn, M);
    const gsl_vector *c = sub_update(full, obs, act, lp, adv, all, N);
    assert_int_equal(a->size, b->size);
    assert_memory_equal(a->data, b->data, a->size * sizeof(double));
    assert_memory_not_equal(a->data, c->data, a->size * sizeof(double));
    rlc_agent_trpo.free(sub);
    rlc_agent_trpo.free(few);
    rlc_agent_trpo.free(full);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_scale),
        cmocka_unit_test(test_line_search_acceptance),
        cmocka_unit_test(test_fisher_categorical_vs_hessian),
        cmocka_unit_test(test_fisher_gaussian_vs_hessian),
        cmocka_unit_test(test_fisher_analytic_metrics),
        cmocka_unit_test(test_updates_respect_kl),
        cmocka_unit_test(test_sub_sampling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
