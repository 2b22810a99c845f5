/* test_rollout.c — the on-policy rollout buffer: GAE against hand-computed cases
 * (truncation bootstraps from the final observation; termination
 * cuts δ and the λ-accumulator), episodes ending on the rollout's last step,
 * the step-major multi-env layout, minibatch gathering, errors, and
 * per-minibatch advantage normalisation (sample std, and a single value). */
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "rlc/rollout.h"
#include "test_util.h"

#define GAMMA 0.99
#define LAMBDA 0.95

/* Fills a 1-env, obs_dim 1, act_dim 1 buffer with T steps: obs = t,
 * action = 10 + t, log_prob = −t. tv may be NULL. */
static void fill_1env(rlc_rollout *r, size_t T, const double *rew, const double *val,
                      const bool *term, const bool *trunc, const double *tv)
{
    for (size_t t = 0; t < T; t++) {
        double o = (double)t, a = 10.0 + (double)t, lp = -(double)t, fo = o + 0.5;
        assert_int_equal(rlc_rollout_add(r, &o, &a, &lp, &val[t], &rew[t], &term[t], &trunc[t],
                                         tv ? &fo : NULL, tv ? &tv[t] : NULL),
                         RLC_OK);
    }
    assert_int_equal(r->pos, T);
}

/* Truncation: episode 1 = steps 0–2, truncated after step 2 with V(final obs)
 * = 2.0 (≠ V(s_3) = 0.8, the reset observation); episode 2 = steps 3–5, the
 * rollout ends not done with V(s_6) = 1.5. */
/* With λ = 0 and per-step values q(s, a) (QAC's critic), GAE's returns are
 * the Sarsa targets r + γ(1 − terminated)·q(s', a'): q' of the next row
 * inside an episode, the bootstrap value at a truncation, the last value at
 * the rollout's end, nothing after a termination. γ = 0.9; rows: q = [1, 2,
 * 3, 4, 5], r = [1, 1, 1, 1, 1], truncated at row 1 (q(final, a') = 10),
 * terminated at row 3, last q' = 7 → [1 + 0.9·2, 1 + 0.9·10, 1 + 0.9·4, 1,
 * 1 + 0.9·7] = [2.8, 10, 4.6, 1, 7.3]. */
static void test_lambda_zero_is_sarsa_target(void **s)
{
    (void)s;
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, 5, 1, 1, 1), RLC_OK);
    const double rew[5] = {1, 1, 1, 1, 1}, q[5] = {1, 2, 3, 4, 5}, tv[5] = {0, 10, 0, 0, 0};
    const bool term[5] = {false, false, false, true, false}, trunc[5] = {false, true, false, false, false};
    fill_1env(r, 5, rew, q, term, trunc, tv);
    const double last = 7.0;
    rlc_rollout_compute_gae(r, &last, 0.9, 0.0);
    const double want[5] = {2.8, 10.0, 4.6, 1.0, 7.3};
    for (size_t t = 0; t < 5; t++) {
        assert_near(r->returns[t], want[t], 1e-14);
        assert_near(r->advantages[t], want[t] - q[t], 1e-14); /* the TD error */
    }
    rlc_rollout_free(r);
}

static void test_truncation_bootstrap(void **s)
{
    (void)s;
    const double rew[6] = {1, 1, 1, 1, 1, 1};
    const double val[6] = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    const bool term[6] = {0};
    const bool trunc[6] = {false, false, true, false, false, false};
    const double tv[6] = {0, 0, 2.0, 0, 0, 0};
    const double last = 1.5;
    const double exp_adv[6] = {4.1387183, 3.23734, 2.28, 3.4296873, 2.4866425, 1.485};
    const double exp_ret[6] = {4.6387183, 3.83734, 2.98, 4.2296873, 3.3866425, 2.485};
    /* the three wrong answers (truncation as terminal, the reset observation
     * as next, no episode boundary), steps 0..2 */
    const double wrong[3][3] = {
        {2.3873286, 1.37515, 0.3},          /* truncation treated as termination */
        {5.9410760, 5.1537224, 4.3176209},  /* no boundary: V(reset obs), keeps accumulating */
        {3.0003150, 2.0269165, 0.993},      /* bootstrapped from V(s_2) */
    };
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, 6, 1, 1, 1), RLC_OK);
    fill_1env(r, 6, rew, val, term, trunc, tv);
    rlc_rollout_compute_gae(r, &last, GAMMA, LAMBDA);
    for (size_t t = 0; t < 6; t++) {
        assert_near(r->advantages[t], exp_adv[t], 1e-7);
        assert_near(r->returns[t], exp_ret[t], 1e-7);
    }
    for (size_t w = 0; w < 3; w++)
        for (size_t t = 0; t < 3; t++)
            assert_true(fabs(r->advantages[t] - wrong[w][t]) > 1e-3);
    rlc_rollout_free(r);
}

