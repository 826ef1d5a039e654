// diff_config(): which keys a SIGHUP changes, and which of them only a restart can apply.
#include "daemon/config.h"

namespace smeg::daemon {

// Live: what the daemon reads again at each use (the log level, the DNS forwarder's view, the
// defaults of the next mesh created or joined and the hooks run at the next interface change).
// Restart: what is bound, opened or named once at start (sockets, directories, the backend,
// interface names and their MTU and ports, the WireGuard switch), and the protocol's Params,
// which a Node takes at construction: its timers and slots are laid out by them, and every
// member of a mesh must run with the same heartbeat for its neighbours' judgement to hold.
std::vector<ConfigChange> diff_config(const Config& old_config, const Config& new_config) {
  const Config& a = old_config;
  const Config& b = new_config;
  std::vector<ConfigChange> out;
  const auto live = [&](bool differs, const char* key) {
    if (differs) out.push_back({key, false});
  };
  const auto restart = [&](bool differs, const char* key) {
    if (differs) out.push_back({key, true});
  };
  const Params& p = a.params;
  const Params& q = b.params;
  restart(a.control_port != b.control_port, "gRPCPort");
  restart(p.join_timeout != q.join_timeout, "timeout");
  restart(a.stub_wg != b.stub_wg, "stubWg");
  restart(p.sync_interval != q.sync_interval, "syncInterval");
  restart(p.pull_interval != q.pull_interval, "pullInterval");
  restart(p.heartbeat_interval != q.heartbeat_interval, "heartbeatInterval");
  restart(p.cluster_size != q.cluster_size, "clusterSize");
  restart(p.inter_cluster_chance != q.inter_cluster_chance, "interClusterChance");
  restart(p.branch != q.branch, "branch");
  restart(p.infection_count != q.infection_count, "infectionCount");
  live(a.log_level != b.log_level, "logLevel");
  restart(p.prune_epochs != q.prune_epochs, "pruneEpochs");
  restart(p.tombstone_epochs != q.tombstone_epochs, "tombstoneEpochs");
  restart(p.max_path != q.max_path, "maxPath");
  restart(p.max_message_bytes != q.max_message_bytes, "maxMessageBytes");
  restart(p.join_retry != q.join_retry, "joinRetry");
  // joinTimeout is timeout under its other name: reported once, as timeout.

  const BaseConfiguration& x = a.base;
  const BaseConfiguration& y = b.base;
  live(x.ip_discovery != y.ip_discovery, "baseConfiguration.ipDiscovery");
  live(x.advertise_route != y.advertise_route, "baseConfiguration.advertiseRoute");
  live(x.advertise_defaults != y.advertise_defaults, "baseConfiguration.advertiseDefaults");
  live(x.public_endpoint != y.public_endpoint, "baseConfiguration.publicEndpoint");
  live(x.role != y.role, "baseConfiguration.role");
  live(x.keepalive_wg != y.keepalive_wg, "baseConfiguration.keepAliveWg");
  live(x.hooks.pre_up != y.hooks.pre_up, "baseConfiguration.preUp");
  live(x.hooks.post_up != y.hooks.post_up, "baseConfiguration.postUp");
  live(x.hooks.pre_down != y.hooks.pre_down, "baseConfiguration.preDown");
  live(x.hooks.post_down != y.hooks.post_down, "baseConfiguration.postDown");

  restart(a.state_dir != b.state_dir, "stateDir");
  restart(a.socket_path != b.socket_path, "socket");
  restart(a.wg_backend != b.wg_backend, "wgBackend");
  restart(a.mtu != b.mtu, "mtu");
  restart(a.interface_prefix != b.interface_prefix, "interfacePrefix");
  restart(a.wg_port != b.wg_port, "wgPort");
  restart(a.dns.enabled != b.dns.enabled, "dns.enabled");
  restart(a.dns.listen != b.dns.listen, "dns.listen");
  live(a.dns.forward != b.dns.forward, "dns.forward");
  live(a.dns.upstreams != b.dns.upstreams, "dns.upstreams");
  restart(a.metrics.listen != b.metrics.listen, "metrics.listen");
  restart(a.api_group != b.api_group, "apiGroup");
  return out;
}

}  // namespace smeg::daemon
