/* test_vec_env.c — cmocka tests for envs/vec_env.c: every copy of a vector
 * env equals a single rlc_env on its own indexed generator, bit for bit,
 * through automatic resets; final_obs and episode bookkeeping at TimeLimit
 * truncation (Pendulum-v1) and termination (CartPole-v1); seeding; create
 * errors; no allocation in reset/step. Deliberately not here: the dynamics
 * themselves (tests/test_env.c replays Gymnasium's traces). */
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "rlc/env.h"
#include "rlc/rng.h"
#include "rlc/vec_env.h"

/* --- counting allocator: the test executable's malloc family wraps glibc's
 * and counts calls while `counting` is set, so a test can prove reset/step
 * allocate nothing and make the k-th allocation of create fail. Not under
 * AddressSanitizer, which owns malloc. --- */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static size_t n_allocs, fail_at; /* fail_at > 0: that counted call returns NULL */
static bool counting;

static bool count(void)
{
    if (!counting)
        return true;
    n_allocs++;
    return n_allocs != fail_at;
}
void *malloc(size_t n) { return count() ? __libc_malloc(n) : NULL; }
void *calloc(size_t k, size_t n) { return count() ? __libc_calloc(k, n) : NULL; }
void *realloc(void *p, size_t n) { return count() ? __libc_realloc(p, n) : NULL; }
#endif

/* Whether the wrappers above see allocations. Plain valgrind replaces the
 * executable's malloc too; run it with --soname-synonyms=somalloc=nouserintercepts
 * to keep them (it still tracks __libc_malloc). Otherwise the tests skip. */
static bool counting_works(void)
{
#if COUNT_ALLOCS
    void *(*volatile alloc)(size_t) = malloc; /* not elided with the free below */
    n_allocs = 0;
    counting = true;
    void *p = alloc(8);
    counting = false;
    free(p);
    return n_allocs == 1;
#else
    return false;
#endif
}

#define SEED 20240611u
#define MAX_COPIES 16
#define MAX_OBS 4

static uint64_t bits64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Bit-equality of n doubles, naming the place on failure. */
static void check_row(const double *got, const double *want, size_t n, const char *what,
                      size_t step, size_t copy)
{
    for (size_t k = 0; k < n; k++)
        if (bits64(got[k]) != bits64(want[k]))
            fail_msg("step %zu copy %zu %s[%zu] = %.17g, expected %.17g", step, copy, what, k,
                     got[k], want[k]);
}

static bool rows_equal(const double *a, const double *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (bits64(a[k]) != bits64(b[k]))
            return false;
    return true;
}

/* A valid random action for `type` from `rng`: 0/1 for Discrete, uniform in
 * [low - 0.5, high + 0.5] for Box (clipping is the env's business). */
static double random_action(const rlc_env_type *type, gsl_rng *rng)
{
    if (type->action_space.kind == RLC_SPACE_DISCRETE)
        return (double)gsl_rng_uniform_int(rng, type->action_space.n);
    double lo = type->action_space.low[0] - 0.5, hi = type->action_space.high[0] + 0.5;
    return lo + (hi - lo) * gsl_rng_uniform(rng);
}

/* ---- every copy equals its own single env ----------------------------------- */

/* Steps a vec env of n copies and, beside it, n plain rlc_envs, env i on
 * rlc_rng_create_indexed(SEED, stream, i) and reset by hand whenever it ends
 * an episode; each copy gets its own random actions. Compares obs, rewards,
 * flags, final_obs, episode return/length bit for bit at every step. Returns
 * the number of episodes that ended (over all copies). */