/* Termination: terminated at step 2 (episode A = steps 0–2), episode B = steps
 * 3–4 still running; V = 2 everywhere including V(s_5). */
static void run_termination(double r3, double r4, double v5, double adv[5], double ret[5])
{
    const double rew[5] = {1, 1, 1, r3, r4};
    const double val[5] = {2, 2, 2, 2, 2};
    const bool term[5] = {false, false, true, false, false};
    const bool trunc[5] = {0};
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, 5, 1, 1, 1), RLC_OK);
    fill_1env(r, 5, rew, val, term, trunc, NULL);
    rlc_rollout_compute_gae(r, &v5, GAMMA, LAMBDA);
    memcpy(adv, r->advantages, 5 * sizeof(double));
    memcpy(ret, r->returns, 5 * sizeof(double));
    rlc_rollout_free(r);
}

static void test_termination_cut(void **s)
{
    (void)s;
    const double exp_adv[5] = {1.01714975, 0.0395, -1.0, 1.90169, 0.98};
    const double exp_ret[5] = {3.01714975, 2.0395, 1.0, 3.90169, 2.98};
    double adv[5], ret[5];
    run_termination(1.0, 1.0, 2.0, adv, ret);
    for (size_t t = 0; t < 5; t++) {
        assert_near(adv[t], exp_adv[t], 1e-7);
        assert_near(ret[t], exp_ret[t], 1e-7);
    }
    assert_true(adv[2] == -1.0); /* r − V exactly (the bug gives 0.98) */
    assert_true(ret[2] == 1.0);

    /* Episode B must not leak into episode A: change r[3], r[4], V(s_5). */
    const double variants[3][3] = {{7.0, 1.0, 2.0}, {1.0, -3.0, 2.0}, {1.0, 1.0, 1e6}};
    for (size_t k = 0; k < 3; k++) {
        double adv2[5], ret2[5];
        run_termination(variants[k][0], variants[k][1], variants[k][2], adv2, ret2);
        assert_true(adv2[2] == -1.0);
        assert_true(adv2[0] == adv[0] && adv2[1] == adv[1]);
        assert_true(adv2[3] != adv[3] || adv2[4] != adv[4]); /* the variant did act */
    }
}

/* Terminated on the rollout's last step: no bootstrap from last_values (a NaN
 * there must not even be read). Hand values: A2 = 2 − 0.6 = 1.4;
 * δ1 = −1 + 0.99·0.6 − 0.4 = −0.806, A1 = −0.806 + 0.9405·1.4 = 0.5107;
 * δ0 = 0.5 + 0.99·0.4 − 0.3 = 0.596, A0 = 0.596 + 0.9405·0.5107 = 1.07631335. */
static void test_terminated_on_last_step(void **s)
{
    (void)s;
    const double rew[3] = {0.5, -1.0, 2.0}, val[3] = {0.3, 0.4, 0.6};
    const bool term[3] = {false, false, true}, trunc[3] = {0};
    const double exp_adv[3] = {1.07631335, 0.5107, 1.4};
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, 3, 1, 1, 1), RLC_OK);
    fill_1env(r, 3, rew, val, term, trunc, NULL);
    const double last = NAN;
    rlc_rollout_compute_gae(r, &last, GAMMA, LAMBDA);
    for (size_t t = 0; t < 3; t++) {
        assert_near(r->advantages[t], exp_adv[t], 1e-12);
        assert_near(r->returns[t], exp_adv[t] + val[t], 1e-12);
    }
    assert_true(r->advantages[2] == 2.0 - 0.6);

    /* terminated and truncated at once counts as terminated: still no bootstrap */
    rlc_rollout_reset(r);
    const bool both[3] = {false, false, true};
    fill_1env(r, 3, rew, val, term, both, NULL); /* truncation_values NULL is allowed */
    rlc_rollout_compute_gae(r, &last, GAMMA, LAMBDA);
    for (size_t t = 0; t < 3; t++)
        assert_near(r->advantages[t], exp_adv[t], 1e-12);
    rlc_rollout_free(r);
}

