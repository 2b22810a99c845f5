/* test_config.c — the config module: defaults, INI loading (the number
 * forms a user may write, inline comments, error messages with file:line), --set
 * overrides, validation and the write -> load round trip, for the [ddpg],
 * [ppo] and [a2c] sections. INI files are
 * written to a mkdtemp directory that the group teardown removes. */
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test_util.h"
#include "rlc/a2c.h"
#include "rlc/config.h"
#include "rlc/ddpg.h"
#include "rlc/env.h"
#include "rlc/ppo.h"

/* The algorithm sections of a configuration, as their settings structs. */
#define DDPG(c) ((rlc_ddpg_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_ddpg))
#define PPO(c) ((rlc_ppo_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_ppo))
#define A2C(c) ((rlc_a2c_config *)rlc_config_settings((rlc_config *)(c), &rlc_agent_a2c))

/* ---- temporary INI files ---------------------------------------------- */

static char tmp_dir[64];
#define MAX_TMP 512
static char tmp_paths[MAX_TMP][128];
static int n_tmp;

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/rlc_test_config_XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < n_tmp; i++)
        remove(tmp_paths[i]);
    return rmdir(tmp_dir);
}

/* Write `text` to a new file in the temp dir; returns its path (static). */
static const char *write_ini(const char *text)
{
    assert_true(n_tmp < MAX_TMP);
    char *path = tmp_paths[n_tmp++];
    snprintf(path, 128, "%s/c%02d.ini", tmp_dir, n_tmp);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The [run] lines every config file needs (line numbers below count them). */
#define RUN_DDPG "[run]\nalgo = ddpg\nenv_id = Pendulum-v1\n"

/* Load `text` on top of defaults into *cfg; returns the status. */
static rlc_status load_text(rlc_config *cfg, const char *text, rlc_config_error *err, const char **path)
{
    const char *p = write_ini(text);
    if (path)
        *path = p;
    rlc_config_default(cfg);
    err->message[0] = '\0';
    return rlc_config_load(cfg, p, err);
}

/* Load and expect RLC_ECONFIG with exactly "PATH:<rest>". */
static void expect_load_error(const char *text, const char *rest)
{
    rlc_config cfg;
    rlc_config_error err;
    const char *path;
    assert_int_equal(load_text(&cfg, text, &err, &path), RLC_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s:%s", path, rest);
    assert_string_equal(err.message, want);
}

static void assert_bits_equal(double a, double b)
{
    if (memcmp(&a, &b, sizeof a) != 0) {
        print_error("%.17g and %.17g differ bitwise\n", a, b);
        fail();
    }
}

static void assert_policy_equal(const rlc_policy_config *x, const rlc_policy_config *y)
{
    assert_int_equal(x->n_hidden, y->n_hidden);
    for (size_t i = 0; i < x->n_hidden; i++)
        assert_int_equal(x->net_arch[i], y->net_arch[i]);
    assert_int_equal(x->activation_fn, y->activation_fn);
    assert_int_equal(x->ortho_init, y->ortho_init);
    assert_bits_equal(x->log_std_init, y->log_std_init);
    assert_int_equal(x->norm_obs, y->norm_obs);
    assert_bits_equal(x->clip_obs, y->clip_obs);
}

static void assert_ppo_equal(const rlc_ppo_config *x, const rlc_ppo_config *y)
{
    assert_int_equal(x->n_envs, y->n_envs);
    assert_int_equal(x->n_steps, y->n_steps);
    assert_int_equal(x->batch_size, y->batch_size);
    assert_int_equal(x->n_epochs, y->n_epochs);
    assert_bits_equal(x->learning_rate, y->learning_rate);
    assert_int_equal(x->lr_schedule, y->lr_schedule);
    assert_bits_equal(x->gamma, y->gamma);
    assert_bits_equal(x->gae_lambda, y->gae_lambda);
    assert_bits_equal(x->clip_range, y->clip_range);
    assert_int_equal(x->clip_range_schedule, y->clip_range_schedule);
    assert_bits_equal(x->clip_range_vf, y->clip_range_vf);
    assert_int_equal(x->normalize_advantage, y->normalize_advantage);
    assert_bits_equal(x->ent_coef, y->ent_coef);
    assert_bits_equal(x->vf_coef, y->vf_coef);
    assert_bits_equal(x->max_grad_norm, y->max_grad_norm);
    assert_bits_equal(x->target_kl, y->target_kl);
    assert_int_equal(x->norm_reward, y->norm_reward);
    assert_policy_equal(&x->policy, &y->policy);
}

static void assert_a2c_equal(const rlc_a2c_config *x, const rlc_a2c_config *y)
{
    assert_int_equal(x->n_envs, y->n_envs);
    assert_int_equal(x->n_steps, y->n_steps);
    assert_bits_equal(x->learning_rate, y->learning_rate);
    assert_int_equal(x->lr_schedule, y->lr_schedule);
    assert_bits_equal(x->gamma, y->gamma);
    assert_bits_equal(x->gae_lambda, y->gae_lambda);
    assert_bits_equal(x->ent_coef, y->ent_coef);
    assert_bits_equal(x->vf_coef, y->vf_coef);
    assert_bits_equal(x->max_grad_norm, y->max_grad_norm);
    assert_int_equal(x->use_rms_prop, y->use_rms_prop);
    assert_bits_equal(x->rms_prop_eps, y->rms_prop_eps);
    assert_int_equal(x->normalize_advantage, y->normalize_advantage);
    assert_int_equal(x->norm_reward, y->norm_reward);
    assert_policy_equal(&x->policy, &y->policy);
}

/* [run], [eval] and the section of the algorithm (the only one written). */
static void assert_config_equal(const rlc_config *a, const rlc_config *b)
{
    assert_string_equal(a->algo, b->algo);
    assert_string_equal(a->env_id, b->env_id);
    assert_true(a->seed == b->seed);
    assert_int_equal(a->total_timesteps, b->total_timesteps);
    assert_int_equal(a->log_interval, b->log_interval);
    assert_int_equal(a->eval_freq, b->eval_freq);
    assert_int_equal(a->n_eval_episodes, b->n_eval_episodes);
    /* bitwise: "auto" (NaN) reads back as NaN, a number as the same number */
    assert_memory_equal(&a->reward_threshold, &b->reward_threshold, sizeof(double));
    if (strcmp(a->algo, "ppo") == 0) {
        assert_ppo_equal(PPO(a), PPO(b));
        return;
    }
    if (strcmp(a->algo, "a2c") == 0) {
        assert_a2c_equal(A2C(a), A2C(b));
        return;
    }
    assert_string_equal(a->algo, "ddpg");
    const rlc_ddpg_config *x = DDPG(a), *y = DDPG(b);
    assert_bits_equal(x->learning_rate, y->learning_rate);
    assert_int_equal(x->buffer_size, y->buffer_size);
    assert_int_equal(x->learning_starts, y->learning_starts);
    assert_int_equal(x->batch_size, y->batch_size);
    assert_bits_equal(x->tau, y->tau);
    assert_bits_equal(x->gamma, y->gamma);
    assert_int_equal(x->train_freq, y->train_freq);
    assert_int_equal(x->gradient_steps, y->gradient_steps);
    assert_int_equal(x->n_hidden, y->n_hidden);
    for (size_t i = 0; i < x->n_hidden; i++)
        assert_int_equal(x->net_arch[i], y->net_arch[i]);
    assert_int_equal(x->action_noise, y->action_noise);
    assert_bits_equal(x->noise_std, y->noise_std);
    assert_bits_equal(x->ou_theta, y->ou_theta);
    assert_bits_equal(x->ou_dt, y->ou_dt);
}

/* ---- defaults ------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_default(&cfg);
    assert_string_equal(cfg.algo, "ddpg");
    assert_string_equal(cfg.env_id, "Pendulum-v1");
    assert_true(cfg.seed == 1);
    assert_int_equal(cfg.total_timesteps, 20000);
    assert_int_equal(cfg.log_interval, 1000);
    assert_int_equal(cfg.eval_freq, 5000);
    assert_int_equal(cfg.n_eval_episodes, 10);
    rlc_ddpg_config d;
    rlc_ddpg_config_default(&d);
    assert_bits_equal(DDPG(&cfg)->learning_rate, d.learning_rate);
    assert_int_equal(DDPG(&cfg)->buffer_size, d.buffer_size);
    assert_int_equal(DDPG(&cfg)->batch_size, d.batch_size);
    assert_int_equal(DDPG(&cfg)->n_hidden, 2);
    assert_int_equal(DDPG(&cfg)->net_arch[0], 400);
    assert_int_equal(DDPG(&cfg)->net_arch[1], 300);
    assert_int_equal(DDPG(&cfg)->action_noise, RLC_NOISE_NORMAL);
    rlc_config_error err;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
}

/* ---- number forms: what "1e5", ".99" and "1.5" become ------------------------------------------------- */

static void test_float_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "3e-4", "3E-4", "3.0e-4", "+3e-4", "0.0003", "  3e-4  ; comment", "3e-4 # comment",
        "3e-4\t;comment", "30e-5", "0.00030",
    };
    const double want = 0.0003;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, RUN_DDPG "[ddpg]\nlearning_rate = %s\n", forms[i]);
        rlc_config cfg;
        rlc_config_error err;
        rlc_status s = load_text(&cfg, text, &err, NULL);
        if (s != RLC_OK)
            print_error("form '%s': %s\n", forms[i], err.message);
        assert_int_equal(s, RLC_OK);
        assert_bits_equal(DDPG(&cfg)->learning_rate, want);

        /* the same through --set */
        char set[128];
        snprintf(set, sizeof set, "ddpg.learning_rate=%s", forms[i]);
        rlc_config_default(&cfg);
        assert_int_equal(rlc_config_set(&cfg, set, &err), RLC_OK);
        assert_bits_equal(DDPG(&cfg)->learning_rate, want);
    }
}

static void test_gamma_leading_dot(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "[ddpg]\ngamma = .99\n", &err, NULL), RLC_OK);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.99);
}

static void test_integer_forms(void **state)
{
    (void)state;
    static const struct { const char *text; size_t want; } cases[] = {
        {"1e5", 100000}, {"20000", 20000}, {"2.0e4", 20000}, {"+100", 100},
        {"150e-1", 15}, {"1.5e1", 15}, {"1E3", 1000}, {"007", 7}, {"100 ; steps", 100},
        {"100 # steps", 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, RUN_DDPG "total_timesteps = %s\n", cases[i].text);
        rlc_config cfg;
        rlc_config_error err;
        rlc_status s = load_text(&cfg, text, &err, NULL);
        if (s != RLC_OK)
            print_error("'%s': %s\n", cases[i].text, err.message);
        assert_int_equal(s, RLC_OK);
        assert_int_equal(cfg.total_timesteps, cases[i].want);
    }
    /* seed is uint64_t: plain digits are exact up to UINT64_MAX */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "seed = 18446744073709551615\n", &err, NULL), RLC_OK);
    assert_true(cfg.seed == UINT64_MAX);
    assert_int_equal(load_text(&cfg, RUN_DDPG "seed = 0\n", &err, NULL), RLC_OK);
    assert_true(cfg.seed == 0);
}

/* Defect 5 of issue 10: decimal notation went through strtod, so 2^53 + 1
 * came out as 2^53 and was accepted. Now the digits give the value. */
