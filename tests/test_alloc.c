/* test_alloc.c — failure is a status: every heap allocation of the agents'
 * creates, updates, batched predicts and evaluations, and of
 * rlc_runner_train, is made to fail in turn; each time the call must return
 * RLC_ENOMEM (or absorb the failure and still give the right answer), leak
 * nothing, and leave an agent that, repeating the call, gives what an agent
 * that never saw a failure gives. Deliberately not here: whether the values
 * computed are right (test_ddpg.c, test_onpolicy.c, test_reference.c). */
#define _GNU_SOURCE /* dladdr */
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/ddpg.h"
#include "rlc/ppo.h"
#include "rlc/qac.h"
#include "rlc/rng.h"
#include "rlc/trpo.h"
#include "test_collect.h"
#include "test_util.h"

/* --- failing allocator: the test executable's malloc family wraps glibc's.
 * While heap.on, each call is counted and the fail_at-th returns NULL; the
 * blocks it hands out are remembered until freed, so a test can ask whether
 * anything allocated during a call outlived the agent. Calls from inside
 * OpenBLAS are neither counted nor failed: its SKYLAKEX small-matrix dgemm
 * kernel (0.3.21) mallocs and frees a scratch buffer on some shapes, which
 * rlc neither makes nor can avoid. Not under AddressSanitizer, which owns malloc; under
 * valgrind only with --soname-synonyms=somalloc=nouserintercepts (valgrind
 * then still checks __libc_malloc's blocks). Otherwise the tests skip. --- */
#if defined(__SANITIZE_ADDRESS__)
#define FAILING_ALLOCS 0
#else
#define FAILING_ALLOCS 1
#include <dlfcn.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

#define MAX_LIVE 8192
/* Live blocks are kept disguised: a plain pointer here would make valgrind
 * count a leaked block as still reachable rather than definitely lost. */
#define DISGUISE(p) ((uintptr_t)(p) ^ (uintptr_t)0xa5a5a5a5a5a5a5a5u)
static struct {
    bool on;
    size_t n;        /* calls counted since heap_start */
    size_t n_blas;   /* calls from OpenBLAS, not counted */
    size_t fail_at;  /* > 0: the counted call with this number returns NULL */
    size_t n_failed;
    uintptr_t live[MAX_LIVE]; /* blocks handed out while on, not yet freed */
    size_t n_live;
    bool live_full;
} heap;

static bool from_blas(void *caller)
{
    Dl_info info;
    return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "openblas");
}

/* Whether the call may go ahead; *track: remember its block. */
static bool admit(void *caller, bool *track)
{
    *track = false;
    if (!heap.on)
        return true;
    if (from_blas(caller)) {
        heap.n_blas++;
        return true;
    }
    *track = true;
    if (++heap.n == heap.fail_at) {
        heap.n_failed++;
        return false;
    }
    return true;
}

static void remember(void *p)
{
    if (!p)
        return;
    if (heap.n_live == MAX_LIVE)
        heap.live_full = true;
    else
        heap.live[heap.n_live++] = DISGUISE(p);
}

static void forget(void *p)
{
    for (size_t i = heap.n_live; i-- > 0;)
        if (heap.live[i] == DISGUISE(p)) {
            heap.live[i] = heap.live[--heap.n_live];
            return;
        }
}

void *malloc(size_t n)
{
    bool track;
    if (!admit(__builtin_return_address(0), &track))
        return NULL;
    void *p = __libc_malloc(n);
    if (track)
        remember(p);
    return p;
}

