/* test_qac.c — QAC in the book's form (n_envs = 1, n_steps = 1, SGD, no
 * entropy, no clipping) against Algorithm 10.1 worked by hand on networks
 * small enough to follow, Discrete and Box; the a' kept from the rollout's
 * end as the next action; both losses against central finite differences.
 * The batched update against PyTorch lives in test_reference.c, learning
 * in test_learning.c. */
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/gradcheck.h"
#include "rlc/qac.h"
#include "rlc/rng.h"
#include "test_util.h"

/* The book's form with one relu hidden unit, so every number below can be
 * followed by hand (relu is the identity where the pre-activations are
 * positive). */
static void *book_agent(const char *env_id, double actor_lr, double critic_lr, double gamma)
{
    rlc_qac_config c;
    rlc_qac_config_default(&c);
    assert_int_equal(c.n_envs, 1);
    assert_int_equal(c.n_steps, 1);
    assert_int_equal(c.optimizer, RLC_QAC_SGD);
    assert_true(c.lr_schedule == RLC_SCHEDULE_CONSTANT && c.ent_coef == 0.0 &&
                c.max_grad_norm == 0.0 && !c.norm_reward &&
                !c.policy.norm_obs);
    c.actor_learning_rate = actor_lr;
    c.critic_learning_rate = critic_lr;
    c.gamma = gamma;
    c.policy.net_arch[0] = 1;
    c.policy.n_hidden = 1;
    c.policy.activation_fn = RLC_ACT_RELU;
    void *agent;
    assert_int_equal(rlc_agent_qac.create(&agent, &c, rlc_env_find(env_id), 1), RLC_OK);
    return agent;
}

static rlc_policy *policy_of(void *agent) { return ((rlc_policy_trainer *)agent)->policy; }

static void set(gsl_matrix_view *m, const double *v)
{
    memcpy(m->matrix.data, v, m->matrix.size1 * m->matrix.size2 * sizeof *v);
}

static void assert_view(const gsl_matrix_view *m, const double *want, double tol)
{
    for (size_t i = 0; i < m->matrix.size1 * m->matrix.size2; i++)
        assert_near(m->matrix.data[i], want[i], tol);
}

/* One update on the one-transition rollout (s, a, r, s') whose a' has
 * q(s', a') = q_next; the per-step value stored is q(s, a). */
static void update_once(void *agent, const double *s, double a, double q_sa, double r,
                        bool terminated, double q_next, double gamma, rlc_train_stats *stats)
{
    rlc_policy *p = policy_of(agent);
    rlc_rollout *ro;
    assert_int_equal(rlc_rollout_create(&ro, 1, 1, p->obs_dim, p->act_dim), RLC_OK);
    double lp = 0.0;
    bool term = terminated, trunc = false;
    assert_int_equal(rlc_rollout_add(ro, s, &a, &lp, &q_sa, &r, &term, &trunc, NULL, NULL), RLC_OK);
    rlc_rollout_compute_gae(ro, &q_next, gamma, 0.0);
    rlc_train_stats_init(stats);
    assert_int_equal(rlc_agent_qac.update(agent, ro, 1.0, stats), RLC_OK);
    rlc_rollout_free(ro);
}

/* CartPole-v1 (4 observations, 2 actions). Actor: z = W₁s + b₁, h = relu(z),
 * logits = W₂h + b₂. Critic: the same shape, q(s, ·) = W₂ᶜhᶜ + b₂ᶜ.
 *   s = [1, 0.5, −0.5, 1], a = 1, r = 1, s' = [0.5, 1, 0, 0.5], a' = 0,
 *   γ = 0.9, α_θ = 0.1, α_w = 0.01.
 * Actor at s: z = 0.1 − 0.1 − 0.15 + 0.4 + 0.05 = 0.3, logits
 *   [0.5·0.3 + 0.1, −0.3·0.3 − 0.1] = [0.25, −0.19], so π(0|s) = p₀ =
 *   1/(1 + e^(−0.44)) and ∇_logits ln π(1|s) = [−p₀, p₀].
 * Critic at s: z = 0.2 + 0.05 + 0.05 + 0.3 + 0.1 = 0.7, q(s, ·) =
 *   [0.7 + 0.5, 1.4 − 0.5] = [1.2, 0.9]: q(s, a) = 0.9.
 * Critic at s': z = 0.1 + 0.1 + 0 + 0.15 + 0.1 = 0.45, q(s', ·) = [0.95, 0.4]:
 *   q(s', a') = 0.95.
 * δ = 1 + 0.9·0.95 − 0.9 = 0.955 (terminated: 1 − 0.9 = 0.1).
 * Critic: ∇_w q(s, 1) = {W₂ᶜ row 1: h = 0.7, b₂ᶜ[1]: 1, W₁ᶜ: W₂ᶜ[1]·s = 2s,
 *   b₁ᶜ: 2}; row 0 of the head gets nothing. w += α_w·δ·∇q.
 * Actor: θ += α_θ·q(s, a)·∇ ln π(1|s) = 0.09·{W₂: [−p₀, p₀]·0.3,
 *   b₂: [−p₀, p₀], W₁: (0.5·(−p₀) − 0.3·p₀)·s = −0.8p₀·s, b₁: −0.8p₀}. */
