/* config.c — the run configuration (contract in include/rlc/config.h): the
 * rows of [run] and [eval] and, for each registered algorithm, the rows its
 * agent type declares drive INI parsing (through libinih), --set overrides,
 * validation, the resolved INI dump and the help text.
 * Deliberately not here: anything about a particular algorithm (each agent
 * type owns its section's rows, defaults and cross-checks), parsing and
 * formatting single values (settings.c), multi-line values, quoting or
 * escapes, empty sections (a [section] line without keys is not checked, but
 * "[]" is a syntax error), printing and exiting (callers get a status and a
 * message). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "rlc/config.h"
#include "rlc/env.h"
#include "inilines.h"

/* ---- the rows ------------------------------------------------------------ */

/* [run] and [eval]: fields of rlc_config itself. */
static const rlc_setting run_rows[] = {
    {.key = "algo", .kind = RLC_SETTING_NAME, .offset = offsetof(rlc_config, algo),
     .required = true, .help = "algorithm to train; its settings are the section of that name"},
    {.key = "env_id", .kind = RLC_SETTING_NAME, .offset = offsetof(rlc_config, env_id),
     .required = true, .help = "Gymnasium environment id (see `rlc list`)"},
    RLC_SETTING_WHOLE_ROW(rlc_config, "seed", RLC_SETTING_U64, seed, 0, UINT64_MAX,
                          "run seed; every random stream derives from it"),
    RLC_SETTING_SIZE_ROW(rlc_config, "total_timesteps", total_timesteps, 1,
                         "environment steps to train for (on-policy: whole rollouts, rounded"
                         " down, at least one)"),
    RLC_SETTING_SIZE_ROW(rlc_config, "log_interval", log_interval, 1,
                         "environment steps between progress lines and progress.csv rows"
                         " (on-policy: the first update at or past each multiple); a row is also"
                         " written at every evaluation and at the end"),
    RLC_SETTING_SIZE_ROW(rlc_config, "checkpoint_freq", checkpoint_freq, 0,
                         "environment steps between checkpoints (model.rlc); 0 = only at the end"
                         " and when interrupted"),
};
static const rlc_setting eval_rows[] = {
    RLC_SETTING_SIZE_ROW(rlc_config, "eval_freq", eval_freq, 0,
                         "environment steps between evaluations; 0 = only at the end"),
    RLC_SETTING_WHOLE_ROW(rlc_config, "n_eval_episodes", RLC_SETTING_SIZE, n_eval_episodes, 1, 1024,
                          "deterministic episodes per evaluation, each on its own env copy"),
    {.key = "reward_threshold", .kind = RLC_SETTING_REAL, .offset = offsetof(rlc_config,
     reward_threshold), .lo = -INFINITY, .hi = INFINITY, .auto_value = true,
     .help = "mean evaluation return that counts as solved; reported, never stops training"
             " (auto: Gymnasium's spec.reward_threshold for env_id, none if it has none)"},
};
#define N_RUN (sizeof run_rows / sizeof run_rows[0])
#define N_EVAL (sizeof eval_rows / sizeof eval_rows[0])
#define MAX_SECTIONS (2 + RLC_AGENT_MAX_TYPES)

/* An INI section: [run], [eval], or an algorithm's (named after it, holding
 * the rows its agent type declares). */
typedef struct section_info {
    const char *name;
    const rlc_agent_type *algo; /* NULL for [run] and [eval] */
    const rlc_setting *rows;
    size_t n_rows;
    size_t first;               /* index of rows[0] among all rows (origins, load bookkeeping) */
} section_info;

/* One row of any section. */
typedef struct row_ref {
    const section_info *sec;
    const rlc_setting *r;
    size_t index; /* among all rows */
} row_ref;

/* The sections, in order: [run], [eval], then the registry's algorithms.
 * Returns how many (≤ MAX_SECTIONS). */
static size_t all_sections(section_info *out)
{
    size_t n = 0, first = 0;
    out[n++] = (section_info){"run", NULL, run_rows, N_RUN, first};
    first += N_RUN;
    out[n++] = (section_info){"eval", NULL, eval_rows, N_EVAL, first};
    first += N_EVAL;
    for (size_t i = 0; rlc_agent_registry[i] && n < MAX_SECTIONS; i++) {
        const rlc_agent_type *t = rlc_agent_registry[i];
        out[n++] = (section_info){t->name, t, t->settings_rows, t->n_settings_rows, first};
        first += t->n_settings_rows;
    }
    return n;
}

