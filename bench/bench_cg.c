/* bench_cg.c — TRPO's natural-gradient system (F + λI) s = g solved by
 * rlc_cg_solve and by GSL's Polak–Ribière minimiser on the quadratic
 * q(x) = ½xᵀAx − bᵀx (gradient Ax − b), counting Fisher-vector products.
 * `bench_cg CONFIG [UPDATE...]` trains the config's TRPO agent (its seed)
 * and, just before updates 1, 10 and 40 (or those given), records the
 * system that update solves the way trpo.c's policy_step does — the
 * rollout's surrogate on a tape of its own, g by backward, products by
 * rlc_policy_fisher_product at θ_old — solves it both ways, then lets the
 * update run unchanged. Prints products, residuals ‖b − Ax‖² (computed
 * with one uncounted product), sᵀ(F + λI)s, the step scale β and the
 * expected improvement β·gᵀs. A measurement, not a test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/cg.h"
#include "rlc/config.h"
#include "rlc/policy.h"
#include "rlc/rollout.h"
#include "rlc/trpo.h"

#define MAX_TARGETS 8
#define GSL_BUDGET 1000 /* products at most per GSL run */

static rlc_trpo_config tc;
static size_t targets[MAX_TARGETS], n_targets, n_update;

/* A = F + λI by products, counted. A one-entry cache answers a repeated
 * x (GSL may evaluate f and then df at the same point) without a product;
 * `evals` counts every evaluation, `products` the products taken. */
typedef struct quad {
    rlc_policy_fisher *fisher;
    const gsl_vector *b;
    gsl_vector *Ax, *last_x;
    int cached;
    size_t evals, products;
} quad;

static rlc_status counted(void *ctx, const gsl_vector *v, gsl_vector *Av)
{
    quad *q = ctx;
    q->products++;
    return rlc_policy_fisher_product(q->fisher, v, Av);
}

static void quad_Ax(quad *q, const gsl_vector *x)
{
    q->evals++;
    if (q->cached && memcmp(x->data, q->last_x->data, x->size * sizeof(double)) == 0)
        return;
    gsl_vector_memcpy(q->last_x, x);
    counted(q, x, q->Ax);
    q->cached = 1;
}

static double quad_f(const gsl_vector *x, void *ctx)
{
    quad *q = ctx;
    quad_Ax(q, x);
    double xAx, bx;
    gsl_blas_ddot(x, q->Ax, &xAx);
    gsl_blas_ddot(q->b, x, &bx);
    return 0.5 * xAx - bx;
}

static void quad_df(const gsl_vector *x, void *ctx, gsl_vector *g)
{
    quad *q = ctx;
    quad_Ax(q, x);
    gsl_vector_memcpy(g, q->Ax);
    gsl_vector_sub(g, q->b);
}

static void quad_fdf(const gsl_vector *x, void *ctx, double *f, gsl_vector *g)
{
    *f = quad_f(x, ctx);
    quad_df(x, ctx, g);
}

/* What a direction s buys TRPO: the true residual, sᵀAs, β and β·gᵀs. */
static void report(const char *what, quad *q, const gsl_vector *s, size_t products,
                   size_t evals, gsl_vector *tmp)
{
    rlc_policy_fisher_product(q->fisher, s, tmp); /* uncounted */
    double sAs, gs;
    gsl_blas_ddot(s, tmp, &sAs);
    gsl_blas_ddot(q->b, s, &gs);
    gsl_vector_sub(tmp, q->b);
    double r2;
    gsl_blas_ddot(tmp, tmp, &r2);
    double beta = rlc_trpo_step_scale(tc.target_kl, sAs);
    printf("    %-34s products %4zu (evals %4zu)  |b-As|^2 %9.3e  sAs %10.4e  beta %9.4e  "
           "beta*g's %9.4e\n",
           what, products, evals, r2, sAs, beta, beta * gs);
}

/* GSL's conjugate_pr from x = 0 until ‖Ax − b‖² ≤ goal, GSL_BUDGET
 * products, or GSL gives up; reports the first iterate meeting the goal
 * (or the last) and, separately, the iterate after ≤ 15 products. */
