/* test_isa.c — issue 12's cross-path identity: a short training run of
 * every shipped config on every instruction-set path this CPU runs
 * (rlc/isa.h) writes byte-identical eval.csv and model.rlc (the whole
 * checkpoint: networks, optimiser moments, generators, normalisers) and
 * the same episode returns and lengths in monitor.csv (its third column is
 * wall-clock time, so it is left out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rlc/config.h"
#include "rlc/isa.h"
#include "rlc/run.h"
#include "test_util.h"

/* The run's files that must agree, read whole ("r,l" columns only for
 * monitor.csv). Caller frees. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t r; (r = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    if (strcmp(name, "monitor.csv") == 0) {
        /* keep r,l: drop the first line (its JSON holds the start time) and
         * cut each other line at its second comma */
        size_t w = 0, i = 0;
        while (i < n && buf[i++] != '\n')
            ;
        for (size_t commas = 0; i < n; i++) {
            if (buf[i] == '\n')
                commas = 0;
            else if (buf[i] == ',')
                commas++;
            if (commas < 2 || buf[i] == '\n')
                buf[w++] = buf[i];
        }
        n = w;
    }
    *len = n;
    return buf;
}

static void train_on(const char *isa, const char *config, const char **sets, const char *out)
{
    assert_int_equal(rlc_isa_set(isa), RLC_OK);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ini", RLC_CONFIGS_DIR, config);
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_OK);
    for (const char **s = sets; *s; s++)
        assert_int_equal(rlc_config_set(&cfg, *s, &err), RLC_OK);
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    rlc_run_result res;
    if (rlc_run_train(&cfg, path, out, NULL, &res) != RLC_OK)
        fail_msg("%s on %s: %s", config, isa, res.error);
}

static void same_run_on_every_path(const char *config, const char **sets)
{
    enum { DIR_LEN = 32 };
    const char *isas[] = {"generic", "avx2", "avx512"};
    const char *files[] = {"eval.csv", "model.rlc", "monitor.csv"};
    const char *was = rlc_isa();
    char dirs[3][DIR_LEN];
    char run[3][600];
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (!rlc_isa_supported(isas[i]))
            continue;
        snprintf(dirs[n], sizeof dirs[n], "/tmp/rlc-test-isa-XXXXXX");
        assert_non_null(mkdtemp(dirs[n]));
        train_on(isas[i], config, sets, dirs[n]);
        snprintf(run[n], sizeof run[n], "%s/%s-s1", dirs[n], config);
        n++;
    }
    assert_int_equal(rlc_isa_set(was), RLC_OK);
    for (int f = 0; f < 3; f++) {
        size_t l0, l1;
        char *a = slurp(run[0], files[f], &l0);
        for (int i = 1; i < n; i++) {
            char *b = slurp(run[i], files[f], &l1);
            if (l0 != l1 || memcmp(a, b, l0) != 0)
                fail_msg("%s: %s differs between the %s and the %s path", config, files[f],
                         isas[0], rlc_isa_supported("avx512") && i == 2 ? "avx512" : "avx2");
            free(b);
        }
        free(a);
    }
    print_message("%s: identical on %d paths\n", config, n);
    for (int i = 0; i < n; i++) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dirs[i]);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_ddpg(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=3000", "ddpg.learning_starts=500",
                          "eval.eval_freq=1000", "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("ddpg_pendulum", sets);
}

static void test_ppo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8192", "eval.eval_freq=2048",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("ppo_cartpole", sets);
    same_run_on_every_path("ppo_pendulum", sets);
}

static void test_a2c(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8000", "eval.eval_freq=2000",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("a2c_cartpole", sets);
}

static void test_trpo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=6144", "eval.eval_freq=2048",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("trpo_cartpole", sets);
    same_run_on_every_path("trpo_pendulum", sets);
}

static void test_qac(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8000", "eval.eval_freq=2000",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("qac_cartpole", sets);
    same_run_on_every_path("qac_pendulum", sets);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddpg), cmocka_unit_test(test_ppo), cmocka_unit_test(test_a2c),
        cmocka_unit_test(test_trpo), cmocka_unit_test(test_qac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
