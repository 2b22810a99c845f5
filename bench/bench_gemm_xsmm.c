/* bench_gemm_xsmm.c — bench_gemm's libxsmm worker (issue 12): `bench_gemm_xsmm
 * --worker FILE` times libxsmm's JIT kernels (libxsmm_dmmdispatch, dispatched
 * once per shape outside the timing, as rlc would per layer) on
 * gemm_common.h's shapes and writes the results to FILE for bench_gemm.
 * libxsmm is column-major: row-major C = op(A)·op(B) is column-major
 * Cᵀ = op(B)ᵀ·op(A)ᵀ, i.e. the same call with A and B swapped and M, N
 * swapped. Where libxsmm has no kernel for a transposed operand (dispatch
 * returns NULL), the operand is copied transposed first, inside the timing,
 * and the result is marked. */
#include <libxsmm.h>
#include "gemm_common.h"

typedef struct xctx {
    libxsmm_dmmfunction k;
    int copy_a, copy_b; /* transpose op(A) / op(B) into the scratch first */
    double *ta, *tb;
} xctx;

static void call_xsmm(void *ctx, const shape *s, const double *A, const double *B, double *C)
{
    xctx *x = ctx;
    if (x->copy_a) { /* A stored K×M → op(A) M×K row-major */
        for (int i = 0; i < s->M; i++)
            for (int k = 0; k < s->K; k++)
                x->ta[i * s->K + k] = A[k * s->M + i];
        A = x->ta;
    }
    if (x->copy_b) { /* B stored N×K → op(B) K×N row-major */
        for (int k = 0; k < s->K; k++)
            for (int j = 0; j < s->N; j++)
                x->tb[k * s->N + j] = B[j * s->K + k];
        B = x->tb;
    }
    x->k(B, A, C); /* column-major: (N×K)·(K×M) */
}

static libxsmm_dmmfunction dispatch(const shape *s, int ta, int tb)
{
    /* column-major m = N, n = M; libxsmm's A is our B, its B our A */
    libxsmm_blasint m = s->N, n = s->M, k = s->K;
    libxsmm_blasint lda = tb ? s->K : s->N, ldb = ta ? s->M : s->K, ldc = s->N;
    double alpha = 1.0, beta = 1.0;
    int flags = (tb ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    return libxsmm_dmmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--worker") != 0) {
        fprintf(stderr, "usage: bench_gemm_xsmm --worker FILE   (run by bench_gemm)\n");
        return 2;
    }
    libxsmm_init();
    shape shapes[GEMM_MAX_SHAPES];
    int n = gemm_shapes(shapes);
    char info[GEMM_INFO_LEN];
    snprintf(info, sizeof info, "libxsmm %s, target %s", LIBXSMM_VERSION,
             libxsmm_get_target_arch());
    FILE *f = worker_open(argv[2], info);
    for (int i = 0; i < n; i++) {
        const shape *s = &shapes[i];
        xctx x = {0};
        int ta = s->ta == 'T', tb = s->tb == 'T';
        x.k = dispatch(s, ta, tb);
        if (!x.k) {
            x.copy_a = ta;
            x.copy_b = tb;
            x.k = dispatch(s, 0, 0);
            x.ta = malloc(sizeof(double) * s->M * s->K);
            x.tb = malloc(sizeof(double) * s->K * s->N);
        }
        operands o;
        operands_make(&o, s, i);
        double ns = NAN;
        if (x.k)
            ns = gemm_time(call_xsmm, &x, s, &o);
        else
            fprintf(stderr, "bench_gemm_xsmm: no kernel for %dx%dx%d\n", s->M, s->N, s->K);
        worker_put(f, ns, x.copy_a || x.copy_b, s, o.C);
        operands_free(&o);
        free(x.ta);
        free(x.tb);
    }
    libxsmm_finalize();
    return fclose(f) == 0 ? 0 : 1;
}
