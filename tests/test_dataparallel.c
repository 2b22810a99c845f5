/* test_dataparallel.c — data-parallel training. Through the library, with
 * a stand-in for the other ranks (no MPI needed): a second rank that
 * mirrors this one exactly (its gradient equal, so the average is this
 * rank's gradient) trains bit for bit as a plain run, which checks that
 * every step goes through the sum and nothing else changes; a rank whose
 * model hash differs stops the run naming the step; a stop requested on
 * another rank stops this one with a checkpoint; an algorithm without
 * support is refused. With MPI built: `mpirun -n 1 rlc run` is bit for bit
 * `rlc run`, and `mpirun -n 2 rlc run` twice gives the same bytes (the
 * fixed-order sum), other than N = 1's, with one run directory (PPO,
 * DDPG; A2C with both normalisations, TRPO and QAC run to the end with
 * equal models on both ranks); Ctrl-C checkpoints every rank and
 * `mpirun -n 2 rlc resume` continues bit for bit, other rank counts
 * refused. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rlc/agent.h"
#include "rlc/config.h"
#include "rlc/run.h"
#include "rlc/stats.h"
#include "test_files.h"
#include "test_spawn.h"


/* ---- a stand-in for rank 1 -------------------------------------------------- */

typedef struct phantom {
    size_t calls;        /* sums of the agreement vector (one per checkpoint point) */
    size_t grads;        /* other sums (gradients, KL) */
    size_t bad_hash_at;  /* at this agreement, rank 1's hash is off by one (0: never) */
    size_t stop_at;      /* at this agreement, rank 1 asks to stop (0: never) */
} phantom;

/* Two ranks, rank 1 a copy of rank 0: the agreement vector [stop, h0, h1]
 * gets rank 1's stop flag and hash; every other vector is doubled (rank 1
 * has the same gradient). The agreement is the vector of size + 1 = 3
 * whose rank-1 slot is empty and whose stop flag is 0 or 1 (the reward
 * statistics' sum, also 3 long, starts with a count of returns and has a
 * sum of squares that is not 0). */
static rlc_status phantom_sum(void *ctx, double *x, size_t n)
{
    phantom *p = ctx;
    if (n == 3 && x[2] == 0.0 && (x[0] == 0.0 || x[0] == 1.0)) {
        p->calls++;
        x[2] = x[1] + (p->calls == p->bad_hash_at ? 1 : 0);
        x[0] += p->calls == p->stop_at ? 1 : 0;
        return RLC_OK;
    }
    p->grads++;
    for (size_t i = 0; i < n; i++)
        x[i] += x[i];
    return RLC_OK;
}

/* Rank 1's state for rank 0's checkpoint: zeros (nobody resumes these runs). */
static rlc_status phantom_move(void *ctx, size_t from, size_t to, void *buf, size_t n)
{
    (void)ctx;
    assert_int_equal(from, 1);
    assert_int_equal(to, 0);
    memset(buf, 0, n);
    return RLC_OK;
}

static void load(rlc_config *cfg, const char *ini, const char *const *sets)
{
    rlc_config_error err;
    rlc_config_default(cfg);
    rlc_status st = rlc_config_load(cfg, ini, &err);
    for (size_t i = 0; st == RLC_OK && sets[i]; i++)
        st = rlc_config_set(cfg, sets[i], &err);
    if (st != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, RLC_OK);
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

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

static const char *const small[] = {"run.total_timesteps=6144", "eval.eval_freq=2048",
                                    "eval.n_eval_episodes=3", "run.log_interval=2048",
                                    "ppo.target_kl=0.01", NULL};

/* The agent of a run directory's checkpoint, loaded. */
static void *load_agent(const char *run_dir, rlc_config *cfg)
{
    void *agent;
    char err[600];
    rlc_status st = rlc_run_load_agent(run_dir, cfg, &agent, err, sizeof err);
    if (st != RLC_OK)
        print_error("%s: %s\n", run_dir, err);
    assert_int_equal(st, RLC_OK);
    return agent;
}

/* Two loaded agents' tensors (parameters, targets, statistics) are equal
 * bit for bit. */
static void assert_same_agents(const char *a, const char *b)
{
    static rlc_config ca, cb;
    void *x = load_agent(a, &ca), *y = load_agent(b, &cb);
    const rlc_agent_type *t = rlc_agent_find(ca.algo);
    rlc_agent_tensor tx[RLC_AGENT_MAX_TENSORS], ty[RLC_AGENT_MAX_TENSORS];
    size_t n = t->tensors(x, tx);
    assert_int_equal(t->tensors(y, ty), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tx[i].value->size, ty[i].value->size);
        if (memcmp(tx[i].value->data, ty[i].value->data, tx[i].value->size * sizeof(double)))
            fail_msg("%s and %s: tensor %s differs", a, b, tx[i].name);
    }
    t->free(x);
    t->free(y);
}