void *calloc(size_t k, size_t n)
{
    bool track;
    if (!admit(__builtin_return_address(0), &track))
        return NULL;
    void *p = __libc_calloc(k, n);
    if (track)
        remember(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    bool track;
    if (!admit(__builtin_return_address(0), &track))
        return NULL;
    void *q = __libc_realloc(p, n);
    if (q && p)
        forget(p);
    if (track)
        remember(q);
    return q;
}

void free(void *p)
{
    if (p && heap.n_live)
        forget(p);
    __libc_free(p);
}
#endif

/* Whether the wrappers above see this executable's allocations. */
static bool failing_works(void)
{
#if FAILING_ALLOCS
    void *(*volatile alloc)(size_t) = malloc; /* not elided with the free below */
    heap.n = 0;
    heap.on = true;
    void *p = alloc(8);
    heap.on = false;
    free(p);
    return heap.n == 1;
#else
    return false;
#endif
}

#if FAILING_ALLOCS
/* Count (and track) the calls from here on; fail the fail_at-th (0: none). */
static void heap_start(size_t fail_at)
{
    heap.n = heap.n_blas = heap.n_failed = 0;
    heap.fail_at = fail_at;
    heap.on = true;
}

static void heap_stop(void)
{
    heap.on = false;
    heap.fail_at = 0;
}

/* cmocka teardown: a failed assertion may have left counting on. */
static int heap_clear(void **state)
{
    (void)state;
    heap_stop();
    heap.n_live = 0;
    heap.live_full = false;
    return 0;
}
#endif

#define SEED 20240611u
#define MAX_RESULT (1u << 16)

/* --- one operation on some state, failed at each of its allocations --- */

typedef struct op {
    const char *name;
    void *arg;
    /* The state just before the call, built with allocation working. */
    void *(*setup)(void *arg);
    rlc_status (*call)(void *state);
    /* What the call computed (parameters, actions, returns) into out; how many. */
    size_t (*result)(void *state, double *out);
    /* What a failed call may leave behind as its contract says, done to a
     * fresh state (NULL: nothing): the repeated call's reference. */
    void (*after_failure)(void *state);
    void (*teardown)(void *state);
} op;

typedef struct fail_report {
    size_t allocs;   /* counted allocations of one successful call */
    size_t enomem;   /* k whose failure the call returned as RLC_ENOMEM */
    size_t absorbed; /* k whose failure the call absorbed, giving the right result */
} fail_report;

#if FAILING_ALLOCS
static double ref_ok[MAX_RESULT], ref_retry[MAX_RESULT], got[MAX_RESULT];

static uint64_t bits64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static void check_result(const char *name, size_t k, const char *when, const double *want,
                         size_t n_want, const double *have, size_t n_have)
{
    if (n_have != n_want)
        fail_msg("%s, allocation %zu failed, %s: %zu results, expected %zu", name, k, when,
                 n_have, n_want);
    for (size_t i = 0; i < n_want; i++)
        if (bits64(have[i]) != bits64(want[i]))
            fail_msg("%s, allocation %zu failed, %s: result[%zu] = %.17g, expected %.17g", name, k,
                     when, i, have[i], want[i]);
}
#endif

/* Runs o once on a fresh state to count its allocations (it must succeed)
 * and keep its result. Then, for each k from 1 to that count, on a fresh
 * state whose call's k-th allocation fails: the call returns RLC_ENOMEM —
 * or RLC_OK with the right result, the failure absorbed; repeated with
 * allocation working, it succeeds with the result of a call on a state that
 * never failed (after o->after_failure for a call that returned ENOMEM);
 * and once the state is torn down, no block allocated during either call
 * is left. */
static fail_report fail_each(const op *o)
{
    fail_report r = {0};
#if FAILING_ALLOCS
    void *s = o->setup(o->arg);
    heap_start(0);
    rlc_status st = o->call(s);
    heap_stop();
    assert_int_equal(st, RLC_OK);
    r.allocs = heap.n;
    size_t n_ok = o->result(s, ref_ok);
    o->teardown(s);
    assert_int_equal(heap.n_live, 0);

    size_t n_retry = n_ok;
    memcpy(ref_retry, ref_ok, n_ok * sizeof *ref_ok);
    if (o->after_failure) {
        s = o->setup(o->arg);
        o->after_failure(s);
        assert_int_equal(o->call(s), RLC_OK);
        n_retry = o->result(s, ref_retry);
        o->teardown(s);
    }

    for (size_t k = 1; k <= r.allocs; k++) {
        s = o->setup(o->arg);
        heap_start(k);
        st = o->call(s);
        bool injected = heap.n_failed == 1;
        heap_stop();
        if (!injected)
            fail_msg("%s: allocation %zu of %zu was never made", o->name, k, r.allocs);
        if (st == RLC_OK) {
            r.absorbed++;
            check_result(o->name, k, "absorbed", ref_ok, n_ok, got, o->result(s, got));
        } else {
            if (st != RLC_ENOMEM)
                fail_msg("%s: allocation %zu failed, status %d, expected RLC_ENOMEM", o->name, k,
                         (int)st);
            r.enomem++;
            heap_start(0);
            st = o->call(s);
            heap_stop();
            if (st != RLC_OK)
                fail_msg("%s: allocation %zu failed, the repeated call returned %d", o->name, k,
                         (int)st);
            check_result(o->name, k, "repeated", ref_retry, n_retry, got, o->result(s, got));
        }
        o->teardown(s);
        assert_false(heap.live_full);
        if (heap.n_live)
            fail_msg("%s: allocation %zu failed: %zu blocks allocated during the calls outlived "
                     "the agent", o->name, k, heap.n_live);
    }
#else
    (void)o;
#endif
    return r;
}

/* --- agents and their results --- */

static size_t agent_tensors(const rlc_agent_type *type, void *agent, double *out)
{
    rlc_agent_tensor t[RLC_AGENT_MAX_TENSORS];
    size_t n = type->tensors(agent, t), len = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(len + t[i].value->size <= MAX_RESULT);
        for (size_t j = 0; j < t[i].value->size; j++)
            out[len++] = gsl_vector_get(t[i].value, j);
    }
    return len;
}