/* Truncated on the last step: bootstraps from the final observation's value
 * (3.0), not from last_values (100.0, the next episode's reset observation).
 * A2 = 2 + 0.99·3 − 0.6 = 4.37, A1 = −0.806 + 0.9405·4.37 = 3.303985,
 * A0 = 0.596 + 0.9405·3.303985 = 3.7033978925. Using last_values would give
 * [88.6457981, 93.6202, 100.4]. */
static void test_truncated_on_last_step(void **s)
{
    (void)s;
    const double rew[3] = {0.5, -1.0, 2.0}, val[3] = {0.3, 0.4, 0.6};
    const bool term[3] = {0}, trunc[3] = {false, false, true};
    const double tv[3] = {-50.0, -50.0, 3.0}; /* only tv[2] may be read */
    const double exp_adv[3] = {3.7033978925, 3.303985, 4.37};
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, 3, 1, 1, 1), RLC_OK);
    fill_1env(r, 3, rew, val, term, trunc, tv);
    assert_true(r->truncation_values[0] == 0.0 && r->truncation_values[1] == 0.0);
    assert_true(r->truncation_values[2] == 3.0);
    const double last = 100.0;
    rlc_rollout_compute_gae(r, &last, GAMMA, LAMBDA);
    for (size_t t = 0; t < 3; t++) {
        assert_near(r->advantages[t], exp_adv[t], 1e-12);
        assert_near(r->returns[t], exp_adv[t] + val[t], 1e-12);
    }

    /* the same rollout not done at its end does bootstrap from last_values */
    rlc_rollout_reset(r);
    const bool none[3] = {0};
    fill_1env(r, 3, rew, val, term, none, NULL);
    rlc_rollout_compute_gae(r, &last, GAMMA, LAMBDA);
    const double exp_open[3] = {88.6457981, 93.6202, 100.4};
    for (size_t t = 0; t < 3; t++)
        assert_near(r->advantages[t], exp_open[t], 1e-9);
    rlc_rollout_free(r);
}

/* Two envs interleaved (row t*2 + e): env 0 is the truncation case above, env 1 has a termination
 * at step 1 and a truncation at step 4. Each env's advantages equal those of
 * a 1-env buffer holding it alone, bitwise. */
static void test_two_envs_step_major(void **s)
{
    (void)s;
    enum { T = 6, N = 2 };
    const double rew[N][T] = {{1, 1, 1, 1, 1, 1}, {0.5, -1, 2, 0.25, 1.5, -0.5}};
    const double val[N][T] = {{0.5, 0.6, 0.7, 0.8, 0.9, 1.0}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}};
    const bool term[N][T] = {{0}, {false, true, false, false, false, false}};
    const bool trunc[N][T] = {{false, false, true, false, false, false},
                              {false, false, false, false, true, false}};
    const double tv[N][T] = {{0, 0, 2.0, 0, 0, 0}, {0, 0, 0, 0, 0.75, 0}};
    const double last[N] = {1.5, 0.9};
    /* env 1 by hand (same recursion): */
    const double exp1[T] = {-0.5306, -1.2, 3.961783885625, 1.98382125, 1.7425, -0.209};

    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, T, N, 1, 1), RLC_OK);
    for (size_t t = 0; t < T; t++) {
        double o[N], a[N], lp[N], v[N], rw[N], tvs[N];
        bool te[N], tr[N];
        for (size_t e = 0; e < N; e++) {
            o[e] = 100.0 * (double)e + (double)t;
            a[e] = 10.0 + (double)t + 100.0 * (double)e;
            lp[e] = -(double)t - 0.5 * (double)e;
            v[e] = val[e][t];
            rw[e] = rew[e][t];
            te[e] = term[e][t];
            tr[e] = trunc[e][t];
            tvs[e] = tv[e][t];
        }
        assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, te, tr, o, tvs), RLC_OK);
    }
    assert_int_equal(rlc_rollout_rows(r), T * N);
    /* step-major layout */
    for (size_t t = 0; t < T; t++)
        for (size_t e = 0; e < N; e++) {
            size_t i = t * N + e;
            assert_true(r->obs[i] == 100.0 * (double)e + (double)t);
            assert_true(r->values[i] == val[e][t]);
            assert_true(r->rewards[i] == rew[e][t]);
            assert_true(r->terminated[i] == term[e][t]);
            assert_true(r->truncated[i] == trunc[e][t]);
        }
    rlc_rollout_compute_gae(r, last, GAMMA, LAMBDA);

    for (size_t e = 0; e < N; e++) {
        rlc_rollout *one;
        assert_int_equal(rlc_rollout_create(&one, T, 1, 1, 1), RLC_OK);
        fill_1env(one, T, rew[e], val[e], term[e], trunc[e], tv[e]);
        rlc_rollout_compute_gae(one, &last[e], GAMMA, LAMBDA);
        for (size_t t = 0; t < T; t++) {
            assert_true(r->advantages[t * N + e] == one->advantages[t]);
            assert_true(r->returns[t * N + e] == one->returns[t]);
        }
        rlc_rollout_free(one);
    }
    assert_near(r->advantages[0], 4.1387183, 1e-7); /* env 0 is still the truncation case */
    assert_near(r->advantages[2 * N], 2.28, 1e-12);
    for (size_t t = 0; t < T; t++)
        assert_near(r->advantages[t * N + 1], exp1[t], 1e-12);
    rlc_rollout_free(r);
}

