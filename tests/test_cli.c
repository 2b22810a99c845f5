/* test_cli.c — the `rlc` binary end to end (spawned with posix_spawn,
 * stdout and stderr captured to files): --version, --help, list, usage
 * errors (exit 2), bad input of every kind (exit 2, the message on stderr,
 * nothing created under --out), one tiny successful run with its files
 * and plain progress lines; --seeds: the same eval.csv as --seed runs, the
 * summary, a failing seed, usage errors and Ctrl-C; Ctrl-C during one run,
 * rlc resume and rlc eval; `rlc gradcheck` on every shipped config (exit 0,
 * a table within 79 columns, CSV) and on bad input (exit 2, the message
 * naming file:line:key). Everything is written under a mkdtemp
 * directory that the group teardown removes. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
#define PENDULUM_INI RLC_CONFIGS_DIR "/ddpg_pendulum.ini"



static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Output of the last rlc() call (owned here, replaced by the next call). */
static char *out_text, *err_text;

/* A run of rlc that takes longer than this has hung (e.g. reading /dev/zero). */
#define RLC_TIMEOUT_S 60

/* Run RLC_BIN with the arguments, stdout to `stdout_path` (NULL:
 * tmp_dir/<tag>.out, read back into out_text; else out_text is "") and
 * stderr to tmp_dir/<tag>.err; returns the exit status (-1 if killed or
 * timed out). */
static int rlc_v(const char *stdout_path, const char *tag, va_list ap)
{
    const char *argv[64] = {RLC_BIN};
    size_t argc = 1;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert_true(argc < 63);
        argv[argc++] = a;
    }
    argv[argc] = NULL;

    int code = wait_logged(spawn_logged(tag, stdout_path, argv), tag, RLC_TIMEOUT_S);
    free(out_text);
    free(err_text);
    out_text = stdout_path ? strdup("") : slurp_log(tag, "out");
    err_text = slurp_log(tag, "err");
    return code;
}

static int rlc(const char *tag, ...)
{
    va_list ap;
    va_start(ap, tag);
    int rc = rlc_v(NULL, tag, ap);
    va_end(ap);
    return rc;
}

/* rlc() with stdout to `stdout_path` (e.g. /dev/full). */
static int rlc_stdout(const char *stdout_path, const char *tag, ...)
{
    va_list ap;
    va_start(ap, tag);
    int rc = rlc_v(stdout_path, tag, ap);
    va_end(ap);
    return rc;
}

#define assert_contains(hay, needle)                                                              \
    do {                                                                                         \
        if (!strstr((hay), (needle)))                                                            \
            print_error("'%s' not found in:\n%s\n", (needle), (hay) ? (hay) : "(null)");        \
        assert_non_null(strstr((hay), (needle)));                                                \
    } while (0)

/* ---- informational commands and usage errors ---------------------------- */

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(rlc("version", "--version", NULL), 0);
    assert_true(strncmp(out_text, "rlc 0.1.0\nkernels: ", 19) == 0);
    assert_contains(out_text, "\nBLAS (off the training path): ");
    assert_string_equal(err_text, "");
    /* RLC_ISA picks the path, and --version names it; a wrong value is exit 2 */
    setenv("RLC_ISA", "generic", 1);
    assert_int_equal(rlc("version", "--version", NULL), 0);
    assert_contains(out_text, "\nkernels: generic (");
    setenv("RLC_ISA", "", 1); /* empty: as if unset */
    assert_int_equal(rlc("version", "--version", NULL), 0);
    setenv("RLC_ISA", "avx9", 1);
    assert_int_equal(rlc("version", "--version", NULL), 2);
    assert_string_equal(out_text, "");
    assert_true(strncmp(err_text, "rlc: RLC_ISA=avx9: not a path (paths: generic", 45) == 0);
    unsetenv("RLC_ISA");
}

static void test_help(void **state)
{
    (void)state;
    assert_int_equal(rlc("help", "--help", NULL), 0);
    assert_contains(out_text, "usage: rlc run CONFIG");
    assert_contains(out_text, "[ddpg] learning_rate");
    assert_contains(out_text, "[run] total_timesteps");
    assert_contains(out_text, "[eval] n_eval_episodes");
    assert_contains(out_text, "[eval] reward_threshold");
    assert_contains(out_text, "  --seeds LIST ");
    assert_contains(out_text, "  --jobs N ");
    assert_string_equal(err_text, "");
}

static void test_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(rlc("noargs", NULL), 2);
    assert_contains(err_text, "usage: rlc run CONFIG");
    assert_string_equal(out_text, "");

    assert_int_equal(rlc("frob", "frobnicate", NULL), 2);
    assert_contains(err_text, "unknown command 'frobnicate'");
    assert_string_equal(out_text, "");

    assert_int_equal(rlc("runnoconfig", "run", NULL), 2);
    assert_contains(err_text, "missing CONFIG");

    assert_int_equal(rlc("runtwo", "run", PENDULUM_INI, "extra", NULL), 2);
    assert_contains(err_text, "unexpected argument 'extra'");

    /* a value left out: the option after it is named, not taken as the value */
    assert_int_equal(rlc("seedsnolist", "run", PENDULUM_INI, "--seeds", "--out", "x", NULL), 2);
    assert_contains(err_text, "rlc run: --seeds needs a value; '--out' is an option\n");
    assert_int_equal(rlc("evalnoseed", "eval", "x", "--seed", "--episodes", "3", NULL), 2);
    assert_contains(err_text, "rlc eval: --seed needs a value; '--episodes' is an option\n");
    assert_int_equal(rlc("cmpnothr", "compare", "--threshold", "--csv", "x", NULL), 2);
    assert_contains(err_text, "rlc compare: --threshold needs a value; '--csv' is an option\n");
    /* a negative number is a value */
    assert_int_equal(rlc("cmpneg", "compare", "--threshold", "-200", "no-such-dir", NULL), 2);
    assert_contains(err_text, "no-such-dir");
}

static void test_list(void **state)
{
    (void)state;
    assert_int_equal(rlc("list", "list", NULL), 0);
    assert_contains(out_text, "ddpg           off-policy");
    assert_contains(out_text, "ppo            on-policy");
    assert_contains(out_text, "a2c            on-policy");
    assert_contains(out_text, "Pendulum-v1");
    assert_contains(out_text, "CartPole-v1");
    assert_contains(out_text, "Discrete(2)"); /* CartPole's action space */
    assert_string_equal(err_text, "");
}

/* ---- bad input: exit 2, the message on stderr, nothing under --out ------ */

/* `rlc run CONFIG --out tmp/<tag>-out [extra...]` must exit 2 with both
 * needles on stderr (needle2 may be NULL), nothing on stdout, and leave
 * the out dir uncreated. */
static void expect_input_error(const char *tag, const char *config, const char *extra[],
                               const char *needle1, const char *needle2)
{
    char out_dir[512];
    snprintf(out_dir, sizeof out_dir, "%s/%s-out", tmp_dir, tag);
    const char *a[8] = {NULL};
    for (size_t i = 0; extra && extra[i]; i++) {
        assert_true(i < 8);
        a[i] = extra[i];
    }
    int rc = rlc(tag, "run", config, "--out", out_dir, a[0], a[1], a[2], a[3], a[4], a[5],
                 a[6], a[7], (const char *)NULL);
    if (rc != 2)
        print_error("%s: exit %d, stderr:\n%s\n", tag, rc, err_text);
    assert_int_equal(rc, 2);
    assert_contains(err_text, needle1);
    if (needle2)
        assert_contains(err_text, needle2);
    assert_string_equal(out_text, "");
    assert_false(exists(out_dir));
}

static void test_missing_config(void **state)
{
    (void)state;
    const char *path = tmp_path("does-not-exist.ini");
    char want[600];
    snprintf(want, sizeof want, "%s: No such file", path);
    expect_input_error("missing", path, NULL, want, NULL);
}

