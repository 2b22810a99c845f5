/* gemm_common.h — what bench_gemm and its per-library workers share: the
 * matrix products rlc issues (shapes from src/core/tape.c and the configs),
 * the inputs, the timing loop and the worker's result file. Header-only,
 * included once per executable (each library in its own process, so the
 * CBLAS symbols of OpenBLAS and BLIS never meet).
 *
 * Every product is row-major C (M×N) += op(A) (M×K) · op(B) (K×N), alpha 1,
 * beta 1, as rlc_tape_linear and its backward rule call dgemm for a layer
 * y = x·Wᵀ + b with x rows×in, W out×in:
 *   fwd  NT  y  (rows×out) += x (rows×in) · Wᵀ      [bias copied in first]
 *   dX   NN  dX (rows×in)  += dY (rows×out) · W     [not for an input leaf]
 *   dW   TN  dW (out×in)   += dYᵀ · x               */
#ifndef RLC_BENCH_GEMM_COMMON_H
#define RLC_BENCH_GEMM_COMMON_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct shape {
    const char *net; /* config / size set */
    const char *role; /* fwd, dX, dW */
    char ta, tb;      /* 'N' or 'T' */
    int M, N, K;
} shape;

/* A layer of a network as rlc runs it: rows of the batch, in, out, and
 * whether dX is computed (false when the input is an observation leaf). */
typedef struct layer {
    const char *net;
    int rows, in, out;
    int dx;
} layer;

/* Distinct layers per config; a shape repeated within a config is listed once. */
static const layer gemm_layers[] = {
    /* configs/ddpg_pendulum.ini: obs 3, act 1, 32-32, batch 64. The critic's
     * input [s|a] has 4 columns and its dX is needed for the actor loss. */
    {"ddpg_pendulum", 64, 4, 32, 1}, {"ddpg_pendulum", 64, 32, 32, 1},
    {"ddpg_pendulum", 64, 32, 1, 1}, {"ddpg_pendulum", 64, 3, 32, 0},
    /* configs/ppo_cartpole.ini: obs 4, 2 actions, 16-16, minibatch 32 */
    {"ppo_cartpole", 32, 4, 16, 0}, {"ppo_cartpole", 32, 16, 16, 1},
    {"ppo_cartpole", 32, 16, 2, 1}, {"ppo_cartpole", 32, 16, 1, 1},
    /* configs/a2c_cartpole.ini: default 64-64, rows 8 envs × 5 steps */
    {"a2c_cartpole", 40, 4, 64, 0}, {"a2c_cartpole", 40, 64, 64, 1},
    {"a2c_cartpole", 40, 64, 2, 1}, {"a2c_cartpole", 40, 64, 1, 1},
    /* configs/trpo_cartpole.ini: 32-32; the actor on the whole rollout
     * (2 × 1024 rows), the critic on minibatches of 512 */
    {"trpo_cartpole", 2048, 4, 32, 0}, {"trpo_cartpole", 2048, 32, 32, 1},
    {"trpo_cartpole", 2048, 32, 2, 1}, {"trpo_cartpole", 512, 4, 32, 0},
    {"trpo_cartpole", 512, 32, 32, 1}, {"trpo_cartpole", 512, 32, 1, 1},
    /* issue 12's compute-matched sizes: DDPG at RLtools' TD3 sizes */
    {"ddpg_64-64_b100", 100, 4, 64, 1}, {"ddpg_64-64_b100", 100, 64, 64, 1},
    {"ddpg_64-64_b100", 100, 64, 1, 1}, {"ddpg_64-64_b100", 100, 3, 64, 0},
    /* SB3's DDPG 400-300, batch 256 */
    {"ddpg_400-300_b256", 256, 4, 400, 1}, {"ddpg_400-300_b256", 256, 400, 300, 1},
    {"ddpg_400-300_b256", 256, 300, 1, 1}, {"ddpg_400-300_b256", 256, 3, 400, 0},
    /* PPO with RLtools' Pendulum settings: obs 3, act 1, 32-32, batch 1024 */
    {"ppo_32-32_b1024", 1024, 3, 32, 0}, {"ppo_32-32_b1024", 1024, 32, 32, 1},
    {"ppo_32-32_b1024", 1024, 32, 1, 1},
};

#define GEMM_MAX_SHAPES 128

static inline int shape_eq(const shape *a, const shape *b)
{
    return strcmp(a->net, b->net) == 0 && a->ta == b->ta && a->tb == b->tb && a->M == b->M &&
           a->N == b->N && a->K == b->K;
}

