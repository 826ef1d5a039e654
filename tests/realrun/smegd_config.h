// The configuration file a real run gives each host's smegd: the scenario's protocol tunables
// (every field of Params, so the daemon runs exactly what the simulator runs), WireGuard
// through wireguard-go's UAPI socket under a prefix unique on the machine, the host's own
// underlay address as its public endpoint, and no DNS server. Pure text; no I/O.
#pragma once

#include <string>

#include "core/params.h"

namespace smeg::realrun {

// Where one host's smegd keeps its things.
struct HostLayout {
  std::string state_dir;         // absolute
  std::string socket;            // the API's unix socket, absolute
  std::string interface_prefix;  // at most 12 characters (daemon/config.h)
  std::string underlay;          // the host's IPv6 address on the bridge
};

// smegd's YAML for one host (daemon/config.h reads it).
std::string smegd_config(const HostLayout& host, const Params& params);

}  // namespace smeg::realrun