static void test_unknown_key(void **state)
{
    (void)state;
    const char *path = tmp_path("gama.ini");
    write_file(path, "[run]\n"
                     "algo = ddpg\n"
                     "[ddpg]\n"
                     "gama = 0.9\n");
    char want[600];
    snprintf(want, sizeof want, "%s:4: [ddpg] gama", path);
    expect_input_error("gama", path, NULL, want, "unknown key");
}

static void test_wrong_type(void **state)
{
    (void)state;
    const char *path = tmp_path("type.ini");
    write_file(path, "[run]\n"
                     "algo = ddpg\n"
                     "env_id = Pendulum-v1\n"
                     "total_timesteps = 1.5\n");
    char want[600];
    snprintf(want, sizeof want, "%s:4: [run] total_timesteps", path);
    expect_input_error("type", path, NULL, want, "'1.5'");
}

static void test_bad_overrides(void **state)
{
    (void)state;
    expect_input_error("tau", PENDULUM_INI, (const char *[]){"--set", "ddpg.tau=2", NULL},
                       "ddpg.tau=2", "out of range");
    expect_input_error("env", PENDULUM_INI, (const char *[]){"--set", "run.env_id=Nope-v0", NULL},
                       "[run] env_id", "Nope-v0");
    expect_input_error("cartpole", PENDULUM_INI,
                       (const char *[]){"--set", "run.env_id=CartPole-v1", NULL},
                       "[run] env_id", "CartPole-v1");
    expect_input_error("noeq", PENDULUM_INI, (const char *[]){"--set", "ddpg.tau", NULL},
                       "--set ddpg.tau", "section.key=value");
}

static void test_bad_seed(void **state)
{
    (void)state;
    expect_input_error("seedneg", PENDULUM_INI, (const char *[]){"--seed", "-1", NULL}, "--seed",
                       "'-1'");
    expect_input_error("seedabc", PENDULUM_INI, (const char *[]){"--seed", "abc", NULL},
                       "--seed", "'abc'");
    /* strtoull skips leading spaces and negates "-1": must not pass as 2^64-1
     * (--seed is --set run.seed=N now, which trims the value) */
    expect_input_error("seedspace", PENDULUM_INI, (const char *[]){"--seed", " -1", NULL},
                       "--seed  -1: [run] seed: ", "got '-1'");
    expect_input_error("seedbig", PENDULUM_INI,
                       (const char *[]){"--seed", "18446744073709551616", NULL}, "--seed", NULL);
    expect_input_error("seedmissing", PENDULUM_INI, (const char *[]){"--seed", NULL}, "seed",
                       "usage:");
}

/* Defect 5 of issue 10: a long --set or --seed value pushed the reason out
 * of the 512-byte message; the echo is shortened with "…" now. */
static void test_long_values_keep_reason(void **state)
{
    (void)state;
    char assignment[300] = "ddpg.tau=", seed[300];
    memset(assignment + strlen(assignment), '7', 250);
    assignment[9 + 250] = '\0';
    memset(seed, '1', 250);
    seed[250] = '\0';
    memset(seed, 'z', 1); /* not a number: the reason echoes the value */
    expect_input_error("longset", PENDULUM_INI, (const char *[]){"--set", assignment, NULL},
                       "7\xe2\x80\xa6: [ddpg] tau: ", "is out of range (must be in (0, 1])");
    expect_input_error("longseed", PENDULUM_INI, (const char *[]){"--seed", seed, NULL},
                       "1\xe2\x80\xa6: [run] seed: ", "expected a whole number >= 0, got 'z111");
    assert_contains(err_text, "111'\n");
    char big[1000] = "ddpg.tau=";
    memset(big + 9, '8', 900);
    big[909] = '\0';
    expect_input_error("hugeset", PENDULUM_INI, (const char *[]){"--set", big, NULL},
                       "\xe2\x80\xa6: [ddpg] tau: value longer than 255 characters\n", NULL);
}

/* ---- hardening: what a tester tried -------------------------------------- */

/* Validate's cross-setting errors name the file line or the --set. */
static void test_validate_errors_name_origin(void **state)
{
    (void)state;
    const char *path = tmp_path("pendulum-v0.ini");
    write_file(path, "[run]\n"
                     "algo = ddpg\n"
                     "env_id = Pendulum-v0\n");
    char want[600];
    snprintf(want, sizeof want, "rlc: %s:3: [run] env_id: unknown environment 'Pendulum-v0'", path);
    expect_input_error("pendv0", path, NULL, want, NULL);

    path = tmp_path("ddpg-cartpole.ini");
    write_file(path, "[run]\n"
                     "algo = ddpg\n"
                     "env_id = CartPole-v1\n");
    snprintf(want, sizeof want, "rlc: %s:3: [run] env_id: ddpg needs a continuous (Box) action space",
             path);
    expect_input_error("ddpgcart", path, NULL, want, NULL);

    expect_input_error("batchbuf", PENDULUM_INI,
                       (const char *[]){"--set", "ddpg.batch_size=300000", "--set",
                                        "ddpg.buffer_size=200000", NULL},
                       "rlc: --set ddpg.batch_size=300000: [ddpg] batch_size: 300000 is larger than"
                       " buffer_size 200000\n", NULL);
}

