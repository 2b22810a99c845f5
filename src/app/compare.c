/* compare.c — `rlc compare`: reads run directories (and folders of
 * Stable-Baselines3 *.monitor.csv files), groups runs by config name, puts
 * their curves on one grid, and prints per-group and pairwise statistics as
 * an aligned table or CSV, optionally drawing the curves with PLplot. The
 * statistics are rlc/stats.h's; this file never computes a quantile or a
 * CDF itself. It does not train, evaluate or modify any run.
 *
 * Conventions (also in the usage text and the README):
 *  - a run's score is its final point: the last eval.csv mean_reward, or
 *    with --monitor the last rolling mean of episode returns;
 *  - curves: eval.csv (x = timesteps, y = mean_reward), or with --monitor
 *    monitor.csv (x = cumulative episode length, y = mean return of the last
 *    --window episodes, fewer at the start, as SB3's ep_rew_mean);
 *    --x time maps eval rows to progress.csv's time_elapsed (exact row, or
 *    linear interpolation between rows, from (0 steps, 0 s)) and uses
 *    monitor.csv's t;
 *  - points with equal x (two episodes ending in the same microsecond)
 *    keep the last one;
 *  - the grid: eval curves use the union of every run's x inside the range
 *    all runs cover; monitor curves use COMPARE_MONITOR_GRID evenly spaced
 *    points over that range. Curves are linearly interpolated onto it.
 *    AUC uses one grid over all runs (so groups are comparable); each
 *    group's plotted curve uses a grid over that group's own runs. */
#define _GNU_SOURCE /* getopt_long, getline */
#include "compare.h"
#include "cli.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <ini.h>
#include <plplot.h>
#include "rlc/stats.h"

#define COMPARE_RESAMPLES 2000   /* bootstrap resamples for the IQM interval */
#define COMPARE_BOOT_SEED 1      /* mt19937 seed, reset for every group */
#define COMPARE_CONFIDENCE 0.95
#define COMPARE_MONITOR_GRID 500 /* points of the grid for monitor curves */

const char rlc_compare_usage[] =
    "       rlc compare PATH... [--threshold X] [--x steps|time] [--plot FILE.png|FILE.svg]\n"
    "                   [--csv] [--monitor [--window N]]\n";

static void compare_help(FILE *f)
{
    fputs("usage: rlc compare PATH... [--threshold X] [--x steps|time] [--plot FILE.png|FILE.svg]\n"
          "                   [--csv] [--monitor [--window N]]\n"
          "\n"
          "  PATH             a run directory (eval.csv, progress.csv, monitor.csv), a folder\n"
          "                   of them (one level), or a folder of Stable-Baselines3\n"
          "                   *.monitor.csv files (one group, named after the folder;\n"
          "                   needs --monitor). Runs are grouped by the directory name\n"
          "                   before -s<seed> (ppo_cartpole-s3, ppo_cartpole-s3-2).\n"
          "  --threshold X    also report seeds whose curve reached X, and the median env\n"
          "                   steps and wall seconds to the first point >= X\n"
          "  --x steps|time   x axis of curves, AUC and plot: env steps (default) or wall\n"
          "                   seconds (eval rows mapped through progress.csv)\n"
          "  --plot FILE      draw mean curves with 95% t-interval bands (.png or .svg)\n"
          "  --csv            print CSV instead of tables (notes go to stderr)\n"
          "  --monitor        curves from monitor.csv episodes instead of eval.csv\n"
          "  --window N       episodes in the rolling mean of --monitor (default 100)\n"
          "\n"
          "Per group: final score = last point of each run's curve; mean with a t-based\n"
          "95% CI; IQM (25% trimmed mean) with a 95% percentile stratified-bootstrap CI\n"
          "(2000 resamples, mt19937 seed 1); median; AUC = trapezoid area under the\n"
          "curve over the common grid / the grid's x range (an average reward).\n"
          "Pairs: P(A>B) = probability of improvement (rliable), Welch's t-test p.\n"
          "exit status: 0 success, 1 runtime failure, 2 usage or input error\n",
          f);
}

typedef struct cmp_opts {
    bool has_threshold, x_time, csv, monitor;
    double threshold;
    const char *plot;
    bool plot_svg;
    size_t window;
} cmp_opts;

typedef struct cmp_run {
    char *path;            /* the run directory or monitor file, for messages */
    char *group;           /* group name */
    char env_id[64];       /* from config.ini's [run] env_id or the Monitor header; "" if unknown */
    size_t n;              /* points of the curve */
    double *x, *y;         /* the curve, x strictly increasing */
    double *steps, *secs;  /* env steps and wall seconds of each point (secs NaN if unknown) */
    double final;          /* y[n − 1] */
    bool reached;          /* with --threshold: some y[i] >= X */
    double reach_steps, reach_secs;
    double auc;            /* on the common grid */
} cmp_run;

typedef struct cmp_group {
    char *name;
    size_t *runs; /* indices into the run array */
    size_t n;
    double *finals; /* n final scores */
    double mean, mean_lo, mean_hi, iqm, iqm_lo, iqm_hi, median, auc;
    size_t reached;
    double med_steps, med_secs;
} cmp_group;

typedef struct cmp {
    cmp_opts o;
    cmp_run *runs;
    size_t n_runs, cap_runs;
    cmp_group *groups;
    size_t n_groups;
    double *grid; /* the common grid (AUC) */
    size_t n_grid;
    bool interpolated;   /* some run's x differ from the grid */
    double x_beyond;     /* largest x of any run (to say what the grid leaves out) */
} cmp;

/* ---- small helpers -------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        fprintf(stderr, "rlc compare: out of memory\n");
    return d;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "rlc compare: out of memory\n");
        return NULL;
    }
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Base name of a path without trailing slashes, into buf; "." and ".."
 * resolve to the folder's own name. */
static void base_name(const char *path, char *buf, size_t cap)
{
    char *real = realpath(path, NULL);
    if (real)
        path = real;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    size_t len = n - b < cap - 1 ? n - b : cap - 1;
    memcpy(buf, path + b, len);
    buf[len] = '\0';
    free(real);
}

/* Length of the config name in a run directory's name: the part before a
 * final "-s<digits>" or "-s<digits>-<digits>" (a repeated seed); the whole
 * name when there is no such suffix. */
static size_t group_len(const char *name)
{
    size_t e = strlen(name), i = e;
    while (i > 0 && isdigit((unsigned char)name[i - 1]))
        i--;
    if (i == e)
        return e;
    if (i >= 1 && name[i - 1] == '-') { /* -s<digits>-<digits> */
        size_t k = i - 1;
        while (k > 0 && isdigit((unsigned char)name[k - 1]))
            k--;
        if (k < i - 1 && k >= 3 && name[k - 1] == 's' && name[k - 2] == '-')
            return k - 2;
    }
    if (i >= 3 && name[i - 1] == 's' && name[i - 2] == '-')
        return i - 2;
    return e;
}

/* ---- CSV reading ---------------------------------------------------------- */

typedef struct csv {
    const char *path;
    FILE *f;
    char *line;
    size_t cap;
    size_t lineno;
    char *fields[64];
    size_t n_fields;
} csv;

