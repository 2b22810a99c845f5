/* test_sweep.c — `rlc sweep` through the binary: a small sweep with a job
 * that fails (PPO with log_std_init 800: exp(800) overflows and the first
 * update diverges), its records, run directories and comparison; a re-run
 * that skips the finished runs, resumes one stopped at a checkpoint (made
 * here with the library, as a Ctrl-C would leave it) and starts again one
 * killed before its first checkpoint, each ending with the bytes of the
 * uninterrupted run; the sweep file's errors (file:line, exit 2, nothing
 * created); and, when MPI is built, the same sweep on 2 ranks giving the
 * same runs. */
#define _GNU_SOURCE /* fopencookie */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rlc/config.h"
#include "rlc/run.h"
#include "test_files.h"
#include "test_spawn.h"

#ifndef RLC_BIN
#define RLC_BIN "build/rlc"
#endif

static char *out_text, *err_text;

#define TIMEOUT_S 300

/* Run argv (NULL-terminated) with stdout and stderr into tmp files read
 * back into out_text and err_text; returns the exit status (-1 if killed). */
static int run(const char *tag, const char *const *argv)
{
    int code = wait_logged(spawn_logged(tag, NULL, argv), tag, TIMEOUT_S);
    free(out_text);
    free(err_text);
    out_text = slurp_log(tag, "out");
    err_text = slurp_log(tag, "err");
    return code;
}

#define assert_contains(hay, needle)                                                              \
    do {                                                                                         \
        if (!strstr((hay), (needle)))                                                            \
            print_error("'%s' not found in:\n%s\n", (needle), (hay) ? (hay) : "(null)");        \
        assert_non_null(strstr((hay), (needle)));                                                \
    } while (0)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    if (na != nb || memcmp(x, y, na))
        print_error("%s and %s differ\n", a, b);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *t = slurp(from, &n);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(t, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(t);
}

/* The sweep: PPO at two log_std_init values (800 fails) and A2C, seeds 1-2. */
#define GRID_SETS "ppo.log_std_init", "run.total_timesteps=8192", "run.log_interval=2048", \
                  "eval.eval_freq=2048", "eval.n_eval_episodes=2"

static const char *sweep_file(void)
{
    const char *path = tmp_path("small.ini");
    char text[2048];
    snprintf(text, sizeof text,
             "; the sweep of test_sweep.c\n"
             "[sweep]\n"
             "configs = %s/ppo_pendulum.ini, %s/a2c_pendulum.ini\n"
             "seeds = 1-2\n"
             "[grid]\n"
             "ppo.log_std_init = 0, 800 ; exp(800) is infinite: the first update diverges\n"
             "run.total_timesteps = 8192\n"
             "run.log_interval = 2048\n"
             "eval.eval_freq = 2048\n"
             "eval.n_eval_episodes = 2\n",
             RLC_CONFIGS_DIR, RLC_CONFIGS_DIR);
    write_file(path, text);
    return path;
}

/* The row of `run` in sweep.csv text, up to its status and exit status. */
static void assert_row(const char *csv, const char *run_name, const char *status_and_exit)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s,", run_name);
    const char *row = strstr(csv, want);
    if (!row)
        print_error("no row %s in:\n%s\n", run_name, csv);
    assert_non_null(row);
    const char *end = strchr(row + 1, '\n');
    assert_non_null(end);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(end - row - 1), row + 1);
    /* run,config,seed,status,exit_status,... */
    const char *p = line;
    for (int commas = 0; commas < 3; p++)
        if (*p == ',')
            commas++;
    if (strncmp(p, status_and_exit, strlen(status_and_exit)))
        print_error("row '%s': expected status,exit '%s'\n", line, status_and_exit);
    assert_int_equal(strncmp(p, status_and_exit, strlen(status_and_exit)), 0);
}

static const char *const ok_runs[] = {"ppo_pendulum-log_std_init=0-s1",
                                      "ppo_pendulum-log_std_init=0-s2", "a2c_pendulum-s1",
                                      "a2c_pendulum-s2"};

