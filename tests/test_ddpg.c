/* test_ddpg.c — DDPG: both losses against finite differences, the critic
 * target's terminated/truncated handling, action scaling and clipping
 * (pitfall B14), target networks equal to online ones at the start (B13),
 * Ornstein-Uhlenbeck exploration against its own stream, reproducibility,
 * and zero heap allocations per update once warm. Deliberately not here:
 * failing allocations (test_alloc.c) and learning runs (test_learning.c). */
#define _GNU_SOURCE /* dladdr */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/config.h"
#include "rlc/ddpg.h"
#include "rlc/gradcheck.h"
#include "rlc/rng.h"
#include "rlc/run.h"
#include "test_util.h"

/* --- counting allocator: the test executable's malloc family wraps glibc's
 * and counts calls, so a test can prove a loop allocates nothing. Calls made
 * from inside OpenBLAS are counted apart: its SKYLAKEX small-matrix dgemm
 * kernel (0.3.21) mallocs a scratch buffer on some shapes, which rlc cannot
 * avoid; with gslcblas that count is 0 too. Not under AddressSanitizer,
 * which owns malloc itself. --- */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
#include <dlfcn.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static size_t n_allocs, n_blas_allocs;
static bool counting;

static void count(void *caller)
{
    if (!counting)
        return;
    Dl_info info;
    if (dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "openblas"))
        n_blas_allocs++;
    else
        n_allocs++;
}
void *malloc(size_t n) { count(__builtin_return_address(0)); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { count(__builtin_return_address(0)); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { count(__builtin_return_address(0)); return __libc_realloc(p, n); }
#endif

static rlc_ddpg_config small_config(void)
{
    rlc_ddpg_config c;
    rlc_ddpg_config_default(&c);
    c.net_arch[0] = 16;
    c.net_arch[1] = 8;
    c.batch_size = 8;
    c.buffer_size = 1000;
    c.learning_starts = 50;
    return c;
}

static void random_matrix(gsl_matrix *m, gsl_rng *r, double lo, double hi)
{
    for (size_t i = 0; i < m->size1 * m->size2; i++)
        m->data[i] = lo + (hi - lo) * gsl_rng_uniform(r);
}

/* --- gradient checks of both losses ---
 * Step 1e-5; derivatives below 1e-4 are compared absolutely (to 1e-10):
 * with losses of order 1, central differences cannot resolve smaller ones
 * to 1e-6 relative (round-off ~ eps·|L|/h). */

typedef struct {
    rlc_tape *t;
    rlc_mlp *actor, *critic;
    gsl_matrix *obs, *actions, *y;
    double scale[1], shift[1];
    bool actor_loss;
} loss_ctx;

static double eval_loss(void *p)
{
    loss_ctx *c = p;
    rlc_tape_reset(c->t);
    rlc_node *l = c->actor_loss
                      ? rlc_ddpg_actor_loss(c->t, c->actor, c->critic, c->obs, c->scale, c->shift)
                      : rlc_ddpg_critic_loss(c->t, c->critic, c->obs, c->actions, c->y);
    return rlc_node_scalar(l);
}

static void setup_losses(loss_ctx *c, gsl_rng *r)
{
    rlc_mlp_config ac = {.n_layers = 3, .sizes = {3, 6, 5, 1},
                         .hidden_activation = RLC_ACT_TANH, .output_activation = RLC_ACT_TANH};
    rlc_mlp_config cc = {.n_layers = 3, .sizes = {4, 6, 5, 1},
                         .hidden_activation = RLC_ACT_TANH, .output_activation = RLC_ACT_IDENTITY};
    assert_int_equal(rlc_tape_create(&c->t, 1024), RLC_OK);
    assert_int_equal(rlc_mlp_create(&c->actor, &ac), RLC_OK);
    assert_int_equal(rlc_mlp_create(&c->critic, &cc), RLC_OK);
    rlc_mlp_init_default(c->actor, r);
    rlc_mlp_init_default(c->critic, r);
    c->obs = gsl_matrix_alloc(7, 3);
    c->actions = gsl_matrix_alloc(7, 1);
    c->y = gsl_matrix_alloc(7, 1);
    random_matrix(c->obs, r, -1, 1);
    random_matrix(c->actions, r, -2, 2);
    random_matrix(c->y, r, -5, 0);
    c->scale[0] = 2.0;
    c->shift[0] = 0.0;
}

static void free_losses(loss_ctx *c)
{
    rlc_tape_free(c->t);
    rlc_mlp_free(c->actor);
    rlc_mlp_free(c->critic);
    gsl_matrix_free(c->obs);
    gsl_matrix_free(c->actions);
    gsl_matrix_free(c->y);
}

static double abs_sum(const gsl_vector *v)
{
    double s = 0;
    for (size_t i = 0; i < v->size; i++)
        s += fabs(v->data[i]);
    return s;
}

static void test_critic_loss_gradient(void **state)
{
    (void)state;
    gsl_rng *r = rlc_rng_create(7, 0);
    loss_ctx c = {0};
    setup_losses(&c, r);
    rlc_tape_reset(c.t);
    rlc_node *l = rlc_ddpg_critic_loss(c.t, c.critic, c.obs, c.actions, c.y);
    assert_int_equal(rlc_tape_backward(c.t, l), RLC_OK);
    double value = rlc_node_scalar(l);
    assert_true(value > 0.5); /* targets in [−5, 0] are far from a fresh critic's outputs */
    assert_true(abs_sum(c.critic->grads) > 1e-3);
    rlc_gradcheck_result res;
    assert_int_equal(rlc_gradcheck(eval_loss, &c, c.critic->params->data, c.critic->n_params,
                                   c.critic->grads->data, 1e-5, 1e-4, &res), RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("worst %zu: analytic %.12g numeric %.12g err %g\n", res.worst_index,
                    res.analytic, res.numeric, res.max_rel_error);
    assert_true(res.max_rel_error < 1e-6);
    /* gradcheck restored the parameters bitwise: the loss is unchanged */
    assert_near(eval_loss(&c), value, 0);
    free_losses(&c);
    gsl_rng_free(r);
}

static void test_actor_loss_gradient_reaches_actor_only(void **state)
{
    (void)state;
    gsl_rng *r = rlc_rng_create(8, 0);
    loss_ctx c = {.actor_loss = true};
    setup_losses(&c, r);
    rlc_tape_reset(c.t);
    rlc_node *l = rlc_ddpg_actor_loss(c.t, c.actor, c.critic, c.obs, c.scale, c.shift);
    assert_int_equal(rlc_tape_backward(c.t, l), RLC_OK);
    assert_true(abs_sum(c.actor->grads) > 1e-3);
    assert_true(abs_sum(c.critic->grads) == 0.0); /* the critic is held constant */
    rlc_gradcheck_result res;
    assert_int_equal(rlc_gradcheck(eval_loss, &c, c.actor->params->data, c.actor->n_params,
                                   c.actor->grads->data, 1e-5, 1e-4, &res), RLC_OK);
    if (res.max_rel_error >= 1e-6)
        print_error("worst %zu: analytic %.12g numeric %.12g err %g\n", res.worst_index,
                    res.analytic, res.numeric, res.max_rel_error);
    assert_true(res.max_rel_error < 1e-6);
    free_losses(&c);
    gsl_rng_free(r);
}

/* y = r + γ(1 − terminated)·q': a truncation (terminated 0) bootstraps. */
static void test_td_target_terminated_vs_truncated(void **state)
{
    (void)state;
    double rw[] = {1.0, 1.0, -2.0}, te[] = {0.0, 1.0, 0.0}, qn[] = {10.0, 10.0, -4.0}, yv[3];
    gsl_matrix_view R = gsl_matrix_view_array(rw, 3, 1), T = gsl_matrix_view_array(te, 3, 1),
                    Q = gsl_matrix_view_array(qn, 3, 1), Y = gsl_matrix_view_array(yv, 3, 1);
    rlc_ddpg_td_target(&R.matrix, &T.matrix, &Q.matrix, 0.98, &Y.matrix);
    assert_near(yv[0], 1.0 + 0.98 * 10.0, 0);
    assert_near(yv[1], 1.0, 0);
    assert_near(yv[2], -2.0 + 0.98 * -4.0, 0);
}

/* --- the agent --- */

static void *make_agent(const rlc_ddpg_config *cfg, uint64_t seed)
{
    void *agent = NULL;
    assert_int_equal(rlc_agent_ddpg.create(&agent, cfg, &rlc_env_pendulum_v1, seed), RLC_OK);
    return agent;
}

static gsl_vector *tensor(void *agent, const char *name)
{
    rlc_agent_tensor t[RLC_AGENT_MAX_TENSORS];
    size_t n = rlc_agent_ddpg.tensors(agent, t);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return t[i].value;
    fail_msg("no tensor %s", name);
    return NULL;
}

static bool bitwise_equal(const gsl_vector *a, const gsl_vector *b)
{
    return a->size == b->size && memcmp(a->data, b->data, a->size * sizeof(double)) == 0;
}

/* B13 E2E: before any learning step, targets are bitwise the online nets. */
static void test_targets_start_equal(void **state)
{
    (void)state;
    rlc_ddpg_config cfg = small_config();
    void *a = make_agent(&cfg, 3);
    assert_true(bitwise_equal(tensor(a, "actor"), tensor(a, "actor_target")));
    assert_true(bitwise_equal(tensor(a, "critic"), tensor(a, "critic_target")));
    assert_true(abs_sum(tensor(a, "actor")) > 0);
    rlc_agent_ddpg.free(a);
}

/* B14: tanh outputs y = [−1, −0.5, 0, 0.75, 1] map once to [−2, −1, 0, 1.5, 2].
 * Zero weights and a last-layer bias of atanh(y) make the actor emit y. */
static void test_action_scaling(void **state)
{
    (void)state;
    rlc_ddpg_config cfg = small_config();
    void *a = make_agent(&cfg, 3);
    gsl_vector *p = tensor(a, "actor");
    const double y[] = {-1.0, -0.5, 0.0, 0.75, 1.0}, expect[] = {-2.0, -1.0, 0.0, 1.5, 2.0};
    double obs[3] = {0.3, -0.2, 1.0}, act;
    for (size_t k = 0; k < 5; k++) {
        gsl_vector_set_zero(p);
        p->data[p->size - 1] = fabs(y[k]) == 1.0 ? 40.0 * y[k] : atanh(y[k]); /* tanh(±40) = ±1 */
        rlc_agent_ddpg.predict(a, 1, obs, &act);
        assert_near(act, expect[k], 1e-15);
    }
    rlc_agent_ddpg.free(a);
}

/* Warm-up actions are uniform over [−2, 2]; later exploratory actions stay
 * inside the bounds even with large noise, and differ from the mean. */
static void test_explore_bounds(void **state)
{
    (void)state;
    rlc_ddpg_config cfg = small_config();
    cfg.noise_std = 2.0; /* noise far beyond the range: clipping must hold */
    void *a = make_agent(&cfg, 5);
    double obs[3] = {1.0, 0.0, 0.0}, act, lo = 1e9, hi = -1e9, big = 0;
    for (size_t t = 0; t < 2000; t++) {
        rlc_agent_ddpg.explore(a, obs, t, &act);
        assert_true(act >= -2.0 && act <= 2.0);
        if (t < cfg.learning_starts) {
            lo = fmin(lo, act);
            hi = fmax(hi, act);
        } else if (fabs(act) > 1.0)
            big++;
    }
    assert_true(lo < -1.5 && hi > 1.5); /* warm-up covers the range */
    assert_true(big > 100);
    rlc_agent_ddpg.free(a);
}

/* Ornstein-Uhlenbeck exploration: x <- x + theta(0 - x)dt + sigma sqrt(dt) N(0,1)
 * per step from the explore stream, added in the normalised action space,
 * and back to 0 at episode_start. With a zero actor (mu = 0) the action is
 * 2x (Pendulum's half-range), so every action is checked against x
 * recomputed here from the same stream. An episode starts once x has
 * wandered beyond 0.15. The wrong answers: i.i.d. noise (2 sigma N(0,1), no
 * memory: consecutive actions uncorrelated) and a process that carries on
 * across the episode start. */
static void test_ou_noise(void **state)
{
    (void)state;
    rlc_ddpg_config cfg = small_config();
    cfg.learning_starts = 0; /* no warm-up draws: the stream feeds the noise alone */
    cfg.action_noise = RLC_NOISE_OU;
    cfg.noise_std = 0.2;
    cfg.ou_theta = 0.15;
    cfg.ou_dt = 0.01;
    const double step = 0.2 * sqrt(0.01); /* sigma sqrt(dt): one increment's std */
    void *a = make_agent(&cfg, 21);
    gsl_vector_set_zero(tensor(a, "actor"));
    gsl_rng *g = rlc_rng_create(21, RLC_RNG_EXPLORE);
    enum { STEPS = 1000 };
    double obs[3] = {0.5, -0.5, 1.0}, act[STEPS], x = 0.0, carried = 0.0;
    size_t reset_at = 0;
    rlc_agent_ddpg.episode_start(a);
    for (size_t t = 0; t < STEPS; t++) {
        if (!reset_at && fabs(x) > 0.15) {
            rlc_agent_ddpg.episode_start(a);
            reset_at = t;
            carried = x + cfg.ou_theta * (0.0 - x) * cfg.ou_dt; /* without the reset */
            x = 0.0;
        }
        assert_int_equal(rlc_agent_ddpg.explore(a, obs, t, &act[t]), RLC_OK);
        x += cfg.ou_theta * (0.0 - x) * cfg.ou_dt +
             cfg.noise_std * sqrt(cfg.ou_dt) * gsl_ran_gaussian(g, 1.0);
        assert_true(fabs(x) < 1.0); /* inside the box: nothing clipped */
        assert_near(act[t], 2.0 * x, 0);
    }
    /* after the episode start the action is one increment from 0, not the
     * wandered value carried on */
    assert_true(reset_at >= 20);
    assert_true(fabs(act[reset_at] / 2.0) < 4 * step);
    assert_true(fabs(act[reset_at] / 2.0 - carried) > 0.1);
    /* lag-1 autocorrelation of the actions before it: near 1 (i.i.d.: near 0) */
    double mean = 0, c0 = 0, c1 = 0;
    for (size_t t = 0; t < reset_at; t++)
        mean += act[t] / (double)reset_at;
    for (size_t t = 0; t < reset_at; t++) {
        c0 += (act[t] - mean) * (act[t] - mean);
        if (t > 0)
            c1 += (act[t] - mean) * (act[t - 1] - mean);
    }
    assert_true(c1 / c0 > 0.8);
    gsl_rng_free(g);
    rlc_agent_ddpg.free(a);
}

/* Drive an agent through the runner on Pendulum; return its final tensors. */
typedef struct {
    size_t episodes;
    double min_action, max_action;
} count_ctx;

static rlc_status count_episode(void *p, double r, size_t len, size_t t)
{
    (void)r;
    (void)t;
    count_ctx *c = p;
    assert_int_equal(len, 200); /* Pendulum never terminates: every episode is truncated at 200 */
    c->episodes++;
    return RLC_OK;
}

static void train(void *agent, uint64_t seed, size_t steps, count_ctx *cc)
{
    gsl_rng *r1 = rlc_rng_create(seed, RLC_RNG_ENV);
    rlc_env *env;
    rlc_vec_env *eval_envs;
    assert_int_equal(rlc_env_create(&env, &rlc_env_pendulum_v1, r1), RLC_OK);
    assert_int_equal(rlc_vec_env_create(&eval_envs, &rlc_env_pendulum_v1, 1, seed, RLC_RNG_EVAL_ENV),
                     RLC_OK);
    rlc_runner_config rc = {.total_timesteps = steps, .log_interval = 0, .eval_freq = 0};
    rlc_runner_callbacks cb = {.ctx = cc, .on_episode = count_episode};
    assert_int_equal(rlc_runner_offpolicy(&rlc_agent_ddpg, agent, env, eval_envs, &rc, &cb), RLC_OK);
    rlc_env_free(env);
    rlc_vec_env_free(eval_envs);
    gsl_rng_free(r1);
}

/* Same seed → bitwise-equal parameters after training (warm-up actions
 * included, pitfall B21); another seed → different ones. */
static void test_reproducible(void **state)
{
    (void)state;
    rlc_ddpg_config cfg = small_config();
    count_ctx c1 = {0}, c2 = {0}, c3 = {0};
    void *a = make_agent(&cfg, 11), *b = make_agent(&cfg, 11), *d = make_agent(&cfg, 12);
    train(a, 11, 600, &c1);
    train(b, 11, 600, &c2);
    train(d, 12, 600, &c3);
    assert_int_equal(c1.episodes, 3);
    const char *names[] = {"actor", "critic", "actor_target", "critic_target"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(bitwise_equal(tensor(a, names[i]), tensor(b, names[i])));
        assert_false(bitwise_equal(tensor(a, names[i]), tensor(d, names[i])));
    }
    /* training moved the targets away from their initial copies, by tau steps */
    assert_false(bitwise_equal(tensor(a, "actor"), tensor(a, "actor_target")));
    rlc_agent_ddpg.free(a);
    rlc_agent_ddpg.free(b);
    rlc_agent_ddpg.free(d);
}

/* Once warm, an update (sample, three passes, two Adam steps, two Polyak
 * updates) allocates nothing. */
static void test_update_allocates_nothing(void **state)
{
    (void)state;
    if (!COUNT_ALLOCS)
        skip();
    rlc_ddpg_config cfg = small_config();
    cfg.net_arch[0] = 64;
    cfg.net_arch[1] = 64;
    cfg.batch_size = 128;
    cfg.gradient_steps = 2;
    void *a = make_agent(&cfg, 1);
    double obs[3] = {1, 0, 0}, next[3] = {0.9, 0.1, 0.5}, act = 0.5;
    for (size_t i = 0; i < 200; i++)
        rlc_agent_ddpg.store(a, obs, &act, -1.0, next, false, i % 50 == 49);
    rlc_train_stats st;
    for (size_t t = 51; t < 60; t++) /* warm-up: the tape settles its arena */
        assert_int_equal(rlc_agent_ddpg.after_step(a, t, &st), RLC_OK);
#if COUNT_ALLOCS
    counting = true;
    for (size_t t = 60; t < 160; t++) {
        assert_int_equal(rlc_agent_ddpg.after_step(a, t, &st), RLC_OK);
        rlc_agent_ddpg.explore(a, obs, t, &act);
        rlc_agent_ddpg.store(a, obs, &act, -1.0, next, false, false);
    }
    counting = false;
    assert_int_equal(n_allocs, 0);
    if (n_blas_allocs)
        print_message("note: OpenBLAS itself allocated %zu times in 100 steps\n", n_blas_allocs);
#endif
    assert_int_equal(st.n_updates, 2 * (160 - 51));
    rlc_agent_ddpg.free(a);
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    rlc_blas_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_critic_loss_gradient),
        cmocka_unit_test(test_actor_loss_gradient_reaches_actor_only),
        cmocka_unit_test(test_td_target_terminated_vs_truncated),
        cmocka_unit_test(test_targets_start_equal),
        cmocka_unit_test(test_action_scaling),
        cmocka_unit_test(test_explore_bounds),
        cmocka_unit_test(test_ou_noise),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_update_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