static void gsl_solve(quad *q, double step, double tol, double goal, size_t n, gsl_vector *tmp)
{
    gsl_multimin_function_fdf fn = {quad_f, quad_df, quad_fdf, n, q};
    gsl_multimin_fdfminimizer *m =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_conjugate_pr, n);
    gsl_vector *x0 = gsl_vector_calloc(n), *at15 = gsl_vector_calloc(n);
    q->evals = q->products = 0;
    q->cached = 0;
    gsl_multimin_fdfminimizer_set(m, &fn, x0, step, tol);
    size_t p15 = q->products, e15 = q->evals, iters = 0;
    int status = GSL_CONTINUE;
    double r2 = INFINITY;
    while (q->products < GSL_BUDGET) {
        status = gsl_multimin_fdfminimizer_iterate(m);
        if (status)
            break;
        iters++;
        const gsl_vector *gr = gsl_multimin_fdfminimizer_gradient(m);
        gsl_blas_ddot(gr, gr, &r2);
        if (q->products <= 15) {
            gsl_vector_memcpy(at15, gsl_multimin_fdfminimizer_x(m));
            p15 = q->products;
            e15 = q->evals;
        }
        if (r2 <= goal)
            break;
    }
    char what[96];
    snprintf(what, sizeof what, "GSL step %.2g tol %g: %zu it%s%s", step, tol, iters,
             r2 <= goal ? "" : " (goal missed", r2 <= goal ? "" : status ? ", stuck)" : ")");
    size_t pr = q->products, ev = q->evals;
    report(what, q, gsl_multimin_fdfminimizer_x(m), pr, ev, tmp);
    snprintf(what, sizeof what, "  same, at <= 15 products");
    report(what, q, at15, p15, e15, tmp);
    gsl_vector_free(x0);
    gsl_vector_free(at15);
    gsl_multimin_fdfminimizer_free(m);
}

/* The system policy_step solves for this rollout, then both solvers. */
static rlc_status compare(void *agent, rlc_rollout *ro)
{
    rlc_policy *p = ((rlc_policy_trainer *)agent)->policy;
    size_t n = rlc_rollout_rows(ro), od = p->obs_dim, ad = p->act_dim, npi = p->pi.vector.size;
    size_t *idx = malloc(n * sizeof *idx);
    double *obs = malloc(n * od * sizeof(double)), *act = malloc(n * ad * sizeof(double));
    double *oldlp = malloc(n * sizeof(double)), *adv = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    rlc_rollout_gather(ro, idx, n, obs, act, oldlp, adv, NULL, NULL);
    if (tc.normalize_advantage)
        rlc_normalize_advantages(adv, n);
    rlc_tape *t;
    rlc_policy_fisher *fisher;
    rlc_status st;
    if ((st = rlc_tape_create(&t, 1 << 20)) ||
        (st = rlc_policy_fisher_create(&fisher, p, n, tc.cg_damping)))
        return st;
    gsl_matrix_view O = gsl_matrix_view_array(obs, n, od), A = gsl_matrix_view_array(act, n, ad);
    gsl_matrix_view L = gsl_matrix_view_array(oldlp, n, 1), V = gsl_matrix_view_array(adv, n, 1);
    rlc_node *dist, *ls;
    if ((st = rlc_policy_forward(p, t, &O.matrix, true, &dist, &ls, NULL)))
        return st;
    rlc_node *logp = rlc_dist_log_prob(t, p->dist, dist, ls, &A.matrix);
    rlc_node *ratio = rlc_tape_exp(t, rlc_tape_sub(t, logp, rlc_tape_leaf(t, &L.matrix, NULL)));
    rlc_node *surr = rlc_tape_mean(t, rlc_tape_mul(t, ratio, rlc_tape_leaf(t, &V.matrix, NULL)));
    if ((st = rlc_tape_status(t)) || (st = rlc_policy_fisher_set(fisher, t, dist, ls)))
        return st;
    gsl_vector_set_zero(&p->dpi.vector);
    if ((st = rlc_tape_backward(t, surr)))
        return st;
    gsl_vector *g = gsl_vector_alloc(npi), *s = gsl_vector_alloc(npi), *tmp = gsl_vector_alloc(npi);
    gsl_vector_memcpy(g, &p->dpi.vector);
    quad q = {.fisher = fisher, .b = g, .Ax = gsl_vector_alloc(npi), .last_x = gsl_vector_alloc(npi)};
    double gg;
    gsl_blas_ddot(g, g, &gg);
    printf("  update %zu: %zu rows, %zu parameters of pi, damping %g, |g|^2 %.3e\n", n_update, n,
           npi, tc.cg_damping, gg);

    rlc_cg *cg;
    rlc_cg_result r;
    if ((st = rlc_cg_alloc(&cg, npi)))
        return st;
    /* as trpo.c: cg_max_steps products, tolerance 1e-10 */
    q.products = 0;
    rlc_cg_solve(cg, counted, &q, g, s, tc.cg_max_steps, 1e-10, &r);
    char what[96];
    snprintf(what, sizeof what, "rlc_cg_solve, max %zu", tc.cg_max_steps);
    report(what, &q, s, q.products, q.products, tmp);
    /* the residual rlc reaches in cg_max_steps, recomputed (not the recursion's) */
    rlc_policy_fisher_product(fisher, s, tmp);
    gsl_vector_sub(tmp, g);
    double goal15;
    gsl_blas_ddot(tmp, tmp, &goal15);
    q.products = 0;
    rlc_cg_solve(cg, counted, &q, g, s, GSL_BUDGET, 1e-10, &r);
    report("rlc_cg_solve to 1e-10", &q, s, q.products, q.products, tmp);

    double nb = sqrt(gg);
    const double steps[] = {0.01 * nb, 1.0 * nb, 100.0 * nb}, tols[] = {0.1, 1e-4};
    for (int goal = 0; goal < 2; goal++) {
        double gl = goal ? 1e-10 : goal15;
        printf("   GSL conjugate_pr to |b-Ax|^2 <= %.3e (%s):\n", gl,
               goal ? "1e-10" : "what rlc reaches in cg_max_steps");
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            for (size_t j = 0; j < sizeof tols / sizeof tols[0]; j++)
                gsl_solve(&q, steps[i], tols[j], gl, npi, tmp);
    }
    fflush(stdout);
    rlc_cg_free(cg);
    gsl_vector_free(g);
    gsl_vector_free(s);
    gsl_vector_free(tmp);
    gsl_vector_free(q.Ax);
    gsl_vector_free(q.last_x);
    rlc_policy_fisher_free(fisher);
    rlc_tape_free(t);
    free(idx);
    free(obs);
    free(act);
    free(oldlp);
    free(adv);
    return RLC_OK;
}

