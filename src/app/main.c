/* main.c — the `rlc` command line: parses options with getopt_long, loads
 * and checks the configuration, and hands the run to rlc_run_train (one
 * seed) or rlc_seeds_run (--seeds, seeds.c), continues one (rlc resume) or
 * evaluates its checkpoint (rlc eval); `rlc compare` lives in compare.c,
 * `rlc gradcheck` in gradcheck_cmd.c. All
 * printing and exit codes live here (0 ok, 1 runtime failure, 2 usage or
 * input error); the library only returns statuses. A failed write to stdout
 * (checked once, at exit) is a runtime failure. */
#define _GNU_SOURCE /* getopt_long */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_statistics_double.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/isa.h"
#include "rlc/config.h"
#include "rlc/env.h"
#include "rlc/rng.h"
#include "rlc/run.h"
#include "rlc/vec_env.h"
#include "cli.h"
#include "compare.h"
#include "gradcheck_cmd.h"
#include "seeds.h"
#include "dataparallel.h"
#include "sweep.h"
#include "world.h"

#ifndef RLC_VERSION
#define RLC_VERSION "unknown"
#endif


static void usage(FILE *f)
{
    fputs("usage: rlc run CONFIG [--seed N | --seeds LIST [--jobs N]] [--out DIR]\n"
          "                    [--set section.key=value]...\n", f);
    fputs("       rlc resume RUN_DIR\n"
          "       rlc eval RUN_DIR [--episodes N] [--seed N]\n", f);
    fputs(rlc_compare_usage, f);
    fputs(rlc_gradcheck_usage, f);
    fputs(rlc_sweep_usage, f);
    fputs("       rlc list\n"
          "       rlc --help | --version\n"
          "\n"
          "  run CONFIG         train as the INI file CONFIG says; files go to\n"
          "                     DIR/<CONFIG name>-s<seed>/ (config.ini, monitor.csv,\n"
          "                     progress.csv, eval.csv, model.rlc, run.json)\n"
          "  --seed N           run seed: --set run.seed=N, applied after every --set\n"
          "  --seeds LIST       one run per seed, e.g. 1-10 or 1,3,5-7, each as --seed\n"
          "                     would make it, in its own process; prints a line per\n"
          "                     finished seed, then a table: final eval, steps and\n"
          "                     seconds to [eval] reward_threshold, wall-clock, run dir\n"
          "  --jobs N           with --seeds: at most N runs at once (default: the\n"
          "                     number of online CPUs)\n"
          "  --out DIR          parent folder of the run directory (default: runs)\n"
          "  --set s.key=value  override one setting; may be repeated\n"
          "  resume RUN_DIR     continue a stopped run from its checkpoint, bit for bit\n"
          "  eval RUN_DIR       evaluate the run's checkpoint deterministically; prints\n"
          "                     mean +/- std and every episode's return\n"
          "  compare PATH...    compare run directories grouped by config name: final\n"
          "                     score, IQM, CIs, AUC, P(improvement), Welch p; see\n"
          "                     rlc compare --help\n"
          "  sweep SWEEP.ini    run configs x grid of settings x seeds, one run each,\n"
          "                     then compare them; see rlc sweep --help\n"
          "  gradcheck CONFIG   check the configured algorithm's loss gradients against\n"
          "                     finite differences; see rlc gradcheck --help\n"
          "  list               registered algorithms and environments\n"
          "\n"
          "environment: RLC_ISA=generic|avx2|avx512 picks the instruction-set path of\n"
          "rlc's kernels (default: the widest this CPU runs; all give the same bits)\n"
          "\n"
          "under mpirun -n N: run trains one run data-parallel, resume continues it,\n"
          "sweep spreads its jobs over the ranks; eval, gradcheck and compare run on\n"
          "rank 0 alone\n"
          "\n"
          "exit status: 0 success, 1 runtime failure (with --seeds: of any seed),\n"
          "2 usage or input error, 130 interrupted by Ctrl-C (143: SIGTERM) after\n"
          "writing a checkpoint (a second Ctrl-C exits at once)\n",
          f);
}

