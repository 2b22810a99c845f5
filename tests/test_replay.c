/* test_replay.c — the replay ring: wrap-around and uniform sampling over
 * exactly the transitions held (a ring that wrapped), terminated vs truncated,
 * multi-dimensional rows copied whole, and errors. */
#include <gsl/gsl_errno.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "rlc/replay.h"
#include "test_util.h"

static gsl_rng *make_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* A ring that wrapped: capacity 4; insert i = 0..5 with obs = 10i, action = i,
 * reward = i, next_obs = 10i + 1 (≠ obs of i+1), not done. */
static void fill_ring(rlc_replay *r)
{
    for (int i = 0; i < 6; i++) {
        double o = 10.0 * i, a = i, no = 10.0 * i + 1;
        rlc_replay_add(r, &o, &a, (double)i, &no, false, false);
    }
}

static void check_ring_batch(const rlc_replay_batch *b, size_t rows, long count[6])
{
    for (size_t k = 0; k < rows; k++) {
        double o = gsl_matrix_get(b->obs, k, 0);
        double no = gsl_matrix_get(b->next_obs, k, 0);
        double a = gsl_matrix_get(b->actions, k, 0);
        double rw = gsl_matrix_get(b->rewards, k, 0);
        double d = gsl_matrix_get(b->terminated, k, 0);
        long i = lround(o / 10.0);
        assert_true(o == 10.0 * (double)i); /* an inserted obs exactly */
        assert_in_range(i, 2, 5);           /* only the four most recent */
        assert_true(no == o + 1.0);         /* its own next_obs, not a neighbour's */
        assert_true(a == o / 10.0);
        assert_true(rw == o / 10.0);
        assert_true(d == 0.0);
        count[i]++;
    }
}

static void test_ring_one_batch(void **s)
{
    (void)s;
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, 4, 1, 1), RLC_OK);
    fill_ring(r);
    assert_int_equal(r->size, 4);
    assert_int_equal(r->capacity, 4);
    assert_int_equal(r->pos, 2); /* 6 mod 4 */
    /* ring contents: slots 0, 1 overwritten by i = 4, 5; slots 2, 3 hold i = 2, 3 */
    const double slot_obs[4] = {40, 50, 20, 30};
    for (size_t k = 0; k < 4; k++) {
        assert_true(r->obs[k] == slot_obs[k]);
        assert_true(r->next_obs[k] == slot_obs[k] + 1);
        assert_true(r->actions[k] == slot_obs[k] / 10);
        assert_true(r->rewards[k] == slot_obs[k] / 10);
    }

    gsl_rng *rng = make_rng(12345);
    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 40000, 1, 1), RLC_OK);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
    long count[6] = {0};
    check_ring_batch(&b, 40000, count);
    assert_int_equal(count[0], 0);
    assert_int_equal(count[1], 0);
    for (int i = 2; i < 6; i++)
        assert_in_range(count[i], 10000 - 400, 10000 + 400);
    rlc_replay_batch_free(&b);
    assert_null(b.obs); /* free zeroes the struct */
    gsl_rng_free(rng);
    rlc_replay_free(r);
}

/* Same, as 625 minibatches of 64 from one stream. */
static void test_ring_repeated_batches(void **s)
{
    (void)s;
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, 4, 1, 1), RLC_OK);
    fill_ring(r);
    gsl_rng *rng = make_rng(7);
    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 64, 1, 1), RLC_OK);
    long count[6] = {0};
    for (int k = 0; k < 625; k++) {
        assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
        check_ring_batch(&b, 64, count);
    }
    for (int i = 2; i < 6; i++)
        assert_in_range(count[i], 10000 - 400, 10000 + 400);
    rlc_replay_batch_free(&b);
    gsl_rng_free(rng);
    rlc_replay_free(r);
}