static int csv_open(csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->f = fopen(path, "r");
    if (!c->f) {
        fprintf(stderr, "rlc compare: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

static void csv_close(csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    c->f = NULL;
    c->line = NULL;
}

/* Next line split on commas into c->fields. Returns 1 for a line, 0 at end
 * of file, or an exit status (printed) for a read error, a line without its
 * newline (a truncated file) or too many fields. */
static int csv_next(csv *c)
{
    errno = 0;
    ssize_t len = getline(&c->line, &c->cap, c->f);
    if (len < 0) {
        if (ferror(c->f)) {
            fprintf(stderr, "rlc compare: %s: %s\n", c->path, strerror(errno));
            return EXIT_USAGE;
        }
        return 0;
    }
    c->lineno++;
    if (c->line[len - 1] != '\n') {
        fprintf(stderr, "rlc compare: %s:%zu: truncated line (no end of line)\n", c->path,
                c->lineno);
        return -EXIT_USAGE;
    }
    c->line[--len] = '\0';
    if (len > 0 && c->line[len - 1] == '\r')
        c->line[--len] = '\0';
    c->n_fields = 0;
    char *p = c->line;
    for (;;) {
        if (c->n_fields == sizeof c->fields / sizeof c->fields[0]) {
            fprintf(stderr, "rlc compare: %s:%zu: too many columns\n", c->path, c->lineno);
            return -EXIT_USAGE;
        }
        c->fields[c->n_fields++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return 1;
}

/* Column index of `name` in the header fields, or -1. */
static int csv_column(const csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_fields; i++)
        if (!strcmp(c->fields[i], name))
            return (int)i;
    return -1;
}

/* Field `col` as a finite double; prints "file:line: column: ..." on error. */
static bool csv_number(const csv *c, int col, const char *name, double *out)
{
    const char *s = c->fields[col];
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v)) {
        fprintf(stderr, "rlc compare: %s:%zu: %s: '%s' is not a finite number\n", c->path,
                c->lineno, name, s);
        return false;
    }
    *out = v;
    return true;
}

/* Reads the header line; prints an error naming the file for an empty file. */
static int csv_header(csv *c, const char *what)
{
    int r = csv_next(c);
    if (r == 0) {
        fprintf(stderr, "rlc compare: %s:1: empty file (expected a %s header)\n", c->path, what);
        return EXIT_USAGE;
    }
    return r < 0 ? -r : r == 1 ? 0 : r;
}

/* Growable arrays of doubles, several in step. */
typedef struct series {
    double *v[4];
    size_t n, cap, k;
} series;

static bool series_push(series *s, const double *vals)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        for (size_t j = 0; j < s->k; j++) {
            double *p = realloc(s->v[j], cap * sizeof *p);
            if (!p) {
                fprintf(stderr, "rlc compare: out of memory\n");
                return false;
            }
            s->v[j] = p;
        }
        s->cap = cap;
    }
    for (size_t j = 0; j < s->k; j++)
        s->v[j][s->n] = vals[j];
    s->n++;
    return true;
}

static void series_free(series *s)
{
    for (size_t j = 0; j < s->k; j++)
        free(s->v[j]);
    memset(s, 0, sizeof *s);
}

/* A run file's (timesteps, y) rows, timesteps strictly increasing: eval.csv
 * (y = mean_reward, any value) or progress.csv (y = time_elapsed, which
 * may not decrease either). `header` describes the expected header in
 * messages, `rows` names the rows when there are none. */
static int read_steps(const char *path, const char *y_name, bool y_increasing,
                      const char *header, const char *rows, series *out)
{
    csv c;
    int st = csv_open(&c, path);
    if (st)
        return st;
    st = csv_header(&c, header);
    int cx = -1, cy = -1;
    size_t width = c.n_fields;
    if (!st) {
        cx = csv_column(&c, "timesteps");
        cy = csv_column(&c, y_name);
        if (cx < 0 || cy < 0) {
            fprintf(stderr, "rlc compare: %s:1: header has no %s column\n", path,
                    cx < 0 ? "timesteps" : y_name);
            st = EXIT_USAGE;
        }
    }
    out->k = 2;
    int r;
    while (!st && (r = csv_next(&c)) == 1) {
        double v[2];
        if (c.n_fields != width) {
            fprintf(stderr, "rlc compare: %s:%zu: %zu fields, the header has %zu\n", path,
                    c.lineno, c.n_fields, width);
            st = EXIT_USAGE;
        } else if (!csv_number(&c, cx, "timesteps", &v[0]) ||
                   !csv_number(&c, cy, y_name, &v[1])) {
            st = EXIT_USAGE;
        } else if (out->n && !y_increasing && !(v[0] > out->v[0][out->n - 1])) {
            fprintf(stderr, "rlc compare: %s:%zu: timesteps %.17g not after the previous row's\n",
                    path, c.lineno, v[0]);
            st = EXIT_USAGE;
        } else if (out->n && y_increasing &&
                   !(v[0] > out->v[0][out->n - 1] && v[1] >= out->v[1][out->n - 1])) {
            fprintf(stderr,
                    "rlc compare: %s:%zu: timesteps or %s goes back from the previous row\n",
                    path, c.lineno, y_name);
            st = EXIT_USAGE;
        } else if (!series_push(out, v)) {
            st = EXIT_RUNTIME;
        }
    }
    if (!st && r < 0)
        st = -r;
    if (!st && out->n == 0) {
        fprintf(stderr, "rlc compare: %s:%zu: no %s after the header\n", path, c.lineno + 1,
                rows);
        st = EXIT_USAGE;
    }
    csv_close(&c);
    return st;
}

/* eval.csv: timesteps (strictly increasing) and mean_reward per row. */
static int read_eval(const char *path, series *out)
{
    return read_steps(path, "mean_reward", false, "timesteps,mean_reward,...",
                      "evaluation rows", out);
}

/* progress.csv: (timesteps, time_elapsed) per row, both increasing. */
static int read_progress(const char *path, series *out)
{
    return read_steps(path, "time_elapsed", true, "timesteps,...,time_elapsed,...", "rows", out);
}

/* monitor.csv (SB3 Monitor format): a "#{json}" line, an "r,l,t" header,
 * then one row per episode: out gets (r, l, t). */
static int read_monitor(const char *path, series *out, char *env_id, size_t env_cap)
{
    csv c;
    int st = csv_open(&c, path);
    if (st)
        return st;
    int r = csv_next(&c);
    if (r == 0) {
        fprintf(stderr, "rlc compare: %s:1: empty file (expected a #{...} Monitor header)\n",
                path);
        st = EXIT_USAGE;
    } else if (r != 1) {
        st = r < 0 ? -r : r;
    } else if (c.line[0] != '#') {
        fprintf(stderr, "rlc compare: %s:1: not a Monitor file (first line must be #{...})\n",
                path);
        st = EXIT_USAGE;
    } else {
        /* for the plot's title only: the "env_id": "..." of the JSON header
         * (csv_next split the line at commas; look at each piece) */
        for (size_t i = 0; i < c.n_fields; i++) {
            const char *k = strstr(c.fields[i], "\"env_id\"");
            const char *q = k ? strchr(k + 8, '"') : NULL;
            const char *e = q ? strchr(q + 1, '"') : NULL;
            if (e && (size_t)(e - q - 1) < env_cap) {
                memcpy(env_id, q + 1, (size_t)(e - q - 1));
                env_id[e - q - 1] = '\0';
            }
        }
    }
    if (!st)
        st = csv_header(&c, "r,l,t");
    int cr = -1, cl = -1, ct = -1;
    size_t width = c.n_fields;
    if (!st) {
        cr = csv_column(&c, "r");
        cl = csv_column(&c, "l");
        ct = csv_column(&c, "t");
        if (cr < 0 || cl < 0 || ct < 0) {
            fprintf(stderr, "rlc compare: %s:%zu: header must have columns r, l and t\n", path,
                    c.lineno);
            st = EXIT_USAGE;
        }
    }
    out->k = 3;
    while (!st && (r = csv_next(&c)) == 1) {
        double v[3];
        if (c.n_fields != width) {
            fprintf(stderr, "rlc compare: %s:%zu: %zu fields, the header has %zu\n", path,
                    c.lineno, c.n_fields, width);
            st = EXIT_USAGE;
        } else if (!csv_number(&c, cr, "r", &v[0]) || !csv_number(&c, cl, "l", &v[1]) ||
                   !csv_number(&c, ct, "t", &v[2])) {
            st = EXIT_USAGE;
        } else if (!(v[1] >= 1 && v[1] == floor(v[1]))) {
            fprintf(stderr, "rlc compare: %s:%zu: l: episode length must be a positive integer\n",
                    path, c.lineno);
            st = EXIT_USAGE;
        } else if (out->n && v[2] < out->v[2][out->n - 1]) {
            fprintf(stderr, "rlc compare: %s:%zu: t goes back from the previous episode\n", path,
                    c.lineno);
            st = EXIT_USAGE;
        } else if (!series_push(out, v)) {
            st = EXIT_RUNTIME;
        }
    }
    if (!st && r < 0)
        st = -r;
    if (!st && out->n == 0) {
        fprintf(stderr, "rlc compare: %s:%zu: no episodes after the header\n", path,
                c.lineno + 1);
        st = EXIT_USAGE;
    }
    csv_close(&c);
    return st;
}

