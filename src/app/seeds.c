/* seeds.c — multi-seed runs for `rlc run --seeds` (contract in seeds.h):
 * parse the seed list, run one child per seed (child.c; at most `jobs` at
 * once) that calls rlc_run_train, forward Ctrl-C, and print per-seed lines
 * and the summary table.
 * Deliberately not here: comparing runs or statistics across seeds (that is
 * `rlc compare`), and anything the single run does (run.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rlc/run.h"
#include "child.h"
#include "seeds.h"

/* ---- the seed list -------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A seed: plain digits [p, end), at most UINT64_MAX. */
static bool parse_seed(const char *p, const char *end, uint64_t *out)
{
    if (p == end)
        return false;
    uint64_t v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int list_error(char *why, size_t n, const char *list, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int list_error(char *why, size_t n, const char *list, const char *fmt, ...)
{
    int w = snprintf(why, n, "--seeds '%.200s': ", list);
    if (w >= 0 && (size_t)w < n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why + w, n - (size_t)w, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int rlc_seeds_parse(const char *list, uint64_t **seeds, size_t *n, char *why, size_t n_why)
{
    *seeds = NULL;
    *n = 0;
    if (!list[0])
        return list_error(why, n_why, list, "empty list (write seeds like 1-10 or 1,3,5-7)");
    uint64_t *s = malloc(RLC_SEEDS_MAX * sizeof *s);
    if (!s)
        return list_error(why, n_why, list, "out of memory");
    size_t count = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *dash = memchr(p, '-', (size_t)(end - p));
        int len = (int)(end - p);
        uint64_t a, b;
        if (p == end) {
            free(s);
            return list_error(why, n_why, list, "empty item %s",
                              p == list ? "at the start" : comma ? "between two commas" : "at the end");
        }
        bool ok = dash ? parse_seed(p, dash, &a) && parse_seed(dash + 1, end, &b)
                       : parse_seed(p, end, &a);
        if (!ok) {
            /* say why: too large, or not digits */
            bool digits = true;
            for (const char *q = p; q < end; q++)
                digits &= (*q >= '0' && *q <= '9') || (q == dash && q > p && q + 1 < end);
            free(s);
            if (digits)
                return list_error(why, n_why, list, "'%.*s': a seed is at most %" PRIu64, len, p,
                                  UINT64_MAX);
            return list_error(why, n_why, list, "'%.*s' is not a seed or a range A-B of seeds"
                              " (whole numbers >= 0)", len, p);
        }
        if (!dash)
            b = a;
        if (a > b) {
            free(s);
            return list_error(why, n_why, list, "range %.*s runs backwards (write %" PRIu64
                              "-%" PRIu64 ")", len, p, b, a);
        }
        if (b - a >= RLC_SEEDS_MAX - count) {
            free(s);
            return list_error(why, n_why, list, "more than %d seeds", RLC_SEEDS_MAX);
        }
        for (uint64_t v = a;; v++) {
            s[count++] = v;
            if (v == b)
                break;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    uint64_t *sorted = malloc(count * sizeof *sorted);
    if (!sorted) {
        free(s);
        return list_error(why, n_why, list, "out of memory");
    }
    memcpy(sorted, s, count * sizeof *s);
    qsort(sorted, count, sizeof *sorted, cmp_u64);
    for (size_t i = 1; i < count; i++)
        if (sorted[i] == sorted[i - 1]) {
            uint64_t dup = sorted[i];
            free(sorted);
            free(s);
            return list_error(why, n_why, list, "seed %" PRIu64 " is named twice", dup);
        }
    free(sorted);
    uint64_t *fit = realloc(s, count * sizeof *s);
    *seeds = fit ? fit : s;
    *n = count;
    return 0;
}

/* ---- time to the threshold ------------------------------------------------ */

/* A CSV file with a header row, read whole; rows of doubles. */
typedef struct csv {
    char **names;
    size_t n_cols, n_rows;
    double *values; /* n_rows × n_cols, row-major */
} csv;

static void csv_free(csv *c)
{
    for (size_t i = 0; c->names && i < c->n_cols; i++)
        free(c->names[i]);
    free(c->names);
    free(c->values);
    memset(c, 0, sizeof *c);
}

/* Split `line` (no newline) at commas in place; returns the field count. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = line;;) {
        char *comma = strchr(p, ',');
        if (n < max)
            fields[n] = p;
        n++;
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

#define CSV_MAX_COLS 64

/* Read path into c: a header, then rows of as many numbers. 0, or -1 with why. */
static int csv_read(const char *path, csv *c, char *why, size_t n_why)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, n_why, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, row_cap = 0;
    ssize_t len;
    int ret = -1;
    size_t lineno = 0;
    while ((len = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (len == 0 || line[len - 1] != '\n') {
            snprintf(why, n_why, "%s:%zu: truncated line", path, lineno);
            goto done;
        }
        line[len - 1] = '\0';
        char *fields[CSV_MAX_COLS];
        size_t nf = split(line, fields, CSV_MAX_COLS);
        if (nf > CSV_MAX_COLS) {
            snprintf(why, n_why, "%s:%zu: more than %d columns", path, lineno, CSV_MAX_COLS);
            goto done;
        }
        if (lineno == 1) {
            c->names = calloc(nf, sizeof *c->names);
            if (!c->names)
                goto oom;
            c->n_cols = nf;
            for (size_t i = 0; i < nf; i++)
                if (!(c->names[i] = strdup(fields[i])))
                    goto oom;
            continue;
        }
        if (nf != c->n_cols) {
            snprintf(why, n_why, "%s:%zu: %zu fields, the header has %zu", path, lineno, nf,
                     c->n_cols);
            goto done;
        }
        if (c->n_rows == row_cap) {
            row_cap = row_cap ? 2 * row_cap : 64;
            double *v = realloc(c->values, row_cap * c->n_cols * sizeof *v);
            if (!v)
                goto oom;
            c->values = v;
        }
        for (size_t i = 0; i < nf; i++) {
            char *end;
            double d = strtod(fields[i], &end);
            if (end == fields[i] || *end) {
                snprintf(why, n_why, "%s:%zu: '%.40s' is not a number", path, lineno, fields[i]);
                goto done;
            }
            c->values[c->n_rows * c->n_cols + i] = d;
        }
        c->n_rows++;
    }
    if (ferror(f)) {
        snprintf(why, n_why, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (lineno == 0) {
        snprintf(why, n_why, "%s: empty file", path);
        goto done;
    }
    ret = 0;
    goto done;
oom:
    snprintf(why, n_why, "%s: out of memory", path);
done:
    free(line);
    fclose(f);
    if (ret != 0)
        csv_free(c);
    return ret;
}

static int csv_col(const csv *c, const char *name, const char *path, char *why, size_t n_why)
{
    for (size_t i = 0; i < c->n_cols; i++)
        if (strcmp(c->names[i], name) == 0)
            return (int)i;
    snprintf(why, n_why, "%s: no column '%s'", path, name);
    return -1;
}

int rlc_seeds_time_to_threshold(const char *run_dir, double threshold, size_t *steps,
                                double *seconds, char *why, size_t n_why)
{
    char path[4200];
    csv ev, pr;
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    if (csv_read(path, &ev, why, n_why) != 0)
        return -1;
    int ts = csv_col(&ev, "timesteps", path, why, n_why);
    int mean = ts < 0 ? -1 : csv_col(&ev, "mean_reward", path, why, n_why);
    if (mean < 0) {
        csv_free(&ev);
        return -1;
    }
    size_t r = 0;
    while (r < ev.n_rows && !(ev.values[r * ev.n_cols + (size_t)mean] >= threshold))
        r++;
    if (r == ev.n_rows) {
        csv_free(&ev);
        return 0;
    }
    double at = ev.values[r * ev.n_cols + (size_t)ts];
    csv_free(&ev);

    snprintf(path, sizeof path, "%s/progress.csv", run_dir);
    if (csv_read(path, &pr, why, n_why) != 0)
        return -1;
    int pts = csv_col(&pr, "timesteps", path, why, n_why);
    int pt = pts < 0 ? -1 : csv_col(&pr, "time_elapsed", path, why, n_why);
    if (pt < 0) {
        csv_free(&pr);
        return -1;
    }
    double x0 = 0, y0 = 0, sec = NAN; /* the row before `at`, from (0, 0) */
    for (size_t i = 0; i < pr.n_rows; i++) {
        double x = pr.values[i * pr.n_cols + (size_t)pts], y = pr.values[i * pr.n_cols + (size_t)pt];
        if (x == at) {
            sec = y;
            break;
        }
        if (x > at) {
            sec = y0 + (y - y0) * (at - x0) / (x - x0);
            break;
        }
        x0 = x;
        y0 = y;
    }
    csv_free(&pr);
    *steps = (size_t)at;
    *seconds = sec;
    return 1;
}

/* ---- children --------------------------------------------------------------- */

typedef enum outcome { NOT_STARTED, RUNNING, SUCCEEDED, FAILED, INTERRUPTED } outcome;

typedef struct seed_job {
    uint64_t seed;
    outcome state;
    rlc_child child;
    double seconds;         /* wall-clock seconds */
    char error[600];        /* FAILED: what went wrong */
    bool reached;           /* SUCCEEDED: the threshold was reached */
    size_t steps_to;
    double seconds_to;
} seed_job;

/* What a child runs: `cfg` with the job's seed. */
typedef struct seed_body_arg {
    const rlc_config *cfg;
    const char *config_path, *out_dir;
    uint64_t seed;
} seed_body_arg;

static rlc_status seed_body(void *p, rlc_run_result *res)
{
    const seed_body_arg *a = p;
    rlc_config *c = malloc(sizeof *c);
    if (!c) {
        memset(res, 0, sizeof *res);
        return RLC_ENOMEM;
    }
    *c = *a->cfg;
    c->seed = a->seed;
    rlc_status st = rlc_run_train(c, a->config_path, a->out_dir, NULL, res);
    free(c);
    return st;
}

/* Fork the child of job j. On failure j is FAILED with the reason. */
static void start(seed_job *jobs, size_t n_jobs, size_t j, const rlc_config *cfg,
                  const char *config_path, const char *out_dir, FILE *out, rlc_child **others)
{
    seed_job *job = &jobs[j];
    seed_body_arg arg = {cfg, config_path, out_dir, job->seed};
    size_t n_others = 0;
    for (size_t k = 0; k < n_jobs; k++)
        if (jobs[k].state == RUNNING)
            others[n_others++] = &jobs[k].child;
    if (rlc_child_start(&job->child, seed_body, &arg, others, n_others, out, job->error,
                        sizeof job->error) != 0) {
        job->state = FAILED;
        job->seconds = 0;
        return;
    }
    job->state = RUNNING;
}

/* Decide the outcome of a child whose pipes are closed. A run directory
 * whose CSVs cannot be read for the threshold is said so on err (the table
 * shows "—"). */
static void finish(seed_job *job, double threshold, bool has_threshold, FILE *err)
{
    rlc_child_outcome o = rlc_child_reap(&job->child, NULL, &job->seconds, job->error,
                                         sizeof job->error);
    if (o == RLC_CHILD_SUCCEEDED) {
        job->state = SUCCEEDED;
        if (has_threshold) {
            char why[512];
            int r = rlc_seeds_time_to_threshold(job->child.report.result.run_dir, threshold,
                                                &job->steps_to, &job->seconds_to, why, sizeof why);
            job->reached = r == 1;
            if (r < 0)
                fprintf(err, "rlc: seed %" PRIu64 ": time to the threshold unknown: %s\n",
                        job->seed, why);
        }
        return;
    }
    job->state = o == RLC_CHILD_INTERRUPTED ? INTERRUPTED : FAILED;
}

/* ---- output ------------------------------------------------------------------ */

/* Display width of UTF-8 text: one column per character. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *f, const char *s, size_t w, bool right)
{
    size_t sw = width(s);
    if (right)
        fprintf(f, "%*s%s", (int)(w > sw ? w - sw : 0), "", s);
    else
        fprintf(f, "%s%*s", s, (int)(w > sw ? w - sw : 0), "");
}

#define DASH "\xe2\x80\x94" /* — */
#define PM "\xc2\xb1"       /* ± */

static void eval_text(const seed_job *job, char *buf, size_t n)
{
    const rlc_run_result *r = &job->child.report.result;
    if (job->state == SUCCEEDED && !isnan(r->final_mean))
        snprintf(buf, n, "%.2f " PM " %.2f", r->final_mean, r->final_std);
    else
        snprintf(buf, n, DASH);
}

static void print_finished(FILE *out, const seed_job *job)
{
    char ev[64];
    eval_text(job, ev, sizeof ev);
    switch (job->state) {
    case SUCCEEDED:
        fprintf(out, "seed %" PRIu64 ": final eval %s, %zu steps, %.1f s -> %s\n", job->seed, ev,
                job->child.report.result.timesteps, job->seconds, job->child.report.result.run_dir);
        break;
    case FAILED:
        fprintf(out, "seed %" PRIu64 ": failed after %.1f s: %s\n", job->seed, job->seconds,
                job->error);
        break;
    case INTERRUPTED:
        fprintf(out, "seed %" PRIu64 ": interrupted after %.1f s\n", job->seed, job->seconds);
        break;
    default:
        break;
    }
    fflush(out);
}

static int cmp_job_seed(const void *a, const void *b)
{
    return cmp_u64(&((const seed_job *)a)->seed, &((const seed_job *)b)->seed);
}

#define N_COLS 6

/* The table; false if there was no memory for it (nothing printed). */
static bool print_summary(FILE *out, seed_job *jobs, size_t n, const rlc_config *cfg,
                          bool has_threshold, double threshold)
{
    qsort(jobs, n, sizeof *jobs, cmp_job_seed);
    char thr[48] = "threshold";
    if (has_threshold)
        rlc_setting_format_real(threshold, thr, sizeof thr);
    char head_steps[64], head_secs[64];
    snprintf(head_steps, sizeof head_steps, "steps to %s", thr);
    snprintf(head_secs, sizeof head_secs, "s to %s", thr);
    static const bool right[N_COLS] = {true, false, true, true, true, false};
    const char *header[N_COLS] = {"seed", "final eval", head_steps, head_secs, "wall s", "run"};
    size_t w[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        w[c] = width(header[c]);
    char(*cells)[N_COLS][640] = malloc(n * sizeof *cells);
    if (!cells)
        return false;
    size_t counts[5] = {0};
    for (size_t i = 0; i < n; i++) {
        const seed_job *j = &jobs[i];
        counts[j->state]++;
        snprintf(cells[i][0], sizeof cells[i][0], "%" PRIu64, j->seed);
        eval_text(j, cells[i][1], sizeof cells[i][1]);
        if (j->state == SUCCEEDED && j->reached) {
            snprintf(cells[i][2], sizeof cells[i][2], "%zu", j->steps_to);
            if (isnan(j->seconds_to))
                snprintf(cells[i][3], sizeof cells[i][3], DASH);
            else
                snprintf(cells[i][3], sizeof cells[i][3], "%.2f", j->seconds_to);
        } else {
            snprintf(cells[i][2], sizeof cells[i][2], DASH);
            snprintf(cells[i][3], sizeof cells[i][3], DASH);
        }
        if (j->state == NOT_STARTED)
            snprintf(cells[i][4], sizeof cells[i][4], DASH);
        else
            snprintf(cells[i][4], sizeof cells[i][4], "%.2f", j->seconds);
        switch (j->state) {
        case SUCCEEDED:
            snprintf(cells[i][5], sizeof cells[i][5], "%s", j->child.report.result.run_dir);
            break;
        case FAILED:
            snprintf(cells[i][5], sizeof cells[i][5], "failed: %s", j->error);
            break;
        case INTERRUPTED: /* the files written until then stay */
            snprintf(cells[i][5], sizeof cells[i][5], "interrupted%s%s",
                     j->child.report.result.run_dir[0] ? ": " : "", j->child.report.result.run_dir);
            break;
        default:
            snprintf(cells[i][5], sizeof cells[i][5], "not started (interrupted)");
            break;
        }
        for (int c = 0; c < N_COLS; c++)
            if (width(cells[i][c]) > w[c])
                w[c] = width(cells[i][c]);
    }
    fprintf(out, "\n%s on %s, %zu seed%s; reward threshold ", cfg->algo, cfg->env_id, n,
            n == 1 ? "" : "s");
    if (has_threshold)
        fprintf(out, "%s%s\n", thr, isnan(cfg->reward_threshold) ? " (auto: the environment's)" : "");
    else
        fprintf(out, "none (set [eval] reward_threshold)\n");
    for (size_t i = 0; i <= n; i++) {
        for (int c = 0; c < N_COLS; c++) {
            const char *s = i == 0 ? header[c] : cells[i - 1][c];
            if (c)
                fputs("  ", out);
            if (c == N_COLS - 1)
                fputs(s, out); /* the last column: no trailing blanks */
            else
                pad(out, s, w[c], right[c]);
        }
        fputc('\n', out);
    }
    fprintf(out, "%zu succeeded, %zu failed", counts[SUCCEEDED], counts[FAILED]);
    if (counts[INTERRUPTED] || counts[NOT_STARTED])
        fprintf(out, ", %zu interrupted, %zu not started", counts[INTERRUPTED],
                counts[NOT_STARTED]);
    fputc('\n', out);
    free(cells);
    return true;
}

/* After an interrupt: the command that continues each stopped seed from
 * its checkpoint, and the seeds still to run (stopped before they wrote
 * a run directory, or never started) as a --seeds list (runs of
 * consecutive seeds as a-b). */
static void print_how_to_continue(FILE *err, const seed_job *jobs, size_t n)
{
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        const char *dir = jobs[i].child.report.result.run_dir;
        if (jobs[i].state != INTERRUPTED || !dir[0])
            continue;
        fprintf(err, "%s  rlc resume %s\n", header ? "" : "continue the stopped seeds with:\n",
                dir);
        header = true;
    }
    size_t shown = 0;
    for (size_t i = 0; i < n;) {
        bool rest = jobs[i].state == NOT_STARTED ||
                    (jobs[i].state == INTERRUPTED && !jobs[i].child.report.result.run_dir[0]);
        if (!rest) {
            i++;
            continue;
        }
        size_t k = i; /* jobs[i..k] hold consecutive seeds, all still to run */
        while (k + 1 < n && jobs[k + 1].state == NOT_STARTED && jobs[k + 1].seed == jobs[k].seed + 1)
            k++;
        fprintf(err, "%s%" PRIu64, shown++ ? "," : "run the rest with the same command and --seeds ",
                jobs[i].seed);
        if (k > i)
            fprintf(err, "%s%" PRIu64, k > i + 1 ? "-" : ",", jobs[k].seed);
        i = k + 1;
    }
    if (shown)
        fputc('\n', err);
}

/* ---- the driver ------------------------------------------------------------ */

int rlc_seeds_run(const rlc_config *cfg, const char *config_path, const char *out_dir,
                  const uint64_t *seeds, size_t n, unsigned jobs_max, FILE *out, FILE *err)
{
    double threshold = NAN;
    bool has_threshold = rlc_config_reward_threshold(cfg, &threshold);
    seed_job *jobs = calloc(n, sizeof *jobs);
    struct pollfd *fds = calloc(2 * (size_t)(jobs_max ? jobs_max : 1), sizeof *fds);
    size_t *owner = calloc(2 * (size_t)(jobs_max ? jobs_max : 1), sizeof *owner);
    rlc_child **others = calloc(n, sizeof *others);
    if (!jobs || !fds || !owner || !others) {
        free(jobs);
        free(fds);
        free(owner);
        free(others);
        fprintf(err, "rlc: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        jobs[i] = (seed_job){.seed = seeds[i], .state = NOT_STARTED,
                             .child = {.out_fd = -1, .report_fd = -1}};

    rlc_child_catch_signals();
    size_t next = 0, running = 0;
    bool forwarded = false, killed = false;
    for (;;) {
        while (!rlc_child_signal() && running < jobs_max && next < n) {
            start(jobs, n, next, cfg, config_path, out_dir, out, others);
            if (jobs[next].state == RUNNING)
                running++;
            else
                print_finished(out, &jobs[next]);
            next++;
        }
        if (running == 0)
            break;
        bool twice = rlc_child_signal_twice();
        if (rlc_child_signal() && (!forwarded || (twice && !killed))) {
            int sig = twice ? SIGKILL : rlc_child_signal();
            for (size_t i = 0; i < next; i++)
                if (jobs[i].state == RUNNING && jobs[i].child.pid > 0)
                    kill(jobs[i].child.pid, sig);
            forwarded = true;
            killed = twice;
        }
        size_t nfds = 0;
        for (size_t i = 0; i < next; i++) {
            if (jobs[i].state != RUNNING)
                continue;
            int fd2[2] = {jobs[i].child.out_fd, jobs[i].child.report_fd};
            for (int k = 0; k < 2; k++)
                if (fd2[k] >= 0) {
                    fds[nfds] = (struct pollfd){.fd = fd2[k], .events = POLLIN};
                    owner[nfds++] = i;
                }
        }
        /* a timeout, so that a signal landing just before poll is seen soon */
        int r = nfds ? poll(fds, nfds, 200) : 0;
        for (size_t k = 0; r > 0 && k < nfds; k++)
            if (fds[k].revents)
                rlc_child_drain(&jobs[owner[k]].child, fds[k].fd);
        /* a child whose pipes are both closed has exited (or is exiting) */
        for (size_t i = 0; i < next; i++) {
            seed_job *job = &jobs[i];
            if (job->state != RUNNING || rlc_child_open(&job->child))
                continue;
            finish(job, threshold, has_threshold, err);
            running--;
            print_finished(out, job);
        }
    }
    rlc_child_restore_signals();

    int sig = rlc_child_signal();
    if (sig) {
        fprintf(err, "rlc: %s: stopped", sig == SIGINT ? "interrupted" : "terminated");
        size_t shown = 0;
        for (size_t i = 0; i < n; i++)
            if (jobs[i].state == INTERRUPTED)
                fprintf(err, "%s%" PRIu64, shown++ ? ", " : " seeds ", jobs[i].seed);
        if (!shown)
            fprintf(err, " no seed while it ran");
        fprintf(err, "; %zu not started\n", n - next);
        print_how_to_continue(err, jobs, n);
    }
    bool any_failed = false;
    if (!print_summary(out, jobs, n, cfg, has_threshold, threshold)) {
        fprintf(err, "rlc: out of memory for the summary table\n");
        any_failed = true;
    }
    for (size_t i = 0; i < n; i++)
        any_failed |= jobs[i].state == FAILED;
    free(jobs);
    free(fds);
    free(owner);
    free(others);
    fflush(out);
    if (sig)
        return 128 + sig;
    return any_failed ? 1 : 0;
}