/* A config's sections, so functions can look rows up without rebuilding. */
typedef struct catalog {
    section_info sec[MAX_SECTIONS];
    size_t n_sec, n_rows;
} catalog;

static void catalog_init(catalog *c)
{
    c->n_sec = all_sections(c->sec);
    const section_info *last = &c->sec[c->n_sec - 1];
    c->n_rows = last->first + last->n_rows;
}

static const section_info *find_section(const catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n_sec; i++)
        if (strcmp(c->sec[i].name, name) == 0)
            return &c->sec[i];
    return NULL;
}

static bool find_row(const catalog *c, const char *section, const char *key, row_ref *out)
{
    const section_info *s = find_section(c, section);
    const rlc_setting *r = s ? rlc_settings_find(s->rows, s->n_rows, key) : NULL;
    if (!r)
        return false;
    *out = (row_ref){s, r, s->first + (size_t)(r - s->rows)};
    return true;
}

/* The struct a section's rows point into: the config itself for [run] and
 * [eval], the algorithm's settings otherwise. */
static void *section_struct(rlc_config *cfg, const section_info *s)
{
    return s->algo ? (void *)cfg->algo_settings[rlc_agent_index(s->algo)].bytes : (void *)cfg;
}

static const void *section_struct_const(const rlc_config *cfg, const section_info *s)
{
    return section_struct((rlc_config *)cfg, s);
}

void *rlc_config_settings(rlc_config *cfg, const rlc_agent_type *type)
{
    size_t i = cfg && type ? rlc_agent_index(type) : RLC_AGENT_MAX_TYPES;
    return i < RLC_AGENT_MAX_TYPES ? cfg->algo_settings[i].bytes : NULL;
}

const void *rlc_config_algo_settings(const rlc_config *cfg)
{
    if (!cfg || !memchr(cfg->algo, '\0', sizeof cfg->algo))
        return NULL;
    return rlc_config_settings((rlc_config *)cfg, rlc_agent_find(cfg->algo));
}

/* ---- small helpers ------------------------------------------------------ */

static void set_error(rlc_config_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void rlc_config_shorten(const char *text, char *buf, size_t n)
{
    if (!buf || !n)
        return;
    size_t len = text ? strlen(text) : 0, keep = len;
    if (len > RLC_CONFIG_ECHO_MAX) {
        keep = RLC_CONFIG_ECHO_MAX;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--; /* not inside a UTF-8 character */
    }
    snprintf(buf, n, "%.*s%s", (int)keep, text ? text : "", keep < len ? "\xe2\x80\xa6" : "");
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* ---- origins of values ---------------------------------------------------- */

/* Record "path:line" as the origin of row i; a path too long for the
 * field keeps its end ("...s/run.ini:3"). */
static void set_origin_file(rlc_config *cfg, size_t i, const char *path, int line)
{
    char *o = cfg->origin[i];
    char num[24];
    size_t nlen = (size_t)snprintf(num, sizeof num, ":%d", line);
    size_t room = RLC_CONFIG_ORIGIN_MAX - 1 - nlen, len = strlen(path), at = 0;
    if (len > room) {
        memcpy(o, "...", 3);
        at = 3;
        path += len - (room - 3);
        len = room - 3;
    }
    memcpy(o + at, path, len);
    memcpy(o + at + len, num, nlen + 1);
}

/* Record "--set ASSIGNMENT" as the origin of row i; too long for the field,
 * it keeps its start ("--set sec.net_arch=1, 2, ..."). */
static void set_origin_set(rlc_config *cfg, size_t i, const char *assignment)
{
    char *o = cfg->origin[i];
    if ((size_t)snprintf(o, RLC_CONFIG_ORIGIN_MAX, "--set %s", assignment) >= RLC_CONFIG_ORIGIN_MAX)
        strcpy(o + RLC_CONFIG_ORIGIN_MAX - 4, "...");
}

/* The origin of row index i, or "" (default, set in code, or a field that
 * is not a string: a config not made by rlc_config_default). */
static const char *origin_at(const rlc_config *cfg, size_t i)
{
    const char *o = cfg->origin[i];
    return memchr(o, '\0', RLC_CONFIG_ORIGIN_MAX) ? o : "";
}

static const char *origin_of(const rlc_config *cfg, const catalog *c, const char *section,
                             const char *key)
{
    row_ref ref;
    return find_row(c, section, key, &ref) ? origin_at(cfg, ref.index) : "";
}

/* Whether the row is read, written and validated for algorithm `algo`:
 * [run] and [eval] always, an algorithm's section only for that algorithm. */
static bool section_applies(const section_info *s, const char *algo)
{
    return !s->algo || strncmp(s->name, algo, RLC_CONFIG_NAME_MAX) == 0;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * capped: returns 3 for anything above 2 or too long. */
static int edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 63 || nb > 63)
        return 3;
    int d[3][64]; /* rows i-2, i-1, i (mod 3) */
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int *row = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int best = up[j - 1] + (a[i - 1] != b[j - 1]);
            if (up[j] + 1 < best)
                best = up[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                up2[j - 2] + 1 < best)
                best = up2[j - 2] + 1;
            row[j] = best;
        }
    }
    int r = d[na % 3][nb];
    return r > 2 ? 3 : r;
}

