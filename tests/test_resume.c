/* test_resume.c — nothing lost: for every algorithm, a run stopped at a
 * checkpoint and resumed ends as the run that never stopped — eval.csv
 * byte for byte, monitor.csv's r,l and progress.csv's training columns
 * line for line, and the agent's whole state (parameters, optimiser
 * moments, generators, replay buffer, ...) bit for bit. The stop comes the
 * way a Ctrl-C does (rlc_run_request_stop) after a chosen number of
 * progress lines; each run goes in its own process because a stop request
 * holds for the rest of a process. Also: a finished run resumes to itself,
 * and a checkpoint that is corrupt, truncated or made for another
 * config.ini is refused with RLC_EFORMAT or RLC_EINVAL, touching nothing. */
#define _GNU_SOURCE /* fopencookie */
#define _XOPEN_SOURCE 700
#include <gsl/gsl_errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "rlc/blas.h"
#include "rlc/checkpoint.h"
#include "rlc/config.h"
#include "rlc/run.h"
#include "test_files.h"
#include "test_state.h"

/* --- a progress display that asks the run to stop after n lines --- */

static size_t lines_left;

static ssize_t stop_after_lines(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    for (size_t i = 0; i < size; i++)
        if (buf[i] == '\n' && lines_left && --lines_left == 0)
            rlc_run_request_stop();
    return (ssize_t)size;
}

static FILE *stopping_display(size_t lines)
{
    lines_left = lines;
    cookie_io_functions_t io = {.write = stop_after_lines};
    return fopencookie(NULL, "w", io);
}

/* --- runs in child processes --- */

/* What a child reports: its status and the steps its run took. */
typedef struct outcome {
    rlc_status st;
    size_t timesteps;
    char run_dir[4096];
} outcome;

static outcome in_child(const char *ini, const char *sets[], const char *out, size_t stop_lines,
                        const char *resume_dir)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        outcome o = {0};
        rlc_run_result res;
        if (resume_dir) {
            o.st = rlc_run_resume(resume_dir, NULL, &res);
        } else {
            rlc_config cfg;
            rlc_config_error err;
            rlc_config_default(&cfg);
            o.st = rlc_config_load(&cfg, ini, &err);
            for (size_t i = 0; o.st == RLC_OK && sets[i]; i++)
                o.st = rlc_config_set(&cfg, sets[i], &err);
            FILE *display = stop_lines ? stopping_display(stop_lines) : NULL;
            if (o.st == RLC_OK)
                o.st = rlc_run_train(&cfg, ini, out, display, &res);
            if (display)
                fclose(display);
        }
        o.timesteps = res.timesteps;
        snprintf(o.run_dir, sizeof o.run_dir, "%s", res.run_dir);
        if (o.st != RLC_OK && o.st != RLC_EINTERRUPTED)
            fprintf(stderr, "child: %s\n", res.error);
        ssize_t w = write(fd[1], &o, sizeof o);
        _exit(w == (ssize_t)sizeof o ? 0 : 1);
    }
    close(fd[1]);
    outcome o;
    ssize_t got = read(fd[0], &o, sizeof o);
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(got, (ssize_t)sizeof o);
    return o;
}

/* --- comparing run directories --- */

/* Column `col` (0-based) of a CSV line removed in place; false if it has none. */
static bool drop_column(char *line, int col)
{
    char *start = line;
    for (int c = 0; c < col; c++) {
        start = strchr(start, ',');
        if (!start)
            return false;
        start++;
    }
    char *end = strchr(start, ',');
    if (end)
        memmove(start, end + 1, strlen(end + 1) + 1);
    else if (start > line)
        start[-1] = '\0';
    else
        *start = '\0';
    return true;
}

/* The file's lines with the given columns removed (in descending order,
 * -1 ends the list), from line `first` on, compared between two runs. */
static void assert_columns_equal(const char *a_dir, const char *b_dir, const char *name,
                                 size_t first, const int *drop)
{
    char pa[4400], pb[4400];
    snprintf(pa, sizeof pa, "%s/%s", a_dir, name);
    snprintf(pb, sizeof pb, "%s/%s", b_dir, name);
    char *a = slurp(pa, NULL), *b = slurp(pb, NULL);
    char *sa, *sb;
    char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb);
    size_t n = 0;
    for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb), n++) {
        if (n < first)
            continue;
        for (const int *d = drop; *d >= 0; d++) {
            drop_column(la, *d);
            drop_column(lb, *d);
        }
        if (strcmp(la, lb) != 0)
            print_error("%s line %zu:\n  %s\n  %s\n", name, n + 1, la, lb);
        assert_string_equal(la, lb);
    }
    assert_null(la); /* the same number of lines */
    assert_null(lb);
    assert_true(n > first);
    free(a);
    free(b);
}

