// MPI for `mpirun -n N imbgen benchmark`: the ranks of an MPI job as a Cluster
// (include/imbgen/experiment/cluster.h), over which run_benchmark spreads its cells.
// src/cluster/mpi.cpp is the only file that includes <mpi.h>; a build without MPI (configured
// with IMBGEN_MPI=OFF, or AUTO where none was found) has src/cluster/no_mpi.cpp instead.
#pragma once

#include <memory>
#include <string>

#include "imbgen/experiment/cluster.h"

namespace imbgen {

// The MPI library this build uses ("Open MPI v4.1.4, ..."), empty for a build without MPI.
std::string mpi_library();

// The number of processes an MPI launcher (mpirun, mpiexec, srun --mpi=...) started this job with,
// read from the environment it sets (OMPI_COMM_WORLD_SIZE, PMI_SIZE); -1 when a launcher started
// this process without saying how many (only PMIX_RANK or PMI_RANK set); 0 when no launcher
// started it. Does not initialise MPI.
int mpi_launch_size();

class MpiCluster : public Cluster {
 public:
  // Ends every process of the job at once with exit code `code` (MPI_Abort): for an error the
  // other ranks cannot learn of otherwise.
  [[noreturn]] virtual void abort(int code) = 0;
};

// Initialises MPI (MPI_THREAD_FUNNELED: only the thread that called start_mpi may use the
// cluster) and returns MPI_COMM_WORLD as a cluster; MPI is finalised when it is destroyed, after
// its queued messages have left. Call once per process. Throws Error(kUnsupported) in a build
// without MPI, with how to get one, and Error(kIo) when MPI cannot start.
std::unique_ptr<MpiCluster> start_mpi();

}  // namespace imbgen
