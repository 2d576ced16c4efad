// Names and versions of the files imbgen writes for other programs to read. Every such file
// carries its format name and version, so a reader can refuse a foreign or newer file clearly.
#pragma once

namespace imbgen {

// results.json of `imbgen run` and `imbgen benchmark`: {"format": kResultsFormat,
// "format_version": kResultsFormatVersion, "imbgen_version", "dataset", "config", "results",
// "generators", ...}. Version 1 is the first to carry the name; files without it (imbgen 0.1)
// are read as version 1.
inline constexpr char kResultsFormat[] = "imbgen-results";
inline constexpr int kResultsFormatVersion = 1;

}  // namespace imbgen
