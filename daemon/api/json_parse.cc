// The strict JSON parser behind parse(): recursive descent, depth-limited, no look-back.
#include <algorithm>
#include <charconv>
#include <string>

#include "daemon/api/json.h"
#include "daemon/api/text.h"

namespace smeg::api {

class JsonParser {
 public:
  // Errors read "<prefix>: offset <base + N>: what".
  JsonParser(std::string_view text, ParseLimits limits, std::string_view prefix, size_t base)
      : text_(text), limits_(limits), prefix_(prefix), base_(base) {}

  Result<Json> run() {
    if (text_.size() > limits_.max_bytes) {
      fail(limits_.max_bytes,
           "input is longer than the limit of " + std::to_string(limits_.max_bytes) + " bytes");
      return error_;
    }
    Json value;
    skip_whitespace();
    if (!parse_value(value, 0)) return error_;
    skip_whitespace();
    if (pos_ < text_.size()) {
      fail(pos_, "unexpected " + describe_byte(text_[pos_]) + " after the value");
      return error_;
    }
    return value;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  // Records the first error; returns false so that callers can `return fail(...)`.
  bool fail(size_t offset, const std::string& what) {
    error_ = Status::invalid_argument(std::string(prefix_) + ": offset " +
                                      std::to_string(base_ + offset) + ": " + what);
    return false;
  }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  // Parses the value at pos_ (whitespace already skipped). depth counts the containers around.
  bool parse_value(Json& out, size_t depth) {
    if (at_end()) return fail(pos_, "unexpected end of input, expected a value");
    switch (peek()) {
      case '{':
        return parse_object(out, depth);
      case '[':
        return parse_array(out, depth);
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out = Json(std::move(s));
        return true;
      }
      case 't':
        return parse_literal("true", Json(true), out);
      case 'f':
        return parse_literal("false", Json(false), out);
      case 'n':
        return parse_literal("null", Json(), out);
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number(out);
        return fail(pos_, "expected a value, got " + describe_byte(peek()));
    }
  }

  bool parse_literal(std::string_view word, Json value, Json& out) {
    if (text_.substr(pos_, word.size()) != word) {
      return fail(pos_, "invalid literal, expected " + std::string(word));
    }
    pos_ += word.size();
    out = std::move(value);
    return true;
  }

  bool enter(size_t depth) {
    if (depth + 1 > limits_.max_depth) {
      return fail(pos_, "nesting deeper than " + std::to_string(limits_.max_depth));
    }
    return true;
  }

  bool parse_array(Json& out, size_t depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '['
    Json::Array items;
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      out = Json(std::move(items));
      return true;
    }
    for (;;) {
      Json item;
      if (!parse_value(item, depth + 1)) return false;
      items.push_back(std::move(item));
      skip_whitespace();
      if (at_end()) return fail(pos_, "unexpected end of input, expected ',' or ']'");
      if (peek() == ']') break;
      if (peek() != ',') return fail(pos_, "expected ',' or ']', got " + describe_byte(peek()));
      ++pos_;
      skip_whitespace();
    }
    ++pos_;  // ']'
    out = Json(std::move(items));
    return true;
  }

