/* inilines.c — the line reader of rlc's INI files (contract in
 * inilines.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "inilines.h"

void rlc_ini_lines_error(rlc_ini_lines *r, const char *fmt, ...)
{
    if (r->err_line)
        return;
    r->err_line = r->line ? r->line : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* A byte that has no place in a text file: the C0 controls but tab, CR, VT
 * and FF (whitespace to inih and us), and DEL. */
static bool is_control(int ch)
{
    return (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\v' && ch != '\f') || ch == 0x7F;
}

/* Read one line, without its "\n", "\r\n" or "\r", into r->buf. 1: a line; 0:
 * end of input; -1: an error, recorded. A lone CR ends a line as Python's
 * universal newlines do: a file saved with classic Mac OS line endings means
 * the same as with LF, and read as one long line it would lose every key
 * after its first section header. Stops at the first NUL or other control
 * byte and as soon as the line outgrows RLC_CONFIG_LINE_MAX, so neither
 * /dev/zero nor an endless line is read for ever. */
static int read_line(rlc_ini_lines *r)
{
    int ch = getc(r->f);
    if (ch == EOF) {
        if (ferror(r->f))
            r->read_errno = errno;
        return ferror(r->f) ? -1 : 0;
    }
    r->line++;
    size_t len = 0;
    for (; ch != EOF && ch != '\n'; ch = getc(r->f)) {
        if (ch == '\r') { /* "\r\n" or a lone "\r" (classic Mac OS) ends the line */
            int next = getc(r->f);
            if (next != '\n' && next != EOF)
                ungetc(next, r->f);
            ch = next == EOF ? EOF : '\n';
            break;
        }
        if (ch == '\0' && r->nul_named) {
            rlc_ini_lines_error(r, "contains a NUL byte (not a text file?)");
            return -1;
        }
        if (ch == '\0' || is_control(ch)) {
            rlc_ini_lines_error(r, "contains control character 0x%02X (not a text file?)",
                                (unsigned)ch);
            return -1;
        }
        if (len == RLC_CONFIG_LINE_MAX) {
            rlc_ini_lines_error(r, "line longer than %d characters", RLC_CONFIG_LINE_MAX);
            return -1;
        }
        r->buf[len++] = (char)ch;
    }
    if (ch == EOF && ferror(r->f)) {
        r->read_errno = errno;
        return -1;
    }
    r->buf[len] = '\0';
    return 1;
}

void rlc_ini_lines_emit(char *str, int num, const char *open, const char *name, size_t len,
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

char *rlc_ini_lines_read(char *str, int num, void *stream)
{
    rlc_ini_lines *r = stream;
    r->value = NULL;
    if (num < 16) /* never: inih's buffer is INI_MAX_LINE (200) bytes */
        r->read_errno = EINVAL;
    if (r->err_line || r->read_errno || read_line(r) <= 0)
        return NULL;
    char *p = r->buf;
    if (r->line == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
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
    if (p[0] == '[' && r->header)
        return r->header(r, str, num, p, end);
    if (p[0] != '[' && (sep = strpbrk(p, "=:")) != NULL) {
        char *v = sep + 1;
        while (is_blank(*v))
            v++;
        r->value = v;
        size_t len = (size_t)(sep - p);
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        rlc_ini_lines_emit(str, num, "", p, len, "=", r->key_shown);
    } else {
        rlc_ini_lines_emit(str, num, "", p, end, "", SIZE_MAX); /* empty, or inih's syntax error */
    }
    return str;
}