static void book_discrete(bool terminated)
{
    const double gamma = 0.9;
    void *agent = book_agent("CartPole-v1", 0.1, 0.01, gamma);
    rlc_policy *p = policy_of(agent);
    rlc_mlp *A = p->actor, *C = p->critic;
    set(&A->W[0], (double[]){0.1, -0.2, 0.3, 0.4});
    set(&A->b[0], (double[]){0.05});
    set(&A->W[1], (double[]){0.5, -0.3});
    set(&A->b[1], (double[]){0.1, -0.1});
    set(&C->W[0], (double[]){0.2, 0.1, -0.1, 0.3});
    set(&C->b[0], (double[]){0.1});
    set(&C->W[1], (double[]){1.0, 2.0});
    set(&C->b[1], (double[]){0.5, -0.5});
    const double s[4] = {1, 0.5, -0.5, 1}, s1[4] = {0.5, 1, 0, 0.5};

    /* the critic's values the agent acts and bootstraps with */
    double lp, q;
    rlc_tape *t = ((rlc_policy_trainer *)agent)->tape;
    assert_int_equal(rlc_policy_evaluate_actions(p, t, s, (double[]){1}, 1, &lp, &q), RLC_OK);
    assert_near(q, 0.9, 1e-15);
    assert_int_equal(rlc_policy_evaluate_actions(p, t, s1, (double[]){0}, 1, &lp, &q), RLC_OK);
    assert_near(q, 0.95, 1e-15);

    rlc_train_stats st;
    update_once(agent, s, 1, 0.9, 1.0, terminated, 0.95, gamma, &st);
    double p0 = 1.0 / (1.0 + exp(-0.44)), delta = terminated ? 0.1 : 0.955;
    double aw = 0.01 * delta, at = 0.1 * 0.9;
    assert_view(&C->W[1], (double[]){1.0, 2.0 + aw * 0.7}, 1e-15);
    assert_view(&C->b[1], (double[]){0.5, -0.5 + aw}, 1e-15);
    assert_view(&C->W[0],
                (double[]){0.2 + aw * 2, 0.1 + aw * 1, -0.1 - aw * 1, 0.3 + aw * 2}, 1e-15);
    assert_view(&C->b[0], (double[]){0.1 + aw * 2}, 1e-15);
    assert_view(&A->W[1], (double[]){0.5 - at * 0.3 * p0, -0.3 + at * 0.3 * p0}, 1e-15);
    assert_view(&A->b[1], (double[]){0.1 - at * p0, -0.1 + at * p0}, 1e-15);
    double g1 = at * -0.8 * p0;
    assert_view(&A->W[0], (double[]){0.1 + g1, -0.2 + g1 * 0.5, 0.3 - g1 * 0.5, 0.4 + g1}, 1e-15);
    assert_view(&A->b[0], (double[]){0.05 + g1}, 1e-15);

    /* the statistics: −ln π(a|s)·q, δ², q, H(π(·|s)) */
    const rlc_agent_type *T = &rlc_agent_qac;
    assert_near(rlc_train_stats_get(T, &st, "actor_loss"), -log(1.0 - p0) * 0.9, 1e-15);
    assert_near(rlc_train_stats_get(T, &st, "critic_loss"), delta * delta, 1e-15);
    assert_near(rlc_train_stats_get(T, &st, "mean_q"), 0.9, 1e-15);
    assert_near(rlc_train_stats_get(T, &st, "entropy"),
                -p0 * log(p0) - (1 - p0) * log(1 - p0), 1e-15);
    assert_int_equal(st.n_updates, 1);
    rlc_agent_qac.free(agent);
}

static void test_book_update_discrete(void **s)
{
    (void)s;
    book_discrete(false);
}

/* On termination the target is r alone: δ = 1 − 0.9 = 0.1, whatever q(s', a'). */
static void test_book_update_terminated(void **s)
{
    (void)s;
    book_discrete(true);
}