/* In a child process (a stop request lasts for the whole process): train
 * the job ppo_pendulum-log_std_init=0-s2 as the sweep would, asking it to
 * stop after its first progress line, as Ctrl-C would. */
static size_t lines_left;

static ssize_t stop_after_lines(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    for (size_t i = 0; i < size; i++)
        if (buf[i] == '\n' && lines_left && --lines_left == 0)
            rlc_run_request_stop();
    return (ssize_t)size;
}

static void make_interrupted(const char *run_dir)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static rlc_config cfg;
        rlc_config_error err;
        rlc_config_default(&cfg);
        const char *sets[] = {"ppo.log_std_init=0", "run.total_timesteps=8192",
                              "run.log_interval=2048", "eval.eval_freq=2048",
                              "eval.n_eval_episodes=2", "run.seed=2"};
        rlc_status st = rlc_config_load(&cfg, RLC_CONFIGS_DIR "/ppo_pendulum.ini", &err);
        for (size_t i = 0; st == RLC_OK && i < sizeof sets / sizeof sets[0]; i++)
            st = rlc_config_set(&cfg, sets[i], &err);
        lines_left = 1;
        cookie_io_functions_t io = {.write = stop_after_lines};
        FILE *display = fopencookie(NULL, "w", io);
        rlc_run_result res;
        if (st == RLC_OK)
            st = rlc_run_train_at(&cfg, run_dir, display, &res);
        fclose(display);
        /* stopped at a checkpoint before the end */
        _exit(st == RLC_EINTERRUPTED && res.timesteps > 0 && res.timesteps < 8192 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Every job finished but the runs cannot be compared (PPO's runs end at
 * 2816 steps, A2C evaluates only at 3000): the sweep says so and still
 * exits 0, as its exit status is about the jobs. */
static void test_uncomparable_runs_exit_0(void **state)
{
    (void)state;
    char ini[512], out[512], text[1024];
    snprintf(ini, sizeof ini, "%s", tmp_path("nocmp.ini"));
    snprintf(text, sizeof text,
             "[sweep]\nconfigs = %s/ppo_cartpole.ini, %s/a2c_cartpole.ini\nseeds = 1\n"
             "[grid]\nrun.total_timesteps = 3000\neval.n_eval_episodes = 1\n",
             RLC_CONFIGS_DIR, RLC_CONFIGS_DIR);
    write_file(ini, text);
    snprintf(out, sizeof out, "%s", tmp_path("nocmp"));
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", out, "--jobs", "2", NULL};
    int rc = run("nocmp", argv);
    if (rc != 0)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 0);
    assert_contains(out_text, "2 jobs: 2 finished (0 resumed), 0 skipped (finished before), 0 failed");
    assert_contains(err_text, "rlc sweep: no comparison of the runs");
}

