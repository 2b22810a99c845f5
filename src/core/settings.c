/* settings.c — typed settings described by rows: parse from text, check,
 * format and describe a field (contract in include/rlc/settings.h). No
 * files, no INI syntax, no knowledge of which structs the rows describe. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/settings.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Copy `in` without surrounding whitespace; false if it does not fit. */
static bool trim(const char *in, char *out, size_t n)
{
    size_t start = 0, end = strlen(in);
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
void rlc_setting_format_real(double x, char *buf, size_t n)
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
        exp = strtol(e + 1, NULL, 10); /* ERANGE gives LONG_MIN or LONG_MAX: clamped */
        if (exp > 100000)
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

/* The exact value of a decimal number that written_integral accepted
 * ("2.50e1", "9007199254740993e0"), from its digits, not through a double;
 * false if it exceeds UINT64_MAX. */
static bool exact_whole(const char *s, uint64_t *out)
{
    const char *e = strpbrk(s, "eE");
    long exp = 0;
    if (e) {
        errno = 0;
        exp = strtol(e + 1, NULL, 10); /* ERANGE gives LONG_MIN or LONG_MAX: clamped */
        if (exp > 100000)
            exp = 100000;
        if (exp < -100000)
            exp = -100000;
    }
    size_t len = e ? (size_t)(e - s) : strlen(s);
    const char *dot = memchr(s, '.', len);
    size_t n_digits = 0, n_frac = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] >= '0' && s[i] <= '9') {
            n_digits++;
            n_frac += dot && s + i > dot;
        }
    /* value = digits × 10^shift; the digits that shift drops are zeros */
    long shift = exp - (long)n_frac;
    long keep = shift < 0 ? (long)n_digits + shift : (long)n_digits;
    uint64_t v = 0;
    long seen = 0;
    for (size_t i = 0; i < len && seen < keep; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        seen++;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    for (long k = 0; k < shift && v; k++) {
        if (v > UINT64_MAX / 10)
            return false;
        v *= 10;
    }
    *out = v;
    return true;
}

/* Why s, a whole number beyond 64 bits, is refused: the key's own bound
 * when it has one ("[1, 1000000]"), else the 64-bit limit. */
static void too_large(const char *s, const char *range, char *why, size_t n)
{
    if (range[0] == '[')
        snprintf(why, n, "%s is out of range (must be in %s)", s, range);
    else
        snprintf(why, n, "'%s' is too large (at most %" PRIu64 ")", s, UINT64_MAX);
}

/* A whole number >= 0: plain digits or any decimal notation that is integral
 * as written ("1e5", "2.0e4"), its value taken exactly from the digits, up to
 * UINT64_MAX. Writes the reason on failure; `range` (">= 1",
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
            too_large(s, range, why, n);
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
    (void)d; /* strtod rounds to 53 bits ("9007199254740993e0" would become ...992) */
    if (!exact_whole(s, out)) {
        too_large(s, range, why, n);
        return false;
    }
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

static void whole_range_text(uint64_t lo, uint64_t hi, uint64_t type_max, char *buf, size_t n)
{
    if (hi == type_max)
        snprintf(buf, n, ">= %" PRIu64, lo);
    else
        snprintf(buf, n, "[%" PRIu64 ", %" PRIu64 "]", lo, hi);
}

/* The accepted values of a row, as shown in help and error messages. */
void rlc_setting_range(const rlc_setting *r, char *buf, size_t n)
{
    char a[32], b[32];
    switch (r->kind) {
    case RLC_SETTING_SIZE:
        whole_range_text(r->ilo, r->ihi, SIZE_MAX, buf, n);
        break;
    case RLC_SETTING_U64:
        whole_range_text(r->ilo, r->ihi, UINT64_MAX, buf, n);
        break;
    case RLC_SETTING_REAL:
        rlc_setting_format_real(r->lo, a, sizeof a);
        if (isinf(r->lo) && isinf(r->hi)) {
            snprintf(buf, n, "finite");
        } else if (isinf(r->hi)) {
            snprintf(buf, n, "%s %s", r->open & RLC_SETTING_OPEN_LO ? ">" : ">=", a);
        } else {
            rlc_setting_format_real(r->hi, b, sizeof b);
            snprintf(buf, n, "%c%s, %s%c", r->open & RLC_SETTING_OPEN_LO ? '(' : '[', a, b,
                     r->open & RLC_SETTING_OPEN_HI ? ')' : ']');
        }
        if (r->auto_value) {
            size_t used = strlen(buf);
            snprintf(buf + used, n - used, "|auto");
        }
        break;
    case RLC_SETTING_BOOL:
        snprintf(buf, n, "true|false");
        break;
    case RLC_SETTING_ENUM: {
        size_t used = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < r->n_choices; i++) {
            const char *name = r->choices[i];
            if (!name)
                continue;
            int w = snprintf(buf + used, n - used, "%s%s", used ? "|" : "", name);
            if (w < 0 || (size_t)w >= n - used)
                break;
            used += (size_t)w;
        }
        break;
    }
    case RLC_SETTING_NAME:
        snprintf(buf, n, "a name");
        break;
    case RLC_SETTING_SIZES:
        whole_range_text(r->ilo, r->ihi, SIZE_MAX, a, sizeof a);
        snprintf(buf, n, "1-%zu of %s", r->max_count, a);
        break;
    }
}

