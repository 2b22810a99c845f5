/* test_files.h — a temporary directory per test executable (cmocka group
 * setup/teardown) and small file helpers, shared by the tests that write
 * files. Include it from one .c file after defining _XOPEN_SOURCE 700
 * (nftw); it defines static functions and state. */
#ifndef RLC_TEST_FILES_H
#define RLC_TEST_FILES_H

#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "test_util.h"

static char tmp_dir[64];

/* cmocka group setup: a fresh /tmp/rlc_test_XXXXXX. */
static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/rlc_test_XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* cmocka group teardown: removes the directory and everything in it. */
static int group_teardown(void **state)
{
    (void)state;
    return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmp_dir/<printf-formatted name> in a static rotating buffer (8 live at a time). */
static const char *tmp_path(const char *fmt, ...)
{
    static char bufs[8][4400];
    static int next;
    char *b = bufs[next++ % 8];
    int n = snprintf(b, sizeof bufs[0], "%s/", tmp_dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, sizeof bufs[0] - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* The whole file, NUL-terminated (the caller frees); *len its size if len. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    assert_int_equal(ferror(f), 0);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

#endif