/* gather copies whole rows in index order, to row-major outputs; NULL
 * outputs are skipped. obs_dim 3, act_dim 2, 2 envs × 3 steps. */
static void test_gather(void **s)
{
    (void)s;
    enum { T = 3, N = 2, OD = 3, AD = 2 };
    rlc_rollout *r;
    assert_int_equal(rlc_rollout_create(&r, T, N, OD, AD), RLC_OK);
    for (size_t t = 0; t < T; t++) {
        double o[N * OD], a[N * AD], lp[N], v[N], rw[N];
        bool te[N] = {0}, tr[N] = {0};
        for (size_t e = 0; e < N; e++) {
            double i = (double)(t * N + e);
            for (size_t j = 0; j < OD; j++)
                o[e * OD + j] = 100.0 * i + (double)j + 0.25;
            for (size_t j = 0; j < AD; j++)
                a[e * AD + j] = -10.0 * i - (double)j - 0.5;
            lp[e] = -0.125 * i;
            v[e] = 0.5 * i;
            rw[e] = 1.0 + i;
        }
        assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, te, tr, NULL, NULL), RLC_OK);
    }
    const double last[N] = {0.25, -0.75};
    rlc_rollout_compute_gae(r, last, GAMMA, LAMBDA);

    const size_t idx[4] = {5, 0, 3, 3};
    double obs[4 * OD], act[4 * AD], lp[4], adv[4], ret[4], val[4];
    rlc_rollout_gather(r, idx, 4, obs, act, lp, adv, ret, val);
    for (size_t k = 0; k < 4; k++) {
        double i = (double)idx[k];
        for (size_t j = 0; j < OD; j++)
            assert_true(obs[k * OD + j] == 100.0 * i + (double)j + 0.25);
        for (size_t j = 0; j < AD; j++)
            assert_true(act[k * AD + j] == -10.0 * i - (double)j - 0.5);
        assert_true(lp[k] == -0.125 * i);
        assert_true(val[k] == 0.5 * i);
        assert_true(adv[k] == r->advantages[idx[k]]);
        assert_true(ret[k] == r->returns[idx[k]]);
        assert_true(ret[k] == adv[k] + val[k]);
    }
    /* row 5 = step 2, env 1, the rollout's last step: A = r + γ·last − V */
    assert_near(adv[0], 6.0 + GAMMA * -0.75 - 2.5, 1e-12);

    /* only some outputs: the others stay untouched */
    double adv2[2] = {-7, -7}, obs2[2 * OD];
    memset(obs2, 0, sizeof obs2);
    const size_t idx2[2] = {1, 4};
    rlc_rollout_gather(r, idx2, 2, NULL, NULL, NULL, adv2, NULL, NULL);
    assert_true(adv2[0] == r->advantages[1] && adv2[1] == r->advantages[4]);
    for (size_t j = 0; j < 2 * OD; j++)
        assert_true(obs2[j] == 0.0);
    rlc_rollout_gather(r, idx2, 2, obs2, NULL, NULL, NULL, NULL, NULL);
    assert_true(obs2[0] == 100.25 && obs2[OD + 2] == 402.25);
    rlc_rollout_free(r);
}

/* Full buffer → RLC_EINVAL and nothing written; a missing truncation value →
 * RLC_EINVAL; reset reuses the storage; create's argument checks. */
