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
#include "rlc/checkpoint.h"
#include "rlc/run.h"
#include "files.h"
#include "runinfo.h"

static volatile sig_atomic_t stop_requested; /* rlc_run_request_stop */

void rlc_run_request_stop(void)
{
    stop_requested = 1;
}

#define RECENT 100 /* episodes in the rolling mean shown in progress (SB3's ep_rew_mean) */

typedef struct run_ctx run_ctx;

/* Data-parallel checkpoints: rank 0's part for another rank's state. */
typedef struct rank_part {
    run_ctx *c;
    size_t rank;
    char prefix[32]; /* "rank<r>" */
} rank_part;

struct run_ctx {
    const rlc_config *cfg;
    const rlc_agent_type *type;
    rlc_run_result *res;
    FILE *monitor, *progress_csv, *eval_csv, *display;
    bool tty;
    size_t final_timesteps; /* steps the run will have taken when it ends */
    size_t shown;           /* timesteps of the last progress display */
    double t0_mono; /* CLOCK_MONOTONIC seconds at start (resumed: shifted back by the time before) */
    size_t episodes;
    double recent_r[RECENT];
    size_t recent_l[RECENT];
    double last_eval_mean;
    /* checkpoints */
    void *agent;
    rlc_runner *runner;
    uint32_t config_hash;      /* CRC-32 of config.ini's text */
    size_t last_checkpoint;    /* timesteps of the last one written */
    size_t lines[3];           /* lines written to monitor.csv, progress.csv, eval.csv */
    size_t rate_steps;      /* steps/s on the display counts from here: */
    double rate_t0;         /* the last row of warm-up (no update yet), or the start */
    char started[32];       /* run.json: when this process started the run, UTC */
    /* data-parallel (rlc_run_train_ranks): NULL alone; rank > 0 writes no files */
    const rlc_agent_ranks *ranks;
    double *rank_buf;       /* ranks->size + 1 doubles: stop flag, parameter hashes */
    /* data-parallel checkpoints (several ranks): one rank's own state (its
     * agent's and runner's parts, rank_parts_of) packed into state_bytes
     * bytes; rank 0 holds those of ranks 1 .. size − 1 in `states` (one
     * slot for all when it only reads them: one_slot), another rank its
     * own. parts: the checkpoint's parts on rank 0 (run, agent, runner,
     * then one per other rank), made with `states`. */
    unsigned char *states;
    size_t state_bytes;
    bool one_slot;
    rank_part *others;
    rlc_checkpoint_part *parts;
};

/* Whether this process writes the run's files: alone, or rank 0. */
static bool writer(const run_ctx *c)
{
    return !c->ranks || c->ranks->rank == 0;
}

/* Processes training the run together. */
static size_t n_ranks(const run_ctx *c)
{
    return c->ranks ? c->ranks->size : 1;
}

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
    if (rlc_make_dirs(out_dir) != 0)
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
    c->recent_r[c->episodes % RECENT] = r;
    c->recent_l[c->episodes % RECENT] = len;
    c->episodes++;
    if (!writer(c))
        return RLC_OK;
    /* SB3 Monitor: r and t rounded to 6 decimals, l an integer. */
    if (fprintf(c->monitor, "%.6f,%zu,%.6f\n", r, len, now(CLOCK_MONOTONIC) - c->t0_mono) < 0 ||
        fflush(c->monitor) != 0)
        return io_error_in(c->res, "cannot write", "monitor.csv");
    c->lines[0]++;
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
    if (!writer(c))
        return RLC_OK;
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
    c->lines[1]++;
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
    double mean = gsl_stats_mean(returns, 1, n);
    double sd = sqrt(gsl_stats_variance_with_fixed_mean(returns, 1, n, mean)); /* ddof 0 */
    c->last_eval_mean = mean;
    c->res->final_mean = mean;
    c->res->final_std = sd;
    if (!writer(c))
        return RLC_OK;
    if (fprintf(c->eval_csv, "%zu,%.6f,%.6f,%.6f,%.6f\n", timesteps, mean, sd,
                gsl_stats_min(returns, 1, n), gsl_stats_max(returns, 1, n)) < 0 ||
        fflush(c->eval_csv) != 0)
        return io_error_in(c->res, "cannot write", "eval.csv");
    c->lines[2]++;
    return RLC_OK;
}

/* The run's own part of a checkpoint: the rolling episode window, the
 * last evaluation and the logs' lengths in lines. Nothing of the wall
 * clock, so the same seed gives the same checkpoint, byte for byte. */
static rlc_status run_state(void *p, const rlc_state_visitor *v)
{
    run_ctx *c = p;
    rlc_status st;
    if ((st = rlc_state_bytes(v, "episodes", &c->episodes, sizeof c->episodes)) ||
        (st = rlc_state_bytes(v, "recent_returns", c->recent_r, sizeof c->recent_r)) ||
        (st = rlc_state_bytes(v, "recent_lengths", c->recent_l, sizeof c->recent_l)) ||
        (st = rlc_state_bytes(v, "shown", &c->shown, sizeof c->shown)) ||
        (st = rlc_state_bytes(v, "last_eval_mean", &c->last_eval_mean, sizeof c->last_eval_mean)) ||
        (st = rlc_state_bytes(v, "final_mean", &c->res->final_mean, sizeof c->res->final_mean)) ||
        (st = rlc_state_bytes(v, "final_std", &c->res->final_std, sizeof c->res->final_std)))
        return st;
    return rlc_state_bytes(v, "log_lines", c->lines, sizeof c->lines);
}