static size_t check_against_singles(const rlc_env_type *type, size_t n, uint64_t stream,
                                    size_t steps)
{
    assert_true(n <= MAX_COPIES && type->observation_space.dim <= MAX_OBS);
    assert_int_equal(type->action_space.dim, 1);
    size_t od = type->observation_space.dim;
    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, type, n, SEED, stream), RLC_OK);
    assert_int_equal(v->obs_dim, od);
    assert_int_equal(v->act_dim, 1);

    gsl_rng *rng[MAX_COPIES];
    rlc_env *env[MAX_COPIES];
    double obs[MAX_COPIES][MAX_OBS], ret[MAX_COPIES] = {0};
    size_t len[MAX_COPIES] = {0};
    gsl_rng *act_rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(act_rng);
    gsl_rng_set(act_rng, 99);

    rlc_vec_env_reset(v);
    for (size_t i = 0; i < n; i++) {
        rng[i] = rlc_rng_create_indexed(SEED, stream, i);
        assert_non_null(rng[i]);
        assert_int_equal(rlc_env_create(&env[i], type, rng[i]), RLC_OK);
        rlc_env_reset(env[i], obs[i]);
        check_row(v->obs + i * od, obs[i], od, "reset obs", 0, i);
        assert_false(v->terminated[i] || v->truncated[i]);
    }

    size_t episodes = 0;
    double actions[MAX_COPIES];
    for (size_t t = 1; t <= steps; t++) {
        for (size_t i = 0; i < n; i++)
            actions[i] = random_action(type, act_rng);
        rlc_vec_env_step(v, actions);
        for (size_t i = 0; i < n; i++) {
            double reward;
            bool term, trunc;
            rlc_env_step(env[i], &actions[i], obs[i], &reward, &term, &trunc);
            ret[i] += reward;
            len[i]++;
            check_row(&v->rewards[i], &reward, 1, "reward", t, i);
            if (v->terminated[i] != term || v->truncated[i] != trunc)
                fail_msg("step %zu copy %zu: terminated/truncated %d/%d, expected %d/%d", t, i,
                         v->terminated[i], v->truncated[i], term, trunc);
            if (term || trunc) {
                check_row(v->final_obs + i * od, obs[i], od, "final_obs", t, i);
                check_row(&v->episode_return[i], &ret[i], 1, "episode_return", t, i);
                assert_int_equal(v->episode_length[i], len[i]);
                rlc_env_reset(env[i], obs[i]);
                ret[i] = 0.0;
                len[i] = 0;
                episodes++;
            }
            check_row(v->obs + i * od, obs[i], od, "obs", t, i);
            /* one TimeLimit counter: the copy's own rlc_env keeps it, as the single env does */
            assert_int_equal(v->envs[i].elapsed_steps, env[i]->elapsed_steps);
            assert_int_equal(v->envs[i].elapsed_steps, len[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        rlc_env_free(env[i]);
        gsl_rng_free(rng[i]);
    }
    gsl_rng_free(act_rng);
    rlc_vec_env_free(v);
    return episodes;
}

static void test_single_copy_matches_env_cartpole(void **st)
{
    (void)st;
    /* random actions end CartPole episodes after ~20 steps */
    size_t episodes = check_against_singles(&rlc_env_cartpole_v1, 1, RLC_RNG_ENV, 2000);
    assert_true(episodes >= 50);
}

static void test_single_copy_matches_env_pendulum(void **st)
{
    (void)st;
    size_t episodes = check_against_singles(&rlc_env_pendulum_v1, 1, RLC_RNG_ENV, 1000);
    assert_int_equal(episodes, 5); /* truncated at 200, 400, ..., 1000 */
}

/* With several copies each still equals its own single env (so copies share
 * no generator and do not disturb each other), and the copies start apart. */
static void check_copies(const rlc_env_type *type, size_t steps, size_t min_episodes)
{
    enum { N = 5 };
    assert_true(check_against_singles(type, N, RLC_RNG_ENV, steps) >= min_episodes);
    assert_true(check_against_singles(type, N, RLC_RNG_EVAL_ENV, steps) >= min_episodes);

    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, type, N, SEED, RLC_RNG_ENV), RLC_OK);
    rlc_vec_env_reset(v);
    size_t od = v->obs_dim;
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            if (rows_equal(v->obs + i * od, v->obs + j * od, od))
                fail_msg("%s: copies %zu and %zu reset to the same observation", type->id, i, j);
    rlc_vec_env_free(v);
}

static void test_copies_independent_cartpole(void **st)
{
    (void)st;
    check_copies(&rlc_env_cartpole_v1, 1000, 100);
}

/* More copies than CartPole's step_batch groups at once (8): the batched
 * path still equals the single envs copy by copy. */
static void test_batched_copies_cartpole(void **st)
{
    (void)st;
    assert_true(check_against_singles(&rlc_env_cartpole_v1, 11, RLC_RNG_ENV, 1000) >= 300);
}

static void test_copies_independent_pendulum(void **st)
{
    (void)st;
    check_copies(&rlc_env_pendulum_v1, 450, 10); /* 5 copies × 2 truncations */
}

/* Pendulum's step_batch over a long random trajectory: 11 copies (a group of
 * 8 and a partial one), actions past the bounds (clipped), 50 TimeLimit
 * truncations and resets per copy, every copy equal to its own single env
 * (step, then observe) bit for bit at every step. */