/* Pendulum-v1 (3 observations, one action in [−2, 2]). Actor mean
 * μ = W₂·relu(W₁s + b₁) + b₂, log σ = −0.5; critic q([s | clip(a)]).
 *   s = [1, 0.5, 2], a = 2.5 as sampled (the env executes 2), r = −3,
 *   s' = [0.5, −1, 1], a' = −0.5, γ = 0.9, α_θ = 0.1, α_w = 0.01.
 * Actor: z = 0.2 − 0.05 + 0.6 + 0.1 = 0.85, μ = 0.4·0.85 + 0.2 = 0.54;
 *   ∂ ln N(a; μ, σ)/∂μ = (a − μ)/σ² = 1.96e, ∂/∂ log σ = (a − μ)²/σ² − 1
 *   = 3.8416e − 1 (the unclipped a: its density is the one sampled).
 * Critic at [s | 2]: z = 0.1 + 0.1 − 0.2 + 0.25·2 + 0.05 = 0.55, q = 2·0.55
 *   − 1 = 0.1. At [s' | −0.5]: z = 0.05 − 0.2 − 0.1 − 0.125 + 0.05 < 0,
 *   q(s', a') = b₂ᶜ = −1.
 * δ = −3 + 0.9·(−1) − 0.1 = −4. Critic: ∇q = {W₂ᶜ: 0.55, b₂ᶜ: 1,
 *   W₁ᶜ: 2·[1, 0.5, 2, 2], b₁ᶜ: 2}, times α_w·δ = −0.04.
 * Actor: times α_θ·q = 0.01: {W₂: 1.96e·0.85, b₂: 1.96e, W₁: 0.4·1.96e·s,
 *   b₁: 0.4·1.96e, log σ: 3.8416e − 1}. */
static void test_book_update_box(void **s)
{
    (void)s;
    const double gamma = 0.9;
    void *agent = book_agent("Pendulum-v1", 0.1, 0.01, gamma);
    rlc_policy *p = policy_of(agent);
    rlc_mlp *A = p->actor, *C = p->critic;
    set(&A->W[0], (double[]){0.2, -0.1, 0.3});
    set(&A->b[0], (double[]){0.1});
    set(&A->W[1], (double[]){0.4});
    set(&A->b[1], (double[]){0.2});
    set(&p->log_std, (double[]){-0.5});
    set(&C->W[0], (double[]){0.1, 0.2, -0.1, 0.25});
    set(&C->b[0], (double[]){0.05});
    set(&C->W[1], (double[]){2.0});
    set(&C->b[1], (double[]){-1.0});
    const double st0[3] = {1, 0.5, 2}, st1[3] = {0.5, -1, 1};
    double lp, q;
    rlc_tape *t = ((rlc_policy_trainer *)agent)->tape;
    assert_int_equal(rlc_policy_evaluate_actions(p, t, st0, (double[]){2.5}, 1, &lp, &q), RLC_OK);
    assert_near(q, 0.1, 1e-15);
    assert_int_equal(rlc_policy_evaluate_actions(p, t, st1, (double[]){-0.5}, 1, &lp, &q), RLC_OK);
    assert_near(q, -1.0, 1e-15);

    rlc_train_stats st;
    update_once(agent, st0, 2.5, 0.1, -3.0, false, -1.0, gamma, &st);
    double e = exp(1.0), aw = 0.01 * -4.0, at = 0.1 * 0.1, dmu = 1.96 * e;
    assert_view(&C->W[1], (double[]){2.0 + aw * 0.55}, 1e-15);
    assert_view(&C->b[1], (double[]){-1.0 + aw}, 1e-15);
    assert_view(&C->W[0], (double[]){0.1 + aw * 2, 0.2 + aw * 1, -0.1 + aw * 4, 0.25 + aw * 4},
                1e-15);
    assert_view(&C->b[0], (double[]){0.05 + aw * 2}, 1e-15);
    assert_view(&A->W[1], (double[]){0.4 + at * dmu * 0.85}, 1e-14);
    assert_view(&A->b[1], (double[]){0.2 + at * dmu}, 1e-14);
    assert_view(&A->W[0],
                (double[]){0.2 + at * 0.4 * dmu, -0.1 + at * 0.4 * dmu * 0.5,
                           0.3 + at * 0.4 * dmu * 2},
                1e-14);
    assert_view(&A->b[0], (double[]){0.1 + at * 0.4 * dmu}, 1e-14);
    assert_view(&p->log_std, (double[]){-0.5 + at * (3.8416 * e - 1.0)}, 1e-14);
    assert_near(rlc_train_stats_get(&rlc_agent_qac, &st, "critic_loss"), 16.0, 1e-13);
    rlc_agent_qac.free(agent);
}