static void test_errors_and_reset(void **s)
{
    (void)s;
    rlc_rollout *r = NULL;
    assert_int_equal(rlc_rollout_create(&r, 0, 1, 1, 1), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_rollout_create(&r, 2, 0, 1, 1), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_rollout_create(&r, 2, 1, 0, 1), RLC_EINVAL);
    assert_int_equal(rlc_rollout_create(&r, 2, 1, 1, 0), RLC_EINVAL);
    assert_int_equal(rlc_rollout_create(&r, SIZE_MAX / 2, 4, 1, 1), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_rollout_create(NULL, 2, 1, 1, 1), RLC_EINVAL);

    assert_int_equal(rlc_rollout_create(&r, 2, 2, 1, 1), RLC_OK);
    double o[2] = {1, 2}, a[2] = {0, 1}, lp[2] = {-1, -2}, v[2] = {0.5, 0.5}, rw[2] = {1, 1};
    bool no[2] = {false, false}, tr[2] = {false, true}, te[2] = {false, false};
    const double tvs[2] = {0, 4.5}, fo[2] = {7, 8};
    /* env 1 truncated, not terminated, and no truncation values or final observations */
    assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, te, tr, NULL, NULL), RLC_EINVAL);
    assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, te, tr, fo, NULL), RLC_EINVAL);
    assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, te, tr, NULL, tvs), RLC_EINVAL);
    assert_int_equal(r->pos, 0);
    assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, no, no, NULL, NULL), RLC_OK);
    assert_int_equal(rlc_rollout_add(r, o, a, lp, v, rw, no, no, NULL, NULL), RLC_OK);
    assert_int_equal(r->pos, 2);
    assert_int_equal(rlc_rollout_rows(r), 4);
    double o9[2] = {9, 9};
    assert_int_equal(rlc_rollout_add(r, o9, a, lp, v, rw, no, no, NULL, NULL), RLC_EINVAL);
    assert_int_equal(r->pos, 2);
    for (size_t i = 0; i < 4; i++)
        assert_true(r->obs[i] == (double)(i % 2 + 1)); /* nothing overwritten */

    rlc_rollout_reset(r);
    assert_int_equal(r->pos, 0);
    assert_int_equal(rlc_rollout_rows(r), 0);
    assert_int_equal(rlc_rollout_add(r, o9, a, lp, v, rw, te, tr, fo, tvs), RLC_OK);
    assert_true(r->obs[0] == 9.0 && r->obs[1] == 9.0);
    assert_true(r->truncation_values[1] == 4.5 && r->truncation_values[0] == 0.0);
    /* the truncated env's final observation is kept for its bootstrap; none for the other */
    assert_true(r->final_obs[1] == 8.0 && r->final_obs[0] == 0.0);
    rlc_rollout_free(r);
    rlc_rollout_free(NULL);
}

/* Advantage normalisation by hand: ddof = 1 → [1.0954451, −1.0954451, 0.5477226, −0.5477226]
 * (ddof 0 would give ±1.2649111, ±0.6324555). */
static void test_normalize_advantages_ddof1(void **s)
{
    (void)s;
    double a[4] = {3, -1, 2, 0};
    const double expect[4] = {1.0954451, -1.0954451, 0.5477226, -0.5477226};
    rlc_normalize_advantages(a, 4);
    for (size_t i = 0; i < 4; i++)
        assert_near(a[i], expect[i], 1e-7);
    assert_true(fabs(a[0] - 1.2649111) > 1e-3);
    /* exact: mean 1, sample std sqrt(10/3) */
    assert_near(a[0], 2.0 / (sqrt(10.0 / 3.0) + 1e-8), 1e-15);
}

/* One value stays as it was, finite; zero values: no-op. */
static void test_normalize_single_element(void **s)
{
    (void)s;
    double a[1] = {5.0};
    rlc_normalize_advantages(a, 1);
    assert_true(a[0] == 5.0);
    assert_true(isfinite(a[0]));
    double b[1] = {-3.0};
    rlc_normalize_advantages(b, 0);
    assert_true(b[0] == -3.0);
    /* equal values: std 0, divided by 1e-8 only, all 0 and finite */
    double c[3] = {2, 2, 2};
    rlc_normalize_advantages(c, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(c[i] == 0.0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncation_bootstrap),
        cmocka_unit_test(test_lambda_zero_is_sarsa_target),
        cmocka_unit_test(test_termination_cut),
        cmocka_unit_test(test_terminated_on_last_step),
        cmocka_unit_test(test_truncated_on_last_step),
        cmocka_unit_test(test_two_envs_step_major),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_errors_and_reset),
        cmocka_unit_test(test_normalize_advantages_ddof1),
        cmocka_unit_test(test_normalize_single_element),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
