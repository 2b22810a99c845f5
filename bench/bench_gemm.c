/* bench_gemm.c — issue 12, goal 1, the measurement: the double-precision
 * matrix products rlc issues (one per layer and pass, shapes from
 * src/core/tape.c's rlc_tape_linear and bw_linear and the configs; see
 * gemm_common.h), timed for each candidate:
 *   OpenBLAS   as linked (cblas_dgemm through GSL's CBLAS header, one thread;
 *              the kernel set OpenBLAS picks, e.g. OPENBLAS_CORETYPE=Haswell)
 *   OB-SkylakeX the same in a second process with OPENBLAS_CORETYPE=SkylakeX
 *   BLIS       bench_gemm_blis (bli_dgemm, Debian libblis), if built, with
 *              the kernels BLIS picks for this CPU
 *   BLIS-skx   the same with its AVX-512 (skx) kernels forced
 *   libxsmm    bench_gemm_xsmm (libxsmm_dmmdispatch JIT kernels), if built;
 *              run again with LIBXSMM_TARGET=hsw and =wsm for bits only
 *   rlc-avx512 rlc's own products (src/core/kernels.c), the widest path
 *   rlc-avx2   the AVX2 path of the same code (when AVX-512 is the widest)
 * For each: median ns per call over 31 samples of back-to-back calls (warm
 * caches), GFLOP/s (2·M·N·K per call) and the largest difference from the
 * first OpenBLAS column's result, max|C − C_ref| / max|C_ref| ("=" when
 * bitwise equal). Then checks that rlc's paths (generic, AVX2, AVX-512)
 * give the same bits on every shape, and counts the shapes
 * on which libxsmm's AVX2 and SSE kernels differ from its default ones.
 *
 * `bench_gemm` runs everything and prints one table; `bench_gemm --worker
 * FILE` (used for the SkylakeX run) writes its OpenBLAS results to FILE.
 * The measurement behind rlc's choice of its own products (README). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_cblas.h>
#include "rlc/blas.h"
#include "rlc/isa.h"
#include "gemm_common.h"
#include "kernels.h"

/* rlc's kernels, one table per instruction-set path (src/core/kernels.h). */
typedef const rlc_kernels *own_fn;
static double *own_work;

static void call_own(void *ctx, const shape *s, const double *A, const double *B, double *C)
{
    own_fn f = ctx;
    f->gemm(s->ta, s->tb, s->M, s->N, s->K, A, lda_of(s), B, ldb_of(s), RLC_GEMM_ADD, NULL, C,
            s->N, own_work);
}

static void call_openblas(void *ctx, const shape *s, const double *A, const double *B, double *C)
{
    (void)ctx;
    cblas_dgemm(CblasRowMajor, s->ta == 'N' ? CblasNoTrans : CblasTrans,
                s->tb == 'N' ? CblasNoTrans : CblasTrans, s->M, s->N, s->K, 1.0, A, lda_of(s), B,
                ldb_of(s), 1.0, C, s->N);
}

#define MAX_CANDS 8

typedef struct column {
    char name[24];
    char info[GEMM_INFO_LEN];
    int present;
    double ns[GEMM_MAX_SHAPES], note[GEMM_MAX_SHAPES];
    double *C[GEMM_MAX_SHAPES];
} column;

static shape shapes[GEMM_MAX_SHAPES];
static int n_shapes;

static void run_local(column *col, gemm_call f, void *ctx)
{
    for (int i = 0; i < n_shapes; i++) {
        operands o;
        operands_make(&o, &shapes[i], i);
        col->ns[i] = gemm_time(f, ctx, &shapes[i], &o);
        col->note[i] = 0;
        size_t nc = (size_t)shapes[i].M * shapes[i].N;
        col->C[i] = malloc(nc * sizeof(double));
        memcpy(col->C[i], o.C, nc * sizeof(double));
        operands_free(&o);
    }
    col->present = 1;
}

/* Runs `exe --worker FILE [arg]` with the variable env_name set to env_value
 * (if env_name is not NULL), reads FILE. */
