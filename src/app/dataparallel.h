/* dataparallel.h — the sum over MPI ranks that data-parallel training
 * (`mpirun -n N rlc run CONFIG`) averages gradients with, in a fixed
 * order. Internal to the rlc command (src/app); only built with MPI. */
#ifndef RLC_APP_DATAPARALLEL_H
#define RLC_APP_DATAPARALLEL_H

#include <stdint.h>
#include "rlc/agent.h"

/* Fill *ranks for this process of the MPI world: size and rank, this
 * rank's seed (the run seed on rank 0, rlc_rng_derive_seed(seed,
 * RLC_DATAPARALLEL_STREAM + rank) on the others) and the fixed-order sum:
 * each element is added in rank order, ((x0 + x1) + x2) + ..., so every
 * rank gets the same bits, from run to run, whatever the MPI library's
 * reduction order. A vector of fewer than 64 doubles per rank is gathered
 * on rank 0, summed and broadcast; a longer one is cut into one chunk per
 * rank, each rank sums its chunk (MPI_Alltoall) and all collect the sums
 * (MPI_Allgather): the same bits, about 2·n doubles sent and received per
 * rank. Without MPI (or not initialised) size is 1 and the sum leaves x as
 * it is. The sum's buffer grows to the largest vector and is kept;
 * rlc_dataparallel_free releases it. The move (checkpoints) is MPI_Send
 * and MPI_Recv of bytes, in pieces of at most 1 GiB. */
#define RLC_DATAPARALLEL_STREAM 0x100
void rlc_dataparallel_ranks(rlc_agent_ranks *ranks, uint64_t seed);
void rlc_dataparallel_free(void);

#endif
