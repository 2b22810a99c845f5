/* config.c — the run configuration (contract in include/rlc/config.h): one
 * table of settings drives INI parsing (through libinih), --set overrides,
 * validation, the resolved INI dump and the help text.
 * Deliberately not here: defaults of algorithm sections (each algorithm owns
 * them: rlc_ddpg_config_default, rlc_ppo_config_default, rlc_a2c_config_default),
 * multi-line values, quoting or escapes,
 * empty sections (a [section] line without keys is not checked, but "[]" is
 * a syntax error), printing and exiting (callers get a status and a message). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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

/* ---- the settings table ------------------------------------------------ */

typedef enum setting_kind {
    KIND_SIZE,  /* size_t, whole number in [ilo, ihi] */
    KIND_U64,   /* uint64_t, whole number in [ilo, ihi] */
    KIND_REAL,  /* double, finite, in lo..hi (ends open per `open`) */
    KIND_ENUM,  /* int-sized enum; the value is the index into `choices` */
    KIND_BOOL,  /* bool: true/false (also 1/0, yes/no, on/off, any case) */
    KIND_ALGO,  /* char[RLC_CONFIG_NAME_MAX]: the name of an algorithm section */
    KIND_NAME,  /* char[RLC_CONFIG_NAME_MAX]: a free name (checked by validate) */
    KIND_SIZES  /* size_t[max_count] list, entries in [ilo, ihi], count at count_offset */
} setting_kind;

enum { OPEN_LO = 1, OPEN_HI = 2 };

typedef struct setting {
    const char *section;
    const char *key;
    setting_kind kind;
    size_t offset;       /* offsetof(rlc_config, field) */
    size_t count_offset; /* KIND_SIZES: offsetof the entry count */
    size_t max_count;    /* KIND_SIZES: capacity of the list (min count is 1) */
    uint64_t ilo, ihi;   /* whole numbers (and each KIND_SIZES entry) */
    double lo, hi;       /* KIND_REAL */
    unsigned open;       /* KIND_REAL: OPEN_LO and/or OPEN_HI */
    const char *const *choices; /* KIND_ENUM: index = enum value; NULL = not offered */
    size_t n_choices;           /* KIND_ENUM: entries of `choices` */
    bool required;              /* every config file must set it */
    const char *help;
} setting;

/* An INI section. An algorithm section is named after the algorithm ([run]
 * algo) and holds its settings; the action spaces it supports are checked
 * by validate. Adding an algorithm: one row here, one block in settings[]
 * and its settings struct in rlc_config. */
typedef struct section_info {
    const char *name;
    bool algorithm;
    bool box_actions;      /* algorithm handles Box action spaces */
    bool discrete_actions; /* algorithm handles Discrete action spaces */
    size_t settings;       /* algorithm: offset of its settings struct in rlc_config */
} section_info;