static int cmd_list(void)
{
    printf("algorithms:\n");
    for (size_t i = 0; rlc_agent_registry[i]; i++)
        printf("  %-14s %-10s  %s\n", rlc_agent_registry[i]->name,
               rlc_agent_registry[i]->kind == RLC_AGENT_ON_POLICY ? "on-policy" : "off-policy",
               rlc_agent_registry[i]->description);
    printf("environments:\n");
    for (size_t i = 0; rlc_env_at(i); i++) {
        const rlc_env_type *e = rlc_env_at(i);
        if (e->action_space.kind == RLC_SPACE_DISCRETE)
            printf("  %-14s obs %zu, Discrete(%zu), %u steps\n", e->id, e->observation_space.dim,
                   e->action_space.n, e->max_episode_steps);
        else
            printf("  %-14s obs %zu, Box(%zu), %u steps\n", e->id, e->observation_space.dim,
                   e->action_space.dim, e->max_episode_steps);
    }
    return 0;
}

int rlc_cli_load_config(rlc_config *cfg, const char *config_path, const char *const *sets,
                        size_t n_sets, const char *seed)
{
    rlc_config_error err;
    rlc_config_default(cfg);
    rlc_status st = rlc_config_load(cfg, config_path, &err);
    for (size_t i = 0; st == RLC_OK && i < n_sets; i++)
        st = rlc_config_set(cfg, sets[i], &err);
    if (st == RLC_OK && seed) {
        /* --seed N is --set run.seed=N; its errors name --seed N instead */
        size_t n = strlen("run.seed=") + strlen(seed) + 1;
        char *assignment = malloc(n);
        if (!assignment) {
            fprintf(stderr, "rlc: out of memory\n");
            return EXIT_RUNTIME;
        }
        snprintf(assignment, n, "run.seed=%s", seed);
        st = rlc_config_set(cfg, assignment, &err);
        if (st != RLC_OK) {
            /* "--set run.seed=N: reason" -> "--seed N: reason" (N shortened alike) */
            const char *reason = err.message;
            char shown[RLC_CONFIG_ECHO_MAX + 4], seed_shown[RLC_CONFIG_ECHO_MAX + 4];
            rlc_config_shorten(assignment, shown, sizeof shown);
            rlc_config_shorten(seed, seed_shown, sizeof seed_shown);
            size_t len = strlen(shown);
            if (rlc_world_rank() != 0)
                ; /* every rank reads the same input: rank 0 says it */
            else if (!strncmp(reason, "--set ", 6) && !strncmp(reason + 6, shown, len) &&
                     !strncmp(reason + 6 + len, ": ", 2))
                fprintf(stderr, "rlc: --seed %s: %s\n", seed_shown, reason + 6 + len + 2);
            else
                fprintf(stderr, "rlc: %s\n", reason);
            free(assignment);
            return EXIT_USAGE;
        }
        free(assignment);
    }
    if (st == RLC_OK)
        st = rlc_config_validate(cfg, &err);
    if (st != RLC_OK) {
        if (rlc_world_rank() == 0) /* under mpirun every rank reads the same input */
            fprintf(stderr, "rlc: %s\n", err.message);
        return EXIT_USAGE;
    }
    return 0;
}

/* SIGINT/SIGTERM during one run: the first asks it to stop at its next
 * checkpoint (it writes one and returns RLC_EINTERRUPTED); a second exits
 * at once, leaving the last checkpoint written. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    if (stop_signal)
        _exit(128 + sig);
    stop_signal = sig;
    rlc_run_request_stop();
    static const char msg[] = "\nrlc: stopping at the next checkpoint (again to quit at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1); /* async-signal-safe */
    (void)w;
}

/* Our handler for SIGINT and SIGTERM, unless the signal is ignored (a
 * background job of a script, nohup): then it stays ignored. */
static void catch_stop_signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
}

/* The outcome of a run or resume: the summary line, or the error and the
 * exit status (130/143 after an interruption, with how to continue). */