static void run_worker(column *col, const char *exe, const char *arg, const char *env_name,
                       const char *env_value)
{
    if (access(exe, X_OK) != 0)
        return;
    char path[] = "/tmp/bench_gemm_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return;
    }
    close(fd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (env_name)
            setenv(env_name, env_value, 1);
        execl(exe, exe, "--worker", path, arg, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_gemm: %s failed (status %d)\n", exe, status);
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "rb");
    int ok = f && fread(col->info, 1, GEMM_INFO_LEN, f) == GEMM_INFO_LEN;
    col->info[GEMM_INFO_LEN - 1] = 0;
    for (int i = 0; ok && i < n_shapes; i++) {
        size_t nc = (size_t)shapes[i].M * shapes[i].N;
        col->C[i] = malloc(nc * sizeof(double));
        ok = fread(&col->ns[i], sizeof(double), 1, f) == 1 &&
             fread(&col->note[i], sizeof(double), 1, f) == 1 &&
             fread(col->C[i], sizeof(double), nc, f) == nc;
    }
    if (f)
        fclose(f);
    unlink(path);
    col->present = ok;
    if (!ok)
        fprintf(stderr, "bench_gemm: could not read %s's results\n", exe);
}

static int worker_main(const char *path)
{
    rlc_blas_set_threads(1);
    char info[GEMM_INFO_LEN];
    snprintf(info, sizeof info, "OpenBLAS core %s", rlc_blas_core());
    FILE *f = worker_open(path, info);
    for (int i = 0; i < n_shapes; i++) {
        operands o;
        operands_make(&o, &shapes[i], i);
        double ns = gemm_time(call_openblas, NULL, &shapes[i], &o);
        worker_put(f, ns, 0, &shapes[i], o.C);
        operands_free(&o);
    }
    return fclose(f) == 0 ? 0 : 1;
}

static double max_rel_diff(const double *c, const double *ref, size_t n, int *bitwise)
{
    double dmax = 0, rmax = 0;
    *bitwise = memcmp(c, ref, n * sizeof(double)) == 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(c[i] - ref[i]);
        dmax = d > dmax ? d : dmax;
        rmax = fabs(ref[i]) > rmax ? fabs(ref[i]) : rmax;
    }
    return rmax > 0 ? dmax / rmax : dmax;
}

#if defined(RLC_HAVE_ISA_X86)
#include <immintrin.h>
#include <time.h>

/* This core's float64 peak, the ceiling any product's GFLOP/s is read
 * against: 12 independent chains of a = a·b + c in the widest FMA the CPU
 * has, 2·lanes FLOP per instruction, best of 5 timings of 2·10⁸ FLOP by
 * this thread's CPU time. 0 without FMA. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define PEAK_CHAINS(T, SET1, FMA, ADD)                                                            \
    T a[12], b = SET1(0.999999), c = SET1(1e-7);                                                  \
    for (int i = 0; i < 12; i++)                                                                 \
        a[i] = SET1((double)i);                                                                  \
    double best = 0;                                                                             \
    for (int r = 0; r < 5; r++) {                                                                \
        double t0 = cpu_seconds();                                                               \
        for (long n = 0; n < iters; n++)                                                         \
            for (int i = 0; i < 12; i++)                                                         \
                a[i] = FMA(a[i], b, c);                                                          \
        double gf = (double)iters * 12 * 2 * (sizeof(T) / 8) / (cpu_seconds() - t0) / 1e9;     \
        best = gf > best ? gf : best;                                                            \
    }                                                                                            \
    for (int i = 1; i < 12; i++) /* keep the chains live */                                      \
        a[0] = ADD(a[0], a[i]);                                                                  \
    volatile T sink = a[0];                                                                      \
    (void)sink;                                                                                  \
    return best;

__attribute__((target("avx512f"))) static double peak_avx512(long iters)
{
    PEAK_CHAINS(__m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd)
}

__attribute__((target("avx2,fma"))) static double peak_avx2(long iters)
{
    PEAK_CHAINS(__m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd)
}

static double peak_gflops(const char **how)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        *how = "512-bit FMA";
        return peak_avx512(2000000000L / (12 * 16));
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *how = "256-bit FMA";
        return peak_avx2(2000000000L / (12 * 8));
    }
    return 0;
}
#endif