/* Files that are surely a mistake do not train with defaults. */
static void test_config_must_name_algo_and_env(void **state)
{
    (void)state;
    static const struct { const char *tag, *text, *rest; } cases[] = {
        {"empty", "", ": [run] algo: missing; every config names its algorithm and environment\n"},
        {"comments", "# nothing\n; at all\n", ": [run] algo: missing; every config names its"
                                             " algorithm and environment\n"},
        {"noenv", "[run]\nalgo = ddpg\n", ": [run] env_id: missing; every config names its"
                                          " algorithm and environment\n"},
        {"brackets", "[]\n", ":1: syntax error: empty section name\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64], want[700];
        snprintf(name, sizeof name, "%s.ini", cases[i].tag);
        const char *path = tmp_path(name);
        write_file(path, cases[i].text);
        snprintf(want, sizeof want, "rlc: %s%s", path, cases[i].rest);
        expect_input_error(cases[i].tag, path, NULL, want, NULL);
        assert_string_equal(err_text, want);
    }
}

/* NUL bytes and binary files are refused at once, /dev/zero included. */
static void test_not_text(void **state)
{
    (void)state;
    expect_input_error("devzero", "/dev/zero", NULL,
                       "rlc: /dev/zero:1: contains a NUL byte (not a text file?)\n", NULL);
    const char *path = tmp_path("nul.ini");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static const char text[] = "[run]\nalgo = ddpg\nenv_id = Pendulum-v1\nseed = 1\0garbage\n";
    assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    assert_int_equal(fclose(f), 0);
    char want[600];
    snprintf(want, sizeof want, "rlc: %s:4: contains a NUL byte (not a text file?)\n", path);
    expect_input_error("nul", path, NULL, want, NULL);
    /* a binary file (the rlc executable: ELF starts with DEL) */
    snprintf(want, sizeof want, "rlc: %s:1: contains control character 0x7F (not a text file?)\n",
             RLC_BIN);
    expect_input_error("binary", RLC_BIN, NULL, want, NULL);
}

/* A failed write to stdout is exit status 1 with a message. */
static void test_stdout_write_error(void **state)
{
    (void)state;
    static const char *const want = "rlc: write error: No space left on device\n";
    assert_int_equal(rlc_stdout("/dev/full", "fullhelp", "--help", NULL), 1);
    assert_string_equal(err_text, want);
    assert_int_equal(rlc_stdout("/dev/full", "fulllist", "list", NULL), 1);
    assert_string_equal(err_text, want);
    assert_int_equal(rlc_stdout("/dev/full", "fullversion", "--version", NULL), 1);
    assert_string_equal(err_text, want);
    const char *out_dir = tmp_path("full");
    assert_int_equal(rlc_stdout("/dev/full", "fullrun", "run", PENDULUM_INI, "--out", out_dir,
                                "--set", "run.total_timesteps=200", "--set",
                                "ddpg.learning_starts=200", "--set", "eval.n_eval_episodes=1",
                                NULL), 1);
    assert_contains(err_text, want);
    /* usage errors keep their status */
    assert_int_equal(rlc_stdout("/dev/full", "fullusage", "frobnicate", NULL), 2);
}

/* Arguments after list, --version and --help are usage errors. */
static void test_extra_arguments(void **state)
{
    (void)state;
    assert_int_equal(rlc("listextra", "list", "extra", NULL), 2);
    assert_contains(err_text, "rlc list: unexpected argument 'extra'\n");
    assert_contains(err_text, "usage: rlc run CONFIG");
    assert_string_equal(out_text, "");
    assert_int_equal(rlc("versionextra", "--version", "extra", NULL), 2);
    assert_contains(err_text, "rlc --version: unexpected argument 'extra'\n");
    assert_string_equal(out_text, "");
    assert_int_equal(rlc("helpextra", "--help", "extra", NULL), 2);
    assert_contains(err_text, "rlc --help: unexpected argument 'extra'\n");
    assert_string_equal(out_text, "");
}

/* --seed N is --set run.seed=N, after the --set options. */
static void test_seed_is_set(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("seed");
    int rc = rlc("seed1e1", "run", PENDULUM_INI, "--out", out_dir, "--seed", "1e1", "--set",
                 "run.seed=5", "--set", "run.total_timesteps=200", "--set",
                 "ddpg.learning_starts=200", "--set", "eval.n_eval_episodes=1", NULL);
    if (rc != 0)
        print_error("exit %d, stderr:\n%s\n", rc, err_text);
    assert_int_equal(rc, 0);
    assert_contains(out_text, "ddpg Pendulum-v1 seed 10: ");
    char want[600];
    snprintf(want, sizeof want, "-> %s/ddpg_pendulum-s10\n", out_dir);
    assert_contains(out_text, want);
    /* the same reasons as --set, named after --seed */
    expect_input_error("seedneg2", PENDULUM_INI, (const char *[]){"--seed", "-1", NULL},
                       "rlc: --seed -1: [run] seed: expected a whole number >= 0, got '-1'\n", NULL);
    expect_input_error("seedfrac", PENDULUM_INI, (const char *[]){"--seed", "1.5", NULL},
                       "rlc: --seed 1.5: [run] seed: expected a whole number >= 0, got '1.5'\n",
                       NULL);
    /* after the --set options: a bad --set is reported first */
    expect_input_error("seedorder", PENDULUM_INI,
                       (const char *[]){"--seed", "abc", "--set", "ddpg.tau=2", NULL},
                       "rlc: --set ddpg.tau=2: ", NULL);
}

/* getopt's messages name "rlc run", not "run". */
static void test_getopt_messages(void **state)
{
    (void)state;
    expect_input_error("badopt", PENDULUM_INI, (const char *[]){"--foo", NULL},
                       "rlc run: unrecognized option '--foo'\n", "usage:");
    assert_memory_equal(err_text, "rlc run: ", 9);
    expect_input_error("noarg", PENDULUM_INI, (const char *[]){"--set", NULL},
                       "rlc run: option '--set' requires an argument\n", "usage:");
    assert_memory_equal(err_text, "rlc run: ", 9);
}

/* An empty --out, or one naming a file, is a usage error, not "cannot
 * create", and nothing is written (as rlc sweep). */
static void test_empty_out(void **state)
{
    (void)state;
    assert_int_equal(rlc("emptyout", "run", PENDULUM_INI, "--out", "", NULL), 2);
    assert_string_equal(err_text, "rlc run: --out: empty directory name\n");
    assert_string_equal(out_text, "");
    const char *file = tmp_path("out-is-a-file");
    write_file(file, "x\n");
    char want[700];
    snprintf(want, sizeof want, "rlc run: --out %s: not a directory (a file is in the way of the"
             " folder the runs go to)\n", file);
    assert_int_equal(rlc("fileout", "run", PENDULUM_INI, "--out", file, NULL), 2);
    assert_string_equal(err_text, want);
    assert_int_equal(rlc("fileout2", "run", PENDULUM_INI, "--seeds", "1-2", "--out", file, NULL),
                     2);
    assert_string_equal(err_text, want);
    assert_string_equal(out_text, "");
}

/* ---- a tiny successful run ---------------------------------------------- */

static void test_tiny_run(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("ok");
    int rc = rlc("tiny", "run", PENDULUM_INI, "--out", out_dir, "--seed", "3", "--set",
                 "run.total_timesteps=400", "--set", "ddpg.learning_starts=200", "--set",
                 "eval.n_eval_episodes=1", "--set", "eval.eval_freq=0", NULL);
    if (rc != 0)
        print_error("exit %d, stderr:\n%s\n", rc, err_text);
    assert_int_equal(rc, 0);

    /* one result line naming the run directory */
    assert_int_equal(count_lines(out_text), 1);
    const char *head = "ddpg Pendulum-v1 seed 3: final eval mean_reward ";
    assert_memory_equal(out_text, head, strlen(head));
    char want[600];
    snprintf(want, sizeof want, "-> %s/ddpg_pendulum-s3\n", out_dir);
    assert_contains(out_text, want);
    assert_contains(out_text, "over 1 episodes (400 steps");
    double mean = strtod(out_text + strlen(head), NULL);
    assert_true(mean <= 0 && mean >= -16.2736044 * 200);

    /* stderr is a file: plain progress lines, no carriage returns; with
     * log_interval 1000 > 400 only the final line */
    assert_null(strchr(err_text, '\r'));
    assert_null(strchr(err_text, '\033'));
    assert_int_equal(count_lines(err_text), 1);
    assert_memory_equal(err_text, "400/400 steps ", strlen("400/400 steps "));
    assert_contains(err_text, " took ");

    const char *files[] = {"config.ini", "monitor.csv", "progress.csv", "eval.csv", "model.rlc",
                           "run.json"};
    for (size_t i = 0; i < 6; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/%s", out_dir, files[i]);
        if (!exists(p))
            print_error("missing %s\n", p);
        assert_true(exists(p));
    }
    char p[700];
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/monitor.csv", out_dir);
    char *mon = slurp(p, NULL);
    assert_int_equal(count_lines(mon), 2 + 2); /* 400 steps: two episodes */
    free(mon);
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/eval.csv", out_dir);
    char *ev = slurp(p, NULL);
    assert_int_equal(count_lines(ev), 1 + 1); /* eval_freq 0: only at the end */
    assert_contains(ev, "\n400,");
    free(ev);
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/config.ini", out_dir);
    char *ini = slurp(p, NULL);
    assert_contains(ini, "seed = 3\n");
    assert_contains(ini, "total_timesteps = 400\n");
    free(ini);
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/model.rlc", out_dir);
    char *model = slurp(p, NULL);
    assert_memory_equal(model, "RLCCKPT2", 8);
    free(model);
    /* Defect 8 of issue 10: what produced the run, and that it finished */
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/run.json", out_dir);
    char *info = slurp(p, NULL);
    assert_non_null(info);
    static const char *const keys[] = {"{\n  \"rlc_version\": \"", "\"git_commit\": \"",
                                       "\"compiler\": \"", "\"blas\": \"", "\"blas_config\": \"",
                                       "\"blas_core\": \"", "\"cpu\": \"", "\"started\": \"20",
                                       "\"status\": \"finished\"\n}\n"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_contains(info, keys[i]);
    free(info);
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s3/run.json.tmp", out_dir);
    assert_false(exists(p));
}

/* Defect 7 of issue 10: a PPO or TRPO minibatch that does not divide the
 * rollout is legal (the last one of an epoch is shorter) but was silent. */
static void test_minibatch_warning(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("minibatch");
    int rc = rlc("minibatch", "run", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--out", out_dir, "--set",
                 "ppo.n_steps=50", "--set", "ppo.batch_size=32", "--set", "run.total_timesteps=50",
                 "--set", "ppo.n_envs=1", "--set", "eval.n_eval_episodes=1", NULL);
    assert_int_equal(rc, 0);
    assert_contains(err_text, "rlc: warning: [ppo] batch_size 32 does not divide the rollout"
                    " (n_steps 50 \xc3\x97 n_envs 1 = 50): each epoch ends with a minibatch of 18\n");
    rc = rlc("minibatch-trpo", "run", RLC_CONFIGS_DIR "/trpo_cartpole.ini", "--out", out_dir,
             "--set", "trpo.n_steps=50", "--set", "trpo.batch_size=20", "--set",
             "run.total_timesteps=50", "--set", "trpo.n_envs=1", "--set", "eval.n_eval_episodes=1", NULL);
    assert_int_equal(rc, 0);
    assert_contains(err_text, "[trpo] batch_size 20 does not divide the rollout");
    rc = rlc("minibatch-ok", "run", RLC_CONFIGS_DIR "/ppo_cartpole.ini", "--out", out_dir, "--set",
             "ppo.n_steps=64", "--set", "ppo.batch_size=32", "--set", "run.total_timesteps=64",
             "--set", "eval.n_eval_episodes=1", NULL);
    assert_int_equal(rc, 0);
    assert_null(strstr(err_text, "warning"));
}

/* ---- progress: log_interval, a closed display, the terminal line --------- */

#define A2C_PENDULUM_INI RLC_CONFIGS_DIR "/a2c_pendulum.ini" /* 8 envs × 8 steps per update */

/* The timesteps column of progress.csv text, as "512,704,..." */
static void progress_steps(const char *csv, char *out, size_t n)
{
    out[0] = '\0';
    size_t used = 0;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int w = snprintf(out + used, n - used, "%s%ld", used ? "," : "", strtol(line + 1, NULL, 10));
        assert_true(w > 0 && (size_t)w < n - used);
        used += (size_t)w;
    }
}

/* Defect 2 of issue 10: on-policy runs wrote a row and a line per update
 * whatever log_interval said (a2c_pendulum: 15,625 lines). Rows now come at
 * the first update at or past each multiple of log_interval, at every
 * evaluation (seeds and compare read time_elapsed there) and at the end. */
static void test_onpolicy_log_interval(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("loginterval");
    int rc = rlc("loginterval", "run", A2C_PENDULUM_INI, "--out", out_dir, "--set",
                 "run.total_timesteps=2048", "--set", "run.log_interval=500", "--set",
                 "eval.eval_freq=700", "--set", "eval.n_eval_episodes=1", NULL);
    if (rc != 0)
        print_error("exit %d, stderr:\n%s\n", rc, err_text);
    assert_int_equal(rc, 0);
    char p[700], steps[256];
    snprintf(p, sizeof p, "%s/a2c_pendulum-s1/progress.csv", out_dir);
    char *csv = slurp(p, NULL);
    progress_steps(csv, steps, sizeof steps);
    assert_string_equal(steps, "512,704,1024,1408,1536,2048");
    free(csv);
    snprintf(p, sizeof p, "%s/a2c_pendulum-s1/eval.csv", out_dir);
    csv = slurp(p, NULL);
    progress_steps(csv, steps, sizeof steps);
    assert_string_equal(steps, "704,1408,2048");
    free(csv);
    /* the display: every log_interval and at the end */
    assert_int_equal(count_lines(err_text), 4);
    assert_memory_equal(err_text, "512/2048 steps ", strlen("512/2048 steps "));
    assert_contains(err_text, "\n1024/2048 steps ");
    assert_contains(err_text, "\n1536/2048 steps ");
    assert_contains(err_text, "\n2048/2048 steps ");
    /* compare --x time finds every evaluation's seconds in the sparser rows */
    snprintf(p, sizeof p, "%s/a2c_pendulum-s1", out_dir);
    assert_int_equal(rlc("loginterval-compare", "compare", p, "--x", "time", NULL), 0);
    assert_contains(out_text, "same 3 x values");
}

/* Run RLC_BIN with stdin /dev/null and stdout, stderr on the given
 * descriptors; the exit status, or -1 if killed (e.g. by SIGPIPE). */
static int rlc_fds(int out_fd, int err_fd, const char *const *args)
{
    const char *argv[32] = {RLC_BIN};
    size_t argc = 1;
    for (; args[argc - 1]; argc++) {
        assert_true(argc < 31);
        argv[argc] = args[argc - 1];
    }
    argv[argc] = NULL;
    posix_spawn_file_actions_t fa;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, out_fd, 1), 0);
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, err_fd, 2), 0);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, RLC_BIN, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Defect 6 of issue 10: a failed write in the run directory named a bare
 * "progress.csv"; the error gives the path (exit 1). Files are capped at
 * 10,000 bytes (RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with EFBIG), so
 * config.ini fits and progress.csv, a row per step, outgrows it. */