static rlc_ddpg_config ddpg_config(void)
{
    rlc_ddpg_config c;
    rlc_ddpg_config_default(&c);
    c.net_arch[0] = c.net_arch[1] = 64; /* a batch of 64 outgrows the tape's first 64 KiB */
    c.batch_size = 64;
    c.buffer_size = 1000;
    c.learning_starts = 10;
    return c;
}

static rlc_ppo_config ppo_config(void)
{
    rlc_ppo_config c;
    rlc_ppo_config_default(&c);
    c.n_envs = 2;
    c.n_steps = 48;
    c.batch_size = 64; /* minibatches of 64 and 32 rows */
    c.n_epochs = 2;
    return c;
}

static rlc_trpo_config trpo_config(void)
{
    rlc_trpo_config c;
    rlc_trpo_config_default(&c);
    c.n_envs = 2;
    c.n_steps = 48;
    c.batch_size = 64; /* critic minibatches of 64 and 32 rows */
    c.n_critic_updates = 2;
    c.cg_max_steps = 5;
    return c;
}

static rlc_a2c_config a2c_config(void)
{
    rlc_a2c_config c;
    rlc_a2c_config_default(&c);
    c.n_envs = 4;
    c.n_steps = 16;
    return c;
}

static rlc_qac_config qac_config(void)
{
    rlc_qac_config c;
    rlc_qac_config_default(&c);
    c.n_envs = 4;
    c.n_steps = 8;
    c.optimizer = RLC_QAC_ADAM;
    c.max_grad_norm = 0.5;
    return c;
}

/* An agent of one type on one env, with its settings. */
typedef struct agent_case {
    const rlc_agent_type *type;
    const void *settings;
    const char *env_id;
} agent_case;

static void *new_agent(const agent_case *c)
{
    void *agent = NULL;
    assert_int_equal(c->type->create(&agent, c->settings, rlc_env_find(c->env_id), SEED), RLC_OK);
    return agent;
}

/* --- create --- */

typedef struct create_state {
    const agent_case *c;
    void *agent;
} create_state;

static void *create_setup(void *arg)
{
    create_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    return s;
}

static rlc_status create_call(void *p)
{
    create_state *s = p;
    s->agent = (void *)1; /* create must set it to NULL on error */
    rlc_status st = s->c->type->create(&s->agent, s->c->settings, rlc_env_find(s->c->env_id), SEED);
    if (st != RLC_OK)
        assert_null(s->agent);
    return st;
}

static size_t create_result(void *p, double *out)
{
    create_state *s = p;
    return agent_tensors(s->c->type, s->agent, out);
}

static void create_teardown(void *p)
{
    create_state *s = p;
    s->c->type->free(s->agent);
    free(s);
}

static fail_report check_create(const agent_case *c, const char *name)
{
    op o = {name, (void *)c, create_setup, create_call, create_result, NULL, create_teardown};
    return fail_each(&o);
}

/* Each allocation of each create failed: RLC_ENOMEM, *agent NULL, nothing
 * left allocated; created again, the agent's tensors are bitwise those of
 * an agent that never failed. The cases cover orthogonal and default init,
 * Discrete and Box actions, norm_obs, Adam and RMSprop, and the growth of
 * the tape for training. */
