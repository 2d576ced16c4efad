// Small helpers for messages: the lists they name ("valid values: a, b, c") and text from outside
// made safe to show.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imbgen {

// The items separated by `sep`: join({"a", "b"}) is "a, b".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

// Whether `item` is one of `items`.
bool contains(const std::vector<std::string>& items, const std::string& item);

// `text` fit to show in a message, a warning or a terminal: control characters (NUL, tab, line
// breaks, ESC, DEL, ...) become escapes ("\0", "\t", "\n", "\r", "\x1b") and so does each
// byte that is not part of valid UTF-8 ("\xe9"); valid UTF-8 and printable ASCII are kept. Use it
// wherever text from a file, an option or a request enters a message: a field value, a column
// name, a class label. With `keep_line_breaks`, "\n" stays a line break (for whole messages
// that list problems one per line).
std::string printable(std::string_view text, bool keep_line_breaks = false);

// Offset of the first byte of `text` that is not part of valid UTF-8 (a stray continuation
// byte, a truncated or overlong sequence, a surrogate), or std::string_view::npos.
size_t find_invalid_utf8(std::string_view text);

}  // namespace imbgen
