#include "daemon/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/duration.h"

namespace smeg::daemon {

std::string YamlReader::at(const Node& n, const std::string& key) const {
  // An empty document has no position; line 1 is the best pointer there is.
  const int line = n.Mark().is_null() ? 1 : std::max(1, n.Mark().line + 1);
  return source_ + ":" + std::to_string(line) + ": " + key + ": ";
}

Status YamlReader::check_name(const Node& name, const std::string& path, Names allowed, Seen& seen,
                              const Node& value) const {
  if (!name.IsScalar()) {
    return fail(name, path.empty() ? "configuration" : path, "keys must be plain names");
  }
  const std::string& text = name.Scalar();
  const std::string key = child(path, text);
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    return fail(name, key, "unknown key (expected one of: " + alternatives(allowed) + ")");
  }
  if (!seen.emplace(text, value).second) return fail(name, key, "repeated key");
  return Status::ok();
}

Status YamlReader::read_bool(const Node& n, const std::string& key, bool& out) const {
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out)) {
    return fail(n, key, "must be true or false, got " + describe(n));
  }
  return Status::ok();
}

Status YamlReader::read_uint(const Node& n, const std::string& key, uint64_t max,
                             uint64_t& out) const {
  const std::string text = n.IsScalar() ? n.Scalar() : "";
  if (!text.empty() && text[0] == '-') return fail(n, key, "must not be negative, got " + text);
  const char* end = text.data() + text.size();
  const auto [last, ec] = std::from_chars(text.data(), end, out);
  if (text.empty() || last != end || ec == std::errc::invalid_argument) {
    return fail(n, key, "must be a whole number, got " + describe(n));
  }
  if (ec != std::errc() || out > max) {
    return fail(n, key, "must be at most " + std::to_string(max) + ", got " + text);
  }
  return Status::ok();
}

Status YamlReader::read_u32(const Node& n, const std::string& key, uint32_t& out) const {
  uint64_t v = 0;
  if (Status s = read_uint(n, key, UINT32_MAX, v); !s) return s;
  out = static_cast<uint32_t>(v);
  return Status::ok();
}

Status YamlReader::read_size(const Node& n, const std::string& key, size_t& out) const {
  uint64_t v = 0;
  if (Status s = read_uint(n, key, SIZE_MAX, v); !s) return s;
  out = static_cast<size_t>(v);
  return Status::ok();
}

Status YamlReader::read_port(const Node& n, const std::string& key, uint16_t& out) const {
  uint64_t v = 0;
  if (Status s = read_uint(n, key, UINT64_MAX, v); !s) return s;
  if (v < 1 || v > 65535) return fail(n, key, "must be a port in 1..65535, got " + n.Scalar());
  out = static_cast<uint16_t>(v);
  return Status::ok();
}

Status YamlReader::read_double(const Node& n, const std::string& key, double& out) const {
  const std::string text = n.IsScalar() ? n.Scalar() : "";
  const char* end = text.data() + text.size();
  const auto [last, ec] = std::from_chars(text.data(), end, out);
  if (text.empty() || ec != std::errc() || last != end || !std::isfinite(out)) {
    return fail(n, key, "must be a number, got " + describe(n));
  }
  return Status::ok();
}

Status YamlReader::read_duration(const Node& n, const std::string& key, Duration& out) const {
  if (!n.IsScalar()) {
    return fail(n, key, "must be a duration (seconds, or 200ms, 2s, 5m, 1h), got " + describe(n));
  }
  const std::string& text = n.Scalar();
  if (!text.empty() && text[0] == '-') return fail(n, key, "must not be negative, got " + text);
  Result<Duration> d = parse_duration(text);
  if (!d) return fail(n, key, d.status().message());
  out = *d;
  return Status::ok();
}

Status YamlReader::read_string(const Node& n, const std::string& key, std::string& out) const {
  if (!n.IsScalar()) return fail(n, key, "must be a string, got " + describe(n));
  out = n.Scalar();
  return Status::ok();
}

Status YamlReader::read_choice(const Node& n, const std::string& key, Names names,
                               std::string& out) const {
  if (!n.IsScalar() || std::find(names.begin(), names.end(), n.Scalar()) == names.end()) {
    return fail(n, key, "must be " + alternatives(names) + ", got " + describe(n));
  }
  out = n.Scalar();
  return Status::ok();
}

std::string YamlReader::alternatives(Names names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string YamlReader::describe(const Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return quoted(n.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

}  // namespace smeg::daemon