/* The largest edit distance worth a "did you mean": 1 for names shorter
 * than 5 characters ("foo" is not a typo of "fix"), else 2. */
static int suggest_limit(const char *typed)
{
    return strlen(typed) < 5 ? 1 : 2;
}

/* " (did you mean ...?)" for an unknown key, or "". Prefers a key of the
 * same section within edit distance 2, then the same key in other sections. */
static void suggest_key(const catalog *c, const char *section, const char *key, char *out,
                        size_t n)
{
    const rlc_setting *best = NULL;
    int best_d = suggest_limit(key) + 1;
    const section_info *s = find_section(c, section);
    for (size_t i = 0; s && i < s->n_rows; i++) {
        int d = edit_distance(key, s->rows[i].key);
        if (d < best_d) {
            best_d = d;
            best = &s->rows[i];
        }
    }
    if (best) {
        snprintf(out, n, " (did you mean '%s'?)", best->key);
        return;
    }
    /* the sections that have the key: " (it belongs in [a], [b] or [c])" */
    const section_info *found[MAX_SECTIONS];
    size_t n_found = 0;
    for (size_t i = 0; i < c->n_sec; i++)
        if (rlc_settings_find(c->sec[i].rows, c->sec[i].n_rows, key))
            found[n_found++] = &c->sec[i];
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n_found; i++) {
        int w = snprintf(out + used, n - used, "%s[%s]",
                         i == 0 ? " (it belongs in " : i + 1 == n_found ? " or " : ", ",
                         found[i]->name);
        if (w < 0 || (size_t)w >= n - used)
            return;
        used += (size_t)w;
    }
    if (n_found)
        snprintf(out + used, n - used, ")");
}

static void suggest_section(const catalog *c, const char *section, char *out, size_t n)
{
    out[0] = '\0';
    int best_d = suggest_limit(section) + 1;
    for (size_t i = 0; i < c->n_sec; i++) {
        int d = edit_distance(section, c->sec[i].name);
        if (d < best_d) {
            best_d = d;
            snprintf(out, n, " (did you mean [%s]?)", c->sec[i].name);
        }
    }
}

/* Copy `in` to `out` without an inline comment (';' or '#' at the start or
 * after whitespace: inih strips " ;..." itself, " #..." it leaves) and without
 * surrounding whitespace. False if the result does not fit. */
static bool clean_value(const char *in, char *out, size_t n)
{
    size_t end = 0;
    while (in[end] && !((in[end] == ';' || in[end] == '#') && (end == 0 || is_blank(in[end - 1]))))
        end++;
    size_t start = 0;
    while (start < end && is_blank(in[start]))
        start++;
    while (end > start && is_blank(in[end - 1]))
        end--;
    if (end - start >= n)
        return false;
    memcpy(out, in + start, end - start);
    out[end - start] = '\0';
    return true;
}

/* The accepted values of a row as help and errors show them; [run] algo
 * lists the registered algorithms, [run] env_id asks for a registered id. */