/* The shape list, in a fixed order every executable agrees on. */
static int gemm_shapes(shape *out)
{
    int n = 0;
    for (size_t l = 0; l < sizeof gemm_layers / sizeof gemm_layers[0]; l++) {
        const layer *L = &gemm_layers[l];
        shape cand[3] = {
            {L->net, "fwd", 'N', 'T', L->rows, L->out, L->in},
            {L->net, "dX", 'N', 'N', L->rows, L->in, L->out},
            {L->net, "dW", 'T', 'N', L->out, L->in, L->rows},
        };
        for (int c = 0; c < 3; c++) {
            if (c == 1 && !L->dx)
                continue;
            int dup = 0;
            for (int i = 0; i < n && !dup; i++)
                dup = shape_eq(&out[i], &cand[c]);
            if (!dup && n < GEMM_MAX_SHAPES)
                out[n++] = cand[c];
        }
    }
    return n;
}

/* Stored operands: A is M×K (ta N) or K×M (ta T), B is K×N or N×K; leading
 * dimension = stored columns. */
static inline int lda_of(const shape *s) { return s->ta == 'N' ? s->K : s->M; }
static inline int ldb_of(const shape *s) { return s->tb == 'N' ? s->N : s->K; }

/* Deterministic inputs in [-1, 1) (same in every process). */
static void gemm_fill(double *x, size_t n, unsigned long long seed)
{
    unsigned long long s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
    }
}

typedef struct operands {
    double *A, *B, *C0, *C;
} operands;

static void operands_make(operands *o, const shape *s, int idx)
{
    size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
    o->A = aligned_alloc(64, ((na * 8 + 63) / 64) * 64);
    o->B = aligned_alloc(64, ((nb * 8 + 63) / 64) * 64);
    o->C0 = aligned_alloc(64, ((nc * 8 + 63) / 64) * 64);
    o->C = aligned_alloc(64, ((nc * 8 + 63) / 64) * 64);
    if (!o->A || !o->B || !o->C0 || !o->C) {
        fprintf(stderr, "bench_gemm: out of memory\n");
        exit(1);
    }
    gemm_fill(o->A, na, 3 * (unsigned long long)idx + 1);
    gemm_fill(o->B, nb, 3 * (unsigned long long)idx + 2);
    gemm_fill(o->C0, nc, 3 * (unsigned long long)idx + 3);
}

static void operands_free(operands *o)
{
    free(o->A);
    free(o->B);
    free(o->C0);
    free(o->C);
}

typedef void (*gemm_call)(void *ctx, const shape *s, const double *A, const double *B, double *C);

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define GEMM_SAMPLES 31
#define GEMM_SAMPLE_NS 200000.0 /* each sample: repeated calls for about 0.2 ms */

/* Median ns per call over GEMM_SAMPLES samples of back-to-back calls on the
 * same operands (warm caches, as in training; C accumulates, harmlessly).
 * Then one call on a fresh copy of C0 leaves the result in o->C. */
static double gemm_time(gemm_call f, void *ctx, const shape *s, operands *o)
{
    size_t nc = (size_t)s->M * s->N;
    memcpy(o->C, o->C0, nc * sizeof(double));
    long reps = 1;
    for (;;) { /* warm up and calibrate */
        double t0 = now_ns();
        for (long r = 0; r < reps; r++)
            f(ctx, s, o->A, o->B, o->C);
        double dt = now_ns() - t0;
        if (dt >= GEMM_SAMPLE_NS / 4) {
            reps = (long)(reps * GEMM_SAMPLE_NS / dt) + 1;
            break;
        }
        reps *= 2;
    }
    double t[GEMM_SAMPLES];
    for (int i = 0; i < GEMM_SAMPLES; i++) {
        double t0 = now_ns();
        for (long r = 0; r < reps; r++)
            f(ctx, s, o->A, o->B, o->C);
        t[i] = (now_ns() - t0) / reps;
    }
    qsort(t, GEMM_SAMPLES, sizeof t[0], cmp_double);
    memcpy(o->C, o->C0, nc * sizeof(double));
    f(ctx, s, o->A, o->B, o->C);
    return t[GEMM_SAMPLES / 2];
}

/* Worker result file: a 128-byte description, then per shape the median ns,
 * a note code (0, or 1 = product done with a transposing copy) and C. */
#define GEMM_INFO_LEN 128

static FILE *worker_open(const char *path, const char *info)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    char buf[GEMM_INFO_LEN] = {0};
    snprintf(buf, sizeof buf, "%s", info);
    fwrite(buf, 1, sizeof buf, f);
    return f;
}

static void worker_put(FILE *f, double ns, double note, const shape *s, const double *C)
{
    fwrite(&ns, sizeof ns, 1, f);
    fwrite(&note, sizeof note, 1, f);
    fwrite(C, sizeof(double), (size_t)s->M * s->N, f);
}

#endif
