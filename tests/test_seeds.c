/* test_seeds.c — the pieces of `rlc run --seeds` that need no child
 * process (src/app/seeds.c, compiled in): the seed-list parser, each
 * accepted form and each rejected one with its message, and the time to a
 * reward threshold read from hand-written eval.csv and progress.csv
 * (exact rows, linear interpolation, never, malformed files). The
 * processes themselves are tested through the binary in test_cli.c. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "test_files.h"
#include "seeds.h"

/* ---- the seed list -------------------------------------------------------- */

static void expect_seeds(const char *list, const uint64_t *want, size_t n_want)
{
    uint64_t *s = NULL;
    size_t n = 99;
    char why[512] = "";
    int rc = rlc_seeds_parse(list, &s, &n, why, sizeof why);
    if (rc != 0)
        print_error("'%s': %s\n", list, why);
    assert_int_equal(rc, 0);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_true(s[i] == want[i]);
    free(s);
}

static void test_parse_valid(void **state)
{
    (void)state;
    expect_seeds("1-10", (const uint64_t[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10);
    expect_seeds("1,3,5-7", (const uint64_t[]){1, 3, 5, 6, 7}, 5);
    expect_seeds("0", (const uint64_t[]){0}, 1);
    expect_seeds("4-4", (const uint64_t[]){4}, 1);
    /* the order written is the order run (the table sorts) */
    expect_seeds("9,2,5-6,0", (const uint64_t[]){9, 2, 5, 6, 0}, 5);
    expect_seeds("007", (const uint64_t[]){7}, 1);
    /* the top of the range: no wrap-around past UINT64_MAX */
    expect_seeds("18446744073709551615", (const uint64_t[]){UINT64_MAX}, 1);
    expect_seeds("18446744073709551613-18446744073709551615",
                 (const uint64_t[]){UINT64_MAX - 2, UINT64_MAX - 1, UINT64_MAX}, 3);
    /* exactly RLC_SEEDS_MAX */
    uint64_t *s = NULL;
    size_t n = 0;
    char why[512];
    assert_int_equal(rlc_seeds_parse("1-10000", &s, &n, why, sizeof why), 0);
    assert_int_equal(n, RLC_SEEDS_MAX);
    assert_true(s[0] == 1 && s[9999] == 10000);
    free(s);
    assert_int_equal(rlc_seeds_parse("5,10-10008", &s, &n, why, sizeof why), 0);
    assert_int_equal(n, RLC_SEEDS_MAX);
    free(s);
}

static void expect_reject(const char *list, const char *reason)
{
    uint64_t *s = (uint64_t *)&s; /* must become NULL */
    size_t n = 99;
    char why[512] = "", want[600];
    assert_int_equal(rlc_seeds_parse(list, &s, &n, why, sizeof why), -1);
    assert_null(s);
    assert_int_equal(n, 0);
    snprintf(want, sizeof want, "--seeds '%s': %s", list, reason);
    assert_string_equal(why, want);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    expect_reject("", "empty list (write seeds like 1-10 or 1,3,5-7)");
    expect_reject("3-1", "range 3-1 runs backwards (write 1-3)");
    expect_reject("1,,2", "empty item between two commas");
    expect_reject(",1", "empty item at the start");
    expect_reject("1,", "empty item at the end");
    expect_reject(",", "empty item at the start");
    expect_reject("abc", "'abc' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1,x", "'x' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("-1", "'-1' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("+1", "'+1' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1-", "'1-' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1-2-3", "'1-2-3' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject(" 1", "' 1' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1, 2", "' 2' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1e3", "'1e3' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    expect_reject("1.0", "'1.0' is not a seed or a range A-B of seeds (whole numbers >= 0)");
    /* out of uint64 range, alone or as a range end */
    expect_reject("18446744073709551616",
                  "'18446744073709551616': a seed is at most 18446744073709551615");
    expect_reject("1-99999999999999999999",
                  "'1-99999999999999999999': a seed is at most 18446744073709551615");
    /* too many, in one range (even one as wide as uint64) or in total */
    expect_reject("1-10001", "more than 10000 seeds");
    expect_reject("0-18446744073709551615", "more than 10000 seeds");
    expect_reject("1-5000,6001-11001", "more than 10000 seeds");
    /* duplicates, written or through overlapping ranges */
    expect_reject("1,1", "seed 1 is named twice");
    expect_reject("1-5,4-8", "seed 4 is named twice");
    expect_reject("7,1-10", "seed 7 is named twice");
}

/* ---- time to the threshold ------------------------------------------------ */

static const char *run_dir(const char *name, const char *eval_csv, const char *progress_csv)
{
    const char *dir = tmp_path("%s", name);
    assert_int_equal(mkdir(dir, 0777), 0);
    static char copy[4400];
    snprintf(copy, sizeof copy, "%s", dir);
    char path[4500];
    if (eval_csv) {
        snprintf(path, sizeof path, "%s/eval.csv", copy);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(eval_csv, f);
        assert_int_equal(fclose(f), 0);
    }
    if (progress_csv) {
        snprintf(path, sizeof path, "%s/progress.csv", copy);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(progress_csv, f);
        assert_int_equal(fclose(f), 0);
    }
    return copy;
}

#define EVAL_HEAD "timesteps,mean_reward,std_reward,min_reward,max_reward\n"
#define PROGRESS_HEAD "timesteps,episodes,time_elapsed,fps,ep_rew_mean,ep_len_mean,loss,n_updates\n"

static void test_threshold_on_policy(void **state)
{
    (void)state;
    /* a progress row per update, at the evaluation's timesteps: its time, exactly */
    const char *dir = run_dir("onpolicy",
                              EVAL_HEAD "1024,100.5,1,99,102\n2048,480,2,470,490\n"
                                        "3072,474.9,2,470,490\n4096,500,0,500,500\n",
                              PROGRESS_HEAD "1024,10,0.500,2048,20,20,0.1,1\n"
                                            "2048,20,1.250,1638,30,30,0.1,2\n"
                                            "3072,30,2.000,1536,40,40,0.1,3\n"
                                            "4096,40,2.600,1575,50,50,0.1,4\n");
    size_t steps = 0;
    double secs = 0;
    char why[512];
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 475, &steps, &secs, why, sizeof why), 1);
    /* the first evaluation >= 475, not the best (4096) nor the last below (3072) */
    assert_int_equal(steps, 2048);
    assert_true(secs == 1.25);
    /* >= counts equality */
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 480, &steps, &secs, why, sizeof why), 1);
    assert_int_equal(steps, 2048);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 480.0001, &steps, &secs, why, sizeof why),
                     1);
    assert_int_equal(steps, 4096);
    assert_true(secs == 2.6);
    /* negative thresholds (Pendulum-like) and never */
    assert_int_equal(rlc_seeds_time_to_threshold(dir, -200, &steps, &secs, why, sizeof why), 1);
    assert_int_equal(steps, 1024);
    assert_true(secs == 0.5);
    steps = 7;
    secs = 7;
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 500.5, &steps, &secs, why, sizeof why), 0);
    assert_int_equal(steps, 7); /* untouched */
    assert_true(secs == 7);
}