static bool same_bytes(const char *a_dir, const char *b_dir, const char *name)
{
    char pa[4400], pb[4400];
    snprintf(pa, sizeof pa, "%s/%s", a_dir, name);
    snprintf(pb, sizeof pb, "%s/%s", b_dir, name);
    size_t na, nb;
    char *a = slurp(pa, &na), *b = slurp(pb, &nb);
    bool eq = na == nb && memcmp(a, b, na) == 0;
    free(a);
    free(b);
    return eq;
}

/* A run of ini with sets, uninterrupted; and the same run stopped after
 * stop_lines progress lines, then resumed. The two end the same. */
static void check_resume(const char *name, const char *ini, const char *sets[],
                         size_t stop_lines)
{
    const char *full_out = tmp_path("%s/full", name), *cut_out = tmp_path("%s/cut", name);
    outcome full = in_child(ini, sets, full_out, 0, NULL);
    assert_int_equal(full.st, RLC_OK);
    outcome cut = in_child(ini, sets, cut_out, stop_lines, NULL);
    assert_int_equal(cut.st, RLC_EINTERRUPTED);
    assert_true(cut.timesteps > 0 && cut.timesteps < full.timesteps); /* stopped mid-run */
    print_message("%s: stopped at %zu of %zu steps\n", name, cut.timesteps, full.timesteps);
    outcome resumed = in_child(NULL, NULL, NULL, 0, cut.run_dir);
    assert_int_equal(resumed.st, RLC_OK);
    assert_int_equal(resumed.timesteps, full.timesteps);

    assert_true(same_bytes(full.run_dir, cut.run_dir, "eval.csv"));
    assert_true(same_bytes(full.run_dir, cut.run_dir, "config.ini"));
    static const int monitor_drop[] = {2, -1};     /* r,l,t: t is wall-clock */
    static const int progress_drop[] = {3, 2, -1}; /* time_elapsed, fps */
    assert_columns_equal(full.run_dir, cut.run_dir, "monitor.csv", 2, monitor_drop);
    assert_columns_equal(full.run_dir, cut.run_dir, "progress.csv", 0, progress_drop);
    assert_same_agent_state(full.run_dir, cut.run_dir);

    /* a finished run resumes to itself */
    outcome again = in_child(NULL, NULL, NULL, 0, cut.run_dir);
    assert_int_equal(again.st, RLC_OK);
    assert_int_equal(again.timesteps, full.timesteps);
    assert_true(same_bytes(full.run_dir, cut.run_dir, "eval.csv"));
}

static void test_resume_ddpg(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=2400", "run.log_interval=200",
                          "ddpg.learning_starts=300", "eval.eval_freq=800",
                          "eval.n_eval_episodes=2", NULL};
    check_resume("ddpg", RLC_CONFIGS_DIR "/ddpg_pendulum.ini", sets, 7);
}

static void test_resume_ppo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=20000", "run.log_interval=1000",
                          "eval.eval_freq=4000", "eval.n_eval_episodes=3", NULL};
    check_resume("ppo", RLC_CONFIGS_DIR "/ppo_cartpole.ini", sets, 5);
}

/* observation and reward normalisation, RMSprop */
static void test_resume_a2c(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=6400", "run.log_interval=640",
                          "eval.eval_freq=2000", "eval.n_eval_episodes=2", NULL};
    check_resume("a2c", RLC_CONFIGS_DIR "/a2c_pendulum.ini", sets, 4);
}

static void test_resume_trpo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8192", "run.log_interval=1000",
                          "eval.eval_freq=3000", "eval.n_eval_episodes=2", NULL};
    check_resume("trpo", RLC_CONFIGS_DIR "/trpo_cartpole.ini", sets, 3);
}

/* the a' kept at a rollout's end must survive the checkpoint */
static void test_resume_qac(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=6400", "run.log_interval=640",
                          "eval.eval_freq=2000", "eval.n_eval_episodes=2", NULL};
    check_resume("qac", RLC_CONFIGS_DIR "/qac_pendulum.ini", sets, 4);
}

