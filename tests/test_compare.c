/* test_compare.c — `rlc compare` end to end on small hand-written run
 * directories (eval.csv, progress.csv, monitor.csv written here, in a
 * mkdtemp folder): grouping by config name (-s3-2 included; the notes on
 * a seed held twice and on runs of different lengths), the exact
 * table and CSV numbers, --x time through progress.csv, --monitor on a
 * folder of Stable-Baselines3 files, the plot files, and exit status 2 with
 * a message naming the file (and line) for every kind of bad input. It does
 * not retest the statistics' formulas (tests/test_stats.c does). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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


static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static char *out_text, *err_text;

/* Runs RLC_BIN with the NULL-terminated arguments, stdout and stderr to
 * tmp_dir/<tag>.out/.err (read back into out_text, err_text); returns the
 * exit status, or -1 if it was killed or ran over 60 s. */
static int rlc(const char *tag, ...)
{
    const char *argv[64] = {RLC_BIN};
    size_t argc = 1;
    va_list ap;
    va_start(ap, tag);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert_true(argc < 63);
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    int code = wait_logged(spawn_logged(tag, NULL, argv), tag, 60);
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

/* A run directory tmp/<parent>/<name> with eval rows "steps,mean" and
 * progress rows "steps,seconds" (NULL: no progress.csv). */
static void make_run(const char *parent, const char *name, const char *eval_rows,
                     const char *progress_rows)
{
    mkdir(tmp_path("%s", parent), 0755);
    assert_int_equal(mkdir(tmp_path("%s/%s", parent, name), 0755), 0);
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "timesteps,mean_reward,std_reward,min_reward,max_reward\n");
    for (const char *p = eval_rows; *p;) { /* "100:10 200:20" -> rows */
        double s, y;
        int used;
        assert_int_equal(sscanf(p, "%lf:%lf%n", &s, &y, &used), 2);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%g,%f,0.000000,%f,%f\n", s, y, y, y);
        p += used;
        while (*p == ' ')
            p++;
    }
    write_file(tmp_path("%s/%s/eval.csv", parent, name), buf);
    write_file(tmp_path("%s/%s/config.ini", parent, name), "[run]\nalgo = ppo\n");
    if (progress_rows) {
        n = snprintf(buf, sizeof buf, "timesteps,episodes,time_elapsed,fps,ep_rew_mean\n");
        for (const char *p = progress_rows; *p;) {
            double s, t;
            int used;
            assert_int_equal(sscanf(p, "%lf:%lf%n", &s, &t, &used), 2);
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%g,1,%g,100,nan\n", s, t);
            p += used;
            while (*p == ' ')
                p++;
        }
        write_file(tmp_path("%s/%s/progress.csv", parent, name), buf);
    }
}

/* Group alg_a: three seeds (s1, s2 and a repeated seed 3, "-s3-2"),
 * evaluated at 100, 200, 300; group alg_b: two seeds evaluated at 150 and
 * 300. Their common range is [150, 300] and the grid {150, 200, 300}. */
static void make_runs(void)
{
    if (exists(tmp_path("runs")))
        return;
    make_run("runs", "alg_a-s1", "100:10 200:20 300:30", "100:1 200:2 300:3");
    make_run("runs", "alg_a-s2", "100:0 200:40 300:50", "100:1 200:2 300:3");
    make_run("runs", "alg_a-s3-2", "100:20 200:30 300:40", "100:1 200:2 300:3");
    make_run("runs", "alg_b-s1", "150:5 300:25", "100:0.5 200:1 300:1.5");
    make_run("runs", "alg_b-s2", "150:15 300:35", "100:0.5 200:1 300:1.5");
}

/* Expected numbers. Hand: alg_a finals {30, 50, 40}: mean 40, IQM 40 (n = 3
 * trims nothing), median 40; alg_b {25, 35}: mean 30. AUC on {150, 200, 300}:
 * alg_a runs 22.5, 40, 32.5 (trapezoids / 150) -> 31.6667; alg_b runs are
 * linear, 15 and 25 -> 20. P(a > b) = 5 of 6 pairs = 0.833. scipy 1.10.1:
 * t-interval of {30,50,40}: 40 ∓ t.ppf(.975,2)·10/√3 = [15.158622881562476,
 * 64.84...]; of {25,35}: 30 ∓ 12.7062·5 = [−33.5310, 93.5310];
 * ttest_ind(a, b, equal_var=False): t = 1.3093073414159544,
 * p = 0.28502284001427436. Bootstrap IQM intervals [30, 50] and [25, 35]:
 * the numpy replay of test_stats.c (mt19937 seed 1, 2000 resamples) gives
 * the same; with n = 3 the extreme resample means 30 and 50 each have
 * probability 1/27 > 2.5%, so the percentiles land on them. */
