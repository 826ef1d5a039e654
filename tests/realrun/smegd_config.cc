#include "tests/realrun/smegd_config.h"

#include <cstdio>

namespace smeg::realrun {
namespace {

// Microseconds with a unit: exact, and read back by parse_duration().
std::string duration_text(Duration d) { return std::to_string(d.count()) + "us"; }

}  // namespace

std::string smegd_config(const HostLayout& host, const Params& p) {
  char chance[40];
  std::snprintf(chance, sizeof chance, "%.17g", p.inter_cluster_chance);
  std::string y;
  y += "# Written by smeg-realrun for one host of a real run.\n";
  y += "gRPCPort: 4000\n";
  y += "logLevel: info\n";
  y += "stateDir: " + host.state_dir + "\n";
  y += "socket: " + host.socket + "\n";
  y += "wgBackend: uapi\n";
  y += "interfacePrefix: " + host.interface_prefix + "\n";
  y += "heartbeatInterval: " + duration_text(p.heartbeat_interval) + "\n";
  y += "syncInterval: " + duration_text(p.sync_interval) + "\n";
  y += "pullInterval: " + duration_text(p.pull_interval) + "\n";
  y += "branch: " + std::to_string(p.branch) + "\n";
  y += "infectionCount: " + std::to_string(p.infection_count) + "\n";
  y += "clusterSize: " + std::to_string(p.cluster_size) + "\n";
  y += "interClusterChance: " + std::string(chance) + "\n";
  y += "pruneEpochs: " + std::to_string(p.prune_epochs) + "\n";
  y += "tombstoneEpochs: " + std::to_string(p.tombstone_epochs) + "\n";
  y += "maxPath: " + std::to_string(p.max_path) + "\n";
  y += "maxMessageBytes: " + std::to_string(p.max_message_bytes) + "\n";
  y += "joinRetry: " + duration_text(p.join_retry) + "\n";
  y += "joinTimeout: " + duration_text(p.join_timeout) + "\n";
  y += "dns:\n  enabled: false\n";
  y += "baseConfiguration:\n  publicEndpoint: \"" + host.underlay + "\"\n";
  return y;
}

}  // namespace smeg::realrun
