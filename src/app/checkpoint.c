/* checkpoint.c — the checkpoint file (format and contract in
 * include/rlc/checkpoint.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "rlc/checkpoint.h"

#ifndef RLC_VERSION
#define RLC_VERSION "unknown"
#endif

static const char MAGIC[8] = {'R', 'L', 'C', 'C', 'K', 'P', 'T', '2'};
enum { HEADER = 8 + 4 + 4 + 4 + 4 + 16 + 8 };

/* --- writing --- */

typedef struct writer {
    FILE *f;
    uLong crc;
    uint64_t sections;
    bool count_only; /* first pass: count the sections */
} writer;

static rlc_status put(writer *w, const void *p, size_t n)
{
    w->crc = crc32_z(w->crc, p, n);
    return fwrite(p, 1, n, w->f) == n ? RLC_OK : RLC_EIO;
}

static rlc_status write_piece(void *ctx, const char *name, void *data, size_t bytes)
{
    writer *w = ctx;
    w->sections++;
    if (w->count_only)
        return RLC_OK;
    uint16_t len = (uint16_t)strlen(name);
    uint64_t size = bytes;
    rlc_status st;
    if ((st = put(w, &len, sizeof len)) || (st = put(w, name, len)) ||
        (st = put(w, &size, sizeof size)))
        return st;
    return put(w, data, bytes);
}

static rlc_status visit_all(const rlc_checkpoint_part *parts, size_t n, rlc_state_fn fn,
                            rlc_state_checked_fn checked, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        rlc_state_visitor v = {fn, ctx, parts[i].prefix, checked};
        rlc_status st = parts[i].visit(parts[i].obj, &v);
        if (st != RLC_OK)
            return st;
    }
    return RLC_OK;
}

static void header(unsigned char *h, uint32_t config_hash, uint64_t sections)
{
    uint32_t order = 0x01020304u, version = RLC_CHECKPOINT_VERSION;
    unsigned char sizes[4] = {sizeof(size_t), sizeof(double), sizeof(bool), 0};
    char ver[16] = {0};
    strncpy(ver, RLC_VERSION, sizeof ver - 1);
    memcpy(h, MAGIC, 8);
    memcpy(h + 8, &order, 4);
    memcpy(h + 12, &version, 4);
    memcpy(h + 16, sizes, 4);
    memcpy(h + 20, &config_hash, 4);
    memcpy(h + 24, ver, 16);
    memcpy(h + 40, &sections, 8);
}

