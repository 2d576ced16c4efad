// The version string comes from CMake (IMBGEN_VERSION, set in src/core/CMakeLists.txt).
#include "imbgen/core/version.h"

namespace imbgen {

const char* version() { return IMBGEN_VERSION; }

}  // namespace imbgen
