/* test_agent.c — the algorithm seam: what every registered agent type
 * declares (settings rows, defaults, statistics, hooks of its kind), and
 * that a library caller who builds an agent directly meets the same
 * settings rules as a config file. Training itself is tested per
 * algorithm (test_ddpg.c, test_onpolicy.c). */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
#include "rlc/ddpg.h"
#include "rlc/ppo.h"
#include "test_util.h"

/* Every type: a name that finds it, rows with keys and help, defaults that
 * pass its own check, unique statistic names, and the hooks of its kind. */
static void test_registry_declarations(void **s)
{
    (void)s;
    size_t n = 0;
    for (const rlc_agent_type *const *t = rlc_agent_registry; *t; t++, n++) {
        const rlc_agent_type *a = *t;
        assert_ptr_equal(rlc_agent_find(a->name), a);
        assert_int_equal(rlc_agent_index(a), n);
        assert_non_null(a->description);
        assert_true(a->box_actions || a->discrete_actions);
        assert_true(a->settings_size > 0 && a->settings_size <= RLC_AGENT_SETTINGS_MAX);
        assert_true(a->n_settings_rows > 0);
        for (size_t i = 0; i < a->n_settings_rows; i++) {
            const rlc_setting *r = &a->settings_rows[i];
            assert_non_null(r->key);
            assert_non_null(r->help);
            assert_true(r->offset < a->settings_size);
            assert_ptr_equal(rlc_settings_find(a->settings_rows, a->n_settings_rows, r->key), r);
        }
        void *def = calloc(1, a->settings_size);
        a->settings_default(def);
        rlc_agent_settings_error e;
        assert_int_equal(rlc_agent_check_settings(a, def, NULL, NULL, &e), RLC_OK);
        free(def);
        assert_true(a->n_stats > 0 && a->n_stats <= RLC_AGENT_MAX_STATS);
        for (size_t i = 0; i < a->n_stats; i++)
            for (size_t j = 0; j < i; j++)
                assert_true(strcmp(a->stat_names[i], a->stat_names[j]) != 0);
        assert_non_null(a->create);
        assert_non_null(a->free);
        assert_non_null(a->predict);
        assert_non_null(a->tensors);
        if (a->kind == RLC_AGENT_OFF_POLICY)
            assert_true(a->explore && a->episode_start && a->store && a->after_step);
        else
            assert_true(a->onpolicy_settings && a->normalize_obs && a->act && a->bootstrap &&
                        a->update);
    }
    assert_true(n >= 3 && n <= RLC_AGENT_MAX_TYPES);
    assert_null(rlc_agent_find("nope"));
    assert_null(rlc_agent_find(NULL));
    assert_int_equal(rlc_agent_index(NULL), RLC_AGENT_MAX_TYPES);
}

/* Statistics are read back by name; a name the type does not report is NaN. */
static void test_stats_by_name(void **s)
{
    (void)s;
    rlc_train_stats st;
    rlc_train_stats_init(&st);
    assert_int_equal(st.n_updates, 0);
    assert_true(isnan(rlc_train_stats_get(&rlc_agent_ppo, &st, "approx_kl")));
    st.values[0] = 1.5;
    st.values[1] = 2.5;
    assert_near(rlc_train_stats_get(&rlc_agent_ddpg, &st, "actor_loss"), 1.5, 0);
    assert_near(rlc_train_stats_get(&rlc_agent_ddpg, &st, "critic_loss"), 2.5, 0);
    assert_near(rlc_train_stats_get(&rlc_agent_ppo, &st, "policy_loss"), 1.5, 0);
    assert_true(isnan(rlc_train_stats_get(&rlc_agent_a2c, &st, "approx_kl")));
    assert_true(isnan(rlc_train_stats_get(&rlc_agent_ddpg, &st, "policy_loss")));
}

/* Building an agent in code goes through the rows and cross-checks a
 * config file goes through: each out-of-range or inconsistent struct is
 * RLC_EINVAL with no agent, and the check names the key. */