/* The IQM's bootstrap interval does not depend on the order in which the
 * runs are named (it once did: the resampled scores kept that order). */
static void test_order_independent(void **state)
{
    (void)state;
    const char *finals[] = {"10", "35", "20", "80", "55", "41", "63"};
    char paths[7][600];
    for (int i = 0; i < 7; i++) {
        char name[32], rows[64];
        snprintf(name, sizeof name, "ord-s%d", i + 1);
        snprintf(rows, sizeof rows, "100:0 200:%s", finals[i]);
        make_run("order", name, rows, NULL);
        snprintf(paths[i], sizeof paths[i], "%s/%s", tmp_path("order"), name);
    }
    assert_int_equal(rlc("order-fwd", "compare", paths[0], paths[1], paths[2], paths[3], paths[4],
                         paths[5], paths[6], NULL), 0);
    char *forward = strdup(out_text);
    assert_non_null(forward);
    assert_int_equal(rlc("order-rev", "compare", paths[6], paths[5], paths[4], paths[3], paths[2],
                         paths[1], paths[0], NULL), 0);
    assert_string_equal(out_text, forward);
    assert_int_equal(rlc("order-mix", "compare", paths[3], paths[0], paths[6], paths[2], paths[5],
                         paths[1], paths[4], NULL), 0);
    assert_string_equal(out_text, forward);
    assert_contains(forward, "ord        7");
    free(forward);
}

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(rlc("help", "compare", "--help", NULL), 0);
    assert_contains(out_text, "usage: rlc compare PATH...");
    assert_string_equal(err_text, "");
    make_runs();
    assert_int_equal(rlc("table", "compare", tmp_path("runs"), NULL), 0);
    assert_string_equal(err_text, "");
    assert_contains(out_text, "group  seeds  final mean [95% CI]       IQM [95% CI]  median   AUC\n"
                              "alg_a      3    40.0 [15.2, 64.8]  40.0 [30.0, 50.0]    40.0  31.7\n"
                              "alg_b      2   30.0 [-33.5, 93.5]  30.0 [25.0, 35.0]    30.0  20.0\n");
    assert_contains(out_text, "A      B      P(A>B)  Welch p\n"
                              "alg_a  alg_b   0.833   0.2850\n");
    assert_contains(out_text, "interpolated onto one grid of 3\n      points");
    assert_contains(out_text, "from 150 to 300 steps");
    /* alg_a-s3-2 is a repeated seed: counted, and said so */
    assert_contains(out_text, "note: alg_a holds 1 repeated run of a seed");
    assert_null(strstr(out_text, "note: alg_b holds"));
    assert_null(strstr(out_text, "different environments"));
    /* every line fits a 100-column terminal */
    for (const char *p = out_text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(nl - p < 100);
        p = nl + 1;
    }
}

static void test_csv_and_threshold(void **state)
{
    (void)state;
    make_runs();
    assert_int_equal(rlc("csv", "compare", tmp_path("runs"), "--csv", "--threshold", "30", NULL),
                     0);
    assert_contains(out_text, "kind,group,other,seeds,final_mean,final_ci_low,final_ci_high,iqm,"
                              "iqm_ci_low,iqm_ci_high,median,auc,threshold,reached,"
                              "median_steps_to_threshold,median_seconds_to_threshold,"
                              "prob_improvement,welch_t,welch_df,welch_p\n");
    /* alg_a reaches 30 at 300, 200, 200 steps (2, 2 and 3 s): median 200
     * steps, 2 s; alg_b only seed 2, at 300 steps = 1.5 s */
    assert_contains(out_text, "group,alg_a,,3,40,15.15862288,64.84137712,40,30,50,40,"
                              "31.66666667,30,3,200,2,,,,\n");
    assert_contains(out_text, "group,alg_b,,2,30,-33.53102368,93.53102368,30,25,35,30,20,30,1,"
                              "300,1.5,,,,\n");
    assert_contains(out_text, "pair,alg_a,alg_b,,,,,,,,,,,,,,0.8333333333,1.309307341,"
                              "2.882352941,0.28502284\n");
    assert_contains(err_text, "note: the runs' x values differ");
    /* the notes are on stderr, so stdout is only CSV: 1 header + 2 + 1 rows */
    size_t lines = 0;
    for (const char *p = out_text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);

    assert_int_equal(rlc("thr", "compare", tmp_path("runs"), "--threshold", "30", NULL), 0);
    assert_contains(out_text, "group  reached 30  median steps to it  median seconds to it\n");
    assert_contains(out_text, "alg_a         3/3                 200                  2.00\n");
    assert_contains(out_text, "alg_b         1/2                 300                  1.50\n");
}