/* The mirrored second rank: the same bytes as a plain run, every step
 * through the sum (PPO with its KL early stop; A2C; TRPO's gradient,
 * Fisher-vector products, line search and critic; DDPG's critic and
 * actor gradients; QAC's). The checkpoint holds rank 1's state as well,
 * so rank 0's part of it is compared: the agent it loads. */
static void test_mirror_is_plain(void **state)
{
    (void)state;
    const char *cases[][2] = {{RLC_CONFIGS_DIR "/ppo_cartpole.ini", "ppo_cartpole-s1"},
                              {RLC_CONFIGS_DIR "/a2c_pendulum.ini", "a2c_pendulum-s1"},
                              {RLC_CONFIGS_DIR "/trpo_pendulum.ini", "trpo_pendulum-s1"},
                              {RLC_CONFIGS_DIR "/ddpg_pendulum.ini", "ddpg_pendulum-s1"},
                              {RLC_CONFIGS_DIR "/qac_cartpole.ini", "qac_cartpole-s1"}};
    for (size_t k = 0; k < 5; k++) {
        static rlc_config cfg;
        /* without observation or reward normalisation: with several ranks
         * their statistics are merged as one batch per update, not step by
         * step */
        const char *const a2c_sets[] = {"run.total_timesteps=2048", "eval.eval_freq=1024",
                                        "eval.n_eval_episodes=3", "a2c.norm_obs=false",
                                        "a2c.norm_reward=false", NULL};
        const char *const trpo_sets[] = {"run.total_timesteps=12000", "eval.eval_freq=4000",
                                         "eval.n_eval_episodes=3", NULL};
        const char *const ddpg_sets[] = {"run.total_timesteps=1500", "eval.eval_freq=500",
                                         "eval.n_eval_episodes=3", "ddpg.learning_starts=500",
                                         NULL};
        const char *const qac_sets[] = {"run.total_timesteps=4096", "eval.eval_freq=1024",
                                        "eval.n_eval_episodes=3", NULL};
        const char *const *sets[] = {small, a2c_sets, trpo_sets, ddpg_sets, qac_sets};
        load(&cfg, cases[k][0], sets[k]);
        rlc_run_result res;
        const char *plain = tmp_path("mirror-plain-%zu", k), *two = tmp_path("mirror-two-%zu", k);
        assert_int_equal(rlc_run_train(&cfg, cases[k][0], plain, NULL, &res), RLC_OK);
        phantom p = {0};
        rlc_agent_ranks ranks = {.size = 2, .rank = 0, .seed = cfg.seed, .sum = phantom_sum, .move = phantom_move,
                                 .ctx = &p};
        rlc_status st = rlc_run_train_ranks(&cfg, cases[k][0], two, &ranks, NULL, &res);
        if (st != RLC_OK)
            print_error("%s\n", res.error);
        assert_int_equal(st, RLC_OK);
        assert_true(p.grads > 10);
        assert_true(p.calls >= 2);
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/%s/eval.csv", plain, cases[k][1]);
        snprintf(b, sizeof b, "%s/%s/eval.csv", two, cases[k][1]);
        assert_same_file(a, b);
        snprintf(a, sizeof a, "%s/%s", plain, cases[k][1]);
        snprintf(b, sizeof b, "%s/%s", two, cases[k][1]);
        assert_same_agents(a, b);
    }
}

/* Rank 1's parameters differ at the second checkpoint point (after the
 * second rollout of 8 × 32 steps): the run stops there with RLC_EIO naming
 * the step and both hashes. */
