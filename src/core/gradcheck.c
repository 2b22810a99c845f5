/* gradcheck.c — central-difference gradient checks (contract in
 * include/rlc/gradcheck.h). Knows nothing of tapes or agents: it perturbs
 * numbers. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/gradcheck.h"

rlc_status rlc_gradcheck(rlc_gradcheck_fn f, void *ctx, double *x, size_t n,
                         const double *analytic, double step, double floor,
                         rlc_gradcheck_result *result)
{
    if (!f || !x || !analytic || !result || n == 0 || !(step > 0) || !(floor > 0))
        return RLC_EINVAL;
    *result = (rlc_gradcheck_result){0};
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        double h = step * (fabs(xi) > 1.0 ? fabs(xi) : 1.0);
        double xp = xi + h, xm = xi - h; /* the steps actually taken, after rounding */
        x[i] = xp;
        double fp = f(ctx);
        x[i] = xm;
        double fm = f(ctx);
        x[i] = xi;
        if (!isfinite(fp) || !isfinite(fm))
            return RLC_ENONFINITE;
        double num = (fp - fm) / (xp - xm);
        double a = analytic[i];
        double scale = fmax(fmax(fabs(a), fabs(num)), floor);
        double err = fabs(a - num) / scale;
        if (i == 0 || err > result->max_rel_error) {
            result->max_rel_error = err;
            result->worst_index = i;
            result->analytic = a;
            result->numeric = num;
        }
    }
    return RLC_OK;
}

void rlc_gradcheck_options_default(rlc_gradcheck_options *opt)
{
    *opt = (rlc_gradcheck_options){.step = 1e-6, .floor = 1e-4, .tol = 1e-5, .max_full = 256,
                                   .n_sample = 128, .n_directions = 16, .seed = 0};
}

const char *rlc_gradcheck_verdict_name(rlc_gradcheck_verdict v)
{
    switch (v) {
    case RLC_GRADCHECK_PASS:
        return "pass";
    case RLC_GRADCHECK_FAIL:
        return "FAIL";
    case RLC_GRADCHECK_NO_SIGNAL:
        return "no signal";
    }
    return "?";
}

/* splitmix64: the stream that picks coordinates and directions. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double next_unit(uint64_t *s) /* uniform in [0, 1) */
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

/* The running state of one block's check. */
typedef struct block_state {
    const rlc_gradcheck_options *opt;
    double f0;           /* f(x) */
    size_t signal;       /* checked ones with something measurable */
    size_t checked;      /* checked ones (kinks excluded) */
    bool failed;
    rlc_gradcheck_report *r;
} block_state;

/* Compare one analytic derivative a with the differences f(x ± h·d),
 * xp − xm being the (rounded) distance between the two points and
 * h₊ = xp − x, h₋ = x − xm the one-sided steps. */
static void compare(block_state *s, double a, double fp, double fm, double hp, double hm,
                    size_t index)
{
    rlc_gradcheck_report *r = s->r;
    double num = (fp - fm) / (hp + hm);
    double h = 0.5 * (hp + hm);
    double noise = 64.0 * DBL_EPSILON * fmax(fabs(fp), fabs(fm)) / h;
    double fl = fmax(s->opt->floor, noise / s->opt->tol);
    double abs_err = fabs(a - num);
    double rel = abs_err / fmax(fmax(fabs(a), fabs(num)), fl);
    if (rel > s->opt->tol) {
        double dp = (fp - s->f0) / hp, dm = (s->f0 - fm) / hm;
        double jump = fabs(dp - dm);
        if (jump >= abs_err && fmin(fabs(a - dp), fabs(a - dm)) <= 0.5 * abs_err) {
            r->n_kinks++;
            return;
        }
        s->failed = true;
    }
    s->checked++;
    if (fmax(fabs(a), fabs(num)) > s->opt->tol * fl)
        s->signal++;
    if (s->checked == 1 || rel > r->max_rel_error) {
        r->max_rel_error = rel;
        r->worst_index = index;
        r->analytic = a;
        r->numeric = num;
    }
    r->max_abs_error = fmax(r->max_abs_error, abs_err);
}

