/* blas.c — the CBLAS backend's name and thread count (contract in include/rlc/blas.h). */
#include "rlc/blas.h"

#ifdef RLC_HAVE_OPENBLAS
void openblas_set_num_threads(int n); /* OpenBLAS's cblas.h; declared here to avoid its macros */
char *openblas_get_config(void);
char *openblas_get_corename(void);

const char *rlc_blas_name(void) { return "openblas"; }
const char *rlc_blas_config(void) { return openblas_get_config(); }
const char *rlc_blas_core(void) { return openblas_get_corename(); }
void rlc_blas_set_threads(int n) { openblas_set_num_threads(n); }
#else
const char *rlc_blas_name(void) { return "gslcblas"; }
const char *rlc_blas_config(void) { return ""; }
const char *rlc_blas_core(void) { return ""; }
void rlc_blas_set_threads(int n) { (void)n; }
#endif