static int report_run(const rlc_config *cfg, rlc_status st, const rlc_run_result *res)
{
    if (st == RLC_EINTERRUPTED) {
        fprintf(stderr, "rlc: %s\n", res->error);
        return 128 + (stop_signal ? stop_signal : SIGINT);
    }
    if (st != RLC_OK) {
        fprintf(stderr, "rlc: %s\n", res->error[0] ? res->error : rlc_strerror(st));
        return st == RLC_EINVAL || st == RLC_EFORMAT ? EXIT_USAGE : EXIT_RUNTIME;
    }
    printf("%s %s seed %" PRIu64 ": final eval mean_reward %.2f +/- %.2f over %zu episodes "
           "(%zu steps, %.2f s) -> %s\n",
           cfg->algo, cfg->env_id, cfg->seed, res->final_mean, res->final_std,
           cfg->n_eval_episodes, res->timesteps, res->seconds, res->run_dir);
    return 0;
}

/* The outcome of a data-parallel run or resume on this rank: rank 0
 * reports as report_run; another rank says only what went wrong on it
 * alone. */
static int report_ranks(const rlc_config *cfg, const rlc_agent_ranks *ranks, rlc_status st,
                        const rlc_run_result *res)
{
    rlc_dataparallel_free();
    int code;
    bool agreed = st == RLC_OK || st == RLC_EINTERRUPTED || st == RLC_EINVAL ||
                  st == RLC_EFORMAT || st == RLC_ENONFINITE ||
                  !strcmp(res->error, "rank 0 could not load the checkpoint");
    if (ranks->rank == 0) {
        code = report_run(cfg, st, res);
    } else {
        if (!agreed)
            fprintf(stderr, "rlc: rank %zu: %s\n", ranks->rank,
                    res->error[0] ? res->error : rlc_strerror(st));
        code = st == RLC_OK ? 0
               : st == RLC_EINTERRUPTED ? 128 + (stop_signal ? stop_signal : SIGINT)
               : st == RLC_EINVAL || st == RLC_EFORMAT ? EXIT_USAGE : EXIT_RUNTIME;
    }
    /* Every rank ends alike after success, a stop, a refused algorithm or
     * run directory, a divergence or a checkpoint rank 0 could not load
     * (damaged: RLC_EFORMAT; the ranks agree on those); any other failure may be one rank's
     * alone (a file rank 0 cannot write) while the others wait in a sum:
     * end them all. */
    if (!agreed)
        rlc_world_abort(code);
    return code;
}

/* The SIZE setting `key` of cfg's algorithm section, if it has one. */
static bool algo_size(const rlc_config *cfg, const char *key, size_t *out)
{
    const rlc_agent_type *t = rlc_agent_find(cfg->algo);
    const void *set = rlc_config_algo_settings(cfg);
    const rlc_setting *r = t && set ? rlc_settings_find(t->settings_rows, t->n_settings_rows, key)
                                    : NULL;
    if (!r || r->kind != RLC_SETTING_SIZE)
        return false;
    memcpy(out, (const char *)set + r->offset, sizeof *out);
    return true;
}

/* Legal settings that probably do not do what the user meant, on stderr
 * (a validated cfg). Read through the settings rows by key name, so any
 * algorithm with those keys gets the check: learning_starts that leaves no
 * step to train on; a minibatch that does not divide the rollout (a short
 * last one per epoch). */
static void warn_settings(const rlc_config *cfg)
{
    size_t starts;
    if (algo_size(cfg, "learning_starts", &starts) && starts >= cfg->total_timesteps)
        fprintf(stderr, "rlc: warning: [%s] learning_starts %zu is not below [run]"
                " total_timesteps %zu: the run collects data and never trains\n",
                cfg->algo, starts, cfg->total_timesteps);
    size_t batch, steps, envs;
    if (!algo_size(cfg, "batch_size", &batch) || !algo_size(cfg, "n_steps", &steps) ||
        !algo_size(cfg, "n_envs", &envs) || !batch || !envs || steps > SIZE_MAX / envs)
        return;
    size_t rollout = steps * envs;
    if (batch < rollout && rollout % batch)
        fprintf(stderr, "rlc: warning: [%s] batch_size %zu does not divide the rollout (n_steps"
                " %zu \xc3\x97 n_envs %zu = %zu): each epoch ends with a minibatch of %zu\n",
                cfg->algo, batch, steps, envs, rollout, rollout % batch);
}

