/* test_run.c — a training run on disk (rlc_run_train): run directory naming
 * (<stem>-s<seed>, then -2, -3, ...; nested out dir created), the contents
 * of config.ini, monitor.csv, progress.csv, eval.csv and model.rlc, the
 * plain (non-TTY) progress display, same-seed reproducibility of the files,
 * failures that must touch nothing, and rlc_run_write_checkpoint's format
 * and atomic replacement. Everything is written under a mkdtemp directory
 * that the group teardown removes. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_vector.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/a2c.h"
#include "rlc/config.h"
#include "rlc/ddpg.h"
#include "rlc/optim.h"
#include "rlc/ppo.h"
#include "rlc/run.h"
#include "test_files.h"
#include "test_state.h"
#include "test_util.h"

/* The algorithm sections of a configuration, as their settings structs. */
#define DDPG(c) ((rlc_ddpg_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_ddpg))
#define PPO(c) ((rlc_ppo_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_ppo))
#define A2C(c) ((rlc_a2c_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_a2c))

#ifndef RLC_CONFIGS_DIR
#define RLC_CONFIGS_DIR "configs"
#endif
#define PENDULUM_INI RLC_CONFIGS_DIR "/ddpg_pendulum.ini"

#define PENDULUM_MIN_REWARD (-16.2736044) /* -(pi^2 + 0.1*8^2 + 0.001*2^2) per step */

/* ---- temp dir and file helpers ----------------------------------------- */


static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static char *slurp_in(const char *dir, const char *name, size_t *len)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return slurp(path, len);
}

/* Split text in place into lines (a final newline is required and does not
 * start an empty line); returns the count, at most max. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line is terminated */
        *nl = '\0';
        assert_true(n < max);
        lines[n++] = p;
        p = nl + 1;
    }
    return n;
}

/* Parse a CSV row of exactly n numeric fields. */
static void parse_row(const char *line, double *v, size_t n)
{
    const char *p = line;
    for (size_t i = 0; i < n; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p)
            print_error("field %zu of '%s' is not a number\n", i + 1, line);
        assert_true(end != p);
        if (i + 1 < n) {
            assert_int_equal(*end, ',');
            p = end + 1;
        } else {
            assert_int_equal(*end, '\0');
        }
    }
}

/* ---- configs and runs --------------------------------------------------- */