static void test_hash_mismatch_stops(void **state)
{
    (void)state;
    static rlc_config cfg;
    load(&cfg, RLC_CONFIGS_DIR "/ppo_cartpole.ini", small);
    phantom p = {.bad_hash_at = 2};
    rlc_agent_ranks ranks = {.size = 2, .rank = 0, .seed = cfg.seed, .sum = phantom_sum, .move = phantom_move, .ctx = &p};
    rlc_run_result res;
    rlc_status st = rlc_run_train_ranks(&cfg, NULL, tmp_path("mismatch"), &ranks, NULL, &res);
    assert_int_equal(st, RLC_EIO);
    assert_non_null(strstr(res.error, "data-parallel: the ranks' models differ after 512 steps"
                                      " (hash of the parameters and normalisation statistics:"
                                      " rank 0 "));
    assert_non_null(strstr(res.error, ", rank 1 "));
    assert_int_equal(p.calls, 2);
}

/* Rank 1 asks to stop at the first checkpoint point: rank 0 writes its
 * checkpoint and stops too. */
static void test_stop_on_other_rank(void **state)
{
    (void)state;
    static rlc_config cfg;
    load(&cfg, RLC_CONFIGS_DIR "/ppo_cartpole.ini", small);
    phantom p = {.stop_at = 1};
    rlc_agent_ranks ranks = {.size = 2, .rank = 0, .seed = cfg.seed, .sum = phantom_sum, .move = phantom_move, .ctx = &p};
    rlc_run_result res;
    rlc_status st = rlc_run_train_ranks(&cfg, NULL, tmp_path("stop"), &ranks, NULL, &res);
    assert_int_equal(st, RLC_EINTERRUPTED);
    assert_int_equal(res.timesteps, 256); /* one rollout */
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/model.rlc", res.run_dir);
    assert_true(exists(path));
}

/* Every registered algorithm trains data-parallel; ranks that cannot move
 * the other ranks' states into the checkpoint are refused before anything
 * is created. */
static void test_supported(void **state)
{
    (void)state;
    for (size_t i = 0; rlc_agent_registry[i]; i++)
        if (!rlc_agent_registry[i]->set_ranks)
            fail_msg("%s has no set_ranks", rlc_agent_registry[i]->name);
    static rlc_config cfg;
    load(&cfg, RLC_CONFIGS_DIR "/ddpg_pendulum.ini", (const char *const[]){NULL});
    phantom p = {0};
    rlc_agent_ranks ranks = {.size = 2, .rank = 0, .seed = cfg.seed, .sum = phantom_sum, .ctx = &p};
    rlc_run_result res;
    const char *out = tmp_path("nomove");
    assert_int_equal(rlc_run_train_ranks(&cfg, NULL, out, &ranks, NULL, &res), RLC_EINVAL);
    assert_string_equal(res.error, "rlc_run_train_ranks: bad ranks");
    assert_false(exists(out));
}

/* ---- through mpirun ------------------------------------------------------------ */

#ifdef RLC_MPIRUN
/* argv run to its end (5 minutes at most), stdout and stderr in
 * tmp_dir/tag.out, .err; its exit status, stderr shown when not 0. */
static int run(const char *tag, const char *const *argv)
{
    int code = wait_logged(spawn_logged(tag, NULL, argv), tag, 300);
    if (code != 0) {
        char *e = slurp_log(tag, "err");
        print_error("%s: exit %d\n%s\n", tag, code, e);
        free(e);
    }
    return code;
}

/* mpirun -n ranks rlc ARGS... (ranks 0: rlc alone); its exit status. */
static int rlc_cmd(const char *tag, int ranks, const char *const *args)
{
    const char *argv[48];
    size_t n = 0;
    char nr[8];
    if (ranks) {
        snprintf(nr, sizeof nr, "%d", ranks);
        argv[n++] = RLC_MPIRUN;
        argv[n++] = "-n";
        argv[n++] = nr;
        argv[n++] = "--oversubscribe";
        if (geteuid() == 0)
            argv[n++] = "--allow-run-as-root";
    }
    argv[n++] = RLC_BIN;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return run(tag, argv);
}

/* rlc run CONFIG --out DIR --set sets..., under mpirun -n ranks (0: plain);
 * it must succeed. */
static void rlc_run_config(const char *tag, int ranks, const char *out, const char *config,
                           const char *const *sets)
{
    const char *args[40] = {"run", config, "--out", out};
    size_t n = 4;
    for (size_t i = 0; sets[i]; i++) {
        args[n++] = "--set";
        args[n++] = sets[i];
    }
    args[n] = NULL;
    assert_int_equal(rlc_cmd(tag, ranks, args), 0);
}