static rlc_status runner_state(void *r, const rlc_state_visitor *v)
{
    return rlc_runner_state(r, v);
}

/* The parts of the state that are each rank's own: agent, runner. */
static void rank_parts_of(run_ctx *c, rlc_checkpoint_part parts[2])
{
    parts[0] = (rlc_checkpoint_part){"agent", c->type->state, c->agent};
    parts[1] = (rlc_checkpoint_part){"runner", runner_state, c->runner};
}

/* Packing one rank's state into bytes, piece after piece in visit order:
 * counting them (buf NULL), copying them out, or back in (unpack). */
typedef struct packer {
    unsigned char *buf;
    size_t off;
    bool unpack;
} packer;

static rlc_status pack_piece(void *ctx, const char *name, void *data, size_t bytes)
{
    packer *p = ctx;
    (void)name;
    if (p->buf && p->unpack)
        memcpy(data, p->buf + p->off, bytes);
    else if (p->buf)
        memcpy(p->buf + p->off, data, bytes);
    p->off += bytes;
    return RLC_OK;
}

static rlc_status pack_state(run_ctx *c, unsigned char *buf, bool unpack, size_t *bytes)
{
    rlc_checkpoint_part parts[2];
    rank_parts_of(c, parts);
    packer p = {buf, 0, unpack};
    for (size_t i = 0; i < 2; i++) {
        rlc_state_visitor v = {pack_piece, &p, parts[i].prefix, NULL};
        rlc_status st = parts[i].visit(parts[i].obj, &v);
        if (st != RLC_OK)
            return st;
    }
    if (bytes)
        *bytes = p.off;
    return RLC_OK;
}

/* Rank 0's checkpoint part for rank r: rank 0's own agent and runner
 * visited for the names, sizes and rules of the pieces (every rank's
 * state has the same layout: same settings), with rank r's packed bytes
 * as their memory, under the prefix "rank<r>". Saving writes those
 * bytes; loading checks them as rank 0's own and fills them. */
typedef struct shadow {
    unsigned char *buf;
    size_t off;
    const rlc_state_visitor *outer;
} shadow;

static rlc_status shadow_piece(void *ctx, const char *name, void *data, size_t bytes)
{
    shadow *s = ctx;
    (void)data;
    rlc_status st = rlc_state_bytes(s->outer, name, s->buf + s->off, bytes);
    s->off += bytes;
    return st;
}

static rlc_status shadow_checked(void *ctx, const char *name, void *data, size_t bytes,
                                 rlc_state_rule rule, size_t max)
{
    shadow *s = ctx;
    const rlc_state_visitor *o = s->outer;
    (void)data;
    char full[RLC_STATE_NAME_MAX];
    if (snprintf(full, sizeof full, "%s/%s", o->prefix, name) >= (int)sizeof full)
        return RLC_EINVAL;
    unsigned char *at = s->buf + s->off;
    s->off += bytes;
    return o->checked ? o->checked(o->ctx, full, at, bytes, rule, max)
                      : o->fn(o->ctx, full, at, bytes);
}

static rlc_status other_rank_state(void *obj, const rlc_state_visitor *v)
{
    rank_part *rp = obj;
    run_ctx *c = rp->c;
    shadow s = {c->states + (c->one_slot ? 0 : rp->rank - 1) * c->state_bytes, 0, v};
    rlc_checkpoint_part parts[2];
    rank_parts_of(c, parts);
    for (size_t i = 0; i < 2; i++) {
        rlc_state_visitor in = {shadow_piece, &s, parts[i].prefix, shadow_checked};
        rlc_status st = parts[i].visit(parts[i].obj, &in);
        if (st != RLC_OK)
            return st;
    }
    return RLC_OK;
}

/* With several ranks, the room for the ranks' packed states (and on rank
 * 0 the checkpoint parts for them), made once. RLC_ENOMEM. */
static rlc_status rank_states(run_ctx *c)
{
    size_t n = n_ranks(c);
    if (n <= 1 || c->states)
        return RLC_OK;
    rlc_status st = pack_state(c, NULL, false, &c->state_bytes);
    if (st != RLC_OK)
        return st;
    size_t slots = !writer(c) || c->one_slot ? 1 : n - 1;
    if (!(c->states = malloc(slots * c->state_bytes + 1)))
        return RLC_ENOMEM;
    if (writer(c)) {
        c->others = calloc(n - 1, sizeof *c->others);
        c->parts = calloc(n + 2, sizeof *c->parts);
        if (!c->others || !c->parts)
            return RLC_ENOMEM;
        for (size_t r = 1; r < n; r++) {
            rank_part *rp = &c->others[r - 1];
            *rp = (rank_part){.c = c, .rank = r};
            snprintf(rp->prefix, sizeof rp->prefix, "rank%zu", r);
            c->parts[2 + r] = (rlc_checkpoint_part){rp->prefix, other_rank_state, rp};
        }
    }
    return RLC_OK;
}

/* The checkpoint's parts, in file order: run, agent, runner (this
 * process's: alone, or rank 0), then with several ranks "rank1" ..
 * "rank<N-1>", the other ranks' agents and runners. parts has room for 3
 * (alone) or is NULL (several ranks: c->parts is returned). On failure
 * (the other ranks' buffers) the run's error says "out of memory". */
