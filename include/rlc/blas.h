/* rlc/blas.h — which CBLAS GSL's matrix products run on (OpenBLAS or GSL's
 * reference gslcblas, chosen at build time with the meson option `blas`),
 * and its thread count. Nothing on rlc's training path calls a BLAS (its
 * own kernels do that work, rlc/isa.h); this is for GSL's routines off
 * that path. */
#ifndef RLC_BLAS_H
#define RLC_BLAS_H

/* "openblas" or "gslcblas". */
const char *rlc_blas_name(void);

/* OpenBLAS's build description (openblas_get_config(), e.g. "OpenBLAS
 * 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64") and the kernel
 * family it picked for this CPU at load time (openblas_get_corename(), e.g.
 * "Haswell"): GSL routines that call the BLAS can differ in the last bits
 * between kernels. ""
 * for gslcblas. Static strings, never NULL. */
const char *rlc_blas_config(void);
const char *rlc_blas_core(void);

/* Set the BLAS thread count for the whole process (OpenBLAS's
 * openblas_set_num_threads; no effect on gslcblas, which has none). rlc's
 * matrices are small, so one thread is fastest, and threaded OpenBLAS
 * allocates per call: the CLI, benchmarks and tests call this with 1. */
void rlc_blas_set_threads(int n);

#endif