int main(int argc, char **argv)
{
    n_shapes = gemm_shapes(shapes);
    size_t work = 0;
    for (int i = 0; i < n_shapes; i++) {
        size_t mx = shapes[i].M > shapes[i].N ? shapes[i].M : shapes[i].N;
        work = (size_t)shapes[i].K * mx > work ? (size_t)shapes[i].K * mx : work;
    }
    own_work = aligned_alloc(64, ((work * 8 + 63) / 64) * 64);
    if (argc == 3 && strcmp(argv[1], "--worker") == 0)
        return worker_main(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: bench_gemm   (prints the table; see bench/bench_gemm.c)\n");
        return 2;
    }
    rlc_blas_set_threads(1);

    char self[PATH_MAX] = {0}, dir[PATH_MAX], exe[PATH_MAX + 32];
    if (readlink("/proc/self/exe", self, sizeof self - 1) < 0)
        snprintf(self, sizeof self, "%s", argv[0]);
    snprintf(dir, sizeof dir, "%s", self);
    char *d = dirname(dir);

    static column cols[MAX_CANDS];
    int nc = 0;
    column *ob = &cols[nc++];
    snprintf(ob->name, sizeof ob->name, "OB-%s", rlc_blas_core());
    snprintf(ob->info, sizeof ob->info, "%s", rlc_blas_config());
    run_local(ob, call_openblas, NULL);

    column *skx = &cols[nc++];
    snprintf(skx->name, sizeof skx->name, "OB-SkylakeX");
    run_worker(skx, self, NULL, "OPENBLAS_CORETYPE", "SkylakeX");

    column *blis = &cols[nc++];
    snprintf(blis->name, sizeof blis->name, "BLIS");
    snprintf(exe, sizeof exe, "%s/bench_gemm_blis", d);
    run_worker(blis, exe, NULL, NULL, NULL);
    column *blis_skx = &cols[nc++];
    snprintf(blis_skx->name, sizeof blis_skx->name, "BLIS-skx");
    run_worker(blis_skx, exe, "skx", NULL, NULL);

    column *xsmm = &cols[nc++];
    snprintf(xsmm->name, sizeof xsmm->name, "libxsmm");
    snprintf(exe, sizeof exe, "%s/bench_gemm_xsmm", d);
    run_worker(xsmm, exe, NULL, NULL, NULL);
    /* libxsmm's kernels for other instruction sets (LIBXSMM_TARGET), for
     * their bits only: AVX2 (hsw) and SSE4.2 without FMA (wsm). */
    static column xsmm_isa[2];
    static const char *const xsmm_targets[2] = {"hsw", "wsm"};
    for (int t = 0; t < 2 && xsmm->present; t++)
        run_worker(&xsmm_isa[t], exe, NULL, "LIBXSMM_TARGET", xsmm_targets[t]);

    /* rlc's own products: the path in use, and AVX2 beside AVX-512 */
    own_fn copies[3] = {&rlc_kernels_generic, NULL, NULL};
    int n_copies = 1;
#if defined(RLC_HAVE_ISA_X86)
    if (rlc_isa_supported("avx2"))
        copies[n_copies++] = &rlc_kernels_avx2;
    if (rlc_isa_supported("avx512"))
        copies[n_copies++] = &rlc_kernels_avx512;
#endif
    int widest = n_copies - 1, last = n_copies > 1 ? 1 : 0; /* the widest, then AVX2 */
    for (int c = widest; c >= last && c >= widest - 1; c--) {
        column *own = &cols[nc++];
        snprintf(own->name, sizeof own->name, "rlc-%s", copies[c]->isa);
        snprintf(own->info, sizeof own->info, "src/core/kernels.c, %s path", copies[c]->isa);
        run_local(own, call_own, (void *)copies[c]);
    }

    printf("Double-precision C += op(A)·op(B), row-major, one thread; median ns per call "
           "(warm caches), GFLOP/s,\nand max|C - C_ref| / max|C_ref| against %s (= bitwise "
           "equal; * = libxsmm needed a transposing copy).\n",
           ob->name);
    for (int c = 0; c < nc; c++)
        if (cols[c].present)
            printf("  %-14s %s\n", cols[c].name, cols[c].info);
        else
            printf("  %-14s not available\n", cols[c].name);
#if defined(RLC_HAVE_ISA_X86)
    const char *how = "";
    double peak = peak_gflops(&how);
    if (peak > 0)
        printf("This core's float64 peak: %.1f GFLOP/s (12 independent chains of %s, best of 5).\n",
               peak, how);
#endif
    printf("\n%-18s %-4s %-2s %14s", "net", "pass", "op", "M x N x K");
    for (int c = 0; c < nc; c++)
        if (cols[c].present)
            printf(" | %21s", cols[c].name);
    printf("\n%-18s %-4s %-2s %14s", "", "", "", "");
    for (int c = 0; c < nc; c++)
        if (cols[c].present)
            printf(" | %7s %5s %7s", "ns", "GF/s", "diff");
    printf("\n");
    const char *net = NULL;
    double tot[MAX_CANDS] = {0};
    for (int i = 0; i <= n_shapes; i++) {
        if (net && (i == n_shapes || strcmp(net, shapes[i].net) != 0)) {
            printf("%-18s %-4s %-2s %14s", net, "sum", "", "");
            for (int c = 0; c < nc; c++)
                if (cols[c].present)
                    printf(" | %7.0f %5s %7s", tot[c], "", "");
            printf("\n");
            memset(tot, 0, sizeof tot);
        }
        if (i == n_shapes)
            break;
        const shape *s = &shapes[i];
        net = s->net;
        char dims[32];
        snprintf(dims, sizeof dims, "%dx%dx%d", s->M, s->N, s->K);
        printf("%-18s %-4s %c%c %14s", s->net, s->role, s->ta, s->tb, dims);
        double flop = 2.0 * s->M * s->N * s->K;
        for (int c = 0; c < nc; c++) {
            if (!cols[c].present)
                continue;
            int bw;
            double rd = max_rel_diff(cols[c].C[i], ob->C[i], (size_t)s->M * s->N, &bw);
            char diff[16];
            if (bw)
                snprintf(diff, sizeof diff, "=");
            else
                snprintf(diff, sizeof diff, "%.0e", rd);
            if (cols[c].note[i] != 0)
                strcat(diff, "*");
            printf(" | %7.0f %5.1f %7s", cols[c].ns[i], flop / cols[c].ns[i], diff);
            tot[c] += cols[c].ns[i];
        }
        printf("\n");
    }
    printf("(sum: each distinct product of the config once; training calls some several times.)\n");

    /* rlc's paths against each other, bit for bit. */
    int mismatches = 0;
    for (int i = 0; i < n_shapes; i++) {
        const shape *s = &shapes[i];
        operands o;
        operands_make(&o, s, i);
        size_t n = (size_t)s->M * s->N;
        double *ref = malloc(n * sizeof(double));
        for (int c = 0; c < n_copies; c++) {
            memcpy(o.C, o.C0, n * sizeof(double));
            copies[c]->gemm(s->ta, s->tb, s->M, s->N, s->K, o.A, lda_of(s), o.B, ldb_of(s),
                            RLC_GEMM_ADD, NULL, o.C, s->N, own_work);
            if (c == 0)
                memcpy(ref, o.C, n * sizeof(double));
            else if (memcmp(ref, o.C, n * sizeof(double)) != 0) {
                printf("rlc kernels: %s path differs from generic on %s %s %dx%dx%d\n", copies[c]->isa,
                       s->net, s->role, s->M, s->N, s->K);
                mismatches++;
            }
        }
        free(ref);
        operands_free(&o);
    }
    printf("rlc's paths compared bit for bit on %d shapes:", n_shapes);
    for (int c = 0; c < n_copies; c++)
        printf(" %s", copies[c]->isa);
    printf(" -> %s\n", mismatches ? "DIFFERENT" : "identical");
    for (int t = 0; t < 2; t++) {
        if (!xsmm_isa[t].present)
            continue;
        int differ = 0;
        for (int i = 0; i < n_shapes; i++)
            differ += memcmp(xsmm_isa[t].C[i], xsmm->C[i],
                             (size_t)shapes[i].M * shapes[i].N * sizeof(double)) != 0;
        printf("libxsmm with LIBXSMM_TARGET=%s (%s) against its default kernels: %d of %d shapes "
               "differ in bits\n",
               xsmm_targets[t], xsmm_isa[t].info, differ, n_shapes);
    }
    for (int c = 0; c < nc; c++)
        for (int i = 0; i < n_shapes; i++)
            free(cols[c].C[i]);
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < n_shapes; i++)
            free(xsmm_isa[t].C[i]);
    free(own_work);
    return mismatches ? 1 : 0;
}
