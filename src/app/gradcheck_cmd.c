/* gradcheck_cmd.c — `rlc gradcheck CONFIG`: builds the configured agent,
 * fills its gradient-check batch from a short run of the configured
 * environment, checks every loss the agent type offers block by block
 * against central finite differences, and prints a table (or CSV). Names no
 * algorithm: the losses come through the agent seam (rlc/agent.h); the
 * checking is the library's (rlc/gradcheck.h). */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rlc/agent.h"
#include "rlc/config.h"
#include "rlc/env.h"
#include "rlc/gradcheck.h"
#include "cli.h"
#include "gradcheck_cmd.h"

const char rlc_gradcheck_usage[] =
    "       rlc gradcheck CONFIG [--seed N] [--batch N] [--eps E] [--tol T] [--csv]\n"
    "                     [--set section.key=value]...\n";

#define DEFAULT_BATCH 64
#define MAX_BATCH 65536 /* rows: a check needs a batch, not a dataset */

static void gradcheck_help(FILE *f)
{
    rlc_gradcheck_options o;
    rlc_gradcheck_options_default(&o);
    fprintf(f,
            "usage: rlc gradcheck CONFIG [--seed N] [--batch N] [--eps E] [--tol T] [--csv]\n"
            "                     [--set section.key=value]...\n"
            "\n"
            "Check the gradient of every loss of CONFIG's algorithm against central\n"
            "finite differences, per parameter block (actor.layer0.weight, log_std, ...).\n"
            "The batch is real: on-policy algorithms collect one rollout (observation\n"
            "normalisation as configured), take one update on it, and N rows of that\n"
            "rollout are drawn; off-policy ones take N steps and sample N transitions.\n"
            "\n"
            "  --seed N        run seed (--set run.seed=N): agent, env, batch, sample\n"
            "  --batch N       rows of the batch (default %d)\n"
            "  --eps E         relative step: h = E * max(1, |x|) (default %g)\n"
            "  --tol T         largest relative error that passes (default %g)\n"
            "  --csv           one CSV row per block instead of the table\n"
            "  --set s.key=v   override one setting; may be repeated\n"
            "\n"
            "Per coordinate, with a the analytic derivative:\n"
            "  n     = (f(x+h) - f(x-h)) / 2h\n"
            "  noise = 64 * DBL_EPSILON * max(|f(x+h)|, |f(x-h)|) / h\n"
            "  floor = max(%g, noise / T)\n"
            "  rel   = |a - n| / max(|a|, |n|, floor)\n"
            "(noise bounds the rounding in n; below the floor derivatives are compared\n"
            "absolutely). A block passes when every rel <= T.\n"
            "Blocks of up to %zu coordinates are checked whole (\"all\"); larger ones\n"
            "on %zu coordinates drawn with the seed plus %zu random directions d in\n"
            "{-1,+1}^n, n = (f(x+hd) - f(x-hd)) / 2h against a.d (\"%zu+%zud\").\n"
            "Kinks: a coordinate whose one-sided slopes (f(x+h) - f(x))/h and\n"
            "(f(x) - f(x-h))/h differ by at least |a - n|, with a within |a - n|/2\n"
            "of one of them, lies within h of a kink (relu at 0, a clip boundary, a\n"
            "min/max tie): it is skipped and counted under \"kinks\".\n"
            "A block where no coordinate shows a derivative above T * floor, analytic\n"
            "or numeric, is \"no signal\": neither a pass nor a failure.\n"
            "\n"
            "exit status: 0 no block failed, 1 a block failed (or the check could not\n"
            "run), 2 usage or input error\n",
            DEFAULT_BATCH, o.step, o.tol, o.floor, o.max_full, o.n_sample, o.n_directions,
            o.n_sample, o.n_directions);
}

