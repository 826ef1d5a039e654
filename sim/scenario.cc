#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

#include "core/address.h"

namespace smeg::sim {
namespace {

// Every reader below returns a Status; this keeps the happy path readable.
#define SCEN_TRY(expr)             \
  do {                             \
    if (Status s_ = (expr); !s_) { \
      return s_;                   \
    }                              \
  } while (false)

using YAML::Node;
using Keys = std::initializer_list<std::string_view>;

std::string child(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

std::string item(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string join_names(Keys names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string seconds_text(Duration d) {
  std::ostringstream out;
  out << std::chrono::duration<double>(d).count() << "s";
  return out.str();
}

// Walks the YAML tree; `file_` prefixes every error.
class Parser {
 public:
  explicit Parser(const std::string& file) : file_(file) {}

  Status parse(const Node& root, Scenario& sc);

 private:
  Status fail(const Node& at, const std::string& key, const std::string& what) const {
    // An empty document has no position; line 1 is the best pointer we can give.
    const int line = at.Mark().is_null() ? 1 : std::max(1, at.Mark().line + 1);
    return Status::invalid_argument(file_ + ":" + std::to_string(line) + ": " + key + ": " + what);
  }

  // A mapping whose keys are all in `allowed`, each at most once.
  Status check_map(const Node& n, const std::string& path, Keys allowed) const {
    if (!n.IsMap()) return fail(n, path, "must be a mapping");
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) return fail(kv.first, path, "keys must be plain names");
      const std::string& name = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        return fail(kv.first, child(path, name),
                    "unknown key (expected one of: " + join_names(allowed) + ")");
      }
      if (!seen.insert(name).second) return fail(kv.first, child(path, name), "duplicate key");
    }
    return Status::ok();
  }

  Status require(const Node& map, const std::string& path, Keys names) const {
    for (std::string_view name : names) {
      if (!map[std::string(name)]) return fail(map, child(path, name), "missing (required)");
    }
    return Status::ok();
  }

  Status read_string(const Node& n, const std::string& key, std::string& out) const {
    if (!n.IsScalar()) return fail(n, key, "must be a string");
    out = n.Scalar();
    return Status::ok();
  }

  Status read_uint(const Node& n, const std::string& key, uint64_t max, uint64_t& out) const {
    const std::string text = n.IsScalar() ? n.Scalar() : "";
    if (!text.empty() && text[0] == '-') return fail(n, key, "must not be negative");
    if (!all_digits(text)) return fail(n, key, "must be a non-negative integer");
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || out > max)
      return fail(n, key, "must be at most " + std::to_string(max));
    return Status::ok();
  }

  Status read_u32(const Node& n, const std::string& key, uint32_t& out, uint32_t min = 0) const {
    uint64_t v = 0;
    SCEN_TRY(read_uint(n, key, std::numeric_limits<uint32_t>::max(), v));
    if (v < min) return fail(n, key, "must be at least " + std::to_string(min));
    out = static_cast<uint32_t>(v);
    return Status::ok();
  }

  Status read_size(const Node& n, const std::string& key, size_t& out) const {
    uint64_t v = 0;
    SCEN_TRY(read_uint(n, key, std::numeric_limits<size_t>::max(), v));
    out = static_cast<size_t>(v);
    return Status::ok();
  }

  Status read_double(const Node& n, const std::string& key, double& out) const {
    const std::string text = n.IsScalar() ? n.Scalar() : "";
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(text.data(), last, out);
    if (text.empty() || ec != std::errc() || end != last || !std::isfinite(out)) {
      return fail(n, key, "must be a number");
    }
    return Status::ok();
  }

  // A probability or share: [0, 1], or [0, 1) when `below_one`.
  Status read_fraction(const Node& n, const std::string& key, double& out,
                       bool below_one = false) const {
    SCEN_TRY(read_double(n, key, out));
    if (out < 0.0 || out > 1.0 || (below_one && out == 1.0)) {
      return fail(n, key, below_one ? "must be in [0, 1)" : "must be in [0, 1]");
    }
    return Status::ok();
  }