static void test_threshold_off_policy(void **state)
{
    (void)state;
    /* progress rows every 1000 steps; evaluations between them */
    const char *dir = run_dir("offpolicy",
                              EVAL_HEAD "500,-1200,1,0,0\n2500,-150,1,0,0\n3500,-100,1,0,0\n",
                              PROGRESS_HEAD "1000,5,0.4,2500,0,0,0.1,1\n"
                                            "2000,10,1.0,2000,0,0,0.1,2\n"
                                            "3000,15,1.9,1578,0,0,0.1,3\n");
    size_t steps = 0;
    double secs = 0;
    char why[512];
    assert_int_equal(rlc_seeds_time_to_threshold(dir, -160, &steps, &secs, why, sizeof why), 1);
    assert_int_equal(steps, 2500);
    assert_near(secs, 1.45, 1e-12); /* halfway between (2000, 1.0) and (3000, 1.9) */
    /* not the time of the row before (1.0) or after (1.9) */
    assert_true(fabs(secs - 1.0) > 0.1 && fabs(secs - 1.9) > 0.1);
    /* before the first row: from (0, 0) */
    assert_int_equal(rlc_seeds_time_to_threshold(dir, -1300, &steps, &secs, why, sizeof why), 1);
    assert_int_equal(steps, 500);
    assert_near(secs, 0.2, 1e-12);
    /* past the last row: steps known, seconds not */
    assert_int_equal(rlc_seeds_time_to_threshold(dir, -120, &steps, &secs, why, sizeof why), 1);
    assert_int_equal(steps, 3500);
    assert_true(isnan(secs));
}

static void test_threshold_bad_files(void **state)
{
    (void)state;
    size_t steps;
    double secs;
    char why[512], want[4600];
    const char *dir = run_dir("noeval", NULL, PROGRESS_HEAD);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/eval.csv: No such file or directory", dir);
    assert_string_equal(why, want);

    assert_false(exists(tmp_path("noeval/eval.csv")));

    dir = run_dir("truncated", EVAL_HEAD "1024,100.5,1,99,10", PROGRESS_HEAD);
    char *text = slurp(tmp_path("truncated/eval.csv"), NULL);
    assert_int_equal(text[strlen(text) - 1], '0'); /* a row cut short, as a crash leaves it */
    free(text);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/eval.csv:2: truncated line", dir);
    assert_string_equal(why, want);

    dir = run_dir("garbage", EVAL_HEAD "1024,abc,1,99,10\n", PROGRESS_HEAD);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/eval.csv:2: 'abc' is not a number", dir);
    assert_string_equal(why, want);

    dir = run_dir("fields", EVAL_HEAD "1024,1,1\n", PROGRESS_HEAD);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/eval.csv:2: 3 fields, the header has 5", dir);
    assert_string_equal(why, want);

    dir = run_dir("nocol", "timesteps,mean\n1,2\n", PROGRESS_HEAD);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/eval.csv: no column 'mean_reward'", dir);
    assert_string_equal(why, want);

    dir = run_dir("noprogress", EVAL_HEAD "1024,100.5,1,99,102\n", NULL);
    assert_int_equal(rlc_seeds_time_to_threshold(dir, 1, &steps, &secs, why, sizeof why), -1);
    snprintf(want, sizeof want, "%s/progress.csv: No such file or directory", dir);
    assert_string_equal(why, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_threshold_on_policy),
        cmocka_unit_test(test_threshold_off_policy),
        cmocka_unit_test(test_threshold_bad_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
