// Typed reads of a YAML tree (yaml-cpp) with errors as values. Every error reads
// "SOURCE:LINE: KEY: what", KEY dotted for nested keys ("dns.listen[1]"), and says what the
// node held ("got a list", "got \"router\""). The reader only reads: it never throws itself,
// though yaml-cpp may, so callers catch YAML::Exception around the whole walk.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/params.h"
#include "core/status.h"

namespace smeg::daemon {

class YamlReader {
 public:
  using Node = YAML::Node;
  using Names = std::span<const std::string_view>;
  using Seen = std::map<std::string, Node>;

  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  // "SOURCE:LINE: KEY: " for a message about node `n` (line 1 for a node without position).
  std::string at(const Node& n, const std::string& key) const;
  Status fail(const Node& n, const std::string& key, const std::string& what) const {
    return Status::invalid_argument(at(n, key) + what);
  }

  // Calls fn(name, value, key) for each entry of a mapping (null: none), in file order; refuses
  // unknown and repeated names. `seen` collects the entries by name, for checks across keys.
  template <typename Fn>
  Status entries(const Node& map, const std::string& path, Names allowed, Seen& seen, Fn fn) const {
    if (map.IsNull()) return Status::ok();
    if (!map.IsMap()) return fail(map, path, "must be a mapping of keys, got " + describe(map));
    for (const auto& kv : map) {
      if (Status s = check_name(kv.first, path, allowed, seen, kv.second); !s) return s;
      const std::string& name = kv.first.Scalar();
      if (Status s = fn(name, kv.second, child(path, name)); !s) return s;
    }
    return Status::ok();
  }

  // Calls fn(item, key) for each element of a list (null: none); key is "path[i]".
  template <typename Fn>
  Status items(const Node& n, const std::string& key, std::string_view what, Fn fn) const {
    if (n.IsNull()) return Status::ok();
    if (!n.IsSequence()) {
      return fail(n, key, "must be a list of " + std::string(what) + ", got " + describe(n));
    }
    for (size_t i = 0; i < n.size(); ++i) {
      if (Status s = fn(n[i], key + "[" + std::to_string(i) + "]"); !s) return s;
    }
    return Status::ok();
  }

  // true/false (and YAML's yes/no, on/off).
  Status read_bool(const Node& n, const std::string& key, bool& out) const;
  // Decimal digits only, at most `max`.
  Status read_uint(const Node& n, const std::string& key, uint64_t max, uint64_t& out) const;
  Status read_u32(const Node& n, const std::string& key, uint32_t& out) const;
  Status read_size(const Node& n, const std::string& key, size_t& out) const;
  // 1..65535.
  Status read_port(const Node& n, const std::string& key, uint16_t& out) const;
  // A finite number.
  Status read_double(const Node& n, const std::string& key, double& out) const;
  // Whole seconds (the original's unit) or a number with a unit (core/duration.h); no sign.
  Status read_duration(const Node& n, const std::string& key, Duration& out) const;
  // Any scalar, as written.
  Status read_string(const Node& n, const std::string& key, std::string& out) const;
  // One of `names`.
  Status read_choice(const Node& n, const std::string& key, Names names, std::string& out) const;

  // "a, b or c".
  static std::string alternatives(Names names);
  // "\"text\"" for a scalar, else "a list", "a mapping", "nothing".
  static std::string describe(const Node& n);
  static std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
  static std::string child(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }

 private:
  Status check_name(const Node& name, const std::string& path, Names allowed, Seen& seen,
                    const Node& value) const;

  std::string source_;
};

}  // namespace smeg::daemon