static rlc_status update(void *agent, rlc_rollout *ro, double progress, rlc_train_stats *stats)
{
    n_update++;
    for (size_t i = 0; i < n_targets; i++)
        if (targets[i] == n_update) {
            rlc_status st = compare(agent, ro);
            if (st != RLC_OK)
                return st;
        }
    return rlc_agent_trpo.update(agent, ro, progress, stats);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "configs/trpo_cartpole.ini";
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    if (rlc_config_load(&cfg, path, &err) || rlc_config_validate(&cfg, &err)) {
        fprintf(stderr, "bench_cg: %s\n", err.message);
        return 2;
    }
    if (strcmp(cfg.algo, "trpo") != 0) {
        fprintf(stderr, "bench_cg: %s is not a TRPO config\n", path);
        return 2;
    }
    for (int i = 2; i < argc && n_targets < MAX_TARGETS; i++)
        targets[n_targets++] = strtoul(argv[i], NULL, 10);
    if (!n_targets) {
        targets[n_targets++] = 1;
        targets[n_targets++] = 10;
        targets[n_targets++] = 40;
    }
    tc = *(const rlc_trpo_config *)rlc_config_algo_settings(&cfg);
    size_t last = 0;
    for (size_t i = 0; i < n_targets; i++)
        last = targets[i] > last ? targets[i] : last;
    rlc_agent_type type = rlc_agent_trpo;
    type.update = update;
    void *agent;
    if (type.create(&agent, &tc, rlc_env_find(cfg.env_id), cfg.seed) != RLC_OK) {
        fprintf(stderr, "bench_cg: cannot create the agent\n");
        return 1;
    }
    printf("%s: %s %s, seed %llu, target_kl %g, cg_max_steps %zu\n", path, cfg.algo, cfg.env_id,
           (unsigned long long)cfg.seed, tc.target_kl, tc.cg_max_steps);
    rlc_runner_config rc = {.total_timesteps = last * tc.n_steps * tc.n_envs,
                            .log_interval = 0, .eval_freq = 0};
    rlc_runner_callbacks cb = {0};
    rlc_status st = rlc_runner_train(&type, agent, rlc_env_find(cfg.env_id), cfg.seed, 1, &rc, &cb);
    type.free(agent);
    if (st != RLC_OK) {
        fprintf(stderr, "bench_cg: %s\n", rlc_strerror(st));
        return 1;
    }
    return 0;
}