static rlc_status checkpoint_parts(run_ctx *c, rlc_checkpoint_part *parts,
                                   rlc_checkpoint_part **out, size_t *n)
{
    rlc_status st = rank_states(c);
    if (st != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "out of memory");
        return st;
    }
    if (c->parts)
        parts = c->parts;
    parts[0] = (rlc_checkpoint_part){"run", run_state, c};
    rank_parts_of(c, parts + 1);
    *out = parts;
    *n = c->parts ? n_ranks(c) + 2 : 3;
    return RLC_OK;
}

static rlc_status write_checkpoint(run_ctx *c)
{
    FILE *logs[3] = {c->monitor, c->progress_csv, c->eval_csv};
    const char *names[3] = {"monitor.csv", "progress.csv", "eval.csv"};
    for (int i = 0; i < 3; i++)
        if (fflush(logs[i]) != 0)
            return io_error_in(c->res, "cannot write", names[i]);
    rlc_checkpoint_part own[3], *parts;
    size_t n;
    rlc_status st = checkpoint_parts(c, own, &parts, &n);
    if (st != RLC_OK)
        return st;
    char path[4352];
    snprintf(path, sizeof path, "%s/model.rlc", c->res->run_dir);
    st = rlc_checkpoint_save(path, c->config_hash, parts, n);
    if (st == RLC_EIO)
        return io_error(c->res, "cannot write", path);
    if (st != RLC_OK)
        snprintf(c->res->error, sizeof c->res->error, "cannot write %.400s: %s", path,
                 rlc_strerror(st));
    return st;
}

/* The CRC-32 of the agent's model: its tensors (parameters, and the
 * observation statistics, which the ranks merge at every update), and the
 * runner's reward statistics (merged too). */
static uint32_t model_hash(const run_ctx *c)
{
    rlc_agent_tensor t[RLC_AGENT_MAX_TENSORS];
    size_t n = c->type->tensors(c->agent, t);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < n; i++) {
        const gsl_vector *v = t[i].value;
        for (size_t k = 0; k < v->size; k++)
            crc = crc32_z(crc, (const unsigned char *)(v->data + k * v->stride), sizeof(double));
    }
    const rlc_return_norm *rn = rlc_runner_return_norm(c->runner);
    if (rn) { /* the reward statistics, merged at every update too */
        double stats[3] = {rn->mean, rn->var, rn->count};
        crc = crc32_z(crc, (const unsigned char *)stats, sizeof stats);
    }
    return (uint32_t)crc;
}

/* Data-parallel, at every checkpoint point: one sum over the ranks of
 * [stop requested, each rank's model hash in its own slot], so that all
 * stop at the same point and a rank whose parameters went their own way
 * stops the run. */
static rlc_status ranks_agree(run_ctx *c, size_t timesteps, bool *stop)
{
    size_t n = c->ranks->size;
    double *b = c->rank_buf;
    for (size_t i = 0; i <= n; i++)
        b[i] = 0;
    b[0] = stop_requested ? 1 : 0;
    b[1 + c->ranks->rank] = (double)model_hash(c);
    rlc_status st = c->ranks->sum(c->ranks->ctx, b, n + 1);
    if (st != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "data-parallel: the sum over the ranks"
                 " failed after %zu steps", timesteps);
        return st;
    }
    *stop = b[0] > 0;
    for (size_t r = 1; r < n; r++)
        if (b[1 + r] != b[1]) {
            snprintf(c->res->error, sizeof c->res->error,
                     "data-parallel: the ranks' models differ after %zu steps (hash of the"
                     " parameters and normalisation statistics: rank 0 %08lx, rank %zu %08lx)", timesteps, (unsigned long)b[1], r,
                     (unsigned long)b[1 + r]);
            return RLC_EIO;
        }
    return RLC_OK;
}

/* Data-parallel checkpoint: every other rank packs its state and moves
 * it to rank 0, which receives them in rank order (then writes them). */
static rlc_status move_states(run_ctx *c)
{
    rlc_status st = rank_states(c);
    if (st != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "out of memory");
        return st;
    }
    const rlc_agent_ranks *rk = c->ranks;
    size_t me = rk->rank, L = c->state_bytes;
    if (me > 0 && (st = pack_state(c, c->states, false, NULL)) == RLC_OK)
        st = rk->move(rk->ctx, me, 0, c->states, L);
    for (size_t r = 1; me == 0 && r < rk->size && st == RLC_OK; r++)
        st = rk->move(rk->ctx, r, 0, c->states + (r - 1) * L, L);
    if (st != RLC_OK)
        snprintf(c->res->error, sizeof c->res->error, "data-parallel: moving the ranks' states"
                 " to rank 0 for the checkpoint failed: %s", rlc_strerror(st));
    return st;
}

#define OFFPOLICY_AGREE 250 /* data-parallel off-policy: steps between the ranks' agreements */

/* At every point a run can be continued from: a checkpoint at the end,
 * every checkpoint_freq steps, and when a stop was requested (then stop).
 * Data-parallel, the ranks agree on stopping first (off-policy every
 * OFFPOLICY_AGREE steps), and every rank's state goes into rank 0's
 * checkpoint. */
