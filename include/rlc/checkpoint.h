/* rlc/checkpoint.h — the checkpoint file (a run directory's model.rlc):
 * a complete training state, as the named byte ranges that the agent, the
 * runner and the run list (rlc/state.h), so that a run resumes bit for
 * bit and a C program can load a trained agent and act with it
 * (rlc_run_load_agent in rlc/run.h does both steps for a run directory).
 *
 * Format, every integer in the writer's byte order (the header says which):
 *   magic             8 bytes   "RLCCKPT2"
 *   byte order        4 bytes   uint32 0x01020304 as the writer stored it
 *   format version    4 bytes   uint32, RLC_CHECKPOINT_VERSION
 *   sizes             4 bytes   sizeof(size_t), sizeof(double), sizeof(bool), 0
 *   config hash       4 bytes   uint32 CRC-32 of the run's resolved config.ini text
 *   rlc version      16 bytes   NUL-padded text (RLC_VERSION)
 *   sections          8 bytes   uint64 count
 *   per section:      uint16 name length, the name (no NUL), uint64 byte
 *                     length, the bytes (the live memory, as stored)
 *   checksum          4 bytes   uint32 CRC-32 (zlib crc32) of every byte before it
 * Sections come in the order the parts visit them; a reader visits the
 * same parts in the same order and requires every name and length to
 * match. (A data-parallel run's file has, after rank 0's "run", "agent"
 * and "runner" parts, one part per other rank, "rank1" ..., holding that
 * rank's agent and runner: rlc/run.h.) Written through one buffered stream to `path`.tmp, flushed,
 * fsync'ed and renamed over `path`: a crash leaves the old file or the new
 * one, never half of one (and no .tmp, except after a crash mid-write). */
#ifndef RLC_CHECKPOINT_H
#define RLC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "rlc/state.h"
#include "rlc/status.h"

#define RLC_CHECKPOINT_VERSION 2u

/* One part of the state: its visit function, the object, a name prefix. */
typedef struct rlc_checkpoint_part {
    const char *prefix;                                          /* e.g. "agent" */
    rlc_status (*visit)(void *obj, const rlc_state_visitor *v);  /* e.g. type->state */
    void *obj;
} rlc_checkpoint_part;

/* Write the parts' state to path, atomically (see above). RLC_EIO (errno
 * set; the old file, if any, stays), RLC_EINVAL (a name too long), or
 * what a visit returns. */
rlc_status rlc_checkpoint_save(const char *path, uint32_t config_hash,
                               const rlc_checkpoint_part *parts, size_t n);

/* Read path and overwrite the parts' state with it. Everything is checked
 * before any byte of the parts is written: magic, byte order, sizes,
 * version, checksum, the config hash, and every section's name and length
 * against what the parts visit. On failure the parts are untouched and
 * err (may be NULL, errlen bytes) says what is wrong: RLC_EIO (cannot
 * read; errno set), RLC_EFORMAT (not a checkpoint, truncated, another
 * version or byte order, a bad checksum, a section count in the header
 * that is not the number of sections, or a piece with a rule of
 * rlc/state.h whose stored value breaks it: a count above its maximum, a
 * flag other than 0 or 1), RLC_EINVAL (made for another
 * configuration: the hash or a section differs), RLC_ENOMEM. Allocates
 * the file's size while it runs. */
rlc_status rlc_checkpoint_load(const char *path, uint32_t config_hash,
                               const rlc_checkpoint_part *parts, size_t n, char *err,
                               size_t errlen);

#endif
