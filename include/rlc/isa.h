/* rlc/isa.h — which instruction-set path rlc's kernels run on: its matrix
 * products, elementwise ops, optimiser updates and dot products (see
 * src/core/kernels.h). Each path is the same code compiled for a different
 * vector width, and every path gives the same bits: one seed and one rlc
 * version train the same networks on any x86-64 CPU that has FMA (every
 * AVX2 and AVX-512 CPU), whichever path runs. (On a CPU without FMA,
 * glibc's libm switches exp, log, pow, sin and cos to other code whose
 * results differ in about 1 call in 1,500; rlc's environments must call
 * libm to stay equal to Gymnasium, which makes the same choice. README,
 * "Same bits on every CPU".)
 *
 * At load time rlc takes the environment variable RLC_ISA if it names a
 * path this CPU runs, else the widest path the CPU runs. Paths:
 *   "generic"  the x86-64 baseline (SSE2), or plain C on other CPUs;
 *   "avx2"     AVX2 (x86-64 only);
 *   "avx512"   AVX-512F (x86-64 only). */
#ifndef RLC_ISA_H
#define RLC_ISA_H

#include <stdbool.h>
#include "rlc/status.h"

/* The path in use; a static string, never NULL. */
const char *rlc_isa(void);

/* Whether this build and this CPU can run the path `name`. */
bool rlc_isa_supported(const char *name);

/* Switch to the path `name`. RLC_OK; RLC_EINVAL for NULL, a name that is no
 * path, or a path this build or CPU cannot run (the path in use is kept).
 * Not thread-safe: call it before any other rlc function runs, e.g. at the
 * start of main. */
rlc_status rlc_isa_set(const char *name);

/* The paths' names, for messages: "generic, avx2, avx512" (x86-64) or
 * "generic". Static. */
const char *rlc_isa_names(void);

#endif
