/* test_env.c — cmocka tests for envs/: bit-exact replay of every Gymnasium
 * reference trace of CartPole-v1 and Pendulum-v1 (tests/data/gymnasium), the
 * hand-computed steps (Pendulum angle wrapping, CartPole around termination),
 * reset distributions, TimeLimit and the registry.
 * Deliberately not here: speed (bench/bench_env.c) and other envs. */
#include <gsl/gsl_errno.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"
#include "rlc/env.h"

#define TRACE_DIR RLC_TEST_DATA_DIR "/gymnasium"
#define PI 3.141592653589793 /* M_PI needs _XOPEN_SOURCE */
#define CSV_MAX_ROWS 1024
#define CSV_MAX_COLS 16

/* ---- CSV reading ---------------------------------------------------------- */

typedef struct csv {
    size_t rows, cols;
    char names[CSV_MAX_COLS][32];
    double v[CSV_MAX_ROWS][CSV_MAX_COLS];
} csv;

/* Reads a header line and rows of numbers (strtod); fails the test on any
 * malformed field. Caller frees. */
static csv *csv_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    csv *c = calloc(1, sizeof *c);
    assert_non_null(c);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    line[strcspn(line, "\r\n")] = '\0';
    for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ",")) {
        assert_true(c->cols < CSV_MAX_COLS);
        assert_true(strlen(tok) < sizeof c->names[0]);
        strcpy(c->names[c->cols++], tok);
    }
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        assert_true(c->rows < CSV_MAX_ROWS);
        const char *p = line;
        for (size_t j = 0; j < c->cols; j++) {
            char *end;
            c->v[c->rows][j] = strtod(p, &end);
            if (end == p)
                fail_msg("%s row %zu col %zu: not a number", path, c->rows, j);
            if (j + 1 < c->cols) {
                if (*end != ',')
                    fail_msg("%s row %zu: expected ',' after col %zu", path, c->rows, j);
                p = end + 1;
            } else if (*end != '\n' && *end != '\0' && *end != '\r') {
                fail_msg("%s row %zu: trailing text", path, c->rows);
            }
        }
        c->rows++;
    }
    fclose(f);
    assert_true(c->rows >= 2);
    return c;
}

static size_t csv_col(const csv *c, const char *name)
{
    for (size_t j = 0; j < c->cols; j++)
        if (strcmp(c->names[j], name) == 0)
            return j;
    fail_msg("no column %s", name);
    return 0;
}

/* ---- bit comparisons ------------------------------------------------------ */

static uint64_t bits64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint32_t bits32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* got must be a float32 value held in a double, with the same float bits as want. */
static void check_obs(double got, double want, const char *file, size_t row, size_t i)
{
    if (bits64(got) != bits64((double)(float)got))
        fail_msg("%s row %zu obs_%zu = %.17g is not float32-rounded", file, row, i, got);
    if ((float)got != (float)want || bits32((float)got) != bits32((float)want))
        fail_msg("%s row %zu obs_%zu = %.9g, expected %.9g", file, row, i, got, want);
}

static void check_f64(double got, double want, const char *file, size_t row, const char *what)
{
    if (bits64(got) != bits64(want))
        fail_msg("%s row %zu %s = %.17g, expected %.17g (diff %.3g)", file, row, what, got, want,
                 got - want);
}

/* ---- trace replay --------------------------------------------------------- */

typedef struct trace {
    const char *file;
    const char *env_id;
} trace;

static const trace traces[] = {
    {"cartpole_v1_trace_01.csv", "CartPole-v1"}, {"cartpole_v1_trace_02.csv", "CartPole-v1"},
    {"cartpole_v1_trace_03.csv", "CartPole-v1"}, {"cartpole_v1_trace_04.csv", "CartPole-v1"},
    {"cartpole_v1_trace_05.csv", "CartPole-v1"}, {"cartpole_v1_trace_06.csv", "CartPole-v1"},
    {"cartpole_v1_trace_07.csv", "CartPole-v1"}, {"cartpole_v1_trace_08.csv", "CartPole-v1"},
    {"pendulum_v1_trace_01.csv", "Pendulum-v1"}, {"pendulum_v1_trace_02.csv", "Pendulum-v1"},
    {"pendulum_v1_trace_03.csv", "Pendulum-v1"}, {"pendulum_v1_trace_04.csv", "Pendulum-v1"},
    {"pendulum_v1_trace_05.csv", "Pendulum-v1"}, {"pendulum_v1_trace_06.csv", "Pendulum-v1"},
    {"pendulum_v1_trace_07.csv", "Pendulum-v1"},
};
#define N_TRACES (sizeof traces / sizeof traces[0])

/* Every cartpole/pendulum trace file in the data folder is in traces[]. */
static void test_trace_list_complete(void **st)
{
    (void)st;
    DIR *d = opendir(TRACE_DIR);
    assert_non_null(d);
    size_t found = 0;
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        if ((strncmp(n, "cartpole_v1_trace_", 18) && strncmp(n, "pendulum_v1_trace_", 18))
            || !strstr(n, ".csv"))
            continue;
        bool listed = false;
        for (size_t i = 0; i < N_TRACES; i++)
            listed |= strcmp(traces[i].file, n) == 0;
        if (!listed)
            fail_msg("trace %s is not in traces[]", n);
        found++;
    }
    closedir(d);
    assert_int_equal(found, N_TRACES);
}

