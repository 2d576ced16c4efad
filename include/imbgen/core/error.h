// The single error type of imbgen: an exception with a kind. The CLI maps kinds to exit codes,
// the server to HTTP statuses; library code throws and never exits or prints.
#pragma once

#include <stdexcept>
#include <string>

namespace imbgen {

enum class ErrorKind {
  kInvalidArgument,  // bad user input: a flag, a CSV value, a config key
  kNotFound,         // a file, column or registry name that does not exist
  kIo,               // reading or writing failed
  kUnsupported,      // valid input that this version cannot handle
  kDiverged,         // training produced NaN/inf (message names the step)
  kCancelled,        // the caller asked to stop (Ctrl-C, a closed connection); nothing half-written
  kInternal,         // a bug: an invariant did not hold
};

const char* to_string(ErrorKind kind);

// `message` with every control character but the line break, and every byte that is not part of
// valid UTF-8, written as an escape (printable() in core/text.h): text read from a file, an
// option or a request can then neither cut a message short (a NUL ends what() for a C string),
// nor drive the terminal (ESC), nor make a JSON error body invalid.
std::string escape_message(const std::string& message);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(escape_message(message)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Throws Error(kInternal) with the message when the condition is false.
void check_internal(bool condition, const std::string& message);
// The same for a literal message, which becomes a std::string only when the check fails: a check
// in a loop over rows costs a comparison, not an allocation per row.
inline void check_internal(bool condition, const char* message) {
  if (!condition) check_internal(false, std::string(message));
}

}  // namespace imbgen