static void test_sweep_and_rerun(void **state)
{
    (void)state;
    const char *ini = sweep_file();
    char out[512];
    snprintf(out, sizeof out, "%s", tmp_path("small"));
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", out, "--jobs", "2", NULL};
    int rc = run("sweep1", argv);
    if (rc != 1)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 1); /* a job failed */
    assert_contains(out_text, ": 6 jobs (2 configs, 2 seeds) -> ");
    assert_contains(out_text, "] ppo_pendulum-log_std_init=800-s1: failed (exit status 1) after ");
    assert_contains(out_text, "training diverged: non-finite policy loss at update 1");
    assert_contains(out_text, "\n6 jobs: 4 finished (0 resumed), 0 skipped (finished before),"
                              " 2 failed; ");
    /* the comparison, grouped by grid point, on stdout and in compare.csv */
    assert_contains(out_text, "\nppo_pendulum-log_std_init=0      2 ");
    assert_contains(out_text, "\na2c_pendulum                     2 ");
    char path[1024], saved[1024];
    snprintf(path, sizeof path, "%s/compare.csv", out);
    char *cmp = slurp(path, NULL);
    assert_contains(cmp, "\ngroup,ppo_pendulum-log_std_init=0,,2,");
    assert_contains(cmp, "\ngroup,a2c_pendulum,,2,");
    assert_contains(cmp, "\npair,ppo_pendulum-log_std_init=0,a2c_pendulum,");
    assert_null(strstr(cmp, "800"));
    free(cmp);
    snprintf(path, sizeof path, "%s/sweep.csv", out);
    char *rec = slurp(path, NULL);
    assert_contains(rec, "run,config,seed,status,exit_status,rank,seconds,timesteps,final_mean,"
                         "final_std,error\n");
    assert_row(rec, "ppo_pendulum-log_std_init=0-s1", "finished,0,0,");
    assert_row(rec, "ppo_pendulum-log_std_init=800-s1", "failed,1,0,");
    assert_row(rec, "ppo_pendulum-log_std_init=800-s2", "failed,1,0,");
    assert_row(rec, "a2c_pendulum-s2", "finished,0,0,");
    assert_contains(rec, ",\"training diverged: non-finite policy loss at update 1, after 2048"
                         " steps; no checkpoint was written\"\n");
    free(rec);
    /* each finished job is the run `rlc run` makes with the same settings */
    const char *one[] = {RLC_BIN, "run", RLC_CONFIGS_DIR "/a2c_pendulum.ini", "--seed", "2",
                         "--set", "run.total_timesteps=8192", "--set", "run.log_interval=2048",
                         "--set", "eval.eval_freq=2048", "--set", "eval.n_eval_episodes=2",
                         "--out", tmp_path("single"), NULL};
    assert_int_equal(run("single", one), 0);
    snprintf(path, sizeof path, "%s/a2c_pendulum-s2/eval.csv", out);
    assert_same_file(path, tmp_path("single/a2c_pendulum-s2/eval.csv"));

    /* keep the finished runs' results, then make one job stopped at a
     * checkpoint and one killed before its first */
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s/eval.csv", out, ok_runs[i]);
        snprintf(saved, sizeof saved, "%s/%s.eval.csv", tmp_dir, ok_runs[i]);
        copy_file(path, saved);
        snprintf(path, sizeof path, "%s/%s/model.rlc", out, ok_runs[i]);
        snprintf(saved, sizeof saved, "%s/%s.model.rlc", tmp_dir, ok_runs[i]);
        copy_file(path, saved);
    }
    char dir[900];
    snprintf(dir, sizeof dir, "%s/ppo_pendulum-log_std_init=0-s2", out);
    const char *files[] = {"config.ini", "run.json", "monitor.csv", "progress.csv", "eval.csv",
                           "model.rlc"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
    make_interrupted(dir);
    snprintf(path, sizeof path, "%s/run.json", dir);
    char *info = slurp(path, NULL);
    assert_contains(info, "\"status\": \"interrupted\"");
    free(info);
    snprintf(dir, sizeof dir, "%s/a2c_pendulum-s1", out);
    snprintf(path, sizeof path, "%s/model.rlc", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/run.json", dir);
    write_file(path, "{\n  \"status\": \"running\"\n}\n");

    rc = run("sweep2", argv);
    if (rc != 1)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 1);
    assert_contains(out_text, "] ppo_pendulum-log_std_init=0-s1: skipped (finished before: final"
                              " eval ");
    assert_contains(out_text, "] ppo_pendulum-log_std_init=0-s2: resumed, finished in ");
    assert_contains(out_text, "] a2c_pendulum-s1: finished in ");
    assert_contains(out_text, "\n6 jobs: 2 finished (1 resumed), 2 skipped (finished before),"
                              " 2 failed; ");
    snprintf(path, sizeof path, "%s/sweep.csv", out);
    rec = slurp(path, NULL);
    assert_row(rec, "ppo_pendulum-log_std_init=0-s1", "skipped,,");
    assert_row(rec, "ppo_pendulum-log_std_init=0-s2", "resumed,0,0,");
    assert_row(rec, "ppo_pendulum-log_std_init=800-s2", "failed,1,0,");
    assert_row(rec, "a2c_pendulum-s1", "finished,0,0,");
    assert_row(rec, "a2c_pendulum-s2", "skipped,,");
    free(rec);
    /* the resumed and the restarted run end as the uninterrupted ones did */
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s/eval.csv", out, ok_runs[i]);
        snprintf(saved, sizeof saved, "%s/%s.eval.csv", tmp_dir, ok_runs[i]);
        assert_same_file(path, saved);
        snprintf(path, sizeof path, "%s/%s/model.rlc", out, ok_runs[i]);
        snprintf(saved, sizeof saved, "%s/%s.model.rlc", tmp_dir, ok_runs[i]);
        assert_same_file(path, saved);
    }

    /* a run directory that another configuration made is not this job's */
    snprintf(path, sizeof path, "%s/a2c_pendulum-s2/config.ini", out);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("; edited\n", f);
    fclose(f);
    rc = run("sweep3", argv);
    assert_int_equal(rc, 1);
    assert_contains(out_text, "] a2c_pendulum-s2: failed: ");
    assert_contains(out_text, "a2c_pendulum-s2 was made with another configuration (its"
                              " config.ini is not this job's)");

