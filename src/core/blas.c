/* blas.c — the CBLAS backend's name and thread count (contract in include/rlc/blas.h). */
#include "rlc/blas.h"

#ifdef RLC_HAVE_OPENBLAS
void openblas_set_num_threads(int n); /* OpenBLAS's cblas.h; declared here to avoid its macros */

const char *rlc_blas_name(void) { return "openblas"; }
void rlc_blas_set_threads(int n) { openblas_set_num_threads(n); }
#else
const char *rlc_blas_name(void) { return "gslcblas"; }
void rlc_blas_set_threads(int n) { (void)n; }
#endif
