/* test_kill.c — SIGKILL at any moment leaves the last checkpoint loadable
 * and resumable (issue 10). For a PPO CartPole and a small DDPG Pendulum
 * run: one uninterrupted run, then in a loop `rlc run` killed with SIGKILL
 * after a random delay (a seeded generator: every other delay between 0
 * and the uninterrupted run's wall time, the others in its first 40%,
 * where the first checkpoint is; the same fractions every time, where
 * they land in the run depends on the machine's speed), then `rlc resume`
 * on its run directory. Whenever a checkpoint was written the resume exits
 * 0, its eval.csv equals the uninterrupted run's byte for byte and no
 * model.rlc.tmp is left; when the kill came before the first checkpoint
 * it exits 2 saying there is no checkpoint (or, killed before the run
 * directory or its config.ini existed, there is nothing to resume). The
 * counts are printed. Written under a mkdtemp directory that the group
 * teardown removes. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test_files.h"
#include "test_spawn.h"
#include "test_util.h"

#ifndef RLC_BIN
#error "RLC_BIN must name the rlc executable"
#endif
#ifndef RLC_CONFIGS_DIR
#define RLC_CONFIGS_DIR "configs"
#endif


#define RLC_TIMEOUT_S 60

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Wait for pid, at most until `deadline` (now() seconds; then SIGKILL).
 * Returns the exit status, or -1 if a signal ended it. */
