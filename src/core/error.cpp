// Names of error kinds and the internal-invariant check.
#include "imbgen/core/error.h"

namespace imbgen {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return "invalid argument";
    case ErrorKind::kNotFound: return "not found";
    case ErrorKind::kIo: return "I/O error";
    case ErrorKind::kUnsupported: return "unsupported";
    case ErrorKind::kDiverged: return "training diverged";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kInternal: return "internal error";
  }
  return "error";
}

void check_internal(bool condition, const std::string& message) {
  if (!condition) throw Error(ErrorKind::kInternal, message);
}

}  // namespace imbgen
