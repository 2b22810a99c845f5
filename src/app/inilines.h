/* inilines.h — the line reader that rlc's two INI files share (config.c's
 * run configurations, sweep.c's sweep files), handed to inih's
 * ini_parse_stream: one line per call, so inih's line numbers are ours,
 * read whole and digested. Internal (part of librlc, not installed).
 * Deliberately not here: what a section or key means (each file's
 * handler), or a section header's own rules (a callback). */
#ifndef RLC_APP_INILINES_H
#define RLC_APP_INILINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "rlc/config.h"

typedef struct rlc_ini_lines rlc_ini_lines;

/* A section header line: p is the digested line (it starts with '['), len
 * its length. Writes what inih is to get into str (num bytes) and returns
 * str, or returns NULL after recording an error (rlc_ini_lines_error). */
typedef char *(*rlc_ini_header_fn)(rlc_ini_lines *r, char *str, int num, char *p, size_t len);

struct rlc_ini_lines {
    FILE *f;                  /* borrowed, read from where it stands */
    int line;                 /* lines read so far = the line inih is on */
    int err_line;             /* line of the first error, 0 = none yet */
    char err[700];            /* its message */
    int read_errno;           /* errno of a failed read, 0 = none */
    const char *value;        /* the value of the current key line (in buf), or NULL */
    bool nul_named;           /* a NUL byte says "contains a NUL byte" (else: as any
                               * other control character) */
    size_t key_shown;         /* longest key handed over as it is; longer: "xxx..." */
    rlc_ini_header_fn header; /* NULL: a header line goes to inih as it is */
    void *ctx;                /* the caller's, for header */
    char buf[RLC_CONFIG_LINE_MAX + 1]; /* the current line */
};

/* Record an error at the current line (line 1 before any), unless one is
 * recorded already: the first error is the one reported. */
void rlc_ini_lines_error(rlc_ini_lines *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* open + name[0, len) + close into str (num bytes), a name longer than max
 * (or than fits) shortened to "xxx...". */
void rlc_ini_lines_emit(char *str, int num, const char *open, const char *name, size_t len,
                        const char *close, size_t max);

/* inih's reader (stream: an rlc_ini_lines). Reads one line whole, up to
 * RLC_CONFIG_LINE_MAX bytes (inih's 200-byte buffer limits nothing); a
 * line ends at "\n", "\r\n" or a lone "\r" (as Python's universal
 * newlines). A NUL or other control byte (the C0 controls but tab, CR,
 * VT and FF, and DEL) or a longer line is an error. Hands inih the line
 * digested: a UTF-8 BOM on line 1, comments (a whole-line ';' or '#', or
 * one after a blank) and surrounding blanks removed, so that an indented
 * line never continues a value; a key line as "key=" with its value in
 * r->value; a header through r->header. Returns NULL (end of input) at
 * the end, on a read error (r->read_errno) and once an error is
 * recorded, so reading stops at the first error. Allocates nothing. */
char *rlc_ini_lines_read(char *str, int num, void *stream);

#endif