static void rlc_run(const char *tag, int ranks, const char *out)
{
    rlc_run_config(tag, ranks, out, RLC_CONFIGS_DIR "/ppo_cartpole.ini", small);
}

static void test_mpirun(void **state)
{
    (void)state;
    const char *plain = tmp_path("plain"), *one = tmp_path("n1"), *two_a = tmp_path("n2a"),
               *two_b = tmp_path("n2b");
    rlc_run("plain", 0, plain);
    rlc_run("n1", 1, one);
    rlc_run("n2a", 2, two_a);
    rlc_run("n2b", 2, two_b);
    const char *files[] = {"eval.csv", "model.rlc", "config.ini"};
    for (size_t f = 0; f < 3; f++) {
        char a[600], b[600], c[600], d[600];
        snprintf(a, sizeof a, "%s/ppo_cartpole-s1/%s", plain, files[f]);
        snprintf(b, sizeof b, "%s/ppo_cartpole-s1/%s", one, files[f]);
        snprintf(c, sizeof c, "%s/ppo_cartpole-s1/%s", two_a, files[f]);
        snprintf(d, sizeof d, "%s/ppo_cartpole-s1/%s", two_b, files[f]);
        assert_same_file(a, b); /* one rank: plain rlc run */
        assert_same_file(c, d); /* two ranks: the same bytes every time */
        if (f < 2)
            assert_false(same_file(a, c)); /* and the second rank's data counted */
    }
    /* rank 0 alone wrote a run directory */
    char p[600];
    snprintf(p, sizeof p, "%s/ppo_cartpole-s1-2", two_a);
    assert_false(exists(p));
    /* A2C (normalising observations) and TRPO on 2 ranks: every rollout's
     * hashes of parameters and observation statistics agreed (a step one
     * rank took alone, or statistics not merged, would stop the run with
     * exit 1) */
    rlc_run_config("a2c2", 2, tmp_path("a2c2"), RLC_CONFIGS_DIR "/a2c_pendulum.ini",
                   (const char *const[]){"run.total_timesteps=4096", "eval.n_eval_episodes=2",
                                         NULL});
    rlc_run_config("trpo2", 2, tmp_path("trpo2"), RLC_CONFIGS_DIR "/trpo_pendulum.ini",
                   (const char *const[]){"run.total_timesteps=8192", "eval.n_eval_episodes=2",
                                         NULL});
    assert_true(exists(tmp_path("trpo2/trpo_pendulum-s1/model.rlc")));
}

static char *text_of(const char *fmt, const char *arg)
{
    char path[700];
    snprintf(path, sizeof path, fmt, arg);
    return slurp(path, NULL);
}

/* DDPG and QAC data-parallel: one rank is plain rlc run; two ranks give
 * the same bytes every time, and their parameters and statistics stayed
 * equal (else exit 1); run.json records the rank count. */
static void test_mpirun_ddpg_qac(void **state)
{
    (void)state;
    const char *const ddpg[] = {"run.total_timesteps=2000", "eval.eval_freq=1000",
                                "eval.n_eval_episodes=3", "ddpg.learning_starts=500", NULL};
    const char *cfg = RLC_CONFIGS_DIR "/ddpg_pendulum.ini";
    const char *plain = tmp_path("ddpg-plain"), *one = tmp_path("ddpg-n1"),
               *two_a = tmp_path("ddpg-n2a"), *two_b = tmp_path("ddpg-n2b");
    rlc_run_config("ddpg-plain", 0, plain, cfg, ddpg);
    rlc_run_config("ddpg-n1", 1, one, cfg, ddpg);
    rlc_run_config("ddpg-n2a", 2, two_a, cfg, ddpg);
    rlc_run_config("ddpg-n2b", 2, two_b, cfg, ddpg);
    const char *files[] = {"eval.csv", "model.rlc", "monitor.csv"};
    for (size_t f = 0; f < 3; f++) {
        char a[600], b[600], c[600], d[600];
        snprintf(a, sizeof a, "%s/ddpg_pendulum-s1/%s", plain, files[f]);
        snprintf(b, sizeof b, "%s/ddpg_pendulum-s1/%s", one, files[f]);
        snprintf(c, sizeof c, "%s/ddpg_pendulum-s1/%s", two_a, files[f]);
        snprintf(d, sizeof d, "%s/ddpg_pendulum-s1/%s", two_b, files[f]);
        if (f < 2)
            assert_same_file(a, b);
        if (f != 2)
            assert_same_file(c, d);
        if (f == 0)
            assert_false(same_file(a, c)); /* rank 1's gradients counted */
    }
    char *info = text_of("%s/ddpg_pendulum-s1/run.json", two_a);
    assert_non_null(strstr(info, "\"ranks\": 2,"));
    free(info);
    info = text_of("%s/ddpg_pendulum-s1/run.json", one);
    assert_non_null(strstr(info, "\"ranks\": 1,"));
    free(info);
    rlc_run_config("qac2", 2, tmp_path("qac2"), RLC_CONFIGS_DIR "/qac_pendulum.ini",
                   (const char *const[]){"run.total_timesteps=4096", "eval.n_eval_episodes=2",
                                         NULL});
    assert_true(exists(tmp_path("qac2/qac_pendulum-s1/model.rlc")));
}

