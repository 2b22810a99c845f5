/* rlc/config.h — a run's typed configuration, read from INI with inih.
 * Every setting is one row (rlc/settings.h): [run] and [eval] are declared
 * here, and each registered algorithm's section by its agent type
 * (rlc_agent_type.settings_rows), so one set of tables drives parsing,
 * validation, the resolved config.ini dump and `rlc --help`. Defaults come
 * from rlc_config_default alone. Errors name the file, line, section and key.
 *
 * INI as read here: sections [run], [eval] and the algorithm's (named after
 * [run] algo; its keys are the rows its agent type declares, named as in
 * Stable-Baselines3);
 * `key = value` (or `key: value`), one per line; a line holds at most
 * RLC_CONFIG_LINE_MAX bytes before its "\n", "\r\n" or lone "\r" (all three
 * end a line, as in Python's universal newlines; comments count like
 * anything else); a section header stands alone on its line (anything but
 * a comment after "]" is a syntax error); full-line comments start with ';' or '#', inline comments
 * are " ;..." or " #..." (whitespace before the mark); values are trimmed
 * and at most 255 characters; leading whitespace is ignored, so there are no
 * multi-line values; a key set twice in one file is an error, and so is a
 * section header written twice; "[]" is a
 * syntax error. A config file is text: a NUL byte or another control
 * character (other than tab, CR, FF, VT) is an error. Every config file sets
 * [run] algo and [run] env_id. Values are written as rlc/settings.h says
 * (whole numbers, reals, booleans, choices, comma lists). A section with no
 * keys is not looked at. */
#ifndef RLC_CONFIG_H
#define RLC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "rlc/agent.h"
#include "rlc/settings.h"
#include "rlc/status.h"

#define RLC_CONFIG_NAME_MAX RLC_SETTING_NAME_MAX
#define RLC_CONFIG_LINE_MAX 4096     /* longest line of a config file, bytes */
#define RLC_CONFIG_MAX_SETTINGS 256  /* rows of [run], [eval] and every algorithm's section */
#define RLC_CONFIG_ORIGIN_MAX 160    /* an origin, e.g. "path:12" or "--set run.seed=3" */

typedef struct rlc_config {
    /* [run] */
    char algo[RLC_CONFIG_NAME_MAX];   /* a registered agent type's name (rlc_agent_find) */
    char env_id[RLC_CONFIG_NAME_MAX]; /* Gymnasium id, e.g. "Pendulum-v1" */
    uint64_t seed;                    /* run seed; every random stream derives from it */
    size_t total_timesteps;           /* environment steps to train for */
    size_t log_interval;              /* env steps between progress.csv rows */
    size_t checkpoint_freq;           /* env steps between checkpoints; 0 = at the end and
                                       * when interrupted (rlc_run_request_stop) */
    /* [eval] */
    size_t eval_freq;                 /* env steps between evaluations; 0 = only at the end */
    size_t n_eval_episodes;           /* deterministic episodes per evaluation */
    double reward_threshold;          /* mean evaluation return that counts as solved, only
                                       * reported (never stops training); NaN = "auto":
                                       * the environment's (rlc_config_reward_threshold) */
    /* The settings struct of every registered algorithm, by registry
     * position (rlc_agent_index), as that type's create expects it: reach
     * them with rlc_config_settings. Only [run] algo's section is read from
     * files, validated and written; the others keep their values, so
     * setting run.algo later finds its algorithm's defaults. */
    union {
        max_align_t align;
        unsigned char bytes[RLC_AGENT_SETTINGS_MAX];
    } algo_settings[RLC_AGENT_MAX_TYPES];
    /* Where each setting's value came from, by row ([run], [eval], then each
     * registered algorithm's rows in registry order; private to config.c):
     * "PATH:LINE" (rlc_config_load) or
     * "--set section.key=value" (rlc_config_set), "" for a default or a
     * value assigned in code. rlc_config_validate prefixes its messages with
     * it; rlc_config_default clears it; it is not a setting (not written,
     * not compared). An origin too long for the field is shortened with
     * "..." (a path from the left, an assignment from the right). */
    char origin[RLC_CONFIG_MAX_SETTINGS][RLC_CONFIG_ORIGIN_MAX];
} rlc_config;

/* A formatted error: "FILE:LINE: [section] key: reason" (or without the
 * parts that do not apply, e.g. "--set: ..."). */
typedef struct rlc_config_error {
    char message[512];
} rlc_config_error;

/* Longest text an error message echoes whole (see rlc_config_shorten). */
#define RLC_CONFIG_ECHO_MAX 60

