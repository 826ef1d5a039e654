// smegd's configuration file (`smegd --config FILE`, YAML). It takes the original's keys with
// their meaning (ORIGINAL.md: gRPCPort, timeout, syncInterval, ..., baseConfiguration) plus the
// core's other tunables and the daemon's own keys, all camelCase; daemon/smegd.example.yaml lists
// every key with its default. Durations are an integer number of seconds (the original's unit)
// or a string with a unit ("200ms", "1.5s", "5m", "1h"). The original's TLS keys are accepted
// and ignored, each with a warning.
//
// Loading is all-or-nothing: an unknown key or a bad value refuses the whole file with one
// message "FILE:LINE: KEY: what" (KEY dotted for nested keys, e.g. "dns.listen[1]"), and no
// exception escapes. An empty file is a valid configuration with every default. No shared
// mutable state: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/params.h"
#include "core/record.h"
#include "core/status.h"
#include "daemon/host_port.h"
#include "daemon/log.h"

namespace smeg::daemon {

// Shell commands run around an interface coming up and going down, in order.
struct HookCommands {
  std::vector<std::string> pre_up, post_up, pre_down, post_down;

  bool operator==(const HookCommands&) const = default;
};

// Defaults for every mesh this node creates or joins (the original's baseConfiguration).
struct BaseConfiguration {
  // How a node learns its own endpoint: its public address (ask outside) or the address of
  // the interface its outgoing traffic leaves by.
  enum class IpDiscovery { kPublic, kOutgoing };

  IpDiscovery ip_discovery = IpDiscovery::kPublic;
  bool advertise_route = false;     // bridge: re-advertise the other meshes into this one
  bool advertise_defaults = false;  // exit: advertise ::/0
  // Host name or IP to advertise, as written: "vpn.example.org", "192.0.2.1:51820",
  // "2001:db8::1", "[2001:db8::1]:51820". As parse_host_and_port() (daemon/host_port.h) accepts.
  std::optional<std::string> public_endpoint;
  Role role = Role::kPeer;
  uint16_t keepalive_wg = 0;  // WireGuard persistent keepalive, seconds; 0: off
  HookCommands hooks;
};

// The resolver for mesh names. `listen` and `enabled` take effect at start only.
struct DnsConfig {
  bool enabled = true;
  std::vector<Endpoint> listen = {
      {IpAddr::v4(127, 0, 0, 1), 5353},
      {IpAddr::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 5353}};
  bool forward = true;  // forward other names upstream
  // Port 53 unless given; empty: the nameservers of /etc/resolv.conf when smegd starts.
  std::vector<Endpoint> upstreams;
};

// Prometheus text metrics over HTTP; no listen address: off.
struct MetricsConfig {
  std::optional<Endpoint> listen;
};

// One configuration; each field holds its default until the file sets it.
struct Config {
  std::string source;            // the file it was read from ("" for the built-in defaults)
  uint16_t control_port = 4000;  // gRPCPort: our UDP control port
  bool stub_wg = false;          // control plane only; never touch WireGuard
  Params params;                 // the protocol's timers and gossip tunables, validated
  LogLevel log_level = LogLevel::kWarning;
  BaseConfiguration base;
  std::string state_dir = "/var/lib/smeg";
  std::string socket_path = "/run/smeg/smegd.sock";  // the API's unix socket
  std::string wg_backend = "auto";                   // a name backends/select.h accepts
  std::string interface_prefix = "smeg";             // interfaces are PREFIX0, PREFIX1, ...
  std::string api_group;  // group allowed to use the API socket; "": root only
  uint32_t mtu = 1420;
  uint16_t wg_port = 51820;  // WireGuard listen port of the first interface
  DnsConfig dns;
  MetricsConfig metrics;
  // "FILE:LINE: KEY: ..." for each key that was accepted but has no effect; for the log.
  std::vector<std::string> warnings;

  // The original's `timeout`, the join deadline (the same value as params.join_timeout).
  Duration join_timeout() const { return params.join_timeout; }
};

// The longest interface prefix: PREFIX plus three digits of mesh index must fit IFNAMSIZ - 1.
inline constexpr size_t kMaxInterfacePrefix = 12;

// Reads and parses the file at `path`; errors name the path.
Result<Config> load_config(const std::string& path);
// Parses YAML text; `source_name` begins every error and warning message.
Result<Config> parse_config(std::string_view yaml, std::string_view source_name);

// Every key a configuration file may hold, dotted for nested ones ("dns.listen"), in the
// order of smegd.example.yaml.
const std::vector<std::string>& config_keys();

// A key whose value differs between two configurations, and whether applying the new value
// needs smegd to restart (sockets, paths, names fixed at start) or can happen on SIGHUP.
struct ConfigChange {
  std::string key;  // as in the file, dotted: "logLevel", "baseConfiguration.role", "dns.listen"
  bool needs_restart = false;

  bool operator==(const ConfigChange&) const = default;
};

// The keys that differ, in config_keys() order; empty when the two are equivalent. Warnings
// and the source name are not compared.
std::vector<ConfigChange> diff_config(const Config& old_config, const Config& new_config);

}  // namespace smeg::daemon
