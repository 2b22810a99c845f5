/* test_onpolicy.c — PPO and A2C through the on-policy runner: KL early
 * stopping and the update count (pitfall B08, and a stop partway through),
 * the linear learning-rate schedule (B29), a one-sample minibatch (B06),
 * frozen normalisation statistics during evaluation (B18), truncation-only
 * Pendulum episodes (B01 E2E), reproducibility; the options through the
 * agents (value clipping and the entropy bonus in PPO's update, A2C with
 * Adam, relu networks with PyTorch's default init), and the runners
 * refusing an agent of the wrong kind or envs of the wrong count.
 * Deliberately not here: the losses' values (test_policy.c, test_reference.c). */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/ddpg.h"
#include "rlc/policy.h"
#include "rlc/ppo.h"
#include "rlc/rng.h"
#include "test_collect.h"
#include "test_util.h"

#define MAX_LOG 64

typedef struct {
    const rlc_agent_type *type;
    size_t n_progress, n_episodes, n_evals, bad_lengths;
    rlc_train_stats log[MAX_LOG];
    bool all_finite;
} record;

static rlc_status rec_episode(void *p, double r, size_t len, size_t t)
{
    (void)t;
    record *c = p;
    c->n_episodes++;
    if (len != 200)
        c->bad_lengths++;
    c->all_finite &= isfinite(r);
    return RLC_OK;
}

static rlc_status rec_progress(void *p, size_t t, const rlc_train_stats *s)
{
    (void)t;
    record *c = p;
    if (c->n_progress < MAX_LOG)
        c->log[c->n_progress] = *s;
    c->n_progress++;
    c->all_finite &= isfinite(rlc_train_stats_get(c->type, s, "policy_loss")) &&
                     isfinite(rlc_train_stats_get(c->type, s, "value_loss")) &&
                     isfinite(rlc_train_stats_get(c->type, s, "entropy"));
    return RLC_OK;
}

/* Train `type` with `settings` on env_id for total steps; returns the agent
 * (caller frees) and fills rec. */
static void *train(const rlc_agent_type *type, const void *settings, const char *env_id,
                   uint64_t seed, size_t total, size_t eval_freq, record *rec)
{
    const rlc_env_type *et = rlc_env_find(env_id);
    void *agent;
    assert_int_equal(type->create(&agent, settings, et, seed), RLC_OK);
    rlc_onpolicy_settings set = type->onpolicy_settings(agent);
    rlc_vec_env *venv;
    assert_int_equal(rlc_vec_env_create(&venv, et, set.n_envs, seed, RLC_RNG_ENV), RLC_OK);
    rlc_vec_env *eval_envs;
    assert_int_equal(rlc_vec_env_create(&eval_envs, et, 1, seed, RLC_RNG_EVAL_ENV), RLC_OK);
    /* log_interval 1: a progress row after every update */
    rlc_runner_config rc = {.total_timesteps = total, .log_interval = 1, .eval_freq = eval_freq};
    memset(rec, 0, sizeof *rec);
    rec->type = type;
    rec->all_finite = true;
    rlc_runner_callbacks cb = {.ctx = rec, .on_episode = rec_episode, .on_progress = rec_progress};
    assert_int_equal(rlc_runner_onpolicy(type, agent, venv, eval_envs, &rc, &cb), RLC_OK);
    rlc_vec_env_free(eval_envs);
    rlc_vec_env_free(venv);
    return agent;
}

static gsl_vector *params(const rlc_agent_type *type, void *agent)
{
    rlc_agent_tensor t[RLC_AGENT_MAX_TENSORS];
    type->tensors(agent, t);
    return t[0].value;
}

/* B08 (a): the k3 estimator on log-ratios [0.3, −0.3, 0.2, −0.2] is
 * 0.0327026, above 1.5·0.01, although mean(−log ρ) is exactly 0 here. */
static void test_approx_kl_b08(void **s)
{
    (void)s;
    const double lr[4] = {0.3, -0.3, 0.2, -0.2};
    double k = rlc_ppo_approx_kl(lr, 4);
    assert_near(k, 0.0327026, 5e-8);
    assert_true(k > 1.5 * 0.01);
    assert_near(rlc_ppo_approx_kl(lr, 0), 0.0, 0);
}

