/* dataparallel.c — the fixed-order sum over MPI ranks (contract in
 * dataparallel.h). Deliberately not MPI_Allreduce: its order of additions
 * is the library's choice (by message size, rank count, topology), and
 * floating-point addition is not associative (tests/mpi_sum_order.c
 * measures it; see the README). */
#include <stdlib.h>
#include <string.h>
#include "rlc/rng.h"
#include "dataparallel.h"
#include "world.h"
#ifdef RLC_HAVE_MPI
#include <mpi.h>
#endif

static double *buf;
static size_t buf_n;

/* Vectors of at least this many doubles per rank take the scattered sum. */
#define SCATTER_MIN 64

#ifdef RLC_HAVE_MPI
/* buf with room for n doubles (kept between calls); aborts the world when
 * there is no memory, since one rank failing alone would leave the others
 * waiting in a collective. */
static double *room(size_t n)
{
    if (buf_n < n) {
        double *b = realloc(buf, n * sizeof *b);
        if (!b)
            MPI_Abort(MPI_COMM_WORLD, 1);
        buf = b;
        buf_n = n;
    }
    return buf;
}

/* Small vectors: gathered on rank 0, added there in rank order, broadcast. */
static rlc_status gathered_sum(double *x, size_t n, int size, int rank)
{
    double *all = room(rank == 0 ? (size_t)size * n : 1);
    if (MPI_Gather(x, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        return RLC_EIO;
    if (rank == 0)
        for (size_t i = 0; i < n; i++) {
            double s = all[i];
            for (int r = 1; r < size; r++)
                s += all[(size_t)r * n + i];
            x[i] = s;
        }
    return MPI_Bcast(x, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? RLC_OK : RLC_EIO;
}

/* Large vectors: cut into `size` chunks; rank r receives chunk r of every
 * rank (MPI_Alltoall), adds them in rank order, and every rank collects
 * the summed chunks (MPI_Allgather). The same additions in the same order
 * as gathered_sum, so the same bits, but each rank sends and receives
 * about 2·n doubles whatever the rank count, instead of rank 0 receiving
 * (size − 1)·n. */
static rlc_status scattered_sum(double *x, size_t n, int size)
{
    size_t c = (n + (size_t)size - 1) / (size_t)size, padded = c * (size_t)size;
    double *b = room(2 * padded + c);
    double *send = b, *recv = b + padded, *mine = b + 2 * padded;
    memcpy(send, x, n * sizeof *x);
    for (size_t i = n; i < padded; i++)
        send[i] = 0.0;
    if (MPI_Alltoall(send, (int)c, MPI_DOUBLE, recv, (int)c, MPI_DOUBLE, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
        return RLC_EIO;
    for (size_t j = 0; j < c; j++) {
        double s = recv[j];
        for (int r = 1; r < size; r++)
            s += recv[(size_t)r * c + j];
        mine[j] = s;
    }
    if (MPI_Allgather(mine, (int)c, MPI_DOUBLE, send, (int)c, MPI_DOUBLE, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
        return RLC_EIO;
    memcpy(x, send, n * sizeof *x);
    return RLC_OK;
}
#endif

static rlc_status fixed_order_sum(void *ctx, double *x, size_t n)
{
    (void)ctx;
#ifdef RLC_HAVE_MPI
    int size = rlc_world_size(), rank = rlc_world_rank();
    if (size <= 1 || !rlc_world_mpi())
        return RLC_OK;
    if (n > (size_t)INT32_MAX / (size_t)size)
        return RLC_EINVAL;
    return n >= SCATTER_MIN * (size_t)size ? scattered_sum(x, n, size)
                                           : gathered_sum(x, n, size, rank);
#else
    (void)x;
    (void)n;
    return RLC_OK;
#endif
}

/* Point to point, for checkpoints: MPI_Send / MPI_Recv of bytes, in
 * pieces of at most 1 GiB (MPI counts are ints). */
static rlc_status move_bytes(void *ctx, size_t from, size_t to, void *buf, size_t n)
{
    (void)ctx;
#ifdef RLC_HAVE_MPI
    size_t me = (size_t)rlc_world_rank();
    if (!rlc_world_mpi() || from == to || (me != from && me != to))
        return RLC_EINVAL;
    enum { TAG = 14, PIECE = 1 << 30 };
    for (size_t off = 0; off < n; off += PIECE) {
        int k = (int)(n - off < PIECE ? n - off : PIECE);
        int rc = me == from
                     ? MPI_Send((char *)buf + off, k, MPI_BYTE, (int)to, TAG, MPI_COMM_WORLD)
                     : MPI_Recv((char *)buf + off, k, MPI_BYTE, (int)from, TAG, MPI_COMM_WORLD,
                                MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return RLC_EIO;
    }
    return RLC_OK;
#else
    (void)from;
    (void)to;
    (void)buf;
    (void)n;
    return RLC_EINVAL;
#endif
}

void rlc_dataparallel_ranks(rlc_agent_ranks *ranks, uint64_t seed)
{
    ranks->size = (size_t)rlc_world_size();
    ranks->rank = (size_t)rlc_world_rank();
    ranks->seed = ranks->rank == 0 ? seed
                                   : rlc_rng_derive_seed(seed, RLC_DATAPARALLEL_STREAM + ranks->rank);
    ranks->sum = fixed_order_sum;
    ranks->move = move_bytes;
    ranks->ctx = NULL;
}

void rlc_dataparallel_free(void)
{
    free(buf);
    buf = NULL;
    buf_n = 0;
}
