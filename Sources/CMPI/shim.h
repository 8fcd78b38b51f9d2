// The system MPI (Open MPI's mpi.h), used by DistributedTraining with the package
// trait MPI. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are
// macros over its globals that Swift cannot import, so they are given here as
// functions.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
#endif