/* B08 (b): 4 minibatches × 10 epochs with target_kl = 1e-12: the first
 * minibatch (KL 0: the policy has not moved) is applied, the second trips
 * the stop before its step, so each rollout makes exactly 1 optimiser step
 * and the log says so. */
static void test_ppo_kl_early_stop_b08(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 64;
    c.batch_size = 16;
    c.n_epochs = 10;
    c.target_kl = 1e-12;
    record r;
    void *a = train(&rlc_agent_ppo, &c, "CartPole-v1", 1, 3 * 64, 0, &r);
    assert_int_equal(r.n_progress, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(r.log[k].n_updates, k + 1);
    rlc_agent_ppo.free(a);
    /* without the early stop: 4 × 10 steps per rollout */
    c.target_kl = 0.0;
    a = train(&rlc_agent_ppo, &c, "CartPole-v1", 1, 64, 0, &r);
    assert_int_equal(r.log[0].n_updates, 40);
    rlc_agent_ppo.free(a);
}

/* B29: lr 3e-4 annealed linearly, 2048 steps in rollouts of 512 → updates use
 * [3e-4, 2.25e-4, 1.5e-4, 7.5e-5] (CleanRL's convention, documented in
 * agent.h), never negative, and the logged column matches. */
static void test_ppo_linear_lr_b29(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 512;
    c.batch_size = 128;
    c.n_epochs = 1;
    c.learning_rate = 3e-4;
    c.lr_schedule = RLC_SCHEDULE_LINEAR;
    record r;
    void *a = train(&rlc_agent_ppo, &c, "CartPole-v1", 2, 2048, 0, &r);
    const double expect[4] = {3e-4, 2.25e-4, 1.5e-4, 7.5e-5};
    assert_int_equal(r.n_progress, 4);
    for (size_t k = 0; k < 4; k++)
        assert_near(rlc_train_stats_get(&rlc_agent_ppo, &r.log[k], "learning_rate"), expect[k],
                    1e-19);
    rlc_agent_ppo.free(a);
}

/* B06 E2E: 1 env, rollout 5, minibatch 4 → every epoch ends with a
 * one-sample minibatch; nothing becomes NaN. */
static void test_ppo_single_sample_minibatch_b06(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 5;
    c.batch_size = 4;
    record r;
    void *a = train(&rlc_agent_ppo, &c, "CartPole-v1", 3, 15, 0, &r);
    assert_int_equal(r.n_progress, 3);
    assert_true(r.all_finite);
    assert_int_equal(r.log[2].n_updates, 3 * 10 * 2);
    gsl_vector *p = params(&rlc_agent_ppo, a);
    for (size_t i = 0; i < p->size; i++)
        assert_true(isfinite(p->data[i]));
    rlc_agent_ppo.free(a);
}

/* B18 E2E: with observation normalisation, evaluating (often) or not gives
 * the same training: evaluation never updates the statistics. Also B01 E2E:
 * every Pendulum episode is truncated at 200. */
static void test_eval_does_not_touch_training_b18(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_envs = 2;
    c.n_steps = 200;
    c.policy.norm_obs = true;
    c.norm_reward = true;
    record r1, r2;
    void *a = train(&rlc_agent_ppo, &c, "Pendulum-v1", 4, 1600, 400, &r1);
    void *b = train(&rlc_agent_ppo, &c, "Pendulum-v1", 4, 1600, 0, &r2);
    gsl_vector *pa = params(&rlc_agent_ppo, a), *pb = params(&rlc_agent_ppo, b);
    assert_memory_equal(pa->data, pb->data, pa->size * sizeof(double));
    /* the observation statistics: "obs_mean", "obs_var", "obs_count" after "policy" */
    rlc_agent_tensor ta[RLC_AGENT_MAX_TENSORS], tb[RLC_AGENT_MAX_TENSORS];
    assert_int_equal(rlc_agent_ppo.tensors(a, ta), 4);
    assert_int_equal(rlc_agent_ppo.tensors(b, tb), 4);
    assert_string_equal(ta[3].name, "obs_count");
    for (size_t i = 1; i < 4; i++)
        assert_memory_equal(ta[i].value->data, tb[i].value->data,
                            ta[i].value->size * sizeof(double));
    /* the reset observations count too */
    assert_near(gsl_vector_get(ta[3].value, 0), 1600 + 2 + 1e-4, 1e-9);
    assert_int_equal(r1.n_episodes, 8);
    assert_int_equal(r1.bad_lengths, 0);
    assert_true(r1.all_finite);
    rlc_agent_ppo.free(a);
    rlc_agent_ppo.free(b);
}

/* A2C on Pendulum: every episode truncated at 200, one update per rollout,
 * same seed → bitwise-equal parameters, another seed → different. */
static void test_a2c_reproducible(void **s)
{
    (void)s;
    rlc_a2c_config c;
    rlc_a2c_config_default(&c);
    c.n_envs = 4;
    record r1, r2, r3;
    void *a = train(&rlc_agent_a2c, &c, "Pendulum-v1", 5, 2000, 0, &r1);
    void *b = train(&rlc_agent_a2c, &c, "Pendulum-v1", 5, 2000, 0, &r2);
    void *d = train(&rlc_agent_a2c, &c, "Pendulum-v1", 6, 2000, 0, &r3);
    assert_int_equal(r1.n_progress, 100);
    assert_int_equal(r1.log[MAX_LOG - 1].n_updates, MAX_LOG);
    assert_int_equal(r1.n_episodes, 8);
    assert_int_equal(r1.bad_lengths, 0);
    gsl_vector *pa = params(&rlc_agent_a2c, a), *pb = params(&rlc_agent_a2c, b),
               *pd = params(&rlc_agent_a2c, d);
    assert_memory_equal(pa->data, pb->data, pa->size * sizeof(double));
    assert_memory_not_equal(pa->data, pd->data, pa->size * sizeof(double));
    rlc_agent_a2c.free(a);
    rlc_agent_a2c.free(b);
    rlc_agent_a2c.free(d);
}

/* Deterministic evaluation (B32 E2E): the same policy evaluated twice on
 * equally seeded envs gives identical returns, and each copy's return is the
 * episode that copy's generator gives a single env driven one observation
 * at a time (batched prediction changes nothing but speed). */
static void check_evaluation(const char *env_id, double tol)
{
    enum { N = 5 };
    const rlc_env_type *et = rlc_env_find(env_id);
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 64;
    record r;
    void *a = train(&rlc_agent_ppo, &c, env_id, 7, 64, 0, &r);
    double ret[2][N], actions[N * 8];
    for (int k = 0; k < 2; k++) {
        rlc_vec_env *e;
        assert_int_equal(rlc_vec_env_create(&e, et, N, 7, RLC_RNG_EVAL_ENV), RLC_OK);
        rlc_runner_evaluate(&rlc_agent_ppo, a, e, actions, ret[k]);
        rlc_vec_env_free(e);
    }
    assert_memory_equal(ret[0], ret[1], sizeof ret[0]);
    for (size_t i = 0; i < N; i++) {
        gsl_rng *g = rlc_rng_create_indexed(7, RLC_RNG_EVAL_ENV, i);
        rlc_env *e;
        assert_int_equal(rlc_env_create(&e, et, g), RLC_OK);
        double obs[8], act[8], rew, total = 0.0;
        bool term, trunc;
        rlc_env_reset(e, obs);
        do {
            rlc_agent_ppo.predict(a, 1, obs, act);
            for (size_t j = 0; j < et->action_space.dim; j++)
                if (et->action_space.kind == RLC_SPACE_BOX)
                    assert_true(act[j] >= et->action_space.low[j] && act[j] <= et->action_space.high[j]);
                else
                    assert_true(act[j] == 0.0 || act[j] == 1.0);
            rlc_env_step(e, act, obs, &rew, &term, &trunc);
            total += rew;
        } while (!term && !trunc);
        assert_near(ret[0][i], total, tol * fabs(total));
        rlc_env_free(e);
        gsl_rng_free(g);
    }
    for (size_t i = 1; i < N; i++) /* the copies start from different states */
        assert_true(ret[0][i] != ret[0][0] || strcmp(env_id, "CartPole-v1") == 0);
    rlc_agent_ppo.free(a);
}

static void test_evaluation_pendulum(void **s)
{
    (void)s;
    check_evaluation("Pendulum-v1", 1e-9);
}

static void test_evaluation_cartpole(void **s)
{
    (void)s;
    check_evaluation("CartPole-v1", 0.0);
}

/* target_kl at a value an update reaches partway (0.01): each rollout's
 * update stops after more than one and fewer than all 8 × 10 minibatch
 * steps, on a minibatch whose approx KL exceeded 1.5·target_kl. */
static void test_ppo_target_kl_partial(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 256;
    c.batch_size = 32;
    c.n_epochs = 10;
    c.learning_rate = 2e-3;
    c.target_kl = 0.01;
    record r;
    void *a = train(&rlc_agent_ppo, &c, "CartPole-v1", 8, 3 * 256, 0, &r);
    assert_int_equal(r.n_progress, 3);
    size_t before = 0;
    for (size_t k = 0; k < 3; k++) {
        size_t steps = r.log[k].n_updates - before;
        assert_true(steps > 1 && steps < 8 * 10);
        assert_true(rlc_train_stats_get(&rlc_agent_ppo, &r.log[k], "approx_kl") > 1.5 * 0.01);
        before = r.log[k].n_updates;
    }
    rlc_agent_ppo.free(a);
}

/* One PPO update on a collected Pendulum rollout: the logged value loss,
 * mean over the rollout of (R − V_old)² (R the GAE returns, V_old the
 * values at collection), log σ after the update, and the steps taken. */
typedef struct ppo_outcome {
    double value_loss, old_value_error, log_std;
    size_t n_updates;
} ppo_outcome;

static ppo_outcome ppo_one_update(const rlc_ppo_config *c, uint64_t seed)
{
    const rlc_env_type *et = rlc_env_find("Pendulum-v1");
    void *a;
    assert_int_equal(rlc_agent_ppo.create(&a, c, et, seed), RLC_OK);
    rlc_vec_env *v;
    rlc_rollout *ro;
    assert_int_equal(rlc_vec_env_create(&v, et, c->n_envs, seed, RLC_RNG_ENV), RLC_OK);
    assert_int_equal(rlc_rollout_create(&ro, c->n_steps, c->n_envs, 3, 1), RLC_OK);
    collect_rollout(&rlc_agent_ppo, a, v, ro);
    ppo_outcome o = {0};
    size_t rows = rlc_rollout_rows(ro);
    for (size_t i = 0; i < rows; i++)
        o.old_value_error += (ro->returns[i] - ro->values[i]) * (ro->returns[i] - ro->values[i]);
    o.old_value_error /= (double)rows;
    rlc_train_stats st;
    rlc_train_stats_init(&st);
    assert_int_equal(rlc_agent_ppo.update(a, ro, 1.0, &st), RLC_OK);
    o.value_loss = rlc_train_stats_get(&rlc_agent_ppo, &st, "value_loss");
    gsl_vector *p = params(&rlc_agent_ppo, a);
    /* actor | log_std | critic: log σ follows the 3-64-64-1 actor */
    o.log_std = p->data[(3 * 64 + 64) + (64 * 64 + 64) + (64 + 1)];
    o.n_updates = st.n_updates;
    rlc_vec_env_free(v);
    rlc_rollout_free(ro);
    rlc_agent_ppo.free(a);
    return o;
}

/* clip_range_vf and ent_coef through PPO's update (2 minibatches × 4
 * epochs, so the critic moves between minibatches). clip_range_vf = 1e-9
 * holds the clipped prediction V' within 1e-9 of V_old, so the logged value
 * loss (the minibatches' mean (R − V')², averaged) is the rollout's
 * mean (R − V_old)²; unclipped, the learning critic's loss is another.
 * ent_coef = 10 makes −ent_coef·H dominate the gradient of log σ
 * (∂H/∂log σ = 1): every Adam step raises log σ by nearly learning_rate;
 * with ent_coef 0 (the policy gradient alone) it ends elsewhere. */
static void test_ppo_value_clip_and_entropy(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_envs = 2;
    c.n_steps = 64;
    c.batch_size = 64;
    c.n_epochs = 4;
    c.learning_rate = 3e-3;
    c.clip_range_vf = 1e-9;
    ppo_outcome clipped = ppo_one_update(&c, 10);
    c.clip_range_vf = 0.0;
    ppo_outcome free_v = ppo_one_update(&c, 10);
    assert_int_equal(clipped.n_updates, 8);
    assert_near(clipped.value_loss, clipped.old_value_error, 1e-6 * clipped.old_value_error);
    assert_near(free_v.old_value_error, clipped.old_value_error, 0); /* the same rollout */
    assert_true(fabs(free_v.value_loss - free_v.old_value_error) > 1e-3 * free_v.old_value_error);

    c.ent_coef = 10.0;
    ppo_outcome ent = ppo_one_update(&c, 10);
    assert_int_equal(ent.n_updates, 8);
    assert_true(ent.log_std > 0.9 * 8 * c.learning_rate);
    assert_true(ent.log_std < 1.01 * 8 * c.learning_rate);
    assert_true(ent.log_std - free_v.log_std > 0.1 * 8 * c.learning_rate);
}

/* use_rms_prop = false: A2C steps with Adam (ε 1e-5). Adam's first step
 * moves each parameter by lr·|g|/(|g| + ε): at most lr, and nearly lr
 * where the gradient is largest; RMSprop's (α 0.99) by
 * lr·|g|/(0.1·|g| + ε), up to nearly 10·lr — what the agent would do if it
 * ignored the setting. */
static void test_a2c_adam(void **s)
{
    (void)s;
    rlc_a2c_config c;
    rlc_a2c_config_default(&c);
    c.n_envs = 4;
    const rlc_env_type *et = rlc_env_find("CartPole-v1");
    const double lr = c.learning_rate;
    for (int rms = 0; rms < 2; rms++) {
        c.use_rms_prop = rms;
        record r;
        void *a = train(&rlc_agent_a2c, &c, "CartPole-v1", 9, 4 * 5, 0, &r), *fresh;
        assert_int_equal(r.log[0].n_updates, 1);
        assert_int_equal(rlc_agent_a2c.create(&fresh, &c, et, 9), RLC_OK);
        gsl_vector *pa = params(&rlc_agent_a2c, a), *p0 = params(&rlc_agent_a2c, fresh);
        double max_step = 0;
        for (size_t i = 0; i < pa->size; i++)
            max_step = fmax(max_step, fabs(pa->data[i] - p0->data[i]));
        double bound = rms ? 10 * lr : lr;
        assert_true(max_step > 0.9 * bound);
        assert_true(max_step <= bound * (1 + 1e-12));
        rlc_agent_a2c.free(a);
        rlc_agent_a2c.free(fresh);
    }
}

/* activation_fn = relu and ortho_init = false through an agent. create
 * gives PyTorch's default init: every weight and bias of a layer with n
 * inputs uniform in ±1/√n (orthogonal init leaves every bias 0). predict
 * is W₃·relu(W₂·relu(W₁x + b₁) + b₂) + b₃, computed here from the agent's
 * actor (tanh hidden layers give another action). An update trains it. */
static void test_relu_default_init_agent(void **s)
{
    (void)s;
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_steps = 64;
    c.policy.activation_fn = RLC_ACT_RELU;
    c.policy.ortho_init = false;
    const rlc_env_type *et = rlc_env_find("Pendulum-v1");
    void *a, *ortho;
    assert_int_equal(rlc_agent_ppo.create(&a, &c, et, 12), RLC_OK);
    c.policy.ortho_init = true;
    assert_int_equal(rlc_agent_ppo.create(&ortho, &c, et, 12), RLC_OK);
    /* the agents embed their trainer first (policy.h) */
    const rlc_mlp *actor = ((rlc_policy_trainer *)a)->policy->actor;
    const rlc_mlp *ortho_actor = ((rlc_policy_trainer *)ortho)->policy->actor;
    assert_int_equal(actor->config.n_layers, 3);
    for (size_t l = 0; l < 3; l++) {
        const gsl_matrix *W = &actor->W[l].matrix, *b = &actor->b[l].matrix;
        double bound = 1.0 / sqrt((double)W->size2), bias_abs = 0;
        for (size_t i = 0; i < W->size1 * W->size2; i++)
            assert_true(fabs(W->data[i]) <= bound);
        for (size_t i = 0; i < b->size2; i++) {
            assert_true(fabs(b->data[i]) <= bound);
            bias_abs += fabs(b->data[i]);
        }
        assert_true(bias_abs > 0.1 * bound * (double)b->size2); /* not zeroed */
        for (size_t i = 0; i < b->size2; i++)
            assert_true(ortho_actor->b[l].matrix.data[i] == 0.0);
    }

    /* the mean action by hand, relu and tanh hidden layers */
    const double obs[3] = {0.6, -0.8, 1.5};
    double h[2][2][64], in[64], mean[2];
    bool clipped_some = false;
    for (int use_tanh = 0; use_tanh < 2; use_tanh++) {
        memcpy(in, obs, sizeof obs);
        size_t n_in = 3;
        for (size_t l = 0; l < 3; l++) {
            const gsl_matrix *W = &actor->W[l].matrix, *b = &actor->b[l].matrix;
            double *out = l < 2 ? h[use_tanh][l] : &mean[use_tanh];
            for (size_t i = 0; i < W->size1; i++) {
                double z = b->data[i];
                for (size_t j = 0; j < n_in; j++)
                    z += gsl_matrix_get(W, i, j) * in[j];
                if (l < 2) {
                    clipped_some |= z < 0;
                    z = use_tanh ? tanh(z) : fmax(z, 0.0);
                }
                out[i] = z;
            }
            if (l < 2) {
                memcpy(in, out, W->size1 * sizeof *in);
                n_in = W->size1;
            }
        }
    }
    assert_true(clipped_some); /* some pre-activation < 0: relu is not the identity here */
    assert_true(fabs(mean[0]) < 2.0); /* inside the action bounds */
    double act;
    assert_int_equal(rlc_agent_ppo.predict(a, 1, obs, &act), RLC_OK);
    assert_near(act, mean[0], 1e-12);
    assert_true(fabs(act - mean[1]) > 1e-6);

    c.policy.ortho_init = false;
    record r;
    void *t = train(&rlc_agent_ppo, &c, "Pendulum-v1", 12, 64, 0, &r);
    assert_true(r.all_finite);
    assert_int_equal(r.log[0].n_updates, 10); /* one minibatch of 64 × 10 epochs */
    gsl_vector *pt = params(&rlc_agent_ppo, t), *p0 = params(&rlc_agent_ppo, a);
    assert_memory_not_equal(pt->data, p0->data, pt->size * sizeof(double));
    for (size_t i = 0; i < pt->size; i++)
        assert_true(isfinite(pt->data[i]));
    rlc_agent_ppo.free(t);
    rlc_agent_ppo.free(a);
    rlc_agent_ppo.free(ortho);
}

static rlc_status count_eval(void *p, size_t t, const double *returns, size_t n)
{
    (void)t;
    (void)returns;
    (void)n;
    ((record *)p)->n_evals++;
    return RLC_OK;
}

/* The runners check what they are given before they call anything: an
 * on-policy agent in the off-policy runner, an off-policy agent in the
 * on-policy runner, and envs whose n_envs is not the agent's are
 * RLC_EINVAL, with no callback called and the agent unchanged; the right
 * envs then run. */
static void test_runner_rejects_mismatch(void **s)
{
    (void)s;
    const rlc_env_type *et = rlc_env_find("Pendulum-v1");
    rlc_ppo_config pc;
    rlc_ppo_config_default(&pc);
    pc.n_envs = 2;
    pc.n_steps = 16;
    pc.batch_size = 32;
    rlc_ddpg_config dc;
    rlc_ddpg_config_default(&dc);
    dc.net_arch[0] = dc.net_arch[1] = 8;
    dc.batch_size = 8;
    dc.buffer_size = 100;
    void *ppo, *ddpg, *fresh;
    assert_int_equal(rlc_agent_ppo.create(&ppo, &pc, et, 13), RLC_OK);
    assert_int_equal(rlc_agent_ppo.create(&fresh, &pc, et, 13), RLC_OK);
    assert_int_equal(rlc_agent_ddpg.create(&ddpg, &dc, et, 13), RLC_OK);
    gsl_rng *g = rlc_rng_create(13, RLC_RNG_ENV);
    rlc_env *env;
    rlc_vec_env *eval, *two, *three;
    assert_int_equal(rlc_env_create(&env, et, g), RLC_OK);
    assert_int_equal(rlc_vec_env_create(&eval, et, 1, 13, RLC_RNG_EVAL_ENV), RLC_OK);
    assert_int_equal(rlc_vec_env_create(&two, et, 2, 13, RLC_RNG_ENV), RLC_OK);
    assert_int_equal(rlc_vec_env_create(&three, et, 3, 13, RLC_RNG_ENV), RLC_OK);
    record r = {.type = &rlc_agent_ppo, .all_finite = true};
    rlc_runner_callbacks cb = {.ctx = &r, .on_episode = rec_episode, .on_progress = rec_progress,
                               .on_eval = count_eval};
    rlc_runner_config rc = {.total_timesteps = 32};

    assert_int_equal(rlc_runner_offpolicy(&rlc_agent_ppo, ppo, env, eval, &rc, &cb), RLC_EINVAL);
    assert_int_equal(rlc_runner_onpolicy(&rlc_agent_ddpg, ddpg, two, eval, &rc, &cb), RLC_EINVAL);
    assert_int_equal(rlc_runner_onpolicy(&rlc_agent_ppo, ppo, three, eval, &rc, &cb), RLC_EINVAL);
    assert_int_equal(r.n_progress + r.n_episodes + r.n_evals, 0);
    gsl_vector *p = params(&rlc_agent_ppo, ppo), *p0 = params(&rlc_agent_ppo, fresh);
    assert_memory_equal(p->data, p0->data, p->size * sizeof(double));

    assert_int_equal(rlc_runner_onpolicy(&rlc_agent_ppo, ppo, two, eval, &rc, &cb), RLC_OK);
    assert_int_equal(r.n_progress, 1);
    assert_int_equal(r.n_evals, 1);
    assert_int_equal(r.n_episodes, 0); /* Pendulum ends no episode in 16 steps */
    rlc_agent_ppo.free(ppo);
    rlc_agent_ppo.free(fresh);
    rlc_agent_ddpg.free(ddpg);
    rlc_env_free(env);
    rlc_vec_env_free(eval);
    rlc_vec_env_free(two);
    rlc_vec_env_free(three);
    gsl_rng_free(g);
}

int main(void)
{
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approx_kl_b08),
        cmocka_unit_test(test_ppo_kl_early_stop_b08),
        cmocka_unit_test(test_ppo_linear_lr_b29),
        cmocka_unit_test(test_ppo_single_sample_minibatch_b06),
        cmocka_unit_test(test_eval_does_not_touch_training_b18),
        cmocka_unit_test(test_a2c_reproducible),
        cmocka_unit_test(test_evaluation_pendulum),
        cmocka_unit_test(test_evaluation_cartpole),
        cmocka_unit_test(test_ppo_target_kl_partial),
        cmocka_unit_test(test_ppo_value_clip_and_entropy),
        cmocka_unit_test(test_a2c_adam),
        cmocka_unit_test(test_relu_default_init_agent),
        cmocka_unit_test(test_runner_rejects_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