static void test_trace(void **st)
{
    const trace *t = *st;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TRACE_DIR, t->file);
    csv *c = csv_read(path);

    const rlc_env_type *type = rlc_env_find(t->env_id);
    assert_non_null(type);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    rlc_env *env = NULL;
    assert_int_equal(rlc_env_create(&env, type, rng), RLC_OK);

    bool cartpole = strcmp(t->env_id, "CartPole-v1") == 0;
    size_t nobs = type->observation_space.dim, nstate = cartpole ? 4 : 2;
    assert_int_equal(nobs, cartpole ? 4 : 3);
    size_t c_act = csv_col(c, "action"), c_rew = csv_col(c, "reward");
    size_t c_term = csv_col(c, "terminated"), c_trunc = csv_col(c, "truncated");
    size_t c_obs[4], c_state[4];
    for (size_t i = 0; i < nobs; i++) {
        char name[32];
        snprintf(name, sizeof name, "obs_%zu", i);
        c_obs[i] = csv_col(c, name);
    }
    for (size_t i = 0; i < nstate; i++) {
        char name[32];
        snprintf(name, sizeof name, "state_%zu", i);
        c_state[i] = csv_col(c, name);
    }
    assert_int_equal(c->cols, 1 + 1 + nobs + 3 + nstate);

    double s0[5] = {0}, obs[4];
    for (size_t i = 0; i < nstate; i++)
        s0[i] = c->v[0][c_state[i]];
    rlc_env_set_state(env, s0, obs);
    assert_int_equal(env->elapsed_steps, 0);
    for (size_t i = 0; i < nobs; i++)
        check_obs(obs[i], c->v[0][c_obs[i]], t->file, 0, i);

    bool ever_terminated = false;
    for (size_t r = 1; r < c->rows; r++) {
        const double *row = c->v[r];
        assert_int_equal((size_t)row[0], r); /* step column */
        double action = row[c_act], reward;
        bool term, trunc;
        rlc_env_step(env, &action, obs, &reward, &term, &trunc);
        for (size_t i = 0; i < nobs; i++)
            check_obs(obs[i], row[c_obs[i]], t->file, r, i);
        check_f64(reward, row[c_rew], t->file, r, "reward");
        if (term != (row[c_term] != 0.0) || trunc != (row[c_trunc] != 0.0))
            fail_msg("%s row %zu: terminated/truncated = %d/%d, expected %g/%g", t->file, r, term,
                     trunc, row[c_term], row[c_trunc]);
        for (size_t i = 0; i < nstate; i++)
            check_f64(env->state[i], row[c_state[i]], t->file, r, c->names[c_state[i]]);
        ever_terminated |= term;
        if (cartpole)
            assert_true(env->state[4] == (ever_terminated ? 1.0 : 0.0));
        assert_int_equal(env->elapsed_steps, r);
    }

    rlc_env_free(env);
    gsl_rng_free(rng);
    free(c);
}

/* All Pendulum traces replayed in lockstep, one env each, stepped in turn:
 * environments share nothing, so interleaving must not change a bit. */