static rlc_status on_checkpoint(void *p, size_t timesteps, bool last)
{
    run_ctx *c = p;
    size_t f = c->cfg->checkpoint_freq;
    bool stop = stop_requested && !last, due = f && timesteps / f != c->last_checkpoint / f;
    rlc_status st;
    if (n_ranks(c) > 1) {
        /* off-policy every step is a checkpoint point: the ranks agree
         * every OFFPOLICY_AGREE steps (and at every checkpoint), not at
         * each step, whose two gradient sums are cost enough */
        if (!last && !due && c->type->kind == RLC_AGENT_OFF_POLICY &&
            timesteps % OFFPOLICY_AGREE != 0)
            return RLC_OK;
        if ((st = ranks_agree(c, timesteps, &stop)) != RLC_OK)
            return st;
        stop = stop && !last;
    }
    if (last || stop || due) {
        if (n_ranks(c) > 1 && (st = move_states(c)) != RLC_OK)
            return st;
        if (writer(c) && (st = write_checkpoint(c)) != RLC_OK)
            return st;
        c->last_checkpoint = timesteps;
    }
    return stop ? RLC_EINTERRUPTED : RLC_OK;
}

/* The config's text as rlc_config_write gives it, and its CRC-32. */
static rlc_status config_text(const rlc_config *cfg, char **text, size_t *len, uint32_t *hash)
{
    FILE *f = open_memstream(text, len);
    if (!f)
        return RLC_ENOMEM;
    rlc_status st = rlc_config_write(cfg, f);
    if (fclose(f) != 0 && st == RLC_OK)
        st = RLC_ENOMEM;
    if (st == RLC_OK)
        *hash = (uint32_t)crc32_z(0L, (const unsigned char *)*text, *len);
    return st;
}

/* Train (or continue) with the agent, runner and open logs in c; write
 * checkpoints; fill res. */
static rlc_status train_loop(run_ctx *c)
{
    rlc_run_result *res = c->res;
    c->tty = c->display && isatty(fileno(c->display));
    rlc_runner_callbacks cb = {c, on_episode, on_progress, on_eval, on_checkpoint};
    rlc_status st = rlc_runner_run(c->runner, &cb);
    res->seconds = now(CLOCK_MONOTONIC) - c->t0_mono;
    res->timesteps = rlc_runner_steps_done(c->runner);
    if (st == RLC_ENONFINITE) {
        const rlc_train_stats *s = rlc_runner_stats(c->runner);
        char kept[80] = "no checkpoint was written";
        if (c->last_checkpoint)
            snprintf(kept, sizeof kept, "the last checkpoint (%zu steps) is kept",
                     c->last_checkpoint);
        snprintf(res->error, sizeof res->error,
                 "training diverged: non-finite %s at update %zu, after %zu steps; %s",
                 s->nonfinite[0] ? s->nonfinite : "value", s->n_updates + 1, res->timesteps,
                 kept);
    }
    else if (st == RLC_ENOMEM)
        snprintf(res->error, sizeof res->error, "out of memory");
    else if (st == RLC_EINTERRUPTED && n_ranks(c) > 1)
        snprintf(res->error, sizeof res->error, "interrupted after %zu steps; checkpoint of"
                 " every rank written, continue with: mpirun -n %zu rlc resume %.360s",
                 res->timesteps, n_ranks(c), res->run_dir);
    else if (st == RLC_EINTERRUPTED)
        snprintf(res->error, sizeof res->error,
                 "interrupted after %zu steps; checkpoint written, continue with: rlc resume %.400s",
                 res->timesteps, res->run_dir);
    return st;
}

/* run.json's last word: how the run ended (after the logs are closed, so a
 * failure there counts). */
static void finish_runinfo(run_ctx *c, rlc_status *st)
{
    rlc_run_result *res = c->res;
    const char *how = *st == RLC_OK ? "finished" : *st == RLC_EINTERRUPTED ? "interrupted" : "failed";
    if (rlc_runinfo_write(res->run_dir, c->started, n_ranks(c), how,
                          *st == RLC_OK ? NULL : res->error) != 0 &&
        *st == RLC_OK)
        *st = io_error_in(res, "cannot write", "run.json");
}

static void close_logs(run_ctx *c, rlc_status *st)
{
    FILE **logs[3] = {&c->monitor, &c->progress_csv, &c->eval_csv};
    const char *names[3] = {"monitor.csv", "progress.csv", "eval.csv"};
    for (int i = 0; i < 3; i++)
        if (*logs[i]) {
            if (fclose(*logs[i]) != 0 && *st == RLC_OK)
                *st = io_error_in(c->res, "cannot write", names[i]);
            *logs[i] = NULL;
        }
}

static bool run_start_ok(const rlc_config *cfg, rlc_run_result *res)
{
    rlc_config_error cerr;
    if (rlc_config_validate(cfg, &cerr) != RLC_OK) {
        snprintf(res->error, sizeof res->error, "%s", cerr.message);
        return false;
    }
    return true;
}