static void test_whole_notation_exact(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    static const struct { const char *text; uint64_t value; } ok[] = {
        {"9007199254740993e0", 9007199254740993u},
        {"9.007199254740993e15", 9007199254740993u},
        {"1e17", 100000000000000000u},
        {"1.8446744073709551615e19", UINT64_MAX},
        {"18446744073709551615.000", UINT64_MAX},
        {"250e-2", 0}, /* not integral: rejected below */
    };
    for (size_t i = 0; i + 1 < sizeof ok / sizeof ok[0]; i++) {
        char text[160];
        snprintf(text, sizeof text, RUN_DDPG "seed = %s\n", ok[i].text);
        assert_int_equal(load_text(&cfg, text, &err, NULL), RLC_OK);
        assert_true(cfg.seed == ok[i].value);
    }
    expect_load_error(RUN_DDPG "seed = 1.8446744073709551616e19\n",
                      "4: [run] seed: '1.8446744073709551616e19' is too large (at most"
                      " 18446744073709551615)");
    expect_load_error(RUN_DDPG "seed = 250e-2\n",
                      "4: [run] seed: expected a whole number >= 0, got '250e-2'");
    /* an exponent beyond long: its sign counts (it read as +100000 before) */
    expect_load_error(RUN_DDPG "seed = 1e-99999999999999999999\n",
                      "4: [run] seed: expected a whole number >= 0, got '1e-99999999999999999999'");
    assert_int_equal(load_text(&cfg, RUN_DDPG "seed = 0e-99999999999999999999\n", &err, NULL),
                     RLC_OK);
    assert_true(cfg.seed == 0);
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "run.total_timesteps=9007199254740993e0", &err), RLC_OK);
    assert_true(cfg.total_timesteps == 9007199254740993u);
}

static void test_batch_size_fraction(void **state)
{
    (void)state;
    expect_load_error("[ddpg]\nbatch_size = 64.5\n",
                      "2: [ddpg] batch_size: expected a whole number >= 1, got '64.5'");
}

static void test_integer_rejects(void **state)
{
    (void)state;
    static const struct { const char *value, *reason; } cases[] = {
        {"1.5", "expected a whole number >= 1, got '1.5'"},
        {"-3", "expected a whole number >= 1, got '-3'"},
        {"abc", "expected a whole number >= 1, got 'abc'"},
        {"", "expected a whole number >= 1, got ''"},
        {"1e400", "expected a whole number >= 1, got '1e400'"},
        {"20000abc", "expected a whole number >= 1, got '20000abc'"},
        {"0x10", "expected a whole number >= 1, got '0x10'"},
        {"1.0000000000000000001", "expected a whole number >= 1, got '1.0000000000000000001'"},
        {"1e-400", "expected a whole number >= 1, got '1e-400'"},
        {"1 000", "expected a whole number >= 1, got '1 000'"},
        {"18446744073709551616", "'18446744073709551616' is too large (at most 18446744073709551615)"},
        {"1e30", "'1e30' is too large (at most 18446744073709551615)"},
        {"0", "0 is out of range (must be >= 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "# comment\n[run]\ntotal_timesteps = %s\n", cases[i].value);
        snprintf(want, sizeof want, "3: [run] total_timesteps: %s", cases[i].reason);
        expect_load_error(text, want);
    }
    /* beyond 64 bits, a key with an upper bound names its own range */
    expect_load_error("[run]\nalgo = trpo\n[trpo]\ncg_max_steps = 99999999999999999999\n",
                      "4: [trpo] cg_max_steps: 99999999999999999999 is out of range (must be in"
                      " [1, 1000])");
    expect_load_error("[run]\nalgo = trpo\n[trpo]\ncg_max_steps = 1e30\n",
                      "4: [trpo] cg_max_steps: 1e30 is out of range (must be in [1, 1000])");
}

/* TRPO's policy step keeps at least 2 of the rollout's rows: the INI
 * line of sub_sampling_factor is named. */
static void test_trpo_sub_sampling_bound(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    const char *path;
    assert_int_equal(load_text(&cfg, "[run]\nalgo = trpo\nenv_id = CartPole-v1\n[trpo]\n"
                                     "n_steps = 8\nbatch_size = 8\nsub_sampling_factor = 8\n",
                               &err, &path),
                     RLC_OK);
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s:7: [trpo] sub_sampling_factor: 8 leaves fewer than 2 of the"
             " rollout's n_steps \xc3\x97 n_envs = 8 rows for the policy step (at most 7)", path);
    assert_string_equal(err.message, want);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = trpo\nenv_id = CartPole-v1\n[trpo]\n"
                                     "n_steps = 8\nbatch_size = 8\nsub_sampling_factor = 7\n",
                               &err, &path),
                     RLC_OK);
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK); /* 2 rows */
}

static void test_real_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "nan", "NaN", "inf", "-inf", "infinity", "1e400", "3e-4x", "0x1p-3", "", "3e-4;c", "1e", ".",
        "3e-4 0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[ddpg]\nlearning_rate = %s\n", bad[i]);
        snprintf(want, sizeof want,
                 "2: [ddpg] learning_rate: expected a finite decimal number, got '%s'", bad[i]);
        expect_load_error(text, want);
    }
}

/* ---- ranges and choices ------------------------------------------------ */

static void test_out_of_range(void **state)
{
    (void)state;
    expect_load_error("[ddpg]\ntau = 0\n", "2: [ddpg] tau: 0 is out of range (must be in (0, 1])");
    expect_load_error("[ddpg]\ntau = 1.5\n", "2: [ddpg] tau: 1.5 is out of range (must be in (0, 1])");
    expect_load_error("[ddpg]\ngamma = -0.1\n",
                      "2: [ddpg] gamma: -0.1 is out of range (must be in [0, 1])");
    expect_load_error("[ddpg]\nlearning_rate = 0\n",
                      "2: [ddpg] learning_rate: 0 is out of range (must be in (0, 1])");
    expect_load_error("[ddpg]\nnoise_std = -1e-9\n",
                      "2: [ddpg] noise_std: -1e-9 is out of range (must be >= 0)");
    expect_load_error("[ddpg]\nou_dt = 0\n", "2: [ddpg] ou_dt: 0 is out of range (must be > 0)");
    expect_load_error("[eval]\nn_eval_episodes = 0\n",
                      "2: [eval] n_eval_episodes: 0 is out of range (must be in [1, 1024])");
    expect_load_error("[eval]\nn_eval_episodes = 1025\n", /* one env copy per episode */
                      "2: [eval] n_eval_episodes: 1025 is out of range (must be in [1, 1024])");
    expect_load_error("[ddpg]\nbatch_size = 0\n",
                      "2: [ddpg] batch_size: 0 is out of range (must be >= 1)");

    /* boundaries that are inside */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "[ddpg]\ntau = 1\ngamma = 0\nnoise_std = 0\nlearning_starts = 0\n"
                                     "[eval]\neval_freq = 0\n", &err, NULL), RLC_OK);
    assert_bits_equal(DDPG(&cfg)->tau, 1.0);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.0);
    assert_bits_equal(DDPG(&cfg)->noise_std, 0.0);
    assert_int_equal(DDPG(&cfg)->learning_starts, 0);
    assert_int_equal(cfg.eval_freq, 0);
}

static void test_choices(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "[ddpg]\naction_noise = ou\n", &err, NULL), RLC_OK);
    assert_int_equal(DDPG(&cfg)->action_noise, RLC_NOISE_OU);
    assert_int_equal(load_text(&cfg, RUN_DDPG "[ddpg]\naction_noise = none ; off\n", &err, NULL), RLC_OK);
    assert_int_equal(DDPG(&cfg)->action_noise, RLC_NOISE_NONE);
    assert_int_equal(load_text(&cfg, "[ddpg]\naction_noise = ou\naction_noise_x = 1\n", &err, NULL),
                     RLC_ECONFIG);
    expect_load_error("[ddpg]\naction_noise = gauss\n",
                      "2: [ddpg] action_noise: 'gauss' is not one of normal|ou|none");
    expect_load_error("[ddpg]\naction_noise = OU\n",
                      "2: [ddpg] action_noise: 'OU' is not one of normal|ou|none");
    expect_load_error("[run]\nalgo = sac\n", "2: [run] algo: 'sac' is not one of ddpg|ppo|a2c|trpo|qac");
    expect_load_error("[run]\nalgo = PPO\n", "2: [run] algo: 'PPO' is not one of ddpg|ppo|a2c|trpo|qac");
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ddpg\nenv_id = CartPole-v1\n", &err, NULL), RLC_OK);
    assert_string_equal(cfg.algo, "ddpg");
    assert_string_equal(cfg.env_id, "CartPole-v1");
    expect_load_error("[run]\nenv_id = Pendulum v1\n",
                      "2: [run] env_id: 'Pendulum v1' contains a space, control character, ';' or '#'");
    expect_load_error("[run]\nenv_id =\n", "2: [run] env_id: expected a name, got ''");
}

static void test_net_arch(void **state)
{
    (void)state;
    static const struct { const char *text; size_t n; size_t w[4]; } good[] = {
        {"64", 1, {64}},
        {"400, 300", 2, {400, 300}},
        {"400,300", 2, {400, 300}},
        {"  256 ,256,128, 64 ", 4, {256, 256, 128, 64}},
        {"4e2, 3e2", 2, {400, 300}},
        {"1, 65536", 2, {1, 65536}},
        {"400, 300 # widths", 2, {400, 300}},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, RUN_DDPG "[ddpg]\nnet_arch = %s\n", good[i].text);
        rlc_config cfg;
        rlc_config_error err;
        rlc_status s = load_text(&cfg, text, &err, NULL);
        if (s != RLC_OK)
            print_error("'%s': %s\n", good[i].text, err.message);
        assert_int_equal(s, RLC_OK);
        assert_int_equal(DDPG(&cfg)->n_hidden, good[i].n);
        for (size_t j = 0; j < good[i].n; j++)
            assert_int_equal(DDPG(&cfg)->net_arch[j], good[i].w[j]);
    }
    static const struct { const char *value, *reason; } bad[] = {
        {"", "expected 1 to 4 whole numbers separated by commas, got ''"},
        {"400,,300", "expected 1 to 4 whole numbers separated by commas, got '400,,300'"},
        {"400, 300,", "expected 1 to 4 whole numbers separated by commas, got '400, 300,'"},
        {"1, 2, 3, 4, 5", "more than 4 entries in '1, 2, 3, 4, 5'"},
        {"400 300", "entry 1: expected a whole number in [1, 65536], got '400 300'"},
        {"400, 0", "entry 2: 0 is out of range (must be in [1, 65536])"},
        {"65537", "entry 1: 65537 is out of range (must be in [1, 65536])"},
        {"400, 30.5", "entry 2: expected a whole number in [1, 65536], got '30.5'"},
        {"-400", "entry 1: expected a whole number in [1, 65536], got '-400'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[ddpg]\nnet_arch = %s\n", bad[i].value);
        snprintf(want, sizeof want, "2: [ddpg] net_arch: %s", bad[i].reason);
        expect_load_error(text, want);
    }
}

/* ---- structure errors and their lines -------------------------------- */

static void test_unknown_section(void **state)
{
    (void)state;
    expect_load_error("[run]\nseed = 3\n\n[foo]\n; comment\nbar = 1\n", "4: [foo]: unknown section");
    expect_load_error("[run]\nseed = 3\n[dpg]\ntau = 0.1\n",
                      "3: [dpg]: unknown section (did you mean [ddpg]?)");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_load_error("# rlc\n[ddpg]\ntau = 0.01\ngama = 0.9\n",
                      "4: [ddpg] gama: unknown key (did you mean 'gamma'?)");
    expect_load_error("[ddpg]\n\n\nlearning rate = 1e-3\n",
                      "4: [ddpg] learning rate: unknown key (did you mean 'learning_rate'?)");
    expect_load_error("[run]\neval_freq = 100\n",
                      "2: [run] eval_freq: unknown key (it belongs in [eval])");
    expect_load_error("[run]\nwhatever = 1\n", "2: [run] whatever: unknown key");
    expect_load_error("seed = 1\n[run]\n", "1: seed: key before the first [section]");
}

static void test_duplicate_and_indented_keys(void **state)
{
    (void)state;
    expect_load_error("[ddpg]\ngamma = 0.9\ntau = 0.1\ngamma = 0.95\n",
                      "4: [ddpg] gamma: set twice (first on line 2)");
    /* leading whitespace is dropped, so indented keys are keys, not inih
     * continuation lines of the previous value */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "  [ddpg]\n  gamma = 0.9\n\ttau = 0.25\n   ; note\n", &err, NULL),
                     RLC_OK);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.9);
    assert_bits_equal(DDPG(&cfg)->tau, 0.25);
    /* a section may come before [run], but not be reopened */
    assert_int_equal(load_text(&cfg, "[ddpg]\ngamma = 0.9\n[run]\nseed = 5\nalgo = ddpg\nenv_id = Pendulum-v1\n",
                               &err, NULL), RLC_OK);
    assert_true(cfg.seed == 5);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.9);
}

