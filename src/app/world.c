/* world.c — joining the MPI world when mpirun or srun started us (contract
 * in world.h). Deliberately not here: what the ranks say to each other
 * (sweep.c, dataparallel.c). */
#include <stdio.h>
#include <stdlib.h>
#include "world.h"
#ifdef RLC_HAVE_MPI
#include <mpi.h>
#endif

static bool initialised;
static int rank, size = 1;

/* The launcher's world size from its environment, 0 if none set one. */
static long launcher_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
                                       "SLURM_NTASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") ? 1 : 0;
}

int rlc_world_init(int *argc, char ***argv, char *why, size_t n_why)
{
    long n = launcher_size();
    /* SLURM_NTASKS alone (an sbatch script's shell, not an srun task) is no launch */
    bool launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
#ifdef RLC_HAVE_MPI
    (void)n;
    if (!launched)
        return 0;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        snprintf(why, n_why, "MPI_Init failed");
        return -1;
    }
    initialised = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return 0;
#else
    (void)argc;
    (void)argv;
    if (launched && n > 1) {
        snprintf(why, n_why, "started as one of %ld MPI ranks, but this rlc was built without MPI"
                 " (install libopenmpi-dev and set up the build again; meson -Dmpi=enabled says"
                 " why it is missing): every rank would do all the work", n);
        return -1;
    }
    return 0;
#endif
}

bool rlc_world_mpi(void)
{
    return initialised;
}

int rlc_world_rank(void)
{
    return rank;
}

int rlc_world_size(void)
{
    return size;
}

void rlc_world_finalize(void)
{
#ifdef RLC_HAVE_MPI
    if (initialised)
        MPI_Finalize();
#endif
    initialised = false;
}

void rlc_world_abort(int code)
{
#ifdef RLC_HAVE_MPI
    if (initialised && size > 1) {
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
#else
    (void)code;
#endif
}

bool rlc_world_built_with_mpi(void)
{
#ifdef RLC_HAVE_MPI
    return true;
#else
    return false;
#endif
}