static void range_text(const row_ref *ref, char *buf, size_t n)
{
    if (ref->r == &run_rows[1]) {
        snprintf(buf, n, "a registered id");
        return;
    }
    if (ref->r != &run_rows[0]) {
        rlc_setting_range(ref->r, buf, n);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; rlc_agent_registry[i]; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", used ? "|" : "", rlc_agent_registry[i]->name);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

/* ---- applying one value ------------------------------------------------- */

/* The result of looking up and applying "[section] key = value". */
typedef enum apply_result { APPLIED, BAD_SECTION, BAD_KEY } apply_result;

/* Find the row of section/key and parse the raw value into cfg. On failure
 * writes "[section] key: reason" (or "[section]: reason") to msg. */
static apply_result apply(rlc_config *cfg, const catalog *c, const char *section, const char *key,
                          const char *raw, row_ref *ref, char *msg, size_t n)
{
    char hint[96];
    if (!find_section(c, section)) {
        suggest_section(c, section, hint, sizeof hint);
        snprintf(msg, n, "[%s]: unknown section%s", section, hint);
        return BAD_SECTION;
    }
    if (!key[0]) {
        snprintf(msg, n, "[%s]: no key before the '='", section);
        return BAD_KEY;
    }
    if (!find_row(c, section, key, ref)) {
        suggest_key(c, section, key, hint, sizeof hint);
        snprintf(msg, n, "[%s] %s: unknown key%s", section, key, hint);
        return BAD_KEY;
    }
    char value[RLC_SETTING_VALUE_MAX];
    char why[RLC_SETTING_VALUE_MAX + 128];
    if (!clean_value(raw, value, sizeof value)) {
        snprintf(msg, n, "[%s] %s: value longer than %d characters", section, key,
                 RLC_SETTING_VALUE_MAX - 1);
        return BAD_KEY;
    }
    if (ref->r == &run_rows[0] && !rlc_agent_find(value)) {
        char range[128];
        range_text(ref, range, sizeof range);
        snprintf(msg, n, "[%s] %s: '%.100s' is not one of %s", section, key, value, range);
        return BAD_KEY;
    }
    if (rlc_setting_parse(ref->r, section_struct(cfg, ref->sec), value, why, sizeof why)) {
        snprintf(msg, n, "[%s] %s: %s", section, key, why);
        return BAD_KEY;
    }
    return APPLIED;
}

/* ---- loading a file ------------------------------------------------------- */

#define ERR_MAX 400 /* bytes of an error's "[section] key: reason", with its NUL */

typedef struct load_ctx {
    rlc_ini_lines in;     /* first: the reader (inilines.h) and the first error; in.ctx is
                           * this context */
    rlc_config *cfg;      /* a copy; committed only on success */
    int header_line;      /* line of the last "[section]" line read */
    catalog cat;
    int set_line[RLC_CONFIG_MAX_SETTINGS]; /* line each row was set on, 0 = not set */
    int section_line[MAX_SECTIONS];        /* header line of each section used */
    int header_line_of[MAX_SECTIONS];      /* first header line of each known section */
} load_ctx;

static void load_error(load_ctx *c, const char *fmt, ...)
{
    c->in.err_line = c->in.line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->in.err, ERR_MAX, fmt, ap);
    va_end(ap);
}

/* Longest section name or key handed to inih as it is: longer ones are
 * never valid, and inih cuts section names at 49 characters without a word. */
#define NAME_SHOWN 40

/* A section header line (rlc_ini_lines' header): the name handed to inih
 * as "[name]" (shortened past NAME_SHOWN); a header without ']' as it is
 * (inih's syntax error); an empty name, anything after the ']', or a
 * known section's second header, an error. */
static char *read_header(rlc_ini_lines *in, char *str, int num, char *p, size_t end)
{
    load_ctx *c = in->ctx;
    c->header_line = c->in.line;
    char *close = strchr(p, ']');
    if (!close) {
        rlc_ini_lines_emit(str, num, "", p, end, "", SIZE_MAX); /* inih's syntax error */
        return str;
    }
    size_t len = (size_t)(close - p - 1), blank = 0;
    while (blank < len && is_blank(p[1 + blank]))
        blank++;
    if (blank == len) {
        load_error(c, "syntax error: empty section name");
        return NULL;
    }
    const char *after = close + 1; /* comments are gone already */
    while (is_blank(*after))
        after++;
    if (*after) { /* inih would drop it: "[ddpg] gamma = 0.5" set nothing */
        load_error(c, "syntax error: '%.60s%s' after the section header (a key goes on a"
                   " line of its own)", after, strlen(after) > 60 ? "..." : "");
        return NULL;
    }
    for (size_t s = 0; s < c->cat.n_sec; s++) /* a section is written once, like a key */
        if (strlen(c->cat.sec[s].name) == len && !memcmp(c->cat.sec[s].name, p + 1, len)) {
            if (c->header_line_of[s]) {
                load_error(c, "[%s]: section appears twice (first on line %d); write its"
                           " keys under one header", c->cat.sec[s].name, c->header_line_of[s]);
                return NULL;
            }
            c->header_line_of[s] = c->in.line;
        }
    rlc_ini_lines_emit(str, num, "[", p + 1, len, "]", NAME_SHOWN);
    return str;
}

static int load_handle(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (c->in.err_line)
        return 0;
    if (!section[0]) {
        c->in.err_line = c->in.line;
        snprintf(c->in.err, ERR_MAX, "%s: key before the first [section]", name);
        return 0;
    }
    row_ref r;
    if (find_row(&c->cat, section, name, &r) && c->set_line[r.index]) {
        c->in.err_line = c->in.line;
        snprintf(c->in.err, ERR_MAX, "[%s] %s: set twice (first on line %d)", section, name,
                 c->set_line[r.index]);
        return 0;
    }
    switch (apply(c->cfg, &c->cat, section, name, c->in.value ? c->in.value : value, &r,
                  c->in.err, ERR_MAX)) {
    case BAD_SECTION:
        c->in.err_line = c->header_line ? c->header_line : c->in.line;
        return 0;
    case BAD_KEY:
        c->in.err_line = c->in.line;
        return 0;
    case APPLIED:
        break;
    }
    c->set_line[r.index] = c->in.line;
    size_t s = (size_t)(r.sec - c->cat.sec);
    if (!c->section_line[s])
        c->section_line[s] = c->header_line;
    return 1;
}

rlc_status rlc_config_load(rlc_config *cfg, const char *path, rlc_config_error *err)
{
    if (!cfg || !path) {
        set_error(err, "rlc_config_load: NULL argument");
        return RLC_EINVAL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        set_error(err, "%s: %s", path, strerror(errno));
        return RLC_EIO;
    }
    rlc_config *copy = malloc(sizeof *copy);
    load_ctx *c = calloc(1, sizeof *c);
    if (!copy || !c) {
        fclose(f);
        free(copy);
        free(c);
        set_error(err, "%s: out of memory", path);
        return RLC_ENOMEM;
    }
    *copy = *cfg;
    c->cfg = copy;
    c->in = (rlc_ini_lines){.f = f, .nul_named = true, .key_shown = NAME_SHOWN,
                            .header = read_header, .ctx = c};
    catalog_init(&c->cat);
    int ret = ini_parse_stream(rlc_ini_lines_read, &c->in, load_handle, c);
    fclose(f);
    rlc_status st = RLC_ECONFIG;
    const catalog *cat = &c->cat;
    if (c->in.read_errno) {
        set_error(err, "%s: %s", path, strerror(c->in.read_errno));
        st = RLC_EIO;
        goto done;
    }
    if (ret == -2) {
        set_error(err, "%s: out of memory", path);
        st = RLC_ENOMEM;
        goto done;
    }
    if (ret > 0 && (!c->in.err_line || ret < c->in.err_line)) {
        set_error(err, "%s:%d: syntax error: expected '[section]' or 'key = value'", path, ret);
        goto done;
    }
    if (c->in.err_line) {
        set_error(err, "%s:%d: %s", path, c->in.err_line, c->in.err);
        goto done;
    }
    /* An empty or comment-only file is surely a mistake, not "all defaults". */
    for (size_t s = 0; s < cat->n_sec; s++)
        for (size_t i = 0; i < cat->sec[s].n_rows; i++)
            if (cat->sec[s].rows[i].required && !c->set_line[cat->sec[s].first + i]) {
                set_error(err, "%s: [%s] %s: missing; every config names its algorithm and"
                          " environment", path, cat->sec[s].name, cat->sec[s].rows[i].key);
                goto done;
            }
    /* [run] algo may come after the algorithm's section: check at the end
     * (after the required keys, so a missing algo is reported as such). */
    for (size_t s = 0; s < cat->n_sec; s++)
        if (cat->sec[s].algo && c->section_line[s] && !section_applies(&cat->sec[s], copy->algo)) {
            set_error(err, "%s:%d: [%s]: section of algorithm %s, but [run] algo is %.*s", path,
                      c->section_line[s], cat->sec[s].name, cat->sec[s].name,
                      RLC_CONFIG_NAME_MAX - 1, copy->algo);
            goto done;
        }
    for (size_t i = 0; i < cat->n_rows; i++)
        if (c->set_line[i])
            set_origin_file(copy, i, path, c->set_line[i]);
    *cfg = *copy;
    st = RLC_OK;
done:
    free(copy);
    free(c);
    return st;
}

/* ---- one override --------------------------------------------------------- */

/* Whether a section of an algorithm other than cfg->algo holds a value the
 * user set (a file or --set); msg then says which and where. */
static bool user_section_of_other_algo(const rlc_config *cfg, const catalog *cat, char *msg,
                                       size_t n)
{
    for (size_t s = 0; s < cat->n_sec; s++) {
        const section_info *sec = &cat->sec[s];
        if (!sec->algo || section_applies(sec, cfg->algo))
            continue;
        for (size_t i = 0; i < sec->n_rows; i++) {
            const char *o = origin_at(cfg, sec->first + i);
            if (o[0]) {
                snprintf(msg, n, "[%s] %s (%.200s) belongs to algorithm %s, but [run] algo would be"
                         " %.*s", sec->name, sec->rows[i].key, o, sec->name,
                         RLC_CONFIG_NAME_MAX - 1, cfg->algo);
                return true;
            }
        }
    }
    return false;
}

rlc_status rlc_config_set(rlc_config *cfg, const char *assignment, rlc_config_error *err)
{
    if (!cfg || !assignment) {
        set_error(err, "rlc_config_set: NULL argument");
        return RLC_EINVAL;
    }
    const char *eq = strchr(assignment, '=');
    const char *dot = eq ? memchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
    char section[RLC_CONFIG_NAME_MAX], key[RLC_CONFIG_NAME_MAX];
    bool ok = dot != NULL;
    if (ok) {
        char sec_raw[RLC_CONFIG_NAME_MAX], key_raw[RLC_CONFIG_NAME_MAX];
        size_t ns = (size_t)(dot - assignment), nk = (size_t)(eq - dot - 1);
        ok = ns < sizeof sec_raw && nk < sizeof key_raw;
        if (ok) {
            memcpy(sec_raw, assignment, ns);
            sec_raw[ns] = '\0';
            memcpy(key_raw, dot + 1, nk);
            key_raw[nk] = '\0';
            clean_value(sec_raw, section, sizeof section);
            clean_value(key_raw, key, sizeof key);
            ok = section[0] && key[0];
        }
    }
    char shown[RLC_CONFIG_ECHO_MAX + 4]; /* the assignment as errors echo it */
    rlc_config_shorten(assignment, shown, sizeof shown);
    if (!ok) {
        set_error(err, "--set %s: expected section.key=value, e.g. run.seed=3", shown);
        return RLC_ECONFIG;
    }
    rlc_config *copy = malloc(sizeof *copy);
    if (!copy) {
        set_error(err, "--set %s: out of memory", shown);
        return RLC_ENOMEM;
    }
    *copy = *cfg;
    catalog cat;
    catalog_init(&cat);
    row_ref r;
    char msg[400];
    rlc_status st = RLC_ECONFIG;
    if (apply(copy, &cat, section, key, eq + 1, &r, msg, sizeof msg) != APPLIED) {
        set_error(err, "--set %s: %s", shown, msg);
    } else if (!section_applies(r.sec, copy->algo)) {
        set_error(err, "--set %s: [%s]: section of algorithm %s, but [run] algo is %.*s"
                  " (set run.algo first)", shown, section, section, RLC_CONFIG_NAME_MAX - 1,
                  copy->algo);
    } else if (r.r == &run_rows[0] && user_section_of_other_algo(copy, &cat, msg, sizeof msg)) {
        /* values the user gave another algorithm would be dropped silently */
        set_error(err, "--set %s: %s", shown, msg);
    } else {
        set_origin_set(copy, r.index, assignment);
        *cfg = *copy;
        st = RLC_OK;
    }
    free(copy);
    return st;
}

/* ---- defaults, validation, output --------------------------------------- */

void rlc_config_default(rlc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    /* a runnable pair for configs built in code: the first algorithm, and
     * the first environment whose action space it handles */
    const rlc_agent_type *first = rlc_agent_registry[0];
    snprintf(cfg->algo, sizeof cfg->algo, "%s", first->name);
    for (size_t i = 0; rlc_env_at(i); i++)
        if (rlc_agent_supports(first, rlc_env_at(i))) {
            snprintf(cfg->env_id, sizeof cfg->env_id, "%s", rlc_env_at(i)->id);
            break;
        }
    cfg->seed = 1;
    cfg->total_timesteps = 20000;
    cfg->log_interval = 1000;
    cfg->checkpoint_freq = 0;
    cfg->eval_freq = 5000;
    cfg->n_eval_episodes = 10;
    cfg->reward_threshold = NAN; /* auto */
    for (size_t i = 0; rlc_agent_registry[i]; i++)
        rlc_agent_registry[i]->settings_default(cfg->algo_settings[i].bytes);
}

static void space_text(const rlc_space *s, char *buf, size_t n)
{
    if (s->kind == RLC_SPACE_DISCRETE)
        snprintf(buf, n, "Discrete(%zu)", s->n);
    else
        snprintf(buf, n, "Box(%zu)", s->dim);
}

/* RLC_ECONFIG with "ORIGIN: " + the message, or just the message for a
 * value without an origin. */
static rlc_status invalid(rlc_config_error *err, const char *origin, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    set_error(err, "%s%s%s", origin, origin[0] ? ": " : "", msg);
    return RLC_ECONFIG;
}

/* For an algorithm's cross-setting check: the rank of a key's origin
 * (0 default or code, 1 a file, 2 --set). */
typedef struct origin_ctx {
    const rlc_config *cfg;
    const catalog *cat;
    const char *section;
} origin_ctx;

static int origin_rank(const void *p, const char *key)
{
    const origin_ctx *u = p;
    const char *o = origin_of(u->cfg, u->cat, u->section, key);
    return !o[0] ? 0 : strncmp(o, "--set ", 6) == 0 ? 2 : 1;
}

rlc_status rlc_config_validate(const rlc_config *cfg, rlc_config_error *err)
{
    if (!cfg) {
        set_error(err, "rlc_config_validate: NULL argument");
        return RLC_EINVAL;
    }
    catalog cat;
    catalog_init(&cat);
    char why[320];
    /* algo first: it decides which rows apply */
    row_ref algo_row = {&cat.sec[0], &run_rows[0], 0};
    const char *algo_origin = origin_at(cfg, 0);
    if (!rlc_setting_check(algo_row.r, cfg, why, sizeof why))
        return invalid(err, algo_origin, "[run] algo: %s", why);
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    if (!type) {
        char range[128];
        range_text(&algo_row, range, sizeof range);
        return invalid(err, algo_origin, "[run] algo: unknown algorithm '%s' (choices: %s)",
                       cfg->algo, range);
    }
    for (size_t s = 0; s < cat.n_sec; s++) {
        const section_info *sec = &cat.sec[s];
        if (!section_applies(sec, cfg->algo))
            continue;
        for (size_t i = 0; i < sec->n_rows; i++)
            if (!rlc_setting_check(&sec->rows[i], section_struct_const(cfg, sec), why, sizeof why))
                return invalid(err, origin_at(cfg, sec->first + i), "[%s] %s: %s", sec->name,
                               sec->rows[i].key, why);
    }
    /* A check between settings names the first of them that the user set
     * (so its origin points at the user's input), or the first of all. */
    const char *env_origin = origin_at(cfg, 1);
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    if (!env) {
        char known[200] = "";
        size_t used = 0;
        for (size_t i = 0; rlc_env_at(i) && used < sizeof known; i++) {
            int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             rlc_env_at(i)->id);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return invalid(err, env_origin, "[run] env_id: unknown environment '%s' (registered: %s)",
                       cfg->env_id, known);
    }
    if (!rlc_agent_supports(type, env)) {
        char space[48];
        space_text(&env->action_space, space, sizeof space);
        bool by_algo = !env_origin[0] && algo_origin[0];
        return invalid(err, by_algo ? algo_origin : env_origin,
                       "[run] %s: %s needs a %s action space, %s has %s",
                       by_algo ? "algo" : "env_id", cfg->algo,
                       type->box_actions ? "continuous (Box)" : "discrete", cfg->env_id, space);
    }
    origin_ctx u = {cfg, &cat, type->name};
    rlc_agent_settings_error e;
    if (rlc_agent_check_settings(type, rlc_config_algo_settings(cfg), origin_rank, &u, &e) != RLC_OK)
        return invalid(err, e.key ? origin_of(cfg, &cat, type->name, e.key) : "", "[%s] %s: %s",
                       type->name, e.key ? e.key : "?", e.reason);
    return RLC_OK;
}

bool rlc_config_reward_threshold(const rlc_config *cfg, double *threshold)
{
    double t = cfg->reward_threshold;
    if (isnan(t)) { /* auto */
        const rlc_env_type *env = rlc_env_find(cfg->env_id);
        if (!env || !env->has_reward_threshold)
            return false;
        t = env->reward_threshold;
    }
    if (threshold)
        *threshold = t;
    return true;
}

rlc_status rlc_config_write(const rlc_config *cfg, FILE *f)
{
    if (!cfg || !f)
        return RLC_EINVAL;
    catalog cat;
    catalog_init(&cat);
    char algo[RLC_CONFIG_NAME_MAX];
    snprintf(algo, sizeof algo, "%.*s", RLC_CONFIG_NAME_MAX - 1, cfg->algo);
    bool failed = fprintf(f, "# rlc configuration: every setting of the run\n") < 0;
    for (size_t s = 0; s < cat.n_sec; s++) {
        const section_info *sec = &cat.sec[s];
        if (!section_applies(sec, algo) || !sec->n_rows)
            continue;
        failed |= fprintf(f, "\n[%s]\n", sec->name) < 0;
        for (size_t i = 0; i < sec->n_rows; i++) {
            char value[RLC_SETTING_VALUE_MAX];
            rlc_setting_format(&sec->rows[i], section_struct_const(cfg, sec), value, sizeof value);
            failed |= fprintf(f, "# %s\n%s = %s\n", sec->rows[i].help, sec->rows[i].key, value) < 0;
        }
    }
    failed |= fflush(f) != 0;
    return failed || ferror(f) ? RLC_EIO : RLC_OK;
}

void rlc_config_print_help(FILE *f)
{
    rlc_config *def = malloc(sizeof *def);
    if (!def)
        return;
    rlc_config_default(def);
    catalog cat;
    catalog_init(&cat);
    int width = 0; /* of the "[section] key" column */
    for (size_t s = 0; s < cat.n_sec; s++)
        for (size_t i = 0; i < cat.sec[s].n_rows; i++) {
            int w = (int)(strlen(cat.sec[s].name) + strlen(cat.sec[s].rows[i].key) + 3);
            if (w > width)
                width = w;
        }
    for (size_t s = 0; s < cat.n_sec; s++)
        for (size_t i = 0; i < cat.sec[s].n_rows; i++) {
            row_ref ref = {&cat.sec[s], &cat.sec[s].rows[i], cat.sec[s].first + i};
            char name[2 * RLC_CONFIG_NAME_MAX + 4], value[RLC_SETTING_VALUE_MAX], range[128];
            snprintf(name, sizeof name, "[%s] %s", cat.sec[s].name, ref.r->key);
            if (ref.r->required)
                snprintf(value, sizeof value, "(required)");
            else
                rlc_setting_format(ref.r, section_struct(def, ref.sec), value, sizeof value);
            range_text(&ref, range, sizeof range);
            fprintf(f, "%-*s %-6s %-12s %-18s \xe2\x80\x94 %s\n", width, name,
                    ref.r == &run_rows[0] ? "choice" : rlc_setting_type_name(ref.r), value, range,
                    ref.r->help);
        }
    free(def);
}
