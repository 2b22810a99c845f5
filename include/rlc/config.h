/* rlc/config.h — a run's typed configuration, read from INI with inih.
 * Every setting is one row of one table (section, key, type, field, range or
 * choices, help) that drives parsing, validation, the resolved config.ini
 * dump and `rlc --help`. Defaults come from rlc_config_default alone.
 * Errors name the file, line, section and key.
 *
 * INI as read here: sections [run], [eval] and the algorithm's ([ddpg],
 * [ppo] or [a2c]; their keys are the fields of rlc_ddpg_config,
 * rlc_ppo_config and rlc_a2c_config with rlc_policy_config's in the last two,
 * named as in Stable-Baselines3);
 * `key = value` (or `key: value`), one per line, at most 198 characters;
 * full-line comments start with ';' or '#', inline comments are " ;..." or
 * " #..." (whitespace before the mark); values are trimmed; leading
 * whitespace is ignored, so there are no multi-line values; a key set twice
 * in one file is an error. Whole numbers are plain digits or any decimal
 * notation that is integral as written ("1e5", "2.0e4"); reals are decimal
 * (strtod, correctly rounded; no inf, nan or hex); net_arch is a comma list
 * ("400, 300"); booleans are true/false, 1/0, yes/no or on/off in any case
 * (written as true/false); choices are exact lower-case names ("linear",
 * "tanh"). A section with no keys is not looked at. */
#ifndef RLC_CONFIG_H
#define RLC_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include "rlc/status.h"
#include "rlc/a2c.h"
#include "rlc/ddpg.h"
#include "rlc/ppo.h"

#define RLC_CONFIG_NAME_MAX 64

typedef struct rlc_config {
    /* [run] */
    char algo[RLC_CONFIG_NAME_MAX];   /* "ddpg", "ppo" or "a2c" (later: trpo, qac) */
    char env_id[RLC_CONFIG_NAME_MAX]; /* Gymnasium id, e.g. "Pendulum-v1" */
    uint64_t seed;                    /* run seed; every random stream derives from it */
    size_t total_timesteps;           /* environment steps to train for */
    size_t log_interval;              /* env steps between progress.csv rows */
    /* [eval] */
    size_t eval_freq;                 /* env steps between evaluations; 0 = only at the end */
    size_t n_eval_episodes;           /* deterministic episodes per evaluation */
    /* [ddpg], [ppo], [a2c]: only the section of `algo` is read and written */
    rlc_ddpg_config ddpg;
    rlc_ppo_config ppo;
    rlc_a2c_config a2c;
} rlc_config;

/* A formatted error: "FILE:LINE: [section] key: reason" (or without the
 * parts that do not apply, e.g. "--set: ..."). */
typedef struct rlc_config_error {
    char message[512];
} rlc_config_error;

/* Fill every setting with its default: [run] and [eval] from config.c,
 * [ddpg], [ppo] and [a2c] from rlc_ddpg_config_default,
 * rlc_ppo_config_default and rlc_a2c_config_default. */
void rlc_config_default(rlc_config *cfg);

/* Apply the INI file at `path` on top of cfg. Unknown section or key, a
 * key before any section or set twice, a value of the wrong type, out of
 * range or not among the choices, a syntax error, and a section that belongs
 * to another algorithm than [run] algo (as it stands after the whole file)
 * are errors: RLC_ECONFIG with err->message "path:line: [section] key:
 * reason" ("path:line: [section]: reason" for a section, at its header
 * line). A missing/unreadable file is RLC_EIO with "path: strerror". Stops at
 * the first error; on error cfg is unchanged. Integer keys accept "20000" and
 * "1e5" (integral values) and reject "1.5" or "-3". err may be NULL.
 * Allocates nothing that outlives the call. */
rlc_status rlc_config_load(rlc_config *cfg, const char *path, rlc_config_error *err);

/* Apply one "section.key=value" override (the CLI's --set), with the same
 * checks; errors read "--set section.key=value: reason". An algorithm
 * section must match [run] algo at the time of the call (so set run.algo
 * first). On error cfg is unchanged. */
rlc_status rlc_config_set(rlc_config *cfg, const char *assignment, rlc_config_error *err);

/* Checks after all sources are applied: every setting of [run], [eval] and
 * the algorithm's section in its table range (so configs built in code are
 * checked too), known algorithm, registered env id whose action space the
 * algorithm supports (ddpg: Box; ppo, a2c: Box or Discrete), for ddpg
 * batch_size <= buffer_size, for ppo n_steps × n_envs > 1 and batch_size <=
 * n_steps × n_envs. RLC_ECONFIG with a message "[section] key: reason";
 * RLC_OK otherwise. */
rlc_status rlc_config_validate(const rlc_config *cfg, rlc_config_error *err);

/* Write every setting of [run], [eval] and the algorithm's section, in
 * table order with a '#' help line each, as INI that rlc_config_load reads
 * back to an equal config (call rlc_config_validate first). Doubles are
 * written in the shortest "%.Ng" (N <= 17) that reads back bitwise equal,
 * e.g. "0.001". Returns RLC_EIO on a write error, RLC_EINVAL on NULL. */
rlc_status rlc_config_write(const rlc_config *cfg, FILE *f);

/* The settings table as help text, one line per key:
 * "[section] key  type  default  range — help". */
void rlc_config_print_help(FILE *f);

#endif