/* Ctrl-C (SIGINT to mpirun) during a 2-rank run of `config` once
 * progress.csv has 4 lines: every rank's state is checkpointed and
 * run.json says interrupted; `mpirun -n 2 rlc resume` then ends with the
 * bytes of the run that never stopped (eval.csv, model.rlc with both
 * ranks' states); `rlc resume` with one process or three ranks is refused
 * (exit 2) saying how, and `rlc eval` evaluates rank 0's agent. */
static void interrupt_resume(const char *tag, const char *config, const char *name,
                             const char *const *sets)
{
    const char *full = tmp_path("%s-full", tag), *cut = tmp_path("%s-cut", tag);
    char t[64];
    snprintf(t, sizeof t, "%s-full", tag);
    rlc_run_config(t, 2, full, config, sets);
    const char *argv[48] = {RLC_MPIRUN, "-n", "2", "--oversubscribe"};
    size_t m = 4;
    if (geteuid() == 0)
        argv[m++] = "--allow-run-as-root";
    argv[m++] = RLC_BIN;
    argv[m++] = "run";
    argv[m++] = config;
    argv[m++] = "--out";
    argv[m++] = cut;
    for (size_t i = 0; sets[i]; i++) {
        argv[m++] = "--set";
        argv[m++] = sets[i];
    }
    argv[m] = NULL;
    snprintf(t, sizeof t, "%s-cut", tag);
    pid_t pid = spawn_logged(t, NULL, argv);
    /* Ctrl-C once training is under way */
    char dir[600], progress[700];
    snprintf(dir, sizeof dir, "%s/%s", cut, name);
    snprintf(progress, sizeof progress, "%s/progress.csv", dir);
    struct timespec tick = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 60 * 200; i++) {
        size_t len = 0;
        char *text = exists(progress) ? slurp(progress, &len) : NULL;
        size_t lines = 0;
        for (size_t k = 0; k < len; k++)
            lines += text[k] == '\n';
        free(text);
        if (lines >= 4)
            break;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGINT);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* OpenMPI's mpirun ends a job it was signalled to stop with status 1,
     * whatever the ranks' (143 here) */
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    char *info = text_of("%s/run.json", dir);
    if (!strstr(info, "\"status\": \"interrupted\""))
        fail_msg("%s: not interrupted: %s", tag, info);
    free(info);
    char *err = text_of("%s.err", tmp_path("%s-cut", tag));
    assert_non_null(strstr(err, "checkpoint of every rank written, continue with: mpirun -n 2 rlc"
                                " resume "));
    free(err);
    /* the wrong rank counts */
    snprintf(t, sizeof t, "%s-one", tag);
    assert_int_equal(rlc_cmd(t, 0, (const char *const[]){"resume", dir, NULL}), 2);
    err = text_of("%s.err", tmp_path("%s", t));
    assert_non_null(strstr(err, "was trained on 2 ranks (run.json: \"ranks\": 2), not 1: every"
                                " rank's state is in its checkpoint; resume it with mpirun -n 2"
                                " rlc resume "));
    free(err);
    snprintf(t, sizeof t, "%s-three", tag);
    assert_int_equal(rlc_cmd(t, 3, (const char *const[]){"resume", dir, NULL}), 2);
    /* rank 0's agent evaluates */
    snprintf(t, sizeof t, "%s-eval", tag);
    assert_int_equal(rlc_cmd(t, 0, (const char *const[]){"eval", dir, "--episodes", "2", NULL}),
                     0);
    /* two ranks continue to the bytes of the run that never stopped */
    snprintf(t, sizeof t, "%s-resume", tag);
    assert_int_equal(rlc_cmd(t, 2, (const char *const[]){"resume", dir, NULL}), 0);
    const char *files[] = {"eval.csv", "model.rlc"};
    for (size_t f = 0; f < 2; f++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/%s/%s", full, name, files[f]);
        snprintf(b, sizeof b, "%s/%s", dir, files[f]);
        assert_same_file(a, b);
    }
}

