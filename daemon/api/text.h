// UTF-8 and quoting helpers shared by the JSON parser and printer and the query language.
// Internal to smeg_api.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "daemon/api/json.h"

namespace smeg::api {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at s[i], or 0 when it is
// not one: a stray continuation byte, a truncated sequence, an overlong form, a surrogate or a
// code point above U+10FFFF. Precondition: i < s.size().
size_t utf8_sequence_length(std::string_view s, size_t i);

// Appends code point cp (at most U+10FFFF, not a surrogate) encoded as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

// The number of code points in s, counting each byte of an ill-formed sequence as one.
size_t utf8_length(std::string_view s);

// Appends s as a JSON string literal: quotes, escapes for '"', '\' and control characters, and
// U+FFFD in place of each byte that does not start a well-formed UTF-8 sequence.
void append_json_string(std::string& out, std::string_view s);

// s as a JSON string literal for an error message, cut after about max_bytes bytes ("...").
std::string quoted(std::string_view s, size_t max_bytes = 64);

// "'x'" for a printable ASCII character, "byte 0xNN" for any other.
std::string describe_byte(char c);

// parse() for JSON embedded in a larger text (a query's `literal`): errors read
// "<prefix>: offset <base + N>: what", so that they point into the larger text.
Result<Json> parse_embedded_json(std::string_view text, ParseLimits limits, std::string_view prefix,
                                 size_t base);

}  // namespace smeg::api