  Status read_bool(const Node& n, const std::string& key, bool& out) const {
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out)) {
      return fail(n, key, "must be true or false");
    }
    return Status::ok();
  }

  Status read_duration(const Node& n, const std::string& key, Duration& out,
                       bool positive = false) const {
    if (!n.IsScalar()) return fail(n, key, "must be a duration such as 200ms, 2s, 5m");
    Result<Duration> d = parse_duration(n.Scalar());
    if (!d) return fail(n, key, d.status().message());
    if (positive && *d <= Duration(0)) return fail(n, key, "must be positive");
    out = *d;
    return Status::ok();
  }

  Status parse_network(const Node& n, NetworkModel& net) const;
  Status parse_params(const Node& n, Params& p) const;
  Status parse_meshes(const Node& n, std::vector<MeshSpec>& meshes);
  Status parse_bridges(const Node& n, std::vector<BridgeSpec>& bridges) const;
  Status parse_faults(const Node& n, Scenario& sc) const;
  Status parse_fault(const Node& n, const std::string& kind, const std::string& key,
                     FaultAction& out) const;
  Status parse_node_fault(const Node& n, const std::string& kind, const std::string& key,
                          FaultAction& out) const;
  Status read_pick(const Node& n, const std::string& key, Keys allowed, NodePick& out) const;
  Status read_offset(const Node& n, const std::string& key, Duration& out) const;
  Status parse_expect(const Node& n, Expectations& e) const;
  Status read_mesh_ref(const Node& n, const std::string& key, std::string& out) const;

  std::string file_;
  std::set<std::string> mesh_ids_;  // filled by parse_meshes, for bridges and faults
};

Status Parser::parse(const Node& root, Scenario& sc) {
  if (!root.IsMap()) return fail(root, "scenario", "must be a mapping of keys");
  SCEN_TRY(check_map(root, "",
                     {"name", "seed", "duration", "formation", "network", "params", "meshes",
                      "bridges", "faults", "expect"}));
  SCEN_TRY(require(root, "", {"name", "duration", "meshes"}));
  SCEN_TRY(read_string(root["name"], "name", sc.name));
  if (sc.name.empty()) return fail(root["name"], "name", "must not be empty");
  if (root["seed"]) {
    SCEN_TRY(read_uint(root["seed"], "seed", std::numeric_limits<uint64_t>::max(), sc.seed));
  }
  SCEN_TRY(read_duration(root["duration"], "duration", sc.duration, true));
  if (const Node f = root["formation"]) {
    std::string mode;
    SCEN_TRY(read_string(f, "formation", mode));
    if (mode == "image") {
      sc.formation = Formation::kImage;
    } else if (mode == "joins") {
      sc.formation = Formation::kJoins;
    } else {
      return fail(f, "formation", "must be 'image' or 'joins', not '" + mode + "'");
    }
  }
  if (root["network"]) SCEN_TRY(parse_network(root["network"], sc.network));
  if (root["params"]) SCEN_TRY(parse_params(root["params"], sc.params));
  SCEN_TRY(parse_meshes(root["meshes"], sc.meshes));
  if (root["bridges"]) SCEN_TRY(parse_bridges(root["bridges"], sc.bridges));
  if (root["faults"]) SCEN_TRY(parse_faults(root["faults"], sc));
  if (root["expect"]) SCEN_TRY(parse_expect(root["expect"], sc.expect));
  return Status::ok();
}

Status Parser::parse_network(const Node& n, NetworkModel& net) const {
  SCEN_TRY(check_map(n, "network", {"latency", "loss", "duplicate", "reorder"}));
  if (const Node lat = n["latency"]) {
    SCEN_TRY(check_map(lat, "network.latency", {"min", "mean"}));
    if (lat["min"]) SCEN_TRY(read_duration(lat["min"], "network.latency.min", net.latency.min));
    if (lat["mean"]) {
      SCEN_TRY(read_duration(lat["mean"], "network.latency.mean", net.latency.mean));
      if (net.latency.mean < net.latency.min) {
        return fail(lat["mean"], "network.latency.mean", "must not be below latency.min");
      }
    } else {
      net.latency.mean = net.latency.min;  // no random tail
    }
  }
  if (n["loss"]) SCEN_TRY(read_fraction(n["loss"], "network.loss", net.loss, true));
  if (n["duplicate"]) SCEN_TRY(read_fraction(n["duplicate"], "network.duplicate", net.duplicate));
  if (n["reorder"]) SCEN_TRY(read_fraction(n["reorder"], "network.reorder", net.reorder));
  return Status::ok();
}

