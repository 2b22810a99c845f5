/* run.c — a training run on disk: run directory, config.ini, monitor.csv,
 * progress.csv, eval.csv, checkpoint (contract in include/rlc/run.h). The
 * training loop itself lives in src/agents/runner.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_statistics_double.h>
#include <zlib.h>
#include "rlc/agent.h"
#include "rlc/run.h"
#include "runinfo.h"

static volatile sig_atomic_t stop_requested; /* rlc_run_request_stop */

void rlc_run_request_stop(void)
{
    stop_requested = 1;
}

#define RECENT 100 /* episodes in the rolling mean shown in progress (SB3's ep_rew_mean) */

typedef struct run_ctx {
    const rlc_config *cfg;
    const rlc_agent_type *type;
    rlc_run_result *res;
    FILE *monitor, *progress_csv, *eval_csv, *display;
    bool tty;
    size_t final_timesteps; /* steps the run will have taken when it ends */
    size_t shown;           /* timesteps of the last progress display */
    double t0_mono; /* CLOCK_MONOTONIC seconds at start */
    size_t episodes;
    double recent_r[RECENT];
    size_t recent_l[RECENT];
    double last_eval_mean;
    size_t rate_steps;      /* steps/s on the display counts from here: */
    double rate_t0;         /* the last row of warm-up (no update yet), or the start */
} run_ctx;

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static rlc_status io_error(rlc_run_result *res, const char *what, const char *path)
{
    snprintf(res->error, sizeof res->error, "%s %.400s: %s", what, path, strerror(errno));
    return RLC_EIO;
}

