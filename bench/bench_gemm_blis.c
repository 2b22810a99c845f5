/* bench_gemm_blis.c — bench_gemm's BLIS worker (issue 12): `bench_gemm_blis
 * --worker FILE [ARCH]` (ARCH a BLIS configuration name such as skx, forced
 * through BLIS_ARCH_TYPE; by default BLIS's own choice) times bli_dgemm (BLIS's native typed API, row-major through
 * its general strides, one thread) on gemm_common.h's shapes and writes the
 * results to FILE for bench_gemm's table. A process of its own: BLIS exports
 * the same CBLAS/BLAS symbols as OpenBLAS. */
#include <blis.h>
#include "gemm_common.h"

static void call_blis(void *ctx, const shape *s, const double *A, const double *B, double *C)
{
    (void)ctx;
    double one = 1.0;
    bli_dgemm(s->ta == 'N' ? BLIS_NO_TRANSPOSE : BLIS_TRANSPOSE,
              s->tb == 'N' ? BLIS_NO_TRANSPOSE : BLIS_TRANSPOSE, s->M, s->N, s->K, &one,
              (double *)A, lda_of(s), 1, (double *)B, ldb_of(s), 1, &one, C, s->N, 1);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || strcmp(argv[1], "--worker") != 0) {
        fprintf(stderr, "usage: bench_gemm_blis --worker FILE [ARCH]   (run by bench_gemm)\n");
        return 2;
    }
    if (argc == 4) { /* BLIS_ARCH_TYPE takes the configuration's number */
        int found = 0;
        for (int id = 0; id < BLIS_NUM_ARCHS && !found; id++)
            if (strcmp(bli_arch_string((arch_t)id), argv[3]) == 0) {
                char num[16];
                snprintf(num, sizeof num, "%d", id);
                setenv("BLIS_ARCH_TYPE", num, 1);
                found = 1;
            }
        if (!found) {
            fprintf(stderr, "bench_gemm_blis: no BLIS configuration %s\n", argv[3]);
            return 1;
        }
    }
    bli_init();
    bli_thread_set_num_threads(1);
    shape shapes[GEMM_MAX_SHAPES];
    int n = gemm_shapes(shapes);
    char info[GEMM_INFO_LEN];
    snprintf(info, sizeof info, "BLIS %s, arch %s%s", bli_info_get_version_str(),
             bli_arch_string(bli_arch_query_id()),
             argc == 4 ? " (forced with BLIS_ARCH_TYPE)" : " (its own choice)");
    FILE *f = worker_open(argv[2], info);
    for (int i = 0; i < n; i++) {
        operands o;
        operands_make(&o, &shapes[i], i);
        double ns = gemm_time(call_blis, NULL, &shapes[i], &o);
        worker_put(f, ns, 0, &shapes[i], o.C);
        operands_free(&o);
    }
    bli_finalize();
    return fclose(f) == 0 ? 0 : 1;
}