Status Parser::parse_params(const Node& n, Params& p) const {
  SCEN_TRY(
      check_map(n, "params",
                {"heartbeatInterval", "syncInterval", "pullInterval", "branch", "infectionCount",
                 "clusterSize", "interClusterChance", "pruneEpochs", "tombstoneEpochs", "maxPath",
                 "maxMessageBytes", "joinRetry", "joinTimeout"}));
  for (const auto& kv : n) {
    const std::string& name = kv.first.Scalar();
    const Node& v = kv.second;
    const std::string key = child("params", name);
    if (name == "heartbeatInterval") SCEN_TRY(read_duration(v, key, p.heartbeat_interval));
    if (name == "syncInterval") SCEN_TRY(read_duration(v, key, p.sync_interval));
    if (name == "pullInterval") SCEN_TRY(read_duration(v, key, p.pull_interval));
    if (name == "joinRetry") SCEN_TRY(read_duration(v, key, p.join_retry));
    if (name == "joinTimeout") SCEN_TRY(read_duration(v, key, p.join_timeout));
    if (name == "branch") SCEN_TRY(read_u32(v, key, p.branch));
    if (name == "infectionCount") SCEN_TRY(read_u32(v, key, p.infection_count));
    if (name == "clusterSize") SCEN_TRY(read_u32(v, key, p.cluster_size));
    if (name == "pruneEpochs") SCEN_TRY(read_u32(v, key, p.prune_epochs));
    if (name == "tombstoneEpochs") SCEN_TRY(read_u32(v, key, p.tombstone_epochs));
    if (name == "interClusterChance") SCEN_TRY(read_double(v, key, p.inter_cluster_chance));
    if (name == "maxPath") SCEN_TRY(read_size(v, key, p.max_path));
    if (name == "maxMessageBytes") SCEN_TRY(read_size(v, key, p.max_message_bytes));
  }
  // The core's own rules (ranges, cross-field constraints) apply unchanged.
  if (Status s = p.validate(); !s) return fail(n, "params", s.message());
  return Status::ok();
}

Status Parser::parse_meshes(const Node& n, std::vector<MeshSpec>& meshes) {
  if (!n.IsSequence()) return fail(n, "meshes", "must be a list of meshes");
  if (n.size() == 0) return fail(n, "meshes", "at least one mesh is required");
  for (size_t i = 0; i < n.size(); ++i) {
    const Node m = n[i];
    const std::string path = item("meshes", i);
    MeshSpec spec;
    SCEN_TRY(check_map(m, path, {"id", "peers", "clients", "exits"}));
    SCEN_TRY(require(m, path, {"id", "peers"}));
    SCEN_TRY(read_string(m["id"], child(path, "id"), spec.id));
    if (Status s = validate_mesh_id(spec.id); !s)
      return fail(m["id"], child(path, "id"), s.message());
    if (!mesh_ids_.insert(spec.id).second) {
      return fail(m["id"], child(path, "id"), "duplicate mesh id '" + spec.id + "'");
    }
    SCEN_TRY(read_u32(m["peers"], child(path, "peers"), spec.peers, 1));
    if (m["clients"]) SCEN_TRY(read_u32(m["clients"], child(path, "clients"), spec.clients));
    if (m["exits"]) SCEN_TRY(read_u32(m["exits"], child(path, "exits"), spec.exits));
    if (spec.exits > spec.peers) {
      return fail(m["exits"], child(path, "exits"), "must not exceed peers (exits are peers)");
    }
    meshes.push_back(std::move(spec));
  }
  return Status::ok();
}

Status Parser::read_mesh_ref(const Node& n, const std::string& key, std::string& out) const {
  SCEN_TRY(read_string(n, key, out));
  if (!mesh_ids_.contains(out)) return fail(n, key, "unknown mesh '" + out + "'");
  return Status::ok();
}

