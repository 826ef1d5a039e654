// Durations as people write them in configuration files: "200ms", "2s", "1.5s", "5m", "1h",
// "250us", or a plain number of seconds ("30", "0.25"; the original's unit). Pure text to
// microseconds; both the simulator's scenarios and smegd's configuration read durations here.
#pragma once

#include <string_view>

#include "core/params.h"
#include "core/status.h"

namespace smeg {

// No sign, no exponent, at most nine decimals; the value is truncated to whole microseconds.
// The error message quotes the text and says what is wrong with it.
Result<Duration> parse_duration(std::string_view text);

}  // namespace smeg