/* io_error for the file `name` of the run directory, named by its path. */
static rlc_status io_error_in(rlc_run_result *res, const char *what, const char *name)
{
    int e = errno;
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", res->run_dir, name);
    errno = e;
    return io_error(res, what, path);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The run directory's stem: the config file's name without extension, or
 * "<algo>_<env_id>" for a configuration built in code. */
static void config_stem(const rlc_config *cfg, const char *path, char *stem, size_t n)
{
    if (!path) {
        snprintf(stem, n, "%s_%s", cfg->algo, cfg->env_id);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(stem, n, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
}

/* Create a fresh run directory: out/<stem>-s<seed>, or -2, -3, ... */
static rlc_status create_run_dir(const rlc_config *cfg, const char *config_path,
                                 const char *out_dir, rlc_run_result *res)
{
    char stem[256];
    config_stem(cfg, config_path, stem, sizeof stem);
    if (make_dirs(out_dir) != 0)
        return io_error(res, "cannot create", out_dir);
    for (unsigned k = 1; k < 10000; k++) {
        int n = k == 1 ? snprintf(res->run_dir, sizeof res->run_dir, "%s/%s-s%llu", out_dir, stem,
                                  (unsigned long long)cfg->seed)
                       : snprintf(res->run_dir, sizeof res->run_dir, "%s/%s-s%llu-%u", out_dir,
                                  stem, (unsigned long long)cfg->seed, k);
        if (n >= (int)sizeof res->run_dir) {
            errno = ENAMETOOLONG;
            return io_error(res, "cannot create", out_dir);
        }
        if (mkdir(res->run_dir, 0777) == 0)
            return RLC_OK;
        if (errno != EEXIST)
            return io_error(res, "cannot create", res->run_dir);
    }
    errno = EEXIST;
    return io_error(res, "cannot create a run directory in", out_dir);
}

static FILE *open_in_run(rlc_run_result *res, const char *name)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", res->run_dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        io_error(res, "cannot write", path);
    return f;
}

static rlc_status on_episode(void *p, double r, size_t len, size_t timesteps)
{
    run_ctx *c = p;
    (void)timesteps;
    if (stop_requested)
        return RLC_EINTERRUPTED;
    c->recent_r[c->episodes % RECENT] = r;
    c->recent_l[c->episodes % RECENT] = len;
    c->episodes++;
    /* SB3 Monitor: r and t rounded to 6 decimals, l an integer. */
    if (fprintf(c->monitor, "%.6f,%zu,%.6f\n", r, len, now(CLOCK_MONOTONIC) - c->t0_mono) < 0 ||
        fflush(c->monitor) != 0)
        return io_error_in(c->res, "cannot write", "monitor.csv");
    return RLC_OK;
}

static double recent_mean(const run_ctx *c)
{
    size_t n = c->episodes < RECENT ? c->episodes : RECENT;
    return n ? gsl_stats_mean(c->recent_r, 1, n) : NAN;
}

/* Columns of the terminal `f` is (TIOCGWINSZ), or 80. */
static size_t term_width(FILE *f)
{
    struct winsize ws;
    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* The progress display: "steps  rate  ep_rew_mean  eval  eta". A value not
 * known yet shows "-" (no episode or evaluation so far; the rate and eta
 * during warm-up, when steps without updates are no guide to the rest). On a
 * terminal the line is redrawn in place and must not reach the last column
 * (the cursor would wrap and each redraw scroll): fields are dropped, least
 * useful first, until it fits. A failed write (EPIPE from a closed pipe,
 * EIO) ends the display, not the run. */
static void show(run_ctx *c, size_t timesteps, bool warmup, bool final)
{
    if (!c->display)
        return;
    double t = now(CLOCK_MONOTONIC), elapsed = t - c->t0_mono;
    double dt = t - c->rate_t0;
    double rate = !warmup && dt > 0 ? (double)(timesteps - c->rate_steps) / dt : NAN;
    char f[5][64];
    snprintf(f[0], sizeof f[0], "%zu/%zu steps", timesteps, c->final_timesteps);
    if (final)
        snprintf(f[1], sizeof f[1], "took %.1fs", elapsed);
    else if (!isnan(rate) && rate > 0)
        snprintf(f[1], sizeof f[1], "eta %.1fs", (double)(c->final_timesteps - timesteps) / rate);
    else
        snprintf(f[1], sizeof f[1], "eta -");
    if (!isnan(c->last_eval_mean))
        snprintf(f[2], sizeof f[2], "eval %.1f", c->last_eval_mean);
    else
        snprintf(f[2], sizeof f[2], "eval -");
    if (!isnan(recent_mean(c)))
        snprintf(f[3], sizeof f[3], "ep_rew_mean %.1f", recent_mean(c));
    else
        snprintf(f[3], sizeof f[3], "ep_rew_mean -");
    if (warmup)
        snprintf(f[4], sizeof f[4], "warm-up");
    else if (final)
        snprintf(f[4], sizeof f[4], "%.0f steps/s", elapsed > 0 ? (double)timesteps / elapsed : 0.0);
    else
        snprintf(f[4], sizeof f[4], "%.0f steps/s", isnan(rate) ? 0.0 : rate);
    static const int order[] = {0, 4, 3, 2, 1}; /* left to right */
    size_t room = c->tty ? term_width(c->display) - 1 : SIZE_MAX, used = 0;
    bool keep[5] = {false};
    for (int k = 0; k < 5; k++) { /* by usefulness: steps, eta, eval, ep_rew_mean, rate */
        size_t need = strlen(f[k]) + (used ? 2 : 0);
        if (used + need <= room || k == 0) {
            keep[k] = true;
            used += need;
        }
    }
    char line[400] = "";
    size_t len = 0;
    for (int i = 0; i < 5; i++)
        if (keep[order[i]])
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", len ? "  " : "",
                                    f[order[i]]);
    if (c->tty && len > room)
        line[room] = '\0'; /* a terminal narrower than the step count */
    int w = c->tty ? fprintf(c->display, "\r\033[K%s%s", line, final ? "\n" : "")
                   : fprintf(c->display, "%s\n", line);
    if (w < 0 || fflush(c->display) != 0)
        c->display = NULL;
}

static rlc_status on_progress(void *p, size_t timesteps, const rlc_train_stats *s)
{
    run_ctx *c = p;
    if (stop_requested)
        return RLC_EINTERRUPTED;
    double elapsed = now(CLOCK_MONOTONIC) - c->t0_mono;
    double fps = elapsed > 0 ? (double)timesteps / elapsed : 0.0;
    size_t n = c->episodes < RECENT ? c->episodes : RECENT;
    double len_mean = 0;
    for (size_t i = 0; i < n; i++)
        len_mean += (double)c->recent_l[i] / (double)n;
    int w = fprintf(c->progress_csv, "%zu,%zu,%.3f,%.0f,%.6g,%.6g,", timesteps, c->episodes,
                    elapsed, fps, recent_mean(c), n ? len_mean : NAN);
    for (size_t i = 0; w >= 0 && i < c->type->n_stats; i++)
        w = fprintf(c->progress_csv, "%.8g,", s->values[i]);
    if (w >= 0)
        w = fprintf(c->progress_csv, "%zu\n", s->n_updates);
    if (w < 0 || fflush(c->progress_csv) != 0)
        return io_error_in(c->res, "cannot write", "progress.csv");
    /* the display every log_interval steps (rows also come at evaluations) */
    bool final = timesteps >= c->final_timesteps, warmup = s->n_updates == 0;
    size_t every = c->cfg->log_interval ? c->cfg->log_interval : SIZE_MAX;
    if (final || timesteps / every != c->shown / every) {
        show(c, timesteps, warmup, final);
        c->shown = timesteps;
    }
    if (warmup) { /* the display's rate counts from the last step without updates */
        c->rate_steps = timesteps;
        c->rate_t0 = now(CLOCK_MONOTONIC);
    }
    return RLC_OK;
}

static rlc_status on_eval(void *p, size_t timesteps, const double *returns, size_t n)
{
    run_ctx *c = p;
    if (stop_requested)
        return RLC_EINTERRUPTED;
    double mean = gsl_stats_mean(returns, 1, n);
    double sd = sqrt(gsl_stats_variance_with_fixed_mean(returns, 1, n, mean)); /* ddof 0 */
    c->last_eval_mean = mean;
    c->res->final_mean = mean;
    c->res->final_std = sd;
    if (fprintf(c->eval_csv, "%zu,%.6f,%.6f,%.6f,%.6f\n", timesteps, mean, sd,
                gsl_stats_min(returns, 1, n), gsl_stats_max(returns, 1, n)) < 0 ||
        fflush(c->eval_csv) != 0)
        return io_error_in(c->res, "cannot write", "eval.csv");
    return RLC_OK;
}

static int write_all(int fd, const void *buf, size_t n, uLong *crc)
{
    *crc = crc32(*crc, buf, (uInt)n);
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

rlc_status rlc_run_write_checkpoint(const char *path, const rlc_agent_tensor *tensors, size_t n)
{
    char tmp[4400];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return RLC_EINVAL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return RLC_EIO;
    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t count = n;
    int bad = write_all(fd, "RLCCKPT1", 8, &crc) || write_all(fd, &count, sizeof count, &crc);
    for (size_t i = 0; i < n && !bad; i++) {
        uint64_t name_len = strlen(tensors[i].name), len = tensors[i].value->size;
        bad = write_all(fd, &name_len, sizeof name_len, &crc) ||
              write_all(fd, tensors[i].name, name_len, &crc) ||
              write_all(fd, &len, sizeof len, &crc);
        for (size_t k = 0; k < len && !bad; k++) /* strided vectors are legal */
            bad = write_all(fd, gsl_vector_const_ptr(tensors[i].value, k), sizeof(double), &crc);
    }
    uint32_t crc32v = (uint32_t)crc;
    uLong dummy = 0;
    bad = bad || write_all(fd, &crc32v, sizeof crc32v, &dummy) || fsync(fd) != 0;
    if (close(fd) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return RLC_EIO;
    }
    return RLC_OK;
}

rlc_status rlc_run_train(const rlc_config *cfg, const char *config_path, const char *out_dir,
                         FILE *progress, rlc_run_result *res)
{
    if (!res)
        return RLC_EINVAL;
    memset(res, 0, sizeof *res);
    res->final_mean = res->final_std = NAN;
    if (!cfg || !out_dir) {
        snprintf(res->error, sizeof res->error, "rlc_run_train: NULL %s",
                 cfg ? "output directory" : "configuration");
        return RLC_EINVAL;
    }
    rlc_config_error cerr;
    if (rlc_config_validate(cfg, &cerr) != RLC_OK) {
        snprintf(res->error, sizeof res->error, "%s", cerr.message);
        return RLC_EINVAL;
    }
    if (stop_requested) {
        snprintf(res->error, sizeof res->error, "interrupted before it started");
        return RLC_EINTERRUPTED;
    }
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    const rlc_env_type *env_type = rlc_env_find(cfg->env_id);
    run_ctx c = {.cfg = cfg, .type = type, .res = res, .display = progress,
                 .last_eval_mean = NAN};
    void *agent = NULL;
    char started[32]; /* run.json: written once the directory exists */
    bool info = false;
    rlc_runinfo_now(started, sizeof started);
    rlc_status st = type->create(&agent, rlc_config_algo_settings(cfg), env_type, cfg->seed);
    if (st != RLC_OK) {
        snprintf(res->error, sizeof res->error, "cannot create the %s agent: %s", cfg->algo,
                 rlc_strerror(st));
        goto done;
    }
    c.final_timesteps = rlc_runner_timesteps(type, agent, cfg->total_timesteps);
    /* The agent is built: only now touch the disk. */
    if ((st = create_run_dir(cfg, config_path, out_dir, res)) != RLC_OK)
        goto done;
    FILE *ini = open_in_run(res, "config.ini");
    if (!ini) {
        st = RLC_EIO;
        goto done;
    }
    st = rlc_config_write(cfg, ini);
    if (fclose(ini) != 0 || st != RLC_OK) {
        st = io_error_in(res, "cannot write", "config.ini");
        goto done;
    }
    if (rlc_runinfo_write(res->run_dir, started, "running", NULL) != 0) {
        st = io_error_in(res, "cannot write", "run.json");
        goto done;
    }
    info = true;
    st = RLC_EIO;
    if (!(c.monitor = open_in_run(res, "monitor.csv")) ||
        !(c.progress_csv = open_in_run(res, "progress.csv")) ||
        !(c.eval_csv = open_in_run(res, "eval.csv")))
        goto done;
    fprintf(c.monitor, "#{\"t_start\": %.6f, \"env_id\": \"%s\"}\nr,l,t\n", now(CLOCK_REALTIME),
            cfg->env_id);
    fprintf(c.progress_csv, "timesteps,episodes,time_elapsed,fps,ep_rew_mean,ep_len_mean,");
    for (size_t i = 0; i < type->n_stats; i++)
        fprintf(c.progress_csv, "%s,", type->stat_names[i]);
    fprintf(c.progress_csv, "n_updates\n");
    fprintf(c.eval_csv, "timesteps,mean_reward,std_reward,min_reward,max_reward\n");
    c.tty = progress && isatty(fileno(progress));
    c.t0_mono = c.rate_t0 = now(CLOCK_MONOTONIC);

    rlc_runner_config rc = {.total_timesteps = cfg->total_timesteps,
                            .log_interval = cfg->log_interval,
                            .eval_freq = cfg->eval_freq};
    rlc_runner_callbacks cb = {&c, on_episode, on_progress, on_eval};
    st = rlc_runner_train(type, agent, env_type, cfg->seed, cfg->n_eval_episodes, &rc, &cb);
    res->seconds = now(CLOCK_MONOTONIC) - c.t0_mono;
    res->timesteps = c.final_timesteps;
    if (st == RLC_ENONFINITE)
        snprintf(res->error, sizeof res->error,
                 "training diverged (non-finite loss); no checkpoint written");
    else if (st == RLC_ENOMEM)
        snprintf(res->error, sizeof res->error, "out of memory");
    else if (st == RLC_EINTERRUPTED)
        snprintf(res->error, sizeof res->error, "interrupted; no checkpoint written");
    if (st != RLC_OK)
        goto done;

    rlc_agent_tensor tensors[RLC_AGENT_MAX_TENSORS];
    size_t nt = type->tensors(agent, tensors);
    char path[4352];
    snprintf(path, sizeof path, "%s/model.rlc", res->run_dir);
    if ((st = rlc_run_write_checkpoint(path, tensors, nt)) != RLC_OK) {
        if (st != RLC_EIO)
            errno = ENAMETOOLONG;
        st = io_error(res, "cannot write", path);
    }
done:
    if (c.monitor && fclose(c.monitor) != 0 && st == RLC_OK)
        st = io_error_in(res, "cannot write", "monitor.csv");
    if (c.progress_csv && fclose(c.progress_csv) != 0 && st == RLC_OK)
        st = io_error_in(res, "cannot write", "progress.csv");
    if (c.eval_csv && fclose(c.eval_csv) != 0 && st == RLC_OK)
        st = io_error_in(res, "cannot write", "eval.csv");
    if (info) { /* how it ended, last, so a failure above counts */
        const char *how = st == RLC_OK ? "finished" : st == RLC_EINTERRUPTED ? "interrupted" : "failed";
        if (rlc_runinfo_write(res->run_dir, started, how, st == RLC_OK ? NULL : res->error) != 0 &&
            st == RLC_OK)
            st = io_error_in(res, "cannot write", "run.json");
    }
    if (agent)
        type->free(agent);
    return st;
}
