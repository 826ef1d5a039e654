// What smegctl prints for people (not --json): text made safe for a terminal, values as table
// cells, and tables with aligned columns. Strings from smegd may come from other members (an
// alias is whatever that member sent), so every string shown goes through printable().
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/json.h"

namespace smeg::ctl {

// `s` with control characters made visible: C0 and DEL as "\xNN", C1 (U+0080..U+009F, such
// as CSI) as "\u00NN"; everything else, UTF-8 included, unchanged.
std::string printable(std::string_view s);

// A JSON value as a cell: a string printable(), null "-", anything else its JSON.
std::string text_of(const api::Json& value);

// The header and rows, columns separated by at least two spaces and aligned (by bytes: the
// cells are ASCII but for descriptions, which tables do not show).
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

}  // namespace smeg::ctl