/* configs/ddpg_pendulum.ini, shortened to 3000 steps. */
static void short_config(rlc_config *cfg, uint64_t seed)
{
    rlc_config_error err = {{0}};
    rlc_config_default(cfg);
    rlc_status st = rlc_config_load(cfg, PENDULUM_INI, &err);
    if (st != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, RLC_OK);
    const char *sets[] = {"run.total_timesteps=3000", "ddpg.learning_starts=1000",
                          "eval.eval_freq=1000", "eval.n_eval_episodes=2", "run.log_interval=500"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        assert_int_equal(rlc_config_set(cfg, sets[i], &err), RLC_OK);
    cfg->seed = seed;
    assert_int_equal(rlc_config_validate(cfg, &err), RLC_OK);
}

/* A 200-step run (one episode, one evaluation) for naming tests. */
static void tiny_config(rlc_config *cfg, uint64_t seed)
{
    short_config(cfg, seed);
    cfg->total_timesteps = 200;
    DDPG(cfg)->learning_starts = 100;
    cfg->eval_freq = 0;
    cfg->n_eval_episodes = 1;
    cfg->log_interval = 1000; /* only the final row */
    rlc_config_error err;
    assert_int_equal(rlc_config_validate(cfg, &err), RLC_OK);
}

static void train_ok(const rlc_config *cfg, const char *config_path, const char *out_dir,
                     FILE *progress, rlc_run_result *res)
{
    rlc_status st = rlc_run_train(cfg, config_path, out_dir, progress, res);
    if (st != RLC_OK)
        print_error("rlc_run_train: %s (%s)\n", rlc_strerror(st), res->error);
    assert_int_equal(st, RLC_OK);
}

/* Every setting that rlc_config_write writes, compared exactly (doubles
 * bitwise: the dump must read back to the same bits). */
static void assert_config_equal(const rlc_config *a, const rlc_config *b)
{
    assert_string_equal(a->algo, b->algo);
    assert_string_equal(a->env_id, b->env_id);
    assert_true(a->seed == b->seed);
    assert_int_equal(a->total_timesteps, b->total_timesteps);
    assert_int_equal(a->log_interval, b->log_interval);
    assert_int_equal(a->eval_freq, b->eval_freq);
    assert_int_equal(a->n_eval_episodes, b->n_eval_episodes);
    const rlc_ddpg_config *x = DDPG(a), *y = DDPG(b);
    assert_memory_equal(&x->learning_rate, &y->learning_rate, sizeof(double));
    assert_int_equal(x->buffer_size, y->buffer_size);
    assert_int_equal(x->learning_starts, y->learning_starts);
    assert_int_equal(x->batch_size, y->batch_size);
    assert_memory_equal(&x->tau, &y->tau, sizeof(double));
    assert_memory_equal(&x->gamma, &y->gamma, sizeof(double));
    assert_int_equal(x->train_freq, y->train_freq);
    assert_int_equal(x->gradient_steps, y->gradient_steps);
    assert_int_equal(x->n_hidden, y->n_hidden);
    for (size_t i = 0; i < x->n_hidden; i++)
        assert_int_equal(x->net_arch[i], y->net_arch[i]);
    assert_int_equal(x->action_noise, y->action_noise);
    assert_memory_equal(&x->noise_std, &y->noise_std, sizeof(double));
    assert_memory_equal(&x->ou_theta, &y->ou_theta, sizeof(double));
    assert_memory_equal(&x->ou_dt, &y->ou_dt, sizeof(double));
}

/* model.rlc: a checkpoint (rlc/checkpoint.h) whose CRC-32 is right and
 * from which rlc_run_load_agent builds the run's agent. */
static void check_checkpoint(const char *dir)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp_in(dir, "model.rlc", &len);
    assert_true(len > 48 + 4);
    assert_memory_equal(b, "RLCCKPT2", 8);
    uint32_t stored;
    memcpy(&stored, b + len - 4, 4);
    assert_int_equal(stored, (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(len - 4)));
    free(b);
    rlc_config cfg;
    void *agent;
    char err[512];
    assert_int_equal(rlc_run_load_agent(dir, &cfg, &agent, err, sizeof err), RLC_OK);
    rlc_agent_find(cfg.algo)->free(agent);
}

/* State shared by the tests of one 3000-step run and its repetitions. */
static rlc_config run_cfg;
static rlc_run_result run1;
static bool run1_done;

static void ensure_run1(void)
{
    if (run1_done)
        return;
    short_config(&run_cfg, 7);
    FILE *prog = fopen(tmp_path("progress1.txt"), "w");
    assert_non_null(prog);
    /* a nested out dir that does not exist yet */
    train_ok(&run_cfg, PENDULUM_INI, tmp_path("out/nested/deeper"), prog, &run1);
    assert_int_equal(fclose(prog), 0);
    run1_done = true;
}

/* ---- tests -------------------------------------------------------------- */

static void test_run_dir_and_result(void **state)
{
    (void)state;
    assert_false(exists(tmp_path("out")));
    ensure_run1();
    assert_string_equal(run1.run_dir, tmp_path("out/nested/deeper/ddpg_pendulum-s7"));
    assert_true(is_dir(run1.run_dir));
    assert_int_equal(run1.timesteps, 3000);
    assert_true(run1.seconds > 0 && isfinite(run1.seconds)); /* no upper bound: valgrind is slow */
    assert_true(isfinite(run1.final_mean) && isfinite(run1.final_std));
    assert_string_equal(run1.error, "");
    const char *files[] = {"config.ini", "monitor.csv", "progress.csv", "eval.csv", "model.rlc"};
    for (size_t i = 0; i < 5; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", run1.run_dir, files[i]);
        if (!exists(p))
            print_error("missing %s\n", p);
        assert_true(exists(p));
    }
    /* no temp file left behind by the checkpoint writer */
    char p[4400];
    snprintf(p, sizeof p, "%s/model.rlc.tmp", run1.run_dir);
    assert_false(exists(p));
}