static void test_pendulum_lockstep(void **st)
{
    (void)st;
    enum { N = 7 };
    csv *c[N];
    rlc_env *env[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t rows = 0;
    for (size_t k = 0; k < N; k++) {
        const trace *t = &traces[8 + k];
        assert_string_equal(t->env_id, "Pendulum-v1");
        char path[512];
        snprintf(path, sizeof path, "%s/%s", TRACE_DIR, t->file);
        c[k] = csv_read(path);
        rows = c[k]->rows > rows ? c[k]->rows : rows;
        assert_int_equal(csv_col(c[k], "action"), 1);
        assert_int_equal(csv_col(c[k], "obs_0"), 2);
        assert_int_equal(csv_col(c[k], "reward"), 5);
        assert_int_equal(csv_col(c[k], "state_0"), 8);
        assert_int_equal(csv_col(c[k], "state_1"), 9);
        assert_int_equal(rlc_env_create(&env[k], &rlc_env_pendulum_v1, rng), RLC_OK);
        double obs[3];
        rlc_env_set_state(env[k], (double[]){c[k]->v[0][8], c[k]->v[0][9]}, obs);
    }
    for (size_t r = 1; r < rows; r++)
        for (size_t k = 0; k < N; k++) {
            if (r >= c[k]->rows)
                continue;
            const double *row = c[k]->v[r];
            double obs[3], reward;
            bool term, trunc;
            rlc_env_step(env[k], &row[1], obs, &reward, &term, &trunc);
            for (size_t i = 0; i < 3; i++)
                check_obs(obs[i], row[2 + i], traces[8 + k].file, r, i);
            check_f64(reward, row[5], traces[8 + k].file, r, "reward");
            check_f64(env[k]->state[0], row[8], traces[8 + k].file, r, "state_0");
            check_f64(env[k]->state[1], row[9], traces[8 + k].file, r, "state_1");
        }
    for (size_t k = 0; k < N; k++) {
        rlc_env_free(env[k]);
        free(c[k]);
    }
    gsl_rng_free(rng);
}

/* The README's Pendulum step written out again, literally: Python floor-mod
 * through fmod, every square a pow call, sin/cos taken separately. */
static double (*volatile test_pow)(double, double) = pow;
static double (*volatile test_sin)(double) = sin;
static double (*volatile test_cos)(double) = cos;

static double test_f32(double x)
{
    volatile float f = (float)x;
    return f;
}

static double pendulum_ref(double *s, double a, double *obs)
{
    const double b = 2.0 * PI;
    double th = s[0], thd = s[1];
    double u = a < -2.0 ? -2.0 : (a > 2.0 ? 2.0 : a);
    double r = fmod(th + PI, b);
    if (r != 0.0 && r < 0.0)
        r += b;
    if (r == 0.0)
        r = 0.0;
    double w = r - PI;
    double cost = (test_pow(w, 2.0) + 0.1 * test_pow(thd, 2.0)) + 0.001 * test_pow(u, 2.0);
    double nthd = thd + (15.0 * test_sin(th) + 3.0 * u) * 0.05;
    nthd = nthd < -8.0 ? -8.0 : (nthd > 8.0 ? 8.0 : nthd);
    s[0] = th + nthd * 0.05;
    s[1] = nthd;
    obs[0] = test_f32(test_cos(s[0]));
    obs[1] = test_f32(test_sin(s[0]));
    obs[2] = test_f32(nthd);
    return -cost;
}

/* 10^6 single steps from random states (angles up to +-40 rad, some float32
 * inputs, some out-of-range actions) against pendulum_ref, bit for bit. This
 * also checks pendulum.c's shortcuts (skipped pow calls, wrap without fmod)
 * against the libm the tests run with. */
static void test_pendulum_random_vs_reference(void **st)
{
    (void)st;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    rlc_env *env = NULL;
    assert_int_equal(rlc_env_create(&env, &rlc_env_pendulum_v1, rng), RLC_OK);
    for (int i = 0; i < 1000000; i++) {
        double s[2] = {-40.0 + 80.0 * gsl_rng_uniform(rng), -9.0 + 18.0 * gsl_rng_uniform(rng)};
        double a = -3.0 + 6.0 * gsl_rng_uniform(rng);
        if (i % 4 == 1)
            s[0] = -4.0 + 8.0 * gsl_rng_uniform(rng);
        if (i % 5 == 2) { /* float32 values, as Gymnasium actions usually are */
            s[1] = (float)s[1];
            a = (float)a;
        }
        double obs[3], ref_obs[3], reward;
        bool term, trunc;
        rlc_env_set_state(env, s, obs);
        double ref_reward = pendulum_ref(s, a, ref_obs);
        rlc_env_step(env, &a, obs, &reward, &term, &trunc);
        check_f64(reward, ref_reward, "pendulum_random", (size_t)i, "reward");
        check_f64(env->state[0], s[0], "pendulum_random", (size_t)i, "state_0");
        check_f64(env->state[1], s[1], "pendulum_random", (size_t)i, "state_1");
        for (size_t k = 0; k < 3; k++)
            check_obs(obs[k], ref_obs[k], "pendulum_random", (size_t)i, k);
    }
    rlc_env_free(env);
    gsl_rng_free(rng);
}

/* ---- Pendulum single steps: floor-mod angle wrapping, by hand ----------- */

typedef struct step_out {
    double obs[4], reward, state[5];
    bool term, trunc;
} step_out;

static step_out step_from(const rlc_env_type *type, const double *state, double action)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    rlc_env *env = NULL;
    assert_int_equal(rlc_env_create(&env, type, rng), RLC_OK);
    step_out o;
    rlc_env_set_state(env, state, o.obs);
    rlc_env_step(env, &action, o.obs, &o.reward, &o.term, &o.trunc);
    memcpy(o.state, env->state, type->state_dim * sizeof(double));
    rlc_env_free(env);
    gsl_rng_free(rng);
    return o;
}

static void test_pendulum_negative_angle(void **st)
{
    (void)st;
    /* theta = -3.5 normalises to 2.7831853 (floor-mod); C fmod would give -3.78 and cost 12.35. */
    step_out o = step_from(&rlc_env_pendulum_v1, (double[]){-3.5, 1.0}, 0.0);
    assert_near(o.reward, -7.8461205, 1e-7);
    assert_near(o.reward, -(pow(-3.5 + 2 * PI, 2.0) + 0.1), 1e-15);
    assert_near(o.state[0], -3.4368456, 1e-7); /* not wrapped */
    assert_near(o.state[1], 1.2630874, 1e-7);
    assert_near(o.obs[0], -0.95672858, 1e-8);
    assert_near(o.obs[1], 0.29098189, 1e-8);
    assert_near(o.obs[2], 1.2630874, 1e-7);
    for (int i = 0; i < 3; i++)
        assert_true(o.obs[i] == (double)(float)o.obs[i]);
    assert_false(o.term);
    assert_false(o.trunc);
}

