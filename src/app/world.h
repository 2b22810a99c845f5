/* world.h — the MPI world the rlc command runs in: one process (no mpirun,
 * or a build without MPI) or the ranks mpirun or srun started. Internal to
 * the rlc command (src/app); the library never calls MPI. */
#ifndef RLC_APP_WORLD_H
#define RLC_APP_WORLD_H

#include <stdbool.h>
#include <stddef.h>

/* Join the MPI world when this process was started by an MPI launcher
 * (OpenMPI's mpirun, or a PMI/PMIx launcher such as srun), else stay
 * alone (rank 0 of 1, MPI never initialised). Returns 0, or -1 with why
 * (n_why bytes): launched as one of several ranks by a build without MPI
 * (each rank would do all the work), or MPI_Init failed. */
int rlc_world_init(int *argc, char ***argv, char *why, size_t n_why);

/* Whether MPI was initialised (rlc_world_init under a launcher). */
bool rlc_world_mpi(void);
int rlc_world_rank(void);
int rlc_world_size(void);

/* MPI_Finalize if initialised; idempotent. */
void rlc_world_finalize(void);

/* With several ranks: end every rank now with exit status `code`
 * (MPI_Abort), for a failure on one rank that would leave the others
 * waiting in a collective for ever. Alone: returns. */
void rlc_world_abort(int code);

/* Whether this build has MPI (meson option mpi). */
bool rlc_world_built_with_mpi(void);

#endif