static int wait_until(pid_t pid, double deadline)
{
    int status;
    pid_t got;
    const struct timespec tick = {0, 1000 * 1000};
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now() < deadline)
        nanosleep(&tick, NULL);
    if (got == 0) {
        kill(pid, SIGKILL);
        got = waitpid(pid, &status, 0);
    }
    assert_int_equal(got, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_to_end(const char *tag, const char *const argv[])
{
    return wait_until(spawn_logged(tag, NULL, argv), now() + RLC_TIMEOUT_S);
}

/* A reproducible delay in [0, 1): splitmix64 of a counter. */
static double uniform(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

typedef struct kill_case {
    const char *name; /* tag and run directory stem */
    const char *ini;
    const char *sets[16]; /* --set values, NULL-terminated */
    int kills;
} kill_case;

/* argv for `rlc run ini --out out --set ...`. */
static void run_argv(const kill_case *k, const char *out, const char *argv[40])
{
    int n = 0;
    argv[n++] = RLC_BIN;
    argv[n++] = "run";
    argv[n++] = k->ini;
    argv[n++] = "--out";
    argv[n++] = out;
    for (int i = 0; k->sets[i]; i++) {
        argv[n++] = "--set";
        argv[n++] = k->sets[i];
    }
    argv[n] = NULL;
}

static void kill_loop(const kill_case *k, uint64_t seed)
{
    const char *argv[40];
    char *full = strdup(tmp_path("%s-full", k->name));
    run_argv(k, full, argv);
    double t0 = now();
    assert_int_equal(run_to_end(k->name, argv), 0);
    double length = now() - t0;
    char p[900];
    snprintf(p, sizeof p, "%s/%s-s1/eval.csv", full, k->name);
    char *want = slurp(p, NULL);

    int before_dir = 0, no_checkpoint = 0, resumed = 0, finished = 0, stale_tmp = 0;
    for (int i = 0; i < k->kills; i++) {
        char *out = strdup(tmp_path("%s-kill%d", k->name, i));
        char tag[64], dir[800];
        snprintf(tag, sizeof tag, "%s-kill%d", k->name, i);
        snprintf(dir, sizeof dir, "%s/%s-s1", out, k->name);
        run_argv(k, out, argv);
        pid_t pid = spawn_logged(tag, NULL, argv);
        /* Every other kill early on, where the first checkpoint is. */
        double delay = length * uniform(&seed) * (i % 2 ? 1.0 : 0.4);
        int rc = wait_until(pid, now() + delay);
        if (rc == 0)
            finished++; /* it ended before the kill */
        else
            assert_int_equal(rc, -1);
        snprintf(p, sizeof p, "%s/config.ini", dir);
        if (!exists(p)) { /* killed before there was anything to resume */
            before_dir++;
            free(out);
            continue;
        }
        snprintf(p, sizeof p, "%s/model.rlc", dir);
        bool had_checkpoint = exists(p);
        snprintf(p, sizeof p, "%s/model.rlc.tmp", dir);
        stale_tmp += exists(p); /* killed while writing a checkpoint */
        const char *resume[] = {RLC_BIN, "resume", dir, NULL};
        snprintf(tag, sizeof tag, "%s-resume%d", k->name, i);
        rc = run_to_end(tag, resume);
        char *err = slurp(tmp_path("%s.err", tag), NULL);
        if (!had_checkpoint) {
            /* "no checkpoint", or (killed in the middle of writing it) a
             * config.ini cut short: exit 2 either way */
            bool said = strstr(err, "model.rlc: no checkpoint: the run stopped before") &&
                        strstr(err, "start it again with rlc run\n");
            if (rc != 2 || !(said || strstr(err, "config.ini")))
                print_error("kill %d: resume without a checkpoint: exit %d, stderr:\n%s", i, rc,
                            err);
            assert_int_equal(rc, 2);
            assert_true(said || strstr(err, "config.ini"));
            no_checkpoint++;
        } else {
            if (rc != 0)
                print_error("kill %d (after %s): resume exit %d, stderr:\n%s", i, dir, rc, err);
            assert_int_equal(rc, 0);
            snprintf(p, sizeof p, "%s/eval.csv", dir);
            char *got = slurp(p, NULL);
            assert_string_equal(got, want);
            free(got);
            snprintf(p, sizeof p, "%s/model.rlc.tmp", dir);
            assert_false(exists(p));
            resumed++;
        }
        free(err);
        free(out);
    }
    print_message("%s: run %.2f s; %d kills: %d before config.ini, %d before the first "
                  "checkpoint (resume: exit 2), %d resumed bit-exact (%d had finished, %d left "
                  "a model.rlc.tmp)\n",
                  k->name, length, k->kills, before_dir, no_checkpoint, resumed, finished,
                  stale_tmp);
    assert_int_equal(before_dir + no_checkpoint + resumed, k->kills);
    free(want);
    free(full);
}

static void test_kill_ppo(void **state)
{
    (void)state;
    static const kill_case k = {
        "ppo_cartpole",
        RLC_CONFIGS_DIR "/ppo_cartpole.ini",
        {"run.checkpoint_freq=2048", "run.total_timesteps=40000", "eval.eval_freq=4096",
         "eval.n_eval_episodes=2", NULL},
        16};
    kill_loop(&k, 10);
}

/* Off-policy: the checkpoint holds the replay buffer. */
static void test_kill_ddpg(void **state)
{
    (void)state;
    static const kill_case k = {
        "ddpg_pendulum",
        RLC_CONFIGS_DIR "/ddpg_pendulum.ini",
        {"run.checkpoint_freq=500", "run.total_timesteps=4000", "eval.eval_freq=1000",
         "eval.n_eval_episodes=2", "ddpg.learning_starts=500", "ddpg.buffer_size=5000",
         "ddpg.net_arch=16,16", NULL},
        10};
    kill_loop(&k, 11);
}

/* A stale model.rlc.tmp (a kill in the middle of a write) is removed by
 * resume, also when the run had finished; rlc eval leaves it. */
static void test_stale_tmp_removed(void **state)
{
    (void)state;
    const char *out = tmp_path("stale");
    const char *argv[] = {RLC_BIN, "run", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--out", out,
                          "--set", "run.total_timesteps=512", NULL};
    assert_int_equal(run_to_end("stale", argv), 0);
    char dir[800], p[900];
    snprintf(dir, sizeof dir, "%s/ppo_cartpole-s1", out);
    snprintf(p, sizeof p, "%s/model.rlc.tmp", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("half a checkpoint", f);
    assert_int_equal(fclose(f), 0);
    const char *resume[] = {RLC_BIN, "resume", dir, NULL};
    assert_int_equal(run_to_end("stale-resume", resume), 0);
    assert_false(exists(p));
}

/* Killed while training, before its first checkpoint (there is none
 * before the end): resume exits 2 and says so. */
static void test_killed_before_checkpoint(void **state)
{
    (void)state;
    const char *out = tmp_path("nockpt");
    const char *argv[] = {RLC_BIN, "run", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--out", out,
                          "--set", "run.total_timesteps=100000000", "--set",
                          "run.checkpoint_freq=0", NULL};
    pid_t pid = spawn_logged("nockpt", NULL, argv);
    char dir[800], p[900];
    snprintf(dir, sizeof dir, "%s/ppo_cartpole-s1", out);
    snprintf(p, sizeof p, "%s/progress.csv", dir);
    const struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < RLC_TIMEOUT_S * 100 && !exists(p); i++)
        nanosleep(&tick, NULL);
    assert_true(exists(p));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(wait_until(pid, now() + RLC_TIMEOUT_S), -1);
    const char *resume[] = {RLC_BIN, "resume", dir, NULL};
    assert_int_equal(run_to_end("nockpt-resume", resume), 2);
    char *err = slurp(tmp_path("nockpt-resume.err"), NULL);
    char want[1200];
    snprintf(want, sizeof want,
             "rlc: %s/model.rlc: no checkpoint: the run stopped before it wrote its first one "
             "(run.checkpoint_freq = 0); start it again with rlc run\n",
             dir);
    assert_string_equal(err, want);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_ppo),
        cmocka_unit_test(test_kill_ddpg),
        cmocka_unit_test(test_killed_before_checkpoint),
        cmocka_unit_test(test_stale_tmp_removed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