static void test_create_checks_settings(void **s)
{
    (void)s;
    const rlc_env_type *pendulum = rlc_env_find("Pendulum-v1");
    const rlc_env_type *cartpole = rlc_env_find("CartPole-v1");
    void *agent = (void *)1;
    rlc_agent_settings_error e;

    rlc_ddpg_config d;
    rlc_ddpg_config_default(&d);
    d.batch_size = d.buffer_size + 1;
    assert_int_equal(rlc_agent_ddpg.create(&agent, &d, pendulum, 1), RLC_EINVAL);
    assert_null(agent);
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ddpg, &d, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "batch_size");
    assert_string_equal(e.reason, "1000001 is larger than buffer_size 1000000");
    rlc_ddpg_config_default(&d);
    d.tau = 0.0; /* (0, 1] */
    assert_int_equal(rlc_agent_ddpg.create(&agent, &d, pendulum, 1), RLC_EINVAL);
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ddpg, &d, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "tau");
    assert_string_equal(e.reason, "0 is out of range (must be in (0, 1])");
    rlc_ddpg_config_default(&d);
    d.n_hidden = 0;
    assert_int_equal(rlc_agent_ddpg.create(&agent, &d, pendulum, 1), RLC_EINVAL);
    rlc_ddpg_config_default(&d); /* valid settings, Discrete actions */
    assert_int_equal(rlc_agent_ddpg.create(&agent, &d, cartpole, 1), RLC_EINVAL);
    assert_int_equal(rlc_agent_ddpg.create(&agent, &d, NULL, 1), RLC_EINVAL);

    rlc_ppo_config p;
    rlc_ppo_config_default(&p);
    p.n_steps = 16; /* rollout 16 < batch_size 64 */
    assert_int_equal(rlc_agent_ppo.create(&agent, &p, cartpole, 1), RLC_EINVAL);
    assert_null(agent);
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ppo, &p, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "batch_size");
    rlc_ppo_config_default(&p);
    p.n_steps = 1; /* a one-row rollout */
    p.batch_size = 1;
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ppo, &p, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "n_steps");
    rlc_ppo_config_default(&p);
    p.policy.activation_fn = RLC_ACT_IDENTITY; /* not offered */
    assert_int_equal(rlc_agent_ppo.create(&agent, &p, cartpole, 1), RLC_EINVAL);
    rlc_ppo_config_default(&p);
    p.n_envs = 1025;
    assert_int_equal(rlc_agent_ppo.create(&agent, &p, cartpole, 1), RLC_EINVAL);

    rlc_a2c_config a;
    rlc_a2c_config_default(&a);
    a.rms_prop_eps = 0.0;
    assert_int_equal(rlc_agent_a2c.create(&agent, &a, cartpole, 1), RLC_EINVAL);
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_a2c, &a, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "rms_prop_eps");

    /* and the defaults build */
    rlc_a2c_config_default(&a);
    assert_int_equal(rlc_agent_a2c.create(&agent, &a, cartpole, 1), RLC_OK);
    rlc_agent_a2c.free(agent);
}

/* A cross-check blames the key the user set: DDPG's buffer_size when only
 * it was set, batch_size otherwise. */
static int only_buffer(const void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "buffer_size") == 0;
}

/* batch_size from a file (1), buffer_size from --set (2): the override is blamed */
static int buffer_overrides(const void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "buffer_size") == 0 ? 2 : strcmp(key, "batch_size") == 0 ? 1 : 0;
}

static void test_check_blames_user_key(void **s)
{
    (void)s;
    rlc_ddpg_config d;
    rlc_ddpg_config_default(&d);
    d.buffer_size = 100;
    rlc_agent_settings_error e;
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ddpg, &d, only_buffer, NULL, &e),
                     RLC_EINVAL);
    assert_string_equal(e.key, "buffer_size");
    assert_string_equal(e.reason, "100 is smaller than batch_size 256");
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ddpg, &d, buffer_overrides, NULL, &e),
                     RLC_EINVAL);
    assert_string_equal(e.key, "buffer_size");
    assert_int_equal(rlc_agent_check_settings(&rlc_agent_ddpg, &d, NULL, NULL, &e), RLC_EINVAL);
    assert_string_equal(e.key, "batch_size");
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_declarations),
        cmocka_unit_test(test_stats_by_name),
        cmocka_unit_test(test_create_checks_settings),
        cmocka_unit_test(test_check_blames_user_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