int rlc_cli_getopt(int argc, char **argv, const struct option *opts)
{
    int li = -1;
    int c = getopt_long(argc, argv, "h", opts, &li);
    if (c != -1 && c != '?' && li >= 0 && opts[li].has_arg == required_argument && optarg &&
        optarg[0] == '-' && optarg[1] == '-' && optarg[2]) {
        if (opterr) /* as getopt_long's own messages (rlc sweep's other MPI ranks: silent) */
            fprintf(stderr, "%s: --%s needs a value; '%s' is an option\n", argv[0], opts[li].name,
                    optarg);
        return '?';
    }
    return c;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},
        {"seeds", required_argument, NULL, 'L'},
        {"jobs", required_argument, NULL, 'j'},
        {"out", required_argument, NULL, 'o'},
        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *out_dir = "runs";
    const char *sets[256];
    size_t n_sets = 0;
    const char *seed = NULL; /* the last --seed */
    const char *seed_list = NULL, *jobs_text = NULL; /* the last --seeds, --jobs */
    int c;
    optind = 1;
    /* getopt_long's own messages start with argv[0]: "rlc run: unrecognized option" */
    char prog[] = "rlc run";
    argv[0] = prog;
    while ((c = rlc_cli_getopt(argc, argv, opts)) != -1) {
        switch (c) {
        case 's':
            seed = optarg;
            break;
        case 'L':
            seed_list = optarg;
            break;
        case 'j':
            jobs_text = optarg;
            break;
        case 'o':
            if (!optarg[0]) {
                fprintf(stderr, "rlc run: --out: empty directory name\n");
                return EXIT_USAGE;
            }
            out_dir = optarg;
            break;
        case 'S':
            if (n_sets == sizeof sets / sizeof sets[0]) {
                fprintf(stderr, "rlc run: too many --set options\n");
                return EXIT_USAGE;
            }
            sets[n_sets++] = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind >= argc ? "rlc run: missing CONFIG\n" : "rlc run: unexpected argument '%s'\n",
                argv[optind + (optind < argc)]);
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *config_path = argv[optind];
    /* A reader that goes away (rlc run ... 2>&1 | head) must not kill a run
     * before it writes its files: writes fail with EPIPE instead, which ends
     * the progress display (run.c) and fails only the final stdout flush.
     * Other commands keep the default: `rlc --help | head` ends quietly. */
    signal(SIGPIPE, SIG_IGN);
    if (seed_list && rlc_world_size() > 1) {
        if (rlc_world_rank() == 0)
            fprintf(stderr, "rlc run: --seeds under mpirun: use rlc sweep to spread runs over"
                    " ranks (mpirun -n N rlc run CONFIG trains one run data-parallel)\n");
        return EXIT_USAGE;
    }
    if (seed && seed_list) {
        fprintf(stderr, "rlc run: --seed and --seeds cannot be used together\n");
        return EXIT_USAGE;
    }
    if (jobs_text && !seed_list) {
        fprintf(stderr, "rlc run: --jobs is for --seeds (one run is one process)\n");
        return EXIT_USAGE;
    }
    unsigned jobs = 0;
    if (jobs_text) {
        size_t len = strlen(jobs_text);
        unsigned long v = 0;
        bool ok = len > 0 && len < 6 && strspn(jobs_text, "0123456789") == len;
        if (ok)
            v = strtoul(jobs_text, NULL, 10);
        if (!ok || v < 1 || v > RLC_SEEDS_JOBS_MAX) {
            fprintf(stderr, "rlc run: --jobs '%s': expected a whole number in [1, %d]\n",
                    jobs_text, RLC_SEEDS_JOBS_MAX);
            return EXIT_USAGE;
        }
        jobs = (unsigned)v;
    }
    uint64_t *seeds = NULL;
    size_t n_seeds = 0;
    if (seed_list) {
        char why[512];
        if (rlc_seeds_parse(seed_list, &seeds, &n_seeds, why, sizeof why) != 0) {
            fprintf(stderr, "rlc run: %s\n", why);
            return EXIT_USAGE;
        }
        if (!jobs) {
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            jobs = cpus < 1 ? 1 : cpus > RLC_SEEDS_JOBS_MAX ? RLC_SEEDS_JOBS_MAX : (unsigned)cpus;
        }
    }

    /* a file where the runs' folder should be is bad input, as for rlc
     * sweep: refused before anything is written (every rank sees it) */
    struct stat out_st;
    if (stat(out_dir, &out_st) == 0 && !S_ISDIR(out_st.st_mode)) {
        if (rlc_world_rank() == 0)
            fprintf(stderr, "rlc run: --out %s: not a directory (a file is in the way of the"
                    " folder the runs go to)\n", out_dir);
        free(seeds);
        return EXIT_USAGE;
    }
    rlc_config cfg;
    int code = rlc_cli_load_config(&cfg, config_path, sets, n_sets, seed);
    if (code) {
        free(seeds);
        return code;
    }
    warn_settings(&cfg);
    if (seeds) { /* validated once here, not once per child */
        int status = rlc_seeds_run(&cfg, config_path, out_dir, seeds, n_seeds, jobs, stdout, stderr);
        free(seeds);
        return status;
    }

    rlc_run_result res;
    catch_stop_signals();
    if (rlc_world_mpi()) { /* mpirun -n N: data-parallel; rank 0 writes and reports */
        rlc_agent_ranks ranks;
        rlc_dataparallel_ranks(&ranks, cfg.seed);
        rlc_status st = rlc_run_train_ranks(&cfg, config_path, out_dir, &ranks,
                                            ranks.rank == 0 ? stderr : NULL, &res);
        return report_ranks(&cfg, &ranks, st, &res);
    }
    rlc_status st = rlc_run_train(&cfg, config_path, out_dir, stderr, &res);
    return report_run(&cfg, st, &res);
}

