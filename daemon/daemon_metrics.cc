// The Daemon's Prometheus metrics, written at scrape time from the counters where they live.
#include "core/messages.h"
#include "daemon/daemon.h"
#include "daemon/prometheus.h"

namespace smeg::daemon {

std::string Daemon::metrics_text() const {
  PrometheusText t;
  t.family("smeg_up", "gauge", "1 while smegd runs; the node's public key as a label.");
  const std::string key = keys_.public_key.to_base64();
  t.sample("smeg_up", {{"node", key}}, 1);
  t.family("smeg_uptime_seconds", "gauge", "Seconds since smegd started.");
  t.sample("smeg_uptime_seconds", uptime_seconds());
  t.family("smeg_meshes", "gauge", "Meshes this node is in (joining included).");
  t.sample("smeg_meshes", static_cast<double>(meshes_.size()));

  auto per_mesh = [&](const char* name, const char* type, const char* help, auto value) {
    t.family(name, type, help);
    for (const auto& [id, m] : meshes_) t.sample(name, {{"mesh", id}}, value(id, m));
  };
  per_mesh("smeg_members", "gauge", "Members alive in this node's view of the mesh.",
           [&](const std::string& id, const MeshRuntime&) {
             const Mesh* mesh = node_ ? node_->mesh(id) : nullptr;
             return mesh ? static_cast<double>(mesh->live_members().size()) : 0.0;
           });
  per_mesh("smeg_records", "gauge", "Records in the mesh state (suspected members included).",
           [&](const std::string& id, const MeshRuntime&) {
             const Mesh* mesh = node_ ? node_->mesh(id) : nullptr;
             return mesh ? static_cast<double>(mesh->state().member_count()) : 0.0;
           });
  per_mesh("smeg_is_leader", "gauge", "1 when this node leads the mesh's heartbeat.",
           [&](const std::string& id, const MeshRuntime&) {
             const Mesh* mesh = node_ ? node_->mesh(id) : nullptr;
             return mesh && mesh->leader() == keys_.public_key ? 1.0 : 0.0;
           });
  per_mesh("smeg_leader_changes_total", "counter", "Leader changes seen.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.leader_changes);
           });
  per_mesh("smeg_members_added_total", "counter", "Members that entered the view.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.members_added);
           });
  per_mesh("smeg_prunes_total", "counter", "Members pruned after 3 silent heartbeats.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.members_pruned);
           });
  per_mesh("smeg_members_removed_total", "counter", "Members that left the view, any reason.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.members_removed);
           });
  per_mesh("smeg_join_failures_total", "counter", "Joins no member answered in time.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.join_failures);
           });
  per_mesh("smeg_apply_errors_total", "counter", "WireGuard applies that failed.",
           [](const std::string&, const MeshRuntime& m) {
             return static_cast<double>(m.counters.apply_errors);
           });
  t.family("smeg_apply_seconds", "summary", "Time to apply a desired WireGuard configuration.");
  for (const auto& [id, m] : meshes_) {
    t.sample("smeg_apply_seconds_sum", {{"mesh", id}}, m.counters.apply_seconds_sum);
    t.sample("smeg_apply_seconds_count", {{"mesh", id}}, static_cast<double>(m.counters.applies));
  }
  per_mesh("smeg_apply_last_seconds", "gauge", "Time the last apply took.",
           [](const std::string&, const MeshRuntime& m) { return m.counters.apply_seconds_last; });

  t.family("smeg_gossip_messages_total", "counter", "Control messages sent, by type.");
  for (size_t i = 1; i < sent_messages_.size(); ++i) {
    const char* type = message_type_name(static_cast<MessageType>(i));
    t.sample("smeg_gossip_messages_total", {{"type", type}},
             static_cast<double>(sent_messages_[i]));
  }
  t.family("smeg_gossip_bytes_total", "counter", "Sealed control bytes sent, by type.");
  for (size_t i = 1; i < sent_bytes_.size(); ++i) {
    const char* type = message_type_name(static_cast<MessageType>(i));
    t.sample("smeg_gossip_bytes_total", {{"type", type}}, static_cast<double>(sent_bytes_[i]));
  }
  const ControlSocketStats& cs = socket_.stats();
  t.family("smeg_control_received_total", "counter", "Datagrams received on the control port.");
  t.sample("smeg_control_received_total", static_cast<double>(cs.received));
  t.family("smeg_control_received_bytes_total", "counter", "Bytes received on the control port.");
  t.sample("smeg_control_received_bytes_total", static_cast<double>(cs.received_bytes));
  t.family("smeg_control_send_errors_total", "counter", "Datagrams the kernel refused to send.");
  t.sample("smeg_control_send_errors_total", static_cast<double>(cs.send_errors));
  t.family("smeg_control_send_dropped_total", "counter", "Datagrams dropped: send queue full.");
  t.sample("smeg_control_send_dropped_total", static_cast<double>(cs.dropped));
  t.family("smeg_rejected_messages_total", "counter",
           "Datagrams refused: not sealed, unknown mesh, bad tag (forged or wrong secret), "
           "replayed, too large, header mismatch, or undecodable by the core.");
  if (sealer_) {
    for (size_t i = 0; i < kSealErrorCount; ++i) {
      t.sample("smeg_rejected_messages_total",
               {{"reason", seal_error_name(static_cast<SealError>(i))}},
               static_cast<double>(sealer_->stats().rejected[i]));
    }
  }
  t.sample("smeg_rejected_messages_total", {{"reason", "undecodable"}},
           static_cast<double>(core_rejected()));
  return t.take();
}

}  // namespace smeg::daemon