static void test_syntax_error_and_long_line(void **state)
{
    (void)state;
    expect_load_error("[run]\nseed = 3\nnoequals\n[ddpg]\ngama = 1\n",
                      "3: syntax error: expected '[section]' or 'key = value'");
    expect_load_error("[run]\n[ddpg\nseed = 2\n", "2: syntax error: expected '[section]' or 'key = value'");
    /* an error before the syntax error is reported first */
    expect_load_error("[run]\nsed = 3\nnoequals\n", "2: [run] sed: unknown key (did you mean 'seed'?)");

    /* a 250-character value is read whole now (it was "line longer than 198
     * characters") and fails as a name */
    char text[400] = "[run]\nenv_id = ", want[400] = "2: [run] env_id: '";
    size_t len = strlen(text);
    memset(text + len, 'x', 250);
    strcpy(text + len + 250, "\n");
    memset(want + strlen(want), 'x', 250);
    strcpy(want + strlen(want), "' is longer than 63 characters");
    expect_load_error(text, want);
}

static void test_crlf_and_bom(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "\xEF\xBB\xBF[run]\r\nseed = 9\r\nalgo = ddpg\r\nenv_id = Pendulum-v1\r\n[ddpg]\r\nnet_arch = 64, 32\r\n",
                               &err, NULL), RLC_OK);
    assert_true(cfg.seed == 9);
    assert_int_equal(DDPG(&cfg)->n_hidden, 2);
    assert_int_equal(DDPG(&cfg)->net_arch[1], 32);
    /* the header line of a section on line 1 after a BOM */
    expect_load_error("\xEF\xBB\xBF[foo]\nx = 1\n", "1: [foo]: unknown section");
}

/* Defect 1 of issue 10: "[ddpg] gamma = 0.5" on one line set nothing and
 * exited 0 (inih drops text after "]"); a CR-only file read as one line
 * and failed with "[run] algo: missing". */
static void test_text_after_section_header(void **state)
{
    (void)state;
    expect_load_error("[run]\nalgo = ddpg\nenv_id = Pendulum-v1\n[ddpg] gamma = 0.5\n",
                      "4: syntax error: 'gamma = 0.5' after the section header (a key goes on a"
                      " line of its own)");
    expect_load_error("[run] x\n", "1: syntax error: 'x' after the section header (a key goes"
                      " on a line of its own)");
    /* a comment after the header is fine */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "[run] ; the run\nalgo = ddpg\nenv_id = Pendulum-v1\n"
                               "[ddpg]  # its section\ngamma = 0.5\n", &err, NULL), RLC_OK);
    assert_true(DDPG(&cfg)->gamma == 0.5);
}

static void test_cr_line_endings(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "[run]\rseed = 9\ralgo = ddpg\renv_id = Pendulum-v1\r[ddpg]\r"
                               "gamma = 0.5\r", &err, NULL), RLC_OK);
    assert_true(cfg.seed == 9);
    assert_true(DDPG(&cfg)->gamma == 0.5);
    /* mixed endings, and lines are counted by any of them */
    expect_load_error("[run]\r\nalgo = ddpg\renv_id = Pendulum-v1\nbogus = 1\r", "4: [run] bogus:"
                      " unknown key");
}

static void test_algorithm_section_mismatch(void **state)
{
    (void)state;
    /* an algo set in code before the load */
    const char *path = write_ini("[run]\nseed = 2\n\n[ddpg]\ngamma = 0.9\n");
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_ECONFIG);
    char want[300]; /* a file names its algorithm; one set in code does not count */
    snprintf(want, sizeof want, "%s: [run] algo: missing; every config names its algorithm and"
             " environment", path);
    assert_string_equal(err.message, want);
    assert_true(cfg.seed == 1); /* unchanged on error */

    /* through files: the algo of the file, wherever [run] is */
    expect_load_error("[run]\nalgo = ppo\nenv_id = X\n\n[ddpg]\ntau = 0.1\n",
                      "5: [ddpg]: section of algorithm ddpg, but [run] algo is ppo");
    expect_load_error("[run]\nalgo = ddpg\nenv_id = X\n[ppo]\ngamma = 0.9\n",
                      "4: [ppo]: section of algorithm ppo, but [run] algo is ddpg");
    expect_load_error("[ppo]\nn_steps = 64\n[run]\nalgo = a2c\nenv_id = X\n",
                      "1: [ppo]: section of algorithm ppo, but [run] algo is a2c");
    expect_load_error("[run]\nalgo = ppo\nenv_id = X\n[ppo]\nn_steps = 64\n[a2c]\nn_steps = 8\n",
                      "6: [a2c]: section of algorithm a2c, but [run] algo is ppo");
    /* no algo at all: that is what is wrong, not the section against a default */
    expect_load_error("[run]\nenv_id = CartPole-v1\n[ppo]\nn_steps = 8\n",
                      " [run] algo: missing; every config names its algorithm and environment");
    /* [run] algo after the algorithm section is fine */
    assert_int_equal(load_text(&cfg, "[ddpg]\ngamma = 0.9\n[run]\nalgo = ddpg\nenv_id = Pendulum-v1\n", &err, NULL), RLC_OK);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.9);
    assert_int_equal(load_text(&cfg, "[ppo]\ngamma = 0.95\n[run]\nalgo = ppo\nenv_id = CartPole-v1\n", &err, NULL), RLC_OK);
    assert_string_equal(cfg.algo, "ppo");
    assert_bits_equal(PPO(&cfg)->gamma, 0.95);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = a2c\nenv_id = CartPole-v1\n[a2c]\ngamma = 0.9\n", &err, NULL), RLC_OK);
    assert_string_equal(cfg.algo, "a2c");
    assert_bits_equal(A2C(&cfg)->gamma, 0.9);

    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    assert_int_equal(rlc_config_set(&cfg, "ddpg.gamma=0.9", &err), RLC_ECONFIG);
    assert_string_equal(err.message,
                        "--set ddpg.gamma=0.9: [ddpg]: section of algorithm ddpg, but [run] algo is ppo"
                        " (set run.algo first)");
}

static void test_error_leaves_config_unchanged(void **state)
{
    (void)state;
    const char *path = write_ini("[run]\nseed = 77\ntotal_timesteps = 5\n[ddpg]\ntau = 2\n");
    rlc_config cfg, before;
    rlc_config_error err;
    rlc_config_default(&cfg);
    before = cfg;
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_ECONFIG);
    assert_memory_equal(&cfg, &before, sizeof cfg);
    assert_int_equal(rlc_config_set(&cfg, "ddpg.net_arch=1,2,0", &err), RLC_ECONFIG);
    assert_memory_equal(&cfg, &before, sizeof cfg);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/does_not_exist.ini", tmp_dir);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_EIO);
    char want[300];
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_string_equal(err.message, want);

    /* a directory opens but does not read */
    assert_int_equal(rlc_config_load(&cfg, tmp_dir, &err), RLC_EIO);
    snprintf(want, sizeof want, "%s: Is a directory", tmp_dir);
    assert_string_equal(err.message, want);
}

/* ---- --set ---------------------------------------------------------------- */

static void test_set(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "ddpg.gamma=0.98", &err), RLC_OK);
    assert_bits_equal(DDPG(&cfg)->gamma, 0.98);
    assert_int_equal(rlc_config_set(&cfg, " run.total_timesteps = 1e5 ", &err), RLC_OK);
    assert_int_equal(cfg.total_timesteps, 100000);
    assert_int_equal(rlc_config_set(&cfg, "ddpg.net_arch=64,64,64", &err), RLC_OK);
    assert_int_equal(DDPG(&cfg)->n_hidden, 3);
    assert_int_equal(DDPG(&cfg)->net_arch[2], 64);
    assert_int_equal(rlc_config_set(&cfg, "run.env_id=CartPole-v1", &err), RLC_OK);
    assert_string_equal(cfg.env_id, "CartPole-v1");
    assert_int_equal(rlc_config_set(&cfg, "run.seed=42", &err), RLC_OK);
    assert_true(cfg.seed == 42);
    assert_int_equal(rlc_config_set(&cfg, "ddpg.action_noise=ou", &err), RLC_OK);
    assert_int_equal(DDPG(&cfg)->action_noise, RLC_NOISE_OU);

    static const struct { const char *set, *msg; } bad[] = {
        {"ddpg.gamma", "--set ddpg.gamma: expected section.key=value, e.g. run.seed=3"},
        {"gamma=0.9", "--set gamma=0.9: expected section.key=value, e.g. run.seed=3"},
        {".gamma=0.9", "--set .gamma=0.9: expected section.key=value, e.g. run.seed=3"},
        {"ddpg.=0.9", "--set ddpg.=0.9: expected section.key=value, e.g. run.seed=3"},
        {"", "--set : expected section.key=value, e.g. run.seed=3"},
        {"ddpg.gamma=abc", "--set ddpg.gamma=abc: [ddpg] gamma: expected a finite decimal number, got 'abc'"},
        {"ddpg.gamma=", "--set ddpg.gamma=: [ddpg] gamma: expected a finite decimal number, got ''"},
        {"ddpg.gama=0.9", "--set ddpg.gama=0.9: [ddpg] gama: unknown key (did you mean 'gamma'?)"},
        {"foo.bar=1", "--set foo.bar=1: [foo]: unknown section"},
        {"ddpg.batch_size=64.5", "--set ddpg.batch_size=64.5: [ddpg] batch_size: expected a whole number >= 1, got '64.5'"},
        {"run.total_timesteps=1e400",
         "--set run.total_timesteps=1e400: [run] total_timesteps: expected a whole number >= 1, got '1e400'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rlc_config before = cfg;
        assert_int_equal(rlc_config_set(&cfg, bad[i].set, &err), RLC_ECONFIG);
        assert_string_equal(err.message, bad[i].msg);
        assert_memory_equal(&cfg, &before, sizeof cfg);
    }
}

/* ---- validate ----------------------------------------------------------- */

static void expect_invalid(const rlc_config *cfg, const char *msg)
{
    rlc_config_error err;
    assert_int_equal(rlc_config_validate(cfg, &err), RLC_ECONFIG);
    assert_string_equal(err.message, msg);
}

static void test_validate(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;

    rlc_config_default(&cfg);
    strcpy(cfg.env_id, "CartPole-v1");
    expect_invalid(&cfg, "[run] env_id: ddpg needs a continuous (Box) action space, CartPole-v1 has Discrete(2)");

    rlc_config_default(&cfg);
    strcpy(cfg.env_id, "Pendulum-v0");
    expect_invalid(&cfg, "[run] env_id: unknown environment 'Pendulum-v0' (registered: CartPole-v1, Pendulum-v1)");

    rlc_config_default(&cfg);
    DDPG(&cfg)->buffer_size = 100; /* in code: no origin */
    expect_invalid(&cfg, "[ddpg] batch_size: 256 is larger than buffer_size 100");
    /* through --set: the message names the setting the user set */
    assert_int_equal(rlc_config_set(&cfg, "ddpg.buffer_size=100", &err), RLC_OK);
    expect_invalid(&cfg, "--set ddpg.buffer_size=100: [ddpg] buffer_size: 100 is smaller than"
                         " batch_size 256");
    DDPG(&cfg)->batch_size = 100; /* equal is fine */
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);

    /* learning_starts >= total_timesteps is allowed */
    rlc_config_default(&cfg);
    DDPG(&cfg)->learning_starts = cfg.total_timesteps + 1;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);

    /* the table's ranges also apply to configs built in code */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "sac");
    expect_invalid(&cfg, "[run] algo: unknown algorithm 'sac' (choices: ddpg|ppo|a2c|trpo|qac)");
    rlc_config_default(&cfg);
    DDPG(&cfg)->tau = 0;
    expect_invalid(&cfg, "[ddpg] tau: 0 is out of range (must be in (0, 1])");
    rlc_config_default(&cfg);
    DDPG(&cfg)->gamma = NAN;
    expect_invalid(&cfg, "[ddpg] gamma: nan is out of range (must be in [0, 1])");
    rlc_config_default(&cfg);
    DDPG(&cfg)->n_hidden = 0;
    expect_invalid(&cfg, "[ddpg] net_arch: 0 entries (must be 1 to 4)");
    rlc_config_default(&cfg);
    DDPG(&cfg)->net_arch[1] = 0;
    expect_invalid(&cfg, "[ddpg] net_arch: entry 2: 0 is out of range (must be in [1, 65536])");
    rlc_config_default(&cfg);
    DDPG(&cfg)->action_noise = (rlc_action_noise)7;
    expect_invalid(&cfg, "[ddpg] action_noise: invalid value 7");
    rlc_config_default(&cfg);
    cfg.total_timesteps = 0;
    expect_invalid(&cfg, "[run] total_timesteps: 0 is out of range (must be >= 1)");
    rlc_config_default(&cfg);
    cfg.env_id[0] = '\0';
    expect_invalid(&cfg, "[run] env_id: expected a name, got ''");
}

