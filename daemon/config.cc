#include "daemon/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/host_port.h"
#include "daemon/seal.h"
#include "daemon/yaml_reader.h"

namespace smeg::daemon {
namespace {

using YAML::Node;
using Names = YamlReader::Names;

#define CONFIG_TRY(expr)           \
  do {                             \
    if (Status s_ = (expr); !s_) { \
      return s_;                   \
    }                              \
  } while (false)

// The keys of each mapping, in the order of smegd.example.yaml (config_keys() and the diff
// follow it). The original's TLS keys come last: accepted, ignored.
constexpr std::string_view kTopKeys[] = {
    // The original's, then the core's other tunables.
    "gRPCPort", "timeout", "stubWg", "syncInterval", "pullInterval", "heartbeatInterval",
    "clusterSize", "interClusterChance", "branch", "infectionCount", "logLevel", "pruneEpochs",
    "tombstoneEpochs", "maxPath", "maxMessageBytes", "joinRetry", "joinTimeout",
    "baseConfiguration",
    // The daemon's.
    "stateDir", "socket", "wgBackend", "mtu", "interfacePrefix", "wgPort", "dns", "metrics",
    "apiGroup",
    // The original's TLS keys.
    "certificatePath", "privateKeyPath", "caCertificatePath", "skipCertVerification"};
constexpr std::string_view kBaseKeys[] = {
    "ipDiscovery", "advertiseRoute", "advertiseDefaults", "publicEndpoint", "role", "keepAliveWg",
    "preUp",       "postUp",         "preDown",           "postDown"};
constexpr std::string_view kDnsKeys[] = {"enabled", "listen", "forward", "upstreams"};
constexpr std::string_view kMetricsKeys[] = {"listen"};
constexpr std::string_view kTlsKeys[] = {"certificatePath", "privateKeyPath", "caCertificatePath",
                                         "skipCertVerification"};

// The names backends/select.h's select_backend() accepts.
constexpr std::string_view kBackends[] = {"auto", "netlink", "uapi", "memory"};
constexpr std::string_view kLogLevels[] = {"error", "warning", "info", "debug"};
constexpr std::string_view kRoles[] = {"peer", "client"};
constexpr std::string_view kIpDiscovery[] = {"public", "outgoing"};

constexpr size_t kMaxSocketPath = 107;  // sun_path holds 108 bytes with the terminating NUL
constexpr uint32_t kMinMtu = 1280;      // the mesh carries IPv6, which needs 1280
constexpr size_t kMaxFileBytes = 1 << 20;

bool contains(Names names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Walks the YAML tree into a Config; every error names the source, the line and the dotted key.
class ConfigReader : public YamlReader {
 public:
  using YamlReader::YamlReader;

  Status read(const Node& root, Config& c);

 private:
  Status read_entry(const std::string& name, const Node& v, const std::string& key, Config& c);
  Status read_commands(const Node& n, const std::string& key, std::vector<std::string>& out) const;
  Status read_endpoints(const Node& n, const std::string& key, bool dns_server,
                        std::vector<Endpoint>& out) const;
  Status read_absolute_path(const Node& n, const std::string& key, std::string& out) const;
  Status read_interface_prefix(const Node& n, const std::string& key, std::string& out) const;
  Status read_api_group(const Node& n, const std::string& key, std::string& out) const;
  Status read_base(const Node& n, const std::string& path, BaseConfiguration& b) const;
  Status read_base_entry(const std::string& name, const Node& v, const std::string& key,
                         BaseConfiguration& b) const;
  Status read_dns(const Node& n, const std::string& path, DnsConfig& dns) const;
  Status read_metrics(const Node& n, const std::string& path, MetricsConfig& m) const;
  Status check_params(const Node& root, const Params& p) const;

  Seen top_;  // the top-level entries by name
};

Status ConfigReader::read(const Node& root, Config& c) {
  if (!root.IsNull() && !root.IsMap()) {
    return fail(root, "configuration", "must be a mapping of keys, got " + describe(root));
  }
  CONFIG_TRY(entries(root, "", kTopKeys, top_,
                     [&](const std::string& name, const Node& v, const std::string& key) {
                       return read_entry(name, v, key, c);
                     }));
  if (top_.count("timeout") && top_.count("joinTimeout")) {
    return fail(top_["joinTimeout"], "joinTimeout", "is the same setting as timeout; give one");
  }
  return check_params(root, c.params);
}

Status ConfigReader::read_entry(const std::string& name, const Node& v, const std::string& key,
                                Config& c) {
  Params& p = c.params;
  if (contains(kTlsKeys, name)) {
    c.warnings.push_back(at(v, key) +
                         "ignored: smegd does not use TLS (control messages are sealed with a key "
                         "derived from the mesh secret)");
    return Status::ok();
  }
  if (name == "gRPCPort") return read_port(v, key, c.control_port);
  if (name == "timeout" || name == "joinTimeout") return read_duration(v, key, p.join_timeout);
  if (name == "stubWg") return read_bool(v, key, c.stub_wg);
  if (name == "syncInterval") return read_duration(v, key, p.sync_interval);
  if (name == "pullInterval") return read_duration(v, key, p.pull_interval);
  if (name == "heartbeatInterval") return read_duration(v, key, p.heartbeat_interval);
  if (name == "clusterSize") return read_u32(v, key, p.cluster_size);
  if (name == "interClusterChance") return read_double(v, key, p.inter_cluster_chance);
  if (name == "branch") return read_u32(v, key, p.branch);
  if (name == "infectionCount") return read_u32(v, key, p.infection_count);
  if (name == "pruneEpochs") return read_u32(v, key, p.prune_epochs);
  if (name == "tombstoneEpochs") return read_u32(v, key, p.tombstone_epochs);
  if (name == "maxPath") return read_size(v, key, p.max_path);
  if (name == "maxMessageBytes") return read_size(v, key, p.max_message_bytes);
  if (name == "joinRetry") return read_duration(v, key, p.join_retry);
  if (name == "logLevel") {
    std::string level;
    CONFIG_TRY(read_choice(v, key, kLogLevels, level));
    c.log_level = *parse_log_level(level);
    return Status::ok();
  }
  if (name == "baseConfiguration") return read_base(v, key, c.base);
  if (name == "stateDir") return read_absolute_path(v, key, c.state_dir);
  if (name == "socket") {
    CONFIG_TRY(read_absolute_path(v, key, c.socket_path));
    if (c.socket_path.size() > kMaxSocketPath) {
      return fail(v, key,
                  "is longer than the " + std::to_string(kMaxSocketPath) +
                      " bytes a unix socket path may have");
    }
    return Status::ok();
  }
  if (name == "wgBackend") return read_choice(v, key, kBackends, c.wg_backend);
  if (name == "mtu") {
    uint64_t mtu = 0;
    CONFIG_TRY(read_uint(v, key, 65535, mtu));
    if (mtu < kMinMtu) {
      return fail(v, key, "must be at least 1280 (the IPv6 minimum), got " + std::to_string(mtu));
    }
    c.mtu = static_cast<uint32_t>(mtu);
    return Status::ok();
  }
  if (name == "interfacePrefix") return read_interface_prefix(v, key, c.interface_prefix);
  if (name == "wgPort") return read_port(v, key, c.wg_port);
  if (name == "dns") return read_dns(v, key, c.dns);
  if (name == "metrics") return read_metrics(v, key, c.metrics);
  if (name == "apiGroup") return read_api_group(v, key, c.api_group);
  return fail(v, key, "accepted but never read (a bug in smegd)");
}

Status ConfigReader::read_commands(const Node& n, const std::string& key,
                                   std::vector<std::string>& out) const {
  out.clear();
  return items(n, key, "commands", [&](const Node& item, const std::string& k) -> Status {
    std::string cmd;
    CONFIG_TRY(read_string(item, k, cmd));
    if (cmd.empty()) return fail(item, k, "must not be an empty command");
    out.push_back(std::move(cmd));
    return Status::ok();
  });
}

Status ConfigReader::read_endpoints(const Node& n, const std::string& key, bool dns_server,
                                    std::vector<Endpoint>& out) const {
  out.clear();
  const char* what = dns_server ? "\"ADDR[:PORT]\" strings" : "\"ADDR:PORT\" strings";
  return items(n, key, what, [&](const Node& item, const std::string& k) -> Status {
    std::string text;
    CONFIG_TRY(read_string(item, k, text));
    Result<Endpoint> e = dns_server ? parse_dns_server(text) : Endpoint::parse(text);
    if (!e) return fail(item, k, e.status().message());
    out.push_back(*e);
    return Status::ok();
  });
}

Status ConfigReader::read_absolute_path(const Node& n, const std::string& key,
                                        std::string& out) const {
  CONFIG_TRY(read_string(n, key, out));
  if (out.empty() || out[0] != '/')
    return fail(n, key, "must be an absolute path, got " + quoted(out));
  return Status::ok();
}

// WireGuard interfaces are PREFIX0, PREFIX1, ...: the prefix must leave room for the index.
Status ConfigReader::read_interface_prefix(const Node& n, const std::string& key,
                                           std::string& prefix) const {
  CONFIG_TRY(read_string(n, key, prefix));
  if (prefix.empty() || prefix.size() > kMaxInterfacePrefix) {
    return fail(n, key,
                "must be 1.." + std::to_string(kMaxInterfacePrefix) +
                    " characters (an interface name is at most 15, with the mesh index), got " +
                    quoted(prefix));
  }
  if (!std::all_of(prefix.begin(), prefix.end(), is_name_char)) {
    return fail(n, key, "may hold only letters, digits, '-' and '_', got " + quoted(prefix));
  }
  return Status::ok();
}

Status ConfigReader::read_base_entry(const std::string& name, const Node& v, const std::string& key,
                                     BaseConfiguration& b) const {
  std::string text;
  if (name == "ipDiscovery") {
    CONFIG_TRY(read_choice(v, key, kIpDiscovery, text));
    b.ip_discovery = text == "public" ? BaseConfiguration::IpDiscovery::kPublic
                                      : BaseConfiguration::IpDiscovery::kOutgoing;
    return Status::ok();
  }
  if (name == "advertiseRoute") return read_bool(v, key, b.advertise_route);
  if (name == "advertiseDefaults") return read_bool(v, key, b.advertise_defaults);
  if (name == "publicEndpoint") {
    b.public_endpoint.reset();
    if (v.IsNull()) return Status::ok();
    CONFIG_TRY(read_string(v, key, text));
    if (auto hp = parse_host_and_port(text); !hp) return fail(v, key, hp.status().message());
    b.public_endpoint = text;
    return Status::ok();
  }
  if (name == "role") {
    CONFIG_TRY(read_choice(v, key, kRoles, text));
    b.role = text == "peer" ? Role::kPeer : Role::kClient;
    return Status::ok();
  }
  if (name == "keepAliveWg") {
    Duration d{0};
    CONFIG_TRY(read_duration(v, key, d));
    if (d % std::chrono::seconds(1) != Duration(0) || d > std::chrono::seconds(65535)) {
      return fail(v, key,
                  "must be whole seconds in 0..65535 (WireGuard's unit), got " + v.Scalar());
    }
    b.keepalive_wg = static_cast<uint16_t>(d / std::chrono::seconds(1));
    return Status::ok();
  }
  if (name == "preUp") return read_commands(v, key, b.hooks.pre_up);
  if (name == "postUp") return read_commands(v, key, b.hooks.post_up);
  if (name == "preDown") return read_commands(v, key, b.hooks.pre_down);
  return read_commands(v, key, b.hooks.post_down);
}

Status ConfigReader::read_api_group(const Node& n, const std::string& key, std::string& g) const {
  g.clear();
  if (n.IsNull()) return Status::ok();
  CONFIG_TRY(read_string(n, key, g));
  if (g.empty() || g.size() > 32 || g[0] == '-' ||
      !std::all_of(g.begin(), g.end(), [](char ch) { return is_name_char(ch) || ch == '.'; })) {
    return fail(n, key,
                "must be a group name (1..32 letters, digits, '.', '_', '-'), got " + quoted(g));
  }
  return Status::ok();
}

Status ConfigReader::read_base(const Node& n, const std::string& path, BaseConfiguration& b) const {
  Seen seen;
  CONFIG_TRY(entries(n, path, kBaseKeys, seen,
                     [&](const std::string& name, const Node& v, const std::string& key) {
                       return read_base_entry(name, v, key, b);
                     }));
  // As MeshOptions::validate() would refuse at the first create or join: say so at start.
  if (b.role == Role::kClient) {
    for (const char* name : {"advertiseRoute", "advertiseDefaults"}) {
      const bool on =
          std::string_view(name) == "advertiseRoute" ? b.advertise_route : b.advertise_defaults;
      if (on) {
        return fail(seen[name], child(path, name),
                    "a client does not route; only role peer may advertise");
      }
    }
  }
  return Status::ok();
}

Status ConfigReader::read_dns(const Node& n, const std::string& path, DnsConfig& dns) const {
  Seen seen;
  CONFIG_TRY(entries(n, path, kDnsKeys, seen,
                     [&](const std::string& name, const Node& v, const std::string& key) -> Status {
                       if (name == "enabled") return read_bool(v, key, dns.enabled);
                       if (name == "listen") return read_endpoints(v, key, false, dns.listen);
                       if (name == "forward") return read_bool(v, key, dns.forward);
                       return read_endpoints(v, key, true, dns.upstreams);
                     }));
  if (dns.enabled && dns.listen.empty()) {
    const Node& where = seen.count("listen") ? seen["listen"] : n;
    return fail(where, child(path, "listen"), "must not be empty while dns is enabled");
  }
  return Status::ok();
}

Status ConfigReader::read_metrics(const Node& n, const std::string& path, MetricsConfig& m) const {
  Seen seen;
  return entries(n, path, kMetricsKeys, seen,
                 [&](const std::string&, const Node& v, const std::string& key) -> Status {
                   m.listen.reset();
                   std::string text;
                   if (v.IsNull()) return Status::ok();
                   CONFIG_TRY(read_string(v, key, text));
                   if (text.empty()) return Status::ok();
                   Result<Endpoint> e = Endpoint::parse(text);
                   if (!e) return fail(v, key, e.status().message());
                   m.listen = *e;
                   return Status::ok();
                 });
}

// The core's own rules (ranges, relations between fields), placed at the key they name: its
// messages begin with the key ("branch must be in 1..64").
Status ConfigReader::check_params(const Node& root, const Params& p) const {
  // A control message travels sealed in one UDP datagram.
  if (p.max_message_bytes > kMaxSealedPlaintext) {
    const auto it = top_.find("maxMessageBytes");
    return fail(it != top_.end() ? it->second : root, "maxMessageBytes",
                "must be at most " + std::to_string(kMaxSealedPlaintext) +
                    " (a sealed message travels in one UDP datagram), got " +
                    std::to_string(p.max_message_bytes));
  }
  const Status s = p.validate();
  if (s) return s;
  const std::string& msg = s.message();
  const size_t space = msg.find(' ');
  std::string key = msg.substr(0, space);
  std::string what = space == std::string::npos ? msg : msg.substr(space + 1);
  const auto it = top_.find(key);
  if (it != top_.end()) {
    if (it->second.IsScalar()) what += ", got " + it->second.Scalar();
    return fail(it->second, key, what);
  }
  // timeout has a synonym, and may be too short only because joinRetry was raised.
  if (key == "timeout" && top_.count("joinTimeout")) {
    return fail(top_.at("joinTimeout"), "joinTimeout", what);
  }
  if (key == "timeout" && top_.count("joinRetry")) {
    return fail(top_.at("joinRetry"), "joinRetry",
                "must not be longer than timeout (5s unless set)");
  }
  return fail(root, key, what);
}

}  // namespace

Result<Config> parse_config(std::string_view yaml, std::string_view source_name) {
  const std::string source(source_name);
  // yaml-cpp reports problems by throwing; nothing may escape the loader.
  try {
    const Node root = YAML::Load(std::string(yaml));
    Config c;
    c.source = source;
    ConfigReader reader(source);
    if (Status s = reader.read(root, c); !s) return s;
    return c;
  } catch (const YAML::Exception& e) {
    const std::string line = std::to_string(e.mark.is_null() ? 1 : e.mark.line + 1);
    return Status::invalid_argument(source + ":" + line + ": yaml: " + e.msg);
  } catch (const std::exception& e) {
    return Status::invalid_argument(source + ":1: yaml: " + e.what());
  }
}

Result<Config> load_config(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return Status::io_error(path + ": cannot read: " + ec.message());
  if (!std::filesystem::is_regular_file(status)) {
    return Status::io_error(path + ": cannot read: not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      return Status::invalid_argument(path + ": larger than 1 MiB; not a configuration file");
    }
  }
  if (in.bad()) return Status::io_error(path + ": cannot read: " + std::strerror(errno));
  return parse_config(text, path);
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    const auto nested = [&](std::string_view parent, Names names) {
      for (std::string_view n : names) out.push_back(std::string(parent) + "." + std::string(n));
    };
    for (std::string_view k : kTopKeys) {
      if (k == "baseConfiguration") {
        nested(k, kBaseKeys);
      } else if (k == "dns") {
        nested(k, kDnsKeys);
      } else if (k == "metrics") {
        nested(k, kMetricsKeys);
      } else {
        out.emplace_back(k);
      }
    }
    return out;
  }();
  return keys;
}

#undef CONFIG_TRY

}  // namespace smeg::daemon