/* --x time: alg_b's eval at 150 steps maps to 0.75 s between progress rows
 * (100, 0.5) and (200, 1.0); alg_a's rows map exactly to 1, 2, 3 s. The
 * common range is [1, 1.5] s and the grid {1, 1.5}. AUC by hand: alg_a
 * runs (10+15)/2, (0+20)/2, (20+25)/2 -> 15; alg_b runs at 1 s are
 * 5 + 20·(0.25/0.75) = 11.667 and 21.667: (11.667+25)/2, (21.667+35)/2
 * -> 23.333. */
static void test_x_time(void **state)
{
    (void)state;
    make_runs();
    assert_int_equal(rlc("time", "compare", tmp_path("runs"), "--x", "time", "--csv", NULL), 0);
    assert_contains(err_text, "one grid of 2\n      points");
    assert_contains(err_text, "from 1 to 1.5 s");
    assert_contains(out_text, "group,alg_a,,3,40,15.15862288,64.84137712,40,30,50,40,15,");
    assert_contains(out_text, "group,alg_b,,2,30,-33.53102368,93.53102368,30,25,35,30,23.33333333,");
}

/* A folder of SB3 monitor files is one group named after the folder. */
static void test_monitor_sb3(void **state)
{
    (void)state;
    assert_int_equal(mkdir(tmp_path("sb3_ppo"), 0755), 0);
    write_file(tmp_path("sb3_ppo/0.monitor.csv"),
               "#{\"t_start\": 1700000000.0, \"env_id\": \"CartPole-v1\"}\nr,l,t\n"
               "10.0,10,0.1\n20.0,20,0.2\n30.0,30,0.3\n");
    write_file(tmp_path("sb3_ppo/1.monitor.csv"),
               "#{\"t_start\": 1700000000.0, \"env_id\": \"CartPole-v1\"}\nr,l,t\n"
               "50.0,50,0.1\n10.0,10,0.2\n");
    /* window 2: seed 0 ends at mean(20, 30) = 25, seed 1 at mean(50, 10) = 30 */
    assert_int_equal(rlc("sb3", "compare", tmp_path("sb3_ppo"), "--monitor", "--window", "2",
                         "--csv", NULL),
                     0);
    assert_contains(out_text, "group,sb3_ppo,,2,27.5,");
    assert_contains(err_text, "evenly spaced");
    /* without --monitor it is an input error that says what to do */
    assert_int_equal(rlc("sb3noflag", "compare", tmp_path("sb3_ppo"), NULL), 2);
    assert_contains(err_text, "add --monitor");
}

/* One seed: the value without intervals, no Welch test, and a note why. */
static void test_one_seed(void **state)
{
    (void)state;
    make_runs();
    assert_int_equal(rlc("one", "compare", tmp_path("runs/alg_a-s1"), tmp_path("runs/alg_b-s1"),
                         tmp_path("runs/alg_b-s2"), NULL),
                     0);
    assert_contains(out_text, "alg_a      1                 30.0               30.0    30.0  22.5\n");
    assert_contains(out_text, "alg_a  alg_b   0.500        -\n");
    assert_contains(out_text, "note: alg_a has 1 seed: no confidence intervals and no Welch test");
}

/* Runs on two environments: compared, with a note that their returns are
 * not on one scale. */
static void test_mixed_envs(void **state)
{
    (void)state;
    make_run("mixed", "cp-s1", "100:10 200:20", NULL);
    make_run("mixed", "pe-s1", "100:-900 200:-800", NULL);
    write_file(tmp_path("mixed/cp-s1/config.ini"), "[run]\nalgo = ppo\nenv_id = CartPole-v1\n");
    write_file(tmp_path("mixed/pe-s1/config.ini"), "[run]\nalgo = ppo\nenv_id = Pendulum-v1\n");
    assert_int_equal(rlc("mixed", "compare", tmp_path("mixed"), NULL), 0);
    assert_contains(out_text, "note: the runs are on different environments (CartPole-v1, "
                              "Pendulum-v1, ...)");
}