/* The agent and runner a run of cfg trains, into c. */
static rlc_status build(run_ctx *c, const rlc_config *cfg)
{
    const rlc_env_type *env_type = rlc_env_find(cfg->env_id);
    rlc_status st = c->type->create(&c->agent, rlc_config_algo_settings(cfg), env_type, cfg->seed);
    if (st != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "cannot create the %s agent: %s", cfg->algo,
                 rlc_strerror(st));
        return st;
    }
    rlc_runner_config rc = {.total_timesteps = cfg->total_timesteps,
                            .log_interval = cfg->log_interval,
                            .eval_freq = cfg->eval_freq};
    uint64_t env_seed = cfg->seed;
    size_t n_eval = cfg->n_eval_episodes;
    if (c->ranks) {
        if (!c->type->set_ranks) {
            snprintf(c->res->error, sizeof c->res->error, "%s does not support data-parallel"
                     " training (one process per run; rlc sweep runs many)", cfg->algo);
            return RLC_EINVAL;
        }
        if ((st = c->type->set_ranks(c->agent, c->ranks)) != RLC_OK) {
            snprintf(c->res->error, sizeof c->res->error, "data-parallel: %s", rlc_strerror(st));
            return st;
        }
        env_seed = c->ranks->seed;
        /* evaluation is rank 0's; the others evaluate once, at the end, on
         * as many copies (the same state layout on every rank) */
        if (c->ranks->rank > 0)
            rc.eval_freq = 0;
        if (!(c->rank_buf = malloc((c->ranks->size + 1) * sizeof *c->rank_buf)))
            return RLC_ENOMEM;
    }
    st = rlc_runner_create(&c->runner, c->type, c->agent, env_type, env_seed, n_eval, &rc);
    if (st == RLC_OK && c->ranks)
        st = rlc_runner_set_ranks(c->runner, c->ranks);
    if (st != RLC_OK)
        snprintf(c->res->error, sizeof c->res->error, "cannot create the environments: %s",
                 rlc_strerror(st));
    c->final_timesteps = rlc_runner_timesteps(c->type, c->agent, cfg->total_timesteps);
    return st;
}

static void release(run_ctx *c)
{
    free(c->rank_buf);
    free(c->states);
    free(c->others);
    free(c->parts);
    c->rank_buf = NULL;
    c->states = NULL;
    c->others = NULL;
    c->parts = NULL;
    rlc_runner_free(c->runner);
    if (c->agent)
        c->type->free(c->agent);
    c->runner = NULL;
    c->agent = NULL;
}

/* Create exactly run_dir (its parents as needed); it must not exist. */
static rlc_status create_exact_dir(const char *run_dir, rlc_run_result *res)
{
    if (snprintf(res->run_dir, sizeof res->run_dir, "%s", run_dir) >= (int)sizeof res->run_dir) {
        errno = ENAMETOOLONG;
        return io_error(res, "cannot create", run_dir);
    }
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", run_dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (rlc_make_dirs(parent) != 0)
            return io_error(res, "cannot create", parent);
    }
    if (mkdir(run_dir, 0777) != 0)
        return io_error(res, "cannot create", run_dir);
    return RLC_OK;
}

static rlc_status train_new(const rlc_config *cfg, const char *config_path, const char *out_dir,
                            const char *exact_dir, const rlc_agent_ranks *ranks, FILE *progress,
                            rlc_run_result *res);

rlc_status rlc_run_train(const rlc_config *cfg, const char *config_path, const char *out_dir,
                         FILE *progress, rlc_run_result *res)
{
    return train_new(cfg, config_path, out_dir, NULL, NULL, progress, res);
}

/* Whether ranks can drive a data-parallel run (a rank below the size, a
 * sum, and a move when there are others); if not, res says so. */
static bool ranks_ok(const rlc_agent_ranks *ranks, const char *fn, rlc_run_result *res)
{
    if (ranks && ranks->size && ranks->rank < ranks->size && ranks->sum &&
        (ranks->size == 1 || ranks->move))
        return true;
    if (res) {
        memset(res, 0, sizeof *res);
        snprintf(res->error, sizeof res->error, "%s: bad ranks", fn);
    }
    return false;
}

rlc_status rlc_run_train_ranks(const rlc_config *cfg, const char *config_path, const char *out_dir,
                               const rlc_agent_ranks *ranks, FILE *progress, rlc_run_result *res)
{
    if (!ranks_ok(ranks, "rlc_run_train_ranks", res))
        return RLC_EINVAL;
    return train_new(cfg, config_path, out_dir, NULL, ranks, progress, res);
}

rlc_status rlc_run_train_at(const rlc_config *cfg, const char *run_dir, FILE *progress,
                            rlc_run_result *res)
{
    return train_new(cfg, NULL, run_dir, run_dir, NULL, progress, res);
}

/* rlc_run_train into out_dir/<stem>-s<seed>[-k], or into exact_dir when
 * it is not NULL (rlc_run_train_at). */
