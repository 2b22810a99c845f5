/* dataparallel.c — the fixed-order sum over MPI ranks (contract in
 * dataparallel.h). Deliberately not MPI_Allreduce: its order of additions
 * is the library's choice (by message size, topology, algorithm), and
 * floating-point addition is not associative. */
#include <stdlib.h>
#include "rlc/rng.h"
#include "dataparallel.h"
#include "world.h"
#ifdef RLC_HAVE_MPI
#include <mpi.h>
#endif

static double *buf;
static size_t buf_n;

static rlc_status fixed_order_sum(void *ctx, double *x, size_t n)
{
    (void)ctx;
#ifdef RLC_HAVE_MPI
    int size = rlc_world_size(), rank = rlc_world_rank();
    if (size <= 1 || !rlc_world_mpi())
        return RLC_OK;
    if (n > (size_t)INT32_MAX)
        return RLC_EINVAL;
    if (rank == 0 && buf_n < (size_t)size * n) {
        double *b = realloc(buf, (size_t)size * n * sizeof *b);
        if (!b) /* rank 0 alone failing would leave the others waiting in MPI_Bcast */
            MPI_Abort(MPI_COMM_WORLD, 1);
        buf = b;
        buf_n = (size_t)size * n;
    }
    if (MPI_Gather(x, (int)n, MPI_DOUBLE, buf, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        return RLC_EIO;
    if (rank == 0)
        for (size_t i = 0; i < n; i++) {
            double s = buf[i];
            for (int r = 1; r < size; r++)
                s += buf[(size_t)r * n + i];
            x[i] = s;
        }
    if (MPI_Bcast(x, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        return RLC_EIO;
#else
    (void)x;
    (void)n;
#endif
    return RLC_OK;
}

void rlc_dataparallel_ranks(rlc_agent_ranks *ranks, uint64_t seed)
{
    ranks->size = (size_t)rlc_world_size();
    ranks->rank = (size_t)rlc_world_rank();
    ranks->seed = ranks->rank == 0 ? seed
                                   : rlc_rng_derive_seed(seed, RLC_DATAPARALLEL_STREAM + ranks->rank);
    ranks->sum = fixed_order_sum;
    ranks->ctx = NULL;
}

void rlc_dataparallel_free(void)
{
    free(buf);
    buf = NULL;
    buf_n = 0;
}