static void test_batched_copies_pendulum(void **st)
{
    (void)st;
    assert_non_null(rlc_env_pendulum_v1.step_batch);
    assert_int_equal(check_against_singles(&rlc_env_pendulum_v1, 11, RLC_RNG_ENV, 10000), 550);
}

/* ---- truncation and termination -------------------------------------------- */

/* Pendulum-v1 never terminates: every copy truncates at exactly step 200 of
 * each episode. final_obs is the 200th observation, obs the next episode's
 * reset observation, and the episode bookkeeping covers all 200 rewards. */
static void test_pendulum_truncation(void **st)
{
    (void)st;
    enum { N = 3 };
    const rlc_env_type *type = &rlc_env_pendulum_v1;
    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, type, N, SEED, RLC_RNG_ENV), RLC_OK);
    rlc_env *env[N];
    gsl_rng *rng[N];
    double ref_obs[N][3], ret[N] = {0};
    rlc_vec_env_reset(v);
    for (size_t i = 0; i < N; i++) {
        rng[i] = rlc_rng_create_indexed(SEED, RLC_RNG_ENV, i);
        assert_int_equal(rlc_env_create(&env[i], type, rng[i]), RLC_OK);
        rlc_env_reset(env[i], ref_obs[i]);
    }
    double actions[N] = {1.5, -0.7, 0.0};
    size_t truncations = 0;
    for (size_t t = 1; t <= 450; t++) {
        rlc_vec_env_step(v, actions);
        bool end = t % 200 == 0;
        for (size_t i = 0; i < N; i++) {
            double reward;
            bool term, trunc;
            rlc_env_step(env[i], &actions[i], ref_obs[i], &reward, &term, &trunc);
            assert_true(v->rewards[i] == reward);
            assert_true(reward <= 0.0 && reward >= -16.2736044);
            ret[i] += reward;
            assert_false(v->terminated[i]);
            if (v->truncated[i] != end)
                fail_msg("step %zu copy %zu: truncated = %d", t, i, v->truncated[i]);
            if (!end)
                continue;
            truncations++;
            /* final_obs: the observation step 200 reached */
            check_row(v->final_obs + 3 * i, ref_obs[i], 3, "final_obs", t, i);
            assert_int_equal(v->episode_length[i], 200);
            assert_true(v->episode_return[i] == ret[i]);
            assert_true(ret[i] < -1.0); /* 200 rewards, not one */
            /* obs: the reset observation of the next episode, not final_obs */
            rlc_env_reset(env[i], ref_obs[i]);
            ret[i] = 0.0;
            check_row(v->obs + 3 * i, ref_obs[i], 3, "obs after reset", t, i);
            assert_false(rows_equal(v->obs + 3 * i, v->final_obs + 3 * i, 3));
            /* a reset Pendulum has |theta_dot| < 1, cos/sin on the unit circle */
            assert_true(fabs(v->obs[3 * i + 2]) < 1.0);
            assert_near(v->obs[3 * i] * v->obs[3 * i] + v->obs[3 * i + 1] * v->obs[3 * i + 1],
                        1.0, 1e-6);
        }
    }
    assert_int_equal(truncations, 2 * N);
    for (size_t i = 0; i < N; i++) {
        rlc_env_free(env[i]);
        gsl_rng_free(rng[i]);
    }
    rlc_vec_env_free(v);
}

/* CartPole-v1 pushed always the same way falls within a few dozen steps. The
 * terminating step still pays 1, so return == length == steps taken; the
 * running sums restart at the automatic reset and at rlc_vec_env_reset. */