Status Parser::parse_bridges(const Node& n, std::vector<BridgeSpec>& bridges) const {
  if (!n.IsSequence()) return fail(n, "bridges", "must be a list of bridges");
  for (size_t i = 0; i < n.size(); ++i) {
    const Node b = n[i];
    const std::string path = item("bridges", i);
    BridgeSpec spec;
    SCEN_TRY(check_map(b, path, {"meshes", "count"}));
    SCEN_TRY(require(b, path, {"meshes"}));
    const Node ms = b["meshes"];
    const std::string mpath = child(path, "meshes");
    if (!ms.IsSequence() || ms.size() < 2) {
      return fail(ms, mpath, "must list at least 2 meshes");
    }
    for (size_t j = 0; j < ms.size(); ++j) {
      std::string id;
      SCEN_TRY(read_mesh_ref(ms[j], item(mpath, j), id));
      if (std::find(spec.meshes.begin(), spec.meshes.end(), id) != spec.meshes.end()) {
        return fail(ms[j], item(mpath, j), "mesh '" + id + "' listed twice");
      }
      spec.meshes.push_back(id);
    }
    if (b["count"]) SCEN_TRY(read_u32(b["count"], child(path, "count"), spec.count, 1));
    bridges.push_back(std::move(spec));
  }
  return Status::ok();
}

Status Parser::parse_faults(const Node& n, Scenario& sc) const {
  if (!n.IsSequence()) return fail(n, "faults", "must be a list of faults");
  for (size_t i = 0; i < n.size(); ++i) {
    const Node f = n[i];
    const std::string path = item("faults", i);
    SCEN_TRY(check_map(f, path,
                       {"at", "crash", "join", "leave", "loss", "clog", "partition", "restart",
                        "skew", "drift", "slow"}));
    SCEN_TRY(require(f, path, {"at"}));
    Fault fault;
    fault.line = f.Mark().line + 1;
    SCEN_TRY(read_duration(f["at"], child(path, "at"), fault.at));
    if (fault.at > sc.duration) {
      return fail(f["at"], child(path, "at"),
                  "is after the end of the run (duration " + seconds_text(sc.duration) + ")");
    }
    std::string kind;
    for (const auto& kv : f) {
      const std::string& name = kv.first.Scalar();
      if (name == "at") continue;
      if (!kind.empty()) return fail(kv.first, child(path, name), "one fault kind per entry");
      kind = name;
    }
    if (kind.empty()) {
      return fail(f, path,
                  "needs a fault kind: crash, restart, partition, join, leave, loss, clog, skew, "
                  "drift, slow");
    }
    SCEN_TRY(parse_fault(f[kind], kind, child(path, kind), fault.action));
    sc.faults.push_back(std::move(fault));
  }
  // Files may list faults in any order; the engine wants them by time, ties in file order.
  std::stable_sort(sc.faults.begin(), sc.faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at < b.at; });
  return Status::ok();
}