/* Checkpoints every 500 steps, then a damaged model.rlc: refused with a
 * reason, the logs untouched. */
static void test_bad_checkpoints(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=4096", "run.log_interval=512",
                          "run.checkpoint_freq=500", "eval.eval_freq=0",
                          "eval.n_eval_episodes=2", NULL};
    outcome cut = in_child(RLC_CONFIGS_DIR "/ppo_cartpole.ini", sets, tmp_path("bad"), 3, NULL);
    assert_int_equal(cut.st, RLC_EINTERRUPTED);
    char model[4400], saved[4400], ini[4400], progress[4400];
    snprintf(model, sizeof model, "%s/model.rlc", cut.run_dir);
    snprintf(saved, sizeof saved, "%s/model.good", cut.run_dir);
    snprintf(ini, sizeof ini, "%s/config.ini", cut.run_dir);
    snprintf(progress, sizeof progress, "%s/progress.csv", cut.run_dir);
    size_t len, plen;
    char *good = slurp(model, &len), *prog = slurp(progress, &plen);
    assert_false(exists(tmp_path("bad/ppo_cartpole-s1/model.rlc.tmp")));

    struct {
        const char *what;
        size_t offset; /* byte to flip, or the length to cut to */
        bool cut;
        rlc_status want;
    } cases[] = {
        {"bad magic", 0, false, RLC_EFORMAT},
        {"another format version", 12, false, RLC_EFORMAT},
        {"a flipped byte in a section", len / 2, false, RLC_EFORMAT},
        {"a flipped checksum byte", len - 1, false, RLC_EFORMAT},
        {"truncated", len - 100, true, RLC_EFORMAT},
        {"empty", 0, true, RLC_EFORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(model, "wb");
        assert_non_null(f);
        char *bytes = malloc(len);
        memcpy(bytes, good, len);
        if (!cases[i].cut)
            bytes[cases[i].offset] ^= 0x5a;
        assert_int_equal(fwrite(bytes, 1, cases[i].cut ? cases[i].offset : len, f),
                         cases[i].cut ? cases[i].offset : len);
        fclose(f);
        free(bytes);
        rlc_run_result res;
        rlc_status st = rlc_run_resume(cut.run_dir, NULL, &res);
        print_message("%s: %s\n", cases[i].what, res.error);
        assert_int_equal(st, cases[i].want);
        assert_non_null(strstr(res.error, "model.rlc"));
        size_t pl;
        char *p = slurp(progress, &pl); /* the logs were not cut back */
        assert_int_equal(pl, plen);
        free(p);
    }
    /* a section count in the header that disagrees with the sections, the
     * checksum made right: refused all the same */
    char *bytes = malloc(len);
    memcpy(bytes, good, len);
    bytes[40] ^= 1;
    uint32_t crc = (uint32_t)crc32_z(0L, (const unsigned char *)bytes, len - 4);
    memcpy(bytes + len - 4, &crc, 4);
    FILE *f = fopen(model, "wb");
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    free(bytes);
    rlc_run_result cres;
    assert_int_equal(rlc_run_resume(cut.run_dir, NULL, &cres), RLC_EFORMAT);
    assert_non_null(strstr(cres.error, "model.rlc: the header counts "));
    /* the checkpoint of another config.ini */
    f = fopen(model, "wb");
    assert_int_equal(fwrite(good, 1, len, f), len);
    fclose(f);
    size_t ilen;
    char *text = slurp(ini, &ilen);
    char *changed = malloc(ilen + 64);
    snprintf(changed, ilen + 64, "%s", text);
    char *g = strstr(changed, "gamma = 0.98");
    assert_non_null(g);
    memcpy(g, "gamma = 0.97", 12);
    f = fopen(ini, "wb");
    assert_int_equal(fwrite(changed, 1, ilen, f), ilen);
    fclose(f);
    rlc_run_result res;
    assert_int_equal(rlc_run_resume(cut.run_dir, NULL, &res), RLC_EINVAL);
    assert_non_null(strstr(res.error, "another configuration"));
    free(changed);
    free(text);
    free(good);
    free(prog);
}

/* Pieces with a rule (rlc_state_count, rlc_state_bools): a checkpoint
 * whose checksum was made right after an index was pushed past its array
 * or a flag set to 2 is refused before anything is written. */