static void test_config_ini_reads_back(void **state)
{
    (void)state;
    ensure_run1();
    char path[4400];
    snprintf(path, sizeof path, "%s/config.ini", run1.run_dir);
    rlc_config back;
    rlc_config_error err = {{0}};
    rlc_config_default(&back);
    back.seed = 999; /* must come from the file */
    back.total_timesteps = 1;
    rlc_status st = rlc_config_load(&back, path, &err);
    if (st != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, RLC_OK);
    assert_int_equal(rlc_config_validate(&back, &err), RLC_OK);
    assert_config_equal(&back, &run_cfg);
    assert_true(back.seed == 7);
    assert_int_equal(back.total_timesteps, 3000);
    assert_int_equal(DDPG(&back)->learning_starts, 1000);
}

static void test_monitor_csv(void **state)
{
    (void)state;
    ensure_run1();
    char *text = slurp_in(run1.run_dir, "monitor.csv", NULL);
    char *lines[64] = {0};
    size_t n = split_lines(text, lines, 64);
    assert_int_equal(n, 2 + 15); /* 3000 steps / 200 */
    const char *head = "#{\"t_start\": ";
    assert_memory_equal(lines[0], head, strlen(head));
    double t_start = strtod(lines[0] + strlen(head), NULL);
    assert_true(fabs(t_start - (double)time(NULL)) < 600); /* wall clock, seconds since the epoch */
    assert_non_null(strstr(lines[0], "\"env_id\": \"Pendulum-v1\"}"));
    assert_string_equal(lines[1], "r,l,t");
    double prev_t = 0;
    for (size_t i = 2; i < n; i++) {
        double v[3];
        parse_row(lines[i], v, 3);
        assert_true(isfinite(v[0]));
        assert_true(v[0] <= 0 && v[0] >= PENDULUM_MIN_REWARD * 200);
        assert_true(v[1] == 200); /* Pendulum never terminates: truncated at 200 */
        assert_true(v[2] >= prev_t && v[2] <= run1.seconds + 1e-6);
        prev_t = v[2];
    }
    free(text);
}

static void test_progress_csv_and_display(void **state)
{
    (void)state;
    ensure_run1();
    char *text = slurp_in(run1.run_dir, "progress.csv", NULL);
    char *lines[64] = {0};
    size_t n = split_lines(text, lines, 64);
    assert_int_equal(n, 1 + 6);
    assert_string_equal(lines[0], "timesteps,episodes,time_elapsed,fps,ep_rew_mean,ep_len_mean,"
                                  "actor_loss,critic_loss,n_updates");
    double prev_updates = 0;
    for (size_t i = 1; i < n; i++) {
        double v[9];
        parse_row(lines[i], v, 9);
        double ts = 500.0 * (double)i;
        assert_true(v[0] == ts);
        assert_true(v[1] == floor(ts / 200)); /* episodes finished so far */
        assert_true(v[2] >= 0);
        assert_true(isfinite(v[4]) && v[4] <= 0 && v[4] >= PENDULUM_MIN_REWARD * 200);
        assert_true(v[5] == 200);
        if (ts <= 1000) { /* no training before learning_starts */
            assert_true(v[8] == 0);
            assert_true(isnan(v[6]) && isnan(v[7]));
        } else {
            assert_true(v[8] > prev_updates);
            assert_true(isfinite(v[6]) && isfinite(v[7]) && v[7] >= 0);
        }
        prev_updates = v[8];
    }
    free(text);

    /* the display went to a regular file: plain lines, one per progress row */
    text = slurp(tmp_path("progress1.txt"), NULL);
    assert_null(strchr(text, '\r'));
    assert_null(strchr(text, '\033'));
    n = split_lines(text, lines, 64);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "%zu/3000 steps ", 500 * (i + 1));
        assert_memory_equal(lines[i], want, strlen(want));
    }
    free(text);
}

