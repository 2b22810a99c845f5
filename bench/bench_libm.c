/* bench_libm.c — the evidence behind rlc's one exception to "the same bits
 * on every x86-64 CPU" (README, "Same bits on every CPU"): glibc's libm
 * picks its exp, log, pow, sin and cos at load time by the CPU, an FMA
 * variant where the CPU has FMA and AVX2, else the SSE2 one, and the two
 * round differently on some inputs. This program evaluates each function
 * on the same 2,000,000 arguments (in the ranges rlc's environments and
 * losses use them) in itself and in a copy of itself started with
 * GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4 (glibc then behaves as
 * on a CPU without FMA), and prints how many results differ. On a CPU
 * without FMA both runs take the same variant and every count is 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { N = 2000000, F = 5 };
static const char *const names[F] = {"exp", "log", "pow", "sin", "cos"};

static void evaluate(double *out)
{
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < N; i++) {
        double u[3];
        for (int k = 0; k < 3; k++) { /* xorshift64: uniform in [0, 1) */
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            u[k] = (double)(s >> 11) * 0x1.0p-53;
        }
        double *o = out + i * F;
        o[0] = exp(u[0] * 20.0 - 10.0);          /* log-probabilities, ratios */
        o[1] = log(u[1] * 100.0 + 1e-300);       /* log-densities */
        o[2] = pow(0.999, (double)(i % 100000)); /* Adam's bias corrections */
        o[3] = sin((u[2] * 2.0 - 1.0) * 40.0);   /* CartPole, Pendulum */
        o[4] = cos((u[2] * 2.0 - 1.0) * 40.0);
    }
}

int main(int argc, char **argv)
{
    static double mine[(size_t)N * F], other[(size_t)N * F];
    if (argc == 3 && strcmp(argv[1], "--worker") == 0) { /* the child: write its results */
        evaluate(mine);
        FILE *f = fopen(argv[2], "wb");
        return f && fwrite(mine, sizeof mine, 1, f) == 1 && fclose(f) == 0 ? 0 : 1;
    }
    char path[] = "/tmp/bench_libm_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return perror("mkstemp"), 1;
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4", 1);
        execl("/proc/self/exe", argv[0], "--worker", path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    evaluate(mine);
    FILE *f = NULL;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) ||
        !(f = fopen(path, "rb")) || fread(other, sizeof other, 1, f) != 1) {
        fprintf(stderr, "bench_libm: the worker failed\n");
        unlink(path);
        return 1;
    }
    fclose(f);
    unlink(path);
    printf("glibc libm as this CPU loads it against glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,\n"
           "results that differ in their bits, of %d calls each:\n", N);
    for (int k = 0; k < F; k++) {
        long d = 0;
        for (size_t i = 0; i < N; i++)
            d += memcmp(&mine[i * F + k], &other[i * F + k], sizeof(double)) != 0;
        printf("  %-4s %7ld  (1 in %.0f)\n", names[k], d, d ? (double)N / (double)d : 0.0);
    }
    return 0;
}
