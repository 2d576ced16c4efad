// Small helpers for the lists that messages name ("valid values: a, b, c").
#pragma once

#include <string>
#include <vector>

namespace imbgen {

// The items separated by `sep`: join({"a", "b"}) is "a, b".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

// Whether `item` is one of `items`.
bool contains(const std::vector<std::string>& items, const std::string& item);

}  // namespace imbgen