static void test_pendulum_large_angle(void **st)
{
    (void)st;
    step_out o = step_from(&rlc_env_pendulum_v1, (double[]){7.0, 0.0}, 0.0);
    assert_near(o.reward, -0.5138233, 1e-7);
    assert_near(o.reward, -pow(7.0 - 2 * PI, 2.0), 1e-15);
    assert_true(o.state[0] > 7.0); /* 7 + 0.05 * 15 sin(7) * 0.05 */
}

static void test_pendulum_pi(void **st)
{
    (void)st;
    /* wrap(pi) = wrap(-pi) = -pi: cost pow(-pi, 2) exactly. */
    step_out o = step_from(&rlc_env_pendulum_v1, (double[]){PI, 0.0}, 0.0);
    assert_near(o.reward, -9.8696044, 1e-7);
    assert_true(o.reward == -pow(PI, 2.0));
    o = step_from(&rlc_env_pendulum_v1, (double[]){-PI, 0.0}, 0.0);
    assert_true(o.reward == -pow(PI, 2.0));
    /* theta + pi exactly 2*(2 pi) or -(2 pi): floor-mod gives +0, so also -pi */
    const double th4 = 4.0 * PI - PI, thm2 = -2.0 * PI - PI;
    assert_true(th4 + PI == 4.0 * PI && thm2 + PI == -2.0 * PI);
    o = step_from(&rlc_env_pendulum_v1, (double[]){th4, 0.0}, 0.0);
    assert_true(o.reward == -pow(PI, 2.0));
    o = step_from(&rlc_env_pendulum_v1, (double[]){thm2, 0.0}, 0.0);
    assert_true(o.reward == -pow(PI, 2.0));
    o = step_from(&rlc_env_pendulum_v1, (double[]){0.0, 0.0}, 0.0);
    assert_true(o.reward == 0.0);
    assert_true(o.state[0] == 0.0 && o.state[1] == 0.0);
}

static void test_pendulum_clip(void **st)
{
    (void)st;
    const double s[2] = {0.5, -0.25};
    step_out a = step_from(&rlc_env_pendulum_v1, s, 2.0);
    step_out b = step_from(&rlc_env_pendulum_v1, s, 1000.0);
    assert_true(a.reward == b.reward && a.state[0] == b.state[0] && a.state[1] == b.state[1]);
    a = step_from(&rlc_env_pendulum_v1, s, -2.0);
    b = step_from(&rlc_env_pendulum_v1, s, -7.3);
    assert_true(a.reward == b.reward && a.state[0] == b.state[0] && a.state[1] == b.state[1]);
    /* torque cost of the clipped action: 0.001 * 4 */
    step_out z = step_from(&rlc_env_pendulum_v1, s, 0.0);
    assert_near(z.reward - b.reward, 0.004, 1e-12);
    /* velocity clip at +-8 */
    step_out v = step_from(&rlc_env_pendulum_v1, (double[]){1.0, 7.99}, 2.0);
    assert_true(v.state[1] == 8.0);
    assert_true(v.state[0] == 1.0 + 8.0 * 0.05);
    v = step_from(&rlc_env_pendulum_v1, (double[]){-1.0, -7.99}, -2.0);
    assert_true(v.state[1] == -8.0);
}

/* ---- CartPole around termination, by hand ------------------------------- */

static void test_cartpole_termination_reward(void **st)
{
    (void)st;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    rlc_env *env = NULL;
    assert_int_equal(rlc_env_create(&env, rlc_env_find("CartPole-v1"), rng), RLC_OK);
    double obs[4], reward, a;
    bool term, trunc;
    rlc_env_set_state(env, (double[]){0.0, 0.0, 0.2, 0.5, 0.0}, obs);

    a = 1.0;
    rlc_env_step(env, &a, obs, &reward, &term, &trunc);
    const double want1[4] = {0.0, 0.191824, 0.21, 0.27640834};
    for (int i = 0; i < 4; i++) {
        assert_near(obs[i], want1[i], 5e-8);
        assert_true(obs[i] == (double)(float)obs[i]);
    }
    assert_true(reward == 1.0);
    assert_true(term);
    assert_false(trunc);
    assert_true(env->state[4] == 1.0);

    a = 0.0;
    rlc_env_step(env, &a, obs, &reward, &term, &trunc);
    const double want2[4] = {0.00383648, -0.00557867, 0.21552816, 0.62729442};
    for (int i = 0; i < 4; i++)
        assert_near(obs[i], want2[i], 5e-8);
    assert_true(reward == 0.0);
    assert_true(term);
    assert_false(trunc);

    rlc_env_step(env, &a, obs, &reward, &term, &trunc);
    assert_true(reward == 0.0 && term);

    /* reset clears the memory; a fresh terminating step earns 1.0 again */
    rlc_env_reset(env, obs);
    assert_true(env->state[4] == 0.0);
    rlc_env_set_state(env, (double[]){0.0, 0.0, 0.2, 0.5, 0.0}, obs);
    a = 1.0;
    rlc_env_step(env, &a, obs, &reward, &term, &trunc);
    assert_true(reward == 1.0 && term);

    /* the fifth double of set_state is that memory: 1.0 makes the same
     * terminating step pay 0 */
    rlc_env_set_state(env, (double[]){0.0, 0.0, 0.2, 0.5, 1.0}, obs);
    rlc_env_step(env, &a, obs, &reward, &term, &trunc);
    assert_true(reward == 0.0 && term);
    assert_true(env->state[4] == 1.0);

    rlc_env_free(env);
    gsl_rng_free(rng);
}