/* Before it fills, sampling draws only from the slots written. */
static void test_partial_fill(void **s)
{
    (void)s;
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, 100, 1, 1), RLC_OK);
    for (int i = 0; i < 3; i++) {
        double o = 10.0 * i, a = i, no = 10.0 * i + 1;
        rlc_replay_add(r, &o, &a, (double)i, &no, false, false);
    }
    assert_int_equal(r->size, 3);
    assert_int_equal(r->pos, 3);
    gsl_rng *rng = make_rng(3);
    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 3000, 1, 1), RLC_OK);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
    long count[3] = {0};
    for (size_t k = 0; k < 3000; k++) {
        double o = gsl_matrix_get(b.obs, k, 0);
        long i = lround(o / 10.0);
        assert_in_range(i, 0, 2);
        assert_true(gsl_matrix_get(b.next_obs, k, 0) == o + 1.0);
        count[i]++;
    }
    for (int i = 0; i < 3; i++)
        assert_in_range(count[i], 1000 - 150, 1000 + 150);
    rlc_replay_batch_free(&b);
    gsl_rng_free(rng);
    rlc_replay_free(r);
}

/* terminated and truncated are stored separately; only terminated reaches
 * the batch (a truncated transition still bootstraps). */
static void test_terminated_truncated(void **s)
{
    (void)s;
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, 3, 1, 1), RLC_OK);
    double o = 1, a = 0.5, no = 2;
    rlc_replay_add(r, &o, &a, -1.0, &no, false, true); /* truncated only */
    assert_true(r->terminated[0] == 0);
    assert_true(r->truncated[0] == 1);

    gsl_rng *rng = make_rng(99);
    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 50, 1, 1), RLC_OK);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
    for (size_t k = 0; k < 50; k++) {
        assert_true(gsl_matrix_get(b.terminated, k, 0) == 0.0);
        assert_true(gsl_matrix_get(b.next_obs, k, 0) == 2.0); /* the final observation */
        assert_true(gsl_matrix_get(b.rewards, k, 0) == -1.0);
    }

    o = 3;
    no = 4;
    rlc_replay_add(r, &o, &a, -2.0, &no, true, false); /* terminated only */
    o = 5;
    no = 6;
    rlc_replay_add(r, &o, &a, -3.0, &no, true, true); /* both */
    assert_true(r->terminated[1] == 1 && r->truncated[1] == 0);
    assert_true(r->terminated[2] == 1 && r->truncated[2] == 1);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
    int seen[3] = {0};
    for (size_t k = 0; k < 50; k++) {
        double ob = gsl_matrix_get(b.obs, k, 0), d = gsl_matrix_get(b.terminated, k, 0);
        if (ob == 1.0) {
            assert_true(d == 0.0);
            seen[0] = 1;
        } else if (ob == 3.0) {
            assert_true(d == 1.0);
            seen[1] = 1;
        } else {
            assert_true(ob == 5.0);
            assert_true(d == 1.0);
            seen[2] = 1;
        }
    }
    assert_true(seen[0] && seen[1] && seen[2]);

    /* overwriting a slot overwrites its flags too */
    o = 7;
    no = 8;
    rlc_replay_add(r, &o, &a, 0.0, &no, false, false); /* slot 0 */
    assert_true(r->terminated[0] == 0 && r->truncated[0] == 0);
    o = 9;
    rlc_replay_add(r, &o, &a, 0.0, &no, false, false); /* slot 1 */
    assert_true(r->terminated[1] == 0 && r->truncated[1] == 0);
    rlc_replay_batch_free(&b);
    gsl_rng_free(rng);
    rlc_replay_free(r);
}

