/* test_run_io.c — rlc_run_train when closing progress.csv or eval.csv fails
 * (issue 10, defect 6: those fclose results were ignored). fopen and fclose
 * (fopen64) are wrapped at link time (-Wl,--wrap, tests/meson.build), so the close of
 * one named run file reports EIO as a deferred write error (NFS, a quota)
 * would; every other call goes through unchanged. Not here: the other
 * write errors (tests/test_cli.c caps the file size for those). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>
#include "rlc/blas.h"
#include "rlc/config.h"
#include "rlc/ppo.h"
#include "rlc/run.h"
#include "test_files.h"
#include "test_util.h"

/* meson builds with _FILE_OFFSET_BITS=64, under which glibc's fopen is fopen64 */
FILE *__real_fopen64(const char *path, const char *mode);
int __real_fclose(FILE *f);
FILE *__wrap_fopen64(const char *path, const char *mode);
int __wrap_fclose(FILE *f);

static const char *fail_name; /* the file whose close fails, e.g. "progress.csv" */
static FILE *fail_file;       /* its stream once opened */

FILE *__wrap_fopen64(const char *path, const char *mode)
{
    FILE *f = __real_fopen64(path, mode);
    size_t n = strlen(path), m = fail_name ? strlen(fail_name) : 0;
    if (f && m && n > m && path[n - m - 1] == '/' && !strcmp(path + n - m, fail_name))
        fail_file = f;
    return f;
}

int __wrap_fclose(FILE *f)
{
    int r = __real_fclose(f);
    if (f && f == fail_file) {
        fail_file = NULL;
        errno = EIO;
        return EOF;
    }
    return r;
}

static void close_fails(const char *name)
{
    rlc_config cfg;
    rlc_config_default(&cfg);
    snprintf(cfg.algo, sizeof cfg.algo, "ppo");
    snprintf(cfg.env_id, sizeof cfg.env_id, "CartPole-v1");
    rlc_ppo_config *ppo = rlc_config_settings(&cfg, &rlc_agent_ppo);
    ppo->n_steps = 32;
    ppo->n_envs = 2;
    cfg.total_timesteps = 64;
    cfg.n_eval_episodes = 1;
    fail_name = name;
    rlc_run_result r;
    rlc_status st = rlc_run_train(&cfg, NULL, tmp_path("%s", name), NULL, &r);
    fail_name = NULL;
    assert_int_equal(st, RLC_EIO);
    char want[4600];
    snprintf(want, sizeof want, "cannot write %s/%s: %s", r.run_dir, name, strerror(EIO));
    assert_string_equal(r.error, want);
    /* run.json says so */
    char path[4400];
    snprintf(path, sizeof path, "%s/run.json", r.run_dir);
    assert_true(exists(path));
    char *info = slurp(path, NULL);
    assert_non_null(info);
    assert_non_null(strstr(info, "\"status\": \"failed\""));
    free(info);
}

static void test_progress_close_fails(void **state)
{
    (void)state;
    close_fails("progress.csv");
}

static void test_eval_close_fails(void **state)
{
    (void)state;
    close_fails("eval.csv");
}

int main(void)
{
    rlc_blas_set_threads(1);
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_close_fails),
        cmocka_unit_test(test_eval_close_fails),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
