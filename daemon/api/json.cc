#include "daemon/api/json.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <compare>

#include "daemon/api/text.h"

namespace smeg::api {

// ---- JsonObject ----

size_t JsonObject::position(std::string_view key) const {
  const auto it = std::lower_bound(
      order_.begin(), order_.end(), key,
      [this](uint32_t i, std::string_view k) { return std::string_view(members_[i].first) < k; });
  return static_cast<size_t>(it - order_.begin());
}

const Json* JsonObject::find(std::string_view key) const {
  const size_t p = position(key);
  if (p == order_.size() || members_[order_[p]].first != key) return nullptr;
  return &members_[order_[p]].second;
}

Json* JsonObject::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const JsonObject*>(this)->find(key));
}

Json& JsonObject::set(std::string key, Json value) {
  const size_t p = position(key);
  if (p < order_.size() && members_[order_[p]].first == key) {
    return members_[order_[p]].second = std::move(value);
  }
  order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(p),
                static_cast<uint32_t>(members_.size()));
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

bool JsonObject::erase(std::string_view key) {
  const size_t p = position(key);
  if (p == order_.size() || members_[order_[p]].first != key) return false;
  const uint32_t gone = order_[p];
  members_.erase(members_.begin() + gone);
  order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(p));
  for (uint32_t& i : order_) {
    if (i > gone) --i;
  }
  return true;
}

// ---- Json: reading ----

std::optional<bool> Json::get_bool() const {
  if (const bool* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}

std::optional<int64_t> Json::get_int() const {
  if (const int64_t* i = std::get_if<int64_t>(&v_)) return *i;
  return std::nullopt;
}

std::optional<double> Json::get_number() const {
  if (const int64_t* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  if (const double* d = std::get_if<double>(&v_)) return *d;
  return std::nullopt;
}

std::optional<std::string_view> Json::get_string() const {
  if (const std::string* s = std::get_if<std::string>(&v_)) return std::string_view(*s);
  return std::nullopt;
}

namespace {

// The member key of an object, of the kind wanted; the error names the key.
Result<const Json*> typed_field(const Json& json, std::string_view key, Json::Kind want,
                                const char* want_name) {
  const Json::Object* object = json.object_members();
  if (object == nullptr) {
    return Status::invalid_argument("expected an object with field " + quoted(key) + ", got " +
                                    kind_name(json.kind()));
  }
  const Json* value = object->find(key);
  if (value == nullptr) return Status::invalid_argument("field " + quoted(key) + ": missing");
  if (value->kind() != want) {
    return Status::invalid_argument("field " + quoted(key) + ": expected " + want_name + ", got " +
                                    kind_name(value->kind()));
  }
  return value;
}

}  // namespace

Result<std::string> Json::string_field(std::string_view key) const {
  auto field = typed_field(*this, key, Kind::kString, "a string");
  if (!field) return field.status();
  return std::string(*(*field)->get_string());
}

Result<int64_t> Json::int_field(std::string_view key) const {
  auto field = typed_field(*this, key, Kind::kInt, "an integer");
  if (!field) return field.status();
  return *(*field)->get_int();
}

Result<bool> Json::bool_field(std::string_view key) const {
  auto field = typed_field(*this, key, Kind::kBool, "a boolean");
  if (!field) return field.status();
  return *(*field)->get_bool();
}

Result<const Json*> Json::object_field(std::string_view key) const {
  return typed_field(*this, key, Kind::kObject, "an object");
}

Result<const Json::Array*> Json::array_field(std::string_view key) const {
  auto field = typed_field(*this, key, Kind::kArray, "an array");
  if (!field) return field.status();
  return (*field)->array_items();
}

const Json& Json::operator[](std::string_view key) const {
  static const Json kNull;
  const Object* object = object_members();
  if (object == nullptr) return kNull;
  const Json* value = object->find(key);
  return value != nullptr ? *value : kNull;
}

const Json& Json::operator[](size_t index) const {
  static const Json kNull;
  const Array* items = array_items();
  if (items == nullptr || index >= items->size()) return kNull;
  return (*items)[index];
}

size_t Json::size() const {
  if (const Array* items = array_items()) return items->size();
  if (const Object* object = object_members()) return object->size();
  return 0;
}

// ---- Json: building ----

Json& Json::set(std::string key, Json value) & {
  if (is_null()) v_ = Object();
  Object* object = object_members();
  assert(object != nullptr && "Json::set on a value that is not an object");
  if (object != nullptr) object->set(std::move(key), std::move(value));
  return *this;
}

Json& Json::push(Json value) & {
  if (is_null()) v_ = Array();
  Array* items = array_items();
  assert(items != nullptr && "Json::push on a value that is not an array");
  if (items != nullptr) items->push_back(std::move(value));
  return *this;
}

// ---- comparison ----

const char* kind_name(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::kNull:
      return "null";
    case Json::Kind::kBool:
      return "boolean";
    case Json::Kind::kInt:
    case Json::Kind::kDouble:
      return "number";
    case Json::Kind::kString:
      return "string";
    case Json::Kind::kArray:
      return "array";
    case Json::Kind::kObject:
      return "object";
  }
  return "?";
}

namespace {

std::partial_ordering compare_int_double(int64_t i, double d) {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d >= kTwo63) return std::partial_ordering::less;
  if (d < -kTwo63) return std::partial_ordering::greater;
  // Here trunc(d) fits int64, so the comparison is exact.
  const double whole = std::trunc(d);
  const auto whole_int = static_cast<int64_t>(whole);
  if (i != whole_int) return i <=> whole_int;
  return whole <=> d;  // i == trunc(d): the fraction decides
}

std::partial_ordering number_order(const Json& a, const Json& b) {
  const auto ai = a.get_int();
  const auto bi = b.get_int();
  if (ai && bi) return *ai <=> *bi;
  if (ai) return compare_int_double(*ai, *b.get_number());
  if (bi) return 0 <=> compare_int_double(*bi, *a.get_number());
  return *a.get_number() <=> *b.get_number();
}

}  // namespace

