// Names of error kinds, escaping of messages and the internal-invariant check.
#include "imbgen/core/error.h"

#include "imbgen/core/text.h"

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

std::string escape_message(const std::string& message) {
  return printable(message, /*keep_line_breaks=*/true);
}

void check_internal(bool condition, const std::string& message) {
  if (!condition) throw Error(ErrorKind::kInternal, message);
}

}  // namespace imbgen