/* At the rollout's end bootstrap draws a' and act then takes that same a'
 * (the book's a_{t+1}); a truncation's draw is for the target alone, so
 * the act after it draws afresh. Three agents of one seed draw from the
 * same action stream: A bootstraps (next) then acts, B acts twice, C
 * bootstraps (truncation) then acts. */
static void test_next_action_kept(void **s)
{
    (void)s;
    rlc_qac_config c;
    rlc_qac_config_default(&c);
    c.n_envs = 4;
    const rlc_env_type *et = rlc_env_find("Pendulum-v1");
    void *A, *B, *C;
    assert_int_equal(rlc_agent_qac.create(&A, &c, et, 5), RLC_OK);
    assert_int_equal(rlc_agent_qac.create(&B, &c, et, 5), RLC_OK);
    assert_int_equal(rlc_agent_qac.create(&C, &c, et, 5), RLC_OK);
    const double obs[12] = {0.1, -0.2, 0.3, 0.9, 0.4, -1.0, -0.7, 0.7, 2.0, 0.0, 1.0, 0.5};
    double qa[4], qboot[4], qc[4], qcb[4], actA[4], actB1[4], actB2[4], actC[4], env[4], lp[4];
    double qb1[4], qb2[4];
    const rlc_agent_type *T = &rlc_agent_qac;
    assert_int_equal(T->bootstrap(A, 4, obs, qboot, true), RLC_OK);
    assert_int_equal(T->act(A, 4, obs, actA, env, lp, qa), RLC_OK);
    assert_int_equal(T->act(B, 4, obs, actB1, env, lp, qb1), RLC_OK);
    assert_int_equal(T->act(B, 4, obs, actB2, env, lp, qb2), RLC_OK);
    assert_int_equal(T->bootstrap(C, 4, obs, qcb, false), RLC_OK);
    assert_int_equal(T->act(C, 4, obs, actC, env, lp, qc), RLC_OK);
    for (size_t i = 0; i < 4; i++) {
        assert_true(actA[i] == actB1[i]); /* A acted with the a' its bootstrap drew */
        assert_true(qa[i] == qboot[i]);   /* and q(s, a') is the value bootstrapped with */
        assert_true(actC[i] == actB2[i]); /* C's act is the stream's second draw */
        assert_true(actC[i] != actB1[i]);
        assert_true(qcb[i] == qb1[i]);
    }
    /* the kept action is used once: A's next act draws afresh (the stream's second draw) */
    assert_int_equal(T->act(A, 4, obs, actA, env, lp, qa), RLC_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(actA[i] == actB2[i]);
    T->free(A);
    T->free(B);
    T->free(C);
}

/* --- both losses against central finite differences --- */

#define N 7

typedef struct lossfix {
    rlc_policy *p;
    rlc_tape *t;
    double ent_coef;
    double obs[N * 4], actions[N], targets[N], q[N];
    bool critic; /* eval_loss returns the critic's loss, else the actor's (with entropy) */
} lossfix;

static rlc_node *record(lossfix *f, rlc_qac_loss_parts *parts)
{
    rlc_node *loss;
    rlc_tape_reset(f->t);
    if (rlc_qac_loss(f->t, f->p, N, f->obs, f->actions, f->targets, f->q, f->ent_coef, parts,
                     &loss) != RLC_OK)
        return NULL;
    return loss;
}

static double eval_loss(void *ctx)
{
    lossfix *f = ctx;
    rlc_qac_loss_parts parts;
    rlc_node *loss = record(f, &parts);
    if (!loss)
        return NAN;
    return f->critic ? rlc_node_scalar(parts.critic_loss)
                     : rlc_node_scalar(parts.actor_loss) - f->ent_coef * rlc_node_scalar(parts.entropy);
}

/* The gradient of the whole loss, π's part against differences of the
 * actor's loss (with its entropy term) over π's parameters, the critic's
 * part against differences of the critic's loss over the critic's: the
 * critic's loss does not depend on π, and the actor's holds q fixed, so
 * it sends the critic nothing. */
static void check_loss(const char *env_id, double ent_coef)
{
    lossfix f = {0};
    rlc_policy_config pc;
    rlc_policy_config_default(&pc);
    pc.net_arch[0] = 5;
    pc.net_arch[1] = 4;
    pc.log_std_init = -0.3;
    pc.critic = RLC_CRITIC_ACTION_VALUE;
    const rlc_env_type *et = rlc_env_find(env_id);
    gsl_rng *rng = rlc_rng_create(13, RLC_RNG_INIT);
    assert_int_equal(rlc_policy_create(&f.p, &pc, et, rng), RLC_OK);
    assert_int_equal(rlc_tape_create(&f.t, 1 << 12), RLC_OK);
    size_t od = f.p->obs_dim;
    for (size_t i = 0; i < N * od; i++)
        f.obs[i] = gsl_rng_uniform(rng) * 2.0 - 1.0;
    for (size_t i = 0; i < N; i++) {
        f.actions[i] = et->action_space.kind == RLC_SPACE_DISCRETE
                           ? (double)(i % et->action_space.n)
                           : gsl_rng_uniform(rng) * 3.0 - 1.5; /* inside ±2: no clip kink */
        f.targets[i] = gsl_rng_uniform(rng) * 4.0 - 2.0;
    }
    f.ent_coef = ent_coef;
    rlc_node *loss = record(&f, NULL);
    assert_non_null(loss);
    gsl_vector_set_zero(f.p->grads);
    assert_int_equal(rlc_tape_backward(f.t, loss), RLC_OK);
    size_t n = f.p->params->size, n_pi = f.p->pi.vector.size;
    double *g = malloc(n * sizeof *g);
    memcpy(g, f.p->grads->data, n * sizeof *g);
    for (int critic = 0; critic < 2; critic++) {
        f.critic = critic;
        size_t off = critic ? n_pi : 0, m = critic ? n - n_pi : n_pi;
        rlc_gradcheck_result r;
        assert_int_equal(
            rlc_gradcheck(eval_loss, &f, f.p->params->data + off, m, g + off, 1e-5, 1e-6, &r),
            RLC_OK);
        if (r.max_rel_error >= 1e-6)
            print_error("%s %s: coordinate %zu: analytic %.10g, numeric %.10g\n", env_id,
                        critic ? "critic" : "actor", r.worst_index, r.analytic, r.numeric);
        assert_true(r.max_rel_error < 1e-6);
        double norm = 0; /* the block has signal: not passing on zeros */
        for (size_t i = off; i < off + m; i++)
            norm += g[i] * g[i];
        assert_true(norm > 1e-6);
    }
    free(g);
    gsl_rng_free(rng);
    rlc_policy_free(f.p);
    rlc_tape_free(f.t);
}

static void test_loss_gradients_discrete(void **s)
{
    (void)s;
    check_loss("CartPole-v1", 0.0);
    check_loss("CartPole-v1", 0.05);
}

static void test_loss_gradients_box(void **s)
{
    (void)s;
    check_loss("Pendulum-v1", 0.0);
    check_loss("Pendulum-v1", 0.05);
}

/* A V critic has no q(s, a): the loss refuses it. */
static void test_loss_needs_q_critic(void **s)
{
    (void)s;
    rlc_policy_config pc;
    rlc_policy_config_default(&pc);
    gsl_rng *rng = rlc_rng_create(1, RLC_RNG_INIT);
    rlc_policy *p;
    rlc_tape *t;
    assert_int_equal(rlc_policy_create(&p, &pc, rlc_env_find("CartPole-v1"), rng), RLC_OK);
    assert_int_equal(rlc_tape_create(&t, 1 << 12), RLC_OK);
    double obs[4] = {0}, a = 0, target = 0, q, lp, v;
    rlc_node *loss = (rlc_node *)&loss;
    assert_int_equal(rlc_qac_loss(t, p, 1, obs, &a, &target, &q, 0.0, NULL, &loss), RLC_EINVAL);
    assert_null(loss);
    /* and a q critic refuses to be asked for V(s) */
    pc.critic = RLC_CRITIC_ACTION_VALUE;
    rlc_policy *pq;
    assert_int_equal(rlc_policy_create(&pq, &pc, rlc_env_find("CartPole-v1"), rng), RLC_OK);
    assert_int_equal(rlc_policy_values(pq, t, obs, 1, &v), RLC_EINVAL);
    assert_int_equal(rlc_policy_evaluate_actions(pq, t, obs, &a, 1, &lp, &q), RLC_OK);
    a = 2; /* CartPole has actions 0 and 1 */
    assert_int_equal(rlc_policy_evaluate_actions(pq, t, obs, &a, 1, &lp, &q), RLC_EINVAL);
    rlc_policy_free(p);
    rlc_policy_free(pq);
    rlc_tape_free(t);
    gsl_rng_free(rng);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_update_discrete),
        cmocka_unit_test(test_book_update_terminated),
        cmocka_unit_test(test_book_update_box),
        cmocka_unit_test(test_next_action_kept),
        cmocka_unit_test(test_loss_gradients_discrete),
        cmocka_unit_test(test_loss_gradients_box),
        cmocka_unit_test(test_loss_needs_q_critic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
