#include "core/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

namespace smeg {
namespace {

TEST(Duration, Parses) {
  const std::pair<const char*, int64_t> good[] = {
      {"200ms", 200'000},       {"2s", 2'000'000},    {"5m", 300'000'000},
      {"1h", 3'600'000'000},    {"1.5s", 1'500'000},  {"5", 5'000'000},
      {"0.25", 250'000},        {"250us", 250},       {"0", 0},
      {"0.0000001s", 0},  // below a microsecond: truncated
      {"1.000001s", 1'000'001}, {"0.5m", 30'000'000}, {"007s", 7'000'000},
  };
  for (const auto& [text, us] : good) {
    Result<Duration> d = parse_duration(text);
    ASSERT_TRUE(d.is_ok()) << text << ": " << d.status().message();
    EXPECT_EQ(d->count(), us) << text;
  }
  const char* bad[] = {
      "",           "5x",  "-1s", "1e3ms",         "ms",   "1.5.s", ".5s",  "5.",
      "1 s",        "+1s", "s5",  "1.0000000001s", "5sec", "5S",    "1,5s", "99999999999999999999s",
      "9999999999h"};
  for (const char* text : bad) EXPECT_FALSE(parse_duration(text).is_ok()) << "'" << text << "'";
}

TEST(Duration, ErrorsQuoteTheTextAndSayWhy) {
  Result<Duration> unit = parse_duration("5sec");
  ASSERT_FALSE(unit.is_ok());
  EXPECT_EQ(unit.status().message(), "'5sec' has an unknown unit (expected us, ms, s, m or h)");
  Result<Duration> sign = parse_duration("-1s");
  ASSERT_FALSE(sign.is_ok());
  EXPECT_NE(sign.status().message().find("'-1s' is not a duration"), std::string::npos);
}

}  // namespace
}  // namespace smeg