/* ---- write / help ------------------------------------------------------ */

static void roundtrip(const rlc_config *cfg)
{
    char path[200];
    snprintf(path, sizeof path, "%s/roundtrip%d.ini", tmp_dir, n_tmp);
    assert_true(n_tmp < MAX_TMP);
    strcpy(tmp_paths[n_tmp++], path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(rlc_config_write(cfg, f), RLC_OK);
    assert_int_equal(fclose(f), 0);
    rlc_config back;
    rlc_config_error err;
    rlc_config_default(&back);
    back.seed = 999; /* everything must come from the file */
    DDPG(&back)->tau = 0.7;
    DDPG(&back)->n_hidden = 1;
    PPO(&back)->n_steps = 3;
    PPO(&back)->policy.n_hidden = 1;
    PPO(&back)->normalize_advantage = !PPO(cfg)->normalize_advantage;
    A2C(&back)->n_steps = 3;
    A2C(&back)->policy.n_hidden = 1;
    A2C(&back)->use_rms_prop = !A2C(cfg)->use_rms_prop;
    rlc_status s = rlc_config_load(&back, path, &err);
    if (s != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(s, RLC_OK);
    assert_config_equal(&back, cfg);
}

static void test_write_roundtrip(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_default(&cfg);
    roundtrip(&cfg);

    strcpy(cfg.env_id, "MountainCarContinuous-v0");
    cfg.seed = UINT64_MAX;
    cfg.total_timesteps = 123456789;
    cfg.log_interval = 7;
    cfg.eval_freq = 0;
    cfg.n_eval_episodes = 3;
    cfg.reward_threshold = -0.1 - 0.2; /* -0.30000000000000004 */
    DDPG(&cfg)->learning_rate = 0.1 + 0.2; /* 0.30000000000000004 */
    DDPG(&cfg)->buffer_size = 5;
    DDPG(&cfg)->learning_starts = 0;
    DDPG(&cfg)->batch_size = 5;
    DDPG(&cfg)->tau = 1.0 / 3.0;
    DDPG(&cfg)->gamma = 0.999999999999;
    DDPG(&cfg)->train_freq = 4;
    DDPG(&cfg)->gradient_steps = 9;
    DDPG(&cfg)->n_hidden = 4;
    DDPG(&cfg)->net_arch[0] = 1;
    DDPG(&cfg)->net_arch[1] = 65536;
    DDPG(&cfg)->net_arch[2] = 17;
    DDPG(&cfg)->net_arch[3] = 3;
    DDPG(&cfg)->action_noise = RLC_NOISE_OU;
    DDPG(&cfg)->noise_std = 5e-324; /* smallest subnormal */
    DDPG(&cfg)->ou_theta = 1e300;
    DDPG(&cfg)->ou_dt = 2.2250738585072014e-308;
    roundtrip(&cfg);
    DDPG(&cfg)->action_noise = RLC_NOISE_NONE;
    DDPG(&cfg)->noise_std = 0;
    roundtrip(&cfg);
}

/* [eval] reward_threshold: "auto" by default, which means Gymnasium's
 * spec.reward_threshold of env_id (CartPole-v1: 475.0; Pendulum-v1: none);
 * a number replaces it, for any environment. */
static void test_reward_threshold(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    double t = -1;
    rlc_config_default(&cfg);
    assert_true(isnan(cfg.reward_threshold));
    assert_string_equal(cfg.env_id, "Pendulum-v1");
    assert_false(rlc_config_reward_threshold(&cfg, &t));
    assert_true(t == -1); /* untouched when there is none */
    assert_false(rlc_env_pendulum_v1.has_reward_threshold);
    assert_true(rlc_env_cartpole_v1.has_reward_threshold);
    assert_true(rlc_env_cartpole_v1.reward_threshold == 475.0);

    /* auto follows env_id, whichever source set it */
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n", &err, NULL),
                     RLC_OK);
    assert_true(isnan(cfg.reward_threshold));
    assert_true(rlc_config_reward_threshold(&cfg, &t));
    assert_true(t == 475.0);
    assert_int_equal(rlc_config_set(&cfg, "run.env_id=Pendulum-v1", &err), RLC_OK);
    assert_false(rlc_config_reward_threshold(&cfg, NULL));

    /* a number wins, on an env with or without a threshold */
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n"
                                     "[eval]\nreward_threshold = 195\n", &err, NULL), RLC_OK);
    assert_true(rlc_config_reward_threshold(&cfg, &t));
    assert_true(t == 195.0);
    assert_int_equal(rlc_config_set(&cfg, "eval.reward_threshold=-150.5", &err), RLC_OK);
    assert_int_equal(rlc_config_set(&cfg, "run.env_id=Pendulum-v1", &err), RLC_OK);
    assert_true(rlc_config_reward_threshold(&cfg, &t));
    assert_true(t == -150.5);
    assert_int_equal(rlc_config_set(&cfg, "eval.reward_threshold=auto", &err), RLC_OK);
    assert_false(rlc_config_reward_threshold(&cfg, NULL));
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);

    /* what is not a threshold */
    static const char *const bad[] = {"nan", "inf", "Auto", "none", "1e999", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64], want[160];
        snprintf(text, sizeof text, "[eval]\nreward_threshold = %s\n", bad[i]);
        snprintf(want, sizeof want, "2: [eval] reward_threshold: expected a finite decimal number"
                 " or auto, got '%s'", bad[i]);
        expect_load_error(text, want);
    }
    /* code may set NaN (auto) but not infinity */
    rlc_config_default(&cfg);
    cfg.reward_threshold = INFINITY;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_ECONFIG);
    assert_string_equal(err.message, "[eval] reward_threshold: inf is out of range (must be"
                                     " finite|auto)");

    /* written as it is set: "auto" stays auto (follows env_id), a number stays */
    char *buf = NULL;
    size_t size = 0;
    rlc_config_default(&cfg);
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\nreward_threshold = auto\n"));
    free(buf);
    cfg.reward_threshold = 475;
    f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\nreward_threshold = 475\n"));
    free(buf);
}

static void test_write_text(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_default(&cfg);
    DDPG(&cfg)->learning_rate = 3e-4;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\n[run]\n"));
    assert_non_null(strstr(buf, "\nalgo = ddpg\n"));
    assert_non_null(strstr(buf, "\n[eval]\n"));
    assert_non_null(strstr(buf, "\n[ddpg]\n"));
    assert_non_null(strstr(buf, "\nlearning_rate = 0.0003\n"));
    assert_non_null(strstr(buf, "\nnet_arch = 400, 300\n"));
    assert_non_null(strstr(buf, "\naction_noise = normal\n"));
    assert_non_null(strstr(buf, "\ntau = 0.005\n"));
    assert_non_null(strstr(buf, "\n# discount factor\ngamma = 0.99\n"));
    /* sections in order run, eval, ddpg */
    assert_true(strstr(buf, "[run]") < strstr(buf, "[eval]"));
    assert_true(strstr(buf, "[eval]") < strstr(buf, "[ddpg]"));
    free(buf);
}

static void test_print_help(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    rlc_config_print_help(f);
    fclose(f);
    /* every key of every section, in table order */
    static const char *const keys[] = {
        "[run] algo ", "[run] env_id ", "[run] seed ", "[run] total_timesteps ", "[run] log_interval ",
        "[run] checkpoint_freq ",
        "[eval] eval_freq ", "[eval] n_eval_episodes ", "[eval] reward_threshold ",
        "[ddpg] learning_rate ", "[ddpg] buffer_size ",
        "[ddpg] learning_starts ", "[ddpg] batch_size ", "[ddpg] tau ", "[ddpg] gamma ",
        "[ddpg] train_freq ", "[ddpg] gradient_steps ", "[ddpg] net_arch ", "[ddpg] action_noise ",
        "[ddpg] noise_std ", "[ddpg] ou_theta ", "[ddpg] ou_dt ",
        "[ppo] n_envs ", "[ppo] n_steps ", "[ppo] batch_size ", "[ppo] n_epochs ",
        "[ppo] learning_rate ", "[ppo] lr_schedule ", "[ppo] gamma ", "[ppo] gae_lambda ",
        "[ppo] clip_range ", "[ppo] clip_range_schedule ", "[ppo] clip_range_vf ",
        "[ppo] normalize_advantage ", "[ppo] ent_coef ", "[ppo] vf_coef ", "[ppo] max_grad_norm ",
        "[ppo] target_kl ", "[ppo] norm_reward ", "[ppo] net_arch ", "[ppo] activation_fn ",
        "[ppo] ortho_init ", "[ppo] log_std_init ", "[ppo] norm_obs ", "[ppo] clip_obs ",
        "[a2c] n_envs ", "[a2c] n_steps ", "[a2c] learning_rate ", "[a2c] lr_schedule ",
        "[a2c] gamma ", "[a2c] gae_lambda ", "[a2c] ent_coef ", "[a2c] vf_coef ",
        "[a2c] max_grad_norm ", "[a2c] use_rms_prop ", "[a2c] rms_prop_eps ",
        "[a2c] normalize_advantage ", "[a2c] norm_reward ", "[a2c] net_arch ",
        "[a2c] activation_fn ", "[a2c] ortho_init ", "[a2c] log_std_init ", "[a2c] norm_obs ",
        "[a2c] clip_obs ",
        "[trpo] n_envs ", "[trpo] n_steps ", "[trpo] batch_size ", "[trpo] learning_rate ",
        "[trpo] lr_schedule ", "[trpo] gamma ", "[trpo] gae_lambda ", "[trpo] cg_max_steps ",
        "[trpo] cg_damping ", "[trpo] line_search_shrinking_factor ", "[trpo] line_search_max_iter ",
        "[trpo] n_critic_updates ", "[trpo] sub_sampling_factor ", "[trpo] normalize_advantage ",
        "[trpo] target_kl ",
        "[trpo] norm_reward ", "[trpo] net_arch ", "[trpo] activation_fn ", "[trpo] ortho_init ",
        "[trpo] log_std_init ", "[trpo] norm_obs ", "[trpo] clip_obs ",
        "[qac] n_envs ", "[qac] n_steps ", "[qac] actor_learning_rate ",
        "[qac] critic_learning_rate ", "[qac] lr_schedule ", "[qac] gamma ", "[qac] optimizer ", "[qac] ent_coef ",
        "[qac] max_grad_norm ", "[qac] norm_reward ", "[qac] net_arch ", "[qac] activation_fn ",
        "[qac] ortho_init ", "[qac] log_std_init ", "[qac] norm_obs ", "[qac] clip_obs ",
    };
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';
    assert_int_equal(lines, sizeof keys / sizeof keys[0]);
    const char *prev = buf;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *line = strstr(prev, keys[i]);
        if (!line)
            print_error("missing or out of order: '%s'\n", keys[i]);
        assert_non_null(line);
        assert_true(line == buf || line[-1] == '\n');
        prev = line;
    }
    /* columns: the name column fits the longest "[section] key" */
    static const char *const want[] = {
        "[ddpg] tau                          real   0.005        (0, 1]             \xe2\x80\x94 Polyak",
        "[ddpg] net_arch                     ints   400, 300     1-4 of [1, 65536]",
        "[ddpg] action_noise                 choice normal       normal|ou|none",
        "[run] env_id                        string (required)   a registered id",
        "[run] total_timesteps               int    20000        >= 1",
        "[eval] reward_threshold             real   auto         finite|auto        \xe2\x80\x94 mean"
        " evaluation return that counts as solved; reported, never stops training (auto:"
        " Gymnasium's spec.reward_threshold for env_id, none if it has none)\n",
        "[ppo] normalize_advantage           bool   true         true|false         \xe2\x80\x94 normalise advantages per minibatch",
        "[ppo] lr_schedule                   choice constant     constant|linear    \xe2\x80\x94 learning_rate",
        "[ppo] activation_fn                 choice tanh         relu|tanh          \xe2\x80\x94 hidden",
        "[ppo] log_std_init                  real   0            finite             \xe2\x80\x94 initial",
        "[ppo] n_envs                        int    1            [1, 1024]          \xe2\x80\x94 environment",
        "[ppo] net_arch                      ints   64, 64       1-4 of [1, 65536]  \xe2\x80\x94 hidden",
        "[ppo] clip_range                    real   0.2          (0, 10]            \xe2\x80\x94 clipping",
        "[ppo] clip_obs                      real   10           > 0                \xe2\x80\x94 clip",
        "[a2c] rms_prop_eps                  real   1e-05        > 0                \xe2\x80\x94 RMSprop",
        "[a2c] use_rms_prop                  bool   true         true|false         \xe2\x80\x94 RMSprop",
        "[a2c] n_steps                       int    5            >= 1               \xe2\x80\x94 steps",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(buf, want[i]))
            print_error("missing: '%s'\n", want[i]);
        assert_non_null(strstr(buf, want[i]));
    }
    free(buf);
}