static void test_create(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
    rlc_ddpg_config dc = ddpg_config();
    rlc_ppo_config pc = ppo_config();
    rlc_ppo_config pn = ppo_config();
    pn.policy.norm_obs = true; /* the running statistics are one more allocation */
    rlc_a2c_config ac = a2c_config();
    rlc_a2c_config aa = a2c_config();
    aa.use_rms_prop = false;
    aa.policy.ortho_init = false;
    rlc_trpo_config tc = trpo_config();
    rlc_qac_config qc = qac_config(), qs;
    rlc_qac_config_default(&qs);
    const struct {
        agent_case c;
        const char *name;
    } cases[] = {
        {{&rlc_agent_ddpg, &dc, "Pendulum-v1"}, "ddpg create"},
        {{&rlc_agent_ppo, &pc, "CartPole-v1"}, "ppo create (Discrete)"},
        {{&rlc_agent_ppo, &pn, "Pendulum-v1"}, "ppo create (Box, norm_obs)"},
        {{&rlc_agent_a2c, &ac, "Pendulum-v1"}, "a2c create (RMSprop)"},
        {{&rlc_agent_a2c, &aa, "CartPole-v1"}, "a2c create (Adam, default init)"},
        {{&rlc_agent_trpo, &tc, "Pendulum-v1"}, "trpo create (Box)"},
        {{&rlc_agent_qac, &qc, "CartPole-v1"}, "qac create (Discrete, Adam)"},
        {{&rlc_agent_qac, &qs, "Pendulum-v1"}, "qac create (Box, SGD)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fail_report r = check_create(&cases[i].c, cases[i].name);
        print_message("%s: %zu allocations\n", cases[i].name, r.allocs);
        assert_true(r.allocs > 10);
        assert_int_equal(r.enomem, r.allocs);
    }
}

/* --- updates --- */

typedef struct update_case {
    agent_case agent;
    bool warm;  /* one update before the one that is failed */
    bool ranks; /* data-parallel: two ranks, the other a mirror (mirror_sum) */
} update_case;

/* The sum over two ranks whose second mirrors the first: x doubled. It
 * allocates nothing, so an update through it must allocate nothing. */
static size_t mirror_sums;

static rlc_status mirror_sum(void *ctx, double *x, size_t n)
{
    (void)ctx;
    mirror_sums++;
    for (size_t i = 0; i < n; i++)
        x[i] += x[i];
    return RLC_OK;
}

static rlc_status no_move(void *ctx, size_t from, size_t to, void *buf, size_t n)
{
    (void)ctx;
    (void)from;
    (void)to;
    (void)buf;
    (void)n;
    return RLC_EINVAL;
}

static void set_mirror_ranks(const update_case *c, void *agent)
{
    if (!c->ranks)
        return;
    rlc_agent_ranks r = {.size = 2, .rank = 0, .seed = SEED, .sum = mirror_sum, .move = no_move};
    assert_int_equal(c->agent.type->set_ranks(agent, &r), RLC_OK);
}

typedef struct update_state {
    const update_case *c;
    void *agent;
    rlc_vec_env *envs;
    rlc_rollout *ro;
    rlc_train_stats stats;
} update_state;

static void *onpolicy_update_setup(void *arg)
{
    update_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    const rlc_agent_type *type = s->c->agent.type;
    s->agent = new_agent(&s->c->agent);
    set_mirror_ranks(s->c, s->agent);
    rlc_onpolicy_settings set = type->onpolicy_settings(s->agent);
    const rlc_env_type *et = rlc_env_find(s->c->agent.env_id);
    assert_int_equal(rlc_vec_env_create(&s->envs, et, set.n_envs, SEED, RLC_RNG_ENV), RLC_OK);
    assert_int_equal(rlc_rollout_create(&s->ro, set.n_steps, set.n_envs, s->envs->obs_dim,
                                        s->envs->act_dim), RLC_OK);
    collect_rollout(type, s->agent, s->envs, s->ro);
    rlc_train_stats_init(&s->stats);
    if (s->c->warm)
        assert_int_equal(type->update(s->agent, s->ro, 1.0, &s->stats), RLC_OK);
    return s;
}

static rlc_status onpolicy_update_call(void *p)
{
    update_state *s = p;
    size_t before = s->stats.n_updates;
    rlc_status st = s->c->agent.type->update(s->agent, s->ro, 0.5, &s->stats);
    /* it trained: minibatches of 64 and 32 rows × 2 epochs (PPO), one step (A2C) */
    if (st == RLC_OK)
        assert_int_equal(s->stats.n_updates - before,
                         s->c->agent.type == &rlc_agent_ppo ? 4 : 1);
    return st;
}

/* The agent's tensors, then its statistics and update count. */
static size_t update_result(void *p, double *out)
{
    update_state *s = p;
    const rlc_agent_type *type = s->c->agent.type;
    size_t n = agent_tensors(type, s->agent, out);
    for (size_t i = 0; i < type->n_stats; i++)
        out[n++] = s->stats.values[i];
    out[n++] = (double)s->stats.n_updates;
    return n;
}

static void update_teardown(void *p)
{
    update_state *s = p;
    s->c->agent.type->free(s->agent);
    rlc_vec_env_free(s->envs);
    rlc_rollout_free(s->ro);
    free(s);
}

/* DDPG: a replay buffer of 100 transitions; the call is the after_step that
 * trains (timestep learning_starts + 1, or + 2 once warm). */
static void *ddpg_update_setup(void *arg)
{
    update_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    s->agent = new_agent(&s->c->agent);
    set_mirror_ranks(s->c, s->agent);
    gsl_rng *r = rlc_rng_create(SEED, 99);
    assert_non_null(r);
    for (size_t i = 0; i < 100; i++) {
        double obs[3], next[3], act = 4.0 * gsl_rng_uniform(r) - 2.0;
        for (size_t j = 0; j < 3; j++) {
            obs[j] = 2.0 * gsl_rng_uniform(r) - 1.0;
            next[j] = 2.0 * gsl_rng_uniform(r) - 1.0;
        }
        rlc_agent_ddpg.store(s->agent, obs, &act, -gsl_rng_uniform(r), next, false, i % 50 == 49);
    }
    gsl_rng_free(r);
    rlc_train_stats_init(&s->stats);
    if (s->c->warm)
        assert_int_equal(rlc_agent_ddpg.after_step(s->agent, 11, &s->stats), RLC_OK);
    return s;
}

static rlc_status ddpg_update_call(void *p)
{
    update_state *s = p;
    rlc_status st = rlc_agent_ddpg.after_step(s->agent, s->c->warm ? 12 : 11, &s->stats);
    if (st == RLC_OK) /* it trained: one gradient step */
        assert_int_equal(s->stats.n_updates, s->c->warm ? 2 : 1);
    return st;
}

/* An update, cold (the agent's first) or warm, alone or data-parallel
 * (its gradients through the ranks' sum), allocates nothing: create
 * sized the tape (before it did, a cold update grew it, and a failure left
 * the replay sampler or PPO's minibatch order advanced, or DDPG's critic
 * stepped without its actor). fail_each then has no allocation to fail. */
static void test_update(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
    rlc_ddpg_config dc = ddpg_config();
    rlc_ppo_config pc = ppo_config();
    rlc_a2c_config ac = a2c_config();
    rlc_trpo_config tc = trpo_config();
    rlc_qac_config qc = qac_config();
    const agent_case ddpg = {&rlc_agent_ddpg, &dc, "Pendulum-v1"},
                     ppo = {&rlc_agent_ppo, &pc, "CartPole-v1"},
                     a2c = {&rlc_agent_a2c, &ac, "Pendulum-v1"},
                     trpo_box = {&rlc_agent_trpo, &tc, "Pendulum-v1"},
                     trpo_discrete = {&rlc_agent_trpo, &tc, "CartPole-v1"},
                     qac_box = {&rlc_agent_qac, &qc, "Pendulum-v1"},
                     qac_discrete = {&rlc_agent_qac, &qc, "CartPole-v1"};
    rlc_a2c_config an = a2c_config();
    an.policy.norm_obs = true; /* data-parallel: its statistics merged at each update */
    const agent_case a2c_norm = {&rlc_agent_a2c, &an, "Pendulum-v1"};
    update_case cases[] = {
        {ddpg, false, false},     {ddpg, true, false},      {ppo, false, false},
        {ppo, true, false},       {a2c, false, false},      {a2c, true, false},
        {trpo_box, false, false}, {trpo_box, true, false},  {trpo_discrete, false, false},
        {qac_box, false, false},  {qac_box, true, false},   {qac_discrete, true, false},
        {ddpg, false, true},      {ddpg, true, true},       {qac_box, true, true},
        {a2c_norm, true, true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool off = cases[i].agent.type == &rlc_agent_ddpg;
        char name[64];
        snprintf(name, sizeof name, "%s %s update%s", cases[i].agent.type->name,
                 cases[i].warm ? "warm" : "cold", cases[i].ranks ? " on 2 ranks" : "");
        size_t sums = mirror_sums;
        op o = {name, &cases[i], off ? ddpg_update_setup : onpolicy_update_setup,
                off ? ddpg_update_call : onpolicy_update_call, update_result, NULL,
                update_teardown};
        fail_report r = fail_each(&o);
        if (r.allocs)
            fail_msg("%s: %zu allocations, expected none", name, r.allocs);
        if (cases[i].ranks && mirror_sums == sums)
            fail_msg("%s: no gradient went through the ranks' sum", name);
    }
}

/* --- batched predict --- */

#define PREDICT_ROWS 1024

typedef struct predict_state {
    const agent_case *c;
    void *agent;
    double obs[PREDICT_ROWS * COLLECT_MAX_OBS], actions[PREDICT_ROWS * COLLECT_MAX_ACT];
} predict_state;

/* A fresh agent that has predicted one row; PREDICT_ROWS observations. */
static void *predict_setup(void *arg)
{
    predict_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    s->agent = new_agent(s->c);
    const rlc_env_type *et = rlc_env_find(s->c->env_id);
    gsl_rng *r = rlc_rng_create(SEED, 98);
    assert_non_null(r);
    for (size_t i = 0; i < PREDICT_ROWS * et->observation_space.dim; i++)
        s->obs[i] = 2.0 * gsl_rng_uniform(r) - 1.0;
    gsl_rng_free(r);
    assert_int_equal(s->c->type->predict(s->agent, 1, s->obs, s->actions), RLC_OK);
    return s;
}

static rlc_status predict_call(void *p)
{
    predict_state *s = p;
    memset(s->actions, 0, sizeof s->actions);
    return s->c->type->predict(s->agent, PREDICT_ROWS, s->obs, s->actions);
}

static size_t predict_result(void *p, double *out)
{
    predict_state *s = p;
    size_t n = PREDICT_ROWS * rlc_env_find(s->c->env_id)->action_space.dim;
    memcpy(out, s->actions, n * sizeof *out);
    return n;
}

static void predict_teardown(void *p)
{
    predict_state *s = p;
    s->c->type->free(s->agent);
    free(s);
}

/* A predict on more rows than ever before grows the tape: each of its
 * allocations failed returns RLC_ENOMEM, and the agent then predicts the
 * same actions as one that never failed. */
static void test_predict(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
    rlc_ddpg_config dc = ddpg_config();
    rlc_ppo_config pc = ppo_config();
    pc.policy.norm_obs = true;
    rlc_a2c_config ac = a2c_config();
    rlc_qac_config qc = qac_config();
    const agent_case cases[] = {
        {&rlc_agent_ddpg, &dc, "Pendulum-v1"},
        {&rlc_agent_ppo, &pc, "Pendulum-v1"},
        {&rlc_agent_a2c, &ac, "CartPole-v1"},
        {&rlc_agent_qac, &qc, "Pendulum-v1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s predict", cases[i].type->name);
        op o = {name, (void *)&cases[i], predict_setup, predict_call, predict_result, NULL,
                predict_teardown};
        fail_report r = fail_each(&o);
        print_message("%s of %d rows: %zu allocations\n", name, PREDICT_ROWS, r.allocs);
        assert_true(r.allocs >= 1);
        assert_int_equal(r.enomem, r.allocs);
    }
}

/* --- evaluation --- */

#define EVAL_COPIES 256

typedef struct eval_state {
    const agent_case *c;
    void *agent;
    rlc_vec_env *envs;
    double actions[EVAL_COPIES * COLLECT_MAX_ACT], returns[EVAL_COPIES];
} eval_state;

static void *eval_setup(void *arg)
{
    eval_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    s->agent = new_agent(s->c);
    assert_int_equal(rlc_vec_env_create(&s->envs, rlc_env_find(s->c->env_id), EVAL_COPIES, SEED,
                                        RLC_RNG_EVAL_ENV), RLC_OK);
    return s;
}

static rlc_status eval_call(void *p)
{
    eval_state *s = p;
    return rlc_runner_evaluate(s->c->type, s->agent, s->envs, s->actions, s->returns);
}

static size_t eval_result(void *p, double *out)
{
    eval_state *s = p;
    memcpy(out, s->returns, sizeof s->returns);
    return EVAL_COPIES;
}

/* A failed evaluation has reset the copies (agent.h): their generators moved on. */
static void eval_after_failure(void *p)
{
    eval_state *s = p;
    rlc_vec_env_reset(s->envs);
}

static void eval_teardown(void *p)
{
    eval_state *s = p;
    s->c->type->free(s->agent);
    rlc_vec_env_free(s->envs);
    free(s);
}

/* An evaluation on more copies than the tape has seen rows: its first
 * predict grows the tape (each failure: RLC_ENOMEM), the second
 * re-allocates the arena once at reset (a failure there is absorbed: the
 * pass grows it again). After RLC_ENOMEM the copies have been reset, so
 * the repeated evaluation is compared with one on copies reset once. */
static void test_evaluate(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
    rlc_ddpg_config dc = ddpg_config();
    rlc_ppo_config pc = ppo_config();
    pc.batch_size = 8; /* a tape sized for minibatches of 8 rows */
    const agent_case cases[] = {
        {&rlc_agent_ddpg, &dc, "Pendulum-v1"},
        {&rlc_agent_ppo, &pc, "Pendulum-v1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s evaluation", cases[i].type->name);
        op o = {name, (void *)&cases[i], eval_setup, eval_call, eval_result, eval_after_failure,
                eval_teardown};
        fail_report r = fail_each(&o);
        print_message("%s on %d copies: %zu allocations, %zu absorbed\n", name, EVAL_COPIES,
                      r.allocs, r.absorbed);
        assert_true(r.enomem >= 1);
        assert_true(r.absorbed <= 1);
    }
}

/* --- rlc_runner_train --- */

#define TRAIN_EVAL 2

typedef struct train_state {
    const agent_case *c;
    size_t total;
    void *agent;
    size_t n_evals, n_episodes;
    double returns[TRAIN_EVAL];
} train_state;

static rlc_status train_on_eval(void *p, size_t t, const double *returns, size_t n)
{
    (void)t;
    train_state *s = p;
    assert_int_equal(n, TRAIN_EVAL);
    memcpy(s->returns, returns, sizeof s->returns);
    s->n_evals++;
    return RLC_OK;
}

static rlc_status train_on_episode(void *p, double r, size_t len, size_t t)
{
    (void)r;
    (void)len;
    (void)t;
    ((train_state *)p)->n_episodes++;
    return RLC_OK;
}

static void *train_setup(void *arg)
{
    train_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = arg;
    s->total = s->c->type == &rlc_agent_ddpg ? 300 : 192;
    s->agent = new_agent(s->c);
    return s;
}

static rlc_status train_call(void *p)
{
    train_state *s = p;
    s->n_evals = s->n_episodes = 0;
    rlc_runner_config rc = {.total_timesteps = s->total};
    rlc_runner_callbacks cb = {.ctx = s, .on_episode = train_on_episode, .on_eval = train_on_eval};
    return rlc_runner_train(s->c->type, s->agent, rlc_env_find(s->c->env_id), SEED, TRAIN_EVAL,
                            &rc, &cb);
}

/* The trained agent's tensors, the final evaluation's returns, the number
 * of evaluations and of training episodes. */
static size_t train_result(void *p, double *out)
{
    train_state *s = p;
    size_t n = agent_tensors(s->c->type, s->agent, out);
    for (size_t i = 0; i < TRAIN_EVAL; i++)
        out[n++] = s->returns[i];
    out[n++] = (double)s->n_evals;
    out[n++] = (double)s->n_episodes;
    return n;
}

static void train_teardown(void *p)
{
    train_state *s = p;
    s->c->type->free(s->agent);
    free(s);
}

/* rlc_runner_train builds its environments and the runner its buffers
 * before the agent is first called; with tapes sized at create and few
 * copies nothing later allocates, so every failure leaves the agent
 * untouched and training it again gives what an agent that never failed
 * gets. */
static void test_runner_train(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
    rlc_ddpg_config dc = ddpg_config();
    rlc_ppo_config pc = ppo_config();
    pc.policy.norm_obs = true;
    pc.norm_reward = true; /* the runner's return normaliser is one more allocation */
    rlc_a2c_config ac = a2c_config();
    rlc_qac_config qc = qac_config();
    qc.norm_reward = true;
    const agent_case cases[] = {
        {&rlc_agent_ddpg, &dc, "Pendulum-v1"},
        {&rlc_agent_ppo, &pc, "CartPole-v1"},
        {&rlc_agent_a2c, &ac, "Pendulum-v1"},
        {&rlc_agent_qac, &qc, "CartPole-v1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s rlc_runner_train", cases[i].type->name);
        op o = {name, (void *)&cases[i], train_setup, train_call, train_result, NULL,
                train_teardown};
        fail_report r = fail_each(&o);
        print_message("%s: %zu allocations\n", name, r.allocs);
        /* the evaluation copies: 13 allocations and 2 per copy's generator */
        assert_true(r.allocs > 13 + 2 * TRAIN_EVAL);
        assert_int_equal(r.enomem, r.allocs);
    }
}

/* --- the tape itself --- */

/* A pass that runs out of memory latches RLC_ENOMEM; after a reset the tape
 * works again. A reset that cannot re-allocate the arena says so and leaves
 * a working tape that grows again; a later reset that can makes the next
 * pass allocation-free. */
static void test_tape_recovers(void **state)
{
    (void)state;
    if (!failing_works())
        skip();
#if FAILING_ALLOCS
    enum { R = 64, C = 32 };
    static double x[R * C];
    for (size_t i = 0; i < R * C; i++)
        x[i] = (double)(i % 7) - 3.0;
    double want = 0;
    for (size_t i = 0; i < R * C; i++)
        want += x[i] * x[i];
    gsl_matrix_view xv = gsl_matrix_view_array(x, R, C);
    rlc_tape *t;
    assert_int_equal(rlc_tape_create(&t, 1024), RLC_OK);

    /* a pass of R×C nodes outgrows 1 KiB: its first growth fails */
    heap_start(1);
    rlc_node *sum = rlc_tape_sum(t, rlc_tape_square(t, rlc_tape_leaf(t, &xv.matrix, NULL)));
    heap_stop();
    assert_null(sum);
    assert_int_equal(rlc_tape_status(t), RLC_ENOMEM);
    assert_int_equal(rlc_tape_backward(t, sum), RLC_ENOMEM);

    /* reset clears the error; this pass grows the arena by overflow blocks */
    assert_int_equal(rlc_tape_reset(t), RLC_OK);
    sum = rlc_tape_sum(t, rlc_tape_square(t, rlc_tape_leaf(t, &xv.matrix, NULL)));
    assert_non_null(sum);
    assert_near(rlc_node_scalar(sum), want, 0);

    /* the reset after it cannot re-allocate the arena: ENOMEM, still 1 KiB */
    heap_start(1);
    assert_int_equal(rlc_tape_reset(t), RLC_ENOMEM);
    heap_stop();
    assert_int_equal(rlc_tape_capacity(t), 1024);
    heap_start(0);
    sum = rlc_tape_sum(t, rlc_tape_square(t, rlc_tape_leaf(t, &xv.matrix, NULL)));
    heap_stop();
    assert_true(heap.n >= 1); /* it grew again */
    assert_near(rlc_node_scalar(sum), want, 0);

    /* this reset can: the next pass fits and allocates nothing */
    assert_int_equal(rlc_tape_reset(t), RLC_OK);
    assert_true(rlc_tape_capacity(t) >= R * C * sizeof(double));
    heap_start(0);
    sum = rlc_tape_sum(t, rlc_tape_square(t, rlc_tape_leaf(t, &xv.matrix, NULL)));
    heap_stop();
    assert_int_equal(heap.n, 0);
    assert_near(rlc_node_scalar(sum), want, 0);
    rlc_tape_free(t);
    assert_int_equal(heap.n_live, 0);
#endif
}

int main(void)
{
    gsl_set_error_handler_off(); /* GSL errors come back as codes, never abort() */
    rlc_blas_set_threads(1);
    const struct CMUnitTest tests[] = {
#if FAILING_ALLOCS
#define TEST(f) cmocka_unit_test_teardown(f, heap_clear)
#else
#define TEST(f) cmocka_unit_test(f)
#endif
        TEST(test_create),
        TEST(test_update),
        TEST(test_predict),
        TEST(test_evaluate),
        TEST(test_runner_train),
        TEST(test_tape_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