/* ---- building runs -------------------------------------------------------- */

/* Seconds at env step t from progress rows (steps, secs): the exact row, or
 * linear interpolation between the rows around t (from (0, 0) before the
 * first). Returns false when t is after the last row. */
static bool steps_to_secs(const series *p, double t, double *out)
{
    double x0 = 0.0, y0 = 0.0;
    for (size_t i = 0; i < p->n; i++) {
        double x1 = p->v[0][i], y1 = p->v[1][i];
        if (t == x1) {
            *out = y1;
            return true;
        }
        if (t < x1) {
            *out = y0 + (y1 - y0) * (t - x0) / (x1 - x0);
            return true;
        }
        x0 = x1;
        y0 = y1;
    }
    return false;
}

static cmp_run *new_run(cmp *c, const char *path, const char *group)
{
    if (c->n_runs == c->cap_runs) {
        size_t cap = c->cap_runs ? 2 * c->cap_runs : 16;
        cmp_run *p = realloc(c->runs, cap * sizeof *p);
        if (!p) {
            fprintf(stderr, "rlc compare: out of memory\n");
            return NULL;
        }
        c->runs = p;
        c->cap_runs = cap;
    }
    cmp_run *r = &c->runs[c->n_runs];
    memset(r, 0, sizeof *r);
    r->path = xstrdup(path);
    r->group = xstrdup(group);
    if (!r->path || !r->group) {
        free(r->path);
        free(r->group);
        return NULL;
    }
    c->n_runs++;
    return r;
}

/* Fills the run's curve from n points (steps, secs, y), choosing x by --x and
 * collapsing points of equal x to the last one. Takes nothing over. */
static int set_curve(cmp *c, cmp_run *r, const double *steps, const double *secs,
                     const double *y, size_t n)
{
    r->x = malloc(4 * n * sizeof *r->x);
    if (!r->x) {
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    r->y = r->x + n;
    r->steps = r->y + n;
    r->secs = r->steps + n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = c->o.x_time ? secs[i] : steps[i];
        if (m && x == r->x[m - 1])
            m--; /* same x as the previous point: keep the later one */
        r->x[m] = x;
        r->y[m] = y[i];
        r->steps[m] = steps[i];
        r->secs[m] = secs ? secs[i] : NAN;
        m++;
    }
    r->n = m;
    r->final = y[n - 1];
    if (c->o.has_threshold)
        for (size_t i = 0; i < n; i++)
            if (y[i] >= c->o.threshold) {
                r->reached = true;
                r->reach_steps = steps[i];
                r->reach_secs = secs ? secs[i] : NAN;
                break;
            }
    return 0;
}

/* A curve from monitor episodes (r, l, t): x = cumulative l (or t), y = mean
 * of the last `window` returns (fewer at the start). */