/* The same <name>-s1 under two folders, one run ending 100 steps later:
 * each counts as a seed, and two notes say what that does to the finals. */
static void test_same_seed_two_folders(void **state)
{
    (void)state;
    make_run("dupa", "alg_c-s1", "100:10 200:20", NULL);
    make_run("dupa", "alg_c-s2", "100:0 200:10", NULL);
    make_run("dupb", "alg_c-s1", "100:5 200:15 300:25", NULL);
    assert_int_equal(rlc("dup", "compare", tmp_path("dupa"), tmp_path("dupb"), NULL), 0);
    /* finals {20, 10, 25}: mean 18.3 */
    assert_contains(out_text, "alg_c      3    18.3 [-0.6, 37.3]");
    assert_contains(out_text, "note: alg_c holds 1 more run of a seed it already has, from another "
                              "folder (seed 1): each counts as");
    assert_contains(out_text, "note: alg_c's runs end at different env steps (200 to 300): its final "
                              "scores are taken at different");
    /* one folder alone: one run per seed, one budget, neither note */
    assert_int_equal(rlc("dup1", "compare", tmp_path("dupa"), NULL), 0);
    assert_null(strstr(out_text, "another folder"));
    assert_null(strstr(out_text, "different env steps"));
}

static void test_plots(void **state)
{
    (void)state;
    make_runs();
    const char *png = tmp_path("curves.png"), *svg = tmp_path("curves.svg");
    assert_int_equal(rlc("png", "compare", tmp_path("runs"), "--threshold", "30", "--plot", png,
                         NULL),
                     0);
    size_t len;
    char *data = slurp(png, &len);
    assert_true(len > 1000);
    assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
    free(data);
    assert_int_equal(rlc("svg", "compare", tmp_path("runs"), "--plot", svg, NULL), 0);
    data = slurp(svg, &len);
    assert_true(len > 1000);
    assert_non_null(strstr(data, "<svg"));
    /* the legend: PLplot's svg driver writes text as character references */
    assert_non_null(strstr(data, "&#x61;&#x6c;&#x67;&#x5f;&#x61;")); /* "alg_a" */
    free(data);
}

/* Every bad input: exit 2, nothing on stdout, the message naming what. */
static void expect_error(const char *tag, const char *needle, const char *arg1, const char *arg2,
                         const char *arg3, const char *arg4)
{
    int rc = rlc(tag, "compare", arg1, arg2, arg3, arg4, NULL);
    if (rc != 2)
        print_error("%s: exit %d, stderr: %s\n", tag, rc, err_text);
    assert_int_equal(rc, 2);
    assert_string_equal(out_text, "");
    assert_contains(err_text, needle);
}