#ifdef RLC_MPIRUN
    /* the same sweep on 2 ranks: the same runs, and rank 1 ran some */
    char out2[512];
    snprintf(out2, sizeof out2, "%s", tmp_path("small-mpi"));
    const char *mpi[16] = {RLC_MPIRUN, "-n", "2", "--oversubscribe"};
    size_t n = 4;
    if (geteuid() == 0)
        mpi[n++] = "--allow-run-as-root";
    const char *rest[] = {RLC_BIN, "sweep", ini, "--out", out2, NULL};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        mpi[n++] = rest[i];
    rc = run("sweep-mpi", mpi);
    if (rc != 1)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 1);
    assert_contains(out_text, ": 6 jobs (2 configs, 2 seeds) -> ");
    assert_contains(out_text, "; 2 MPI ranks\n");
    assert_contains(out_text, " (rank 1)\n");
    assert_contains(out_text, "\n6 jobs: 4 finished (0 resumed), 0 skipped (finished before),"
                              " 2 failed; ");
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s/eval.csv", out2, ok_runs[i]);
        snprintf(saved, sizeof saved, "%s/%s.eval.csv", tmp_dir, ok_runs[i]);
        assert_same_file(path, saved);
    }
    snprintf(path, sizeof path, "%s/compare.csv", out2);
    assert_true(exists(path));
#endif
}

/* Ctrl-C: the sweep stops handing out jobs, the running job writes its
 * checkpoint, sweep.csv says so and the exit status is 130; the same
 * command again resumes it and starts the other, and the resumed run ends
 * with the bytes of a run that never stopped. The signal is sent once the
 * job has written its first checkpoint (its model.rlc exists), long
 * before its 100,000 steps end. */