static void test_cartpole_termination(void **st)
{
    (void)st;
    enum { N = 2 };
    const double theta_max = 12 * 2 * 3.141592653589793 / 360;
    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, &rlc_env_cartpole_v1, N, SEED, RLC_RNG_ENV), RLC_OK);
    const double actions[N] = {1.0, 0.0}; /* copy 0 always right, copy 1 always left */
    rlc_vec_env_reset(v);
    /* a few steps, then a manual reset: those steps must not count */
    for (int k = 0; k < 3; k++)
        rlc_vec_env_step(v, actions);
    assert_false(v->terminated[0] || v->terminated[1]);
    rlc_vec_env_reset(v);

    size_t steps[N] = {0}, episodes[N] = {0};
    for (size_t t = 1; t <= 400; t++) {
        rlc_vec_env_step(v, actions);
        for (size_t i = 0; i < N; i++) {
            steps[i]++;
            assert_true(v->rewards[i] == 1.0);
            assert_false(v->truncated[i]);
            if (!v->terminated[i]) {
                assert_true(steps[i] < 60);
                continue;
            }
            assert_true(steps[i] >= 5);
            assert_int_equal(v->episode_length[i], steps[i]);
            assert_true(v->episode_return[i] == (double)steps[i]);
            /* final_obs is past a threshold, the pole leaning the pushed way's opposite */
            const double *f = v->final_obs + 4 * i;
            assert_true(fabs(f[2]) > theta_max || fabs(f[0]) > 2.4);
            assert_true(i == 0 ? f[2] < 0.0 : f[2] > 0.0);
            /* obs is a fresh reset state */
            for (size_t k = 0; k < 4; k++)
                assert_true(fabs(v->obs[4 * i + k]) < 0.05);
            steps[i] = 0;
            episodes[i]++;
        }
    }
    assert_true(episodes[0] >= 5 && episodes[1] >= 5);
    /* rlc_vec_env_reset after a terminating step clears its flags and reward */
    do
        rlc_vec_env_step(v, actions);
    while (!v->terminated[0]);
    rlc_vec_env_reset(v);
    for (size_t i = 0; i < N; i++)
        assert_true(!v->terminated[i] && !v->truncated[i] && v->rewards[i] == 0.0);
    rlc_vec_env_free(v);
}

/* ---- seeding ---------------------------------------------------------------- */

typedef struct traj {
    double obs[300][3 * MAX_OBS], final_obs[300][3 * MAX_OBS], rewards[300][3];
    bool done[300][3];
} traj;

/* 300 random-action steps of 3 copies from (seed, stream); actions from a
 * fixed generator so only the env seeding varies. */
static void record(traj *r, const rlc_env_type *type, uint64_t seed, uint64_t stream)
{
    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, type, 3, seed, stream), RLC_OK);
    gsl_rng *act_rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(act_rng, 5);
    memset(r, 0, sizeof *r);
    size_t od = v->obs_dim;
    rlc_vec_env_reset(v);
    for (size_t t = 0; t < 300; t++) {
        memcpy(r->obs[t], v->obs, 3 * od * sizeof(double));
        double actions[3];
        for (size_t i = 0; i < 3; i++)
            actions[i] = random_action(type, act_rng);
        rlc_vec_env_step(v, actions);
        for (size_t i = 0; i < 3; i++) {
            r->rewards[t][i] = v->rewards[i];
            r->done[t][i] = v->terminated[i] || v->truncated[i];
            if (r->done[t][i])
                memcpy(r->final_obs[t] + i * od, v->final_obs + i * od, od * sizeof(double));
        }
    }
    gsl_rng_free(act_rng);
    rlc_vec_env_free(v);
}

static void test_seeding(void **st)
{
    (void)st;
    const rlc_env_type *types[] = {&rlc_env_cartpole_v1, &rlc_env_pendulum_v1};
    traj *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t k = 0; k < 2; k++) {
        record(a, types[k], SEED, RLC_RNG_ENV);
        record(b, types[k], SEED, RLC_RNG_ENV);
        assert_memory_equal(a, b, sizeof *a); /* same seed: identical, bit for bit */
        size_t n_done = 0;
        for (size_t t = 0; t < 300; t++)
            for (size_t i = 0; i < 3; i++)
                n_done += a->done[t][i];
        assert_true(n_done >= 3); /* resets happened inside the recorded steps */

        record(b, types[k], SEED + 1, RLC_RNG_ENV); /* another seed */
        assert_false(rows_equal(a->obs[0], b->obs[0], 1));
        assert_true(memcmp(a->obs, b->obs, sizeof a->obs) != 0);
        record(b, types[k], SEED, RLC_RNG_EVAL_ENV); /* another stream */
        assert_false(rows_equal(a->obs[0], b->obs[0], 1));
    }
    free(a);
    free(b);
}

/* ---- create, free, allocation ----------------------------------------------- */

