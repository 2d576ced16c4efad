// Whether an MPI launcher started this process, from the environment it sets (no MPI call, so a
// build without MPI can tell the user what is wrong).
#include <cstdlib>
#include <string>

#include "imbgen/cluster/mpi.h"

namespace imbgen {

int mpi_launch_size() {
  // Open MPI's mpirun; MPICH's and Intel MPI's hydra, srun --mpi=pmi2.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* v = std::getenv(name)) {
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && n >= 1 && n < (1L << 30)) return static_cast<int>(n);
    }
  }
  // srun --mpi=pmix and other PMIx launchers say the rank only.
  if (std::getenv("PMIX_RANK") != nullptr || std::getenv("PMI_RANK") != nullptr) return -1;
  return 0;
}

}  // namespace imbgen