/* ---- [ppo] and [a2c] ------------------------------------------------------ */

static void test_onpolicy_defaults(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_default(&cfg);
    /* both sides zeroed first, so padding compares equal too */
    rlc_ppo_config ppo;
    memset(&ppo, 0, sizeof ppo);
    rlc_ppo_config_default(&ppo);
    assert_memory_equal(PPO(&cfg), &ppo, sizeof ppo);
    rlc_a2c_config a2c;
    memset(&a2c, 0, sizeof a2c);
    rlc_a2c_config_default(&a2c);
    assert_memory_equal(A2C(&cfg), &a2c, sizeof a2c);
    assert_ppo_equal(PPO(&cfg), &ppo); /* and field by field, whatever the padding holds */
    assert_a2c_equal(A2C(&cfg), &a2c);
    /* a few SB3 values, so a changed default is noticed here too */
    assert_int_equal(PPO(&cfg)->n_steps, 2048);
    assert_int_equal(PPO(&cfg)->batch_size, 64);
    assert_bits_equal(PPO(&cfg)->clip_range, 0.2);
    assert_int_equal(PPO(&cfg)->policy.n_hidden, 2);
    assert_int_equal(PPO(&cfg)->policy.net_arch[0], 64);
    assert_int_equal(PPO(&cfg)->policy.activation_fn, RLC_ACT_TANH);
    assert_int_equal(A2C(&cfg)->n_steps, 5);
    assert_bits_equal(A2C(&cfg)->learning_rate, 7e-4);
    assert_true(A2C(&cfg)->use_rms_prop);

    /* the defaults validate, on both kinds of action space */
    rlc_config_error err;
    static const char *const algos[] = {"ppo", "a2c"};
    static const char *const envs[] = {"CartPole-v1", "Pendulum-v1"};
    for (size_t a = 0; a < 2; a++)
        for (size_t e = 0; e < 2; e++) {
            rlc_config_default(&cfg);
            strcpy(cfg.algo, algos[a]);
            strcpy(cfg.env_id, envs[e]);
            rlc_status st = rlc_config_validate(&cfg, &err);
            if (st != RLC_OK)
                print_error("%s on %s: %s\n", algos[a], envs[e], err.message);
            assert_int_equal(st, RLC_OK);
        }
}

static void test_bool(void **state)
{
    (void)state;
    static const struct { const char *text; bool want; } good[] = {
        {"true", true}, {"TRUE", true}, {"True", true}, {"1", true}, {"yes", true}, {"YeS", true},
        {"on", true}, {"ON", true}, {"false", false}, {"False", false}, {"FALSE", false},
        {"0", false}, {"no", false}, {"No", false}, {"off", false}, {"oFF", false},
        {"true ; comment", true}, {"off # comment", false}, {"  yes\t", true},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[256];
        rlc_config cfg;
        rlc_config_error err;
        snprintf(text, sizeof text, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\n"
                 "normalize_advantage = %s\nnorm_reward = %s\northo_init = %s\nnorm_obs = %s\n",
                 good[i].text, good[i].text, good[i].text, good[i].text);
        rlc_status s = load_text(&cfg, text, &err, NULL);
        if (s != RLC_OK)
            print_error("'%s': %s\n", good[i].text, err.message);
        assert_int_equal(s, RLC_OK);
        assert_int_equal(PPO(&cfg)->normalize_advantage, good[i].want);
        assert_int_equal(PPO(&cfg)->norm_reward, good[i].want);
        assert_int_equal(PPO(&cfg)->policy.ortho_init, good[i].want);
        assert_int_equal(PPO(&cfg)->policy.norm_obs, good[i].want);

        snprintf(text, sizeof text, "[a2c]\nuse_rms_prop = %s\nnormalize_advantage = %s\n"
                 "norm_reward = %s\nnorm_obs = %s\n[run]\nalgo = a2c\nenv_id = CartPole-v1\n",
                 good[i].text, good[i].text, good[i].text, good[i].text);
        assert_int_equal(load_text(&cfg, text, &err, NULL), RLC_OK);
        assert_int_equal(A2C(&cfg)->use_rms_prop, good[i].want);
        assert_int_equal(A2C(&cfg)->normalize_advantage, good[i].want);
        assert_int_equal(A2C(&cfg)->norm_reward, good[i].want);
        assert_int_equal(A2C(&cfg)->policy.norm_obs, good[i].want);
    }
    static const char *const bad[] = {
        "2", "-1", "01", "0.0", "y", "n", "t", "f", "tru", "truee", "yess", "of", "onn", "",
        "true false", "enabled", "nope",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "[run]\nalgo = ppo\n[ppo]\nnormalize_advantage = %s\n", bad[i]);
        snprintf(want, sizeof want,
                 "4: [ppo] normalize_advantage: expected true or false, got '%s'", bad[i]);
        expect_load_error(text, want);
        snprintf(text, sizeof text, "[run]\nalgo = a2c\n\n[a2c]\nn_steps = 8\nuse_rms_prop = %s\n",
                 bad[i]);
        snprintf(want, sizeof want, "6: [a2c] use_rms_prop: expected true or false, got '%s'",
                 bad[i]);
        expect_load_error(text, want);
    }
}

static void test_onpolicy_choices(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nlr_schedule = linear\n"
                                     "clip_range_schedule = linear\nactivation_fn = relu\n",
                               &err, NULL), RLC_OK);
    assert_int_equal(PPO(&cfg)->lr_schedule, RLC_SCHEDULE_LINEAR);
    assert_int_equal(PPO(&cfg)->clip_range_schedule, RLC_SCHEDULE_LINEAR);
    assert_int_equal(PPO(&cfg)->policy.activation_fn, RLC_ACT_RELU);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nlr_schedule = constant\n"
                                     "activation_fn = tanh ; default\n", &err, NULL), RLC_OK);
    assert_int_equal(PPO(&cfg)->lr_schedule, RLC_SCHEDULE_CONSTANT);
    assert_int_equal(PPO(&cfg)->policy.activation_fn, RLC_ACT_TANH);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = a2c\nenv_id = CartPole-v1\n[a2c]\nlr_schedule = linear\n"
                                     "activation_fn = relu\n", &err, NULL), RLC_OK);
    assert_int_equal(A2C(&cfg)->lr_schedule, RLC_SCHEDULE_LINEAR);
    assert_int_equal(A2C(&cfg)->policy.activation_fn, RLC_ACT_RELU);

    expect_load_error("[run]\nalgo = ppo\n[ppo]\nlr_schedule = Linear\n",
                      "4: [ppo] lr_schedule: 'Linear' is not one of constant|linear");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nclip_range_schedule = exponential\n",
                      "4: [ppo] clip_range_schedule: 'exponential' is not one of constant|linear");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nactivation_fn = identity\n",
                      "4: [ppo] activation_fn: 'identity' is not one of relu|tanh");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nactivation_fn = ReLU\n",
                      "4: [a2c] activation_fn: 'ReLU' is not one of relu|tanh");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nactivation_fn =\n",
                      "4: [a2c] activation_fn: '' is not one of relu|tanh");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nlr_schedule = 1\n",
                      "4: [a2c] lr_schedule: '1' is not one of constant|linear");
}

static void test_onpolicy_net_arch(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nnet_arch = 256, 128,32\n", &err, NULL),
                     RLC_OK);
    assert_int_equal(PPO(&cfg)->policy.n_hidden, 3);
    assert_int_equal(PPO(&cfg)->policy.net_arch[0], 256);
    assert_int_equal(PPO(&cfg)->policy.net_arch[1], 128);
    assert_int_equal(PPO(&cfg)->policy.net_arch[2], 32);
    assert_int_equal(DDPG(&cfg)->n_hidden, 2); /* the other sections' lists are untouched */
    assert_int_equal(A2C(&cfg)->policy.n_hidden, 2);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = a2c\nenv_id = CartPole-v1\n[a2c]\nnet_arch = 1e2\n", &err, NULL), RLC_OK);
    assert_int_equal(A2C(&cfg)->policy.n_hidden, 1);
    assert_int_equal(A2C(&cfg)->policy.net_arch[0], 100);
    assert_int_equal(PPO(&cfg)->policy.n_hidden, 2);

    expect_load_error("[run]\nalgo = ppo\n[ppo]\nnet_arch = 64, 64, 64, 64, 64\n",
                      "4: [ppo] net_arch: more than 4 entries in '64, 64, 64, 64, 64'");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nnet_arch = 64, 0\n",
                      "4: [a2c] net_arch: entry 2: 0 is out of range (must be in [1, 65536])");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nnet_arch = 64,\n",
                      "4: [a2c] net_arch: expected 1 to 4 whole numbers separated by commas, got '64,'");
}

