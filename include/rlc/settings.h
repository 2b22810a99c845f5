/* rlc/settings.h — typed settings described by tables of rows: each row
 * names a key, its type, the field of a settings struct that holds it, its
 * range or choices and a help line. One table drives parsing a value from
 * text, writing it back, checking a struct filled in code, and help text.
 * Algorithms declare their INI section this way (rlc_agent_type), and the
 * configuration declares [run] and [eval]. Knows nothing of files, INI
 * syntax or any particular algorithm.
 *
 * Text forms: whole numbers are plain digits, or any decimal notation that
 * is integral as written ("1e5", "2.0e4"), never negative, its value taken
 * exactly from the digits (never rounded through a double:
 * "9007199254740993e0" is 9007199254740993), above UINT64_MAX an error; reals are decimal
 * (strtod, correctly rounded; no inf, nan or hex); booleans are true/false,
 * 1/0, yes/no or on/off in any case (written as true/false); choices are
 * exact lower-case names; names are printable without spaces, ';' or '#';
 * lists are comma-separated whole numbers ("400, 300"). Reals are written in
 * the shortest "%.Ng" that reads back bitwise equal. A REAL row with
 * `auto_value` also takes the word "auto", stored as NaN and written back as
 * "auto": the setting's user derives the value (e.g. from the environment). */
#ifndef RLC_SETTINGS_H
#define RLC_SETTINGS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rlc/status.h"

typedef enum rlc_setting_kind {
    RLC_SETTING_SIZE,  /* size_t, whole number in [ilo, ihi] */
    RLC_SETTING_U64,   /* uint64_t, whole number in [ilo, ihi] */
    RLC_SETTING_REAL,  /* double, finite, in lo..hi (ends open per `open`) */
    RLC_SETTING_ENUM,  /* int-sized enum; the value is the index into `choices` */
    RLC_SETTING_BOOL,  /* bool */
    RLC_SETTING_NAME,  /* char[RLC_SETTING_NAME_MAX]: a name, checked by its user (env id, algorithm) */
    RLC_SETTING_SIZES  /* size_t[max_count] list, entries in [ilo, ihi], count (≥ 1) at count_offset */
} rlc_setting_kind;

enum { RLC_SETTING_OPEN_LO = 1, RLC_SETTING_OPEN_HI = 2 };

#define RLC_SETTING_NAME_MAX 64   /* bytes of a NAME field, with its NUL */
#define RLC_SETTING_VALUE_MAX 256 /* longest value text, with its NUL */

typedef struct rlc_setting {
    const char *key;
    rlc_setting_kind kind;
    size_t offset;              /* offsetof(settings struct, field) */
    size_t count_offset;        /* SIZES: offsetof the entry count (a size_t) */
    size_t max_count;           /* SIZES: capacity of the list */
    uint64_t ilo, ihi;          /* whole numbers (and each SIZES entry) */
    double lo, hi;              /* REAL */
    unsigned open;              /* REAL: RLC_SETTING_OPEN_LO and/or _HI */
    bool auto_value;            /* REAL: "auto" (NaN) is accepted too; see the top of this file */
    const char *const *choices; /* ENUM: index = enum value; a NULL entry is not offered */
    size_t n_choices;           /* ENUM: entries of `choices` */
    bool required;              /* every config file must set it (no default) */
    const char *help;           /* one line */
} rlc_setting;

/* Row constructors for a settings struct `T` (offsets are offsetof(T, field)). */
#define RLC_SETTING_WHOLE_ROW(T, k, kind_, field, lo_, hi_, help_) \
    {.key = k, .kind = kind_, .offset = offsetof(T, field), .ilo = lo_, .ihi = hi_, .help = help_}
#define RLC_SETTING_SIZE_ROW(T, k, field, lo_, help_) \
    RLC_SETTING_WHOLE_ROW(T, k, RLC_SETTING_SIZE, field, lo_, SIZE_MAX, help_)
#define RLC_SETTING_REAL_ROW(T, k, field, lo_, hi_, open_, help_) \
    {.key = k, .kind = RLC_SETTING_REAL, .offset = offsetof(T, field), .lo = lo_, .hi = hi_, \
     .open = open_, .help = help_}
#define RLC_SETTING_ENUM_ROW(T, k, field, names, help_) \
    {.key = k, .kind = RLC_SETTING_ENUM, .offset = offsetof(T, field), .choices = names, \
     .n_choices = sizeof names / sizeof names[0], .help = help_}
#define RLC_SETTING_BOOL_ROW(T, k, field, help_) \
    {.key = k, .kind = RLC_SETTING_BOOL, .offset = offsetof(T, field), .help = help_}
#define RLC_SETTING_SIZES_ROW(T, k, field, count, max, lo_, hi_, help_) \
    {.key = k, .kind = RLC_SETTING_SIZES, .offset = offsetof(T, field), \
     .count_offset = offsetof(T, count), .max_count = max, .ilo = lo_, .ihi = hi_, .help = help_}

/* Parse `text` (already trimmed, at most RLC_SETTING_VALUE_MAX − 1 bytes)
 * for row r into the field of `settings`. RLC_OK, or RLC_EINVAL with the
 * reason in why (e.g. "expected a whole number >= 1, got '-5'", "2 is out
 * of range (must be in (0, 1])") and the field unchanged. A NAME row takes
 * any well-formed name; its user checks which names exist. Does not
 * allocate. */
rlc_status rlc_setting_parse(const rlc_setting *r, void *settings, const char *text, char *why,
                             size_t n);

/* Whether the field of row r in `settings` holds a value the row accepts
 * (range, choice, list length, NUL-terminated well-formed name); if not,
 * the reason goes to why. This is the check for settings filled in code. */
bool rlc_setting_check(const rlc_setting *r, const void *settings, char *why, size_t n);

/* The value of row r in `settings` as text that rlc_setting_parse reads
 * back to the same value ("?" for an invalid enum or bool). */
void rlc_setting_format(const rlc_setting *r, const void *settings, char *buf, size_t n);

/* The accepted values of row r as shown in help and errors: ">= 1",
 * "[1, 1024]", "(0, 1]", "finite|auto", "constant|linear", "true|false",
 * "1-4 of [1, 65536]". */
void rlc_setting_range(const rlc_setting *r, char *buf, size_t n);

/* "int", "real", "choice", "bool", "string" or "ints". */
const char *rlc_setting_type_name(const rlc_setting *r);

/* Shortest "%.Ng" (N = 1..17) of x that strtod reads back bitwise equal,
 * with whole numbers below 1e16 in plain digits ("10", not "1e+01"). */
void rlc_setting_format_real(double x, char *buf, size_t n);

/* rlc_setting_check on each of the n rows in order: RLC_OK, or RLC_EINVAL
 * with the first failing row in *bad (may be NULL) and its reason in why. */
rlc_status rlc_settings_check(const rlc_setting *rows, size_t n, const void *settings,
                              const rlc_setting **bad, char *why, size_t why_n);

/* The row of `key` among n rows, or NULL. */
const rlc_setting *rlc_settings_find(const rlc_setting *rows, size_t n, const char *key);

#endif