/* After "cannot read DIR/config.ini": when DIR is a folder of run
 * directories (rlc run's --out), says so and names one of them. */
static void hint_runs_inside(const char *cmd, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char ini[4400];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(ini, sizeof ini, "%s/%s/config.ini", dir, e->d_name);
        if (access(ini, R_OK) == 0) {
            int n = (int)strlen(dir);
            while (n > 1 && dir[n - 1] == '/')
                n--;
            fprintf(stderr, "%s: %.*s is not a run directory but holds runs: give one of them, "
                            "e.g. %.*s/%s\n", cmd, n, dir, n, dir, e->d_name);
            break;
        }
    }
    closedir(d);
}

/* rlc resume RUN_DIR */
static int cmd_resume(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: rlc resume RUN_DIR\n"
               "       mpirun -n N rlc resume RUN_DIR\n"
               "  continue the run in RUN_DIR from its checkpoint (model.rlc), as if it had\n"
               "  never stopped: the logs are cut back to the checkpoint and continued; a run\n"
               "  trained on N ranks (run.json's \"ranks\") continues on N ranks, each from\n"
               "  its own state in the checkpoint\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, argc < 2 ? "rlc resume: missing RUN_DIR\n"
                                 : "rlc resume: expected one RUN_DIR, got '%s'\n",
                argv[argc < 2 ? 0 : 1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    char ini[4200];
    snprintf(ini, sizeof ini, "%s/config.ini", argv[1]);
    if (access(ini, R_OK) != 0) { /* not a run directory: bad input, as for rlc eval */
        if (rlc_world_rank() == 0) {
            fprintf(stderr, "rlc: cannot read %s: %s\n", ini, strerror(errno));
            hint_runs_inside("rlc", argv[1]);
        }
        return EXIT_USAGE;
    }
    rlc_run_result res;
    catch_stop_signals();
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    bool loaded = rlc_config_load(&cfg, ini, &err) == RLC_OK; /* seed; the summary line */
    if (!loaded)
        snprintf(cfg.algo, sizeof cfg.algo, "?");
    rlc_agent_ranks ranks;
    rlc_status st;
    if (rlc_world_mpi()) { /* mpirun -n N rlc resume: every rank its own state */
        rlc_dataparallel_ranks(&ranks, cfg.seed); /* the rank seeds the run had */
        st = rlc_run_resume_ranks(argv[1], &ranks, ranks.rank == 0 ? stderr : NULL, &res);
    } else {
        st = rlc_run_resume(argv[1], stderr, &res);
    }
    return rlc_world_mpi() ? report_ranks(&cfg, &ranks, st, &res) : report_run(&cfg, st, &res);
}

/* rlc eval RUN_DIR [--episodes N] [--seed N] */
static int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"episodes", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *episodes = NULL, *seed = NULL;
    int c;
    optind = 1;
    char prog[] = "rlc eval";
    argv[0] = prog;
    while ((c = rlc_cli_getopt(argc, argv, opts)) != -1) {
        switch (c) {
        case 'e':
            episodes = optarg;
            break;
        case 's':
            seed = optarg;
            break;
        case 'h':
            printf("usage: rlc eval RUN_DIR [--episodes N] [--seed N]\n"
                   "  load RUN_DIR's checkpoint and run N deterministic episodes (default: the\n"
                   "  run's n_eval_episodes), one per env copy, resetting from stream\n"
                   "  RLC_RNG_EVAL_ENV of seed N (default: the run's seed); prints mean +/- std\n"
                   "  (ddof 0) and every episode's return\n");
            return 0;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind >= argc ? "rlc eval: missing RUN_DIR\n"
                                       : "rlc eval: unexpected argument '%s'\n",
                argv[optind + (optind < argc)]);
        return EXIT_USAGE;
    }
    const char *run_dir = argv[optind];
    rlc_config cfg;
    void *agent;
    char err[600];
    rlc_status st = rlc_run_load_agent(run_dir, &cfg, &agent, err, sizeof err);
    if (st != RLC_OK) {
        fprintf(stderr, "rlc eval: %s\n", err);
        char ini[4200];
        snprintf(ini, sizeof ini, "%s/config.ini", run_dir);
        if (st != RLC_ENOMEM && access(ini, F_OK) != 0)
            hint_runs_inside("rlc eval", run_dir);
        return st == RLC_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
    }
    /* the options, checked as the settings they stand for */
    rlc_config_error cerr;
    char assignment[300];
    const char *bad = NULL;
    if (episodes) {
        snprintf(assignment, sizeof assignment, "eval.n_eval_episodes=%.200s", episodes);
        if (rlc_config_set(&cfg, assignment, &cerr) != RLC_OK)
            bad = "--episodes";
    }
    if (!bad && seed) {
        snprintf(assignment, sizeof assignment, "run.seed=%.200s", seed);
        if (rlc_config_set(&cfg, assignment, &cerr) != RLC_OK)
            bad = "--seed";
    }
    const rlc_agent_type *type = rlc_agent_find(cfg.algo);
    if (bad) {
        const char *reason = NULL; /* the message's last part: "...: <reason>" */
        for (const char *q = strstr(cerr.message, ": "); q; q = strstr(q + 1, ": "))
            reason = q;
        fprintf(stderr, "rlc eval: %s %s%s\n", bad, bad[2] == 'e' ? episodes : seed,
                reason ? reason : "");
        type->free(agent);
        return EXIT_USAGE;
    }
    size_t n = cfg.n_eval_episodes;
    const rlc_env_type *et = rlc_env_find(cfg.env_id);
    rlc_vec_env *envs = NULL;
    double *returns = malloc(n * sizeof *returns);
    double *actions = malloc(n * et->action_space.dim * sizeof *actions);
    st = RLC_ENOMEM;
    if (returns && actions &&
        (st = rlc_vec_env_create(&envs, et, n, cfg.seed, RLC_RNG_EVAL_ENV)) == RLC_OK)
        st = rlc_runner_evaluate(type, agent, envs, actions, returns);
    if (st == RLC_OK) {
        double mean = gsl_stats_mean(returns, 1, n);
        double sd = sqrt(gsl_stats_variance_with_fixed_mean(returns, 1, n, mean));
        printf("%s %s %s: mean_reward %.2f +/- %.2f over %zu episodes (seed %" PRIu64 ")\n",
               run_dir, cfg.algo, cfg.env_id, mean, sd, n, cfg.seed);
        for (size_t i = 0; i < n; i++)
            printf("episode %zu: %.2f\n", i + 1, returns[i]);
    } else {
        fprintf(stderr, "rlc eval: %s\n", rlc_strerror(st));
    }
    rlc_vec_env_free(envs);
    free(returns);
    free(actions);
    type->free(agent);
    return st == RLC_OK ? 0 : EXIT_RUNTIME;
}