static void test_ctrl_c_and_resume(void **state)
{
    (void)state;
    const char *ini = tmp_path("ctrlc.ini");
    char text[1024];
    snprintf(text, sizeof text,
             "[sweep]\nconfigs = %s/ppo_pendulum.ini\nseeds = 1-2\n[grid]\n"
             "run.total_timesteps = 100000\nrun.checkpoint_freq = 2048\neval.eval_freq = 20000\n"
             "eval.n_eval_episodes = 2\n",
             RLC_CONFIGS_DIR);
    write_file(ini, text);
    char out[512];
    snprintf(out, sizeof out, "%s", tmp_path("ctrlc"));
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", out, "--jobs", "1", NULL};
    char out_path[600], err_path[600], model[700];
    snprintf(out_path, sizeof out_path, "%s/ctrlc1.out", tmp_dir);
    snprintf(err_path, sizeof err_path, "%s/ctrlc1.err", tmp_dir);
    snprintf(model, sizeof model, "%s/ppo_pendulum-s1/model.rlc", out);
    pid_t pid = spawn_logged("ctrlc1", NULL, argv);
    struct timespec tick = {0, 2 * 1000 * 1000};
    int status;
    for (int i = 0; !exists(model); i++) { /* the first checkpoint */
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
        assert_true(i < 60 * 500);
        nanosleep(&tick, NULL);
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char *o = slurp(out_path, NULL), *e = slurp(err_path, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 130)
        print_error("stdout:\n%s\nstderr:\n%s\n", o, e);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    assert_contains(o, "] ppo_pendulum-s1: interrupted after ");
    assert_contains(o, "\n2 jobs: 0 finished (0 resumed), 0 skipped (finished before), 0 failed,"
                       " 1 interrupted, 1 not started; ");
    assert_contains(e, "rlc: interrupted: run the same sweep again to resume it\n");
    free(o);
    free(e);
    char path[700];
    snprintf(path, sizeof path, "%s/sweep.csv", out);
    char *rec = slurp(path, NULL);
    assert_row(rec, "ppo_pendulum-s1", "interrupted,130,0,");
    assert_row(rec, "ppo_pendulum-s2", "not_started,,");
    free(rec);
    snprintf(path, sizeof path, "%s/ppo_pendulum-s1/run.json", out);
    char *info = slurp(path, NULL);
    assert_contains(info, "\"status\": \"interrupted\"");
    free(info);

    int rc = run("ctrlc2", argv);
    if (rc != 0)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 0);
    assert_contains(out_text, "] ppo_pendulum-s1: resumed, finished in ");
    assert_contains(out_text, "] ppo_pendulum-s2: finished in ");
    const char *one[] = {RLC_BIN, "run", RLC_CONFIGS_DIR "/ppo_pendulum.ini", "--seed", "1",
                         "--set", "run.total_timesteps=100000", "--set", "run.checkpoint_freq=2048",
                         "--set", "eval.eval_freq=20000", "--set", "eval.n_eval_episodes=2",
                         "--out", tmp_path("ctrlc-single"), NULL};
    assert_int_equal(run("ctrlc-single", one), 0);
    snprintf(path, sizeof path, "%s/ppo_pendulum-s1/eval.csv", out);
    assert_same_file(path, tmp_path("ctrlc-single/ppo_pendulum-s1/eval.csv"));
    snprintf(path, sizeof path, "%s/ppo_pendulum-s1/model.rlc", out);
    assert_same_file(path, tmp_path("ctrlc-single/ppo_pendulum-s1/model.rlc"));
}

/* Each error in a sweep file: exit 2, "rlc: FILE:LINE: ..." and nothing created. */
static void expect_error(const char *tag, const char *text, const char *message)
{
    const char *ini = tmp_path("%s.ini", tag);
    write_file(ini, text);
    const char *out = tmp_path("%s-out", tag);
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", out, NULL};
    int rc = run(tag, argv);
    char want[1024];
    snprintf(want, sizeof want, "rlc: %s%s\n", ini, message);
    if (rc != 2 || strcmp(err_text, want))
        print_error("%s: exit %d, stderr:\n%s\nexpected:\n%s", tag, rc, err_text, want);
    assert_int_equal(rc, 2);
    assert_string_equal(err_text, want);
    assert_string_equal(out_text, "");
    assert_false(exists(out));
}

#define PPO "configs = " RLC_CONFIGS_DIR "/ppo_cartpole.ini\n"

