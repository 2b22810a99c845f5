/* rlc/blas.h — which CBLAS GSL's matrix products run on (OpenBLAS or GSL's
 * reference gslcblas, chosen at build time with the meson option `blas`),
 * and its thread count. */
#ifndef RLC_BLAS_H
#define RLC_BLAS_H

/* "openblas" or "gslcblas". */
const char *rlc_blas_name(void);

/* Set the BLAS thread count for the whole process (OpenBLAS's
 * openblas_set_num_threads; no effect on gslcblas, which has none). rlc's
 * matrices are small, so one thread is fastest, and threaded OpenBLAS
 * allocates per call: the CLI, benchmarks and tests call this with 1. */
void rlc_blas_set_threads(int n);

#endif