static rlc_status train_new(const rlc_config *cfg, const char *config_path, const char *out_dir,
                            const char *exact_dir, const rlc_agent_ranks *ranks, FILE *progress,
                            rlc_run_result *res)
{
    if (!res)
        return RLC_EINVAL;
    memset(res, 0, sizeof *res);
    res->final_mean = res->final_std = NAN;
    if (!cfg || !out_dir) {
        snprintf(res->error, sizeof res->error, "%s: NULL %s",
                 exact_dir || !out_dir ? "rlc_run_train_at" : "rlc_run_train",
                 cfg ? "output directory" : "configuration");
        return RLC_EINVAL;
    }
    if (!run_start_ok(cfg, res))
        return RLC_EINVAL;
    /* (several ranks: not here, where a rank could stop alone and leave
     * the others waiting; they agree on it at the first checkpoint point) */
    if (stop_requested && (!ranks || ranks->size == 1)) {
        snprintf(res->error, sizeof res->error, "interrupted before it started");
        return RLC_EINTERRUPTED;
    }
    run_ctx c = {.cfg = cfg, .type = rlc_agent_find(cfg->algo), .res = res, .display = progress,
                 .last_eval_mean = NAN, .ranks = ranks};
    bool info = false; /* run.json written: it must say how the run ended */
    rlc_runinfo_now(c.started, sizeof c.started);
    char *text = NULL;
    size_t text_len = 0;
    rlc_status st;
    if ((st = build(&c, cfg)) != RLC_OK)
        goto done;
    if ((st = config_text(cfg, &text, &text_len, &c.config_hash)) != RLC_OK) {
        snprintf(res->error, sizeof res->error, "out of memory");
        goto done;
    }
    if (!writer(&c)) { /* a rank other than 0: trains, writes nothing */
        c.t0_mono = c.rate_t0 = now(CLOCK_MONOTONIC);
        st = train_loop(&c);
        goto done;
    }
    /* The agent is built: only now touch the disk. */
    if ((st = exact_dir ? create_exact_dir(exact_dir, res)
                        : create_run_dir(cfg, config_path, out_dir, res)) != RLC_OK)
        goto done;
    FILE *ini = open_in_run(res, "config.ini");
    if (!ini) {
        st = RLC_EIO;
        goto done;
    }
    bool bad = fwrite(text, 1, text_len, ini) != text_len;
    if (fclose(ini) != 0 || bad) {
        st = io_error_in(res, "cannot write", "config.ini");
        goto done;
    }
    if (rlc_runinfo_write(res->run_dir, c.started, n_ranks(&c), "running", NULL) != 0) {
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
    for (size_t i = 0; i < c.type->n_stats; i++)
        fprintf(c.progress_csv, "%s,", c.type->stat_names[i]);
    fprintf(c.progress_csv, "n_updates\n");
    fprintf(c.eval_csv, "timesteps,mean_reward,std_reward,min_reward,max_reward\n");
    c.lines[0] = 2; /* the headers */
    c.lines[1] = c.lines[2] = 1;
    c.t0_mono = c.rate_t0 = now(CLOCK_MONOTONIC);
    st = train_loop(&c);
done:
    close_logs(&c, &st);
    if (info)
        finish_runinfo(&c, &st);
    release(&c);
    free(text);
    return st;
}

/* The CRC-32 of a file's bytes (as config_text's of the text), read in
 * chunks. -1 with errno set if it cannot be read. */
static int file_crc32(const char *path, uint32_t *hash)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crc = crc32_z(crc, buf, n);
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (e) {
        errno = e;
        return -1;
    }
    *hash = (uint32_t)crc;
    return 0;
}

/* A run directory's config.ini, loaded and validated, and its hash. */
static rlc_status load_run_config(const char *run_dir, rlc_config *cfg, uint32_t *hash,
                                  char *err, size_t errlen)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/config.ini", run_dir);
    if (file_crc32(path, hash) != 0) {
        snprintf(err, errlen, "cannot read %.400s: %s", path, strerror(errno));
        return RLC_EIO;
    }
    rlc_config_error cerr;
    rlc_config_default(cfg);
    if (rlc_config_load(cfg, path, &cerr) != RLC_OK || rlc_config_validate(cfg, &cerr) != RLC_OK) {
        snprintf(err, errlen, "%s", cerr.message);
        return RLC_EINVAL;
    }
    return RLC_OK;
}

/* Load run_dir/model.rlc into c's parts. */
static rlc_status load_checkpoint(run_ctx *c, const char *run_dir)
{
    char path[4352], why[300];
    snprintf(path, sizeof path, "%s/model.rlc", run_dir);
    rlc_checkpoint_part own[3], *parts;
    size_t n;
    rlc_status st = checkpoint_parts(c, own, &parts, &n);
    if (st != RLC_OK)
        return st;
    st = rlc_checkpoint_load(path, c->config_hash, parts, n, why, sizeof why);
    if (st == RLC_EIO && errno == ENOENT) { /* stopped before its first checkpoint */
        snprintf(c->res->error, sizeof c->res->error,
                 "%.300s: no checkpoint: the run stopped before it wrote its first one "
                 "(run.checkpoint_freq = %zu); start it again with rlc run",
                 path, c->cfg->checkpoint_freq);
        return RLC_EFORMAT;
    }
    if (st != RLC_OK)
        snprintf(c->res->error, sizeof c->res->error, "%.300s: %.200s", path, why);
    return st;
}

/* Open a log for appending after cutting it back to its first `lines`
 * lines; *last (may be NULL) receives the offset of the last of them. On
 * failure *st is RLC_EFORMAT (the log is missing or shorter than the
 * checkpoint says: not the run directory it was) or RLC_EIO. */
static FILE *reopen_log(rlc_run_result *res, const char *name, size_t lines, long *last,
                        rlc_status *st)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", res->run_dir, name);
    FILE *f = fopen(path, "r+");
    if (!f) {
        *st = errno == ENOENT ? RLC_EFORMAT : RLC_EIO;
        io_error(res, "cannot continue", path);
        return NULL;
    }
    size_t seen = 0;
    long off = 0, start = 0;
    for (int ch; seen < lines && (ch = getc(f)) != EOF;) {
        off++;
        if (ch == '\n') {
            seen++;
            if (seen < lines)
                start = off;
        }
    }
    if (seen < lines) {
        snprintf(res->error, sizeof res->error,
                 "cannot continue %.400s: it has %zu lines, the checkpoint was made at %zu", path,
                 seen, lines);
        fclose(f);
        *st = RLC_EFORMAT;
        return NULL;
    }
    if (ftruncate(fileno(f), off) != 0 || fseek(f, 0, SEEK_END) != 0) {
        *st = RLC_EIO;
        io_error(res, "cannot continue", path);
        fclose(f);
        return NULL;
    }
    if (last)
        *last = start;
    return f;
}