/* A whole number ≥ 1 that fits size_t. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s[0] || s[0] == '-' || s[0] == '+')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v > SIZE_MAX)
        return false;
    *out = (size_t)v;
    return true;
}

/* A finite real > 0. */
static bool parse_positive(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || !(v > 0))
        return false;
    *out = v;
    return true;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "all", or "64+8d" for a sample of 64 coordinates and 8 directions. */
static void checked_text(const rlc_gradcheck_report *r, char *buf, size_t n)
{
    if (r->sampled)
        snprintf(buf, n, "%zu+%zud", r->n_coords, r->n_directions);
    else
        snprintf(buf, n, "all");
}

int rlc_cmd_gradcheck(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'}, {"batch", required_argument, NULL, 'b'},
        {"eps", required_argument, NULL, 'e'},  {"tol", required_argument, NULL, 't'},
        {"csv", no_argument, NULL, 'c'},        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},       {0, 0, 0, 0},
    };
    const char *sets[256];
    size_t n_sets = 0, batch = DEFAULT_BATCH;
    const char *seed = NULL;
    bool csv = false;
    rlc_gradcheck_options opt;
    rlc_gradcheck_options_default(&opt);
    int c;
    optind = 1;
    char prog[] = "rlc gradcheck";
    argv[0] = prog;
    while ((c = rlc_cli_getopt(argc, argv, opts)) != -1) {
        switch (c) {
        case 's':
            seed = optarg;
            break;
        case 'b':
            if (!parse_size(optarg, &batch) || batch > MAX_BATCH) {
                fprintf(stderr, "rlc gradcheck: --batch %.60s: not a whole number in [1, %d]\n",
                        optarg, MAX_BATCH);
                return EXIT_USAGE;
            }
            break;
        case 'e':
            if (!parse_positive(optarg, &opt.step) || opt.step >= 1) {
                fprintf(stderr, "rlc gradcheck: --eps %s: not a number in (0, 1)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 't':
            if (!parse_positive(optarg, &opt.tol)) {
                fprintf(stderr, "rlc gradcheck: --tol %s: not a number > 0\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'c':
            csv = true;
            break;
        case 'S':
            if (n_sets == sizeof sets / sizeof sets[0]) {
                fprintf(stderr, "rlc gradcheck: too many --set options\n");
                return EXIT_USAGE;
            }
            sets[n_sets++] = optarg;
            break;
        case 'h':
            gradcheck_help(stdout);
            return 0;
        default:
            fputs("usage:", stderr);
            fputs(rlc_gradcheck_usage + strlen("      "), stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr,
                optind >= argc ? "rlc gradcheck: missing CONFIG\n"
                               : "rlc gradcheck: unexpected argument '%s'\n",
                argv[optind + (optind < argc)]);
        fputs("usage:", stderr);
        fputs(rlc_gradcheck_usage + strlen("      "), stderr);
        return EXIT_USAGE;
    }
    const char *config_path = argv[optind];
    rlc_config *cfg = malloc(sizeof *cfg); /* large: keep it off the stack */
    if (!cfg) {
        fprintf(stderr, "rlc: out of memory\n");
        return EXIT_RUNTIME;
    }
    int code = rlc_cli_load_config(cfg, config_path, sets, n_sets, seed);
    if (code) {
        free(cfg);
        return code;
    }
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    opt.seed = cfg->seed;
    void *agent = NULL;
    double t0 = now_seconds();
    rlc_status st = type->create(&agent, rlc_config_algo_settings(cfg), env, cfg->seed);
    if (st != RLC_OK) {
        fprintf(stderr, "rlc gradcheck: creating the %s agent: %s\n", type->name, rlc_strerror(st));
        free(cfg);
        return st == RLC_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
    }
    if (!type->losses) {
        fprintf(stderr, "rlc gradcheck: algorithm '%s' offers no gradient checks\n", type->name);
        type->free(agent);
        free(cfg);
        return EXIT_RUNTIME;
    }
    if ((st = rlc_agent_gradcheck_prepare(type, agent, env, cfg->seed, batch))) {
        fprintf(stderr, "rlc gradcheck: filling the batch: %s\n", rlc_strerror(st));
        type->free(agent);
        free(cfg);
        return EXIT_RUNTIME;
    }
    if (csv) {
        printf("loss,block,size,coordinates,directions,kinks,max_abs_error,max_rel_error,result\n");
    } else {
        size_t rows = batch;
        const char *base = strrchr(config_path, '/');
        printf("rlc gradcheck %s: %s on %s, seed %" PRIu64 "\n", base ? base + 1 : config_path,
               type->name, cfg->env_id, cfg->seed);
        if (type->kind == RLC_AGENT_ON_POLICY) {
            rlc_onpolicy_settings s = type->onpolicy_settings(agent);
            size_t total = s.n_steps * s.n_envs;
            rows = rows < total ? rows : total;
            printf("batch: %zu rows of a %zu x %zu-step rollout, after one update on it\n", rows,
                   s.n_envs, s.n_steps);
        } else {
            printf("batch: %zu transitions sampled from a replay filled by the first %zu steps\n",
                   rows, rows);
        }
        printf("eps %g, tol %g; rel = |a - n| / max(|a|, |n|, floor) (see --help)\n\n",
               opt.step, opt.tol);
        printf("%-24s %7s %7s %8s %8s %5s  %s\n", "loss / block", "size", "checked", "max abs",
               "max rel", "kinks", "result");
    }
    rlc_agent_loss losses[RLC_AGENT_MAX_LOSSES];
    size_t n_losses = type->losses(agent, losses);
    size_t n_pass = 0, n_fail = 0, n_none = 0, n_kinks = 0;
    for (size_t i = 0; i < n_losses && st == RLC_OK; i++) {
        rlc_gradcheck_report rep[RLC_AGENT_MAX_BLOCKS];
        if ((st = rlc_agent_gradcheck_loss(type, agent, i, &opt, rep))) {
            fprintf(stderr, "rlc gradcheck: %s: %s\n", losses[i].name, rlc_strerror(st));
            break;
        }
        if (!csv)
            printf("%s\n", losses[i].name);
        for (size_t b = 0; b < losses[i].n_blocks; b++) {
            const rlc_gradcheck_report *r = &rep[b];
            char checked[32];
            checked_text(r, checked, sizeof checked);
            n_pass += r->verdict == RLC_GRADCHECK_PASS;
            n_fail += r->verdict == RLC_GRADCHECK_FAIL;
            n_none += r->verdict == RLC_GRADCHECK_NO_SIGNAL;
            n_kinks += r->n_kinks;
            const char *verdict = rlc_gradcheck_verdict_name(r->verdict);
            if (csv)
                printf("%s,%s,%zu,%zu,%zu,%zu,%.3e,%.3e,%s\n", losses[i].name,
                       losses[i].blocks[b].name, r->n, r->n_coords, r->n_directions, r->n_kinks,
                       r->max_abs_error, r->max_rel_error, verdict);
            else
                printf("  %-22s %7zu %7s %8.1e %8.1e %5zu  %s\n", losses[i].blocks[b].name, r->n,
                       checked, r->max_abs_error, r->max_rel_error, r->n_kinks, verdict);
        }
    }
    double seconds = now_seconds() - t0;
    if (st == RLC_OK && !csv)
        printf("\n%zu blocks: %zu pass, %zu FAIL, %zu no signal; %zu kinks skipped (%.2f s)\n"
               "checked: all = every coordinate; %zu+%zud = %zu coordinates drawn with the\n"
               "seed and %zu random directions (blocks over %zu coordinates)\n",
               n_pass + n_fail + n_none, n_pass, n_fail, n_none, n_kinks, seconds, opt.n_sample,
               opt.n_directions, opt.n_sample, opt.n_directions, opt.max_full);
    type->free(agent);
    free(cfg);
    if (st != RLC_OK)
        return EXIT_RUNTIME;
    return n_fail ? EXIT_RUNTIME : 0;
}