static void test_create_errors(void **st)
{
    (void)st;
    rlc_vec_env *v = (rlc_vec_env *)1;
    assert_int_equal(rlc_vec_env_create(&v, &rlc_env_cartpole_v1, 0, SEED, 2), RLC_EINVAL);
    assert_null(v);
    v = (rlc_vec_env *)1;
    assert_int_equal(rlc_vec_env_create(&v, NULL, 4, SEED, 2), RLC_EINVAL);
    assert_null(v);
    assert_int_equal(rlc_vec_env_create(NULL, &rlc_env_cartpole_v1, 4, SEED, 2), RLC_EINVAL);
    rlc_env_type broken = rlc_env_pendulum_v1;
    broken.step = NULL;
    v = (rlc_vec_env *)1;
    assert_int_equal(rlc_vec_env_create(&v, &broken, 4, SEED, 2), RLC_EINVAL);
    assert_null(v);
    broken = rlc_env_pendulum_v1;
    broken.observation_space.dim = 0;
    assert_int_equal(rlc_vec_env_create(&v, &broken, 4, SEED, 2), RLC_EINVAL);
    assert_null(v);
    rlc_vec_env_free(NULL);

    /* a fresh vec env: fields as documented, states zero until reset */
    assert_int_equal(rlc_vec_env_create(&v, &rlc_env_cartpole_v1, 3, SEED, 2), RLC_OK);
    assert_int_equal(v->n_envs, 3);
    assert_ptr_equal(v->type, &rlc_env_cartpole_v1);
    assert_int_equal(v->obs_dim, 4);
    assert_int_equal(v->act_dim, 1);
    for (size_t i = 0; i < 3; i++)
        assert_false(v->terminated[i] || v->truncated[i]);
    for (size_t k = 0; k < 12; k++)
        assert_true(v->obs[k] == 0.0);
    rlc_vec_env_reset(v);
    for (size_t k = 0; k < 12; k++)
        assert_true(v->obs[k] != 0.0 && fabs(v->obs[k]) < 0.05);
    rlc_vec_env_free(v);
}

/* reset and step (through many automatic resets) allocate nothing, and the
 * public arrays keep their addresses. */
static void test_no_allocation(void **st)
{
    (void)st;
    if (!counting_works())
        skip();
    rlc_vec_env *v = NULL;
    assert_int_equal(rlc_vec_env_create(&v, &rlc_env_cartpole_v1, 4, SEED, 2), RLC_OK);
    const double *obs = v->obs, *final_obs = v->final_obs;
    size_t episodes = 0;
#if COUNT_ALLOCS
    const double actions[4] = {1, 0, 1, 0};
    n_allocs = 0;
    counting = true;
    rlc_vec_env_reset(v);
    for (int t = 0; t < 500; t++) {
        rlc_vec_env_step(v, actions);
        for (size_t i = 0; i < 4; i++)
            episodes += v->terminated[i];
    }
    counting = false;
    assert_int_equal(n_allocs, 0);
#endif
    assert_true(episodes >= 20);
    assert_ptr_equal(v->obs, obs);
    assert_ptr_equal(v->final_obs, final_obs);
    rlc_vec_env_free(v);
}

/* Every allocation of create failing in turn: RLC_ENOMEM, *out NULL, and
 * (under valgrind) nothing leaked. */
static void test_create_out_of_memory(void **st)
{
    (void)st;
    if (!counting_works())
        skip();
#if COUNT_ALLOCS
    size_t failures = 0;
    for (fail_at = 1;; fail_at++) {
        rlc_vec_env *v = (rlc_vec_env *)1;
        n_allocs = 0;
        counting = true;
        rlc_status s = rlc_vec_env_create(&v, &rlc_env_pendulum_v1, 3, SEED, 2);
        counting = false;
        if (s == RLC_OK) {
            rlc_vec_env_free(v);
            break;
        }
        assert_int_equal(s, RLC_ENOMEM);
        assert_null(v);
        failures++;
        assert_true(failures < 100);
    }
    fail_at = 0;
    /* the struct, 11 arrays, and 3 generators of 2 GSL allocations each */
    assert_int_equal(failures, 1 + 11 + 3 * 2);
#endif
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_copy_matches_env_cartpole),
        cmocka_unit_test(test_single_copy_matches_env_pendulum),
        cmocka_unit_test(test_copies_independent_cartpole),
        cmocka_unit_test(test_batched_copies_cartpole),
        cmocka_unit_test(test_copies_independent_pendulum),
        cmocka_unit_test(test_batched_copies_pendulum),
        cmocka_unit_test(test_pendulum_truncation),
        cmocka_unit_test(test_cartpole_termination),
        cmocka_unit_test(test_seeding),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_no_allocation),
        cmocka_unit_test(test_create_out_of_memory),
    };
    return cmocka_run_group_tests_name("vec_env", tests, NULL, NULL);
}