Status Parser::parse_fault(const Node& n, const std::string& kind, const std::string& key,
                           FaultAction& out) const {
  if (kind == "crash") {
    SCEN_TRY(check_map(n, key, {"who", "fraction", "count"}));
    if (n.size() != 1) {
      return fail(n, key, "needs exactly one of who: leader|exit, fraction, count");
    }
    CrashFault c;
    if (const Node who = n["who"]) {
      if (!who.IsScalar() || (who.Scalar() != "leader" && who.Scalar() != "exit")) {
        return fail(who, child(key, "who"), "must be 'leader' or 'exit'");
      }
      c.target = who.Scalar() == "leader" ? CrashFault::Target::kLeader : CrashFault::Target::kExit;
    } else if (n["fraction"]) {
      c.target = CrashFault::Target::kFraction;
      SCEN_TRY(read_fraction(n["fraction"], child(key, "fraction"), c.fraction));
    } else {
      c.target = CrashFault::Target::kCount;
      SCEN_TRY(read_u32(n["count"], child(key, "count"), c.count, 1));
    }
    out = c;
  } else if (kind == "restart") {
    // `restart: {}` (or a bare `restart:`) restarts every crashed node.
    RestartFault r;
    if (!n.IsNull()) {
      SCEN_TRY(check_map(n, key, {"fraction", "wipe"}));
      if (n["fraction"]) SCEN_TRY(read_fraction(n["fraction"], child(key, "fraction"), r.fraction));
      if (n["wipe"]) SCEN_TRY(read_bool(n["wipe"], child(key, "wipe"), r.wipe));
    }
    out = r;
  } else if (kind == "partition") {
    PartitionFault p;
    SCEN_TRY(check_map(n, key, {"groups", "for", "one_way"}));
    SCEN_TRY(require(n, key, {"groups", "for"}));
    const Node g = n["groups"];
    const std::string gpath = child(key, "groups");
    if (!g.IsSequence() || g.size() < 2) return fail(g, gpath, "must list at least 2 fractions");
    double sum = 0.0;
    for (size_t j = 0; j < g.size(); ++j) {
      double share = 0.0;
      SCEN_TRY(read_fraction(g[j], item(gpath, j), share));
      p.groups.push_back(share);
      sum += share;
    }
    if (std::abs(sum - 1.0) > 1e-9) {
      return fail(g, gpath, "fractions must sum to 1 (they sum to " + std::to_string(sum) + ")");
    }
    SCEN_TRY(read_duration(n["for"], child(key, "for"), p.length, true));
    if (n["one_way"]) SCEN_TRY(read_bool(n["one_way"], child(key, "one_way"), p.one_way));
    out = p;
  } else if (kind == "join" || kind == "leave") {
    std::string mesh;
    uint32_t count = 0;
    SCEN_TRY(check_map(n, key, {"mesh", "count"}));
    SCEN_TRY(require(n, key, {"mesh", "count"}));
    SCEN_TRY(read_mesh_ref(n["mesh"], child(key, "mesh"), mesh));
    SCEN_TRY(read_u32(n["count"], child(key, "count"), count, 1));
    if (kind == "join") {
      out = JoinFault{mesh, count};
    } else {
      out = LeaveFault{mesh, count};
    }
  } else if (kind == "loss") {
    LossFault l;
    SCEN_TRY(check_map(n, key, {"value", "for"}));
    SCEN_TRY(require(n, key, {"value", "for"}));
    SCEN_TRY(read_fraction(n["value"], child(key, "value"), l.value, true));
    SCEN_TRY(read_duration(n["for"], child(key, "for"), l.length, true));
    out = l;
  } else if (kind == "clog") {
    ClogFault c;
    SCEN_TRY(check_map(n, key, {"fraction", "for"}));
    SCEN_TRY(require(n, key, {"fraction", "for"}));
    SCEN_TRY(read_fraction(n["fraction"], child(key, "fraction"), c.fraction));
    SCEN_TRY(read_duration(n["for"], child(key, "for"), c.length, true));
    out = c;
  } else {  // skew, drift, slow: check_map in parse_faults admits no other kind
    SCEN_TRY(parse_node_fault(n, kind, key, out));
  }
  return Status::ok();
}

// Exactly one of `fraction` and `count` picks the nodes; `allowed` are the fault's keys.
Status Parser::read_pick(const Node& n, const std::string& key, Keys allowed, NodePick& out) const {
  SCEN_TRY(check_map(n, key, allowed));
  if (n["fraction"] && n["count"]) return fail(n, key, "needs one of fraction, count, not both");
  if (n["fraction"]) {
    SCEN_TRY(read_fraction(n["fraction"], child(key, "fraction"), out.fraction));
    if (out.fraction == 0.0) return fail(n["fraction"], child(key, "fraction"), "must be positive");
  } else if (n["count"]) {
    SCEN_TRY(read_u32(n["count"], child(key, "count"), out.count, 1));
  } else {
    return fail(n, key, "needs one of fraction, count");
  }
  return Status::ok();
}

// A duration with an optional leading '-' (only clock offsets may be negative).
Status Parser::read_offset(const Node& n, const std::string& key, Duration& out) const {
  if (!n.IsScalar()) return fail(n, key, "must be a duration such as 2s or -500ms");
  const std::string& text = n.Scalar();
  const bool negative = !text.empty() && text[0] == '-';
  Result<Duration> d = parse_duration(negative ? std::string_view(text).substr(1) : text);
  if (!d) return fail(n, key, d.status().message());
  if (*d > std::chrono::hours(1)) return fail(n, key, "must be within 1h either way");
  out = negative ? -*d : *d;
  return Status::ok();
}