static void test_eval_csv(void **state)
{
    (void)state;
    ensure_run1();
    char *text = slurp_in(run1.run_dir, "eval.csv", NULL);
    char *lines[16] = {0};
    size_t n = split_lines(text, lines, 16);
    assert_int_equal(n, 1 + 3);
    const char *head = "timesteps,mean_reward,std_reward";
    assert_memory_equal(lines[0], head, strlen(head));
    assert_string_equal(lines[0], "timesteps,mean_reward,std_reward,min_reward,max_reward");
    for (size_t i = 1; i < n; i++) {
        double v[5];
        parse_row(lines[i], v, 5);
        assert_true(v[0] == 1000.0 * (double)i);
        double mean = v[1], sd = v[2], lo = v[3], hi = v[4];
        assert_true(lo <= mean && mean <= hi);
        assert_true(sd >= 0);
        assert_true(lo >= PENDULUM_MIN_REWARD * 200 && hi <= 0);
        /* two episodes: the mean is the midpoint, the population sd half the spread */
        assert_near(mean, 0.5 * (lo + hi), 2e-6);
        assert_near(sd, 0.5 * (hi - lo), 2e-6);
    }
    /* the result is the last evaluation, as printed */
    char last[128], want[64];
    snprintf(last, sizeof last, "%s", lines[3]);
    char *mean_field = strchr(last, ',') + 1;
    char *sd_field = strchr(mean_field, ',');
    *sd_field++ = '\0';
    *strchr(sd_field, ',') = '\0';
    snprintf(want, sizeof want, "%.6f", run1.final_mean);
    assert_string_equal(mean_field, want);
    snprintf(want, sizeof want, "%.6f", run1.final_std);
    assert_string_equal(sd_field, want);
    free(text);
}

static void test_model_checkpoint(void **state)
{
    (void)state;
    ensure_run1();
    check_checkpoint(run1.run_dir);
}

/* Compare monitor.csv r and l columns (t is wall time and may differ). */
static void assert_monitor_rl_equal(const char *dir_a, const char *dir_b)
{
    char *a = slurp_in(dir_a, "monitor.csv", NULL), *b = slurp_in(dir_b, "monitor.csv", NULL);
    char *la[64] = {0}, *lb[64] = {0};
    size_t na = split_lines(a, la, 64), nb = split_lines(b, lb, 64);
    assert_int_equal(na, nb);
    assert_int_equal(na, 17);
    for (size_t i = 2; i < na; i++) {
        char *ta = strrchr(la[i], ','), *tb = strrchr(lb[i], ',');
        assert_non_null(ta);
        assert_non_null(tb);
        *ta = *tb = '\0';
        assert_string_equal(la[i], lb[i]);
    }
    free(a);
    free(b);
}

static bool files_equal(const char *dir_a, const char *dir_b, const char *name)
{
    size_t na, nb;
    char *a = slurp_in(dir_a, name, &na), *b = slurp_in(dir_b, name, &nb);
    bool eq = na == nb && memcmp(a, b, na) == 0;
    free(a);
    free(b);
    return eq;
}

/* Acceptance: same seed → identical files (in a new -2 directory, the first
 * untouched); another seed → another model. */
static void test_reproducible(void **state)
{
    (void)state;
    ensure_run1();
    size_t len1;
    char *model1 = slurp_in(run1.run_dir, "model.rlc", &len1);

    rlc_config cfg;
    short_config(&cfg, 7);
    rlc_run_result run2;
    train_ok(&cfg, PENDULUM_INI, tmp_path("out/nested/deeper"), NULL, &run2);
    assert_string_equal(run2.run_dir, tmp_path("out/nested/deeper/ddpg_pendulum-s7-2"));
    assert_monitor_rl_equal(run1.run_dir, run2.run_dir);
    assert_true(files_equal(run1.run_dir, run2.run_dir, "eval.csv"));
    assert_true(files_equal(run1.run_dir, run2.run_dir, "model.rlc")); /* pitfall B21 */
    assert_same_agent_state(run1.run_dir, run2.run_dir);
    assert_true(files_equal(run1.run_dir, run2.run_dir, "config.ini"));
    assert_memory_equal(&run1.final_mean, &run2.final_mean, sizeof(double));

    /* the first run's files were not overwritten */
    size_t len1b;
    char *model1b = slurp_in(run1.run_dir, "model.rlc", &len1b);
    assert_int_equal(len1, len1b);
    assert_memory_equal(model1, model1b, len1);
    free(model1b);

    short_config(&cfg, 8);
    rlc_run_result run3;
    train_ok(&cfg, PENDULUM_INI, tmp_path("out/nested/deeper"), NULL, &run3);
    assert_string_equal(run3.run_dir, tmp_path("out/nested/deeper/ddpg_pendulum-s8"));
    size_t len3;
    char *model3 = slurp_in(run3.run_dir, "model.rlc", &len3);
    assert_int_equal(len3, len1); /* same architecture, same layout */
    assert_memory_not_equal(model1, model3, len1);
    assert_false(files_equal(run1.run_dir, run3.run_dir, "eval.csv"));
    check_checkpoint(run3.run_dir);
    free(model1);
    free(model3);
}