static int monitor_run(cmp *c, const char *file, const char *group)
{
    series m = {0};
    char env_id[64] = "";
    int st = read_monitor(file, &m, env_id, sizeof env_id);
    if (st) {
        series_free(&m);
        return st;
    }
    double *buf = malloc(2 * m.n * sizeof *buf);
    if (!buf) {
        series_free(&m);
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    double *steps = buf, *mean = buf + m.n, total = 0.0;
    for (size_t i = 0; i < m.n; i++) {
        total += m.v[1][i];
        steps[i] = total;
        /* each window summed afresh (a running sum would drift by rounding) */
        size_t k = i + 1 < c->o.window ? i + 1 : c->o.window;
        mean[i] = gsl_stats_mean(m.v[0] + (i + 1 - k), 1, k);
    }
    cmp_run *r = new_run(c, file, group);
    st = r ? set_curve(c, r, steps, m.v[2], mean, m.n) : EXIT_RUNTIME;
    if (r)
        snprintf(r->env_id, sizeof r->env_id, "%s", env_id);
    free(buf);
    series_free(&m);
    return st;
}

/* inih handler: keeps [run] env_id (for the plot's title). */
static int env_id_handler(void *user, const char *section, const char *name, const char *value)
{
    if (!strcmp(section, "run") && !strcmp(name, "env_id"))
        snprintf((char *)user, 64, "%s", value);
    return 1;
}

/* An rlc run directory: its eval.csv (or monitor.csv with --monitor), and
 * progress.csv when seconds are needed. */
static int rlc_run_dir(cmp *c, const char *dir)
{
    char name[256];
    base_name(dir, name, sizeof name);
    size_t gl = group_len(name);
    if (gl == 0)
        gl = strlen(name);
    name[gl] = '\0';
    int st = 0;
    if (c->o.monitor) {
        char *file = join(dir, "monitor.csv");
        st = file ? monitor_run(c, file, name) : EXIT_RUNTIME;
        free(file);
        return st;
    }
    char *eval_path = join(dir, "eval.csv");
    char *prog_path = join(dir, "progress.csv");
    series ev = {0}, pr = {0};
    double *secs = NULL;
    if (!eval_path || !prog_path) {
        st = EXIT_RUNTIME;
        goto done;
    }
    st = read_eval(eval_path, &ev);
    if (st)
        goto done;
    if (c->o.x_time || c->o.has_threshold) {
        st = read_progress(prog_path, &pr);
        if (st)
            goto done;
        secs = malloc(ev.n * sizeof *secs);
        if (!secs) {
            fprintf(stderr, "rlc compare: out of memory\n");
            st = EXIT_RUNTIME;
            goto done;
        }
        for (size_t i = 0; i < ev.n; i++)
            if (!steps_to_secs(&pr, ev.v[0][i], &secs[i])) {
                fprintf(stderr,
                        "rlc compare: %s:%zu: timesteps %.17g is after the last row of %s "
                        "(%.17g): cannot map it to seconds\n",
                        eval_path, i + 2, ev.v[0][i], prog_path, pr.v[0][pr.n - 1]);
                st = EXIT_USAGE;
                goto done;
            }
    }
    cmp_run *r = new_run(c, dir, name);
    st = r ? set_curve(c, r, ev.v[0], secs, ev.v[1], ev.n) : EXIT_RUNTIME;
    if (r) {
        /* only the title uses it: a missing or odd config.ini changes no number */
        char *ini = join(dir, "config.ini");
        if (ini)
            ini_parse(ini, env_id_handler, r->env_id);
        free(ini);
    }
done:
    free(secs);
    series_free(&ev);
    series_free(&pr);
    free(eval_path);
    free(prog_path);
    return st;
}

static int filter_entries(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* True if dir holds any of a run directory's files. */
static bool looks_like_run(const char *dir)
{
    static const char *const files[] = {"eval.csv", "progress.csv", "monitor.csv", "config.ini"};
    for (size_t i = 0; i < 4; i++) {
        char *p = join(dir, files[i]);
        bool yes = p && is_file(p);
        free(p);
        if (yes)
            return true;
    }
    return false;
}

/* One PATH: a run directory, a folder of SB3 *.monitor.csv files, or a
 * folder of run directories (entries in name order). */
static int add_path(cmp *c, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "rlc compare: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "rlc compare: %s: not a directory (give a run directory or a folder "
                        "of them)\n", path);
        return EXIT_USAGE;
    }
    if (looks_like_run(path))
        return rlc_run_dir(c, path);
    struct dirent **ents = NULL;
    int n = scandir(path, &ents, filter_entries, alphasort);
    if (n < 0) {
        fprintf(stderr, "rlc compare: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    int st = 0;
    size_t found = 0;
    bool sb3 = false;
    for (int i = 0; i < n; i++)
        if (ends_with(ents[i]->d_name, ".monitor.csv"))
            sb3 = true;
    for (int i = 0; sb3 && i < n && !st; i++) {
        char *p = join(path, ents[i]->d_name);
        if (p && is_dir(p) && looks_like_run(p)) {
            fprintf(stderr, "rlc compare: %s holds both *.monitor.csv files and run directories "
                            "(%s): give them as separate paths\n", path, ents[i]->d_name);
            st = EXIT_USAGE;
        }
        free(p);
    }
    if (!st && sb3 && !c->o.monitor) {
        fprintf(stderr,
                "rlc compare: %s: Stable-Baselines3 monitor files have episode curves only: "
                "add --monitor\n", path);
        st = EXIT_USAGE;
    }
    char group[256];
    base_name(path, group, sizeof group);
    for (int i = 0; i < n && !st; i++) {
        char *p = join(path, ents[i]->d_name);
        if (!p) {
            st = EXIT_RUNTIME;
            break;
        }
        if (sb3) {
            if (ends_with(ents[i]->d_name, ".monitor.csv") && is_file(p)) {
                st = monitor_run(c, p, group);
                found++;
            }
        } else if (is_dir(p) && looks_like_run(p)) {
            st = rlc_run_dir(c, p);
            found++;
        }
        free(p);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    if (!st && !found) {
        fprintf(stderr, "rlc compare: %s: no run directories (eval.csv, progress.csv, "
                        "monitor.csv) and no *.monitor.csv files in it\n", path);
        st = EXIT_USAGE;
    }
    return st;
}

/* ---- statistics ----------------------------------------------------------- */

static int group_runs(cmp *c)
{
    c->groups = calloc(c->n_runs, sizeof *c->groups);
    if (!c->groups)
        goto nomem;
    for (size_t i = 0; i < c->n_runs; i++) {
        size_t g = 0;
        while (g < c->n_groups && strcmp(c->groups[g].name, c->runs[i].group))
            g++;
        if (g == c->n_groups) {
            c->groups[g].name = c->runs[i].group; /* borrowed from the run */
            c->groups[g].runs = malloc(c->n_runs * sizeof(size_t));
            c->groups[g].finals = malloc(c->n_runs * sizeof(double));
            c->n_groups++;
            if (!c->groups[g].runs || !c->groups[g].finals)
                goto nomem;
        }
        cmp_group *gr = &c->groups[g];
        gr->finals[gr->n] = c->runs[i].final;
        gr->runs[gr->n++] = i;
    }
    return 0;
nomem:
    fprintf(stderr, "rlc compare: out of memory\n");
    return EXIT_RUNTIME;
}

/* The grid over runs idx[0..n-1] (union for eval curves, evenly spaced for
 * monitor curves); *interp says whether any run's x differ from it. */
static int make_grid(const cmp *c, const size_t *idx, size_t n, double **grid, size_t *n_grid,
                     bool *interp)
{
    const double **xs = malloc(n * sizeof *xs);
    size_t *ns = malloc(n * sizeof *ns);
    int st = 0;
    if (!xs || !ns) {
        fprintf(stderr, "rlc compare: out of memory\n");
        st = EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        xs[i] = c->runs[idx[i]].x;
        ns[i] = c->runs[idx[i]].n;
    }
    rlc_status s = rlc_stats_grid_union(xs, ns, n, grid, n_grid);
    if (s == RLC_EINVAL) {
        fprintf(stderr, "rlc compare: the runs' x ranges do not overlap: no common grid "
                        "(compare runs of similar length)\n");
        st = EXIT_USAGE;
        goto done;
    }
    if (s != RLC_OK) {
        fprintf(stderr, "rlc compare: %s\n", rlc_strerror(s));
        st = EXIT_RUNTIME;
        goto done;
    }
    *interp = false;
    for (size_t i = 0; i < n; i++)
        if (ns[i] != *n_grid || memcmp(xs[i], *grid, *n_grid * sizeof(double)))
            *interp = true;
    if (c->o.monitor && *n_grid > 1) {
        double lo = (*grid)[0], hi = (*grid)[*n_grid - 1];
        double *g = realloc(*grid, COMPARE_MONITOR_GRID * sizeof *g);
        if (!g) {
            fprintf(stderr, "rlc compare: out of memory\n");
            st = EXIT_RUNTIME;
            goto done;
        }
        *grid = g;
        *n_grid = COMPARE_MONITOR_GRID;
        rlc_stats_grid_linspace(lo, hi, *n_grid, g);
        *interp = true;
    }
done:
    free(xs);
    free(ns);
    return st;
}

static int compute(cmp *c)
{
    size_t *all = malloc(c->n_runs * sizeof *all);
    double *buf = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int st = 0;
    if (!all || !rng)
        goto nomem;
    for (size_t i = 0; i < c->n_runs; i++) {
        all[i] = i;
        double last = c->runs[i].x[c->runs[i].n - 1];
        if (i == 0 || last > c->x_beyond)
            c->x_beyond = last;
    }
    st = make_grid(c, all, c->n_runs, &c->grid, &c->n_grid, &c->interpolated);
    if (st)
        goto done;
    buf = malloc((c->n_grid + c->n_runs) * sizeof *buf);
    if (!buf)
        goto nomem;
    for (size_t i = 0; i < c->n_runs; i++) {
        cmp_run *r = &c->runs[i];
        rlc_status s = rlc_stats_interp(r->x, r->y, r->n, c->grid, c->n_grid, buf);
        if (s == RLC_OK)
            s = rlc_stats_normalized_auc(c->grid, buf, c->n_grid, &r->auc);
        if (s != RLC_OK) {
            fprintf(stderr, "rlc compare: %s: %s\n", r->path, rlc_strerror(s));
            st = s == RLC_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
            goto done;
        }
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        cmp_group *gr = &c->groups[g];
        gr->mean_lo = gr->mean_hi = gr->iqm_lo = gr->iqm_hi = NAN;
        gr->med_steps = gr->med_secs = NAN;
        gr->mean = gsl_stats_mean(gr->finals, 1, gr->n);
        rlc_status s = rlc_stats_iqm(gr->finals, gr->n, &gr->iqm);
        if (s == RLC_OK)
            s = rlc_stats_median(gr->finals, gr->n, &gr->median);
        if (s == RLC_OK && gr->n >= 2) {
            s = rlc_stats_mean_ci(gr->finals, gr->n, COMPARE_CONFIDENCE, NULL, &gr->mean_lo,
                                  &gr->mean_hi);
            /* resample the scores in ascending order, so that the interval
             * does not depend on the order the runs were named in */
            double *sorted = buf + c->n_grid;
            memcpy(sorted, gr->finals, gr->n * sizeof *sorted);
            gsl_sort(sorted, 1, gr->n);
            gsl_rng_set(rng, COMPARE_BOOT_SEED);
            if (s == RLC_OK)
                s = rlc_stats_bootstrap_iqm_ci(sorted, gr->n, 1, COMPARE_RESAMPLES,
                                               COMPARE_CONFIDENCE, rng, &gr->iqm_lo, &gr->iqm_hi);
        }
        double *aucs = buf + c->n_grid;
        for (size_t k = 0; k < gr->n; k++)
            aucs[k] = c->runs[gr->runs[k]].auc;
        gr->auc = gsl_stats_mean(aucs, 1, gr->n);
        if (s == RLC_OK && c->o.has_threshold) {
            double *st_ = buf + c->n_grid; /* n_runs values */
            size_t m = 0;
            for (size_t k = 0; k < gr->n; k++)
                if (c->runs[gr->runs[k]].reached)
                    st_[m++] = c->runs[gr->runs[k]].reach_steps;
            gr->reached = m;
            if (m) {
                s = rlc_stats_median(st_, m, &gr->med_steps);
                m = 0;
                for (size_t k = 0; k < gr->n; k++)
                    if (c->runs[gr->runs[k]].reached)
                        st_[m++] = c->runs[gr->runs[k]].reach_secs;
                if (s == RLC_OK)
                    s = rlc_stats_median(st_, m, &gr->med_secs);
            }
        }
        if (s != RLC_OK) {
            fprintf(stderr, "rlc compare: %s: %s\n", gr->name, rlc_strerror(s));
            st = EXIT_RUNTIME;
            goto done;
        }
    }
    goto done;
nomem:
    fprintf(stderr, "rlc compare: out of memory\n");
    st = EXIT_RUNTIME;
done:
    gsl_rng_free(rng);
    free(buf);
    free(all);
    return st;
}

/* ---- output --------------------------------------------------------------- */

#define MAX_COLS 8

typedef struct table {
    size_t cols, rows, cap;
    char **cells; /* rows × cols strings */
    bool right[MAX_COLS];
} table;

static bool table_add(table *t, char *const *row)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **p = realloc(t->cells, cap * t->cols * sizeof *p);
        if (!p)
            return false;
        t->cells = p;
        t->cap = cap;
    }
    for (size_t j = 0; j < t->cols; j++)
        t->cells[t->rows * t->cols + j] = NULL;
    t->rows++;
    for (size_t j = 0; j < t->cols; j++) {
        t->cells[(t->rows - 1) * t->cols + j] = strdup(row[j] ? row[j] : "");
        if (!t->cells[(t->rows - 1) * t->cols + j])
            return false;
    }
    return true;
}

static void table_print(const table *t)
{
    size_t w[MAX_COLS] = {0};
    for (size_t i = 0; i < t->rows; i++)
        for (size_t j = 0; j < t->cols; j++) {
            size_t l = strlen(t->cells[i * t->cols + j]);
            if (l > w[j])
                w[j] = l;
        }
    for (size_t i = 0; i < t->rows; i++) {
        for (size_t j = 0; j < t->cols; j++) {
            const char *s = t->cells[i * t->cols + j];
            bool last = j + 1 == t->cols;
            if (t->right[j])
                printf("%*s", (int)w[j], s);
            else if (last)
                printf("%s", s); /* no trailing blanks */
            else
                printf("%-*s", (int)w[j], s);
            if (!last)
                printf("  ");
        }
        printf("\n");
    }
}

static void table_free(table *t)
{
    for (size_t i = 0; t->cells && i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
}

static void fmt(char *buf, size_t cap, double v, int prec)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.*f", prec, v);
}

static void fmt_ci(char *buf, size_t cap, double v, double lo, double hi)
{
    if (isnan(lo))
        snprintf(buf, cap, "%.1f", v);
    else
        snprintf(buf, cap, "%.1f [%.1f, %.1f]", v, lo, hi);
}

static void fmt_p(char *buf, size_t cap, double p)
{
    if (isnan(p))
        snprintf(buf, cap, "-");
    else if (p < 1e-4)
        snprintf(buf, cap, "%.1e", p);
    else
        snprintf(buf, cap, "%.4f", p);
}

static const char *x_unit(const cmp *c)
{
    return c->o.x_time ? "s" : "steps";
}

static void pair_stats(const cmp *c, size_t a, size_t b, double *poi, double *t, double *df,
                       double *p)
{
    const cmp_group *ga = &c->groups[a], *gb = &c->groups[b];
    rlc_stats_prob_improvement(ga->finals, ga->n, gb->finals, gb->n, poi);
    *t = *df = *p = NAN;
    if (ga->n >= 2 && gb->n >= 2)
        rlc_stats_welch(ga->finals, ga->n, gb->finals, gb->n, t, df, p);
}

/* printf to f, wrapped at 99 columns on spaces; continuation lines indented
 * by `indent` blanks. */
static void wrapped(FILE *f, size_t indent, const char *format, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    const size_t width = 99;
    const char *p = text;
    size_t col = 0;
    while (*p) {
        size_t room = width - col, len = strlen(p);
        if (len <= room) {
            fputs(p, f);
            break;
        }
        size_t cut = room;
        while (cut > 0 && p[cut] != ' ')
            cut--;
        if (cut == 0) /* one long word: break it at the edge */
            cut = room;
        fprintf(f, "%.*s\n%*s", (int)cut, p, (int)indent, "");
        p += cut;
        while (*p == ' ')
            p++;
        col = indent;
    }
    fputc('\n', f);
}

/* Notes: what the reader must know to read the numbers right. */

/* Whether a run directory's name ends in -s<seed>-<k>: a repeated run of a
 * seed (rlc run found <name>-s<seed> taken). */
static bool is_repeat(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *s = NULL;
    for (const char *q = strstr(base, "-s"); q; q = strstr(q + 1, "-s"))
        s = q; /* the last "-s" */
    if (!s || !isdigit((unsigned char)s[2]))
        return false;
    const char *p = s + 2;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p != '-' || !isdigit((unsigned char)p[1]))
        return false;
    for (p++; isdigit((unsigned char)*p); p++)
        ;
    return *p == '\0';
}

/* The seed in a run directory's name (<name>-s<seed>, <name>-s<seed>-<k>),
 * or -1 where the name has none (a monitor file, another folder name). */
static long long name_seed(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t g = group_len(base);
    if (base[g] != '-' || base[g + 1] != 's')
        return -1;
    errno = 0;
    long long seed = strtoll(base + g + 2, NULL, 10);
    return errno ? -1 : seed;
}

/* A group that holds one seed twice without a -<k> suffix (the same
 * <name>-s<seed> under two parent folders), and one whose runs end at
 * different env steps, are noted: their final scores are not one seed
 * each at one budget. */
static void print_group_notes(const cmp *c, const cmp_group *gr, FILE *f)
{
    char seeds[160] = "";
    size_t dups = 0, len = 0;
    for (size_t i = 0; i < gr->n; i++) {
        const char *p = c->runs[gr->runs[i]].path;
        long long s = name_seed(p);
        if (s < 0 || is_repeat(p))
            continue;
        size_t j = 0;
        while (j < i && name_seed(c->runs[gr->runs[j]].path) != s)
            j++;
        if (j == i)
            continue;
        if (dups++ < 8 && len < sizeof seeds)
            len += (size_t)snprintf(seeds + len, sizeof seeds - len, "%s%lld", dups > 1 ? ", " : "",
                                    s);
    }
    if (dups)
        wrapped(f, 6,
                "note: %s holds %zu more run%s of a seed it already has, from another folder "
                "(seed %s%s): each counts as one more seed",
                gr->name, dups, dups == 1 ? "" : "s", seeds, dups > 8 ? ", ..." : "");
    if (c->o.monitor)
        return; /* episodes end where they end */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < gr->n; i++) {
        const cmp_run *r = &c->runs[gr->runs[i]];
        lo = fmin(lo, r->steps[r->n - 1]);
        hi = fmax(hi, r->steps[r->n - 1]);
    }
    if (lo < hi)
        wrapped(f, 6,
                "note: %s's runs end at different env steps (%g to %g): its final scores are "
                "taken at different points of training",
                gr->name, lo, hi);
}

