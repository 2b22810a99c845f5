/* test_isa.c — issue 12's cross-path identity: a short training run of
 * every shipped config on every instruction-set path this CPU runs
 * (rlc/isa.h) writes byte-identical eval.csv and model.rlc (the whole
 * checkpoint: networks, optimiser moments, generators, normalisers) and
 * the same episode returns and lengths in monitor.csv (its third column is
 * wall-clock time, so it is left out). And the same bits on other
 * machines: each run's files against the CRC-32s they had on the machine
 * where they were recorded (see recorded_bits_apply). */
#include <gsl/gsl_version.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif
#include "rlc/config.h"
#include "rlc/isa.h"
#include "rlc/run.h"
#include "test_util.h"

/* The recorded digests hold where the libraries below rlc compute what
 * they computed there: glibc 2.36's libm in its FMA variants (glibc picks
 * them on CPUs with FMA and AVX2; README, "Same bits on every CPU") and
 * GSL 2.7.1 (its Gaussian sampler, its statistics). They were recorded on
 * an AMD EPYC Zen 4 (Debian 12, 2026-12-02); the same code's per-seed
 * results of every shipped config, seeds 1-10, were the ones measured on a
 * Zen 5 before (README, Results). Elsewhere the check is skipped, saying
 * why. */
static bool recorded_bits_apply(char *why, size_t n)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    bool fma = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
#else
    bool fma = false;
#endif
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (!fma)
        snprintf(why, n, "no x86-64 FMA and AVX2 here: glibc's libm takes other variants");
    else if (tunables && strstr(tunables, "hwcaps"))
        snprintf(why, n, "GLIBC_TUNABLES may change glibc's choice of libm variants");
#if defined(__GLIBC__)
    else if (strcmp(gnu_get_libc_version(), "2.36") != 0)
        snprintf(why, n, "glibc %s, not 2.36", gnu_get_libc_version());
#else
    else if (fma)
        snprintf(why, n, "not glibc");
#endif
    else if (strcmp(gsl_version, "2.7.1") != 0)
        snprintf(why, n, "GSL %s, not 2.7.1", gsl_version);
    else
        return true;
    return false;
}

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

/* want: the CRC-32s of eval.csv, model.rlc (but its checksum) and
 * monitor.csv (r, l) as recorded; each run prints what it got. */
static void same_run_on_every_path(const char *config, const char **sets,
                                   const unsigned long want[3])
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
    char why[128];
    bool check = recorded_bits_apply(why, sizeof why);
    unsigned long got[3];
    for (int f = 0; f < 3; f++) {
        size_t l0, l1;
        char *a = slurp(run[0], files[f], &l0);
        /* model.rlc ends with the CRC-32 of the bytes before it (rlc/checkpoint.h),
         * and a CRC over a message and its own CRC is a constant */
        size_t covered = strcmp(files[f], "model.rlc") == 0 && l0 >= 4 ? l0 - 4 : l0;
        got[f] = crc32_z(0L, (const Bytef *)a, covered);
        for (int i = 1; i < n; i++) {
            char *b = slurp(run[i], files[f], &l1);
            if (l0 != l1 || memcmp(a, b, l0) != 0)
                fail_msg("%s: %s differs between the %s and the %s path", config, files[f],
                         isas[0], rlc_isa_supported("avx512") && i == 2 ? "avx512" : "avx2");
            free(b);
        }
        free(a);
    }
    print_message("%s: identical on %d paths; CRC-32 0x%08lx 0x%08lx 0x%08lx\n", config, n,
                  got[0], got[1], got[2]);
    if (!check) {
        print_message("%s: recorded bits not checked: %s\n", config, why);
    } else {
        for (int f = 0; f < 3; f++)
            if (got[f] != want[f])
                fail_msg("%s: %s has CRC-32 0x%08lx, recorded 0x%08lx", config, files[f], got[f],
                         want[f]);
        print_message("%s: matches the recorded CRC-32s\n", config);
    }
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
    same_run_on_every_path("ddpg_pendulum", sets,
                           (const unsigned long[3]){0x1ec1c188, 0xde1e593a, 0x972899f1});
}

static void test_ppo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8192", "eval.eval_freq=2048",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("ppo_cartpole", sets,
                           (const unsigned long[3]){0x23e74c32, 0xc2fca65f, 0x3ec882cc});
    same_run_on_every_path("ppo_pendulum", sets,
                           (const unsigned long[3]){0xb3567c26, 0x5ed116e3, 0xbaf074a2});
}

static void test_a2c(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8000", "eval.eval_freq=2000",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("a2c_cartpole", sets,
                           (const unsigned long[3]){0x0a6062cb, 0x231d4d1a, 0x68741748});
    same_run_on_every_path("a2c_pendulum", sets,
                           (const unsigned long[3]){0x3bce63f9, 0x4fb48ad8, 0xdb8e96fd});
}

static void test_trpo(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=6144", "eval.eval_freq=2048",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("trpo_cartpole", sets,
                           (const unsigned long[3]){0x2bc03675, 0x1901e76d, 0x7f7cdfbd});
    same_run_on_every_path("trpo_pendulum", sets,
                           (const unsigned long[3]){0xedd0eb5d, 0xe5a9efee, 0xcc22bd96});
}

static void test_qac(void **state)
{
    (void)state;
    const char *sets[] = {"run.total_timesteps=8000", "eval.eval_freq=2000",
                          "eval.n_eval_episodes=2", NULL};
    same_run_on_every_path("qac_cartpole", sets,
                           (const unsigned long[3]){0xf781e573, 0x8d27070e, 0x79debd43});
    same_run_on_every_path("qac_pendulum", sets,
                           (const unsigned long[3]){0xe8d751e6, 0xf29f2e14, 0xed8f5480});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddpg), cmocka_unit_test(test_ppo), cmocka_unit_test(test_a2c),
        cmocka_unit_test(test_trpo), cmocka_unit_test(test_qac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