/* DDPG (each rank's replay, streams and environment in the checkpoint),
 * and A2C normalising observations and rewards (the merges' bookkeeping,
 * the next act's observations as normalised before the last merge). */
static void test_mpirun_interrupt_resume(void **state)
{
    (void)state;
    /* long enough that mpirun's SIGTERM lands before the end on a fast,
     * quiet machine (the first 4 progress rows come within 0.3 s) */
    interrupt_resume("ir-ddpg", RLC_CONFIGS_DIR "/ddpg_pendulum.ini", "ddpg_pendulum-s1",
                     (const char *const[]){"run.total_timesteps=40000", "eval.eval_freq=10000",
                                           "eval.n_eval_episodes=3", "ddpg.learning_starts=500",
                                           "run.log_interval=500", NULL});
    interrupt_resume("ir-a2c", RLC_CONFIGS_DIR "/a2c_pendulum.ini", "a2c_pendulum-s1",
                     (const char *const[]){"run.total_timesteps=400000", "eval.eval_freq=100000",
                                           "eval.n_eval_episodes=2", "run.log_interval=2048",
                                           NULL});
}

/* eval, gradcheck and compare under mpirun -n 2 run on rank 0 alone:
 * stdout is what one process prints, once; a bad setting is reported once,
 * not by every rank. */
static void test_mpirun_one_rank_commands(void **state)
{
    (void)state;
    const char *out = tmp_path("one-rank");
    rlc_run_config("one-rank", 0, out, RLC_CONFIGS_DIR "/ppo_cartpole.ini", small);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/ppo_cartpole-s1", out);
    const char *const cmds[][6] = {{"eval", dir, "--episodes", "2", NULL},
                                   {"compare", dir, NULL},
                                   {"gradcheck", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--csv", NULL}};
    for (size_t k = 0; k < 3; k++) {
        char alone[32], two[32];
        snprintf(alone, sizeof alone, "one-alone-%zu", k);
        snprintf(two, sizeof two, "one-two-%zu", k);
        assert_int_equal(rlc_cmd(alone, 0, cmds[k]), 0);
        assert_int_equal(rlc_cmd(two, 2, cmds[k]), 0);
        char *a = text_of("%s.out", tmp_path("%s", alone)), *b = text_of("%s.out", tmp_path("%s", two));
        if (strcmp(a, b))
            fail_msg("rlc %s: alone:\n%s\nunder mpirun -n 2:\n%s", cmds[k][0], a, b);
        free(a);
        free(b);
    }
    /* bad input: every rank refuses it, rank 0 alone says why (once) */
    const char *const bad[] = {"run", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--set", "ppo.gama=1",
                               NULL};
    assert_int_not_equal(rlc_cmd("one-bad", 2, bad), 0);
    char *err = text_of("%s.err", tmp_path("one-bad"));
    const char *first = strstr(err, "[ppo] gama: unknown key");
    assert_non_null(first);
    assert_null(strstr(first + 1, "[ppo] gama: unknown key"));
    free(err);
}

/* Suite slow: 2 ranks of 4 envs learn as one process of 8 envs, over
 * seeds 1-6 of ppo_cartpole.ini with the same number of updates (each of
 * 256 steps). Score per run: the mean of its evaluation curve (every 2048
 * of rank 0's steps, 5 episodes). The two groups' scores must not differ
 * detectably (Welch p > 0.05) and both must have learned (mean > 150;
 * the untrained policy scores about 10-30); nor must their final returns
 * (the last evaluation, Welch p > 0.05). */
/* The last evaluation's mean_reward of a run directory. */
static double final_return(const char *run_dir)
{
    char path[700];
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    char *text = slurp(path, NULL);
    double last = NAN;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        unsigned long long steps;
        double mean;
        if (sscanf(line + 1, "%llu,%lf", &steps, &mean) == 2)
            last = mean;
    }
    free(text);
    assert_false(isnan(last));
    return last;
}

static double curve_mean(const char *run_dir)
{
    char path[700];
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    char *text = slurp(path, NULL);
    double sum = 0;
    size_t n = 0;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        unsigned long long steps;
        double mean;
        if (sscanf(line + 1, "%llu,%lf", &steps, &mean) == 2) {
            sum += mean;
            n++;
        }
    }
    free(text);
    assert_true(n >= 4);
    return sum / (double)n;
}