static void test_errors(void **state)
{
    (void)state;
    make_runs();
    char runs[512]; /* tmp_path's buffers rotate: keep a copy */
    snprintf(runs, sizeof runs, "%s", tmp_path("runs"));
    expect_error("missing", "nope: No such file or directory", tmp_path("nope"), NULL, NULL,
                 NULL);
    expect_error("nopath", "missing PATH", NULL, NULL, NULL, NULL);
    expect_error("unknown", "unrecognized option", runs, "--frob", NULL, NULL);
    expect_error("badx", "--x: 'walltime' is not steps or time", runs, "--x", "walltime", NULL);
    expect_error("badthr", "--threshold: 'abc' is not a finite number", runs, "--threshold",
                 "abc", NULL);
    expect_error("nanthr", "--threshold: 'nan' is not a finite number", runs, "--threshold",
                 "nan", NULL);
    expect_error("badext", "must end in .png or .svg", runs, "--plot", tmp_path("x.pdf"), NULL);
    expect_error("noplotdir", "no_such_dir/x.png", runs, "--plot", tmp_path("no_such_dir/x.png"),
                 NULL);
    expect_error("window", "--window applies to --monitor", runs, "--window", "5", NULL);
    expect_error("badwindow", "--window: '0'", runs, "--monitor", "--window", "0");

    mkdir(tmp_path("empty_folder"), 0755);
    expect_error("emptyfolder", "no run directories", tmp_path("empty_folder"), NULL, NULL, NULL);
    expect_error("file", "not a directory", tmp_path("runs/alg_a-s1/eval.csv"), NULL, NULL, NULL);

    make_run("bad1", "x-s1", "100:1", NULL);
    write_file(tmp_path("bad1/x-s1/eval.csv"), "");
    expect_error("emptyeval", "bad1/x-s1/eval.csv:1: empty file", tmp_path("bad1"), NULL, NULL,
                 NULL);
    make_run("bad2", "x-s1", "100:1", NULL);
    write_file(tmp_path("bad2/x-s1/eval.csv"),
               "timesteps,mean_reward,std_reward,min_reward,max_reward\n100,1,0,1,1\n200,abc,0,1,1\n");
    expect_error("malformed", "bad2/x-s1/eval.csv:3: mean_reward: 'abc' is not a finite number",
                 tmp_path("bad2"), NULL, NULL, NULL);
    make_run("bad3", "x-s1", "100:1", NULL);
    write_file(tmp_path("bad3/x-s1/eval.csv"),
               "timesteps,mean_reward,std_reward,min_reward,max_reward\n100,1,0,1,1\n200,2,0");
    expect_error("truncated", "bad3/x-s1/eval.csv:3: truncated line", tmp_path("bad3"), NULL,
                 NULL, NULL);
    make_run("bad4", "x-s1", "100:1", NULL);
    write_file(tmp_path("bad4/x-s1/eval.csv"),
               "timesteps,mean_reward,std_reward,min_reward,max_reward\n");
    expect_error("headeronly", "bad4/x-s1/eval.csv:2: no evaluation rows", tmp_path("bad4"), NULL,
                 NULL, NULL);
    make_run("bad5", "x-s1", "100:1", NULL);
    write_file(tmp_path("bad5/x-s1/eval.csv"),
               "timesteps,mean_reward,std_reward,min_reward,max_reward\n100,1,0,1,1\n200,2,0,1\n");
    expect_error("fields", "bad5/x-s1/eval.csv:3: 4 fields, the header has 5", tmp_path("bad5"),
                 NULL, NULL, NULL);
    /* a run dir without eval.csv is an error, never skipped */
    make_run("bad6", "x-s1", "100:1", NULL);
    remove(tmp_path("bad6/x-s1/eval.csv"));
    expect_error("noeval", "bad6/x-s1/eval.csv: No such file or directory", tmp_path("bad6"), NULL,
                 NULL, NULL);
    /* --x time needs progress.csv */
    make_run("bad9", "x-s1", "100:1", NULL);
    expect_error("noprogress", "bad9/x-s1/progress.csv: No such file or directory",
                 tmp_path("bad9"), "--x", "time", NULL);
    /* eval after progress.csv's last row cannot be mapped to seconds */
    make_run("bad7", "x-s1", "100:1 400:2", "100:1 200:2");
    expect_error("beyond", "bad7/x-s1/eval.csv:3: timesteps 400 is after the last row",
                 tmp_path("bad7"), "--x", "time", NULL);
    /* non-increasing timesteps */
    make_run("bad8", "x-s1", "200:1 100:2", NULL);
    expect_error("order", "bad8/x-s1/eval.csv:3: timesteps 100 not after", tmp_path("bad8"), NULL,
                 NULL, NULL);
    /* SB3 files next to run directories: neither is dropped, it is an error */
    make_run("mixed", "x-s1", "100:1", NULL);
    write_file(tmp_path("mixed/0.monitor.csv"), "#{}\nr,l,t\n1.0,1,0.1\n");
    expect_error("mixed", "holds both *.monitor.csv files and run directories", tmp_path("mixed"),
                 "--monitor", NULL, NULL);
    /* the same run twice */
    expect_error("twice", "is given twice", runs, tmp_path("runs/alg_a-s1"), NULL, NULL);
    /* ranges that do not overlap */
    make_run("far", "late-s1", "1000:1 2000:2", NULL);
    expect_error("overlap", "do not overlap", runs, tmp_path("far"), NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_order_independent),      cmocka_unit_test(test_csv_and_threshold),
        cmocka_unit_test(test_x_time),     cmocka_unit_test(test_monitor_sb3),
        cmocka_unit_test(test_one_seed),   cmocka_unit_test(test_mixed_envs),
        cmocka_unit_test(test_same_seed_two_folders),
        cmocka_unit_test(test_plots),
        cmocka_unit_test(test_errors),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    free(out_text);
    free(err_text);
    return failed;
}
