/* sweep.c — `rlc sweep` (contract in sweep.h): reads the sweep file, makes
 * its jobs, decides for each run directory whether to start, skip or
 * resume, runs the jobs in child processes (child.c) on this machine or,
 * under mpirun, on every rank (rank 0 hands out one job at a time to
 * whichever rank asks), and ends with the `rlc compare` table of the runs
 * (compare.c) and its CSV beside them. Deliberately not here: training
 * (run.c) or the statistics (compare.c, rlc/stats.h). */
#define _GNU_SOURCE /* getopt_long */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef RLC_HAVE_MPI
#include <mpi.h>
#endif
#include "rlc/agent.h"
#include "child.h"
#include "cli.h"
#include "compare.h"
#include "seeds.h"
#include "files.h"
#include "inilines.h"
#include "sweep.h"
#include "world.h"

const char rlc_sweep_usage[] =
    "       rlc sweep SWEEP.ini [--out DIR] [--jobs N]   (or: mpirun -n N rlc sweep ...)\n";

/* ---- the sweep file --------------------------------------------------------- */

typedef struct load_ctx {
    rlc_ini_lines in;         /* the reader (inilines.h, config.c's too) and the first error,
                               * its "[section] key: reason" */
    rlc_sweep *sw;
    int configs_line, seeds_line;
    char configs[RLC_CONFIG_LINE_MAX + 1], seeds[RLC_CONFIG_LINE_MAX + 1];
} load_ctx;

#define load_error(c, ...) rlc_ini_lines_error(&(c)->in, __VA_ARGS__)

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* Copy the comma-separated items of text into items (trimmed); -1 with a
 * recorded error on an empty item, one too long or too many. */