static void test_onpolicy_ranges(void **state)
{
    (void)state;
    static const struct { const char *algo, *key, *value, *reason; } bad[] = {
        {"ppo", "n_envs", "0", "0 is out of range (must be in [1, 1024])"},
        {"ppo", "n_envs", "1025", "1025 is out of range (must be in [1, 1024])"},
        {"ppo", "n_steps", "0", "0 is out of range (must be >= 1)"},
        {"ppo", "n_steps", "2.5", "expected a whole number >= 1, got '2.5'"},
        {"ppo", "batch_size", "0", "0 is out of range (must be >= 1)"},
        {"ppo", "n_epochs", "0", "0 is out of range (must be >= 1)"},
        {"ppo", "learning_rate", "0", "0 is out of range (must be in (0, 1])"},
        {"ppo", "learning_rate", "1.5", "1.5 is out of range (must be in (0, 1])"},
        {"ppo", "gamma", "1.01", "1.01 is out of range (must be in [0, 1])"},
        {"ppo", "gae_lambda", "-0.1", "-0.1 is out of range (must be in [0, 1])"},
        {"ppo", "clip_range", "0", "0 is out of range (must be in (0, 10])"},
        {"ppo", "clip_range", "10.5", "10.5 is out of range (must be in (0, 10])"},
        {"ppo", "clip_range_vf", "-0.2", "-0.2 is out of range (must be >= 0)"},
        {"ppo", "ent_coef", "-1e-3", "-1e-3 is out of range (must be >= 0)"},
        {"ppo", "vf_coef", "-0.5", "-0.5 is out of range (must be >= 0)"},
        {"ppo", "max_grad_norm", "0", "0 is out of range (must be > 0)"},
        {"ppo", "target_kl", "-0.01", "-0.01 is out of range (must be >= 0)"},
        {"ppo", "log_std_init", "inf", "expected a finite decimal number, got 'inf'"},
        {"ppo", "log_std_init", "-nan", "expected a finite decimal number, got '-nan'"},
        {"ppo", "clip_obs", "0", "0 is out of range (must be > 0)"},
        {"a2c", "n_envs", "0", "0 is out of range (must be in [1, 1024])"},
        {"a2c", "n_steps", "0", "0 is out of range (must be >= 1)"},
        {"a2c", "learning_rate", "2", "2 is out of range (must be in (0, 1])"},
        {"a2c", "gamma", "-1", "-1 is out of range (must be in [0, 1])"},
        {"a2c", "gae_lambda", "1.5", "1.5 is out of range (must be in [0, 1])"},
        {"a2c", "ent_coef", "-0.01", "-0.01 is out of range (must be >= 0)"},
        {"a2c", "vf_coef", "-1", "-1 is out of range (must be >= 0)"},
        {"a2c", "max_grad_norm", "-0.5", "-0.5 is out of range (must be > 0)"},
        {"a2c", "rms_prop_eps", "0", "0 is out of range (must be > 0)"},
        {"a2c", "clip_obs", "-10", "-10 is out of range (must be > 0)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[200], want[300];
        snprintf(text, sizeof text, "[run]\nalgo = %s\n[%s]\n%s = %s\n", bad[i].algo, bad[i].algo,
                 bad[i].key, bad[i].value);
        snprintf(want, sizeof want, "4: [%s] %s: %s", bad[i].algo, bad[i].key, bad[i].reason);
        expect_load_error(text, want);
    }

    /* boundaries that are inside */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nn_envs = 1024\nlearning_rate = 1\n"
                                     "gamma = 0\ngae_lambda = 1\nclip_range = 10\nclip_range_vf = 0\n"
                                     "ent_coef = 0\nvf_coef = 0\ntarget_kl = 0\nlog_std_init = -20\n"
                                     "clip_obs = 1e-9\n", &err, NULL), RLC_OK);
    assert_int_equal(PPO(&cfg)->n_envs, 1024);
    assert_bits_equal(PPO(&cfg)->learning_rate, 1.0);
    assert_bits_equal(PPO(&cfg)->gamma, 0.0);
    assert_bits_equal(PPO(&cfg)->gae_lambda, 1.0);
    assert_bits_equal(PPO(&cfg)->clip_range, 10.0);
    assert_bits_equal(PPO(&cfg)->policy.log_std_init, -20.0);
    assert_bits_equal(PPO(&cfg)->policy.clip_obs, 1e-9);
    assert_int_equal(load_text(&cfg, "[run]\nalgo = a2c\nenv_id = CartPole-v1\n[a2c]\ngae_lambda = 0\nlog_std_init = 1e300\n"
                                     "rms_prop_eps = 1e-300\n", &err, NULL), RLC_OK);
    assert_bits_equal(A2C(&cfg)->gae_lambda, 0.0);
    assert_bits_equal(A2C(&cfg)->policy.log_std_init, 1e300);
    assert_bits_equal(A2C(&cfg)->rms_prop_eps, 1e-300);
}

static void test_onpolicy_unknown_keys(void **state)
{
    (void)state;
    expect_load_error("[run]\ngamma = 0.9\n",
                      "2: [run] gamma: unknown key (it belongs in [ddpg], [ppo], [a2c], [trpo] or [qac])");
    expect_load_error("[run]\nclip_range = 0.2\n",
                      "2: [run] clip_range: unknown key (it belongs in [ppo])");
    expect_load_error("[eval]\nn_steps = 8\n",
                      "2: [eval] n_steps: unknown key (it belongs in [ppo], [a2c], [trpo] or [qac])");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nclip_rnage = 0.1\n",
                      "4: [ppo] clip_rnage: unknown key (did you mean 'clip_range'?)");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nbuffer_size = 100\n",
                      "4: [ppo] buffer_size: unknown key (it belongs in [ddpg])");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nuse_rms_prop = true\n",
                      "4: [ppo] use_rms_prop: unknown key (it belongs in [a2c])");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nclip_range = 0.2\n",
                      "4: [a2c] clip_range: unknown key (it belongs in [ppo])");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nnormalise_advantage = true\n",
                      "4: [a2c] normalise_advantage: unknown key (did you mean 'normalize_advantage'?)");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nn_steps = 8\n[ppo]\nn_steps = 16\n",
                      "5: [ppo]: section appears twice (first on line 3); write its keys under"
                      " one header");
    expect_load_error("[run]\nalgo = ppo\n[pop]\nn_steps = 8\n",
                      "3: [pop]: unknown section (did you mean [ppo]?)");
    expect_load_error("[foo]\nn_steps = 8\n", "1: [foo]: unknown section"); /* not ppo */
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nn_setps = 8\n",
                      "4: [ppo] n_setps: unknown key (did you mean 'n_steps'?)");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nlr = 8\n", "4: [ppo] lr: unknown key");
}

/* Defect 4 of issue 10: switching the algorithm with --set must not drop a
 * file's section of another algorithm, and a section written twice is an
 * error like a key set twice (it was merged silently). */
static void test_algo_switch_and_repeated_section(void **state)
{
    (void)state;
    const char *path = write_ini(RUN_DDPG "[ddpg]\ngamma = 0.5\n");
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_OK);
    rlc_config before = cfg;
    assert_int_equal(rlc_config_set(&cfg, "run.algo=ppo", &err), RLC_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "--set run.algo=ppo: [ddpg] gamma (%s:5) belongs to algorithm"
             " ddpg, but [run] algo would be ppo", path);
    assert_string_equal(err.message, want);
    assert_memory_equal(&cfg, &before, sizeof cfg);
    /* the same in the file alone */
    expect_load_error("[run]\nalgo = ppo\nenv_id = Pendulum-v1\n[ddpg]\ngamma = 0.5\n",
                      "4: [ddpg]: section of algorithm ddpg, but [run] algo is ppo");
    /* a section written twice, even with different keys */
    expect_load_error(RUN_DDPG "[ddpg]\ngamma = 0.5\n[ddpg]\ntau = 0.5\n",
                      "6: [ddpg]: section appears twice (first on line 4); write its keys under"
                      " one header");
    expect_load_error("[run]\nalgo = ddpg\n[eval]\neval_freq = 10\n[run]\nenv_id = Pendulum-v1\n",
                      "5: [run]: section appears twice (first on line 1); write its keys under"
                      " one header");
}

static void test_onpolicy_set(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "ppo.gamma=0.95", &err), RLC_ECONFIG);
    assert_string_equal(err.message,
                        "--set ppo.gamma=0.95: [ppo]: section of algorithm ppo, but [run] algo is ddpg"
                        " (set run.algo first)");
    assert_int_equal(rlc_config_set(&cfg, "run.algo=ppo", &err), RLC_OK);
    assert_int_equal(rlc_config_set(&cfg, "ppo.gamma=0.95", &err), RLC_OK);
    assert_bits_equal(PPO(&cfg)->gamma, 0.95);
    assert_int_equal(rlc_config_set(&cfg, "ppo.lr_schedule=linear", &err), RLC_OK);
    assert_int_equal(PPO(&cfg)->lr_schedule, RLC_SCHEDULE_LINEAR);
    assert_int_equal(rlc_config_set(&cfg, "ppo.norm_reward = Yes", &err), RLC_OK);
    assert_true(PPO(&cfg)->norm_reward);
    assert_int_equal(rlc_config_set(&cfg, "ppo.net_arch=32,32,16", &err), RLC_OK);
    assert_int_equal(PPO(&cfg)->policy.n_hidden, 3);
    assert_int_equal(rlc_config_set(&cfg, "ppo.activation_fn=relu", &err), RLC_OK);
    assert_int_equal(PPO(&cfg)->policy.activation_fn, RLC_ACT_RELU);
    rlc_config before = cfg;
    assert_int_equal(rlc_config_set(&cfg, "ppo.norm_reward=maybe", &err), RLC_ECONFIG);
    assert_string_equal(err.message,
                        "--set ppo.norm_reward=maybe: [ppo] norm_reward: expected true or false, got 'maybe'");
    assert_memory_equal(&cfg, &before, sizeof cfg);
    assert_int_equal(rlc_config_set(&cfg, "a2c.use_rms_prop=false", &err), RLC_ECONFIG);
    /* switching algorithms would silently drop the [ppo] values set above */
    before = cfg;
    assert_int_equal(rlc_config_set(&cfg, "run.algo=a2c", &err), RLC_ECONFIG);
    assert_string_equal(err.message, "--set run.algo=a2c: [ppo] lr_schedule (--set"
                        " ppo.lr_schedule=linear) belongs to algorithm ppo, but [run] algo would"
                        " be a2c");
    assert_memory_equal(&cfg, &before, sizeof cfg);
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "run.algo=a2c", &err), RLC_OK);
    assert_int_equal(rlc_config_set(&cfg, "a2c.use_rms_prop=false", &err), RLC_OK);
    assert_false(A2C(&cfg)->use_rms_prop);
}

static void test_onpolicy_validate(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;

    /* DDPG still needs a Box action space */
    rlc_config_default(&cfg);
    strcpy(cfg.env_id, "CartPole-v1");
    expect_invalid(&cfg, "[run] env_id: ddpg needs a continuous (Box) action space, CartPole-v1 has Discrete(2)");
    strcpy(cfg.algo, "ppo");
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    strcpy(cfg.algo, "a2c");
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    strcpy(cfg.env_id, "Acrobot-v1");
    expect_invalid(&cfg, "[run] env_id: unknown environment 'Acrobot-v1' (registered: CartPole-v1, Pendulum-v1)");

    /* [ppo] batch_size against the rollout n_steps × n_envs */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    strcpy(cfg.env_id, "CartPole-v1");
    PPO(&cfg)->batch_size = 4096;
    expect_invalid(&cfg, "[ppo] batch_size: 4096 is larger than the rollout (n_steps \xc3\x97 n_envs = 2048)");
    PPO(&cfg)->n_envs = 2; /* equal is fine */
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    PPO(&cfg)->n_steps = 16;
    PPO(&cfg)->n_envs = 8;
    PPO(&cfg)->batch_size = 129;
    expect_invalid(&cfg, "[ppo] batch_size: 129 is larger than the rollout (n_steps \xc3\x97 n_envs = 128)");

    /* n_steps × n_envs must be > 1 (SB3 asserts it) */
    PPO(&cfg)->n_steps = 1;
    PPO(&cfg)->n_envs = 1;
    PPO(&cfg)->batch_size = 1;
    expect_invalid(&cfg, "[ppo] n_steps: n_steps \xc3\x97 n_envs must be greater than 1, got 1 \xc3\x97 1");
    PPO(&cfg)->batch_size = 64; /* reported before the batch size */
    expect_invalid(&cfg, "[ppo] n_steps: n_steps \xc3\x97 n_envs must be greater than 1, got 1 \xc3\x97 1");
    PPO(&cfg)->n_envs = 2;
    PPO(&cfg)->batch_size = 2;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    PPO(&cfg)->n_steps = SIZE_MAX; /* the product overflows size_t: no false error */
    PPO(&cfg)->n_envs = 1024;
    PPO(&cfg)->batch_size = SIZE_MAX;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);

    /* A2C has no batch_size and one step per update is allowed */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "a2c");
    A2C(&cfg)->n_steps = 1;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);

    /* the table's ranges apply to configs built in code */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->clip_range = 0;
    expect_invalid(&cfg, "[ppo] clip_range: 0 is out of range (must be in (0, 10])");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->n_envs = 0;
    expect_invalid(&cfg, "[ppo] n_envs: 0 is out of range (must be in [1, 1024])");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->policy.log_std_init = INFINITY;
    expect_invalid(&cfg, "[ppo] log_std_init: inf is out of range (must be finite)");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->policy.activation_fn = RLC_ACT_IDENTITY;
    expect_invalid(&cfg, "[ppo] activation_fn: invalid value 0");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->clip_range_schedule = (rlc_schedule)2;
    expect_invalid(&cfg, "[ppo] clip_range_schedule: invalid value 2");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    PPO(&cfg)->policy.n_hidden = 5;
    expect_invalid(&cfg, "[ppo] net_arch: 5 entries (must be 1 to 4)");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "a2c");
    A2C(&cfg)->rms_prop_eps = 0;
    expect_invalid(&cfg, "[a2c] rms_prop_eps: 0 is out of range (must be > 0)");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "a2c");
    A2C(&cfg)->policy.clip_obs = -1;
    expect_invalid(&cfg, "[a2c] clip_obs: -1 is out of range (must be > 0)");
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "a2c");
    unsigned char two = 2; /* a bool byte that is neither false nor true */
    memcpy(&A2C(&cfg)->use_rms_prop, &two, 1);
    expect_invalid(&cfg, "[a2c] use_rms_prop: invalid value 2");

    /* only the section of the algorithm is checked */
    rlc_config_default(&cfg);
    PPO(&cfg)->clip_range = 0;
    PPO(&cfg)->batch_size = 1u << 20;
    A2C(&cfg)->rms_prop_eps = -1;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    strcpy(cfg.algo, "a2c");
    DDPG(&cfg)->tau = 0;
    expect_invalid(&cfg, "[a2c] rms_prop_eps: -1 is out of range (must be > 0)");
}