/* After a terminating step, a step back inside the bounds earns 1.0 and the
 * memory stays set, as in Gymnasium (steps_beyond_terminated is not cleared). */
static void test_cartpole_back_in_bounds(void **st)
{
    (void)st;
    step_out o = step_from(&rlc_env_cartpole_v1, (double[]){0.0, 0.0, 0.21, -5.0, 1.0}, 0.0);
    assert_true(o.reward == 1.0);
    assert_false(o.term);
    assert_true(o.state[4] == 1.0);
    o = step_from(&rlc_env_cartpole_v1, (double[]){0.0, 0.0, 0.25, 0.0, 1.0}, 0.0);
    assert_true(o.reward == 0.0);
    assert_true(o.term);
}

/* Strict inequalities at the thresholds, and the action mapping. */
static void test_cartpole_thresholds_and_actions(void **st)
{
    (void)st;
    const double thr = 12 * 2 * PI / 360;
    /* x' = 2.4 exactly (x_dot = 0) is not terminal; theta' = thr exactly is not. */
    step_out o = step_from(&rlc_env_cartpole_v1, (double[]){2.4, 0.0, 0.0, 0.0, 0.0}, 1.0);
    assert_true(o.state[0] == 2.4);
    assert_false(o.term);
    o = step_from(&rlc_env_cartpole_v1, (double[]){-2.4, 0.0, thr, 0.0, 0.0}, 0.0);
    assert_true(o.state[2] == thr);
    assert_false(o.term);
    o = step_from(&rlc_env_cartpole_v1, (double[]){0.0, 0.0, nextafter(-thr, -1.0), 0.0, 0.0}, 0.0);
    assert_true(o.term);
    /* action 1 pushes right: x_dot grows; action 0 pushes left */
    o = step_from(&rlc_env_cartpole_v1, (double[]){0.0, 0.0, 0.0, 0.0, 0.0}, 1.0);
    assert_true(o.state[1] > 0.0);
    assert_near(o.state[1], 0.02 * (10.0 / 1.1 - (0.05 * (-10.0 / 1.1 / (0.5 * (4.0 / 3.0 - 0.1 / 1.1)))) / 1.1), 1e-15);
    step_out l = step_from(&rlc_env_cartpole_v1, (double[]){0.0, 0.0, 0.0, 0.0, 0.0}, 0.0);
    assert_true(l.state[1] == -o.state[1]);
    assert_true(l.state[3] == -o.state[3]);
}

/* The README's CartPole step, written out again here; `pow_mask` bit 0 / bit 1
 * squares theta_dot / cos(theta) with pow(x, 2.0) instead of the products
 * Gymnasium's np.square gives. */
static void cartpole_ref(double *s, double force, unsigned pow_mask)
{
    const double g = 9.8, mp = 0.1, M = 0.1 + 1.0, L = 0.5, mpl = 0.1 * 0.5, tau = 0.02;
    double x = s[0], xd = s[1], th = s[2], thd = s[3];
    double c = cos(th), sn = sin(th);
    double thd2 = (pow_mask & 1) ? test_pow(thd, 2.0) : thd * thd;
    double c2 = (pow_mask & 2) ? test_pow(c, 2.0) : c * c;
    double temp = (force + (mpl * thd2) * sn) / M;
    double thacc = (g * sn - c * temp) / (L * (4.0 / 3.0 - (mp * c2) / M));
    double xacc = temp - ((mpl * thacc) * c) / M;
    s[0] = x + tau * xd;
    s[1] = xd + tau * xacc;
    s[2] = th + tau * thd;
    s[3] = thd + tau * thacc;
}

/* States where squaring theta_dot (mask 1) or cos(theta) (mask 2) by pow
 * would change the result: the env must follow the products, bit for bit. */
static void test_cartpole_products_not_pow(void **st)
{
    (void)st;
    for (unsigned mask = 1; mask <= 2; mask++) {
        int found = 0;
        for (int i = 0; i < 1000000 && found < 5; i++) {
            double s0[5] = {0.01, -0.02, -0.2 + 4e-7 * i, 2.5 - 5e-6 * i, 0.0};
            if (mask == 1) { /* make mpl*thd^2*sin(theta) matter next to the force */
                s0[2] = 0.2 - 1e-7 * i;
                s0[3] = 40.0 - 1e-5 * i;
            }
            double a[4], b[4];
            memcpy(a, s0, sizeof a);
            memcpy(b, s0, sizeof b);
            double force = (i & 1) ? 10.0 : -10.0;
            cartpole_ref(a, force, 0);
            cartpole_ref(b, force, mask);
            if (memcmp(a, b, sizeof a) == 0)
                continue;
            found++;
            step_out o = step_from(&rlc_env_cartpole_v1, s0, (i & 1) ? 1.0 : 0.0);
            for (int k = 0; k < 4; k++)
                check_f64(o.state[k], a[k], "cartpole_products", (size_t)i, "state");
        }
        assert_int_equal(found, 5);
    }
}

