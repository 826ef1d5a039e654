// Writes a Scenario back in the loader's format (used by `smegsim swarm --print-scenario`, so a
// drawn scenario can become a scenario file that replays the same run).
#include <charconv>
#include <sstream>

#include "sim/scenario.h"

namespace smeg::sim {
namespace {

// In the largest unit that is exact, so parse_duration gives back the same microseconds.
std::string duration_text(Duration d) {
  const int64_t us = d.count();
  const std::string sign = us < 0 ? "-" : "";
  const int64_t a = us < 0 ? -us : us;
  if (a % 1'000'000 == 0) return sign + std::to_string(a / 1'000'000) + "s";
  if (a % 1'000 == 0) return sign + std::to_string(a / 1'000) + "ms";
  return sign + std::to_string(a) + "us";
}

// The shortest text that reads back as the same double.
std::string number_text(double x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

std::string pick_text(const NodePick& p) {
  return p.count > 0 ? "count: " + std::to_string(p.count) : "fraction: " + number_text(p.fraction);
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

std::string fault_text(const FaultAction& a) {
  std::string out = std::string(fault_kind(a)) + ": {";
  if (const auto* c = std::get_if<CrashFault>(&a)) {
    if (c->target == CrashFault::Target::kLeader) out += "who: leader";
    if (c->target == CrashFault::Target::kFraction) out += "fraction: " + number_text(c->fraction);
    if (c->target == CrashFault::Target::kCount) out += "count: " + std::to_string(c->count);
  } else if (const auto* r = std::get_if<RestartFault>(&a)) {
    out += "fraction: " + number_text(r->fraction) + ", wipe: " + bool_text(r->wipe);
  } else if (const auto* p = std::get_if<PartitionFault>(&a)) {
    out += "groups: [";
    for (size_t i = 0; i < p->groups.size(); ++i)
      out += (i ? ", " : "") + number_text(p->groups[i]);
    out += "], for: " + duration_text(p->length) + ", one_way: " + bool_text(p->one_way);
  } else if (const auto* j = std::get_if<JoinFault>(&a)) {
    out += "mesh: " + j->mesh + ", count: " + std::to_string(j->count);
  } else if (const auto* l = std::get_if<LeaveFault>(&a)) {
    out += "mesh: " + l->mesh + ", count: " + std::to_string(l->count);
  } else if (const auto* lo = std::get_if<LossFault>(&a)) {
    out += "value: " + number_text(lo->value) + ", for: " + duration_text(lo->length);
  } else if (const auto* cl = std::get_if<ClogFault>(&a)) {
    out += "fraction: " + number_text(cl->fraction) + ", for: " + duration_text(cl->length);
  } else if (const auto* s = std::get_if<SkewFault>(&a)) {
    out += pick_text(s->who) + ", offset: " + duration_text(s->offset);
  } else if (const auto* d = std::get_if<DriftFault>(&a)) {
    out += pick_text(d->who) + ", rate: " + number_text(d->rate);
  } else if (const auto* sl = std::get_if<SlowFault>(&a)) {
    out += pick_text(sl->who) + ", delay: " + duration_text(sl->delay) +
           ", for: " + duration_text(sl->length);
  }
  return out + "}";
}

}  // namespace

std::string scenario_to_yaml(const Scenario& sc) {
  std::ostringstream y;
  const NetworkModel& n = sc.network;
  const Params& p = sc.params;
  y << "name: " << sc.name << "\n"
    << "seed: " << sc.seed << "\n"
    << "duration: " << duration_text(sc.duration) << "\n"
    << "network: {latency: {min: " << duration_text(n.latency.min)
    << ", mean: " << duration_text(n.latency.mean) << "}, loss: " << number_text(n.loss)
    << ", duplicate: " << number_text(n.duplicate) << ", reorder: " << number_text(n.reorder)
    << "}\n"
    << "params: {heartbeatInterval: " << duration_text(p.heartbeat_interval)
    << ", syncInterval: " << duration_text(p.sync_interval)
    << ", pullInterval: " << duration_text(p.pull_interval) << ",\n         branch: " << p.branch
    << ", infectionCount: " << p.infection_count << ", clusterSize: " << p.cluster_size
    << ", interClusterChance: " << number_text(p.inter_cluster_chance)
    << ",\n         pruneEpochs: " << p.prune_epochs << ", tombstoneEpochs: " << p.tombstone_epochs
    << ", maxPath: " << p.max_path << ", maxMessageBytes: " << p.max_message_bytes
    << ", joinRetry: " << duration_text(p.join_retry)
    << ", joinTimeout: " << duration_text(p.join_timeout) << "}\n"
    << "meshes:\n";
  for (const MeshSpec& m : sc.meshes) {
    y << "  - {id: " << m.id << ", peers: " << m.peers << ", clients: " << m.clients
      << ", exits: " << m.exits << "}\n";
  }
  if (!sc.bridges.empty()) y << "bridges:\n";
  for (const BridgeSpec& b : sc.bridges) {
    y << "  - {meshes: [";
    for (size_t i = 0; i < b.meshes.size(); ++i) y << (i ? ", " : "") << b.meshes[i];
    y << "], count: " << b.count << "}\n";
  }
  if (!sc.faults.empty()) y << "faults:\n";
  for (const Fault& f : sc.faults) {
    y << "  - {at: " << duration_text(f.at) << ", " << fault_text(f.action) << "}\n";
  }
  const Expectations& e = sc.expect;
  std::ostringstream ex;
  if (e.failure_convergence_p99)
    ex << "  failure_convergence_p99: " << duration_text(*e.failure_convergence_p99) << "\n";
  if (e.failure_convergence_max)
    ex << "  failure_convergence_max: " << duration_text(*e.failure_convergence_max) << "\n";
  if (e.join_dissemination_p99)
    ex << "  join_dissemination_p99: " << duration_text(*e.join_dissemination_p99) << "\n";
  if (e.false_prunes) ex << "  false_prunes: " << *e.false_prunes << "\n";
  if (e.control_bytes_per_node_per_second) {
    ex << "  control_bytes_per_node_per_second: "
       << number_text(*e.control_bytes_per_node_per_second) << "\n";
  }
  if (e.converge_within) ex << "  converge_within: " << duration_text(*e.converge_within) << "\n";
  if (!ex.str().empty()) y << "expect:\n" << ex.str();
  return y.str();
}

}  // namespace smeg::sim
