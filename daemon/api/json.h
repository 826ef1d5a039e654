// A JSON value for smegd's local API and smegctl: null, boolean, integer (int64, exact), number
// (double), string (UTF-8), array, and object whose members keep their insertion order and are
// found by key in O(log n). Values are plain data: copying deep-copies, and a const Json may be
// read from several threads at once.
//
// parse() is strict RFC 8259 (no comments, trailing commas, NaN, leading zeros or byte order
// mark; duplicate object keys are an error) and takes untrusted input: it validates UTF-8 and
// \u escapes (surrogates must pair), never recurses deeper than ParseLimits::max_depth, refuses
// input longer than max_bytes, and allocates in proportion to the input only. A number with no
// fraction or exponent that fits int64 parses as an integer, any other number as a double; a
// number beyond double's range is an error. Errors read "json: offset N: what".
//
// dump() always produces valid JSON: control characters are escaped, bytes that are not valid
// UTF-8 (only possible in strings built by code) become U+FFFD, integers print exactly, doubles
// print in their shortest form that reads back to the same double (with ".0" if it would
// otherwise read back as an integer), and a NaN or infinity (again only from code) prints null.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"

namespace smeg::api {

class Json;

// An object's members in insertion order, with an index sorted by key.
class JsonObject {
 public:
  using Member = std::pair<std::string, Json>;
  using const_iterator = std::vector<Member>::const_iterator;

  // The member's value, or null when there is no such key.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Sets key to value: replaces the value of an existing key in place, else appends (O(n):
  // the index shifts).
  Json& set(std::string key, Json value);
  // Removes key; false if it was not there. O(n).
  bool erase(std::string_view key);
  size_t size() const;
  bool empty() const;
  const_iterator begin() const;
  const_iterator end() const;
  // Members in insertion order.
  const std::vector<Member>& members() const { return members_; }

 private:
  friend class JsonParser;
  // Lower bound of key in order_.
  size_t position(std::string_view key) const;

  std::vector<Member> members_;
  // Indices into members_, sorted by key (bytewise, which for UTF-8 is code point order).
  std::vector<uint32_t> order_;
};

class Json {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Object = JsonObject;

  Json() = default;
  Json(std::nullptr_t) {}     // NOLINT: implicit by design, as are the ones below
  Json(bool b) : v_(b) {}     // NOLINT
  template <std::integral T>  // every integer type but bool and char
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Json(T i) {  // NOLINT
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      // Beyond int64 an unsigned value can only be approximated.
      if (i > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        v_ = static_cast<double>(i);
        return;
      }
    }
    v_ = static_cast<int64_t>(i);
  }
  Json(double d) : v_(d) {}                         // NOLINT
  Json(const char* s) : v_(std::string(s)) {}       // NOLINT
  Json(std::string s) : v_(std::move(s)) {}         // NOLINT
  Json(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Json(Array a) : v_(std::move(a)) {}               // NOLINT
  Json(Object o) : v_(std::move(o)) {}              // NOLINT

  // An empty object or array, to fill with set() or push().
  static Json object() { return Json(Object()); }
  static Json array() { return Json(Array()); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_double() const { return kind() == Kind::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  // Typed reads: empty when the value is of another kind. get_number() reads an integer too
  // (rounded to the nearest double beyond 2^53); get_int() reads integers only.
  std::optional<bool> get_bool() const;
  std::optional<int64_t> get_int() const;
  std::optional<double> get_number() const;
  std::optional<std::string_view> get_string() const;
  // The container, or null when the value is of another kind.
  const Array* array_items() const { return std::get_if<Array>(&v_); }
  Array* array_items() { return std::get_if<Array>(&v_); }
  const Object* object_members() const { return std::get_if<Object>(&v_); }
  Object* object_members() { return std::get_if<Object>(&v_); }

  // Reads object members for request handling; the error names the key and what was wrong:
  // field "port": expected an integer, got string / field "mesh": missing.
  Result<std::string> string_field(std::string_view key) const;
  Result<int64_t> int_field(std::string_view key) const;
  Result<bool> bool_field(std::string_view key) const;
  Result<const Json*> object_field(std::string_view key) const;
  Result<const Array*> array_field(std::string_view key) const;

  // The member's value; null when missing or when this is not an object. Never inserts.
  const Json& operator[](std::string_view key) const;
  // The element; null when out of range or when this is not an array.
  const Json& operator[](size_t index) const;
  // Elements of an array, members of an object, else 0.
  size_t size() const;

  // Builders. set() needs an object or null (null becomes an empty object first); push() needs
  // an array or null. On any other kind they assert and do nothing.
  Json& set(std::string key, Json value) &;
  Json&& set(std::string key, Json value) && {
    return std::move(set(std::move(key), std::move(value)));
  }
  Json& push(Json value) &;
  Json&& push(Json value) && { return std::move(push(std::move(value))); }

  // Compact: no whitespace at all.
  std::string dump() const;
  // Two-space indent, one member or element per line, "key": value, empty containers as {} / [].
  std::string dump_pretty() const;

  // JSON equality: numbers by value (an integer equals the double of the same value), objects
  // regardless of member order.
  friend bool operator==(const Json& a, const Json& b);

 private:
  friend class JsonParser;
  // The alternatives are in Kind's order.
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

// "null", "boolean", "number" (integers and doubles alike), "string", "array", "object".
const char* kind_name(Json::Kind kind);

// Compares two numbers by value, exactly (no rounding of int64 to double): <0, 0 or >0.
// Both must be numbers; a NaN compares equal to nothing and orders as 1 here.
int compare_numbers(const Json& a, const Json& b);

struct ParseLimits {
  size_t max_depth = 64;       // nesting of arrays and objects
  size_t max_bytes = 1 << 20;  // input length
};

// Parses one JSON text (surrounding whitespace allowed, nothing else).
Result<Json> parse(std::string_view text, ParseLimits limits = {});

// Defined here, where Json is complete (std::pair<std::string, Json> needs it).
inline size_t JsonObject::size() const { return members_.size(); }
inline bool JsonObject::empty() const { return members_.empty(); }
inline JsonObject::const_iterator JsonObject::begin() const { return members_.begin(); }
inline JsonObject::const_iterator JsonObject::end() const { return members_.end(); }

}  // namespace smeg::api