/* The documented mapping for the (caller-validated) action double. */
static void test_cartpole_action_mapping(void **st)
{
    (void)st;
    const double s[5] = {0.0, 0.0, 0.05, 0.0, 0.0};
    step_out right = step_from(&rlc_env_cartpole_v1, s, 1.0);
    step_out left = step_from(&rlc_env_cartpole_v1, s, 0.0);
    assert_true(right.state[1] > left.state[1]);
    step_out half = step_from(&rlc_env_cartpole_v1, s, 0.5);
    step_out below = step_from(&rlc_env_cartpole_v1, s, 0.49);
    assert_true(half.state[1] == right.state[1]);
    assert_true(below.state[1] == left.state[1]);
}

/* step_batch gives bit for bit what step then observe give, copy by copy: states spread
 * far past the thresholds (so both sincos paths of glibc and the terminated
 * bookkeeping are used), n not a multiple of the internal group, a stride
 * wider than the state. */
static void test_cartpole_step_batch_matches_step(void **st)
{
    (void)st;
    enum { N = 19, STRIDE = 7, ROUNDS = 2000 };
    const rlc_env_type *type = &rlc_env_cartpole_v1;
    assert_non_null(type->step_batch);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 7);
    double batch[N * STRIDE], single[N * STRIDE], actions[N], rb[N], rs[N], ob[N * 4], os[4];
    bool tb[N], ts[N];
    size_t terminal = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < N * STRIDE; i++)
            batch[i] = 6.0 * (gsl_rng_uniform(rng) - 0.5); /* theta up to ±3 rad */
        for (size_t i = 0; i < N; i++) {
            batch[i * STRIDE + 4] = gsl_rng_uniform(rng) < 0.5 ? 0.0 : 1.0;
            actions[i] = (double)gsl_rng_uniform_int(rng, 2);
        }
        memcpy(single, batch, sizeof batch);
        type->step_batch(N, batch, STRIDE, actions, ob, rb, tb);
        for (size_t i = 0; i < N; i++) {
            type->step(single + i * STRIDE, &actions[i], &rs[i], &ts[i]);
            type->observe(single + i * STRIDE, os);
            for (size_t k = 0; k < 4; k++)
                check_obs(ob[i * 4 + k], os[k], "step_batch", (size_t)round, k);
            for (size_t k = 0; k < STRIDE; k++)
                check_f64(batch[i * STRIDE + k], single[i * STRIDE + k], "step_batch",
                          (size_t)round, "state");
            check_f64(rb[i], rs[i], "step_batch", (size_t)round, "reward");
            assert_int_equal(tb[i], ts[i]);
            terminal += ts[i];
        }
    }
    assert_true(terminal > ROUNDS * N / 2); /* most random states are out of bounds */
    gsl_rng_free(rng);
}

/* Pendulum's step_batch gives bit for bit what step then observe give, copy
 * by copy: angles that angle_normalize wraps without fmod and far outside
 * that range (fmod), on its boundaries (±π, ±3π), velocities past the ±8
 * clip, actions past ±2, n not a multiple of the internal group, a stride
 * wider than the state. The scratch sin θ is what observe would leave. */
static void test_pendulum_step_batch_matches_step(void **st)
{
    (void)st;
    enum { N = 19, STRIDE = 5, ROUNDS = 2000 };
    const rlc_env_type *type = &rlc_env_pendulum_v1;
    assert_non_null(type->step_batch);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 11);
    static const double edges[] = {-PI, PI, 3.0 * PI, -3.0 * PI, 0.0, -0.0, 1e-300};
    double batch[N * STRIDE], single[N * STRIDE], actions[N], rb[N], rs[N], ob[N * 3], os[3];
    bool tb[N], ts[N];
    size_t far = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < N; i++) {
            double *s = batch + i * STRIDE, u = gsl_rng_uniform(rng);
            if (u < 0.6)
                s[0] = 8.0 * (gsl_rng_uniform(rng) - 0.5);
            else if (u < 0.9)
                s[0] = 400.0 * (gsl_rng_uniform(rng) - 0.5);
            else
                s[0] = edges[gsl_rng_uniform_int(rng, sizeof edges / sizeof edges[0])];
            far += fabs(s[0]) > 3.0 * PI;
            s[1] = 20.0 * (gsl_rng_uniform(rng) - 0.5);
            s[2] = sin(s[0]);
            s[3] = s[4] = -1.0; /* past the state: untouched */
            actions[i] = 6.0 * (gsl_rng_uniform(rng) - 0.5);
        }
        memcpy(single, batch, sizeof batch);
        type->step_batch(N, batch, STRIDE, actions, ob, rb, tb);
        for (size_t i = 0; i < N; i++) {
            type->step(single + i * STRIDE, &actions[i], &rs[i], &ts[i]);
            type->observe(single + i * STRIDE, os);
            for (size_t k = 0; k < 3; k++)
                check_obs(ob[i * 3 + k], os[k], "step_batch", (size_t)round, k);
            for (size_t k = 0; k < STRIDE; k++)
                check_f64(batch[i * STRIDE + k], single[i * STRIDE + k], "step_batch",
                          (size_t)round, "state");
            check_f64(rb[i], rs[i], "step_batch", (size_t)round, "reward");
            assert_false(tb[i]);
            assert_false(ts[i]);
        }
    }
    assert_true(far > ROUNDS * N / 5); /* the fmod path was taken often */
    gsl_rng_free(rng);
}