/* obs_dim 3, act_dim 2: every sampled row is one stored transition, whole. */
static void test_multidim(void **s)
{
    (void)s;
    enum { OD = 3, AD = 2, CAP = 5, ADDS = 7 };
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, CAP, OD, AD), RLC_OK);
    double obs[ADDS][OD], nobs[ADDS][OD], act[ADDS][AD];
    for (int t = 0; t < ADDS; t++) {
        for (int j = 0; j < OD; j++) {
            obs[t][j] = 100.0 * t + j + 0.25;
            nobs[t][j] = -100.0 * t - j - 0.5;
        }
        for (int j = 0; j < AD; j++)
            act[t][j] = 1000.0 * t + 10.0 * j + 0.125;
        rlc_replay_add(r, obs[t], act[t], 0.5 * t, nobs[t], t % 3 == 0, t % 2 == 0);
    }
    assert_int_equal(r->size, CAP);
    assert_int_equal(r->pos, ADDS % CAP);
    gsl_rng *rng = make_rng(2024);
    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 500, OD, AD), RLC_OK);
    assert_int_equal(b.obs->size1, 500);
    assert_int_equal(b.obs->size2, OD);
    assert_int_equal(b.next_obs->size2, OD);
    assert_int_equal(b.actions->size2, AD);
    assert_int_equal(b.rewards->size2, 1);
    assert_int_equal(b.terminated->size2, 1);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_OK);
    int seen[ADDS] = {0};
    for (size_t k = 0; k < 500; k++) {
        int t = (int)lround((gsl_matrix_get(b.obs, k, 0) - 0.25) / 100.0);
        assert_in_range(t, ADDS - CAP, ADDS - 1); /* transitions 2..6 remain */
        seen[t] = 1;
        for (int j = 0; j < OD; j++) {
            assert_true(gsl_matrix_get(b.obs, k, j) == obs[t][j]);
            assert_true(gsl_matrix_get(b.next_obs, k, j) == nobs[t][j]);
        }
        for (int j = 0; j < AD; j++)
            assert_true(gsl_matrix_get(b.actions, k, j) == act[t][j]);
        assert_true(gsl_matrix_get(b.rewards, k, 0) == 0.5 * t);
        assert_true(gsl_matrix_get(b.terminated, k, 0) == (t % 3 == 0 ? 1.0 : 0.0));
    }
    for (int t = ADDS - CAP; t < ADDS; t++)
        assert_true(seen[t]);
    /* the caller's arrays were copied, not borrowed */
    obs[6][1] = -1.0;
    assert_true(r->obs[(6 % CAP) * OD + 1] == 601.25);
    rlc_replay_batch_free(&b);
    gsl_rng_free(rng);
    rlc_replay_free(r);
}

/* Same seed → same minibatch. */
static void test_deterministic(void **s)
{
    (void)s;
    rlc_replay *r;
    assert_int_equal(rlc_replay_create(&r, 4, 1, 1), RLC_OK);
    fill_ring(r);
    gsl_rng *r1 = make_rng(5), *r2 = make_rng(5);
    rlc_replay_batch b1, b2;
    assert_int_equal(rlc_replay_batch_create(&b1, 32, 1, 1), RLC_OK);
    assert_int_equal(rlc_replay_batch_create(&b2, 32, 1, 1), RLC_OK);
    assert_int_equal(rlc_replay_sample(r, r1, &b1), RLC_OK);
    assert_int_equal(rlc_replay_sample(r, r2, &b2), RLC_OK);
    assert_memory_equal(b1.obs->data, b2.obs->data, 32 * sizeof(double));
    rlc_replay_batch_free(&b1);
    rlc_replay_batch_free(&b2);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    rlc_replay_free(r);
}

static void test_errors(void **s)
{
    (void)s;
    rlc_replay *r = NULL;
    assert_int_equal(rlc_replay_create(&r, 0, 1, 1), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_replay_create(&r, 4, 0, 1), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_replay_create(&r, 4, 1, 0), RLC_EINVAL);
    assert_null(r);
    assert_int_equal(rlc_replay_create(NULL, 4, 1, 1), RLC_EINVAL);

    rlc_replay_batch b;
    assert_int_equal(rlc_replay_batch_create(&b, 0, 1, 1), RLC_EINVAL);
    assert_null(b.obs);
    assert_int_equal(rlc_replay_batch_create(&b, 8, 0, 1), RLC_EINVAL);
    assert_int_equal(rlc_replay_batch_create(&b, 8, 1, 0), RLC_EINVAL);

    /* sampling an empty buffer */
    assert_int_equal(rlc_replay_create(&r, 4, 2, 1), RLC_OK);
    assert_int_equal(r->size, 0);
    assert_int_equal(rlc_replay_batch_create(&b, 8, 2, 1), RLC_OK);
    gsl_rng *rng = make_rng(1);
    assert_int_equal(rlc_replay_sample(r, rng, &b), RLC_EINVAL);
    rlc_replay_batch_free(&b);
    rlc_replay_batch_free(&b); /* second free of a zeroed struct is a no-op */
    rlc_replay_batch_free(NULL);
    gsl_rng_free(rng);
    rlc_replay_free(r);
    rlc_replay_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_one_batch),        cmocka_unit_test(test_ring_repeated_batches),
        cmocka_unit_test(test_partial_fill),         cmocka_unit_test(test_terminated_truncated),
        cmocka_unit_test(test_multidim),             cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