static bool whole_in_range(const rlc_setting *r, uint64_t v)
{
    return v >= r->ilo && v <= r->ihi;
}

static bool real_in_range(const rlc_setting *r, double v)
{
    bool lo_ok = r->open & RLC_SETTING_OPEN_LO ? v > r->lo : v >= r->lo;
    bool hi_ok = r->open & RLC_SETTING_OPEN_HI ? v < r->hi : v <= r->hi;
    return isfinite(v) && lo_ok && hi_ok;
}

static void out_of_range(const rlc_setting *r, const char *value, char *why, size_t n)
{
    char range[96];
    rlc_setting_range(r, range, sizeof range);
    snprintf(why, n, "%s is out of range (must be %s%s)", value,
             range[0] == '[' || range[0] == '(' ? "in " : "", range);
}

/* A name: non-empty, printable, no whitespace or comment characters (so the
 * resolved INI reads it back unchanged), shorter than RLC_SETTING_NAME_MAX. */
static bool name_ok(const char *s, char *why, size_t n)
{
    size_t len = strlen(s);
    if (len == 0) {
        snprintf(why, n, "expected a name, got ''");
        return false;
    }
    if (len >= RLC_SETTING_NAME_MAX) {
        snprintf(why, n, "'%s' is longer than %d characters", s, RLC_SETTING_NAME_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~' || s[i] == ';' || s[i] == '#') {
            snprintf(why, n, "'%s' contains a space, control character, ';' or '#'", s);
            return false;
        }
    return true;
}

/* Parse `value` (already trimmed) for row r into its field. On failure the
 * field is unchanged and `why` holds the reason. */
static bool parse_into(void *settings, const rlc_setting *r, const char *value, char *why, size_t n)
{
    char *field = (char *)settings + r->offset;
    switch (r->kind) {
    case RLC_SETTING_SIZE:
    case RLC_SETTING_U64: {
        uint64_t v;
        char range[64];
        rlc_setting_range(r, range, sizeof range);
        if (!parse_whole(value, range, &v, why, n))
            return false;
        if (!whole_in_range(r, v)) {
            out_of_range(r, value, why, n);
            return false;
        }
        if (r->kind == RLC_SETTING_SIZE) {
            size_t s = (size_t)v;
            memcpy(field, &s, sizeof s);
        } else {
            memcpy(field, &v, sizeof v);
        }
        return true;
    }
    case RLC_SETTING_REAL: {
        double d;
        if (r->auto_value && strcmp(value, "auto") == 0) {
            d = NAN;
            memcpy(field, &d, sizeof d);
            return true;
        }
        if (!parse_real(value, &d)) {
            snprintf(why, n, "expected a finite decimal number%s, got '%s'",
                     r->auto_value ? " or auto" : "", value);
            return false;
        }
        if (!real_in_range(r, d)) {
            out_of_range(r, value, why, n);
            return false;
        }
        memcpy(field, &d, sizeof d);
        return true;
    }
    case RLC_SETTING_ENUM: {
        bool found = false;
        int index = 0;
        for (size_t i = 0; i < r->n_choices && !found; i++)
            if (r->choices[i] && strcmp(r->choices[i], value) == 0) {
                found = true;
                index = (int)i;
            }
        if (!found) {
            char range[96];
            rlc_setting_range(r, range, sizeof range);
            snprintf(why, n, "'%s' is not one of %s", value, range);
            return false;
        }
        memcpy(field, &index, sizeof index);
        return true;
    }
    case RLC_SETTING_BOOL: {
        bool b;
        if (!parse_bool(value, &b)) {
            snprintf(why, n, "expected true or false, got '%s'", value);
            return false;
        }
        memcpy(field, &b, sizeof b);
        return true;
    }
    case RLC_SETTING_NAME:
        if (!name_ok(value, why, n))
            return false;
        strcpy(field, value);
        return true;
    case RLC_SETTING_SIZES: {
        size_t list[64], count = 0;
        const char *p = value;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char item[RLC_SETTING_VALUE_MAX];
            memcpy(item, p, len);
            item[len] = '\0';
            char clean[RLC_SETTING_VALUE_MAX];
            trim(item, clean, sizeof clean);
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
            char item_why[RLC_SETTING_VALUE_MAX + 64], range[64];
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
        memcpy((char *)settings + r->count_offset, &count, sizeof count);
        return true;
    }
    }
    return false;
}

rlc_status rlc_setting_parse(const rlc_setting *r, void *settings, const char *value, char *why,
                             size_t n)
{
    return parse_into(settings, r, value, why, n) ? RLC_OK : RLC_EINVAL;
}

bool rlc_setting_check(const rlc_setting *r, const void *settings, char *why, size_t n)
{
    const char *field = (const char *)settings + r->offset;
    char text[64];
    switch (r->kind) {
    case RLC_SETTING_SIZE:
    case RLC_SETTING_U64: {
        uint64_t v;
        if (r->kind == RLC_SETTING_SIZE) {
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
    case RLC_SETTING_REAL: {
        double d;
        memcpy(&d, field, sizeof d);
        if (real_in_range(r, d) || (r->auto_value && isnan(d)))
            return true;
        rlc_setting_format_real(d, text, sizeof text);
        out_of_range(r, text, why, n);
        return false;
    }
    case RLC_SETTING_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        if (v >= 0 && (size_t)v < r->n_choices && r->choices[v])
            return true;
        snprintf(why, n, "invalid value %d", v);
        return false;
    }
    case RLC_SETTING_BOOL: {
        unsigned char v; /* a bool's object representation, without reading it as bool */
        _Static_assert(sizeof(bool) == 1, "RLC_SETTING_BOOL reads one byte");
        memcpy(&v, field, 1);
        if (v <= 1)
            return true;
        snprintf(why, n, "invalid value %d", v);
        return false;
    }
    case RLC_SETTING_NAME:
        if (!memchr(field, '\0', RLC_SETTING_NAME_MAX)) {
            snprintf(why, n, "not NUL-terminated within %d bytes", RLC_SETTING_NAME_MAX);
            return false;
        }
        return name_ok(field, why, n);
    case RLC_SETTING_SIZES: {
        size_t count, v;
        memcpy(&count, (const char *)settings + r->count_offset, sizeof count);
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

void rlc_setting_format(const rlc_setting *r, const void *settings, char *buf, size_t n)
{
    const char *field = (const char *)settings + r->offset;
    switch (r->kind) {
    case RLC_SETTING_SIZE: {
        size_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, n, "%zu", v);
        break;
    }
    case RLC_SETTING_U64: {
        uint64_t v;
        memcpy(&v, field, sizeof v);
        snprintf(buf, n, "%" PRIu64, v);
        break;
    }
    case RLC_SETTING_REAL: {
        double d;
        memcpy(&d, field, sizeof d);
        if (r->auto_value && isnan(d))
            snprintf(buf, n, "auto");
        else
            rlc_setting_format_real(d, buf, n);
        break;
    }
    case RLC_SETTING_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        bool ok = v >= 0 && (size_t)v < r->n_choices && r->choices[v];
        snprintf(buf, n, "%s", ok ? r->choices[v] : "?");
        break;
    }
    case RLC_SETTING_BOOL: {
        unsigned char v;
        memcpy(&v, field, 1);
        snprintf(buf, n, "%s", v == 1 ? "true" : v == 0 ? "false" : "?");
        break;
    }
    case RLC_SETTING_NAME:
        snprintf(buf, n, "%.*s", RLC_SETTING_NAME_MAX - 1, field);
        break;
    case RLC_SETTING_SIZES: {
        size_t count, used = 0;
        memcpy(&count, (const char *)settings + r->count_offset, sizeof count);
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

const char *rlc_setting_type_name(const rlc_setting *r)
{
    static const char *const names[] = {
        [RLC_SETTING_SIZE] = "int", [RLC_SETTING_U64] = "int", [RLC_SETTING_REAL] = "real",
        [RLC_SETTING_ENUM] = "choice", [RLC_SETTING_BOOL] = "bool", [RLC_SETTING_NAME] = "string",
        [RLC_SETTING_SIZES] = "ints",
    };
    return (size_t)r->kind < sizeof names / sizeof names[0] ? names[r->kind] : "?";
}

rlc_status rlc_settings_check(const rlc_setting *rows, size_t n, const void *settings,
                              const rlc_setting **bad, char *why, size_t why_n)
{
    for (size_t i = 0; i < n; i++)
        if (!rlc_setting_check(&rows[i], settings, why, why_n)) {
            if (bad)
                *bad = &rows[i];
            return RLC_EINVAL;
        }
    return RLC_OK;
}

const rlc_setting *rlc_settings_find(const rlc_setting *rows, size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(rows[i].key, key) == 0)
            return &rows[i];
    return NULL;
}