static void print_notes(const cmp *c, FILE *f)
{
    const char *what = c->o.monitor ? "episode-return curves" : "evaluation curves";
    char beyond[160] = "";
    if (c->x_beyond > c->grid[c->n_grid - 1])
        snprintf(beyond, sizeof beyond, " (points after %g %s, up to %g, are left out of it)",
                 c->grid[c->n_grid - 1], x_unit(c), c->x_beyond);
    if (c->interpolated)
        wrapped(f, 6,
                "note: the runs' x values differ: %s are linearly interpolated onto one grid "
                "of %zu points (%s) from %g to %g %s, the range every run covers; AUC is over "
                "that grid%s",
                what, c->n_grid,
                c->o.monitor ? "evenly spaced" : "the union of all runs' x in that range",
                c->grid[0], c->grid[c->n_grid - 1], x_unit(c), beyond);
    else
        wrapped(f, 6, "note: all runs share the same %zu x values (%g to %g %s); AUC is over them%s",
                c->n_grid, c->grid[0], c->grid[c->n_grid - 1], x_unit(c), beyond);
    for (size_t g = 0; g < c->n_groups; g++)
        if (c->groups[g].n < 2)
            wrapped(f, 6,
                    "note: %s has 1 seed: no confidence intervals and no Welch test (they need "
                    "at least 2 seeds)",
                    c->groups[g].name);
    for (size_t g = 0; g < c->n_groups; g++) {
        size_t repeats = 0;
        for (size_t i = 0; i < c->groups[g].n; i++)
            repeats += is_repeat(c->runs[c->groups[g].runs[i]].path);
        if (repeats)
            wrapped(f, 6,
                    "note: %s holds %zu repeated run%s of a seed (a directory <name>-s<seed>-<k>):"
                    " each counts as one more seed",
                    c->groups[g].name, repeats, repeats == 1 ? "" : "s");
        print_group_notes(c, &c->groups[g], f);
    }
    for (size_t i = 1; i < c->n_runs; i++)
        if (c->runs[i].env_id[0] && c->runs[0].env_id[0] &&
            strcmp(c->runs[i].env_id, c->runs[0].env_id)) {
            wrapped(f, 6,
                    "note: the runs are on different environments (%s, %s, ...): their returns "
                    "are not on one scale",
                    c->runs[0].env_id, c->runs[i].env_id);
            break;
        }
    bool undefined = false;
    for (size_t a = 0; a < c->n_groups; a++)
        for (size_t b = a + 1; b < c->n_groups; b++)
            if (c->groups[a].n >= 2 && c->groups[b].n >= 2) {
                double poi, t, df, p;
                pair_stats(c, a, b, &poi, &t, &df, &p);
                undefined |= isnan(p);
            }
    if (undefined)
        wrapped(f, 6, "note: Welch p is '-' where both groups' final scores have zero variance "
                      "(the t statistic is undefined)");
}