/* One coordinate: perturb, evaluate, restore, compare. */
static rlc_status check_coord(block_state *s, rlc_gradcheck_fn f, void *ctx, double *x,
                              const double *analytic, size_t i)
{
    double xi = x[i];
    double h = s->opt->step * (fabs(xi) > 1.0 ? fabs(xi) : 1.0);
    double xp = xi + h, xm = xi - h;
    x[i] = xp;
    double fp = f(ctx);
    x[i] = xm;
    double fm = f(ctx);
    x[i] = xi;
    if (!isfinite(fp) || !isfinite(fm))
        return RLC_ENONFINITE;
    compare(s, analytic[i], fp, fm, xp - xi, xi - xm, i);
    return RLC_OK;
}

/* One direction d ∈ {−1, +1}ⁿ drawn from the stream: x ± h·d. */
static rlc_status check_direction(block_state *s, rlc_gradcheck_fn f, void *ctx, double *x,
                                  size_t n, const double *analytic, double *saved, uint64_t *rng)
{
    double xmax = 0.0, gd = 0.0;
    for (size_t i = 0; i < n; i++)
        xmax = fmax(xmax, fabs(x[i]));
    double h = s->opt->step * (xmax > 1.0 ? xmax : 1.0);
    memcpy(saved, x, n * sizeof *x);
    /* d is kept as the sign bits of the stream: redraw it from a copy */
    uint64_t start = *rng;
    for (size_t i = 0; i < n; i++) {
        double d = (next_u64(rng) >> 63) ? 1.0 : -1.0;
        gd += analytic[i] * d;
        x[i] = saved[i] + h * d;
    }
    double fp = f(ctx);
    uint64_t again = start;
    for (size_t i = 0; i < n; i++)
        x[i] = saved[i] - h * ((next_u64(&again) >> 63) ? 1.0 : -1.0);
    double fm = f(ctx);
    memcpy(x, saved, n * sizeof *x);
    if (!isfinite(fp) || !isfinite(fm))
        return RLC_ENONFINITE;
    compare(s, gd, fp, fm, h, h, SIZE_MAX);
    return RLC_OK;
}

rlc_status rlc_gradcheck_block(rlc_gradcheck_fn f, void *ctx, double *x, size_t n,
                               const double *analytic, const rlc_gradcheck_options *opt,
                               rlc_gradcheck_report *report)
{
    rlc_gradcheck_options defaults;
    if (!opt) {
        rlc_gradcheck_options_default(&defaults);
        opt = &defaults;
    }
    if (!f || !x || !analytic || !report || n == 0 || !(opt->step > 0) || !(opt->floor > 0) ||
        !(opt->tol > 0))
        return RLC_EINVAL;
    rlc_gradcheck_report *r = report;
    *r = (rlc_gradcheck_report){.n = n, .worst_index = 0};
    block_state s = {.opt = opt, .r = r};
    s.f0 = f(ctx);
    if (!isfinite(s.f0))
        return RLC_ENONFINITE;
    rlc_status st = RLC_OK;
    double *saved = NULL;
    if (n <= opt->max_full || opt->n_sample >= n) {
        r->n_coords = n;
        for (size_t i = 0; i < n && st == RLC_OK; i++)
            st = check_coord(&s, f, ctx, x, analytic, i);
    } else {
        r->sampled = true;
        uint64_t rng = opt->seed;
        /* Knuth's selection sampling (TAOCP 3.4.2, Algorithm S): n_sample of n, in order */
        size_t need = opt->n_sample;
        for (size_t i = 0; i < n && need > 0 && st == RLC_OK; i++) {
            if ((double)(n - i) * next_unit(&rng) < (double)need) {
                st = check_coord(&s, f, ctx, x, analytic, i);
                r->n_coords++;
                need--;
            }
        }
        if (st == RLC_OK && opt->n_directions > 0) {
            if (!(saved = malloc(n * sizeof *saved)))
                return RLC_ENOMEM;
            for (size_t k = 0; k < opt->n_directions && st == RLC_OK; k++) {
                st = check_direction(&s, f, ctx, x, n, analytic, saved, &rng);
                r->n_directions++;
            }
        }
    }
    free(saved);
    if (st != RLC_OK)
        return st;
    r->verdict = s.failed                         ? RLC_GRADCHECK_FAIL
                 : s.signal == 0 || s.checked == 0 ? RLC_GRADCHECK_NO_SIGNAL
                                                   : RLC_GRADCHECK_PASS;
    return RLC_OK;
}