/* No arguments after the command `cmd` (argv[0]): else a usage error. */
static bool no_extra(int argc, char **argv)
{
    if (argc <= 1)
        return true;
    fprintf(stderr, "rlc %s: unexpected argument '%s'\n", argv[0], argv[1]);
    usage(stderr);
    return false;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        if (!no_extra(argc - 1, argv + 1))
            return EXIT_USAGE;
        usage(stdout);
        printf("\nsettings (INI sections and keys):\n");
        rlc_config_print_help(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        if (!no_extra(argc - 1, argv + 1))
            return EXIT_USAGE;
        printf("rlc %s\n", RLC_VERSION);
        printf("kernels: %s (rlc's own fixed-order matrix products and loops, the same bits on "
               "every path; RLC_ISA=generic|avx2|avx512 picks one)\n", rlc_isa());
        printf("BLAS (off the training path): %s", rlc_blas_name());
        if (*rlc_blas_config())
            printf(" (%s; kernels %s)", rlc_blas_config(), rlc_blas_core());
        printf("\n");
        return 0;
    }
    if (!strcmp(cmd, "list"))
        return no_extra(argc - 1, argv + 1) ? cmd_list() : EXIT_USAGE;
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return rlc_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "gradcheck"))
        return rlc_cmd_gradcheck(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep"))
        return rlc_cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "resume"))
        return cmd_resume(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval"))
        return cmd_eval(argc - 1, argv + 1);
    fprintf(stderr, "rlc: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}

/* Flush and close stdout: output that never arrived (a full disk, a closed
 * pipe's EIO, /dev/full) must not end in exit status 0. */
static int close_stdout(int status)
{
    bool failed = ferror(stdout) != 0; /* an earlier write failed */
    errno = 0;
    if (fclose(stdout) != 0)
        failed = true;
    if (!failed)
        return status;
    if (errno)
        fprintf(stderr, "rlc: write error: %s\n", strerror(errno));
    else
        fprintf(stderr, "rlc: write error\n");
    return status ? status : EXIT_RUNTIME;
}

/* RLC_ISA, if set and not empty, must name a path this CPU runs: librlc
 * already took it at load time if it could; here a wrong value is an
 * error, not ignored. */
static bool isa_env_ok(void)
{
    const char *isa = getenv("RLC_ISA");
    if (!isa || !*isa || rlc_isa_set(isa) == RLC_OK) /* empty: as if unset */
        return true;
    fprintf(stderr, "rlc: RLC_ISA=%s: %s (paths: %s)\n", isa,
            strcmp(isa, "avx2") == 0 || strcmp(isa, "avx512") == 0
                ? "this build or CPU cannot run that path"
                : "not a path",
            rlc_isa_names());
    return false;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL reports through return codes, never abort() */
    if (!isa_env_ok())
        return close_stdout(EXIT_USAGE);
    rlc_blas_set_threads(1); /* at these matrix sizes threads cost more than they give */
    /* Under mpirun or srun, the commands that use the ranks join the MPI
     * world; eval, gradcheck and compare join it to run on rank 0 alone
     * (one process's work: every rank would print the same) */
    bool one_rank = argc >= 2 && (!strcmp(argv[1], "eval") || !strcmp(argv[1], "gradcheck") ||
                                  !strcmp(argv[1], "compare"));
    if (argc >= 2 && (one_rank || !strcmp(argv[1], "sweep") || !strcmp(argv[1], "run") ||
                      !strcmp(argv[1], "resume"))) {
        char why[400];
        if (rlc_world_init(&argc, &argv, why, sizeof why) != 0) {
            fprintf(stderr, "rlc: %s\n", why);
            return EXIT_USAGE;
        }
    }
    int status = one_rank && rlc_world_rank() > 0 ? 0 : dispatch(argc, argv);
    rlc_world_finalize();
    return close_stdout(status);
}