static void test_learns_as_one_process(void **state)
{
    (void)state;
    enum { SEEDS = 6 };
    double two[SEEDS], one[SEEDS], two_final[SEEDS], one_final[SEEDS];
    for (int s = 0; s < SEEDS; s++) {
        char seed[32], out2[600], out1[600], dir[700];
        snprintf(seed, sizeof seed, "run.seed=%d", s + 1);
        snprintf(out2, sizeof out2, "%s", tmp_path("learn2-%d", s + 1));
        snprintf(out1, sizeof out1, "%s", tmp_path("learn1-%d", s + 1));
        const char *const sets2[] = {seed, "ppo.n_envs=4", "run.total_timesteps=10240",
                                     "eval.eval_freq=1024", "eval.n_eval_episodes=5", NULL};
        const char *const sets1[] = {seed, "ppo.n_envs=8", "run.total_timesteps=20480",
                                     "eval.eval_freq=2048", "eval.n_eval_episodes=5", NULL};
        rlc_run_config("learn2", 2, out2, RLC_CONFIGS_DIR "/ppo_cartpole.ini", sets2);
        rlc_run_config("learn1", 0, out1, RLC_CONFIGS_DIR "/ppo_cartpole.ini", sets1);
        snprintf(dir, sizeof dir, "%s/ppo_cartpole-s%d", out2, s + 1);
        two[s] = curve_mean(dir);
        two_final[s] = final_return(dir);
        snprintf(dir, sizeof dir, "%s/ppo_cartpole-s%d", out1, s + 1);
        one[s] = curve_mean(dir);
        one_final[s] = final_return(dir);
    }
    double t, df, p, m2 = 0, m1 = 0;
    for (int s = 0; s < SEEDS; s++) {
        m2 += two[s] / SEEDS;
        m1 += one[s] / SEEDS;
    }
    assert_int_equal(rlc_stats_welch(two, SEEDS, one, SEEDS, &t, &df, &p), RLC_OK);
    print_message("curve means: 2 ranks x 4 envs %.1f, 1 process x 8 envs %.1f; Welch t %.3f,"
                  " p %.3f\n", m2, m1, t, p);
    assert_true(m2 > 150 && m1 > 150);
    assert_true(p > 0.05);
    /* and the final returns (the last evaluation of each run) */
    double f2 = 0, f1 = 0, pf;
    for (int s = 0; s < SEEDS; s++) {
        f2 += two_final[s] / SEEDS;
        f1 += one_final[s] / SEEDS;
    }
    assert_int_equal(rlc_stats_welch(two_final, SEEDS, one_final, SEEDS, &t, &df, &pf), RLC_OK);
    print_message("final returns: 2 ranks x 4 envs %.1f, 1 process x 8 envs %.1f; Welch t %.3f,"
                  " p %.3f\n", f2, f1, t, pf);
    assert_true(pf > 0.05);
}
#endif

int main(int argc, char **argv)
{
#ifdef RLC_MPIRUN
    if (argc > 1 && !strcmp(argv[1], "slow")) {
        const struct CMUnitTest slow[] = {cmocka_unit_test(test_learns_as_one_process)};
        return cmocka_run_group_tests(slow, group_setup, group_teardown);
    }
#endif
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirror_is_plain),
        cmocka_unit_test(test_hash_mismatch_stops),
        cmocka_unit_test(test_stop_on_other_rank),
        cmocka_unit_test(test_supported),
#ifdef RLC_MPIRUN
        cmocka_unit_test(test_mpirun),
        cmocka_unit_test(test_mpirun_ddpg_qac),
        cmocka_unit_test(test_mpirun_interrupt_resume),
        cmocka_unit_test(test_mpirun_one_rank_commands),
#endif
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