static void test_onpolicy_write_roundtrip(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;

    /* defaults of each algorithm */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    roundtrip(&cfg);
    strcpy(cfg.algo, "a2c");
    roundtrip(&cfg);

    /* [ppo] with a non-default value in every key */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    strcpy(cfg.env_id, "CartPole-v1");
    cfg.seed = 12345;
    cfg.total_timesteps = 1000000;
    rlc_ppo_config *p = PPO(&cfg);
    p->n_envs = 8;
    p->n_steps = 128;
    p->batch_size = 256;
    p->n_epochs = 4;
    p->learning_rate = 0.1 + 0.2; /* 0.30000000000000004 */
    p->lr_schedule = RLC_SCHEDULE_LINEAR;
    p->gamma = 0.999999999999;
    p->gae_lambda = 1.0 / 3.0;
    p->clip_range = 0.1;
    p->clip_range_schedule = RLC_SCHEDULE_LINEAR;
    p->clip_range_vf = 5e-324; /* smallest subnormal */
    p->normalize_advantage = false;
    p->ent_coef = 0.01;
    p->vf_coef = 1e300;
    p->max_grad_norm = 2.2250738585072014e-308;
    p->target_kl = 0.015;
    p->norm_reward = true;
    p->policy.n_hidden = 4;
    p->policy.net_arch[0] = 1;
    p->policy.net_arch[1] = 65536;
    p->policy.net_arch[2] = 17;
    p->policy.net_arch[3] = 3;
    p->policy.activation_fn = RLC_ACT_RELU;
    p->policy.ortho_init = false;
    p->policy.log_std_init = -2.302585092994046; /* log 0.1 */
    p->policy.norm_obs = true;
    p->policy.clip_obs = 5.5;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    rlc_ppo_config def_ppo;
    rlc_ppo_config_default(&def_ppo);
    assert_true(p->policy.ortho_init != def_ppo.policy.ortho_init);
    roundtrip(&cfg);

    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\nalgo = ppo\n"));
    assert_non_null(strstr(buf, "\n[ppo]\n"));
    assert_null(strstr(buf, "[ddpg]"));
    assert_null(strstr(buf, "[a2c]"));
    assert_non_null(strstr(buf, "\nlr_schedule = linear\n"));
    assert_non_null(strstr(buf, "\nnormalize_advantage = false\n"));
    assert_non_null(strstr(buf, "\nnorm_reward = true\n"));
    assert_non_null(strstr(buf, "\nnet_arch = 1, 65536, 17, 3\n"));
    assert_non_null(strstr(buf, "\nactivation_fn = relu\n"));
    assert_non_null(strstr(buf, "\nlearning_rate = 0.30000000000000004\n"));
    assert_non_null(strstr(buf, "\nclip_range = 0.1\n"));
    free(buf);

    /* [a2c] with a non-default value in every key */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "a2c");
    cfg.eval_freq = 0;
    rlc_a2c_config *a = A2C(&cfg);
    a->n_envs = 16;
    a->n_steps = 1;
    a->learning_rate = 1.0;
    a->lr_schedule = RLC_SCHEDULE_LINEAR;
    a->gamma = 0.0;
    a->gae_lambda = 0.9;
    a->ent_coef = 1e-7;
    a->vf_coef = 0.25;
    a->max_grad_norm = 40.0;
    a->use_rms_prop = false;
    a->rms_prop_eps = 1e-300;
    a->normalize_advantage = true;
    a->norm_reward = true;
    a->policy.n_hidden = 1;
    a->policy.net_arch[0] = 7;
    a->policy.activation_fn = RLC_ACT_RELU;
    a->policy.ortho_init = false;
    a->policy.log_std_init = 0.5;
    a->policy.norm_obs = true;
    a->policy.clip_obs = 1e-3;
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    roundtrip(&cfg);

    buf = NULL;
    f = open_memstream(&buf, &size);
    assert_non_null(f);
    assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\n[a2c]\n"));
    assert_null(strstr(buf, "[ppo]"));
    assert_non_null(strstr(buf, "\nuse_rms_prop = false\n"));
    assert_non_null(strstr(buf, "\nrms_prop_eps = 1e-300\n"));
    assert_non_null(strstr(buf, "\nnet_arch = 7\n"));
    assert_non_null(strstr(buf, "\nmax_grad_norm = 40\n")); /* not 4e+01 */
    free(buf);

    /* whole reals in plain digits below 1e16, exponent form above */
    static const struct { double x; const char *text; } forms[] = {
        {10.0, "\nclip_obs = 10\n"}, {150.0, "\nclip_obs = 150\n"},
        {1e15, "\nclip_obs = 1000000000000000\n"}, {1e16, "\nclip_obs = 1e+16\n"},
        {1.5e300, "\nclip_obs = 1.5e+300\n"}, {1e-5, "\nclip_obs = 1e-05\n"},
        {0.25, "\nclip_obs = 0.25\n"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        a->policy.clip_obs = forms[i].x;
        buf = NULL;
        f = open_memstream(&buf, &size);
        assert_non_null(f);
        assert_int_equal(rlc_config_write(&cfg, f), RLC_OK);
        fclose(f);
        if (!strstr(buf, forms[i].text))
            print_error("%.17g: expected '%s'\n", forms[i].x, forms[i].text + 1);
        assert_non_null(strstr(buf, forms[i].text));
        free(buf);
        roundtrip(&cfg);
    }
    A2C(&cfg)->policy.log_std_init = -250.0;
    roundtrip(&cfg);
}

/* ---- origins in validate's messages ---------------------------------------- */

/* Load `text` (which must load) and expect validate to fail with "PATH" +
 * rest, or with exactly rest if it does not start with ':'. */
static void expect_load_invalid(const char *text, const char *rest)
{
    rlc_config cfg;
    rlc_config_error err;
    const char *path;
    rlc_status st = load_text(&cfg, text, &err, &path);
    if (st != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, RLC_OK);
    char want[700];
    snprintf(want, sizeof want, "%s%s", rest[0] == ':' ? path : "", rest);
    expect_invalid(&cfg, want);
}

static void test_validate_names_origin(void **state)
{
    (void)state;
    /* settings from a file: "PATH:LINE: ", the line of the setting named */
    expect_load_invalid("[run]\nalgo = ddpg\n\nenv_id = Pendulum-v0\n",
                        ":4: [run] env_id: unknown environment 'Pendulum-v0' (registered:"
                        " CartPole-v1, Pendulum-v1)");
    expect_load_invalid("[run]\nenv_id = CartPole-v1\nalgo = ddpg\n",
                        ":2: [run] env_id: ddpg needs a continuous (Box) action space, CartPole-v1"
                        " has Discrete(2)");
    expect_load_invalid(RUN_DDPG "[ddpg]\nbuffer_size = 200000\nbatch_size = 3e5\n",
                        ":6: [ddpg] batch_size: 300000 is larger than buffer_size 200000");
    /* batch_size is the default: the message names the buffer_size the file set */
    expect_load_invalid(RUN_DDPG "[ddpg]\nbuffer_size = 100\n",
                        ":5: [ddpg] buffer_size: 100 is smaller than batch_size 256");
    expect_load_invalid("[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nbatch_size = 4096\n",
                        ":5: [ppo] batch_size: 4096 is larger than the rollout"
                        " (n_steps \xc3\x97 n_envs = 2048)");
    expect_load_invalid("[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nn_envs = 2\nn_steps = 16\n",
                        ":6: [ppo] n_steps: the rollout n_steps \xc3\x97 n_envs = 32 is smaller than"
                        " batch_size 64");
    expect_load_invalid("[run]\nalgo = ppo\nenv_id = CartPole-v1\n[ppo]\nn_steps = 1\n",
                        ":5: [ppo] n_steps: n_steps \xc3\x97 n_envs must be greater than 1, got 1"
                        " \xc3\x97 1");

    /* --set: "--set ASSIGNMENT: ", as typed, whichever source came last */
    rlc_config cfg;
    rlc_config_error err;
    const char *path;
    assert_int_equal(load_text(&cfg, RUN_DDPG "[ddpg]\nbuffer_size = 200000\n", &err, &path), RLC_OK);
    assert_int_equal(rlc_config_set(&cfg, "run.env_id=Pendulum-v0", &err), RLC_OK);
    expect_invalid(&cfg, "--set run.env_id=Pendulum-v0: [run] env_id: unknown environment"
                         " 'Pendulum-v0' (registered: CartPole-v1, Pendulum-v1)");
    assert_int_equal(rlc_config_set(&cfg, "run.env_id=Pendulum-v1", &err), RLC_OK);
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_OK);
    assert_int_equal(rlc_config_set(&cfg, " ddpg.batch_size = 3e5", &err), RLC_OK);
    expect_invalid(&cfg, "--set  ddpg.batch_size = 3e5: [ddpg] batch_size: 300000 is larger than"
                         " buffer_size 200000");
    /* a later file line replaces the --set origin */
    const char *path2 = write_ini(RUN_DDPG "\n[ddpg]\nbatch_size = 250000\n");
    assert_int_equal(rlc_config_load(&cfg, path2, &err), RLC_OK);
    char want[700];
    snprintf(want, sizeof want,
             "%s:6: [ddpg] batch_size: 250000 is larger than buffer_size 200000", path2);
    expect_invalid(&cfg, want);

    /* the env in code, the algorithm from --set: the message names algo */
    rlc_config_default(&cfg);
    strcpy(cfg.algo, "ppo");
    strcpy(cfg.env_id, "CartPole-v1");
    assert_int_equal(rlc_config_set(&cfg, "run.algo=ddpg", &err), RLC_OK);
    expect_invalid(&cfg, "--set run.algo=ddpg: [run] algo: ddpg needs a continuous (Box) action"
                         " space, CartPole-v1 has Discrete(2)");
    /* n_steps in code, n_envs from --set */
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "run.algo=ppo", &err), RLC_OK);
    PPO(&cfg)->n_steps = 16;
    assert_int_equal(rlc_config_set(&cfg, "ppo.n_envs=2", &err), RLC_OK);
    expect_invalid(&cfg, "--set ppo.n_envs=2: [ppo] n_envs: the rollout n_steps \xc3\x97 n_envs"
                         " = 32 is smaller than batch_size 64");

    /* defaults and values set in code: no origin, messages as before */
    rlc_config_default(&cfg);
    DDPG(&cfg)->batch_size = DDPG(&cfg)->buffer_size + 1;
    expect_invalid(&cfg, "[ddpg] batch_size: 1000001 is larger than buffer_size 1000000");
    /* rlc_config_default forgets the origins */
    assert_int_equal(load_text(&cfg, "[run]\nalgo = ddpg\nenv_id = Nope-v0\n", &err, NULL), RLC_OK);
    rlc_config_default(&cfg);
    strcpy(cfg.env_id, "Nope-v0");
    expect_invalid(&cfg, "[run] env_id: unknown environment 'Nope-v0' (registered: CartPole-v1,"
                         " Pendulum-v1)");

    /* an origin too long for its field is shortened, not overflowed */
    char set[400] = "run.env_id=Nope-v0";
    memset(set + strlen(set), ' ', 300);
    set[318] = '\0';
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, set, &err), RLC_OK);
    assert_int_equal(rlc_config_validate(&cfg, &err), RLC_ECONFIG);
    assert_memory_equal(err.message, "--set run.env_id=Nope-v0    ", 28);
    assert_non_null(strstr(err.message, "   ...: [run] env_id: unknown environment 'Nope-v0'"));
}