/* <stem>-s<seed>, -2, -3, ...: the stem is the config file name without its
 * last extension; an existing entry of any kind is skipped. */
static void test_run_dir_naming(void **state)
{
    (void)state;
    rlc_config cfg;
    tiny_config(&cfg, 5);
    char out[4400];
    snprintf(out, sizeof out, "%s", tmp_path("naming"));
    rlc_run_result r;
    const char *cfg_path = "some/where/my.exp.ini"; /* only its name is used */
    train_ok(&cfg, cfg_path, out, NULL, &r);
    assert_string_equal(r.run_dir, tmp_path("naming/my.exp-s5"));
    train_ok(&cfg, cfg_path, out, NULL, &r);
    assert_string_equal(r.run_dir, tmp_path("naming/my.exp-s5-2"));
    train_ok(&cfg, cfg_path, out, NULL, &r);
    assert_string_equal(r.run_dir, tmp_path("naming/my.exp-s5-3"));
    assert_true(is_dir(tmp_path("naming/my.exp-s5")) && is_dir(tmp_path("naming/my.exp-s5-2")));

    /* a plain file in the way is not overwritten either */
    cfg.seed = 6;
    FILE *f = fopen(tmp_path("naming/noext-s6"), "w");
    assert_non_null(f);
    fputs("keep", f);
    fclose(f);
    train_ok(&cfg, "noext", out, NULL, &r);
    assert_string_equal(r.run_dir, tmp_path("naming/noext-s6-2"));
    char *keep = slurp(tmp_path("naming/noext-s6"), NULL);
    assert_string_equal(keep, "keep");
    free(keep);

    /* the tiny run's files: one episode, one evaluation at the end */
    char *text = slurp_in(r.run_dir, "eval.csv", NULL);
    char *lines[8] = {0};
    assert_int_equal(split_lines(text, lines, 8), 2);
    double v[5];
    parse_row(lines[1], v, 5);
    assert_true(v[0] == 200 && v[2] == 0 && v[1] == v[3] && v[1] == v[4]);
    free(text);
    assert_true(r.final_std == 0);
}

/* Failures: nothing is created before the agent and envs exist, and an
 * unusable out dir is an RLC_EIO naming it. */
