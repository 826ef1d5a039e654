// printf into a std::string, of any length: the report writers format numbers the way the
// JSON and text output always have (%.3f, %016llx, ...), which iostreams make awkward.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace smeg::sim {

[[gnu::format(printf, 2, 3)]] inline void appendf(std::string& out, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  if (n > 0) {
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(n) + 1);  // vsnprintf writes the terminator too
    std::vsnprintf(out.data() + at, static_cast<size_t>(n) + 1, fmt, again);
    out.resize(at + static_cast<size_t>(n));
  }
  va_end(again);
}

[[gnu::format(printf, 1, 2)]] inline std::string strformat(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string out;
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, args);
  if (n > 0) {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data(), static_cast<size_t>(n) + 1, fmt, again);
    out.resize(static_cast<size_t>(n));
  }
  va_end(again);
  va_end(args);
  return out;
}

}  // namespace smeg::sim