Status Parser::parse_node_fault(const Node& n, const std::string& kind, const std::string& key,
                                FaultAction& out) const {
  if (kind == "skew") {
    SkewFault f;
    SCEN_TRY(read_pick(n, key, {"fraction", "count", "offset"}, f.who));
    SCEN_TRY(require(n, key, {"offset"}));
    SCEN_TRY(read_offset(n["offset"], child(key, "offset"), f.offset));
    out = f;
  } else if (kind == "drift") {
    DriftFault f;
    SCEN_TRY(read_pick(n, key, {"fraction", "count", "rate"}, f.who));
    SCEN_TRY(require(n, key, {"rate"}));
    SCEN_TRY(read_double(n["rate"], child(key, "rate"), f.rate));
    // Real oscillators are off by parts per million; 10 % is already a broken machine.
    if (f.rate < 0.9 || f.rate > 1.1)
      return fail(n["rate"], child(key, "rate"), "must be in [0.9, 1.1]");
    out = f;
  } else {
    SlowFault f;
    SCEN_TRY(read_pick(n, key, {"fraction", "count", "delay", "for"}, f.who));
    SCEN_TRY(require(n, key, {"delay", "for"}));
    SCEN_TRY(read_duration(n["delay"], child(key, "delay"), f.delay, true));
    if (f.delay > std::chrono::minutes(1)) {
      return fail(n["delay"], child(key, "delay"), "must be at most 1m");
    }
    SCEN_TRY(read_duration(n["for"], child(key, "for"), f.length, true));
    out = f;
  }
  return Status::ok();
}

Status Parser::parse_expect(const Node& n, Expectations& e) const {
  SCEN_TRY(
      check_map(n, "expect",
                {"failure_convergence_p99", "failure_convergence_max", "join_dissemination_p99",
                 "false_prunes", "control_bytes_per_node_per_second", "converge_within"}));
  const auto bound = [&](const char* name, std::optional<Duration>& out) -> Status {
    if (!n[name]) return Status::ok();
    Duration d{0};
    SCEN_TRY(read_duration(n[name], child("expect", name), d));
    out = d;
    return Status::ok();
  };
  SCEN_TRY(bound("failure_convergence_p99", e.failure_convergence_p99));
  SCEN_TRY(bound("failure_convergence_max", e.failure_convergence_max));
  SCEN_TRY(bound("join_dissemination_p99", e.join_dissemination_p99));
  SCEN_TRY(bound("converge_within", e.converge_within));
  if (const Node fp = n["false_prunes"]) {
    uint64_t v = 0;
    SCEN_TRY(read_uint(fp, "expect.false_prunes", std::numeric_limits<uint64_t>::max(), v));
    e.false_prunes = v;
  }
  if (const Node cb = n["control_bytes_per_node_per_second"]) {
    const std::string key = "expect.control_bytes_per_node_per_second";
    double v = 0.0;
    SCEN_TRY(read_double(cb, key, v));
    if (v < 0.0) return fail(cb, key, "must not be negative");
    e.control_bytes_per_node_per_second = v;
  }
  return Status::ok();
}

}  // namespace

std::string_view fault_kind(const FaultAction& action) {
  static constexpr std::string_view kNames[] = {"crash", "restart", "partition", "join",  "leave",
                                                "loss",  "clog",    "skew",      "drift", "slow"};
  static_assert(std::size(kNames) == std::variant_size_v<FaultAction>);
  return kNames[action.index()];
}

Duration convergence_bound(const Scenario& sc) {
  if (sc.expect.converge_within) return *sc.expect.converge_within;
  return (sc.params.prune_epochs + 3) * sc.params.heartbeat_interval + 2 * sc.params.pull_interval;
}

Result<Scenario> parse_scenario(std::string_view yaml, const std::string& source_name) {
  // yaml-cpp reports problems by throwing; nothing may escape the loader.
  try {
    const Node root = YAML::Load(std::string(yaml));
    Scenario sc;
    Parser parser(source_name);
    if (Status s = parser.parse(root, sc); !s) return s;
    return sc;
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.is_null() ? source_name : source_name + ":" + std::to_string(e.mark.line + 1);
    return Status::invalid_argument(where + ": yaml: " + e.msg);
  } catch (const std::exception& e) {
    return Status::invalid_argument(source_name + ": " + e.what());
  }
}

Result<Scenario> load_scenario_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::not_found(path + ": cannot read: not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) return Status::not_found(path + ": cannot read");
  return parse_scenario(text, path);
}

#undef SCEN_TRY

}  // namespace smeg::sim