typedef struct counted {
    size_t fill;
    unsigned char flags[3];
} counted;

static rlc_status counted_state(void *obj, const rlc_state_visitor *v)
{
    counted *c = obj;
    rlc_status st = rlc_state_count(v, "fill", &c->fill, 10);
    return st ? st : rlc_state_bools(v, "flags", c->flags, sizeof c->flags);
}

static void test_checked_pieces(void **state)
{
    (void)state;
    counted c = {10, {0, 1, 1}};
    rlc_checkpoint_part part = {"c", counted_state, &c};
    const char *path = tmp_path("counted.rlc");
    assert_int_equal(rlc_checkpoint_save(path, 7, &part, 1), RLC_OK);
    size_t len;
    char *good = slurp(path, &len);
    /* header 48, then "c/fill": 2 + 6 + 8 bytes before its value */
    const size_t fill_at = 48 + 2 + 6 + 8, flag_at = fill_at + 8 + 2 + 7 + 8 + 1;
    struct {
        size_t at;
        unsigned char value;
        const char *why;
    } cases[] = {
        {fill_at, 11, "section 'c/fill' holds 11, at most 10 fits"},
        {fill_at + 7, 0x80, "section 'c/fill' holds 9223372036854775818, at most 10 fits"},
        {flag_at, 2, "section 'c/flags' holds 2 at byte 1, a flag is 0 or 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bytes = malloc(len);
        memcpy(bytes, good, len);
        bytes[cases[i].at] = (char)cases[i].value;
        uint32_t crc = (uint32_t)crc32_z(0L, (const unsigned char *)bytes, len - 4);
        memcpy(bytes + len - 4, &crc, 4);
        FILE *f = fopen(path, "wb");
        assert_int_equal(fwrite(bytes, 1, len, f), len);
        fclose(f);
        free(bytes);
        counted into = {3, {1, 0, 0}};
        part.obj = &into;
        char err[200];
        assert_int_equal(rlc_checkpoint_load(path, 7, &part, 1, err, sizeof err), RLC_EFORMAT);
        assert_string_equal(err, cases[i].why);
        assert_int_equal(into.fill, 3); /* untouched */
        assert_int_equal(into.flags[0], 1);
    }
    /* the file as written loads */
    FILE *f = fopen(path, "wb");
    assert_int_equal(fwrite(good, 1, len, f), len);
    fclose(f);
    counted into = {3, {1, 0, 0}};
    part.obj = &into;
    assert_int_equal(rlc_checkpoint_load(path, 7, &part, 1, NULL, 0), RLC_OK);
    assert_int_equal(into.fill, 10);
    assert_memory_equal(into.flags, c.flags, 3);
    free(good);
}

static rlc_status rng_state(void *obj, const rlc_state_visitor *v)
{
    return rlc_state_rng(v, "rng", obj);
}

/* An mt19937 state whose index (the int after its 624 words) is out of
 * range made gsl_rng_get read outside the state: refused. */
static void test_checked_rng(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    rlc_checkpoint_part part = {"p", rng_state, r};
    const char *path = tmp_path("rng.rlc");
    assert_int_equal(rlc_checkpoint_save(path, 7, &part, 1), RLC_OK);
    size_t len;
    char *bytes = slurp(path, &len);
    const size_t mti_at = 48 + 2 + 5 + 8 + 624 * sizeof(unsigned long); /* "p/rng" */
    int bad = -1000000;
    memcpy(bytes + mti_at, &bad, sizeof bad);
    uint32_t crc = (uint32_t)crc32_z(0L, (const unsigned char *)bytes, len - 4);
    memcpy(bytes + len - 4, &crc, 4);
    FILE *f = fopen(path, "wb");
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    char err[200];
    assert_int_equal(rlc_checkpoint_load(path, 7, &part, 1, err, sizeof err), RLC_EFORMAT);
    assert_string_equal(err, "section 'p/rng': generator index -1000000, not 0 to 624");
    gsl_rng_get(r); /* untouched, usable */
    free(bytes);
    gsl_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_ddpg), cmocka_unit_test(test_resume_ppo),
        cmocka_unit_test(test_resume_a2c),  cmocka_unit_test(test_resume_trpo),
        cmocka_unit_test(test_resume_qac),  cmocka_unit_test(test_bad_checkpoints),
        cmocka_unit_test(test_checked_pieces), cmocka_unit_test(test_checked_rng),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