int compare_numbers(const Json& a, const Json& b) {
  assert(a.is_number() && b.is_number());
  const std::partial_ordering order = number_order(a, b);
  if (order == std::partial_ordering::less) return -1;
  if (order == std::partial_ordering::equivalent) return 0;
  return 1;
}

bool operator==(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    return number_order(a, b) == std::partial_ordering::equivalent;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Json::Kind::kNull:
      return true;
    case Json::Kind::kBool:
      return a.get_bool() == b.get_bool();
    case Json::Kind::kString:
      return a.get_string() == b.get_string();
    case Json::Kind::kArray:
      return *a.array_items() == *b.array_items();
    case Json::Kind::kObject: {
      const Json::Object& bo = *b.object_members();
      if (a.size() != bo.size()) return false;
      for (const auto& [key, value] : *a.object_members()) {
        const Json* other = bo.find(key);
        if (other == nullptr || !(value == *other)) return false;
      }
      return true;
    }
    case Json::Kind::kInt:
    case Json::Kind::kDouble:
      break;  // handled above
  }
  return false;
}

// ---- dump ----

namespace {

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  assert(ec == std::errc());
  const std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  // "1" and "-0" would read back as integers.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_newline(std::string& out, int indent, size_t depth) {
  out += '\n';
  if (indent > 0) out.append(depth * static_cast<size_t>(indent), ' ');
}

// indent < 0: compact.
void write(std::string& out, const Json& value, int indent, size_t depth) {
  switch (value.kind()) {
    case Json::Kind::kNull:
      out += "null";
      return;
    case Json::Kind::kBool:
      out += *value.get_bool() ? "true" : "false";
      return;
    case Json::Kind::kInt: {
      char buf[24];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *value.get_int());
      out.append(buf, end);
      return;
    }
    case Json::Kind::kDouble:
      append_double(out, *value.get_number());
      return;
    case Json::Kind::kString:
      append_json_string(out, *value.get_string());
      return;
    case Json::Kind::kArray: {
      const Json::Array& items = *value.array_items();
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        if (indent >= 0) append_newline(out, indent, depth + 1);
        write(out, items[i], indent, depth + 1);
      }
      if (indent >= 0 && !items.empty()) append_newline(out, indent, depth);
      out += ']';
      return;
    }
    case Json::Kind::kObject: {
      const Json::Object& object = *value.object_members();
      out += '{';
      bool first = true;
      for (const auto& [key, member] : object) {
        if (!first) out += ',';
        first = false;
        if (indent >= 0) append_newline(out, indent, depth + 1);
        append_json_string(out, key);
        out += indent >= 0 ? ": " : ":";
        write(out, member, indent, depth + 1);
      }
      if (indent >= 0 && !object.empty()) append_newline(out, indent, depth);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string Json::dump() const {
  std::string out;
  write(out, *this, -1, 0);
  return out;
}

std::string Json::dump_pretty() const {
  std::string out;
  write(out, *this, 2, 0);
  return out;
}

}  // namespace smeg::api
