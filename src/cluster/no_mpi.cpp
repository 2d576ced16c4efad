// A build without MPI: start_mpi explains how to get one (N copies of the whole benchmark, each
// fighting over the same store, would help no one).
#include "imbgen/cluster/mpi.h"
#include "imbgen/core/error.h"

namespace imbgen {

std::string mpi_library() { return ""; }

std::unique_ptr<MpiCluster> start_mpi() {
  throw Error(ErrorKind::kUnsupported,
              "this imbgen was built without MPI, so it cannot share a benchmark between the "
              "processes of an MPI job; hint: install the Debian packages libopenmpi-dev and "
              "openmpi-bin and build again (cmake -DIMBGEN_MPI=ON), or run it without mpirun");
}

}  // namespace imbgen