static int split_items(load_ctx *c, const char *what, const char *text, char (*items)[RLC_SWEEP_VALUE_MAX],
                       size_t max, size_t *n)
{
    *n = 0;
    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && is_blank(*a))
            a++;
        while (b > a && is_blank(b[-1]))
            b--;
        if (a == b) {
            load_error(c, "%s: empty item in the list '%.200s'", what, text);
            return -1;
        }
        if (*n == max) {
            load_error(c, "%s: more than %zu values", what, max);
            return -1;
        }
        if ((size_t)(b - a) >= RLC_SWEEP_VALUE_MAX) {
            load_error(c, "%s: value '%.40s...' is longer than %d characters", what, a,
                       RLC_SWEEP_VALUE_MAX - 1);
            return -1;
        }
        snprintf(items[*n], RLC_SWEEP_VALUE_MAX, "%.*s", (int)(b - a), a);
        for (size_t i = 0; i < *n; i++)
            if (!strcmp(items[i], items[*n])) {
                load_error(c, "%s: '%s' is listed twice", what, items[*n]);
                return -1;
            }
        (*n)++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int load_handle(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    rlc_sweep *sw = c->sw;
    if (c->in.err_line)
        return 0;
    const char *v = c->in.value ? c->in.value : value;
    if (!section[0]) {
        load_error(c, "%s: key before the first [section]", name);
        return 0;
    }
    if (!strcmp(section, "sweep")) {
        bool configs = !strcmp(name, "configs"), seeds = !strcmp(name, "seeds");
        if (!configs && !seeds) {
            load_error(c, "[sweep] %s: unknown key (the keys are configs and seeds)", name);
            return 0;
        }
        int *line = configs ? &c->configs_line : &c->seeds_line;
        if (*line) {
            load_error(c, "[sweep] %s: set twice (first on line %d)", name, *line);
            return 0;
        }
        if (!v[0]) {
            load_error(c, "[sweep] %s: empty value", name);
            return 0;
        }
        *line = c->in.line;
        snprintf(configs ? c->configs : c->seeds, sizeof c->configs, "%s", v);
        return 1;
    }
    if (!strcmp(section, "grid")) {
        const char *dot = strchr(name, '.');
        if (!dot || dot == name || !dot[1] || strchr(dot + 1, '.')) {
            load_error(c, "[grid] %s: a grid key is section.key, e.g. ppo.learning_rate", name);
            return 0;
        }
        for (size_t k = 0; k < sw->n_keys; k++) {
            char full[2 * RLC_CONFIG_NAME_MAX + 2];
            snprintf(full, sizeof full, "%s.%s", sw->keys[k].section, sw->keys[k].key);
            if (!strcmp(full, name)) {
                load_error(c, "[grid] %s: set twice (first on line %d)", name, sw->keys[k].line);
                return 0;
            }
        }
        if (sw->n_keys == RLC_SWEEP_MAX_KEYS) {
            load_error(c, "[grid] %s: more than %d grid keys", name, RLC_SWEEP_MAX_KEYS);
            return 0;
        }
        rlc_sweep_key *k = &sw->keys[sw->n_keys];
        if ((size_t)(dot - name) >= sizeof k->section || strlen(dot + 1) >= sizeof k->key) {
            load_error(c, "[grid] %s: no such setting", name);
            return 0;
        }
        snprintf(k->section, sizeof k->section, "%.*s", (int)(dot - name), name);
        snprintf(k->key, sizeof k->key, "%s", dot + 1);
        k->line = c->in.line;
        char what[200];
        snprintf(what, sizeof what, "[grid] %.150s", name);
        if (!v[0]) {
            load_error(c, "%s: no values (write v1, v2, ...)", what);
            return 0;
        }
        if (split_items(c, what, v, k->values, RLC_SWEEP_MAX_VALUES, &k->n_values) != 0)
            return 0;
        sw->n_keys++;
        return 1;
    }
    load_error(c, "[%s]: unknown section (a sweep file has [sweep] and [grid])", section);
    return 0;
}

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* The stem of a config path: its file name without the extension. */
static void stem_of(const char *path, char *stem, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(stem, n, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
}

/* Whether grid key k applies to config c. */
static bool applies(const rlc_sweep *sw, size_t k, size_t c)
{
    const char *s = sw->keys[k].section;
    return !strcmp(s, "run") || !strcmp(s, "eval") || !strcmp(s, sw->configs[c].algo);
}

/* The reason of a config error "--set A: [s] k: reason" (or "...: reason"). */
static const char *set_reason(const char *msg, const rlc_sweep_key *k)
{
    char pat[2 * RLC_CONFIG_NAME_MAX + 8];
    snprintf(pat, sizeof pat, "] %s: ", k->key);
    const char *p = strstr(msg, pat);
    if (p)
        return p + strlen(pat);
    p = strstr(msg, ": ");
    return p ? p + 2 : msg;
}

/* Apply grid key k's value v to cfg as --set would; -1 with why. */
static int apply_value(const rlc_sweep *sw, size_t k, size_t v, rlc_config *cfg, char *why,
                       size_t n_why)
{
    const rlc_sweep_key *key = &sw->keys[k];
    char assignment[2 * RLC_CONFIG_NAME_MAX + RLC_SWEEP_VALUE_MAX + 4];
    snprintf(assignment, sizeof assignment, "%s.%s=%s", key->section, key->key, key->values[v]);
    rlc_config_error err;
    if (rlc_config_set(cfg, assignment, &err) != RLC_OK)
        return fail(why, n_why, "%s:%d: [grid] %s.%s: value '%s': %s", sw->path, key->line,
                    key->section, key->key, key->values[v], set_reason(err.message, key));
    return 0;
}

/* A value as it goes into a directory name. */
static void name_value(const char *v, char *out, size_t n)
{
    size_t i = 0;
    for (; v[i] && i + 1 < n; i++)
        out[i] = v[i] == '/' || is_blank(v[i]) ? '_' : v[i];
    out[i] = '\0';
}

/* The run directory name of config c at grid point `value`, seed s. */
static int job_name(const rlc_sweep *sw, size_t c, const size_t *value, uint64_t seed, char *name,
                    size_t n)
{
    char stem[256];
    stem_of(sw->config_paths[c], stem, sizeof stem);
    size_t len = (size_t)snprintf(name, n, "%s", stem);
    for (size_t k = 0; k < sw->n_keys; k++) {
        if (!applies(sw, k, c) || sw->keys[k].n_values < 2)
            continue;
        bool shared = false; /* another multi-value key with the same name for this config */
        for (size_t o = 0; o < sw->n_keys; o++)
            shared |= o != k && applies(sw, o, c) && sw->keys[o].n_values >= 2 &&
                      !strcmp(sw->keys[o].key, sw->keys[k].key);
        char v[RLC_SWEEP_VALUE_MAX];
        name_value(sw->keys[k].values[value[k]], v, sizeof v);
        if (len < n)
            len += (size_t)snprintf(name + len, n - len, "-%s%s%s=%s", shared ? sw->keys[k].section : "",
                                    shared ? "." : "", sw->keys[k].key, v);
    }
    if (len < n)
        len += (size_t)snprintf(name + len, n - len, "-s%" PRIu64, seed);
    return len < n ? 0 : -1;
}

/* The grid points of config c in order (the last applicable key varies
 * fastest), calling `each` with each point's values; stops at its first
 * non-zero return and returns it. */
static int grid_points(rlc_sweep *sw, size_t c, int (*each)(rlc_sweep *, size_t, const size_t *, void *),
                       void *arg)
{
    size_t value[RLC_SWEEP_MAX_KEYS], app[RLC_SWEEP_MAX_KEYS], n_app = 0;
    for (size_t k = 0; k < sw->n_keys; k++) {
        value[k] = applies(sw, k, c) ? 0 : SIZE_MAX;
        if (value[k] == 0)
            app[n_app++] = k;
    }
    for (;;) {
        int r = each(sw, c, value, arg);
        if (r)
            return r;
        size_t i = n_app;
        for (;;) {
            if (i == 0)
                return 0; /* every point done */
            i--;
            if (++value[app[i]] < sw->keys[app[i]].n_values)
                break;
            value[app[i]] = 0;
        }
    }
}

typedef struct expand_ctx {
    char *why;
    size_t n_why;
    rlc_config *scratch;
    bool count_only;
} expand_ctx;

/* One grid point: validate it (once), then add a job per seed. */
static int add_point(rlc_sweep *sw, size_t c, const size_t *value, void *p)
{
    expand_ctx *e = p;
    if (e->count_only) {
        sw->n_jobs += sw->n_seeds;
        return 0;
    }
    *e->scratch = sw->configs[c];
    char point[600] = "";
    size_t len = 0;
    for (size_t k = 0; k < sw->n_keys; k++) {
        if (value[k] == SIZE_MAX)
            continue;
        if (apply_value(sw, k, value[k], e->scratch, e->why, e->n_why) != 0)
            return -1;
        if (len < sizeof point)
            len += (size_t)snprintf(point + len, sizeof point - len, "%s%s.%s=%s", len ? ", " : "",
                                    sw->keys[k].section, sw->keys[k].key,
                                    sw->keys[k].values[value[k]]);
    }
    rlc_config_error err;
    if (rlc_config_validate(e->scratch, &err) != RLC_OK) {
        /* a check that blames a grid value names its line */
        for (size_t k = 0; k < sw->n_keys; k++) {
            char set[2 * RLC_CONFIG_NAME_MAX + 16];
            snprintf(set, sizeof set, "--set %s.%s=", sw->keys[k].section, sw->keys[k].key);
            if (value[k] != SIZE_MAX && !strncmp(err.message, set, strlen(set)))
                return fail(e->why, e->n_why, "%s:%d: [grid] %s.%s: value '%s' (%s with %s): %s",
                            sw->path, sw->keys[k].line, sw->keys[k].section, sw->keys[k].key,
                            sw->keys[k].values[value[k]], sw->config_paths[c], point,
                            set_reason(err.message, &sw->keys[k]));
        }
        return fail(e->why, e->n_why, "%s: [grid]: %s with %s: %s", sw->path, sw->config_paths[c],
                    point, err.message);
    }
    for (size_t s = 0; s < sw->n_seeds; s++) {
        rlc_sweep_job *j = &sw->jobs[sw->n_jobs];
        memset(j, 0, sizeof *j);
        j->config = c;
        memcpy(j->value, value, sizeof j->value);
        j->seed = sw->seeds[s];
        if (job_name(sw, c, value, j->seed, j->name, sizeof j->name) != 0)
            return fail(e->why, e->n_why, "%s: [grid]: the run directory name of %s with %s, seed %"
                        PRIu64 ", is longer than 255 characters (fewer or shorter grid values, or a"
                        " shorter config name)", sw->path, sw->config_paths[c], point, j->seed);
        sw->n_jobs++;
    }
    return 0;
}

static int cmp_job_name(const void *a, const void *b)
{
    return strcmp((*(const rlc_sweep_job *const *)a)->name, (*(const rlc_sweep_job *const *)b)->name);
}

void rlc_sweep_free(rlc_sweep *sw)
{
    if (!sw)
        return;
    free(sw->configs);
    free(sw->seeds);
    free(sw->jobs);
    memset(sw, 0, sizeof *sw);
}

int rlc_sweep_load(rlc_sweep *sw, const char *path, char *why, size_t n_why)
{
    memset(sw, 0, sizeof *sw);
    if (strlen(path) >= sizeof sw->path)
        return fail(why, n_why, "%.200s...: path too long", path);
    snprintf(sw->path, sizeof sw->path, "%s", path);
    load_ctx *c = calloc(1, sizeof *c);
    rlc_config *scratch = malloc(sizeof *scratch);
    int ret = -1;
    if (!c || !scratch) {
        fail(why, n_why, "out of memory");
        goto done;
    }
    c->sw = sw;
    if (!(c->in.f = fopen(path, "r"))) {
        fail(why, n_why, "%s: %s", path, strerror(errno));
        goto done;
    }
    c->in.key_shown = SIZE_MAX; /* (header NULL: a header line goes to inih as it is) */
    int r = ini_parse_stream(rlc_ini_lines_read, &c->in, load_handle, c);
    bool read_error = ferror(c->in.f);
    fclose(c->in.f);
    if (read_error) {
        fail(why, n_why, "%s: read error", path);
        goto done;
    }
    if (c->in.err_line) {
        fail(why, n_why, "%s:%d: %s", path, c->in.err_line, c->in.err);
        goto done;
    }
    if (r != 0) {
        fail(why, n_why, "%s:%d: syntax error (expected [section], key = value or a comment)", path,
             r);
        goto done;
    }
    if (!c->configs_line || !c->seeds_line) {
        fail(why, n_why, "%s: [sweep] %s: missing; a sweep file names its configs and seeds"
             " (configs = configs/ppo_cartpole.ini, ...; seeds = 1-10)", path,
             c->configs_line ? "seeds" : "configs");
        goto done;
    }
    /* the configs, each loaded and checked as rlc run would */
    static char items[RLC_SWEEP_MAX_CONFIGS][RLC_SWEEP_VALUE_MAX];
    c->in.line = c->configs_line;
    c->in.err_line = 0;
    size_t n_items;
    if (split_items(c, "[sweep] configs", c->configs, items, RLC_SWEEP_MAX_CONFIGS, &n_items) != 0) {
        fail(why, n_why, "%s:%d: %s", path, c->in.err_line, c->in.err);
        goto done;
    }
    sw->configs = malloc(n_items * sizeof *sw->configs);
    if (!sw->configs) {
        fail(why, n_why, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_items; i++) {
        snprintf(sw->config_paths[i], sizeof sw->config_paths[i], "%s", items[i]);
        rlc_config_error err;
        rlc_config_default(&sw->configs[i]);
        if (rlc_config_load(&sw->configs[i], items[i], &err) != RLC_OK ||
            rlc_config_validate(&sw->configs[i], &err) != RLC_OK) {
            fail(why, n_why, "%s:%d: [sweep] configs: %s", path, c->configs_line, err.message);
            goto done;
        }
        char si[256], so[256];
        stem_of(items[i], si, sizeof si);
        for (size_t o = 0; o < i; o++) {
            stem_of(items[o], so, sizeof so);
            if (!strcmp(si, so)) {
                fail(why, n_why, "%s:%d: [sweep] configs: %s and %s have the same name '%s', so"
                     " their runs would share directories", path, c->configs_line, items[o],
                     items[i], si);
                goto done;
            }
        }
        sw->n_configs++;
    }
    /* the seeds, as --seeds takes them */
    char swhy[512];
    if (rlc_seeds_parse(c->seeds, &sw->seeds, &sw->n_seeds, swhy, sizeof swhy) != 0) {
        const char *reason = strstr(swhy, "': ");
        fail(why, n_why, "%s:%d: [sweep] seeds: %s", path, c->seeds_line, reason ? reason + 3 : swhy);
        goto done;
    }
    /* each grid key: applies to some config, every value valid there */
    for (size_t k = 0; k < sw->n_keys; k++) {
        const rlc_sweep_key *key = &sw->keys[k];
        bool common = !strcmp(key->section, "run") || !strcmp(key->section, "eval");
        if (!common && !rlc_agent_find(key->section)) {
            char names[300] = "";
            size_t len = 0;
            for (size_t a = 0; rlc_agent_registry[a] && len < sizeof names; a++)
                len += (size_t)snprintf(names + len, sizeof names - len, ", %s",
                                        rlc_agent_registry[a]->name);
            fail(why, n_why, "%s:%d: [grid] %s.%s: unknown section '%s' (run, eval%s)", path,
                 key->line, key->section, key->key, key->section, names);
            goto done;
        }
        if (!strcmp(key->key, "algo") || !strcmp(key->key, "seed")) {
            fail(why, n_why, "%s:%d: [grid] %s.%s: cannot be swept (%s)", path, key->line,
                 key->section, key->key, !strcmp(key->key, "seed") ? "list the seeds in [sweep] seeds"
                                                                    : "list one config per algorithm in [sweep] configs");
            goto done;
        }
        bool used = false;
        for (size_t i = 0; i < sw->n_configs; i++) {
            if (!applies(sw, k, i))
                continue;
            used = true;
            for (size_t v = 0; v < key->n_values; v++) {
                *scratch = sw->configs[i];
                if (apply_value(sw, k, v, scratch, why, n_why) != 0)
                    goto done;
            }
        }
        if (!used) {
            fail(why, n_why, "%s:%d: [grid] %s.%s: no config in [sweep] configs runs %s", path,
                 key->line, key->section, key->key, key->section);
            goto done;
        }
    }
    /* the jobs: configs × grid points × seeds */
    expand_ctx e = {why, n_why, scratch, true};
    for (size_t i = 0; i < sw->n_configs; i++)
        grid_points(sw, i, add_point, &e);
    if (sw->n_jobs > RLC_SWEEP_MAX_JOBS) {
        fail(why, n_why, "%s: %zu jobs, more than %d", path, sw->n_jobs, RLC_SWEEP_MAX_JOBS);
        goto done;
    }
    sw->jobs = malloc(sw->n_jobs * sizeof *sw->jobs);
    if (!sw->jobs) {
        fail(why, n_why, "out of memory");
        goto done;
    }
    sw->n_jobs = 0;
    e.count_only = false;
    for (size_t i = 0; i < sw->n_configs; i++)
        if (grid_points(sw, i, add_point, &e) != 0)
            goto done;
    /* two values that become the same name ("a/b", "a_b") would share a run */
    const rlc_sweep_job **by_name = malloc(sw->n_jobs * sizeof *by_name);
    if (!by_name) {
        fail(why, n_why, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < sw->n_jobs; j++)
        by_name[j] = &sw->jobs[j];
    qsort(by_name, sw->n_jobs, sizeof *by_name, cmp_job_name);
    for (size_t j = 1; j < sw->n_jobs; j++)
        if (!strcmp(by_name[j]->name, by_name[j - 1]->name)) {
            fail(why, n_why, "%s: [grid]: two jobs would share the run directory %s (values that"
                 " differ only in '/' or blanks, which names write as '_')", path,
                 by_name[j]->name);
            free(by_name);
            goto done;
        }
    free(by_name);
    ret = 0;
done:
    free(c);
    free(scratch);
    if (ret != 0)
        rlc_sweep_free(sw);
    return ret;
}

int rlc_sweep_job_config(const rlc_sweep *sw, size_t j, rlc_config *cfg, char *why, size_t n_why)
{
    const rlc_sweep_job *job = &sw->jobs[j];
    *cfg = sw->configs[job->config];
    for (size_t k = 0; k < sw->n_keys; k++)
        if (job->value[k] != SIZE_MAX && apply_value(sw, k, job->value[k], cfg, why, n_why) != 0)
            return -1;
    cfg->seed = job->seed;
    rlc_config_error err;
    if (rlc_config_validate(cfg, &err) != RLC_OK)
        return fail(why, n_why, "%s", err.message);
    return 0;
}

/* ---- a job's run directory ---------------------------------------------- */

/* The whole file at path (NUL-terminated, malloc'd), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r < 4096)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The files a run writes: all a restart may remove. */
static const char *const run_files[] = {"config.ini", "run.json", "run.json.tmp", "monitor.csv",
                                        "progress.csv", "eval.csv", "model.rlc", "model.rlc.tmp"};

rlc_sweep_action rlc_sweep_decide(const char *run_dir, const rlc_config *cfg, char *why,
                                  size_t n_why)
{
    char path[4500];
    if (!exists(run_dir))
        return RLC_SWEEP_START;
    snprintf(path, sizeof path, "%s/config.ini", run_dir);
    size_t have_len = 0;
    char *have = slurp(path, &have_len);
    if (have) {
        char *want = NULL;
        size_t want_len = 0;
        FILE *m = open_memstream(&want, &want_len);
        bool same = false;
        if (m) {
            rlc_status st = rlc_config_write(cfg, m);
            if (fclose(m) == 0 && st == RLC_OK)
                same = want_len == have_len && !memcmp(want, have, have_len);
        }
        free(want);
        free(have);
        if (!same) {
            snprintf(why, n_why, "%s was made with another configuration (its config.ini is not"
                     " this job's); move it away or sweep into another --out", run_dir);
            return RLC_SWEEP_REFUSE;
        }
    }
    snprintf(path, sizeof path, "%s/model.rlc", run_dir);
    if (exists(path)) {
        snprintf(path, sizeof path, "%s/run.json", run_dir);
        char *info = slurp(path, NULL);
        bool finished = info && strstr(info, "\"status\": \"finished\"");
        free(info);
        return finished ? RLC_SWEEP_SKIP : RLC_SWEEP_RESUME;
    }
    /* no checkpoint: stopped (or failed) before its first */
    return RLC_SWEEP_RESTART;
}

/* Remove what a run left in run_dir before its first checkpoint, and the
 * directory. 0, or -1 with why. */
static int remove_stale(const char *run_dir, char *why, size_t n_why)
{
    char path[4500];
    for (size_t i = 0; i < sizeof run_files / sizeof run_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", run_dir, run_files[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return fail(why, n_why, "cannot remove %s: %s", path, strerror(errno));
    }
    if (rmdir(run_dir) != 0)
        return fail(why, n_why, "cannot start %s again: %s%s", run_dir, strerror(errno),
                    errno == ENOTEMPTY || errno == EEXIST ? " (it holds files a run does not write;"
                                                           " move them away)" : "");
    return 0;
}

/* ---- running the jobs ------------------------------------------------------ */

typedef enum jstate { J_PENDING, J_RUNNING, J_FINISHED, J_SKIPPED, J_FAILED, J_INTERRUPTED } jstate;

static const char *const state_names[] = {"not_started", "running", "finished", "skipped",
                                          "failed", "interrupted"};

/* How a job ended; what a rank sends to rank 0 (as bytes: every rank runs
 * the same binary). */
typedef struct job_result {
    int64_t job;          /* its index; -1 none (a rank's first request) */
    int32_t state;        /* jstate */
    int32_t exit_status;  /* the child's exit status (128 + signal if killed); -1 none */
    int32_t rank;         /* where it ran */
    int32_t resumed;      /* continued from a checkpoint */
    double seconds, final_mean, final_std;
    uint64_t timesteps;
    char error[600];
} job_result;

/* A job in a child process of this rank. */
typedef struct slot {
    bool busy;
    rlc_child child;
    rlc_config *cfg;      /* the job's configuration (owned) */
    job_result res;
} slot;

typedef struct body_arg {
    const rlc_config *cfg;
    const char *run_dir;
    bool resume;
} body_arg;

/* In the child: train the job, or continue it from its checkpoint. */
static rlc_status job_body(void *p, rlc_run_result *res)
{
    const body_arg *a = p;
    if (a->resume)
        return rlc_run_resume(a->run_dir, NULL, res);
    return rlc_run_train_at(a->cfg, a->run_dir, NULL, res);
}

static void run_dir_of(const char *out_dir, const rlc_sweep_job *job, char *dir, size_t n)
{
    snprintf(dir, n, "%s/%s", out_dir, job->name);
}

/* The last row of run_dir/eval.csv into r's final mean and std and steps. */
static void read_final(const char *run_dir, job_result *r)
{
    char path[4500];
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    char *text = slurp(path, NULL);
    if (!text)
        return;
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    char *last = strrchr(text, '\n');
    unsigned long long steps;
    double mean, sd;
    if (last && sscanf(last + 1, "%llu,%lf,%lf", &steps, &mean, &sd) == 3) {
        r->timesteps = steps;
        r->final_mean = mean;
        r->final_std = sd;
    }
    free(text);
}

/* Start job j in sl: skip it, refuse it, or fork its run. True when a
 * child is running; otherwise sl->res says how the job ended. */
static bool begin_job(const rlc_sweep *sw, const char *out_dir, size_t j, slot *sl,
                      rlc_child **others, size_t n_others)
{
    job_result *r = &sl->res;
    memset(r, 0, sizeof *r);
    r->job = (int64_t)j;
    r->exit_status = -1;
    r->rank = rlc_world_rank();
    r->final_mean = r->final_std = NAN;
    char dir[4400];
    run_dir_of(out_dir, &sw->jobs[j], dir, sizeof dir);
    if (rlc_sweep_job_config(sw, j, sl->cfg, r->error, sizeof r->error) != 0) {
        r->state = J_FAILED;
        return false;
    }
    bool resume = false;
    switch (rlc_sweep_decide(dir, sl->cfg, r->error, sizeof r->error)) {
    case RLC_SWEEP_SKIP:
        r->state = J_SKIPPED;
        read_final(dir, r);
        return false;
    case RLC_SWEEP_REFUSE:
        r->state = J_FAILED;
        return false;
    case RLC_SWEEP_RESTART:
        if (remove_stale(dir, r->error, sizeof r->error) != 0) {
            r->state = J_FAILED;
            return false;
        }
        break;
    case RLC_SWEEP_RESUME:
        resume = true;
        r->resumed = 1;
        break;
    case RLC_SWEEP_START:
        break;
    }
    body_arg arg = {sl->cfg, dir, resume}; /* the child gets its own copy of memory */
    if (rlc_child_start(&sl->child, job_body, &arg, others, n_others, stdout, r->error,
                        sizeof r->error) != 0) {
        r->state = J_FAILED;
        return false;
    }
    sl->busy = true;
    r->state = J_RUNNING;
    return true;
}

/* Reap sl's child, whose pipes are closed, into sl->res. */
static void end_job(slot *sl)
{
    job_result *r = &sl->res;
    int code;
    double secs;
    rlc_child_outcome o = rlc_child_reap(&sl->child, &code, &secs, r->error, sizeof r->error);
    r->exit_status = code;
    r->seconds = secs;
    const rlc_run_result *rr = &sl->child.report.result;
    if (o == RLC_CHILD_SUCCEEDED) {
        r->state = J_FINISHED;
        r->final_mean = rr->final_mean;
        r->final_std = rr->final_std;
        r->timesteps = rr->timesteps;
    } else {
        r->state = o == RLC_CHILD_INTERRUPTED ? J_INTERRUPTED : J_FAILED;
    }
    sl->busy = false;
}

/* Wait up to timeout_ms for output of the busy slots' children, forward a
 * signal to them (SIGKILL after a second one), and end each child that has
 * closed its pipes, calling done(ctx, slot) for it. */
static void pump(slot *slots, size_t n, int timeout_ms, bool *forwarded, bool *killed,
                 void (*done)(void *, slot *), void *ctx)
{
    bool twice = rlc_child_signal_twice();
    if (rlc_child_signal() && (!*forwarded || (twice && !*killed))) {
        for (size_t i = 0; i < n; i++)
            if (slots[i].busy && slots[i].child.pid > 0)
                kill(slots[i].child.pid, twice ? SIGKILL : rlc_child_signal());
        *forwarded = true;
        *killed = twice;
    }
    struct pollfd fds[2 * 64];
    size_t owner[2 * 64], nfds = 0;
    for (size_t i = 0; i < n && nfds + 2 <= sizeof fds / sizeof fds[0]; i++) {
        if (!slots[i].busy)
            continue;
        int fd2[2] = {slots[i].child.out_fd, slots[i].child.report_fd};
        for (int k = 0; k < 2; k++)
            if (fd2[k] >= 0) {
                fds[nfds] = (struct pollfd){.fd = fd2[k], .events = POLLIN};
                owner[nfds++] = i;
            }
    }
    int r = nfds ? poll(fds, nfds, timeout_ms) : (timeout_ms > 0 ? poll(NULL, 0, timeout_ms) : 0);
    for (size_t k = 0; r > 0 && k < nfds; k++)
        if (fds[k].revents)
            rlc_child_drain(&slots[owner[k]].child, fds[k].fd);
    for (size_t i = 0; i < n; i++)
        if (slots[i].busy && !rlc_child_open(&slots[i].child)) {
            end_job(&slots[i]);
            done(ctx, &slots[i]);
        }
}

#define PM "\xc2\xb1" /* ± */

/* Rank 0's record of every job, and its output. */
typedef struct coord {
    const rlc_sweep *sw;
    job_result *recs;
    size_t n_ended;
    FILE *out;
} coord;

static void record(coord *c, const job_result *r)
{
    const rlc_sweep *sw = c->sw;
    c->recs[r->job] = *r;
    c->n_ended++;
    FILE *out = c->out;
    const char *name = sw->jobs[r->job].name;
    char where[32] = "";
    if (rlc_world_size() > 1)
        snprintf(where, sizeof where, " (rank %d)", (int)r->rank);
    fprintf(out, "[%zu/%zu] %s: ", c->n_ended, sw->n_jobs, name);
    switch (r->state) {
    case J_FINISHED:
        fprintf(out, "%s in %.1f s, final eval %.2f " PM " %.2f%s\n",
                r->resumed ? "resumed, finished" : "finished", r->seconds, r->final_mean,
                r->final_std, where);
        break;
    case J_SKIPPED:
        if (isnan(r->final_mean))
            fprintf(out, "skipped (finished before)\n");
        else
            fprintf(out, "skipped (finished before: final eval %.2f " PM " %.2f)\n", r->final_mean,
                    r->final_std);
        break;
    case J_INTERRUPTED:
        fprintf(out, "interrupted after %.1f s%s\n", r->seconds, where);
        break;
    default:
        if (r->exit_status >= 0)
            fprintf(out, "failed (exit status %d) after %.1f s%s: %s\n", (int)r->exit_status,
                    r->seconds, where, r->error);
        else
            fprintf(out, "failed%s: %s\n", where, r->error);
        break;
    }
    fflush(out);
}

static void coord_done(void *p, slot *sl)
{
    record(p, &sl->res);
}

enum { TAG_RESULT = 1, TAG_JOB = 2 };

/* Rank 0 (the only rank without MPI): run jobs in n_local child processes
 * and, under MPI, hand one job at a time to each rank that asks (with the
 * result of its last). */
static void coordinate(const rlc_sweep *sw, const char *out_dir, slot *slots, size_t n_local,
                       coord *c)
{
    size_t next = 0;
    int workers = rlc_world_size() - 1;
    bool forwarded = false, killed = false;
    rlc_child *others[64];
    for (;;) {
        for (size_t s = 0; s < n_local; s++) {
            while (!slots[s].busy && !rlc_child_signal() && next < sw->n_jobs) {
                size_t n_others = 0;
                for (size_t o = 0; o < n_local; o++)
                    if (slots[o].busy)
                        others[n_others++] = &slots[o].child;
                if (!begin_job(sw, out_dir, next++, &slots[s], others, n_others))
                    record(c, &slots[s].res);
            }
        }
#ifdef RLC_HAVE_MPI
        while (workers > 0) {
            int flag = 0;
            MPI_Status st;
            MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
            if (!flag)
                break;
            job_result r;
            MPI_Recv(&r, sizeof r, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            if (r.job >= 0 && (size_t)r.job < sw->n_jobs)
                record(c, &r);
            int64_t give = -1;
            if (!rlc_child_signal() && next < sw->n_jobs)
                give = (int64_t)next++;
            MPI_Send(&give, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_JOB, MPI_COMM_WORLD);
            if (give < 0)
                workers--;
        }
#endif
        bool busy = false;
        for (size_t s = 0; s < n_local; s++)
            busy |= slots[s].busy;
        if (!busy && workers == 0 && (next == sw->n_jobs || rlc_child_signal()))
            break;
        pump(slots, n_local, workers > 0 ? 20 : 200, &forwarded, &killed, coord_done, c);
    }
}

#ifdef RLC_HAVE_MPI
static void worker_done(void *p, slot *sl)
{
    (void)p;
    (void)sl;
}

/* A rank other than 0: ask for a job (sending the last one's result), run
 * it, until told to stop. */
static void work(const rlc_sweep *sw, const char *out_dir, slot *sl)
{
    job_result prev;
    memset(&prev, 0, sizeof prev);
    prev.job = -1;
    bool forwarded = false, killed = false;
    for (;;) {
        MPI_Send(&prev, sizeof prev, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        int64_t j;
        MPI_Recv(&j, 1, MPI_INT64_T, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (j < 0)
            return;
        if (begin_job(sw, out_dir, (size_t)j, sl, NULL, 0))
            while (sl->busy)
                pump(sl, 1, 200, &forwarded, &killed, worker_done, NULL);
        prev = sl->res;
    }
}
#endif

/* ---- the end: records and the comparison ------------------------------------ */

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* OUT/sweep.csv: one row per job, how it ended. 0, or -1 (errno). */
static int write_records(const rlc_sweep *sw, const char *out_dir, const job_result *recs)
{
    char path[4500], tmp[4510];
    snprintf(path, sizeof path, "%s/sweep.csv", out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "run,config,seed,status,exit_status,rank,seconds,timesteps,final_mean,final_std,"
               "error\n");
    for (size_t j = 0; j < sw->n_jobs; j++) {
        const job_result *r = &recs[j];
        csv_field(f, sw->jobs[j].name);
        fputc(',', f);
        csv_field(f, sw->config_paths[sw->jobs[j].config]);
        fprintf(f, ",%" PRIu64 ",%s", sw->jobs[j].seed,
                r->state == J_FINISHED && r->resumed ? "resumed" : state_names[r->state]);
        if (r->exit_status >= 0)
            fprintf(f, ",%d", (int)r->exit_status);
        else
            fputc(',', f);
        if (r->state == J_PENDING || r->state == J_SKIPPED)
            fprintf(f, ",,");
        else
            fprintf(f, ",%d,%.3f", (int)r->rank, r->seconds);
        if (r->state == J_FINISHED || r->state == J_SKIPPED)
            fprintf(f, ",%" PRIu64 ",%.6f,%.6f,", r->timesteps, r->final_mean, r->final_std);
        else
            fprintf(f, ",,,,");
        csv_field(f, r->state == J_FAILED ? r->error : "");
        fputc('\n', f);
    }
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* `rlc compare` of the finished runs: the table on stdout, and with --csv
 * into OUT/compare.csv. Returns compare's exit status. */
static int compare_runs(const rlc_sweep *sw, const char *out_dir, const job_result *recs)
{
    size_t n = 0;
    for (size_t j = 0; j < sw->n_jobs; j++)
        n += recs[j].state == J_FINISHED || recs[j].state == J_SKIPPED;
    if (!n) {
        printf("no finished run to compare\n");
        return 0;
    }
    char **argv = calloc(n + 5, sizeof *argv);
    char (*dirs)[4400] = malloc(n * sizeof *dirs);
    if (!argv || !dirs) {
        free(argv);
        free(dirs);
        fprintf(stderr, "rlc sweep: out of memory for the comparison\n");
        return EXIT_RUNTIME;
    }
    int argc = 0;
    char name[] = "compare", thr_opt[] = "--threshold", csv_opt[] = "--csv", thr[48];
    argv[argc++] = name;
    /* the reward threshold, when every config has the same one */
    double t0 = NAN;
    bool same = rlc_config_reward_threshold(&sw->configs[0], &t0);
    for (size_t i = 1; same && i < sw->n_configs; i++) {
        double t;
        same = rlc_config_reward_threshold(&sw->configs[i], &t) && t == t0;
    }
    if (same) {
        rlc_setting_format_real(t0, thr, sizeof thr);
        argv[argc++] = thr_opt;
        argv[argc++] = thr;
    }
    int first_dir = argc;
    for (size_t j = 0, k = 0; j < sw->n_jobs; j++)
        if (recs[j].state == J_FINISHED || recs[j].state == J_SKIPPED) {
            run_dir_of(out_dir, &sw->jobs[j], dirs[k], sizeof dirs[k]);
            argv[argc++] = dirs[k++];
        }
    printf("\n");
    fflush(stdout);
    int st = rlc_cmd_compare(argc, argv);
    fflush(stdout);
    if (st != 0) {
        fprintf(stderr, "rlc sweep: no comparison of the runs (rlc compare said why)\n");
        free(argv);
        free(dirs);
        return st;
    }
    /* the same as CSV, into a file: compare prints to stdout */
    char path[4500], tmp[4510];
    snprintf(path, sizeof path, "%s/compare.csv", out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    memmove(argv + first_dir + 1, argv + first_dir, (size_t)(argc - first_dir) * sizeof *argv);
    argv[first_dir] = csv_opt;
    argc++;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int saved = fd >= 0 ? dup(STDOUT_FILENO) : -1;
    /* With --csv, compare's notes go to stderr: the table above printed
     * them already, so that pass's stderr is kept aside and shown only if
     * it fails. */
    FILE *aside = tmpfile();
    int saved_err = aside ? dup(STDERR_FILENO) : -1;
    int st_csv = EXIT_RUNTIME;
    fflush(stderr);
    if (saved_err >= 0 && dup2(fileno(aside), STDERR_FILENO) < 0) {
        close(saved_err);
        saved_err = -1;
    }
    if (saved >= 0 && dup2(fd, STDOUT_FILENO) >= 0) {
        st_csv = rlc_cmd_compare(argc, argv);
        if (fflush(stdout) != 0 || fsync(STDOUT_FILENO) != 0)
            st_csv = EXIT_RUNTIME;
        clearerr(stdout);
        dup2(saved, STDOUT_FILENO);
    }
    fflush(stderr);
    if (saved_err >= 0) {
        dup2(saved_err, STDERR_FILENO);
        close(saved_err);
    }
    if (aside && st_csv != 0) { /* what it said, now that it failed */
        rewind(aside);
        char line[1024];
        while (fgets(line, sizeof line, aside))
            fputs(line, stderr);
    }
    if (aside)
        fclose(aside);
    if (saved >= 0)
        close(saved);
    if (fd >= 0)
        close(fd);
    if (st_csv == 0 && rename(tmp, path) == 0)
        printf("\ncomparison as CSV: %s\n", path);
    else {
        remove(tmp);
        fprintf(stderr, "rlc sweep: cannot write %s\n", path);
        if (!st)
            st = EXIT_RUNTIME;
    }
    free(argv);
    free(dirs);
    return st;
}

/* ---- the command --------------------------------------------------------------- */

static void sweep_help(FILE *f)
{
    fputs("usage: rlc sweep SWEEP.ini [--out DIR] [--jobs N]\n"
          "       mpirun -n N rlc sweep SWEEP.ini [--out DIR]\n"
          "  run every job of the sweep file: each config in [sweep] configs, at each\n"
          "  point of the [grid] that applies to it, for each of [sweep] seeds; one run\n"
          "  directory per job in DIR (default: runs/<SWEEP name>), named\n"
          "  <config>-<key>=<value>...-s<seed>. A job that fails is recorded and the\n"
          "  others go on. Run again, the sweep skips finished runs and resumes\n"
          "  interrupted ones from their checkpoints. Ends with the rlc compare table\n"
          "  of the runs, grouped by grid point; DIR/compare.csv holds it as CSV and\n"
          "  DIR/sweep.csv how each job ended.\n"
          "  --out DIR   where the run directories go\n"
          "  --jobs N    runs at once on this machine (default: the number of online\n"
          "              CPUs); under mpirun every rank runs one at a time and rank 0\n"
          "              hands them out\n"
          "  SWEEP.ini:\n"
          "    [sweep]\n"
          "    configs = configs/ppo_cartpole.ini, configs/a2c_cartpole.ini\n"
          "    seeds = 1-10\n"
          "    [grid]\n"
          "    ppo.learning_rate = 3e-4, 1e-3   ; applies to the ppo configs\n"
          "    run.total_timesteps = 50000      ; one value: a fixed override\n"
          "exit status: 0 every job finished, 1 one or more failed, 2 usage or input\n"
          "error, 130 interrupted (Ctrl-C; the running jobs write checkpoints)\n",
          f);
}

static int sweep_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *out_arg = NULL, *jobs_text = NULL;
    bool talk = rlc_world_rank() == 0;
    int c;
    optind = 1;
    opterr = talk;
    char prog[] = "rlc sweep";
    argv[0] = prog;
    while ((c = rlc_cli_getopt(argc, argv, opts)) != -1) {
        switch (c) {
        case 'o':
            if (!optarg[0]) {
                if (talk)
                    fprintf(stderr, "rlc sweep: --out: empty directory name\n");
                return EXIT_USAGE;
            }
            out_arg = optarg;
            break;
        case 'j':
            jobs_text = optarg;
            break;
        case 'h':
            if (talk)
                sweep_help(stdout);
            return 0;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        if (talk)
            fprintf(stderr, optind >= argc ? "rlc sweep: missing SWEEP.ini\n"
                                           : "rlc sweep: unexpected argument '%s'\n",
                    argv[optind + (optind < argc)]);
        return EXIT_USAGE;
    }
    unsigned jobs = 1;
    if (jobs_text) {
        size_t len = strlen(jobs_text);
        bool ok = len > 0 && len < 4 && strspn(jobs_text, "0123456789") == len;
        unsigned long v = ok ? strtoul(jobs_text, NULL, 10) : 0;
        if (!ok || v < 1 || v > 64) {
            if (talk)
                fprintf(stderr, "rlc sweep: --jobs '%s': expected a whole number in [1, 64]\n",
                        jobs_text);
            return EXIT_USAGE;
        }
        if (rlc_world_size() > 1) {
            if (talk)
                fprintf(stderr, "rlc sweep: --jobs is for one machine; under mpirun each rank"
                        " runs one job at a time (start more ranks)\n");
            return EXIT_USAGE;
        }
        jobs = (unsigned)v;
    } else if (rlc_world_size() == 1) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned)cpus;
    }
    const char *path = argv[optind];
    rlc_sweep *sw = calloc(1, sizeof *sw);
    if (!sw) {
        fprintf(stderr, "rlc sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    char why[1200];
    if (rlc_sweep_load(sw, path, why, sizeof why) != 0) {
        if (talk)
            fprintf(stderr, "rlc: %s\n", why);
        free(sw);
        return EXIT_USAGE;
    }
    char out_dir[4096];
    if (out_arg)
        snprintf(out_dir, sizeof out_dir, "%s", out_arg);
    else {
        char stem[256];
        stem_of(path, stem, sizeof stem);
        snprintf(out_dir, sizeof out_dir, "runs/%s", stem);
    }
    /* the output folder first, so that a bad --out fails before any job */
    int status = 0;
    if (talk && rlc_make_dirs(out_dir) != 0) {
        /* a file where the folder should be is bad input; anything else
         * (no permission, a full disk) a runtime failure */
        int code = errno == ENOTDIR ? EXIT_USAGE : EXIT_RUNTIME;
        if (errno == ENOTDIR)
            fprintf(stderr, "rlc sweep: --out %s: not a directory (a file is in the way of the"
                    " folder the runs go to)\n", out_dir);
        else
            fprintf(stderr, "rlc sweep: cannot create %s: %s\n", out_dir, strerror(errno));
        rlc_world_abort(code); /* the other ranks wait for jobs */
        rlc_sweep_free(sw);
        free(sw);
        return code;
    }
    if (talk) {
        printf("sweep %s: %zu job%s (%zu config%s, %zu seed%s) -> %s; ", path, sw->n_jobs,
               sw->n_jobs == 1 ? "" : "s", sw->n_configs, sw->n_configs == 1 ? "" : "s", sw->n_seeds,
               sw->n_seeds == 1 ? "" : "s", out_dir);
        if (rlc_world_size() > 1)
            printf("%d MPI ranks\n", rlc_world_size());
        else
            printf("%u at a time\n", jobs);
        fflush(stdout);
    }
    slot *slots = calloc(jobs, sizeof *slots);
    job_result *recs = talk ? calloc(sw->n_jobs ? sw->n_jobs : 1, sizeof *recs) : NULL;
    bool oom = !slots || (talk && !recs);
    for (unsigned s = 0; !oom && s < jobs; s++) {
        slots[s].child.out_fd = slots[s].child.report_fd = -1;
        oom = !(slots[s].cfg = malloc(sizeof *slots[s].cfg));
    }
    if (oom) {
        fprintf(stderr, "rlc sweep: out of memory\n");
        rlc_world_abort(EXIT_RUNTIME);
        status = EXIT_RUNTIME;
        goto done;
    }
    signal(SIGPIPE, SIG_IGN);
    rlc_child_catch_signals();
    if (talk) {
        coord co = {sw, recs, 0, stdout};
        for (size_t j = 0; j < sw->n_jobs; j++) {
            recs[j].job = (int64_t)j;
            recs[j].exit_status = -1;
            recs[j].final_mean = recs[j].final_std = NAN;
        }
        coordinate(sw, out_dir, slots, jobs, &co);
    }
#ifdef RLC_HAVE_MPI
    else
        work(sw, out_dir, &slots[0]);
#endif
    rlc_child_restore_signals();
    if (talk) {
        size_t count[6] = {0}, resumed = 0;
        for (size_t j = 0; j < sw->n_jobs; j++) {
            count[recs[j].state]++;
            resumed += recs[j].state == J_FINISHED && recs[j].resumed;
        }
        if (write_records(sw, out_dir, recs) != 0) {
            fprintf(stderr, "rlc sweep: cannot write %s/sweep.csv: %s\n", out_dir, strerror(errno));
            status = EXIT_RUNTIME;
        }
        printf("\n%zu job%s: %zu finished (%zu resumed), %zu skipped (finished before), %zu failed",
               sw->n_jobs, sw->n_jobs == 1 ? "" : "s", count[J_FINISHED], resumed, count[J_SKIPPED], count[J_FAILED]);
        if (count[J_INTERRUPTED] || count[J_PENDING])
            printf(", %zu interrupted, %zu not started", count[J_INTERRUPTED], count[J_PENDING]);
        printf("; how each ended: %s/sweep.csv\n", out_dir);
        int sig = rlc_child_signal();
        if (sig) {
            fprintf(stderr, "rlc: %s: run the same sweep again to resume it\n",
                    sig == SIGINT ? "interrupted" : "terminated");
            status = 128 + sig;
        } else {
            /* runs that cannot be compared (their x ranges do not overlap,
             * say) are a note, not a failed sweep: the exit status says how
             * the jobs ended; only an I/O or memory failure counts */
            int st = compare_runs(sw, out_dir, recs);
            if (count[J_FAILED] && !status)
                status = 1;
            if (st == EXIT_RUNTIME && !status)
                status = EXIT_RUNTIME;
        }
        fflush(stdout);
    }
done:
    for (unsigned s = 0; slots && s < jobs; s++)
        free(slots[s].cfg);
    free(slots);
    free(recs);
    rlc_sweep_free(sw);
    free(sw);
    return status;
}

int rlc_cmd_sweep(int argc, char **argv)
{
    int status = sweep_main(argc, argv);
#ifdef RLC_HAVE_MPI
    if (rlc_world_mpi()) { /* every rank exits as rank 0 does */
        int st = status;
        MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
        status = st;
    }
#endif
    return status;
}