static int print_tables(const cmp *c)
{
    table t = {.cols = 6, .right = {false, true, true, true, true, true}};
    char b[6][96];
    const char *head[6] = {"group", "seeds", "final mean [95% CI]", "IQM [95% CI]", "median",
                           "AUC"};
    bool ok = table_add(&t, (char *const *)head);
    for (size_t g = 0; ok && g < c->n_groups; g++) {
        const cmp_group *gr = &c->groups[g];
        snprintf(b[0], sizeof b[0], "%s", gr->name);
        snprintf(b[1], sizeof b[1], "%zu", gr->n);
        fmt_ci(b[2], sizeof b[2], gr->mean, gr->mean_lo, gr->mean_hi);
        fmt_ci(b[3], sizeof b[3], gr->iqm, gr->iqm_lo, gr->iqm_hi);
        fmt(b[4], sizeof b[4], gr->median, 1);
        fmt(b[5], sizeof b[5], gr->auc, 1);
        char *row[6] = {b[0], b[1], b[2], b[3], b[4], b[5]};
        ok = table_add(&t, row);
    }
    if (ok)
        table_print(&t);
    table_free(&t);
    if (ok && c->o.has_threshold) {
        table th = {.cols = 4, .right = {false, true, true, true}};
        char h[3][64];
        snprintf(h[0], sizeof h[0], "reached %g", c->o.threshold);
        snprintf(h[1], sizeof h[1], "median steps to it");
        snprintf(h[2], sizeof h[2], "median seconds to it");
        char *hr[4] = {"group", h[0], h[1], h[2]};
        printf("\n");
        ok = table_add(&th, hr);
        for (size_t g = 0; ok && g < c->n_groups; g++) {
            const cmp_group *gr = &c->groups[g];
            snprintf(b[0], sizeof b[0], "%s", gr->name);
            snprintf(b[1], sizeof b[1], "%zu/%zu", gr->reached, gr->n);
            fmt(b[2], sizeof b[2], gr->med_steps, 0);
            fmt(b[3], sizeof b[3], gr->med_secs, 2);
            char *row[4] = {b[0], b[1], b[2], b[3]};
            ok = table_add(&th, row);
        }
        if (ok)
            table_print(&th);
        table_free(&th);
    }
    if (ok && c->n_groups >= 2) {
        table tp = {.cols = 4, .right = {false, false, true, true}};
        char *hr[4] = {"A", "B", "P(A>B)", "Welch p"};
        printf("\n");
        ok = table_add(&tp, hr);
        for (size_t a = 0; ok && a < c->n_groups; a++)
            for (size_t bb = a + 1; ok && bb < c->n_groups; bb++) {
                double poi, tt, df, p;
                pair_stats(c, a, bb, &poi, &tt, &df, &p);
                snprintf(b[0], sizeof b[0], "%s", c->groups[a].name);
                snprintf(b[1], sizeof b[1], "%s", c->groups[bb].name);
                snprintf(b[2], sizeof b[2], "%.3f", poi);
                fmt_p(b[3], sizeof b[3], p);
                char *row[4] = {b[0], b[1], b[2], b[3]};
                ok = table_add(&tp, row);
            }
        if (ok)
            table_print(&tp);
        table_free(&tp);
    }
    if (!ok) {
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    printf("\n");
    wrapped(stdout, 0,
            "final = each seed's last %s. 95%% CIs: mean, t-based; IQM (25%% trimmed mean), "
            "percentile bootstrap over seeds, %d resamples, seed %d. AUC = area under the "
            "curve / its x range (an average return).",
            c->o.monitor ? "rolling-mean episode return" : "evaluation mean_reward",
            COMPARE_RESAMPLES, COMPARE_BOOT_SEED);
    if (c->n_groups >= 2)
        wrapped(stdout, 0, "P(A>B): probability of improvement, over all pairs of seeds' final "
                           "scores (ties count 1/2). Welch p: two-sided Welch t-test.");
    print_notes(c, stdout);
    return 0;
}

/* CSV cell: a number with 10 significant digits, empty for NaN. */
static void csv_num(double v)
{
    if (!isnan(v))
        printf("%.10g", v);
}

/* A CSV text cell: quoted (RFC 4180) when it holds a comma, quote or newline. */
static void csv_text(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int print_csv(const cmp *c)
{
    printf("kind,group,other,seeds,final_mean,final_ci_low,final_ci_high,iqm,iqm_ci_low,"
           "iqm_ci_high,median,auc,threshold,reached,median_steps_to_threshold,"
           "median_seconds_to_threshold,prob_improvement,welch_t,welch_df,welch_p\n");
    for (size_t g = 0; g < c->n_groups; g++) {
        const cmp_group *gr = &c->groups[g];
        printf("group,");
        csv_text(gr->name);
        printf(",,%zu,", gr->n);
        const double v[7] = {gr->mean, gr->mean_lo, gr->mean_hi, gr->iqm, gr->iqm_lo, gr->iqm_hi,
                             gr->median};
        for (size_t i = 0; i < 7; i++) {
            csv_num(v[i]);
            printf(",");
        }
        csv_num(gr->auc);
        printf(",");
        if (c->o.has_threshold) {
            csv_num(c->o.threshold);
            printf(",%zu,", gr->reached);
            csv_num(gr->med_steps);
            printf(",");
            csv_num(gr->med_secs);
        } else {
            printf(",,,");
        }
        printf(",,,,\n");
    }
    for (size_t a = 0; a < c->n_groups; a++)
        for (size_t b = a + 1; b < c->n_groups; b++) {
            double poi, t, df, p;
            pair_stats(c, a, b, &poi, &t, &df, &p);
            printf("pair,");
            csv_text(c->groups[a].name);
            printf(",");
            csv_text(c->groups[b].name);
            printf(",,,,,,,,,,,,,,");
            csv_num(poi);
            printf(",");
            csv_num(t);
            printf(",");
            csv_num(df);
            printf(",");
            csv_num(p);
            printf("\n");
        }
    fflush(stdout); /* the CSV before the notes on a shared terminal */
    print_notes(c, stderr);
    return 0;
}

/* ---- plot ----------------------------------------------------------------- */

static const unsigned char palette[8][3] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
};

/* A group's curve on its own grid: mean over seeds and the 95% t interval
 * (lo = hi = mean with one seed). Arrays are one allocation at *x. */
typedef struct band {
    double *x, *mean, *lo, *hi;
    size_t n;
} band;

static int group_band(const cmp *c, const cmp_group *gr, band *b)
{
    bool interp;
    double *grid = NULL;
    size_t n = 0;
    int st = make_grid(c, gr->runs, gr->n, &grid, &n, &interp);
    if (st)
        return st;
    double *buf = malloc((3 * n + gr->n * n) * sizeof *buf);
    if (!buf) {
        free(grid);
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    b->x = grid;
    b->n = n;
    b->mean = buf;
    b->lo = buf + n;
    b->hi = buf + 2 * n;
    double *ys = buf + 3 * n; /* seeds × n */
    for (size_t k = 0; k < gr->n; k++) {
        const cmp_run *r = &c->runs[gr->runs[k]];
        if (rlc_stats_interp(r->x, r->y, r->n, grid, n, ys + k * n) != RLC_OK) {
            fprintf(stderr, "rlc compare: %s: cannot interpolate its curve\n", r->path);
            free(buf);
            free(grid);
            return EXIT_RUNTIME;
        }
    }
    double *col = malloc(gr->n * sizeof *col);
    if (!col) {
        free(buf);
        free(grid);
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t k = 0; k < gr->n; k++)
            col[k] = ys[k * n + j];
        /* one seed: no interval, the band collapses onto the line */
        if (rlc_stats_mean_ci(col, gr->n, COMPARE_CONFIDENCE, &b->mean[j], &b->lo[j],
                              &b->hi[j]) != RLC_OK)
            b->mean[j] = b->lo[j] = b->hi[j] = col[0];
    }
    free(col);
    return 0;
}

/* PLplot's fatal errors call exit() with what its exit handler returns:
 * name the file, and make it exit status 1 (a runtime failure). */
static const char *plot_path;

/* name with PLplot's text escape '#' doubled, so a group called "a#ub"
 * is drawn as written and not as a superscript. */
static void plplot_text(const char *name, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 2 < n; p++) {
        if (*p == '#')
            out[k++] = '#';
        out[k++] = *p;
    }
    out[k] = '\0';
}