  bool parse_object(Json& out, size_t depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '{'
    JsonObject object;
    std::vector<size_t> key_offsets;  // parallel to object.members_, for the duplicate error
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      out = Json(std::move(object));
      return true;
    }
    for (;;) {
      if (at_end()) return fail(pos_, "unexpected end of input, expected a string key");
      if (peek() != '"') return fail(pos_, "expected a string key, got " + describe_byte(peek()));
      const size_t key_offset = pos_;
      std::string key;
      if (!parse_string(key)) return false;
      skip_whitespace();
      if (at_end()) return fail(pos_, "unexpected end of input, expected ':'");
      if (peek() != ':') return fail(pos_, "expected ':', got " + describe_byte(peek()));
      ++pos_;
      skip_whitespace();
      Json value;
      if (!parse_value(value, depth + 1)) return false;
      object.members_.emplace_back(std::move(key), std::move(value));
      key_offsets.push_back(key_offset);
      skip_whitespace();
      if (at_end()) return fail(pos_, "unexpected end of input, expected ',' or '}'");
      if (peek() == '}') break;
      if (peek() != ',') return fail(pos_, "expected ',' or '}', got " + describe_byte(peek()));
      ++pos_;
      skip_whitespace();
    }
    ++pos_;  // '}'
    if (!index_members(object, key_offsets)) return false;
    out = Json(std::move(object));
    return true;
  }

  // Builds the key index in O(n log n) and refuses duplicate keys, naming the first repeated
  // one in input order.
  bool index_members(JsonObject& object, const std::vector<size_t>& key_offsets) {
    const auto& members = object.members_;
    std::vector<uint32_t>& order = object.order_;
    order.resize(members.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return members[a].first < members[b].first; });
    size_t duplicate = members.size();
    for (size_t i = 1; i < order.size(); ++i) {
      if (members[order[i]].first == members[order[i - 1]].first) {
        duplicate = std::min<size_t>(duplicate, order[i]);  // stable: order[i] is the later one
      }
    }
    if (duplicate == members.size()) return true;
    return fail(key_offsets[duplicate], "duplicate key " + quoted(members[duplicate].first));
  }

  bool parse_string(std::string& out) {
    const size_t start = pos_;
    ++pos_;  // '"'
    for (;;) {
      // Copy the longest run of characters that stand for themselves in one go.
      size_t run = pos_;
      while (run < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[run]);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++run;
      }
      out.append(text_, pos_, run - pos_);
      pos_ = run;
      if (at_end()) return fail(start, "unterminated string");
      const auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape(out)) return false;
        continue;
      }
      if (c < 0x20) return fail(pos_, "unescaped control character " + describe_byte(peek()));
      const size_t length = utf8_sequence_length(text_, pos_);
      if (length == 0) return fail(pos_, "invalid UTF-8 in string");
      out.append(text_, pos_, length);
      pos_ += length;
    }
  }

  bool parse_escape(std::string& out) {
    const size_t start = pos_;
    ++pos_;  // '\'
    if (at_end()) return fail(start, "unterminated escape");
    const char c = peek();
    ++pos_;
    switch (c) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return fail(start, "invalid escape '\\' followed by " + describe_byte(c));
    }
    uint32_t cp;
    if (!parse_hex4(start, cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return fail(start, "unpaired low surrogate " + std::string(text_.substr(start, 6)));
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const size_t low_start = pos_;
      uint32_t low = 0;
      if (text_.substr(pos_, 2) != "\\u") {
        return fail(start, "high surrogate " + std::string(text_.substr(start, 6)) +
                               " not followed by a low surrogate");
      }
      pos_ += 2;
      if (!parse_hex4(low_start, low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return fail(start, "high surrogate " + std::string(text_.substr(start, 6)) +
                               " not followed by a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
  }

  // Four hex digits at pos_, for the \u escape that starts at escape_start.
  bool parse_hex4(size_t escape_start, uint32_t& cp) {
    cp = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (at_end()) return fail(escape_start, "unterminated \\u escape");
      const char c = peek();
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return fail(escape_start, "\\u escape needs 4 hex digits, got " + describe_byte(c));
      }
      cp = cp * 16 + digit;
    }
    return true;
  }

  bool is_digit() const { return !at_end() && peek() >= '0' && peek() <= '9'; }

  bool parse_number(Json& out) {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (!is_digit()) return fail(start, "invalid number: expected a digit after '-'");
    if (peek() == '0') {
      ++pos_;
      if (is_digit()) return fail(start, "invalid number: leading zero");
    } else {
      while (is_digit()) ++pos_;
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      integral = false;
      ++pos_;
      if (!is_digit()) return fail(start, "invalid number: expected a digit after '.'");
      while (is_digit()) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!is_digit()) return fail(start, "invalid number: expected a digit in the exponent");
      while (is_digit()) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      int64_t i = 0;
      const auto [end, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && end == last) {
        out = Json(i);
        return true;
      }
      // Beyond int64: a double, like any other number.
    }
    double d = 0;
    const auto [end, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || end != last) {
      return fail(start, "number out of range");
    }
    out = Json(d);
    return true;
  }

  std::string_view text_;
  ParseLimits limits_;
  std::string_view prefix_;
  size_t base_;
  size_t pos_ = 0;
  Status error_;
};

Result<Json> parse(std::string_view text, ParseLimits limits) {
  return JsonParser(text, limits, "json", 0).run();
}

Result<Json> parse_embedded_json(std::string_view text, ParseLimits limits, std::string_view prefix,
                                 size_t base) {
  return JsonParser(text, limits, prefix, base).run();
}

}  // namespace smeg::api