/* The time_elapsed of progress.csv's row at offset `row` (0 for its header). */
static double elapsed_at(FILE *f, long row)
{
    double t = 0.0;
    char buf[256];
    if (fseek(f, row, SEEK_SET) == 0 && fgets(buf, sizeof buf, f) &&
        sscanf(buf, "%*[^,],%*[^,],%lf", &t) != 1)
        t = 0.0;
    fseek(f, 0, SEEK_END);
    return t;
}

/* Whether run_dir was trained by as many processes as `ranks` has (1
 * without): run.json's "ranks" (1 if it has none). RLC_OK, RLC_EINVAL
 * (another count: res->error says how to resume it; or a damaged
 * "ranks"), RLC_EIO. */
static rlc_status same_ranks(const char *run_dir, const rlc_agent_ranks *ranks,
                             rlc_run_result *res)
{
    size_t trained = 1, n = ranks ? ranks->size : 1;
    int rc = rlc_runinfo_ranks(run_dir, &trained);
    if (rc != 0 && errno == EINVAL) {
        snprintf(res->error, sizeof res->error, "%.400s/run.json is damaged: its \"ranks\" is not"
                 " a whole number from 1 to %d", run_dir, RLC_RUNINFO_MAX_RANKS);
        return RLC_EINVAL;
    }
    if (rc != 0 && errno != ENOENT) {
        int e = errno;
        char path[4352];
        snprintf(path, sizeof path, "%s/run.json", run_dir);
        errno = e;
        return io_error(res, "cannot read", path);
    }
    if (trained == n)
        return RLC_OK;
    if (trained == 1)
        snprintf(res->error, sizeof res->error, "%.200s was trained by one process (run.json:"
                 " \"ranks\": 1), not %zu ranks: resume it with rlc resume %.200s", run_dir, n,
                 run_dir);
    else
        snprintf(res->error, sizeof res->error, "%.180s was trained on %zu ranks (run.json:"
                 " \"ranks\": %zu), not %zu: every rank's state is in its checkpoint; resume it"
                 " with mpirun -n %zu rlc resume %.180s", run_dir, trained, trained, n, trained,
                 run_dir);
    return RLC_EINVAL;
}

/* Data-parallel resume, after each rank built its agent and runner and
 * rank 0 tried to load the checkpoint (st: how that went on this rank):
 * one sum tells every rank rank 0's status and whether another rank
 * failed (then all stop), then rank 0 moves each other rank its state,
 * which that rank unpacks. */
static rlc_status share_states(run_ctx *c, rlc_status st)
{
    const rlc_agent_ranks *rk = c->ranks;
    double x[2] = {writer(c) ? (double)st : 0.0, !writer(c) && st != RLC_OK ? 1.0 : 0.0};
    rlc_status sent = rk->sum(rk->ctx, x, 2);
    if (sent != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "data-parallel: the sum over the ranks"
                 " failed before resuming");
        return sent;
    }
    if (st != RLC_OK)
        return st; /* this rank's own failure, its message set */
    if (x[0] != 0.0) {
        snprintf(c->res->error, sizeof c->res->error, "rank 0 could not load the checkpoint");
        return (rlc_status)(int)x[0];
    }
    if (x[1] != 0.0) {
        snprintf(c->res->error, sizeof c->res->error, "data-parallel: %.0f other rank%s could not"
                 " build the run to resume it", x[1], x[1] == 1.0 ? "" : "s");
        return RLC_EIO;
    }
    if ((st = rank_states(c)) != RLC_OK) {
        snprintf(c->res->error, sizeof c->res->error, "out of memory");
        return st;
    }
    size_t L = c->state_bytes;
    if (writer(c)) {
        for (size_t r = 1; r < rk->size && st == RLC_OK; r++)
            st = rk->move(rk->ctx, 0, r, c->states + (r - 1) * L, L);
    } else if ((st = rk->move(rk->ctx, 0, rk->rank, c->states, L)) == RLC_OK) {
        st = pack_state(c, c->states, true, NULL);
    }
    if (st != RLC_OK)
        snprintf(c->res->error, sizeof c->res->error, "data-parallel: moving the checkpoint's"
                 " states to the ranks failed: %s", rlc_strerror(st));
    return st;
}

static rlc_status resume(const char *run_dir, const rlc_agent_ranks *ranks, FILE *progress,
                         rlc_run_result *res);

rlc_status rlc_run_resume(const char *run_dir, FILE *progress, rlc_run_result *res)
{
    return resume(run_dir, NULL, progress, res);
}

rlc_status rlc_run_resume_ranks(const char *run_dir, const rlc_agent_ranks *ranks,
                                FILE *progress, rlc_run_result *res)
{
    if (!ranks_ok(ranks, "rlc_run_resume_ranks", res))
        return RLC_EINVAL;
    return resume(run_dir, ranks, progress, res);
}