/* ---- reset, TimeLimit, registry ------------------------------------------ */

static void test_reset_ranges(void **st)
{
    (void)st;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);
    rlc_env *pe = NULL, *ce = NULL;
    assert_int_equal(rlc_env_create(&pe, &rlc_env_pendulum_v1, rng), RLC_OK);
    assert_int_equal(rlc_env_create(&ce, &rlc_env_cartpole_v1, rng), RLC_OK);
    double obs[4], reward, a = 1.0;
    bool term, trunc;
    double pmin[2] = {INFINITY, INFINITY}, pmax[2] = {-INFINITY, -INFINITY};
    double cmin = INFINITY, cmax = -INFINITY, csum = 0.0;
    for (int k = 0; k < 10000; k++) {
        /* a few steps, then reset: the TimeLimit counter restarts */
        rlc_env_step(pe, &a, obs, &reward, &term, &trunc);
        rlc_env_step(ce, &a, obs, &reward, &term, &trunc);
        assert_int_equal(pe->elapsed_steps, 1);
        rlc_env_reset(pe, obs);
        assert_int_equal(pe->elapsed_steps, 0);
        const double *s = pe->state;
        assert_true(s[0] >= -PI && s[0] < PI);
        assert_true(s[1] >= -1.0 && s[1] < 1.0);
        assert_true(obs[0] == (double)(float)cos(s[0]));
        assert_true(obs[1] == (double)(float)sin(s[0]));
        assert_true(obs[2] == (double)(float)s[1]);
        for (int i = 0; i < 2; i++) {
            pmin[i] = fmin(pmin[i], s[i]);
            pmax[i] = fmax(pmax[i], s[i]);
        }
        rlc_env_reset(ce, obs);
        assert_int_equal(ce->elapsed_steps, 0);
        assert_true(ce->state[4] == 0.0);
        for (int i = 0; i < 4; i++) {
            double x = ce->state[i];
            assert_true(x >= -0.05 && x < 0.05);
            assert_true(obs[i] == (double)(float)x);
            cmin = fmin(cmin, x);
            cmax = fmax(cmax, x);
            csum += x;
        }
    }
    /* the ranges are actually covered (not e.g. all zero) */
    assert_true(pmin[0] < -3.1 && pmax[0] > 3.1 && pmin[1] < -0.99 && pmax[1] > 0.99);
    assert_true(cmin < -0.0499 && cmax > 0.0499);
    assert_near(csum / 40000.0, 0.0, 1e-3);
    rlc_env_free(pe);
    rlc_env_free(ce);
    gsl_rng_free(rng);
}

static void test_reset_deterministic(void **st)
{
    (void)st;
    for (size_t t = 0; rlc_env_registry[t]; t++) {
        const rlc_env_type *type = rlc_env_registry[t];
        gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r1, 42);
        gsl_rng_set(r2, 42);
        rlc_env *e1 = NULL, *e2 = NULL;
        assert_int_equal(rlc_env_create(&e1, type, r1), RLC_OK);
        assert_int_equal(rlc_env_create(&e2, type, r2), RLC_OK);
        double o1[4], o2[4], first[5];
        rlc_env_reset(e1, o1);
        memcpy(first, e1->state, type->state_dim * sizeof(double));
        rlc_env_reset(e2, o2);
        for (int k = 0; k < 100; k++) {
            for (size_t i = 0; i < type->state_dim; i++)
                assert_true(bits64(e1->state[i]) == bits64(e2->state[i]));
            for (size_t i = 0; i < type->observation_space.dim; i++)
                assert_true(bits64(o1[i]) == bits64(o2[i]));
            rlc_env_reset(e1, o1);
            rlc_env_reset(e2, o2);
        }
        /* later resets differ from the first */
        assert_true(e1->state[0] != first[0]);
        /* a different seed gives a different first state */
        gsl_rng_set(r2, 43);
        rlc_env_reset(e2, o2);
        assert_true(e2->state[0] != first[0]);
        rlc_env_free(e1);
        rlc_env_free(e2);
        gsl_rng_free(r1);
        gsl_rng_free(r2);
    }
}

/* truncated is false on steps 1 .. limit-1 and true from step `limit` on,
 * whatever terminated does; a reset restarts the count. */
static void check_truncation(const rlc_env_type *type, unsigned limit)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    rlc_env *env = NULL;
    assert_int_equal(rlc_env_create(&env, type, rng), RLC_OK);
    assert_int_equal(type->max_episode_steps, limit);
    double obs[4], reward, a = 0.0;
    bool term, trunc;
    for (int episode = 0; episode < 2; episode++) {
        rlc_env_reset(env, obs);
        if (episode == 1) /* a reset mid-episode also restarts the count */
            for (int k = 0; k < 7; k++)
                rlc_env_step(env, &a, obs, &reward, &term, &trunc);
        rlc_env_reset(env, obs);
        for (unsigned t = 1; t <= limit + 2; t++) {
            a = (t % 3 == 0) ? 1.0 : 0.0;
            rlc_env_step(env, &a, obs, &reward, &term, &trunc);
            assert_int_equal(env->elapsed_steps, t);
            if (trunc != (t >= limit))
                fail_msg("%s step %u: truncated = %d", type->id, t, trunc);
        }
    }
    rlc_env_free(env);
    gsl_rng_free(rng);
}