/* Copy `text` to buf (n bytes) as an error message echoes user input: whole
 * up to RLC_CONFIG_ECHO_MAX bytes, else its first RLC_CONFIG_ECHO_MAX bytes
 * (not cutting a UTF-8 character) and "\xe2\x80\xa6" ("…"), so a long --set or
 * --seed value cannot push the reason out of a message. n >= RLC_CONFIG_ECHO_MAX
 * + 4 holds any result. Allocates nothing. */
void rlc_config_shorten(const char *text, char *buf, size_t n);

/* Fill every setting with its default: [run] and [eval] from config.c
 * (algo: the registry's first algorithm; env_id: the first environment
 * whose action space it handles — config files must set both), every
 * algorithm's section from its agent type's settings_default. */
void rlc_config_default(rlc_config *cfg);

/* Apply the INI file at `path` on top of cfg and record "path:line" as the
 * origin of each setting it sets. Unknown section or key, a key before any
 * section or set twice, a value of the wrong type, out of range or not among
 * the choices, a syntax error, a line longer than RLC_CONFIG_LINE_MAX, a NUL
 * byte or other control character, and a section that belongs to another
 * algorithm than [run] algo (as it stands after the whole file) are errors:
 * RLC_ECONFIG with err->message "path:line: [section] key: reason"
 * ("path:line: [section]: reason" for a section, at its header line;
 * "path:line: reason" for the line itself, e.g. "contains a NUL byte (not a
 * text file?)"). A file that does not set [run] algo or [run] env_id is
 * RLC_ECONFIG "path: [run] algo: missing; every config names its algorithm
 * and environment". A missing/unreadable file is RLC_EIO with "path:
 * strerror". Stops at the first error (reading stops there too); on error
 * cfg is unchanged. Integer keys accept "20000" and "1e5" (integral values)
 * and reject "1.5" or "-3". err may be NULL. Allocates nothing that outlives
 * the call. */
rlc_status rlc_config_load(rlc_config *cfg, const char *path, rlc_config_error *err);

/* Apply one "section.key=value" override (the CLI's --set), with the same
 * checks, and record "--set section.key=value" (the assignment as given) as
 * the setting's origin; errors read "--set section.key=value: reason", the
 * assignment as rlc_config_shorten shows it (so the reason always fits). An
 * algorithm section must match [run] algo at the time of the call (so set
 * run.algo first). On error cfg is unchanged. */
rlc_status rlc_config_set(rlc_config *cfg, const char *assignment, rlc_config_error *err);

/* Checks after all sources are applied: every setting of [run], [eval] and
 * the algorithm's section in its row's range (so configs built in code are
 * checked too), known algorithm, registered env id (rlc_env_find) whose
 * action space the algorithm supports, then the algorithm's cross-setting
 * check (rlc_agent_check_settings, e.g. DDPG's batch_size <= buffer_size).
 * RLC_ECONFIG with a message "[section] key: reason",
 * prefixed with "ORIGIN: " when that setting's value came from a file or
 * --set (see rlc_config.origin), e.g. "run.ini:3: [run] env_id: unknown
 * environment ..."; a check between two settings names one the user set
 * (so a user-set buffer_size below the default batch_size reads
 * "ORIGIN: [ddpg] buffer_size: 100 is smaller than batch_size 256").
 * RLC_OK otherwise. */
rlc_status rlc_config_validate(const rlc_config *cfg, rlc_config_error *err);

/* Write every setting of [run], [eval] and the algorithm's section, in
 * table order with a '#' help line each, as INI that rlc_config_load reads
 * back to an equal config (call rlc_config_validate first). Doubles are
 * written in the shortest "%.Ng" (N <= 17) that reads back bitwise equal,
 * e.g. "0.001". Returns RLC_EIO on a write error, RLC_EINVAL on NULL. */
rlc_status rlc_config_write(const rlc_config *cfg, FILE *f);

/* The settings struct of cfg->algo, as the agent type's create expects it;
 * NULL for an unknown algorithm. */
const void *rlc_config_algo_settings(const rlc_config *cfg);

/* The settings struct of a registered agent type in cfg (to read or set in
 * code, e.g. (rlc_ppo_config *)rlc_config_settings(&cfg, &rlc_agent_ppo));
 * NULL if type is not registered. */
void *rlc_config_settings(rlc_config *cfg, const rlc_agent_type *type);

/* The reward threshold in effect: cfg->reward_threshold if set, else (auto)
 * the environment's Gymnasium spec.reward_threshold (rlc_env_type); false
 * when there is none (auto for an environment without one, or an unknown
 * env_id). *threshold (may be NULL) is written only when true. */
bool rlc_config_reward_threshold(const rlc_config *cfg, double *threshold);

/* The settings table as help text, one line per key:
 * "[section] key  type  default  range — help". */
void rlc_config_print_help(FILE *f);

#endif