static void test_sweep_file_errors(void **state)
{
    (void)state;
    expect_error("noseeds", "[sweep]\n" PPO,
                 ": [sweep] seeds: missing; a sweep file names its configs and seeds (configs ="
                 " configs/ppo_cartpole.ini, ...; seeds = 1-10)");
    expect_error("badseeds", "[sweep]\n" PPO "seeds = 3-1\n",
                 ":3: [sweep] seeds: range 3-1 runs backwards (write 1-3)");
    expect_error("range", "[sweep]\n" PPO "seeds = 1\n[grid]\nppo.learning_rate = 1e-3, 2\n",
                 ":5: [grid] ppo.learning_rate: value '2': 2 is out of range (must be in (0, 1])");
    expect_error("typo", "[sweep]\n" PPO "seeds = 1\n[grid]\n\nppo.lerning_rate = 1e-3\n",
                 ":6: [grid] ppo.lerning_rate: value '1e-3': unknown key (did you mean"
                 " 'learning_rate'?)");
    expect_error("noconfig", "[sweep]\n" PPO "seeds = 1\n[grid]\ntrpo.target_kl = 0.01, 0.02\n",
                 ":5: [grid] trpo.target_kl: no config in [sweep] configs runs trpo");
    expect_error("section", "[sweep]\n" PPO "seeds = 1\n[grid]\nfoo.bar = 1\n",
                 ":5: [grid] foo.bar: unknown section 'foo' (run, eval, ddpg, ppo, a2c, trpo, qac)");
    expect_error("twice", "[sweep]\n" PPO "seeds = 1\n[grid]\nppo.n_epochs = 5, 5\n",
                 ":5: [grid] ppo.n_epochs: '5' is listed twice");
    expect_error("key", "[sweep]\n" PPO "seed = 1\n",
                 ":3: [sweep] seed: unknown key (the keys are configs and seeds)");
    expect_error("nodot", "[sweep]\n" PPO "seeds = 1\n[grid]\nlearning_rate = 1e-3\n",
                 ":5: [grid] learning_rate: a grid key is section.key, e.g. ppo.learning_rate");
    expect_error("cfgmissing", "[sweep]\nconfigs = /nonexistent/x.ini\nseeds = 1\n",
                 ":2: [sweep] configs: /nonexistent/x.ini: No such file or directory");
    expect_error("seedkey", "[sweep]\n" PPO "seeds = 1\n[grid]\nrun.seed = 1, 2\n",
                 ":5: [grid] run.seed: cannot be swept (list the seeds in [sweep] seeds)");
    expect_error("point", "[sweep]\n" PPO "seeds = 1\n[grid]\nppo.batch_size = 64, 100000\n",
                 ":5: [grid] ppo.batch_size: value '100000' (" RLC_CONFIGS_DIR "/ppo_cartpole.ini"
                 " with ppo.batch_size=100000): 100000 is larger than the rollout (n_steps"
                 " \xc3\x97 n_envs = 256)");
}

/* --out naming a regular file: exit 2 before any job starts, saying so
 * (before, every job started and failed on it). */
static void test_out_is_a_file(void **state)
{
    (void)state;
    const char *file = tmp_path("outfile");
    write_file(file, "not a folder\n");
    const char *ini = tmp_path("outfile.ini");
    write_file(ini, "[sweep]\n" PPO "seeds = 1-2\n[grid]\nrun.total_timesteps = 512\n");
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", file, "--jobs", "2", NULL};
    int rc = run("outfile", argv);
    assert_int_equal(rc, 2);
    char want[1024];
    snprintf(want, sizeof want, "rlc sweep: --out %s: not a directory (a file is in the way of"
             " the folder the runs go to)\n", file);
    assert_string_equal(err_text, want);
    assert_string_equal(out_text, "");
}

/* A note of the comparison (here: every run has the same evaluation
 * steps) is printed once, with the table on stdout, and not again on
 * stderr by the pass that writes compare.csv. */
static void test_note_once(void **state)
{
    (void)state;
    const char *ini = tmp_path("note.ini");
    write_file(ini, "[sweep]\n" PPO "seeds = 1-2\n[grid]\nrun.total_timesteps = 1024\n"
                    "eval.n_eval_episodes = 1\neval.eval_freq = 512\nppo.n_envs = 2\n");
    const char *argv[] = {RLC_BIN, "sweep", ini, "--out", tmp_path("note"), "--jobs", "2", NULL};
    int rc = run("note", argv);
    if (rc != 0)
        print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 0);
    const char *note = "note: all runs share the same";
    assert_contains(out_text, note);
    assert_null(strstr(strstr(out_text, note) + 1, note));
    assert_null(strstr(err_text, "note:"));
    assert_true(exists(tmp_path("note/compare.csv")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_file_errors),
        cmocka_unit_test(test_sweep_and_rerun), cmocka_unit_test(test_uncomparable_runs_exit_0),
        cmocka_unit_test(test_ctrl_c_and_resume), cmocka_unit_test(test_out_is_a_file),
        cmocka_unit_test(test_note_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