static void test_train_errors(void **state)
{
    (void)state;
    rlc_config cfg;
    tiny_config(&cfg, 1);
    rlc_run_result r;

    snprintf(cfg.env_id, sizeof cfg.env_id, "Nope-v0");
    assert_int_equal(rlc_run_train(&cfg, PENDULUM_INI, tmp_path("err1"), NULL, &r), RLC_EINVAL);
    assert_non_null(strstr(r.error, "Nope-v0"));
    assert_false(exists(tmp_path("err1")));

    tiny_config(&cfg, 1);
    snprintf(cfg.algo, sizeof cfg.algo, "nope");
    assert_int_equal(rlc_run_train(&cfg, PENDULUM_INI, tmp_path("err2"), NULL, &r), RLC_EINVAL);
    assert_non_null(strstr(r.error, "nope"));
    assert_false(exists(tmp_path("err2")));

    /* out dir below a regular file */
    tiny_config(&cfg, 1);
    FILE *f = fopen(tmp_path("afile"), "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(rlc_run_train(&cfg, PENDULUM_INI, tmp_path("afile/sub"), NULL, &r), RLC_EIO);
    assert_non_null(strstr(r.error, tmp_path("afile")));
    assert_true(isnan(r.final_mean));
}

/* ---- a caller's environment ---------------------------------------------- */

/* Drift-v0: a point at x ∈ [−1, 1] (uniform at reset) moved by 0.1·a per
 * step, a ∈ [−1, 1]; reward −x²; never terminates; 20-step TimeLimit. */
static void drift_reset(double *state, gsl_rng *rng) { state[0] = 2.0 * gsl_rng_uniform(rng) - 1.0; }
static void drift_step(double *state, const double *action, double *reward, bool *terminated)
{
    double a = action[0] < -1.0 ? -1.0 : action[0] > 1.0 ? 1.0 : action[0];
    state[0] += 0.1 * a;
    *reward = -state[0] * state[0];
    *terminated = false;
}
static void drift_observe(double *state, double *obs) { obs[0] = (double)(float)state[0]; }
static const double drift_low[1] = {-1.0}, drift_high[1] = {1.0};
static const double drift_obs_low[1] = {-3.0}, drift_obs_high[1] = {3.0};
static const rlc_env_type drift_v0 = {
    .id = "Drift-v0",
    .state_dim = 1,
    .observation_space = {RLC_SPACE_BOX, 1, 0, drift_obs_low, drift_obs_high},
    .action_space = {RLC_SPACE_BOX, 1, 0, drift_low, drift_high},
    .max_episode_steps = 20,
    .reset = drift_reset,
    .step = drift_step,
    .observe = drift_observe,
};

/* A caller registers its own environment and trains on it through
 * rlc_run_train with a configuration built in code (no file): the run
 * directory is complete, named "<algo>_<env_id>-s<seed>", and its
 * config.ini reads back to the same settings. */
static void test_user_env_config_in_code(void **state)
{
    (void)state;
    assert_int_equal(rlc_env_register(NULL), RLC_EINVAL);
    assert_int_equal(rlc_env_register(&rlc_env_pendulum_v1), RLC_EINVAL); /* id taken */
    rlc_env_type bad = drift_v0;
    bad.id = "Bad id";
    assert_int_equal(rlc_env_register(&bad), RLC_EINVAL);
    bad = drift_v0;
    bad.observe = NULL;
    assert_int_equal(rlc_env_register(&bad), RLC_EINVAL);
    assert_null(rlc_env_find("Drift-v0"));
    assert_int_equal(rlc_env_register(&drift_v0), RLC_OK);
    assert_ptr_equal(rlc_env_find("Drift-v0"), &drift_v0);
    assert_int_equal(rlc_env_register(&drift_v0), RLC_EINVAL); /* once */

    rlc_config cfg;
    rlc_config_default(&cfg);
    snprintf(cfg.algo, sizeof cfg.algo, "ppo");
    snprintf(cfg.env_id, sizeof cfg.env_id, "Drift-v0");
    cfg.seed = 3;
    cfg.total_timesteps = 256;
    cfg.eval_freq = 128;
    cfg.n_eval_episodes = 2;
    PPO(&cfg)->n_steps = 64;
    PPO(&cfg)->n_envs = 2;
    PPO(&cfg)->policy.net_arch[0] = PPO(&cfg)->policy.net_arch[1] = 8;
    cfg.log_interval = 200; /* updates come every 128 steps: a line at 256 only */
    rlc_run_result r;
    assert_int_equal(rlc_run_train(NULL, NULL, tmp_path("user"), NULL, &r), RLC_EINVAL);
    assert_int_equal(rlc_run_train(&cfg, NULL, NULL, NULL, &r), RLC_EINVAL);
    FILE *display = fopen(tmp_path("user_display.txt"), "w");
    assert_non_null(display);
    train_ok(&cfg, NULL, tmp_path("user"), display, &r);
    fclose(display);
    char *shown = slurp(tmp_path("user_display.txt"), NULL);
    assert_non_null(strstr(shown, "256/256 steps"));
    assert_null(strstr(shown, "128/256 steps"));
    free(shown);
    assert_string_equal(r.run_dir, tmp_path("user/ppo_Drift-v0-s3"));
    assert_int_equal(r.timesteps, 256);
    /* 20-step episodes of reward in [−1.21, 0]: the final evaluation is there and plausible */
    assert_true(r.final_mean <= 0.0 && r.final_mean >= -20 * 1.21);

    size_t len;
    char *text = slurp_in(r.run_dir, "monitor.csv", &len);
    char *lines[64] = {0};
    size_t n = split_lines(text, lines, 64);
    assert_non_null(strstr(lines[0], "\"env_id\": \"Drift-v0\""));
    assert_int_equal(n, 2 + 256 / 20); /* header lines, then one row per finished episode */
    for (size_t i = 2; i < n; i++)
        assert_non_null(strstr(lines[i], ",20,"));
    free(text);
    text = slurp_in(r.run_dir, "progress.csv", &len);
    n = split_lines(text, lines, 64);
    assert_int_equal(n, 1 + 2); /* rows at the evaluations, 128 and 256 (the end) */
    free(text);
    text = slurp_in(r.run_dir, "eval.csv", &len);
    n = split_lines(text, lines, 64);
    assert_int_equal(n, 1 + 2); /* at 128 and 256 steps */
    free(text);
    assert_true(exists(tmp_path("user/ppo_Drift-v0-s3/model.rlc")));

    char ini[4352];
    snprintf(ini, sizeof ini, "%s/config.ini", r.run_dir);
    rlc_config back;
    rlc_config_default(&back);
    rlc_config_error err;
    assert_int_equal(rlc_config_load(&back, ini, &err), RLC_OK);
    assert_int_equal(rlc_config_validate(&back, &err), RLC_OK);
    assert_string_equal(back.env_id, "Drift-v0");
    assert_memory_equal(PPO(&back), PPO(&cfg), sizeof(rlc_ppo_config));
}

/* ---- divergence ------------------------------------------------------------ */

/* Blowup-v0: Drift-v0 whose rewards become 1e200 after blowup_after steps
 * of all its copies together, so that the value loss overflows. */
static size_t blowup_steps, blowup_after;
static void blowup_step(double *state, const double *action, double *reward, bool *terminated)
{
    drift_step(state, action, reward, terminated);
    if (++blowup_steps > blowup_after)
        *reward = 1e200;
}
static const rlc_env_type blowup_v0 = {
    .id = "Blowup-v0",
    .state_dim = 1,
    .observation_space = {RLC_SPACE_BOX, 1, 0, drift_obs_low, drift_obs_high},
    .action_space = {RLC_SPACE_BOX, 1, 0, drift_low, drift_high},
    .max_episode_steps = 20,
    .reset = drift_reset,
    .step = drift_step,
    .observe = drift_observe,
};

/* A run whose value loss overflows stops with RLC_ENONFINITE and a message
 * naming the quantity and the update; the last checkpoint before it is
 * kept, loads, and holds finite parameters. */
static void test_divergence_keeps_last_checkpoint(void **state)
{
    (void)state;
    rlc_env_type env = blowup_v0;
    env.step = blowup_step;
    static rlc_env_type registered;
    registered = env;
    assert_int_equal(rlc_env_register(&registered), RLC_OK);
    rlc_config cfg;
    rlc_config_default(&cfg);
    snprintf(cfg.algo, sizeof cfg.algo, "ppo");
    snprintf(cfg.env_id, sizeof cfg.env_id, "Blowup-v0");
    cfg.seed = 1;
    cfg.total_timesteps = 2048;
    cfg.checkpoint_freq = 256;
    cfg.eval_freq = 0;
    cfg.n_eval_episodes = 1;
    PPO(&cfg)->n_steps = 64;
    PPO(&cfg)->n_envs = 2;
    PPO(&cfg)->batch_size = 64;
    PPO(&cfg)->n_epochs = 2;
    PPO(&cfg)->policy.net_arch[0] = PPO(&cfg)->policy.net_arch[1] = 8;
    blowup_steps = 0;
    blowup_after = 600; /* in the 5th rollout (128 steps each) */
    rlc_run_result r;
    rlc_status st = rlc_run_train(&cfg, NULL, tmp_path("diverge"), NULL, &r);
    assert_int_equal(st, RLC_ENONFINITE);
    /* 4 good updates of 2 epochs x 2 minibatches: the 17th step fails */
    assert_string_equal(r.error, "training diverged: non-finite value loss at update 17, after "
                                 "640 steps; the last checkpoint (512 steps) is kept");
    rlc_config got;
    void *agent = NULL;
    char err[512];
    assert_int_equal(rlc_run_load_agent(r.run_dir, &got, &agent, err, sizeof err), RLC_OK);
    rlc_agent_tensor t[RLC_AGENT_MAX_TENSORS];
    size_t n = rlc_agent_ppo.tensors(agent, t);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++)
        assert_true(rlc_optim_all_finite(t[i].value));
    rlc_agent_ppo.free(agent);
    char path[4400];
    snprintf(path, sizeof path, "%s/model.rlc.tmp", r.run_dir);
    assert_false(exists(path));
}

int main(void)
{
    rlc_blas_set_threads(1);
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_dir_and_result),
        cmocka_unit_test(test_config_ini_reads_back),
        cmocka_unit_test(test_monitor_csv),
        cmocka_unit_test(test_progress_csv_and_display),
        cmocka_unit_test(test_eval_csv),
        cmocka_unit_test(test_model_checkpoint),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_run_dir_naming),
        cmocka_unit_test(test_train_errors),
        cmocka_unit_test(test_user_env_config_in_code),
        cmocka_unit_test(test_divergence_keeps_last_checkpoint),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