rlc_status rlc_checkpoint_save(const char *path, uint32_t config_hash,
                               const rlc_checkpoint_part *parts, size_t n)
{
    char tmp[4400];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return RLC_EIO;
    }
    writer w = {.count_only = true};
    rlc_status st = visit_all(parts, n, write_piece, NULL, &w);
    if (st != RLC_OK)
        return st;
    w.f = fopen(tmp, "wb");
    if (!w.f)
        return RLC_EIO;
    setvbuf(w.f, NULL, _IOFBF, 1 << 20);
    unsigned char h[HEADER];
    header(h, config_hash, w.sections);
    w.crc = crc32(0L, Z_NULL, 0);
    w.count_only = false;
    w.sections = 0;
    if ((st = put(&w, h, sizeof h)) == RLC_OK)
        st = visit_all(parts, n, write_piece, NULL, &w);
    uint32_t crc = (uint32_t)w.crc;
    if (st == RLC_OK && fwrite(&crc, 1, sizeof crc, w.f) != sizeof crc)
        st = RLC_EIO;
    if (st == RLC_OK && (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
        st = RLC_EIO;
    int e = errno;
    if (fclose(w.f) != 0 && st == RLC_OK) {
        st = RLC_EIO;
        e = errno;
    }
    if (st == RLC_OK && rename(tmp, path) != 0) {
        st = RLC_EIO;
        e = errno;
    }
    if (st != RLC_OK) {
        unlink(tmp);
        errno = e;
    }
    return st;
}

/* --- reading --- */

typedef struct reader {
    const unsigned char *p, *end; /* the sections not yet matched */
    bool apply;                   /* second pass: copy into the parts */
    uint64_t sections;            /* matched so far */
    char *err;
    size_t errlen;
} reader;

static rlc_status read_piece(void *ctx, const char *name, void *data, size_t bytes)
{
    reader *r = ctx;
    uint16_t len;
    uint64_t size;
    if ((size_t)(r->end - r->p) < sizeof len + sizeof size) {
        snprintf(r->err, r->errlen, "it ends before section '%s'", name);
        return RLC_EINVAL;
    }
    memcpy(&len, r->p, sizeof len);
    if ((size_t)(r->end - r->p) < sizeof len + len + sizeof size) {
        snprintf(r->err, r->errlen, "it ends before section '%s'", name);
        return RLC_EINVAL;
    }
    const char *got = (const char *)r->p + sizeof len;
    memcpy(&size, r->p + sizeof len + len, sizeof size);
    if (len != strlen(name) || memcmp(got, name, len) != 0) {
        snprintf(r->err, r->errlen, "section '%.*s' where '%s' belongs", (int)(len < 80 ? len : 80),
                 got, name);
        return RLC_EINVAL;
    }
    const unsigned char *body = r->p + sizeof len + len + sizeof size;
    if (size != bytes || (uint64_t)(r->end - body) < size) {
        snprintf(r->err, r->errlen, "section '%s' holds %llu bytes, this configuration needs %zu",
                 name, (unsigned long long)size, bytes);
        return RLC_EINVAL;
    }
    if (r->apply)
        memcpy(data, body, bytes);
    r->p = body + size;
    r->sections++;
    return RLC_OK;
}

/* read_piece for a piece with a rule: the stored bytes are checked in the
 * first pass, before anything is written. */
static rlc_status read_checked(void *ctx, const char *name, void *data, size_t bytes,
                               rlc_state_rule rule, size_t max)
{
    reader *r = ctx;
    const unsigned char *at = r->p;
    rlc_status st = read_piece(ctx, name, data, bytes);
    if (st != RLC_OK || r->apply)
        return st;
    uint16_t len;
    memcpy(&len, at, sizeof len);
    const unsigned char *body = at + sizeof len + len + sizeof(uint64_t);
    if (rule == RLC_STATE_COUNT) {
        size_t x;
        memcpy(&x, body, sizeof x); /* bytes == sizeof x: read_piece matched it */
        if (bytes == sizeof x && x > max) {
            snprintf(r->err, r->errlen, "section '%s' holds %zu, at most %zu fits", name, x, max);
            return RLC_EFORMAT;
        }
    } else if (rule == RLC_STATE_MT19937) {
        int mti;
        const size_t at = RLC_STATE_MT_N * sizeof(unsigned long);
        if (bytes < at + sizeof mti) {
            snprintf(r->err, r->errlen, "section '%s' is too short for a generator", name);
            return RLC_EFORMAT;
        }
        memcpy(&mti, body + at, sizeof mti);
        if (mti < 0 || (size_t)mti > max) {
            snprintf(r->err, r->errlen, "section '%s': generator index %d, not 0 to %zu", name,
                     mti, max);
            return RLC_EFORMAT;
        }
    } else {
        for (size_t i = 0; i < bytes; i++)
            if (body[i] > 1) {
                snprintf(r->err, r->errlen, "section '%s' holds %u at byte %zu, a flag is 0 or 1",
                         name, (unsigned)body[i], i);
                return RLC_EFORMAT;
            }
    }
    return RLC_OK;
}

rlc_status rlc_checkpoint_load(const char *path, uint32_t config_hash,
                               const rlc_checkpoint_part *parts, size_t n, char *err,
                               size_t errlen)
{
    char scratch[8];
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read: %s", strerror(errno));
        return RLC_EIO;
    }
    unsigned char *buf = NULL;
    size_t size = 0, cap = 0;
    rlc_status st = RLC_OK;
    for (;;) { /* read it all: a pipe or a file that changes size is read as it comes */
        if (size == cap) {
            size_t ncap = cap ? 2 * cap : 1 << 16;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                st = RLC_ENOMEM;
                snprintf(err, errlen, "out of memory");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (got == 0) {
            if (ferror(f)) {
                st = RLC_EIO;
                snprintf(err, errlen, "cannot read: %s", strerror(errno));
            }
            break;
        }
    }
    fclose(f);
    if (st != RLC_OK) {
        free(buf);
        return st;
    }
    unsigned char want[HEADER];
    header(want, config_hash, 0);
    st = RLC_EFORMAT;
    uint32_t crc;
    if (size < HEADER + 4 || memcmp(buf, MAGIC, 8) != 0)
        snprintf(err, errlen, "not an rlc checkpoint (%s)", size < 8 ? "too short" : "bad magic");
    else if (memcmp(buf + 8, want + 8, 4) != 0)
        snprintf(err, errlen, "written on a machine with another byte order");
    else if (memcmp(buf + 12, want + 12, 4) != 0)
        snprintf(err, errlen, "checkpoint format version %u, this rlc reads %u",
                 (unsigned)(buf[12] | buf[13] << 8 | buf[14] << 16 | (unsigned)buf[15] << 24),
                 RLC_CHECKPOINT_VERSION);
    else if (memcmp(buf + 16, want + 16, 4) != 0)
        snprintf(err, errlen, "written with other type sizes");
    else if (memcpy(&crc, buf + size - 4, 4), crc != (uint32_t)crc32_z(0L, buf, size - 4))
        snprintf(err, errlen, "checksum mismatch (truncated or corrupted)");
    else if (memcmp(buf + 20, want + 20, 4) != 0) {
        st = RLC_EINVAL;
        snprintf(err, errlen, "made for another configuration (config.ini changed?)");
    } else {
        reader r = {buf + HEADER, buf + size - 4, false, 0, err, errlen};
        st = visit_all(parts, n, read_piece, read_checked, &r); /* check everything first */
        uint64_t count;
        memcpy(&count, buf + 40, sizeof count);
        if (st == RLC_OK && r.p != r.end) {
            st = RLC_EINVAL;
            snprintf(err, errlen, "%zu bytes of sections this configuration does not have",
                     (size_t)(r.end - r.p));
        } else if (st == RLC_OK && count != r.sections) {
            st = RLC_EFORMAT;
            snprintf(err, errlen, "the header counts %llu sections, the file holds %llu",
                     (unsigned long long)count, (unsigned long long)r.sections);
        }
        if (st == RLC_OK) {
            r = (reader){buf + HEADER, buf + size - 4, true, 0, err, errlen};
            st = visit_all(parts, n, read_piece, read_checked, &r);
        }
    }
    free(buf);
    return st;
}
