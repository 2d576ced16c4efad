// The imbgen version, from the project() call in the top CMakeLists.txt.
#pragma once

namespace imbgen {

// e.g. "0.2.0". Written into results.json, model files and the model card.
const char* version();

}  // namespace imbgen