static void test_write_error_names_path(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("fsize");
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 10000;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    /* stderr to a pipe, which the cap does not touch: ~20 kB of lines fit its buffer */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int out = open("/dev/null", O_WRONLY);
    const char *args[] = {"run", PENDULUM_INI, "--out", out_dir, "--set", "run.total_timesteps=400",
                          "--set", "run.log_interval=1", "--set", "eval.n_eval_episodes=1", NULL};
    int rc = rlc_fds(out, fds[1], args);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    close(out);
    close(fds[1]);
    static char text[65536];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof text - 1 && (got = read(fds[0], text + len, sizeof text - 1 - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    text[len] = '\0';
    const char *err = text;
    assert_int_equal(rc, 1);
    char want[700];
    snprintf(want, sizeof want, "rlc: cannot write %s/ddpg_pendulum-s1/progress.csv: File too large\n",
             out_dir);
    assert_contains(err, want);
    /* run.json says the run failed, and why */
    char p[700];
    snprintf(p, sizeof p, "%s/ddpg_pendulum-s1/run.json", out_dir);
    char *info = slurp(p, NULL);
    assert_contains(info, "\"status\": \"failed\",\n  \"error\": \"cannot write ");
    free(info);
}

/* `rlc run ... 2>&1 | head -1` killed the run by SIGPIPE before it wrote
 * its model: a display nobody reads now just stops. */
static void test_closed_stderr(void **state)
{
    (void)state;
    const char *out_dir = tmp_path("closedpipe");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(close(fds[0]), 0); /* the reader is gone before the first line */
    int out = open(tmp_path("closedpipe.out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(out >= 0);
    const char *args[] = {"run", A2C_PENDULUM_INI, "--out", out_dir, "--set",
                          "run.total_timesteps=1024", "--set", "run.log_interval=64", "--set",
                          "eval.n_eval_episodes=1", NULL};
    int rc = rlc_fds(out, fds[1], args);
    close(out);
    close(fds[1]);
    assert_int_equal(rc, 0);
    char p[700];
    snprintf(p, sizeof p, "%s/a2c_pendulum-s1/model.rlc", out_dir);
    assert_true(exists(p));
    char *result = slurp(tmp_path("closedpipe.out"), NULL);
    assert_contains(result, "final eval mean_reward");
    free(result);
}

/* Defect 3 of issue 10: on a terminal the redrawn line must stay below the
 * width (at the last column the cursor wraps and every redraw scrolls); no
 * "nan" before the first episode or evaluation; no rate or eta from the
 * warm-up steps (DDPG's learning_starts: random actions, no updates). */
static void test_terminal_line(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct winsize ws = {.ws_row = 24, .ws_col = 50};
    assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
    int out = open(tmp_path("tty.out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(out >= 0);
    const char *args[] = {"run", PENDULUM_INI, "--out", tmp_path("tty"), "--set",
                          "run.total_timesteps=1000", "--set", "run.log_interval=200", "--set",
                          "ddpg.learning_starts=600", "--set", "eval.eval_freq=0", "--set",
                          "eval.n_eval_episodes=1", NULL};
    int rc = rlc_fds(out, slave, args); /* a few hundred bytes: the pty buffer holds them */
    close(out);
    close(slave);
    assert_int_equal(rc, 0);
    char text[8192];
    size_t len = 0;
    ssize_t got;
    int flags = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, flags | O_NONBLOCK);
    while (len < sizeof text - 1 && (got = read(master, text + len, sizeof text - 1 - len)) > 0)
        len += (size_t)got;
    close(master);
    text[len] = '\0';
    size_t redraws = 0;
    for (char *p = strstr(text, "\r\033[K"); p; p = strstr(p + 1, "\r\033[K")) {
        char *line = p + 4;
        size_t n = strcspn(line, "\r\n");
        if (n >= 50)
            print_error("%zu columns: '%.*s'\n", n, (int)n, line);
        assert_true(n < 50);
        redraws++;
    }
    assert_int_equal(redraws, 5);
    const char *shown = text;
    assert_null(strstr(shown, "nan"));
    assert_contains(shown, "200/1000 steps  warm-up");
    assert_contains(shown, "eta -");
    assert_contains(shown, "1000/1000 steps  ");
    assert_contains(shown, "took ");
}

/* ---- --seeds: one child per seed ------------------------------------------- */

#define CARTPOLE_INI RLC_CONFIGS_DIR "/ppo_cartpole.ini"

/* The text of file `name` in run directory out_dir/ppo_cartpole-s<seed> (caller frees). */
static char *run_file(const char *out_dir, unsigned seed, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/ppo_cartpole-s%u/%s", out_dir, seed, name);
    return slurp(p, NULL);
}

/* Three seeds in two processes at a time give the same eval.csv, byte for
 * byte, as three --seed runs; the summary names every seed, sorted. */
static void test_seeds_match_single_runs(void **state)
{
    (void)state;
    const char *many = tmp_path("seeds-many");
    int rc = rlc("seeds13", "run", CARTPOLE_INI, "--seeds", "3,1-2", "--jobs", "2", "--out", many,
                 "--set", "run.total_timesteps=2048", "--set", "eval.reward_threshold=0", NULL);
    if (rc != 0)
        print_error("exit %d, stderr:\n%s\n", rc, err_text);
    assert_int_equal(rc, 0);
    char *summary = strdup(out_text);
    assert_non_null(summary);
    /* children show no progress; nothing on stderr */
    assert_string_equal(err_text, "");
    const char *one = tmp_path("seeds-one");
    for (unsigned s = 1; s <= 3; s++) {
        char seed[8];
        snprintf(seed, sizeof seed, "%u", s);
        rc = rlc("seed1", "run", CARTPOLE_INI, "--seed", seed, "--out", one, "--set",
                 "run.total_timesteps=2048", "--set", "eval.reward_threshold=0", NULL);
        assert_int_equal(rc, 0);
        char *a = run_file(many, s, "eval.csv"), *b = run_file(one, s, "eval.csv");
        assert_string_equal(a, b);
        assert_int_equal(count_lines(a), 1 + 2); /* evaluations at 1024 and 2048 */
        free(a);
        free(b);
        char *ini = run_file(many, s, "config.ini");
        char want[64];
        snprintf(want, sizeof want, "\nseed = %u\n", s);
        assert_contains(ini, want);
        free(ini);
    }
    /* a line per finished seed, then the table sorted by seed */
    char want[700];
    for (unsigned s = 1; s <= 3; s++) {
        snprintf(want, sizeof want, "seed %u: final eval ", s);
        assert_contains(summary, want);
        snprintf(want, sizeof want, " -> %s/ppo_cartpole-s%u\n", many, s);
        assert_contains(summary, want);
    }
    assert_contains(summary, "\nppo on CartPole-v1, 3 seeds; reward threshold 0\n");
    const char *head = strstr(summary, "seed  final eval     steps to 0  s to 0  wall s  run\n");
    assert_non_null(head);
    const char *prev = head;
    for (unsigned s = 1; s <= 3; s++) {
        /* every evaluation mean is >= 0: reached at the first one, 1024 steps */
        snprintf(want, sizeof want, "\n   %u  ", s);
        const char *row = strstr(prev, want);
        assert_non_null(row);
        assert_true(row > prev);
        const char *eol = strchr(row + 1, '\n');
        assert_non_null(eol);
        char buf[800];
        const char *line = buf;
        snprintf(buf, sizeof buf, "%.*s", (int)(eol - row - 1), row + 1);
        assert_contains(line, " \xc2\xb1 ");
        assert_contains(line, "        1024  ");
        snprintf(want, sizeof want, "  %s/ppo_cartpole-s%u", many, s);
        assert_contains(line, want);
        prev = row + 1;
    }
    assert_contains(summary, "\n3 succeeded, 0 failed\n");
    /* --seeds and --seed made the same directories: nothing else */
    assert_false(exists(tmp_path("seeds-many/ppo_cartpole-s1-2")));
    free(summary);
}

/* Without a threshold the columns say so: Pendulum-v1 has none. */
static void test_seeds_no_threshold(void **state)
{
    (void)state;
    const char *out = tmp_path("seeds-pend");
    int rc = rlc("seedspend", "run", PENDULUM_INI, "--seeds", "5", "--out", out, "--set",
                 "run.total_timesteps=200", "--set", "ddpg.learning_starts=200", "--set",
                 "eval.n_eval_episodes=1", NULL);
    assert_int_equal(rc, 0);
    assert_contains(out_text, "ddpg on Pendulum-v1, 1 seed; reward threshold none"
                              " (set [eval] reward_threshold)\n");
    assert_contains(out_text, "steps to threshold  s to threshold");
    assert_contains(out_text, "\xe2\x80\x94"); /* — */
}

/* One seed whose run directory cannot be created fails with that reason;
 * the other completes; exit 1. */
static void test_seeds_one_fails(void **state)
{
    (void)state;
    /* a config name that leaves room for "-s1" but not for a 20-digit seed
     * within NAME_MAX (255) */
    char name[300];
    memset(name, 'x', 235);
    snprintf(name + 235, sizeof name - 235, ".ini");
    const char *path = tmp_path("%s", name);
    char *text = slurp(CARTPOLE_INI, NULL);
    write_file(path, text);
    free(text);
    const char *out = tmp_path("seeds-fail");
    int rc = rlc("seedsfail", "run", path, "--seeds", "18446744073709551615,1", "--jobs", "2",
                 "--out", out, "--set", "run.total_timesteps=512", NULL);
    if (rc != 1)
        print_error("exit %d, stdout:\n%s\nstderr:\n%s\n", rc, out_text, err_text);
    assert_int_equal(rc, 1);
    assert_contains(out_text, "seed 18446744073709551615: failed after ");
    assert_contains(out_text, "-s18446744073709551615: File name too long\n");
    assert_contains(out_text, "failed: cannot create ");
    assert_contains(out_text, "seed 1: final eval ");
    assert_contains(out_text, "\n1 succeeded, 1 failed\n");
    /* CartPole-v1's threshold by default ([eval] reward_threshold = auto) */
    assert_contains(out_text, "ppo on CartPole-v1, 2 seeds; reward threshold 475 (auto: the"
                              " environment's)\n");
    /* sorted: seed 1 before the large one, right-aligned to its width */
    const char *row1 = strstr(out_text, "\n                   1  ");
    const char *row2 = strstr(out_text, "\n18446744073709551615  \xe2\x80\x94  ");
    assert_non_null(row1);
    assert_non_null(row2);
    assert_true(row1 < row2);
    char p[800];
    snprintf(p, sizeof p, "%s/%.235s-s1/eval.csv", out, name);
    assert_true(exists(p));
}

/* Usage errors: exit 2, one message, nothing created; a bad config is
 * reported once, not once per seed. */
static void test_seeds_usage(void **state)
{
    (void)state;
    expect_input_error("seedboth", PENDULUM_INI, (const char *[]){"--seed", "1", "--seeds", "1-3",
                                                                  NULL},
                       "rlc run: --seed and --seeds cannot be used together\n", NULL);
    expect_input_error("seedjobs", PENDULUM_INI, (const char *[]){"--jobs", "2", NULL},
                       "rlc run: --jobs is for --seeds", NULL);
    expect_input_error("jobs0", PENDULUM_INI, (const char *[]){"--seeds", "1-2", "--jobs", "0", NULL},
                       "rlc run: --jobs '0': expected a whole number in [1, 1024]\n", NULL);
    expect_input_error("jobsabc", PENDULUM_INI,
                       (const char *[]){"--seeds", "1-2", "--jobs", "2x", NULL},
                       "rlc run: --jobs '2x': expected a whole number in [1, 1024]\n", NULL);
    expect_input_error("seedsback", PENDULUM_INI, (const char *[]){"--seeds", "3-1", NULL},
                       "rlc run: --seeds '3-1': range 3-1 runs backwards (write 1-3)\n", NULL);
    expect_input_error("seedsdup", PENDULUM_INI, (const char *[]){"--seeds", "1,2,1", NULL},
                       "rlc run: --seeds '1,2,1': seed 1 is named twice\n", NULL);
    expect_input_error("seedsbadset", PENDULUM_INI,
                       (const char *[]){"--seeds", "1-8", "--set", "ddpg.tau=2", NULL},
                       "rlc: --set ddpg.tau=2: [ddpg] tau: 2 is out of range", NULL);
    assert_int_equal(count_lines(err_text), 1);
    char want[600];
    const char *path = tmp_path("seeds-bad.ini");
    write_file(path, "[run]\nalgo = ddpg\nenv_id = Pendulum-v1\n[ddpg]\ngama = 0.9\n");
    snprintf(want, sizeof want, "rlc: %s:5: [ddpg] gama: unknown key", path);
    expect_input_error("seedsbadini", path, (const char *[]){"--seeds", "1-8", NULL}, want, NULL);
    assert_int_equal(count_lines(err_text), 1);
}

/* Lines of `path` (0 if it does not exist yet). */
static size_t file_lines(const char *path)
{
    if (!exists(path))
        return 0;
    char *t = slurp(path, NULL);
    size_t n = count_lines(t);
    free(t);
    return n;
}

/* Processes whose command line mentions `needle` (the children of an rlc
 * run carry its arguments, so a unique --out finds them all); with
 * `ppid` > 0 only its children. Up to max of their pids go to pids. */
static size_t processes_with(const char *needle, pid_t ppid, pid_t *pids, size_t max)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char p[300], buf[8192];
        snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[len] = '\0';
        if (!strstr(buf, needle))
            continue;
        if (ppid > 0) {
            snprintf(p, sizeof p, "/proc/%s/stat", e->d_name);
            f = fopen(p, "r");
            if (!f)
                continue;
            int parent = 0;
            /* pid (comm) state ppid: comm is "rlc" here, without spaces */
            int got = fscanf(f, "%*d %*s %*c %d", &parent);
            fclose(f);
            if (got != 1 || parent != ppid)
                continue;
        }
        if (n < max)
            pids[n] = (pid_t)atoi(e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static const struct timespec tick = {0, 10 * 1000 * 1000};

/* Wait until `path` has at least n lines (a child is training). */
static void wait_lines(const char *path, size_t n)
{
    int i;
    for (i = 0; i < RLC_TIMEOUT_S * 100 && file_lines(path) < n; i++)
        nanosleep(&tick, NULL);
    if (i == RLC_TIMEOUT_S * 100)
        print_error("%s: fewer than %zu lines after %d s\n", path, n, RLC_TIMEOUT_S);
    assert_true(i < RLC_TIMEOUT_S * 100);
}

/* The exit status of pid, which must end within RLC_TIMEOUT_S (else it is
 * killed and the test fails); -1 if killed by a signal. */
static int wait_exit(pid_t pid)
{
    int status, i;
    pid_t got;
    for (i = 0; (got = waitpid(pid, &status, WNOHANG)) == 0 && i < RLC_TIMEOUT_S * 100; i++)
        nanosleep(&tick, NULL);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    assert_int_equal(got, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* SIGINT (SIGTERM) to the parent while two of four long seeds run: both
 * children stop with whole rows, none is left over, seeds 3 and 4 never
 * start, exit 130 (143), and stderr says how to go on. */
static void interrupt_seeds(int sig, const char *tag)
{
    char *out = strdup(tmp_path("%s-out", tag));
    const char *argv[] = {RLC_BIN, "run", CARTPOLE_INI, "--seeds", "1-4", "--jobs", "2", "--out",
                          out, "--set", "run.total_timesteps=100000000", NULL};
    pid_t pid = spawn_logged(tag, NULL, argv);
    char p[700];
    snprintf(p, sizeof p, "%s/ppo_cartpole-s1/progress.csv", out);
    wait_lines(p, 2);
    snprintf(p, sizeof p, "%s/ppo_cartpole-s2/progress.csv", out);
    wait_lines(p, 2);
    pid_t kids[4];
    assert_int_equal(processes_with(out, pid, kids, 4), 2);
    assert_int_equal(processes_with(out, 0, kids, 4), 3); /* and the parent */
    assert_int_equal(kill(pid, sig), 0);
    assert_int_equal(wait_exit(pid), 128 + sig);
    assert_int_equal(processes_with(out, 0, kids, 4), 0); /* every child reaped, no orphan */

    char *o = slurp_log(tag, "out"), *e = slurp_log(tag, "err");
    assert_contains(o, "seed 1: interrupted after ");
    assert_contains(o, "seed 2: interrupted after ");
    char want[700];
    snprintf(want, sizeof want, "  interrupted: %s/ppo_cartpole-s1\n", out);
    assert_contains(o, want);
    assert_contains(o, "not started (interrupted)\n");
    assert_contains(o, "\n0 succeeded, 0 failed, 2 interrupted, 2 not started\n");
    /* and how to go on: resume each stopped seed, run the two not started */
    char want_err[1600];
    snprintf(want_err, sizeof want_err,
             "rlc: %s: stopped seeds 1, 2; 2 not started\n"
             "continue the stopped seeds with:\n"
             "  rlc resume %s/ppo_cartpole-s1\n"
             "  rlc resume %s/ppo_cartpole-s2\n"
             "run the rest with the same command and --seeds 3,4\n",
             sig == SIGINT ? "interrupted" : "terminated", out, out);
    assert_string_equal(e, want_err);
    free(o);
    free(e);
    assert_false(exists(tmp_path("%s-out/ppo_cartpole-s3", tag)));
    /* the children stopped between rows: every file ends with a whole line */
    static const char *const files[] = {"progress.csv", "monitor.csv", "eval.csv"};
    for (unsigned s = 1; s <= 2; s++)
        for (size_t k = 0; k < 3; k++) {
            char *t = run_file(out, s, files[k]);
            assert_true(t[0] && t[strlen(t) - 1] == '\n');
            free(t);
        }
    for (unsigned s = 1; s <= 2; s++) { /* and say so */
        char *t = run_file(out, s, "run.json");
        assert_contains(t, "\"status\": \"interrupted\"");
        free(t);
    }
    free(out);
}

static void test_seeds_sigint(void **state)
{
    (void)state;
    interrupt_seeds(SIGINT, "seedsint");
}

static void test_seeds_sigterm(void **state)
{
    (void)state;
    interrupt_seeds(SIGTERM, "seedsterm");
}

/* A child killed by a signal (not an interrupt of the parent) is a failed
 * seed named by its signal; the next seed starts. */
static void test_seeds_child_killed(void **state)
{
    (void)state;
    char *out = strdup(tmp_path("seedskill-out"));
    const char *argv[] = {RLC_BIN, "run", CARTPOLE_INI, "--seeds", "1-2", "--jobs", "1", "--out",
                          out, "--set", "run.total_timesteps=100000000", NULL};
    pid_t pid = spawn_logged("seedskill", NULL, argv);
    char p[700];
    snprintf(p, sizeof p, "%s/ppo_cartpole-s1/progress.csv", out);
    wait_lines(p, 2);
    pid_t kids[4];
    assert_int_equal(processes_with(out, pid, kids, 4), 1);
    assert_int_equal(kill(kids[0], SIGKILL), 0);
    /* seed 2 starts in its place */
    snprintf(p, sizeof p, "%s/ppo_cartpole-s2/progress.csv", out);
    wait_lines(p, 2);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(wait_exit(pid), 130);
    assert_int_equal(processes_with(out, 0, kids, 4), 0);
    char *o = slurp(tmp_path("seedskill.out"), NULL);
    assert_contains(o, "seed 1: failed after ");
    assert_contains(o, "failed: killed by signal 9 (Killed)\n");
    assert_contains(o, "seed 2: interrupted after ");
    assert_contains(o, "\n0 succeeded, 1 failed, 1 interrupted, 0 not started\n");
    free(o);
    free(out);
}

/* learning_starts that leaves no step to train on: the run goes ahead (it
 * is legal) with a warning naming both numbers. */
static void test_learning_starts_warning(void **state)
{
    (void)state;
    assert_int_equal(rlc("starts", "run", RLC_CONFIGS_DIR "/ddpg_pendulum.ini", "--out",
                         tmp_path("starts"), "--set", "run.total_timesteps=300", "--set",
                         "eval.eval_freq=0", NULL),
                     0);
    assert_contains(err_text, "rlc: warning: [ddpg] learning_starts 1000 is not below [run] "
                              "total_timesteps 300: the run collects data and never trains\n");
}

/* ---- Ctrl-C, rlc resume, rlc eval ------------------------------------------ */

/* Ctrl-C during `rlc run`: a checkpoint, a message saying how to continue,
 * exit 130; `rlc resume` then ends as the run that never stopped; a second
 * resume leaves the finished run as it is; `rlc eval` evaluates it. */
static void test_sigint_resume_eval(void **state)
{
    (void)state;
    char *cut = strdup(tmp_path("cut")), *full = strdup(tmp_path("full"));
    const char *argv[] = {RLC_BIN, "run", CARTPOLE_INI, "--out", cut, "--set",
                          "run.total_timesteps=300000", "--set", "eval.eval_freq=20000", NULL};
    pid_t pid = spawn_logged("sigint", NULL, argv);
    char p[700];
    snprintf(p, sizeof p, "%s/ppo_cartpole-s1/progress.csv", cut);
    wait_lines(p, 4);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(wait_exit(pid), 130);
    char *e = slurp(tmp_path("sigint.err"), NULL);
    char want[1400];
    snprintf(want, sizeof want, "checkpoint written, continue with: rlc resume %s/ppo_cartpole-s1\n",
             cut);
    assert_contains(e, want);
    assert_contains(e, "rlc: stopping at the next checkpoint (again to quit at once)\n");
    free(e);
    snprintf(p, sizeof p, "%s/ppo_cartpole-s1", cut);
    assert_int_equal(rlc("resume", "resume", p, NULL), 0);
    assert_contains(out_text, "ppo CartPole-v1 seed 1: final eval mean_reward 500.00");
    assert_contains(out_text, "(299776 steps, ");
    assert_int_equal(rlc("full", "run", CARTPOLE_INI, "--out", full, "--set",
                         "run.total_timesteps=300000", "--set", "eval.eval_freq=20000", NULL),
                     0);
    char *a = run_file(cut, 1, "eval.csv"), *b = run_file(full, 1, "eval.csv");
    assert_string_equal(a, b);
    assert_int_equal(count_lines(a), 1 + 15);
    free(a);
    free(b);
    assert_int_equal(rlc("resume2", "resume", p, NULL), 0); /* finished: nothing to do */
    a = run_file(cut, 1, "eval.csv");
    assert_int_equal(count_lines(a), 1 + 15);
    free(a);

    assert_int_equal(rlc("eval", "eval", p, "--episodes", "3", "--seed", "9", NULL), 0);
    snprintf(want, sizeof want,
             "%s ppo CartPole-v1: mean_reward 500.00 +/- 0.00 over 3 episodes (seed 9)\n"
             "episode 1: 500.00\nepisode 2: 500.00\nepisode 3: 500.00\n",
             p);
    assert_string_equal(out_text, want);
    free(cut);
    free(full);
}

/* A loss that overflows: exit 1, naming the quantity and the update,
 * and no checkpoint with non-finite parameters (none was due yet). */
static void test_diverged_run(void **state)
{
    (void)state;
    const char *out = tmp_path("diverge");
    assert_int_equal(rlc("diverge", "run", CARTPOLE_INI, "--out", out, "--set", "ppo.vf_coef=1e308",
                         "--set", "ppo.max_grad_norm=1e300", "--set", "run.checkpoint_freq=1024",
                         NULL),
                     1);
    assert_contains(err_text, "rlc: training diverged: non-finite loss at update 1, after 256 "
                              "steps; no checkpoint was written\n");
    char m[700];
    snprintf(m, sizeof m, "%s/ppo_cartpole-s1/model.rlc", out);
    assert_false(exists(m));
}

static void test_resume_eval_errors(void **state)
{
    (void)state;
    assert_int_equal(rlc("resume0", "resume", NULL), 2);
    assert_contains(err_text, "rlc resume: missing RUN_DIR\n");
    assert_int_equal(rlc("resume3", "resume", "a", "b", NULL), 2);
    assert_int_equal(rlc("resume-missing", "resume", tmp_path("nowhere"), NULL), 2); /* as eval */
    assert_contains(err_text, "/nowhere/config.ini: No such file or directory\n");
    assert_int_equal(rlc("eval-missing", "eval", tmp_path("nowhere"), NULL), 2);
    assert_int_equal(rlc("eval0", "eval", NULL), 2);
    /* a run directory whose model.rlc is not a checkpoint */
    const char *dir = tmp_path("notckpt");
    assert_int_equal(rlc("tiny", "run", CARTPOLE_INI, "--out", dir, "--set",
                         "run.total_timesteps=2048", NULL),
                     0);
    char m[700];
    snprintf(m, sizeof m, "%s/ppo_cartpole-s1/model.rlc", dir);
    write_file(m, "not a checkpoint\n");
    snprintf(m, sizeof m, "%s/ppo_cartpole-s1", dir);
    assert_int_equal(rlc("resume-bad", "resume", m, NULL), 2);
    assert_contains(err_text, "model.rlc: not an rlc checkpoint (bad magic)\n");
    assert_int_equal(rlc("eval-bad", "eval", m, NULL), 2);
    assert_contains(err_text, "model.rlc: not an rlc checkpoint (bad magic)\n");
    assert_int_equal(rlc("eval-episodes", "eval", m, "--episodes", "0", NULL), 2);
    /* the folder of runs given instead of a run: the message names a run in it */
    char want[800];
    snprintf(want, sizeof want, "%s is not a run directory but holds runs: give one of them, "
                                "e.g. %s/ppo_cartpole-s1\n", dir, dir);
    assert_int_equal(rlc("resume-parent", "resume", dir, NULL), 2);
    assert_contains(err_text, want);
    assert_int_equal(rlc("eval-parent", "eval", dir, NULL), 2);
    assert_contains(err_text, want);
    /* run.json's "ranks" damaged: not a count (a sign would wrap around,
     * a huge one would be allocated), exit 2 saying so */
    const char *bad_ranks[] = {"-3", "99999999999999999999", "0", "2x"};
    const char *good = tmp_path("ranksok");
    assert_int_equal(rlc("tiny2", "run", CARTPOLE_INI, "--out", good, "--set",
                         "run.total_timesteps=2048", NULL),
                     0);
    char j[700];
    snprintf(j, sizeof j, "%s/ppo_cartpole-s1/run.json", good);
    char *info = slurp(j, NULL);
    assert_non_null(strstr(info, "\"ranks\": 1,"));
    for (size_t k = 0; k < sizeof bad_ranks / sizeof bad_ranks[0]; k++) {
        char text[8192], *at = strstr(info, "\"ranks\": 1,");
        snprintf(text, sizeof text, "%.*s\"ranks\": %s,%s", (int)(at - info), info, bad_ranks[k],
                 at + strlen("\"ranks\": 1,"));
        write_file(j, text);
        snprintf(m, sizeof m, "%s/ppo_cartpole-s1", good);
        assert_int_equal(rlc("eval-ranks", "eval", m, NULL), 2);
        assert_contains(err_text, "/run.json is damaged: its \"ranks\" is not a whole number"
                                  " from 1 to 1048576\n");
        assert_int_equal(rlc("resume-ranks", "resume", m, NULL), 2);
        assert_contains(err_text, "/run.json is damaged");
    }
    free(info);
}

/* ---- rlc gradcheck ------------------------------------------------------- */

/* Every line of s at most `width` characters (bytes: the output is ASCII). */
static void assert_lines_fit(const char *s, size_t width)
{
    for (const char *line = s; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > width)
            print_error("line of %zu characters: %.*s\n", len, (int)len, line);
        assert_true(len <= width);
        line += len + (end != NULL);
    }
}

static void test_gradcheck_shipped_configs(void **state)
{
    (void)state;
    DIR *d = opendir(RLC_CONFIGS_DIR);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", RLC_CONFIGS_DIR, e->d_name);
        int rc = rlc("gradcheck", "gradcheck", path, NULL);
        if (rc != 0)
            print_error("%s: exit %d\n%s%s", path, rc, out_text, err_text);
        assert_int_equal(rc, 0);
        assert_contains(out_text, "loss / block");
        assert_contains(out_text, " pass\n");
        assert_contains(out_text, " 0 FAIL");
        assert_null(strstr(out_text, "FAIL\n"));
        assert_lines_fit(out_text, 79);
        assert_string_equal(err_text, "");
        n++;
    }
    closedir(d);
    assert_true(n >= 8);
    /* the blocks and losses the networks and the algorithm name */
    assert_int_equal(rlc("gc-ppo", "gradcheck", RLC_CONFIGS_DIR "/ppo_pendulum.ini", "--seed", "3",
                         NULL), 0);
    assert_contains(out_text, "seed 3");
    assert_contains(out_text, "clipped_surrogate\n");
    assert_contains(out_text, "value_loss\n");
    assert_contains(out_text, "entropy\n");
    assert_contains(out_text, "  actor.layer0.weight ");
    assert_contains(out_text, "  critic.layer2.bias ");
    assert_contains(out_text, "  log_std ");
    assert_contains(out_text, "128+16d"); /* the 64 × 64 layer is sampled */
    assert_contains(out_text, "all");
}

/* Every value clipped after the update: the clipped value loss has no
 * gradient, and says so instead of passing; not a failure either. */
static void test_gradcheck_no_signal(void **state)
{
    (void)state;
    assert_int_equal(rlc("gc-nosig", "gradcheck", RLC_CONFIGS_DIR "/ppo_pendulum.ini", "--set",
                         "ppo.clip_range_vf=0.01", NULL),
                     0);
    assert_contains(out_text, "value_loss\n  critic.layer0.weight ");
    assert_contains(out_text, " 0 FAIL, 6 no signal");
    assert_contains(out_text, "all  0.0e+00  0.0e+00     0  no signal\n");
}

static void test_gradcheck_csv(void **state)
{
    (void)state;
    assert_int_equal(rlc("gc-csv", "gradcheck", RLC_CONFIGS_DIR "/trpo_cartpole.ini", "--csv",
                         "--batch", "16", "--eps", "1e-5", "--tol", "1e-4", NULL),
                     0);
    const char *header = "loss,block,size,coordinates,directions,kinks,max_abs_error,"
                         "max_rel_error,result\n";
    assert_true(!strncmp(out_text, header, strlen(header)));
    assert_contains(out_text, "\nsurrogate,actor.layer0.weight,128,128,0,");
    assert_contains(out_text, "\nmean_kl,");
    assert_contains(out_text, "\nfisher_product[0],");
    assert_contains(out_text, "\nvalue_loss,critic.layer1.weight,1024,128,16,");
    /* 5 losses: 4 of π's 6 blocks (Categorical: no log_std), the critic's 6 */
    assert_int_equal(count_lines(out_text), 1 + 4 * 6 + 6);
}

static void test_gradcheck_bad_input(void **state)
{
    (void)state;
    const char *path = tmp_path("gc-gama.ini");
    write_file(path, "[run]\n"
                     "algo = ddpg\n"
                     "env_id = Pendulum-v1\n"
                     "[ddpg]\n"
                     "gama = 0.9\n");
    char want[600];
    snprintf(want, sizeof want, "%s:5: [ddpg] gama", path);
    assert_int_equal(rlc("gc-bad", "gradcheck", path, NULL), 2);
    assert_contains(err_text, want);
    /* a batch, not a dataset: --batch has a bound */
    assert_int_equal(rlc("gc-batch", "gradcheck", RLC_CONFIGS_DIR "/ddpg_pendulum.ini", "--batch",
                         "65537", NULL),
                     2);
    assert_contains(err_text, "--batch 65537: not a whole number in [1, 65536]");
    assert_string_equal(out_text, "");
    assert_int_equal(rlc("gc-missing", "gradcheck", tmp_path("none.ini"), NULL), 2);
    assert_contains(err_text, "none.ini: No such file");
    assert_int_equal(rlc("gc-set", "gradcheck", PENDULUM_INI, "--set", "ddpg.tau=2", NULL), 2);
    assert_contains(err_text, "ddpg.tau=2");
    assert_int_equal(rlc("gc-batch", "gradcheck", PENDULUM_INI, "--batch", "0", NULL), 2);
    assert_contains(err_text, "--batch 0");
    assert_int_equal(rlc("gc-eps", "gradcheck", PENDULUM_INI, "--eps", "2", NULL), 2);
    assert_contains(err_text, "--eps 2");
    assert_int_equal(rlc("gc-tol", "gradcheck", PENDULUM_INI, "--tol", "x", NULL), 2);
    assert_contains(err_text, "--tol x");
    assert_int_equal(rlc("gc-noconf", "gradcheck", NULL), 2);
    assert_contains(err_text, "missing CONFIG");
    assert_int_equal(rlc("gc-seed", "gradcheck", PENDULUM_INI, "--seed", "-1", NULL), 2);
    assert_contains(err_text, "--seed -1");
}

static void test_gradcheck_help(void **state)
{
    (void)state;
    assert_int_equal(rlc("gc-help", "gradcheck", "--help", NULL), 0);
    assert_contains(out_text, "rel   = |a - n| / max(|a|, |n|, floor)");
    assert_contains(out_text, "no signal");
    assert_contains(out_text, "kinks");
    assert_lines_fit(out_text, 79);
    assert_int_equal(rlc("help-gc", "--help", NULL), 0);
    assert_contains(out_text, "rlc gradcheck CONFIG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_missing_config),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_bad_overrides),
        cmocka_unit_test(test_bad_seed),
        cmocka_unit_test(test_long_values_keep_reason),
        cmocka_unit_test(test_tiny_run),
        cmocka_unit_test(test_minibatch_warning),
        cmocka_unit_test(test_onpolicy_log_interval),
        cmocka_unit_test(test_closed_stderr),
        cmocka_unit_test(test_terminal_line),
        cmocka_unit_test(test_validate_errors_name_origin),
        cmocka_unit_test(test_config_must_name_algo_and_env),
        cmocka_unit_test(test_not_text),
        cmocka_unit_test(test_stdout_write_error),
        cmocka_unit_test(test_extra_arguments),
        cmocka_unit_test(test_write_error_names_path),
        cmocka_unit_test(test_seed_is_set),
        cmocka_unit_test(test_getopt_messages),
        cmocka_unit_test(test_empty_out),
        cmocka_unit_test(test_seeds_match_single_runs),
        cmocka_unit_test(test_seeds_no_threshold),
        cmocka_unit_test(test_seeds_one_fails),
        cmocka_unit_test(test_seeds_usage),
        cmocka_unit_test(test_seeds_sigint),
        cmocka_unit_test(test_seeds_sigterm),
        cmocka_unit_test(test_sigint_resume_eval),
        cmocka_unit_test(test_learning_starts_warning),
        cmocka_unit_test(test_resume_eval_errors),
        cmocka_unit_test(test_diverged_run),
        cmocka_unit_test(test_seeds_child_killed),
        cmocka_unit_test(test_gradcheck_shipped_configs),
        cmocka_unit_test(test_gradcheck_no_signal),
        cmocka_unit_test(test_gradcheck_csv),
        cmocka_unit_test(test_gradcheck_bad_input),
        cmocka_unit_test(test_gradcheck_help),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    free(out_text);
    free(err_text);
    return failed;
}