static rlc_status resume(const char *run_dir, const rlc_agent_ranks *ranks, FILE *progress,
                         rlc_run_result *res)
{
    if (!res)
        return RLC_EINVAL;
    memset(res, 0, sizeof *res);
    res->final_mean = res->final_std = NAN;
    if (!run_dir) {
        snprintf(res->error, sizeof res->error, "rlc_run_resume: NULL run directory");
        return RLC_EINVAL;
    }
    snprintf(res->run_dir, sizeof res->run_dir, "%s", run_dir);
    rlc_config cfg;
    run_ctx c = {.cfg = &cfg, .res = res, .display = progress, .last_eval_mean = NAN,
                 .ranks = ranks};
    bool info = false, several = n_ranks(&c) > 1;
    rlc_status st = load_run_config(run_dir, &cfg, &c.config_hash, res->error, sizeof res->error);
    if (st == RLC_OK)
        st = same_ranks(run_dir, ranks, res);
    if (st != RLC_OK)
        return st;
    /* A .tmp is never a checkpoint (the rename is what commits one): a
     * kill in the middle of writing left it. */
    char tmp[4352];
    snprintf(tmp, sizeof tmp, "%s/model.rlc.tmp", run_dir);
    if (writer(&c) && unlink(tmp) != 0 && errno != ENOENT) {
        io_error(res, "cannot remove", tmp);
        if (!several)
            return RLC_EIO;
        st = RLC_EIO;
    }
    c.type = rlc_agent_find(cfg.algo);
    if (st == RLC_OK)
        st = build(&c, &cfg);
    if (st == RLC_OK && writer(&c))
        st = load_checkpoint(&c, run_dir);
    if (several) /* every rank, whatever happened on it: they learn of each other's failures */
        st = share_states(&c, st);
    if (st != RLC_OK)
        goto done;
    c.last_checkpoint = rlc_runner_steps_done(c.runner);
    if (c.last_checkpoint >= c.final_timesteps) { /* finished: nothing to do */
        res->timesteps = c.last_checkpoint;
        goto done;
    }
    if (stop_requested && !several) {
        snprintf(res->error, sizeof res->error, "interrupted before it started");
        st = RLC_EINTERRUPTED;
        goto done;
    }
    if (!writer(&c)) { /* a rank other than 0: trains, writes nothing */
        c.t0_mono = c.rate_t0 = now(CLOCK_MONOTONIC);
        st = train_loop(&c);
        goto done;
    }
    rlc_runinfo_now(c.started, sizeof c.started); /* run.json: this resumption */
    if (rlc_runinfo_write(run_dir, c.started, n_ranks(&c), "running", NULL) != 0) {
        st = io_error_in(res, "cannot write", "run.json");
        goto done;
    }
    info = true;
    long last_row = 0;
    if (!(c.monitor = reopen_log(res, "monitor.csv", c.lines[0], NULL, &st)) ||
        !(c.progress_csv = reopen_log(res, "progress.csv", c.lines[1], &last_row, &st)) ||
        !(c.eval_csv = reopen_log(res, "eval.csv", c.lines[2], NULL, &st)))
        goto done;
    /* the clock goes on from the last progress row's time_elapsed */
    c.t0_mono = now(CLOCK_MONOTONIC) - elapsed_at(c.progress_csv, last_row);
    c.rate_t0 = now(CLOCK_MONOTONIC);
    c.rate_steps = c.last_checkpoint;
    st = train_loop(&c);
done:
    close_logs(&c, &st);
    if (info)
        finish_runinfo(&c, &st);
    release(&c);
    return st;
}

/* A sum and a move that are never called: an agent of a data-parallel run
 * built only to load rank 0's state (rlc_run_load_agent). */
static rlc_status no_sum(void *ctx, double *x, size_t n)
{
    (void)ctx;
    (void)x;
    (void)n;
    return RLC_EINVAL;
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

rlc_status rlc_run_load_agent(const char *run_dir, rlc_config *cfg, void **agent, char *err,
                              size_t errlen)
{
    rlc_run_result res;
    memset(&res, 0, sizeof res);
    *agent = NULL;
    run_ctx c = {.cfg = cfg, .res = &res, .last_eval_mean = NAN};
    rlc_status st = load_run_config(run_dir, cfg, &c.config_hash, err, errlen);
    if (st != RLC_OK)
        return st;
    /* a data-parallel run's checkpoint: rank 0's state, read through one
     * slot for every other rank's */
    size_t trained = 1;
    if (rlc_runinfo_ranks(run_dir, &trained) != 0) {
        if (errno == EINVAL) {
            snprintf(err, errlen, "%s/run.json is damaged: its \"ranks\" is not a whole number"
                     " from 1 to %d", run_dir, RLC_RUNINFO_MAX_RANKS);
            return RLC_EINVAL;
        }
        trained = 1; /* no run.json: a run of one process */
    }
    rlc_agent_ranks fake = {.size = trained, .rank = 0, .seed = cfg->seed, .sum = no_sum,
                            .move = no_move};
    if (trained > 1) {
        c.ranks = &fake;
        c.one_slot = true;
    }
    c.type = rlc_agent_find(cfg->algo);
    if ((st = build(&c, cfg)) || (st = load_checkpoint(&c, run_dir)))
        snprintf(err, errlen, "%s", res.error);
    else {
        *agent = c.agent;
        c.agent = NULL;
    }
    release(&c);
    return st;
}
