/* mpi_sum_order.c — a measurement, not a test: does MPI_Allreduce's sum of
 * doubles depend on the order the library picks? Run under mpirun with 2
 * or more ranks; every rank fills vectors of several lengths (rlc's flat
 * gradient sizes among them) with random doubles of mixed magnitude, and
 * rank 0 counts, over many vectors, the elements where
 *   - MPI_Allreduce(MPI_SUM) differs from the rank-order sum
 *     ((x0 + x1) + x2) + ... that rlc's data-parallel training uses,
 *   - two ranks received different bits from the same MPI_Allreduce,
 *   - the same MPI_Allreduce repeated gave other bits.
 * Deliberately not in the test suite: the answer depends on the MPI
 * library, its tuning and the rank count, not on rlc. */
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ull;

static double next_double(int rank)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double u = (double)(state >> 11) / 9007199254740992.0; /* [0, 1) */
    double scale = (double)(1u << (state % 20)) * 1e-6;   /* magnitudes 1e-6 .. 0.5 */
    return (u - 0.5) * scale * (1 + rank);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    static const size_t lengths[] = {1, 3, 1186, 4610, 4482, 70000, 1000000};
    const int repeats = 20;
    state += (uint64_t)rank * 0x9E3779B97F4A7C15ull;
    if (rank == 0)
        printf("%d ranks; per length: elements where MPI_Allreduce differs from the rank-order"
               " sum, between ranks, between repeats (of %d vectors each)\n", size, repeats);
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
        size_t n = lengths[l];
        double *x = malloc(n * sizeof *x), *ar = malloc(n * sizeof *ar),
               *ar2 = malloc(n * sizeof *ar2), *all = rank == 0 ? malloc(n * size * sizeof *all)
                                                               : NULL,
               *ar0 = malloc(n * sizeof *ar0);
        uint64_t vs_fixed = 0, vs_ranks = 0, vs_repeat = 0, total = 0;
        for (int r = 0; r < repeats; r++) {
            for (size_t i = 0; i < n; i++)
                x[i] = next_double(rank);
            MPI_Allreduce(x, ar, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            MPI_Allreduce(x, ar2, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            MPI_Gather(x, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
            /* rank 0's Allreduce result, to compare every rank's with */
            memcpy(ar0, ar, n * sizeof *ar0);
            MPI_Bcast(ar0, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
            uint64_t diff_ranks = 0;
            for (size_t i = 0; i < n; i++)
                diff_ranks += memcmp(&ar0[i], &ar[i], sizeof(double)) != 0;
            uint64_t sum_ranks = 0;
            MPI_Reduce(&diff_ranks, &sum_ranks, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
            if (rank == 0) {
                vs_ranks += sum_ranks;
                for (size_t i = 0; i < n; i++) {
                    double s = all[i];
                    for (int k = 1; k < size; k++)
                        s += all[(size_t)k * n + i];
                    vs_fixed += memcmp(&s, &ar[i], sizeof s) != 0;
                    vs_repeat += memcmp(&ar[i], &ar2[i], sizeof s) != 0;
                }
                total += n;
            }
        }
        if (rank == 0)
            printf("length %7zu: %8" PRIu64 " / %" PRIu64 " differ from rank order, %" PRIu64
                   " between ranks, %" PRIu64 " between repeats\n",
                   n, vs_fixed, total, vs_ranks, vs_repeat);
        free(x);
        free(ar);
        free(ar2);
        free(all);
        free(ar0);
    }
    MPI_Finalize();
    return 0;
}