static void test_truncation(void **st)
{
    (void)st;
    check_truncation(&rlc_env_pendulum_v1, 200);
    check_truncation(&rlc_env_cartpole_v1, 500);
}

static void test_registry(void **st)
{
    (void)st;
    assert_null(rlc_env_find("Nope-v0"));
    assert_null(rlc_env_find(NULL));
    assert_null(rlc_env_find("pendulum-v1"));
    assert_ptr_equal(rlc_env_find("Pendulum-v1"), &rlc_env_pendulum_v1);
    assert_ptr_equal(rlc_env_find("CartPole-v1"), &rlc_env_cartpole_v1);
    size_t n = 0;
    while (rlc_env_registry[n])
        n++;
    assert_true(n >= 2);

    rlc_env *env = (rlc_env *)1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_int_equal(rlc_env_create(&env, NULL, rng), RLC_EINVAL);
    assert_int_equal(rlc_env_create(&env, &rlc_env_pendulum_v1, NULL), RLC_EINVAL);
    assert_int_equal(rlc_env_create(NULL, &rlc_env_pendulum_v1, rng), RLC_EINVAL);
    assert_int_equal(rlc_env_create(&env, &rlc_env_pendulum_v1, rng), RLC_OK);
    assert_true(env->state[0] == 0.0 && env->state[1] == 0.0 && env->elapsed_steps == 0);
    rlc_env_free(env);
    rlc_env_free(NULL);
    gsl_rng_free(rng);
}

static void test_spaces(void **st)
{
    (void)st;
    const rlc_env_type *p = &rlc_env_pendulum_v1;
    assert_string_equal(p->id, "Pendulum-v1");
    assert_int_equal(p->state_dim, 2);
    assert_int_equal(p->observation_space.kind, RLC_SPACE_BOX);
    assert_int_equal(p->observation_space.dim, 3);
    const double plo[3] = {-1, -1, -8}, phi[3] = {1, 1, 8};
    for (int i = 0; i < 3; i++) {
        assert_true(p->observation_space.low[i] == plo[i]);
        assert_true(p->observation_space.high[i] == phi[i]);
    }
    assert_int_equal(p->action_space.kind, RLC_SPACE_BOX);
    assert_int_equal(p->action_space.dim, 1);
    assert_true(p->action_space.low[0] == -2.0 && p->action_space.high[0] == 2.0);

    const rlc_env_type *c = &rlc_env_cartpole_v1;
    assert_string_equal(c->id, "CartPole-v1");
    assert_int_equal(c->state_dim, 5);
    assert_int_equal(c->observation_space.kind, RLC_SPACE_BOX);
    assert_int_equal(c->observation_space.dim, 4);
    const double chi[4] = {4.800000190734863, INFINITY, 0.41887903213500977, INFINITY};
    for (int i = 0; i < 4; i++) {
        assert_true(c->observation_space.high[i] == chi[i]);
        assert_true(c->observation_space.low[i] == -chi[i]);
    }
    assert_int_equal(c->action_space.kind, RLC_SPACE_DISCRETE);
    assert_int_equal(c->action_space.dim, 1);
    assert_int_equal(c->action_space.n, 2);
    assert_null(c->action_space.low);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest rest[] = {
        cmocka_unit_test(test_pendulum_lockstep),
        cmocka_unit_test(test_pendulum_random_vs_reference),
        cmocka_unit_test(test_pendulum_negative_angle),
        cmocka_unit_test(test_pendulum_large_angle),
        cmocka_unit_test(test_pendulum_pi),
        cmocka_unit_test(test_pendulum_clip),
        cmocka_unit_test(test_cartpole_termination_reward),
        cmocka_unit_test(test_cartpole_back_in_bounds),
        cmocka_unit_test(test_cartpole_thresholds_and_actions),
        cmocka_unit_test(test_cartpole_products_not_pow),
        cmocka_unit_test(test_cartpole_action_mapping),
        cmocka_unit_test(test_cartpole_step_batch_matches_step),
        cmocka_unit_test(test_pendulum_step_batch_matches_step),
        cmocka_unit_test(test_reset_ranges),
        cmocka_unit_test(test_reset_deterministic),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_spaces),
    };
    enum { N_REST = sizeof rest / sizeof rest[0] };
    struct CMUnitTest tests[1 + N_TRACES + N_REST];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_trace_list_complete);
    for (size_t i = 0; i < N_TRACES; i++) {
        tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_trace, (void *)&traces[i]);
        tests[n++].name = traces[i].file; /* one test per trace, named by its file */
    }
    for (size_t i = 0; i < N_REST; i++)
        tests[n++] = rest[i];
    return _cmocka_run_group_tests("env", tests, n, NULL, NULL);
}