/* ---- surely-mistaken files ---------------------------------------------- */

static void test_config_names_algo_and_env(void **state)
{
    (void)state;
    static const char *const missing_algo = " [run] algo: missing; every config names its algorithm"
                                            " and environment";
    expect_load_error("", missing_algo);
    expect_load_error("# only a comment\n\n; and another\n", missing_algo);
    expect_load_error("[run]\nenv_id = Pendulum-v1\n[ddpg]\ngamma = 0.9\n", missing_algo);
    expect_load_error("[run]\nalgo = ddpg\n",
                      " [run] env_id: missing; every config names its algorithm and environment");
    /* cfg unchanged */
    const char *path = write_ini("[run]\nseed = 5\nalgo = ddpg\n");
    rlc_config cfg, before;
    rlc_config_error err;
    rlc_config_default(&cfg);
    before = cfg;
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_ECONFIG);
    assert_memory_equal(&cfg, &before, sizeof cfg);

    /* an empty section name is a syntax error on its line */
    expect_load_error("[]\n", "1: syntax error: empty section name");
    expect_load_error(RUN_DDPG "[ \t]\ngamma = 0.9\n", "4: syntax error: empty section name");
    expect_load_error(RUN_DDPG "[] ; nothing\n", "4: syntax error: empty section name");
}

/* ---- NUL bytes, binary files, long lines ------------------------------- */

/* Write len bytes (NULs included) to a new temp file; returns its path. */
static const char *write_bytes(const char *bytes, size_t len)
{
    const char *path = write_ini("");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void expect_bytes_error(const char *bytes, size_t len, const char *rest)
{
    const char *path = write_bytes(bytes, len);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_load(&cfg, path, &err), RLC_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s:%s", path, rest);
    assert_string_equal(err.message, want);
}

#define BYTES(lit) lit, sizeof lit - 1

static void test_nul_and_binary(void **state)
{
    (void)state;
    /* was read as "seed = 1" */
    expect_bytes_error(BYTES(RUN_DDPG "seed = 1\0garbage\n"),
                       "4: contains a NUL byte (not a text file?)");
    expect_bytes_error(BYTES("\0\0\0\0"), "1: contains a NUL byte (not a text file?)");
    expect_bytes_error(BYTES(RUN_DDPG "; a comment\0\n"), "4: contains a NUL byte (not a text file?)");
    /* an error on an earlier line comes first */
    expect_bytes_error(BYTES("[run]\nsed = 1\n\0"), "2: [run] sed: unknown key (did you mean 'seed'?)");
    /* other control bytes: a binary file says so (an ELF file starts with DEL) */
    expect_bytes_error(BYTES("\x7f" "ELF\x02\x01\x01"), "1: contains control character 0x7F (not a text file?)");
    expect_bytes_error(BYTES("[run]\nalgo = ddpg\x1b[0m\n"),
                       "2: contains control character 0x1B (not a text file?)");
    /* tab, CR, VT and FF are whitespace */
    rlc_config cfg;
    rlc_config_error err;
    assert_int_equal(load_text(&cfg, RUN_DDPG "\f\n\tseed\v=\t7\r\n", &err, NULL), RLC_OK);
    assert_true(cfg.seed == 7);

    /* /dev/zero: the first byte, not an endless loop (the alarm fails the
     * test instead of hanging it) */
    rlc_config_default(&cfg);
    alarm(20);
    assert_int_equal(rlc_config_load(&cfg, "/dev/zero", &err), RLC_ECONFIG);
    alarm(0);
    assert_string_equal(err.message, "/dev/zero:1: contains a NUL byte (not a text file?)");
}

/* A file of RUN_DDPG, then `line` (no newline added), then "seed = 4\n". */
static rlc_status load_long(const char *line, rlc_config *cfg, rlc_config_error *err,
                            const char **path)
{
    size_t n = strlen(RUN_DDPG) + strlen(line) + 16;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%sseed = 4\n%s", RUN_DDPG, line);
    rlc_status st = load_text(cfg, text, err, path);
    free(text);
    return st;
}

/* `prefix` + `fill` repeated up to `len` characters + `end`, in a static buffer. */
static const char *long_line(const char *prefix, char fill, size_t len, const char *end)
{
    static char buf[4 * RLC_CONFIG_LINE_MAX];
    assert_true(len + strlen(end) < sizeof buf);
    size_t p = strlen(prefix);
    memcpy(buf, prefix, p);
    memset(buf + p, fill, len - p);
    strcpy(buf + len, end);
    return buf;
}

static void test_long_lines(void **state)
{
    (void)state;
    rlc_config cfg;
    rlc_config_error err;
    const char *path;
    char want[700];
    const int max = RLC_CONFIG_LINE_MAX;
    assert_true(max >= 1000);

    /* the old limit: 199 and 200 characters are both fine now */
    static const char *const kinds[] = {"; ", "# ", "gamma = 0.5 ; ", "gamma = 0.5 # "};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const size_t lens[] = {199, 200, 1000, (size_t)max};
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            char head[64];
            snprintf(head, sizeof head, "[ddpg]\n%s", kinds[k]);
            /* the line is lens[i] characters long: "[ddpg]\n" is the line before */
            const char *text = long_line(head, 'c', strlen("[ddpg]\n") + lens[i], "\n");
            rlc_status st = load_long(text, &cfg, &err, NULL);
            if (st != RLC_OK)
                print_error("'%s' line of %zu: %s\n", kinds[k], lens[i], err.message);
            assert_int_equal(st, RLC_OK);
            assert_true(cfg.seed == 4);
            if (kinds[k][0] == 'g')
                assert_bits_equal(DDPG(&cfg)->gamma, 0.5);
            /* and with "\r\n" */
            text = long_line(head, 'c', strlen("[ddpg]\n") + lens[i], "\r\n");
            st = load_long(text, &cfg, &err, NULL);
            if (st != RLC_OK)
                print_error("'%s' line of %zu with CRLF: %s\n", kinds[k], lens[i], err.message);
            assert_int_equal(st, RLC_OK);
        }
        /* one more is too long, for comments and keys alike, message and limit agreeing */
        char head[64];
        snprintf(head, sizeof head, "[ddpg]\n%s", kinds[k]);
        const char *text = long_line(head, 'c', strlen("[ddpg]\n") + (size_t)max + 1, "\n");
        assert_int_equal(load_long(text, &cfg, &err, &path), RLC_ECONFIG);
        snprintf(want, sizeof want, "%s:6: line longer than %d characters", path, max);
        assert_string_equal(err.message, want);
        /* also without a line end, as the last line */
        text = long_line(head, 'c', strlen("[ddpg]\n") + 3 * (size_t)max, "");
        assert_int_equal(load_text(&cfg, text, &err, &path), RLC_ECONFIG);
        snprintf(want, sizeof want, "%s:2: line longer than %d characters", path, max);
        assert_string_equal(err.message, want);
    }

    /* a long value is read whole: net_arch with 240 spaces in it */
    const char *text = long_line("[ddpg]\nnet_arch = 64,", ' ', 260, "32\n");
    rlc_status st = load_long(text, &cfg, &err, NULL);
    if (st != RLC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, RLC_OK);
    assert_int_equal(DDPG(&cfg)->n_hidden, 2);
    assert_int_equal(DDPG(&cfg)->net_arch[1], 32);
    /* values over 255 characters, long keys, sections and junk are errors */
    text = long_line("[ddpg]\nnet_arch = 64,", ' ', 300, "32\n");
    assert_int_equal(load_long(text, &cfg, &err, &path), RLC_ECONFIG);
    snprintf(want, sizeof want, "%s:6: [ddpg] net_arch: value longer than 255 characters", path);
    assert_string_equal(err.message, want);
    text = long_line("[ddpg]\n", 'k', 600, " = 1\n");
    assert_int_equal(load_long(text, &cfg, &err, &path), RLC_ECONFIG);
    snprintf(want, sizeof want, "%s:6: [ddpg] %s...: unknown key", path,
             long_line("", 'k', 37, ""));
    assert_string_equal(err.message, want);
    text = long_line("[", 's', 600, "]\nx = 1\n");
    assert_int_equal(load_long(text, &cfg, &err, &path), RLC_ECONFIG);
    snprintf(want, sizeof want, "%s:5: [%s...]: unknown section", path, long_line("", 's', 37, ""));
    assert_string_equal(err.message, want);
    text = long_line("[ddpg]\n", 'j', 600, "\n");
    assert_int_equal(load_long(text, &cfg, &err, &path), RLC_ECONFIG);
    snprintf(want, sizeof want, "%s:6: syntax error: expected '[section]' or 'key = value'", path);
    assert_string_equal(err.message, want);
}

/* ---- whole numbers: the key's range in every message ----------------------- */

static void test_whole_number_messages_state_range(void **state)
{
    (void)state;
    /* was "expected a whole number >= 0" although batch_size is >= 1 */
    expect_load_error(RUN_DDPG "[ddpg]\nbatch_size = -5\n",
                      "5: [ddpg] batch_size: expected a whole number >= 1, got '-5'");
    expect_load_error(RUN_DDPG "[ddpg]\nbatch_size = 2.5\n",
                      "5: [ddpg] batch_size: expected a whole number >= 1, got '2.5'");
    expect_load_error(RUN_DDPG "seed = -1\n", "4: [run] seed: expected a whole number >= 0, got '-1'");
    expect_load_error("[eval]\neval_freq = -1\n",
                      "2: [eval] eval_freq: expected a whole number >= 0, got '-1'");
    expect_load_error("[run]\nalgo = ppo\n[ppo]\nn_envs = 2.5\n",
                      "4: [ppo] n_envs: expected a whole number in [1, 1024], got '2.5'");
    expect_load_error("[run]\nalgo = a2c\n[a2c]\nn_envs = -1\n",
                      "4: [a2c] n_envs: expected a whole number in [1, 1024], got '-1'");
    expect_load_error(RUN_DDPG "[ddpg]\nnet_arch = 64, -1\n",
                      "5: [ddpg] net_arch: entry 2: expected a whole number in [1, 65536], got '-1'");
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    assert_int_equal(rlc_config_set(&cfg, "ddpg.batch_size=-5", &err), RLC_ECONFIG);
    assert_string_equal(err.message,
                        "--set ddpg.batch_size=-5: [ddpg] batch_size: expected a whole number >= 1,"
                        " got '-5'");
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_float_forms),
        cmocka_unit_test(test_gamma_leading_dot),
        cmocka_unit_test(test_integer_forms),
        cmocka_unit_test(test_batch_size_fraction),
        cmocka_unit_test(test_integer_rejects),
        cmocka_unit_test(test_real_rejects),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_choices),
        cmocka_unit_test(test_net_arch),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_duplicate_and_indented_keys),
        cmocka_unit_test(test_syntax_error_and_long_line),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_text_after_section_header),
        cmocka_unit_test(test_algo_switch_and_repeated_section),
        cmocka_unit_test(test_whole_notation_exact),
        cmocka_unit_test(test_cr_line_endings),
        cmocka_unit_test(test_algorithm_section_mismatch),
        cmocka_unit_test(test_error_leaves_config_unchanged),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_trpo_sub_sampling_bound),
        cmocka_unit_test(test_write_roundtrip),
        cmocka_unit_test(test_write_text),
        cmocka_unit_test(test_reward_threshold),
        cmocka_unit_test(test_print_help),
        cmocka_unit_test(test_onpolicy_defaults),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_onpolicy_choices),
        cmocka_unit_test(test_onpolicy_net_arch),
        cmocka_unit_test(test_onpolicy_ranges),
        cmocka_unit_test(test_onpolicy_unknown_keys),
        cmocka_unit_test(test_onpolicy_set),
        cmocka_unit_test(test_onpolicy_validate),
        cmocka_unit_test(test_onpolicy_write_roundtrip),
        cmocka_unit_test(test_validate_names_origin),
        cmocka_unit_test(test_config_names_algo_and_env),
        cmocka_unit_test(test_nul_and_binary),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_whole_number_messages_state_range),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