static const section_info sections[] = {
    {"run", false, false, false, 0},
    {"eval", false, false, false, 0},
    {"ddpg", true, true, false, offsetof(rlc_config, ddpg)},
    {"ppo", true, true, true, offsetof(rlc_config, ppo)},
    {"a2c", true, true, true, offsetof(rlc_config, a2c)},
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

static const char *const noise_names[] = {
    [RLC_NOISE_NORMAL] = "normal", [RLC_NOISE_OU] = "ou", [RLC_NOISE_NONE] = "none",
};
static const char *const schedule_names[] = {
    [RLC_SCHEDULE_CONSTANT] = "constant", [RLC_SCHEDULE_LINEAR] = "linear",
};
static const char *const activation_names[] = {
    [RLC_ACT_RELU] = "relu", [RLC_ACT_TANH] = "tanh", /* identity is not offered */
};
_Static_assert(sizeof(rlc_action_noise) == sizeof(int), "KIND_ENUM stores an int");
_Static_assert(sizeof(rlc_schedule) == sizeof(int), "KIND_ENUM stores an int");
_Static_assert(sizeof(rlc_activation) == sizeof(int), "KIND_ENUM stores an int");

#define F(field) offsetof(rlc_config, field)
#define WHOLE(sec, k, kind_, field, lo_, hi_, help_) \
    {.section = sec, .key = k, .kind = kind_, .offset = F(field), .ilo = lo_, .ihi = hi_, .help = help_}
#define SIZE(sec, k, field, lo_, help_) WHOLE(sec, k, KIND_SIZE, field, lo_, SIZE_MAX, help_)
#define REAL(sec, k, field, lo_, hi_, open_, help_) \
    {.section = sec, .key = k, .kind = KIND_REAL, .offset = F(field), .lo = lo_, .hi = hi_, \
     .open = open_, .help = help_}
#define ENUM(sec, k, field, names, help_) \
    {.section = sec, .key = k, .kind = KIND_ENUM, .offset = F(field), .choices = names, \
     .n_choices = sizeof names / sizeof names[0], .help = help_}
#define BOOL(sec, k, field, help_) \
    {.section = sec, .key = k, .kind = KIND_BOOL, .offset = F(field), .help = help_}
#define NET_ARCH(sec, field, count, help_) \
    {.section = sec, .key = "net_arch", .kind = KIND_SIZES, .offset = F(field), \
     .count_offset = F(count), .max_count = RLC_MAX_HIDDEN, .ilo = 1, .ihi = 65536, .help = help_}
/* The rlc_policy_config keys of an on-policy algorithm section. */
#define POLICY_ROWS(sec, p) \
    NET_ARCH(sec, p.net_arch, p.n_hidden, "hidden layer widths, actor and critic alike"), \
    ENUM(sec, "activation_fn", p.activation_fn, activation_names, "hidden-layer activation"), \
    BOOL(sec, "ortho_init", p.ortho_init, \
         "orthogonal init, gains sqrt(2) hidden, 0.01 policy head, 1 value head"), \
    REAL(sec, "log_std_init", p.log_std_init, -INFINITY, INFINITY, OPEN_LO | OPEN_HI, \
         "initial log std of the Gaussian policy (Box actions)"), \
    BOOL(sec, "norm_obs", p.norm_obs, \
         "normalise observations by their running mean and variance"), \
    REAL(sec, "clip_obs", p.clip_obs, 0, INFINITY, OPEN_LO | OPEN_HI, \
         "clip normalised observations to +-clip_obs")

static const setting settings[] = {
    {.section = "run", .key = "algo", .kind = KIND_ALGO, .offset = F(algo), .required = true,
     .help = "algorithm to train; its settings are the section of that name"},
    {.section = "run", .key = "env_id", .kind = KIND_NAME, .offset = F(env_id), .required = true,
     .help = "Gymnasium environment id (see `rlc list`)"},
    WHOLE("run", "seed", KIND_U64, seed, 0, UINT64_MAX,
          "run seed; every random stream derives from it"),
    SIZE("run", "total_timesteps", total_timesteps, 1,
         "environment steps to train for (ppo, a2c: whole rollouts, rounded down, at least one)"),
    SIZE("run", "log_interval", log_interval, 1,
         "environment steps between progress lines (ddpg: and progress.csv rows; ppo, a2c write"
         " a row per update)"),

    SIZE("eval", "eval_freq", eval_freq, 0,
         "environment steps between evaluations; 0 = only at the end"),
    WHOLE("eval", "n_eval_episodes", KIND_SIZE, n_eval_episodes, 1, 1024,
          "deterministic episodes per evaluation, each on its own env copy"),

    REAL("ddpg", "learning_rate", ddpg.learning_rate, 0, 1, OPEN_LO,
         "Adam step size, actor and critic"),
    SIZE("ddpg", "buffer_size", ddpg.buffer_size, 1, "replay capacity, transitions"),
    SIZE("ddpg", "learning_starts", ddpg.learning_starts, 0,
         "steps of uniformly random actions, without updates, before learning"),
    SIZE("ddpg", "batch_size", ddpg.batch_size, 1,
         "transitions per gradient step (at most buffer_size)"),
    REAL("ddpg", "tau", ddpg.tau, 0, 1, OPEN_LO,
         "Polyak coefficient: target <- tau*online + (1-tau)*target"),
    REAL("ddpg", "gamma", ddpg.gamma, 0, 1, 0, "discount factor"),
    SIZE("ddpg", "train_freq", ddpg.train_freq, 1, "environment steps between training phases"),
    SIZE("ddpg", "gradient_steps", ddpg.gradient_steps, 1, "gradient steps per training phase"),
    NET_ARCH("ddpg", ddpg.net_arch, ddpg.n_hidden, "hidden layer widths, actor and critic alike"),
    ENUM("ddpg", "action_noise", ddpg.action_noise, noise_names,
         "exploration noise: i.i.d. Gaussian, Ornstein-Uhlenbeck, or none"),
    REAL("ddpg", "noise_std", ddpg.noise_std, 0, INFINITY, OPEN_HI,
         "noise sigma as a fraction of the action half-range (high-low)/2"),
    REAL("ddpg", "ou_theta", ddpg.ou_theta, 0, INFINITY, OPEN_HI, "OU mean-reversion rate"),
    REAL("ddpg", "ou_dt", ddpg.ou_dt, 0, INFINITY, OPEN_LO | OPEN_HI, "OU time step"),

    WHOLE("ppo", "n_envs", KIND_SIZE, ppo.n_envs, 1, 1024,
          "environment copies stepped in lockstep"),
    SIZE("ppo", "n_steps", ppo.n_steps, 1, "steps per environment copy per rollout"),
    SIZE("ppo", "batch_size", ppo.batch_size, 1, "minibatch size (at most n_steps * n_envs)"),
    SIZE("ppo", "n_epochs", ppo.n_epochs, 1, "passes over each rollout"),
    REAL("ppo", "learning_rate", ppo.learning_rate, 0, 1, OPEN_LO, "Adam step size at the start"),
    ENUM("ppo", "lr_schedule", ppo.lr_schedule, schedule_names,
         "learning_rate constant, or linear decay to 0 at the end"),
    REAL("ppo", "gamma", ppo.gamma, 0, 1, 0, "discount factor"),
    REAL("ppo", "gae_lambda", ppo.gae_lambda, 0, 1, 0,
         "GAE bias-variance trade-off (1 = Monte Carlo returns)"),
    REAL("ppo", "clip_range", ppo.clip_range, 0, 10, OPEN_LO,
         "clipping epsilon of the surrogate objective at the start"),
    ENUM("ppo", "clip_range_schedule", ppo.clip_range_schedule, schedule_names,
         "clip_range constant, or linear decay to 0 at the end"),
    REAL("ppo", "clip_range_vf", ppo.clip_range_vf, 0, INFINITY, OPEN_HI,
         "clipping of the value function around the old values; 0 = off"),
    BOOL("ppo", "normalize_advantage", ppo.normalize_advantage,
         "normalise advantages per minibatch"),
    REAL("ppo", "ent_coef", ppo.ent_coef, 0, INFINITY, OPEN_HI, "entropy coefficient of the loss"),
    REAL("ppo", "vf_coef", ppo.vf_coef, 0, INFINITY, OPEN_HI,
         "value-function coefficient of the loss"),
    REAL("ppo", "max_grad_norm", ppo.max_grad_norm, 0, INFINITY, OPEN_LO | OPEN_HI,
         "maximum global norm of the gradient (clipping)"),
    REAL("ppo", "target_kl", ppo.target_kl, 0, INFINITY, OPEN_HI,
         "stop an update early once approx KL > 1.5 * target_kl; 0 = off"),
    BOOL("ppo", "norm_reward", ppo.norm_reward,
         "scale rewards by the running std of the discounted return"),
    POLICY_ROWS("ppo", ppo.policy),

    WHOLE("a2c", "n_envs", KIND_SIZE, a2c.n_envs, 1, 1024,
          "environment copies stepped in lockstep"),
    SIZE("a2c", "n_steps", a2c.n_steps, 1, "steps per environment copy per update"),
    REAL("a2c", "learning_rate", a2c.learning_rate, 0, 1, OPEN_LO,
         "optimizer step size at the start"),
    ENUM("a2c", "lr_schedule", a2c.lr_schedule, schedule_names,
         "learning_rate constant, or linear decay to 0 at the end"),
    REAL("a2c", "gamma", a2c.gamma, 0, 1, 0, "discount factor"),
    REAL("a2c", "gae_lambda", a2c.gae_lambda, 0, 1, 0,
         "GAE bias-variance trade-off (1 = Monte Carlo returns)"),
    REAL("a2c", "ent_coef", a2c.ent_coef, 0, INFINITY, OPEN_HI, "entropy coefficient of the loss"),
    REAL("a2c", "vf_coef", a2c.vf_coef, 0, INFINITY, OPEN_HI,
         "value-function coefficient of the loss"),
    REAL("a2c", "max_grad_norm", a2c.max_grad_norm, 0, INFINITY, OPEN_LO | OPEN_HI,
         "maximum global norm of the gradient (clipping)"),
    BOOL("a2c", "use_rms_prop", a2c.use_rms_prop, "RMSprop (alpha 0.99) if true, else Adam"),
    REAL("a2c", "rms_prop_eps", a2c.rms_prop_eps, 0, INFINITY, OPEN_LO | OPEN_HI,
         "RMSprop epsilon (denominator stabiliser)"),
    BOOL("a2c", "normalize_advantage", a2c.normalize_advantage,
         "normalise advantages of each rollout"),
    BOOL("a2c", "norm_reward", a2c.norm_reward,
         "scale rewards by the running std of the discounted return"),
    POLICY_ROWS("a2c", a2c.policy),
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

#define VALUE_MAX 256 /* longest value accepted, after trimming */
_Static_assert(N_SETTINGS <= RLC_CONFIG_MAX_SETTINGS, "raise RLC_CONFIG_MAX_SETTINGS");

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

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static const section_info *find_section(const char *name)
{
    for (size_t i = 0; i < N_SECTIONS; i++)
        if (strcmp(sections[i].name, name) == 0)
            return &sections[i];
    return NULL;
}

static const setting *find_setting(const char *section, const char *key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

/* ---- origins of values ---------------------------------------------------- */

static size_t row_index(const setting *r)
{
    return (size_t)(r - settings);
}

/* Record "path:line" as the origin of row i; a path too long for the
 * field keeps its end ("...s/ddpg.ini:3"). */
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
 * it keeps its start ("--set ddpg.net_arch=1, 2, ..."). */
static void set_origin_set(rlc_config *cfg, size_t i, const char *assignment)
{
    char *o = cfg->origin[i];
    if ((size_t)snprintf(o, RLC_CONFIG_ORIGIN_MAX, "--set %s", assignment) >= RLC_CONFIG_ORIGIN_MAX)
        strcpy(o + RLC_CONFIG_ORIGIN_MAX - 4, "...");
}

/* The origin of section/key, or "" (default, set in code, or a field that
 * is not a string: a config not made by rlc_config_default). */
static const char *origin_of(const rlc_config *cfg, const char *section, const char *key)
{
    const setting *r = find_setting(section, key);
    const char *o = cfg->origin[row_index(r)];
    return memchr(o, '\0', RLC_CONFIG_ORIGIN_MAX) ? o : "";
}

static bool is_algorithm(const char *name)
{
    const section_info *s = find_section(name);
    return s && s->algorithm;
}

const void *rlc_config_algo_settings(const rlc_config *cfg)
{
    const section_info *s = find_section(cfg->algo);
    return s && s->algorithm ? (const char *)cfg + s->settings : NULL;
}

/* Whether the row is read, written and validated for algorithm `algo`:
 * common sections always, algorithm sections only for their algorithm. */
static bool row_applies(const setting *r, const char *algo)
{
    const section_info *s = find_section(r->section);
    return !s->algorithm || strcmp(r->section, algo) == 0;
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
 * than 5 characters ("foo" is not a typo of "ppo"), else 2. */
static int suggest_limit(const char *typed)
{
    return strlen(typed) < 5 ? 1 : 2;
}

/* " (did you mean ...?)" for an unknown key, or "". Prefers a key of the
 * same section within edit distance 2, then the same key in another section. */
static void suggest_key(const char *section, const char *key, char *out, size_t n)
{
    const setting *best = NULL;
    int best_d = suggest_limit(key) + 1;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (strcmp(settings[i].section, section) != 0)
            continue;
        int d = edit_distance(key, settings[i].key);
        if (d < best_d) {
            best_d = d;
            best = &settings[i];
        }
    }
    if (best) {
        snprintf(out, n, " (did you mean '%s'?)", best->key);
        return;
    }
    /* the sections that have the key: " (it belongs in [a], [b] or [c])" */
    const setting *found[N_SECTIONS];
    size_t n_found = 0;
    for (size_t i = 0; i < N_SETTINGS && n_found < N_SECTIONS; i++)
        if (strcmp(settings[i].key, key) == 0)
            found[n_found++] = &settings[i];
    out[0] = '\0';
    if (!n_found)
        return;
    size_t used = 0;
    for (size_t i = 0; i < n_found; i++) {
        int w = snprintf(out + used, n - used, "%s[%s]",
                         i == 0 ? " (it belongs in " : i + 1 == n_found ? " or " : ", ",
                         found[i]->section);
        if (w < 0 || (size_t)w >= n - used)
            return;
        used += (size_t)w;
    }
    snprintf(out + used, n - used, ")");
}

static void suggest_section(const char *section, char *out, size_t n)
{
    out[0] = '\0';
    int best_d = suggest_limit(section) + 1;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        int d = edit_distance(section, sections[i].name);
        if (d < best_d) {
            best_d = d;
            snprintf(out, n, " (did you mean [%s]?)", sections[i].name);
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

/* Shortest "%.Ng" (N = 1..17) that strtod reads back as exactly x, with
 * whole numbers below 1e16 in plain digits ("10", not "1e+01"). */
static void format_real(double x, char *buf, size_t n)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    /* a positive exponent in %g output means x is a whole number */
    const char *e = strchr(buf, 'e');
    if (e && e[1] == '+' && fabs(x) < 1e16)
        snprintf(buf, n, "%.0f", x);
}

/* ---- parsing values ----------------------------------------------------- */

/* Only decimal notation: this keeps out "inf", "nan" and hex floats. */
static bool decimal_chars(const char *s)
{
    return *s && strspn(s, "0123456789+-.eE") == strlen(s);
}

/* strtod of the whole string, finite. */
static bool parse_real(const char *s, double *out)
{
    if (!decimal_chars(s))
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* Whether a decimal number as written (already accepted by strtod) has no
 * nonzero digit below the units place once its exponent is applied. */
static bool written_integral(const char *s)
{
    const char *e = strpbrk(s, "eE");
    long exp = 0;
    if (e) {
        errno = 0;
        exp = strtol(e + 1, NULL, 10);
        if (exp > 100000 || errno == ERANGE)
            exp = 100000;
        if (exp < -100000)
            exp = -100000;
    }
    size_t len = e ? (size_t)(e - s) : strlen(s);
    const char *dot = memchr(s, '.', len);
    size_t int_end = dot ? (size_t)(dot - s) : len;
    long pos = 0; /* decimal place of the digit: 0 = units, -1 = tenths */
    for (size_t i = 0; i < int_end; i++)
        if (s[i] >= '0' && s[i] <= '9')
            pos++;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        pos--;
        if (s[i] != '0' && pos + exp < 0)
            return false;
    }
    return true;
}

/* A whole number >= 0: plain digits (exact up to UINT64_MAX) or any decimal
 * notation that is integral as written ("1e5", "2.0e4"), up to 2^53 so that
 * strtod's value is exact. Writes the reason on failure; `range` (">= 1",
 * "[1, 1024]") is the key's, for "expected a whole number >= 1, got '-5'".
 * The caller checks the range itself. */
static bool parse_whole(const char *s, const char *range, uint64_t *out, char *why, size_t n)
{
    const char *p = s[0] == '+' ? s + 1 : s;
    if (*p && strspn(p, "0123456789") == strlen(p)) {
        errno = 0;
        unsigned long long v = strtoull(p, NULL, 10);
        if (errno == ERANGE
#if ULLONG_MAX > UINT64_MAX
            || v > UINT64_MAX
#endif
        ) {
            snprintf(why, n, "'%s' is too large (at most %" PRIu64 ")", s, UINT64_MAX);
            return false;
        }
        *out = v;
        return true;
    }
    double d;
    if (!parse_real(s, &d) || !written_integral(s) || d < 0) {
        snprintf(why, n, "expected a whole number %s%s, got '%s'", range[0] == '[' ? "in " : "",
                 range, s);
        return false;
    }
    if (d >= 18446744073709551616.0) { /* 2^64 */
        snprintf(why, n, "'%s' is too large (at most %" PRIu64 ")", s, UINT64_MAX);
        return false;
    }
    if (d > 9007199254740992.0) { /* 2^53: strtod's value may be inexact */
        snprintf(why, n, "'%s' is too large for this notation; write it with digits only", s);
        return false;
    }
    *out = (uint64_t)d;
    return true;
}

/* true/1/yes/on or false/0/no/off, in any case. */
static bool parse_bool(const char *s, bool *out)
{
    static const char *const words[][2] = {
        {"false", "true"}, {"0", "1"}, {"no", "yes"}, {"off", "on"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (int v = 0; v < 2; v++) {
            const char *a = s, *b = words[i][v];
            while (*a && *b && (*a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a) == *b)
                a++, b++;
            if (!*a && !*b) {
                *out = v;
                return true;
            }
        }
    return false;
}

/* ---- ranges ---------------------------------------------------------------- */

static void whole_range_text(uint64_t lo, uint64_t hi, uint64_t type_max, char *buf, size_t n)
{
    if (hi == type_max)
        snprintf(buf, n, ">= %" PRIu64, lo);
    else
        snprintf(buf, n, "[%" PRIu64 ", %" PRIu64 "]", lo, hi);
}

/* The accepted values of a row, as shown in help and error messages. */
static void range_text(const setting *r, char *buf, size_t n)
{
    char a[32], b[32];
    switch (r->kind) {
    case KIND_SIZE:
        whole_range_text(r->ilo, r->ihi, SIZE_MAX, buf, n);
        break;
    case KIND_U64:
        whole_range_text(r->ilo, r->ihi, UINT64_MAX, buf, n);
        break;
    case KIND_REAL:
        format_real(r->lo, a, sizeof a);
        if (isinf(r->lo) && isinf(r->hi)) {
            snprintf(buf, n, "finite");
        } else if (isinf(r->hi)) {
            snprintf(buf, n, "%s %s", r->open & OPEN_LO ? ">" : ">=", a);
        } else {
            format_real(r->hi, b, sizeof b);
            snprintf(buf, n, "%c%s, %s%c", r->open & OPEN_LO ? '(' : '[', a, b,
                     r->open & OPEN_HI ? ')' : ']');
        }
        break;
    case KIND_BOOL:
        snprintf(buf, n, "true|false");
        break;
    case KIND_ENUM:
    case KIND_ALGO: {
        size_t used = 0;
        buf[0] = '\0';
        size_t count = r->kind == KIND_ENUM ? r->n_choices : N_SECTIONS;
        for (size_t i = 0; i < count; i++) {
            const char *name;
            if (r->kind == KIND_ENUM)
                name = r->choices[i];
            else
                name = sections[i].algorithm ? sections[i].name : NULL;
            if (!name)
                continue;
            int w = snprintf(buf + used, n - used, "%s%s", used ? "|" : "", name);
            if (w < 0 || (size_t)w >= n - used)
                break;
            used += (size_t)w;
        }
        break;
    }
    case KIND_NAME:
        snprintf(buf, n, "a registered id");
        break;
    case KIND_SIZES:
        whole_range_text(r->ilo, r->ihi, SIZE_MAX, a, sizeof a);
        snprintf(buf, n, "1-%zu of %s", r->max_count, a);
        break;
    }
}

static bool whole_in_range(const setting *r, uint64_t v)
{
    return v >= r->ilo && v <= r->ihi;
}

static bool real_in_range(const setting *r, double v)
{
    bool lo_ok = r->open & OPEN_LO ? v > r->lo : v >= r->lo;
    bool hi_ok = r->open & OPEN_HI ? v < r->hi : v <= r->hi;
    return isfinite(v) && lo_ok && hi_ok;
}

static void out_of_range(const setting *r, const char *value, char *why, size_t n)
{
    char range[96];
    range_text(r, range, sizeof range);
    snprintf(why, n, "%s is out of range (must be %s%s)", value,
             range[0] == '[' || range[0] == '(' ? "in " : "", range);
}

/* A name: non-empty, printable, no whitespace or comment characters (so the
 * resolved INI reads it back unchanged), shorter than RLC_CONFIG_NAME_MAX. */
static bool name_ok(const char *s, char *why, size_t n)
{
    size_t len = strlen(s);
    if (len == 0) {
        snprintf(why, n, "expected a name, got ''");
        return false;
    }
    if (len >= RLC_CONFIG_NAME_MAX) {
        snprintf(why, n, "'%s' is longer than %d characters", s, RLC_CONFIG_NAME_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~' || s[i] == ';' || s[i] == '#') {
            snprintf(why, n, "'%s' contains a space, control character, ';' or '#'", s);
            return false;
        }
    return true;
}

/* ---- applying one value ------------------------------------------------- */

/* Parse `value` (already cleaned) for row r and store it in cfg. On failure
 * cfg is unchanged and `why` holds the reason. */
static bool parse_into(rlc_config *cfg, const setting *r, const char *value, char *why, size_t n)
{
    char *field = (char *)cfg + r->offset;
    switch (r->kind) {
    case KIND_SIZE:
    case KIND_U64: {
        uint64_t v;
        char range[64];
        range_text(r, range, sizeof range);
        if (!parse_whole(value, range, &v, why, n))
            return false;
        if (!whole_in_range(r, v)) {
            out_of_range(r, value, why, n);
            return false;
        }
        if (r->kind == KIND_SIZE) {
            size_t s = (size_t)v;
            memcpy(field, &s, sizeof s);
        } else {
            memcpy(field, &v, sizeof v);
        }
        return true;
    }
    case KIND_REAL: {
        double d;
        if (!parse_real(value, &d)) {
            snprintf(why, n, "expected a finite decimal number, got '%s'", value);
            return false;
        }
        if (!real_in_range(r, d)) {
            out_of_range(r, value, why, n);
            return false;
        }
        memcpy(field, &d, sizeof d);
        return true;
    }
    case KIND_ENUM:
    case KIND_ALGO: {
        bool found = false;
        int index = 0;
        if (r->kind == KIND_ENUM) {
            for (size_t i = 0; i < r->n_choices && !found; i++)
                if (r->choices[i] && strcmp(r->choices[i], value) == 0) {
                    found = true;
                    index = (int)i;
                }
        } else {
            found = is_algorithm(value);
        }
        if (!found) {
            char range[96];
            range_text(r, range, sizeof range);
            snprintf(why, n, "'%s' is not one of %s", value, range);
            return false;
        }
        if (r->kind == KIND_ENUM)
            memcpy(field, &index, sizeof index);
        else
            strcpy(field, value); /* an algorithm name, shorter than the field */
        return true;
    }
    case KIND_BOOL: {
        bool b;
        if (!parse_bool(value, &b)) {
            snprintf(why, n, "expected true or false, got '%s'", value);
            return false;
        }
        memcpy(field, &b, sizeof b);
        return true;
    }
    case KIND_NAME:
        if (!name_ok(value, why, n))
            return false;
        strcpy(field, value);
        return true;
    case KIND_SIZES: {
        size_t list[64], count = 0;
        const char *p = value;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char item[VALUE_MAX];
            memcpy(item, p, len);
            item[len] = '\0';
            char clean[VALUE_MAX];
            clean_value(item, clean, sizeof clean);
            if (!clean[0]) {
                snprintf(why, n, "expected %zu to %zu whole numbers separated by commas, got '%s'",
                         (size_t)1, r->max_count, value);
                return false;
            }
            if (count == r->max_count || count == sizeof list / sizeof list[0]) {
                snprintf(why, n, "more than %zu entries in '%s'", r->max_count, value);
                return false;
            }
            uint64_t v;
            char item_why[VALUE_MAX + 64], range[64];
            whole_range_text(r->ilo, r->ihi, SIZE_MAX, range, sizeof range);
            if (!parse_whole(clean, range, &v, item_why, sizeof item_why)) {
                snprintf(why, n, "entry %zu: %s", count + 1, item_why);
                return false;
            }
            if (!whole_in_range(r, v)) {
                snprintf(why, n, "entry %zu: %s is out of range (must be in %s)", count + 1,
                         clean, range);
                return false;
            }
            list[count++] = (size_t)v;
            if (!comma)
                break;
            p = comma + 1;
        }
        memcpy(field, list, count * sizeof list[0]);
        memcpy((char *)cfg + r->count_offset, &count, sizeof count);
        return true;
    }
    }
    return false;
}

/* The result of looking up and applying "[section] key = value". */
typedef enum apply_result { APPLIED, BAD_SECTION, BAD_KEY } apply_result;

/* Find the row of section/key and parse the raw value into cfg. On failure
 * writes "[section] key: reason" (or "[section]: reason") to msg. */
static apply_result apply(rlc_config *cfg, const char *section, const char *key, const char *raw,
                          const setting **row, char *msg, size_t n)
{
    char hint[96];
    *row = NULL;
    if (!find_section(section)) {
        suggest_section(section, hint, sizeof hint);
        snprintf(msg, n, "[%s]: unknown section%s", section, hint);
        return BAD_SECTION;
    }
    const setting *r = find_setting(section, key);
    if (!r) {
        suggest_key(section, key, hint, sizeof hint);
        snprintf(msg, n, "[%s] %s: unknown key%s", section, key, hint);
        return BAD_KEY;
    }
    *row = r;
    char value[VALUE_MAX];
    char why[VALUE_MAX + 128];
    if (!clean_value(raw, value, sizeof value)) {
        snprintf(msg, n, "[%s] %s: value longer than %d characters", section, key, VALUE_MAX - 1);
        return BAD_KEY;
    }
    if (!parse_into(cfg, r, value, why, sizeof why)) {
        snprintf(msg, n, "[%s] %s: %s", section, key, why);
        return BAD_KEY;
    }
    return APPLIED;
}

/* ---- loading a file ------------------------------------------------------- */

typedef struct load_ctx {
    rlc_config *cfg;      /* a copy; committed only on success */
    FILE *f;
    int line;             /* lines read so far = the line inih is on */
    int header_line;      /* line of the last "[section]" line read */
    int read_errno;       /* errno of a failed read */
    int err_line;         /* line of the first error, 0 = none yet */
    char err[400];        /* its "[section] key: reason" */
    const char *value;    /* the value of the current key line (in buf), or NULL */
    int set_line[N_SETTINGS];     /* line each key was set on, 0 = not set */
    int section_line[N_SECTIONS]; /* header line of each section used */
    char buf[RLC_CONFIG_LINE_MAX + 1]; /* the current line */
} load_ctx;

static void load_error(load_ctx *c, const char *fmt, ...)
{
    c->err_line = c->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

/* A byte that has no place in a text file: the C0 controls but tab, CR, VT
 * and FF (whitespace to inih and us), and DEL. */
static bool is_control(int ch)
{
    return (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\v' && ch != '\f') || ch == 0x7F;
}

/* Read one line, without its "\n" or "\r\n", into c->buf. 1: a line; 0: end
 * of input; -1: an error, recorded. Stops at the first NUL or other control
 * byte and as soon as the line outgrows RLC_CONFIG_LINE_MAX, so neither
 * /dev/zero nor an endless line is read for ever. */
static int read_line(load_ctx *c)
{
    int ch = getc(c->f);
    if (ch == EOF) {
        if (ferror(c->f))
            c->read_errno = errno;
        return ferror(c->f) ? -1 : 0;
    }
    c->line++;
    size_t len = 0;
    for (; ch != EOF && ch != '\n'; ch = getc(c->f)) {
        if (ch == '\0') {
            load_error(c, "contains a NUL byte (not a text file?)");
            return -1;
        }
        if (is_control(ch)) {
            load_error(c, "contains control character 0x%02X (not a text file?)", (unsigned)ch);
            return -1;
        }
        if (len == RLC_CONFIG_LINE_MAX) {
            int next = ch == '\r' ? getc(c->f) : 0;
            if (next == '\n' || next == EOF) { /* "\r\n" or "\r" at the end: the line end */
                ch = next;
                break;
            }
            load_error(c, "line longer than %d characters", RLC_CONFIG_LINE_MAX);
            return -1;
        }
        c->buf[len++] = (char)ch;
    }
    if (ch == EOF && ferror(c->f)) {
        c->read_errno = errno;
        return -1;
    }
    c->buf[len] = '\0';
    return 1;
}

/* Longest section name or key handed to inih as it is: longer ones are
 * never valid, and inih cuts section names at 49 characters without a word. */
#define NAME_SHOWN 40

/* Write open + name[0, len) + close to str (num bytes), shortening a name
 * longer than `max` (or than fits) to "xxx...". */
static void emit(char *str, int num, const char *open, const char *name, size_t len,
                 const char *close, size_t max)
{
    size_t room = (size_t)num - 1 - strlen(open) - strlen(close);
    if (room > max)
        room = max;
    const char *dots = "";
    if (len > room) {
        len = room > 3 ? room - 3 : 0;
        dots = "...";
    }
    snprintf(str, (size_t)num, "%s%.*s%s%s", open, (int)len, name, dots, close);
}

/* inih reader: one line per call like fgets, so inih's line numbers equal
 * ours. The line is read whole (up to RLC_CONFIG_LINE_MAX, whatever inih's
 * buffer) and handed over digested, so inih's 200-byte buffer limits
 * nothing: without comments (full-line ones, and " ;..." or " #..." inline)
 * and surrounding whitespace; a key line as "key=" with its value kept in
 * c->value for the handler; a section name or key longer than NAME_SHOWN
 * (never a valid one) shortened to "xxx...". Dropping leading
 * whitespace turns off inih's multi-line values (an indented line would
 * continue the previous value) and lets keys be indented. Returns NULL (end
 * of input) once an error is recorded, so parsing and reading stop at the
 * first error. */
static char *load_read_line(char *str, int num, void *stream)
{
    load_ctx *c = stream;
    c->value = NULL;
    if (num < 16) /* never: inih's buffer is INI_MAX_LINE (200) bytes */
        c->read_errno = EINVAL;
    if (c->err_line || c->read_errno || read_line(c) <= 0)
        return NULL;
    char *p = c->buf;
    if (c->line == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    while (is_blank(*p))
        p++;
    size_t end = 0;
    while (p[end] && !((p[end] == ';' || p[end] == '#') && (end == 0 || is_blank(p[end - 1]))))
        end++;
    while (end > 0 && is_blank(p[end - 1]))
        end--;
    p[end] = '\0';

    char *sep;
    if (p[0] == '[') {
        c->header_line = c->line;
        char *close = strchr(p, ']');
        if (!close) {
            emit(str, num, "", p, end, "", SIZE_MAX); /* inih's syntax error */
            return str;
        }
        size_t len = (size_t)(close - p - 1), blank = 0;
        while (blank < len && is_blank(p[1 + blank]))
            blank++;
        if (blank == len) {
            load_error(c, "syntax error: empty section name");
            return NULL;
        }
        emit(str, num, "[", p + 1, len, "]", NAME_SHOWN);
    } else if ((sep = strpbrk(p, "=:")) != NULL) {
        char *v = sep + 1;
        while (is_blank(*v))
            v++;
        c->value = v;
        size_t len = (size_t)(sep - p);
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        emit(str, num, "", p, len, "=", NAME_SHOWN);
    } else {
        emit(str, num, "", p, end, "", SIZE_MAX); /* empty, or inih's syntax error */
    }
    return str;
}

static int load_handle(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (c->err_line)
        return 0;
    if (!section[0]) {
        c->err_line = c->line;
        snprintf(c->err, sizeof c->err, "%s: key before the first [section]", name);
        return 0;
    }
    const setting *r = find_setting(section, name);
    if (r && c->set_line[r - settings]) {
        c->err_line = c->line;
        snprintf(c->err, sizeof c->err, "[%s] %s: set twice (first on line %d)", section, name,
                 c->set_line[r - settings]);
        return 0;
    }
    switch (apply(c->cfg, section, name, c->value ? c->value : value, &r, c->err, sizeof c->err)) {
    case BAD_SECTION:
        c->err_line = c->header_line ? c->header_line : c->line;
        return 0;
    case BAD_KEY:
        c->err_line = c->line;
        return 0;
    case APPLIED:
        break;
    }
    c->set_line[r - settings] = c->line;
    size_t s = (size_t)(find_section(section) - sections);
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
    rlc_config copy = *cfg;
    load_ctx c = {.cfg = &copy, .f = f};
    int ret = ini_parse_stream(load_read_line, &c, load_handle, &c);
    fclose(f);
    if (c.read_errno) {
        set_error(err, "%s: %s", path, strerror(c.read_errno));
        return RLC_EIO;
    }
    if (ret == -2) {
        set_error(err, "%s: out of memory", path);
        return RLC_ENOMEM;
    }
    if (ret > 0 && (!c.err_line || ret < c.err_line)) {
        set_error(err, "%s:%d: syntax error: expected '[section]' or 'key = value'", path, ret);
        return RLC_ECONFIG;
    }
    if (c.err_line) {
        set_error(err, "%s:%d: %s", path, c.err_line, c.err);
        return RLC_ECONFIG;
    }
    /* [run] algo may come after the algorithm's section: check at the end. */
    for (size_t s = 0; s < N_SECTIONS; s++)
        if (sections[s].algorithm && c.section_line[s] &&
            strncmp(sections[s].name, copy.algo, RLC_CONFIG_NAME_MAX) != 0) {
            set_error(err, "%s:%d: [%s]: section of algorithm %s, but [run] algo is %.*s", path,
                      c.section_line[s], sections[s].name, sections[s].name,
                      RLC_CONFIG_NAME_MAX - 1, copy.algo);
            return RLC_ECONFIG;
        }
    /* An empty or comment-only file is surely a mistake, not "all defaults". */
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (settings[i].required && !c.set_line[i]) {
            set_error(err, "%s: [%s] %s: missing; every config names its algorithm and environment",
                      path, settings[i].section, settings[i].key);
            return RLC_ECONFIG;
        }
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (c.set_line[i])
            set_origin_file(&copy, i, path, c.set_line[i]);
    *cfg = copy;
    return RLC_OK;
}

/* ---- one override --------------------------------------------------------- */

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
    if (!ok) {
        set_error(err, "--set %s: expected section.key=value, e.g. ddpg.gamma=0.98", assignment);
        return RLC_ECONFIG;
    }
    rlc_config copy = *cfg;
    const setting *r;
    char msg[400];
    if (apply(&copy, section, key, eq + 1, &r, msg, sizeof msg) != APPLIED) {
        set_error(err, "--set %s: %s", assignment, msg);
        return RLC_ECONFIG;
    }
    if (is_algorithm(section) && strncmp(section, copy.algo, RLC_CONFIG_NAME_MAX) != 0) {
        set_error(err, "--set %s: [%s]: section of algorithm %s, but [run] algo is %.*s"
                  " (set run.algo first)", assignment, section, section, RLC_CONFIG_NAME_MAX - 1,
                  copy.algo);
        return RLC_ECONFIG;
    }
    set_origin_set(&copy, row_index(r), assignment);
    *cfg = copy;
    return RLC_OK;
}

/* ---- defaults, validation, output --------------------------------------- */

void rlc_config_default(rlc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->algo, "ddpg");
    strcpy(cfg->env_id, "Pendulum-v1");
    cfg->seed = 1;
    cfg->total_timesteps = 20000;
    cfg->log_interval = 1000;
    cfg->eval_freq = 5000;
    cfg->n_eval_episodes = 10;
    rlc_ddpg_config_default(&cfg->ddpg);
    rlc_ppo_config_default(&cfg->ppo);
    rlc_a2c_config_default(&cfg->a2c);
}

/* Check the stored value of row r against the row; `why` gets the reason. */
static bool check_field(const rlc_config *cfg, const setting *r, char *why, size_t n)
{
    const char *field = (const char *)cfg + r->offset;
    char text[64];
    switch (r->kind) {
    case KIND_SIZE:
    case KIND_U64: {
        uint64_t v;
        if (r->kind == KIND_SIZE) {
            size_t s;
            memcpy(&s, field, sizeof s);
            v = s;
        } else {
            memcpy(&v, field, sizeof v);
        }
        if (whole_in_range(r, v))
            return true;
        snprintf(text, sizeof text, "%" PRIu64, v);
        out_of_range(r, text, why, n);
        return false;
    }
    case KIND_REAL: {
        double d;
        memcpy(&d, field, sizeof d);
        if (real_in_range(r, d))
            return true;
        format_real(d, text, sizeof text);
        out_of_range(r, text, why, n);
        return false;
    }
    case KIND_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        if (v >= 0 && (size_t)v < r->n_choices && r->choices[v])
            return true;
        snprintf(why, n, "invalid value %d", v);
        return false;
    }
    case KIND_BOOL: {
        unsigned char v; /* a bool's object representation, without reading it as bool */
        _Static_assert(sizeof(bool) == 1, "KIND_BOOL reads one byte");
        memcpy(&v, field, 1);
        if (v <= 1)
            return true;
        snprintf(why, n, "invalid value %d", v);
        return false;
    }
    case KIND_ALGO:
    case KIND_NAME:
        if (!memchr(field, '\0', RLC_CONFIG_NAME_MAX)) {
            snprintf(why, n, "not NUL-terminated within %d bytes", RLC_CONFIG_NAME_MAX);
            return false;
        }
        if (r->kind == KIND_NAME)
            return name_ok(field, why, n);
        if (is_algorithm(field))
            return true;
        range_text(r, text, sizeof text);
        snprintf(why, n, "unknown algorithm '%s' (choices: %s)", field, text);
        return false;
    case KIND_SIZES: {
        size_t count, v;
        memcpy(&count, (const char *)cfg + r->count_offset, sizeof count);
        if (count < 1 || count > r->max_count) {
            snprintf(why, n, "%zu entries (must be 1 to %zu)", count, r->max_count);
            return false;
        }
        for (size_t i = 0; i < count; i++) {
            memcpy(&v, field + i * sizeof v, sizeof v);
            if (!whole_in_range(r, v)) {
                char range[64];
                whole_range_text(r->ilo, r->ihi, SIZE_MAX, range, sizeof range);
                snprintf(why, n, "entry %zu: %zu is out of range (must be in %s)", i + 1, v, range);
                return false;
            }
        }
        return true;
    }
    }
    return false;
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

rlc_status rlc_config_validate(const rlc_config *cfg, rlc_config_error *err)
{
    if (!cfg) {
        set_error(err, "rlc_config_validate: NULL argument");
        return RLC_EINVAL;
    }
    char why[320];
    /* algo first: it decides which rows apply */
    const setting *algo_row = find_setting("run", "algo");
    if (!check_field(cfg, algo_row, why, sizeof why))
        return invalid(err, origin_of(cfg, "run", "algo"), "[run] algo: %s", why);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *r = &settings[i];
        if (row_applies(r, cfg->algo) && !check_field(cfg, r, why, sizeof why))
            return invalid(err, origin_of(cfg, r->section, r->key), "[%s] %s: %s", r->section,
                           r->key, why);
    }
    /* A check between settings names the first of them that the user set
     * (so its origin points at the user's input), or the first of all. */
    const char *env_origin = origin_of(cfg, "run", "env_id");
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    if (!env) {
        char known[200] = "";
        size_t used = 0;
        for (size_t i = 0; rlc_env_registry[i] && used < sizeof known; i++) {
            int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             rlc_env_registry[i]->id);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return invalid(err, env_origin, "[run] env_id: unknown environment '%s' (registered: %s)",
                       cfg->env_id, known);
    }
    const section_info *alg = find_section(cfg->algo);
    const rlc_space *as = &env->action_space;
    bool box = as->kind == RLC_SPACE_BOX;
    if ((box && !alg->box_actions) || (!box && !alg->discrete_actions)) {
        char space[48];
        space_text(as, space, sizeof space);
        const char *algo_origin = origin_of(cfg, "run", "algo");
        bool by_algo = !env_origin[0] && algo_origin[0];
        return invalid(err, by_algo ? algo_origin : env_origin,
                       "[run] %s: %s needs a %s action space, %s has %s",
                       by_algo ? "algo" : "env_id", cfg->algo,
                       alg->box_actions ? "continuous (Box)" : "discrete", cfg->env_id, space);
    }
    if (strcmp(cfg->algo, "ddpg") == 0 && cfg->ddpg.batch_size > cfg->ddpg.buffer_size) {
        const char *batch = origin_of(cfg, "ddpg", "batch_size");
        const char *buffer = origin_of(cfg, "ddpg", "buffer_size");
        if (!batch[0] && buffer[0])
            return invalid(err, buffer, "[ddpg] buffer_size: %zu is smaller than batch_size %zu",
                           cfg->ddpg.buffer_size, cfg->ddpg.batch_size);
        return invalid(err, batch, "[ddpg] batch_size: %zu is larger than buffer_size %zu",
                       cfg->ddpg.batch_size, cfg->ddpg.buffer_size);
    }
    if (strcmp(cfg->algo, "ppo") == 0) {
        const rlc_ppo_config *p = &cfg->ppo;
        const char *steps = origin_of(cfg, "ppo", "n_steps");
        const char *envs = origin_of(cfg, "ppo", "n_envs");
        const char *batch = origin_of(cfg, "ppo", "batch_size");
        bool by_envs = !steps[0] && envs[0]; /* n_envs set by the user, n_steps not */
        /* n_envs is in [1, 1024] by now; a rollout too large for size_t holds any batch */
        bool huge = p->n_steps > SIZE_MAX / p->n_envs;
        size_t rollout = huge ? SIZE_MAX : p->n_steps * p->n_envs;
        if (rollout <= 1)
            return invalid(err, by_envs ? envs : steps,
                           "[ppo] %s: n_steps \xc3\x97 n_envs must be greater than 1, got %zu"
                           " \xc3\x97 %zu", by_envs ? "n_envs" : "n_steps", p->n_steps, p->n_envs);
        if (!huge && p->batch_size > rollout) {
            if (!batch[0] && (steps[0] || envs[0]))
                return invalid(err, by_envs ? envs : steps,
                               "[ppo] %s: the rollout n_steps \xc3\x97 n_envs = %zu is smaller"
                               " than batch_size %zu", by_envs ? "n_envs" : "n_steps", rollout,
                               p->batch_size);
            return invalid(err, batch, "[ppo] batch_size: %zu is larger than the rollout"
                           " (n_steps \xc3\x97 n_envs = %zu)", p->batch_size, rollout);
        }
    }
    return RLC_OK;
}

/* The value of row r in INI form (what rlc_config_load reads back). */
static void value_text(const rlc_config *cfg, const setting *r, char *buf, size_t n)
{
    const char *field = (const char *)cfg + r->offset;
    switch (r->kind) {
    case KIND_SIZE: {
        size_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, n, "%zu", v);
        break;
    }
    case KIND_U64: {
        uint64_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, n, "%" PRIu64, v);
        break;
    }
    case KIND_REAL: {
        double d;
        memcpy(&d, field, sizeof d);
        format_real(d, buf, n);
        break;
    }
    case KIND_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        bool ok = v >= 0 && (size_t)v < r->n_choices && r->choices[v];
        snprintf(buf, n, "%s", ok ? r->choices[v] : "?");
        break;
    }
    case KIND_BOOL: {
        unsigned char v;
        memcpy(&v, field, 1);
        snprintf(buf, n, "%s", v == 1 ? "true" : v == 0 ? "false" : "?");
        break;
    }
    case KIND_ALGO:
    case KIND_NAME:
        snprintf(buf, n, "%.*s", RLC_CONFIG_NAME_MAX - 1, field);
        break;
    case KIND_SIZES: {
        size_t count, used = 0;
        memcpy(&count, (const char *)cfg + r->count_offset, sizeof count);
        if (count > r->max_count)
            count = r->max_count;
        buf[0] = '\0';
        for (size_t i = 0; i < count; i++) {
            size_t v;
            memcpy(&v, field + i * sizeof v, sizeof v);
            int w = snprintf(buf + used, n - used, "%s%zu", i ? ", " : "", v);
            if (w < 0 || (size_t)w >= n - used)
                break;
            used += (size_t)w;
        }
        break;
    }
    }
}

rlc_status rlc_config_write(const rlc_config *cfg, FILE *f)
{
    if (!cfg || !f)
        return RLC_EINVAL;
    char algo[RLC_CONFIG_NAME_MAX];
    snprintf(algo, sizeof algo, "%.*s", RLC_CONFIG_NAME_MAX - 1, cfg->algo);
    bool failed = fprintf(f, "# rlc configuration: every setting of the run\n") < 0;
    const char *section = NULL;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *r = &settings[i];
        if (!row_applies(r, algo))
            continue;
        if (!section || strcmp(section, r->section) != 0) {
            section = r->section;
            failed |= fprintf(f, "\n[%s]\n", section) < 0;
        }
        char value[VALUE_MAX];
        value_text(cfg, r, value, sizeof value);
        failed |= fprintf(f, "# %s\n%s = %s\n", r->help, r->key, value) < 0;
    }
    failed |= fflush(f) != 0;
    return failed || ferror(f) ? RLC_EIO : RLC_OK;
}

void rlc_config_print_help(FILE *f)
{
    rlc_config def;
    rlc_config_default(&def);
    int width = 0; /* of the "[section] key" column */
    for (size_t i = 0; i < N_SETTINGS; i++) {
        int w = (int)(strlen(settings[i].section) + strlen(settings[i].key) + 3);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *r = &settings[i];
        static const char *const kind_names[] = {
            [KIND_SIZE] = "int", [KIND_U64] = "int", [KIND_REAL] = "real", [KIND_ENUM] = "choice",
            [KIND_BOOL] = "bool", [KIND_ALGO] = "choice", [KIND_NAME] = "string",
            [KIND_SIZES] = "ints",
        };
        char name[2 * RLC_CONFIG_NAME_MAX + 4], value[VALUE_MAX], range[96];
        snprintf(name, sizeof name, "[%s] %s", r->section, r->key);
        if (r->required)
            snprintf(value, sizeof value, "(required)");
        else
            value_text(&def, r, value, sizeof value);
        range_text(r, range, sizeof range);
        fprintf(f, "%-*s %-6s %-12s %-18s \xe2\x80\x94 %s\n", width, name, kind_names[r->kind],
                value, range, r->help);
    }
}
