#include "core/duration.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

namespace smeg {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("'" + std::string(text) + "' " + why);
  };
  size_t split = 0;
  while (split < text.size() &&
         ((text[split] >= '0' && text[split] <= '9') || text[split] == '.')) {
    ++split;
  }
  const std::string_view number = text.substr(0, split);
  const std::string_view unit = text.substr(split);
  if (number.empty()) return bad("is not a duration (a number, optionally with us, ms, s, m or h)");

  uint64_t unit_us = 0;
  if (unit.empty() || unit == "s") {
    unit_us = 1'000'000;
  } else if (unit == "ms") {
    unit_us = 1'000;
  } else if (unit == "us") {
    unit_us = 1;
  } else if (unit == "m") {
    unit_us = 60'000'000;
  } else if (unit == "h") {
    unit_us = 3'600'000'000;
  } else {
    return bad("has an unknown unit (expected us, ms, s, m or h)");
  }

  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) {
    return bad("is not a duration (malformed number)");
  }
  // Nine decimals keep frac * unit_us within 64 bits; finer than a microsecond is noise anyway.
  if (frac.size() > 9) return bad("has too many decimals");
  constexpr uint64_t kMaxUs = uint64_t{1} << 52;  // about 142 years: far beyond any run
  uint64_t w = 0;
  const auto [wend, wec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (wec != std::errc() || w > kMaxUs / unit_us) return bad("is too long");
  uint64_t f = 0;
  uint64_t scale = 1;
  for (char c : frac) {
    f = f * 10 + static_cast<uint64_t>(c - '0');
    scale *= 10;
  }
  const uint64_t us = w * unit_us + f * unit_us / scale;
  if (us > kMaxUs) return bad("is too long");
  return Duration(static_cast<Duration::rep>(us));
}

}  // namespace smeg
