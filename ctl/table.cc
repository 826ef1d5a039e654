#include "ctl/table.h"

#include <algorithm>

namespace smeg::ctl {

std::string printable(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto ch = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (ch < 0x20 || ch == 0x7f) {
      out += std::string("\\x") + kHex[ch >> 4] + kHex[ch & 15];
    } else if (ch == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080..U+009F in UTF-8
      out += std::string("\\u00") + kHex[next >> 4] + kHex[next & 15];
      ++i;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

std::string text_of(const api::Json& value) {
  if (auto s = value.get_string()) return printable(*s);
  if (value.is_null()) return "-";
  return value.dump();
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      out << r[i];
      if (i + 1 < r.size() && i < width.size()) out << std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

}  // namespace smeg::ctl