static int plot_exit_handler(const char *message)
{
    fprintf(stderr, "rlc compare: --plot %s: PLplot: %s\n", plot_path, message);
    return EXIT_RUNTIME;
}

/* True if PLplot has the output device `dev` (pngcairo needs Debian's
 * plplot-driver-cairo). */
static bool plot_has_device(const char *dev)
{
    const char *menu[128], *names[128];
    const char **pm = menu, **pn = names;
    int n = 128;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], dev))
            return true;
    return false;
}

static int plot(const cmp *c)
{
    const char *path = c->o.plot;
    const char *dev = c->o.plot_svg ? "svg" : "pngcairo";
    if (!plot_has_device(dev)) {
        fprintf(stderr, "rlc compare: --plot %s: PLplot has no %s device%s\n", path, dev,
                c->o.plot_svg ? "" : " (install plplot-driver-cairo)");
        return EXIT_RUNTIME;
    }
    plot_path = path;
    plsexit(plot_exit_handler);
    FILE *probe = fopen(path, "wb"); /* PLplot would exit() on a file it cannot open */
    if (!probe) {
        fprintf(stderr, "rlc compare: --plot %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    fclose(probe);
    band *bands = calloc(c->n_groups, sizeof *bands);
    if (!bands) {
        fprintf(stderr, "rlc compare: out of memory\n");
        return EXIT_RUNTIME;
    }
    int st = 0;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t g = 0; g < c->n_groups && !st; g++) {
        st = group_band(c, &c->groups[g], &bands[g]);
        for (size_t j = 0; !st && j < bands[g].n; j++) {
            xmin = fmin(xmin, bands[g].x[j]);
            xmax = fmax(xmax, bands[g].x[j]);
        }
    }
    /* y range: the runs' own values (a t band over 2 seeds is ±12.7 s/√2
     * and would squash the curves; PLplot clips the band to the box) */
    for (size_t i = 0; i < c->n_runs; i++)
        for (size_t j = 0; j < c->runs[i].n; j++) {
            ymin = fmin(ymin, c->runs[i].y[j]);
            ymax = fmax(ymax, c->runs[i].y[j]);
        }
    if (st)
        goto done;
    if (c->o.has_threshold) {
        ymin = fmin(ymin, c->o.threshold);
        ymax = fmax(ymax, c->o.threshold);
    }
    if (xmax <= xmin)
        xmax = xmin + 1;
    if (ymax <= ymin)
        ymax = ymin + 1;
    double pad = 0.05 * (ymax - ymin);
    ymin -= pad;
    ymax += pad;

    plsdev(dev);
    plsfnam(path);
    plsetopt("geometry", "960x600");
    plscmap0n(24); /* 0 background, 1 ink, 2..17 eight groups' fill and line, 18 threshold */
    plscolbg(255, 255, 255);
    plinit();
    plscol0(1, 0, 0, 0); /* axes and text in black */
    plcol0(1);
    /* plenv's box, with room on the left for returns like -1200 written in
     * full (a "(x10^3)" label would run into the title) */
    plsyax(7, 0);
    pladv(0);
    plvpor(0.14, 0.95, 0.12, 0.90);
    plwind(xmin, xmax, ymin, ymax);
    plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
    char title[160], xl[64], yl[96];
    snprintf(xl, sizeof xl, "%s", c->o.x_time ? "wall-clock time (s)" : "environment steps");
    if (c->o.monitor)
        snprintf(yl, sizeof yl, "episode return (mean of last %zu episodes)", c->o.window);
    else
        snprintf(yl, sizeof yl, "evaluation return (mean_reward)");
    const char *env = c->runs[0].env_id;
    for (size_t i = 1; i < c->n_runs; i++)
        if (strcmp(c->runs[i].env_id, env))
            env = ""; /* different environments: name none */
    snprintf(title, sizeof title, "%s%s%s: mean over seeds, band = 95%% t-interval of the mean",
             env, env[0] ? " " : "", c->o.monitor ? "training episodes" : "evaluation");
    pllab(xl, "", title);
    plmtex("l", 6.5, 0.5, 0.5, yl); /* clear of the widest tick labels */

    PLINT n_leg = (PLINT)c->n_groups + (c->o.has_threshold ? 1 : 0);
    PLINT *opt = calloc((size_t)n_leg, sizeof *opt), *lcol = calloc((size_t)n_leg, sizeof *lcol);
    PLINT *lsty = calloc((size_t)n_leg, sizeof *lsty), *tcol = calloc((size_t)n_leg, sizeof *tcol);
    PLFLT *lw = calloc((size_t)n_leg, sizeof *lw);
    const char **text = calloc((size_t)n_leg, sizeof *text);
    char (*names)[96] = calloc((size_t)n_leg, sizeof *names);
    if (!opt || !lcol || !lsty || !tcol || !lw || !text || !names) {
        fprintf(stderr, "rlc compare: out of memory\n");
        st = EXIT_RUNTIME;
    }
    for (size_t g = 0; !st && g < c->n_groups; g++) {
        const band *b = &bands[g];
        PLINT fill = (PLINT)(2 + 2 * (g % 8)), line = fill + 1;
        const unsigned char *rgb = palette[g % 8];
        plscol0a(fill, rgb[0], rgb[1], rgb[2], 0.22);
        plscol0a(line, rgb[0], rgb[1], rgb[2], 1.0);
        if (c->groups[g].n >= 2 && b->n >= 2) {
            double *fx = malloc(4 * b->n * sizeof *fx);
            if (fx) {
                double *fy = fx + 2 * b->n;
                /* clamped to the box: PLplot's polygon clipping leaves
                 * slivers where a band leaves the box */
                for (size_t j = 0; j < b->n; j++) {
                    fx[j] = b->x[j];
                    fy[j] = fmin(fmax(b->hi[j], ymin), ymax);
                    fx[2 * b->n - 1 - j] = b->x[j];
                    fy[2 * b->n - 1 - j] = fmin(fmax(b->lo[j], ymin), ymax);
                }
                plcol0(fill);
                plfill((PLINT)(2 * b->n), fx, fy);
                free(fx);
            }
        }
        plcol0(line);
        plwidth(2.0);
        if (b->n >= 2)
            plline((PLINT)b->n, b->x, b->mean);
        else
            plpoin(1, b->x, b->mean, 17);
        opt[g] = PL_LEGEND_LINE;
        lcol[g] = line;
        lsty[g] = 1;
        lw[g] = 2.0;
        tcol[g] = 1;
        char plain[72];
        plplot_text(c->groups[g].name, plain, sizeof plain);
        snprintf(names[g], sizeof names[g], "%s (%zu seed%s)", plain, c->groups[g].n,
                 c->groups[g].n == 1 ? "" : "s");
        text[g] = names[g];
    }
    if (!st && c->o.has_threshold) {
        size_t g = c->n_groups;
        double tx[2] = {xmin, xmax}, ty[2] = {c->o.threshold, c->o.threshold};
        plscol0(18, 90, 90, 90);
        plcol0(18);
        pllsty(2);
        plwidth(1.0);
        plline(2, tx, ty);
        pllsty(1);
        opt[g] = PL_LEGEND_LINE;
        lcol[g] = 18;
        lsty[g] = 2;
        lw[g] = 1.0;
        tcol[g] = 1;
        snprintf(names[g], sizeof names[g], "threshold %g", c->o.threshold);
        text[g] = names[g];
    }
    if (!st) {
        PLFLT lwid, lhei;
        plcol0(1);
        plwidth(1.0);
        pllegend(&lwid, &lhei, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 PL_POSITION_RIGHT | PL_POSITION_BOTTOM | PL_POSITION_INSIDE, 0.02, 0.02, 0.08,
                 0, 1, 1, 0, 0, n_leg, opt, 1.0, 0.9, 2.0, 0.0, tcol, text, NULL, NULL, NULL,
                 NULL, lcol, lsty, lw, NULL, NULL, NULL, NULL);
    }
    plend();
    free(opt);
    free(lcol);
    free(lsty);
    free(tcol);
    free(lw);
    free(text);
    free(names);
    if (!st) {
        struct stat sb;
        if (stat(path, &sb) != 0 || sb.st_size == 0) {
            fprintf(stderr, "rlc compare: --plot %s: the plot was not written\n", path);
            st = EXIT_RUNTIME;
        }
    }
done:
    for (size_t g = 0; g < c->n_groups; g++) {
        free(bands[g].x);
        free(bands[g].mean);
    }
    free(bands);
    return st;
}

/* ---- the command ---------------------------------------------------------- */

static int parse_opts(int argc, char **argv, cmp_opts *o)
{
    static const struct option opts[] = {
        {"threshold", required_argument, NULL, 't'}, {"x", required_argument, NULL, 'x'},
        {"plot", required_argument, NULL, 'p'},      {"csv", no_argument, NULL, 'c'},
        {"monitor", no_argument, NULL, 'm'},         {"window", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},            {0, 0, 0, 0},
    };
    bool window_set = false;
    int ch;
    optind = 1;
    char prog[] = "rlc compare";
    argv[0] = prog;
    *o = (cmp_opts){.window = 100};
    while ((ch = rlc_cli_getopt(argc, argv, opts)) != -1) {
        char *end;
        switch (ch) {
        case 't':
            errno = 0;
            o->threshold = strtod(optarg, &end);
            if (end == optarg || *end || errno == ERANGE || !isfinite(o->threshold)) {
                fprintf(stderr, "rlc compare: --threshold: '%s' is not a finite number\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->has_threshold = true;
            break;
        case 'x':
            if (!strcmp(optarg, "steps"))
                o->x_time = false;
            else if (!strcmp(optarg, "time"))
                o->x_time = true;
            else {
                fprintf(stderr, "rlc compare: --x: '%s' is not steps or time\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'p':
            if (ends_with(optarg, ".png") && strlen(optarg) > 4)
                o->plot_svg = false;
            else if (ends_with(optarg, ".svg") && strlen(optarg) > 4)
                o->plot_svg = true;
            else {
                fprintf(stderr, "rlc compare: --plot: '%s' must end in .png or .svg\n", optarg);
                return EXIT_USAGE;
            }
            o->plot = optarg;
            break;
        case 'c':
            o->csv = true;
            break;
        case 'm':
            o->monitor = true;
            break;
        case 'w': {
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || v == 0 || v > 1000000 || optarg[0] == '-') {
                fprintf(stderr, "rlc compare: --window: '%s' is not an integer in 1..1000000\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->window = (size_t)v;
            window_set = true;
            break;
        }
        case 'h':
            compare_help(stdout);
            return -1;
        default:
            fprintf(stderr, "%s", "usage:");
            fputs(rlc_compare_usage + strlen("      "), stderr);
            return EXIT_USAGE;
        }
    }
    if (window_set && !o->monitor) {
        fprintf(stderr, "rlc compare: --window applies to --monitor curves only\n");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "rlc compare: missing PATH (a run directory or a folder of them)\n");
        fprintf(stderr, "%s", "usage:");
        fputs(rlc_compare_usage + strlen("      "), stderr);
        return EXIT_USAGE;
    }
    return 0;
}

int rlc_cmd_compare(int argc, char **argv)
{
    cmp c;
    memset(&c, 0, sizeof c);
    int st = parse_opts(argc, argv, &c.o);
    if (st)
        return st < 0 ? 0 : st;
    for (int i = optind; i < argc && !st; i++)
        st = add_path(&c, argv[i]);
    /* the same run given twice (a dir and its parent) would count twice */
    for (size_t i = 0; !st && i < c.n_runs; i++) {
        char *ri = realpath(c.runs[i].path, NULL);
        for (size_t j = i + 1; ri && !st && j < c.n_runs; j++) {
            char *rj = realpath(c.runs[j].path, NULL);
            if (rj && !strcmp(ri, rj)) {
                fprintf(stderr, "rlc compare: %s is given twice\n", c.runs[j].path);
                st = EXIT_USAGE;
            }
            free(rj);
        }
        free(ri);
    }
    if (!st)
        st = group_runs(&c);
    if (!st)
        st = compute(&c);
    /* the plot first: a plot that cannot be written fails before any output */
    if (!st && c.o.plot)
        st = plot(&c);
    if (!st)
        st = c.o.csv ? print_csv(&c) : print_tables(&c);
    for (size_t i = 0; i < c.n_runs; i++) {
        free(c.runs[i].path);
        free(c.runs[i].group);
        free(c.runs[i].x);
    }
    for (size_t g = 0; c.groups && g < c.n_groups; g++) {
        free(c.groups[g].runs);
        free(c.groups[g].finals);
    }
    free(c.groups);
    free(c.runs);
    free(c.grid);
    return st;
}
