// What a real run reports: the simulator's figures (DESIGN.md §6) measured on real daemons, and
// how finely they could be measured. summary_text() reads like `smegsim run`; summary_json()
// is the one-line object of --json, with the simulator's key names where the figure is the
// same. check_expectations() applies a scenario's `expect:` bounds as smegsim does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/metrics.h"
#include "sim/scenario.h"

namespace smeg::realrun {

// Control messages of one type, per node per second.
struct TypeTraffic {
  double messages = 0;
  double bytes = 0;
};

struct RealRunSummary {
  std::string name;
  uint64_t seed = 0;
  uint32_t hosts = 0;
  double formation_seconds = 0;  // wall time from starting the daemons to a formed mesh
  double real_seconds = 0;       // wall time measured, from formed to the end
  double poll_interval_seconds = 0;
  double mean_poll_period_seconds = 0;  // between two answered polls of one host, on average
  sim::SampleSummary failure_convergence;
  sim::SampleSummary join_dissemination;
  uint64_t false_prunes = 0;
  // Sealed control bytes (smeg_gossip_bytes_total) per node live at the end, per second.
  double control_bytes_per_node_per_second = 0;
  // Sealed control datagrams (smeg_gossip_messages_total), on the same basis: each carries
  // 66 bytes of envelope (daemon/seal.h) that the simulator does not count.
  double messages_per_node_per_second = 0;
  std::map<std::string, TypeTraffic> traffic_by_type;  // by message type, as the simulator's
  std::vector<std::string> events;  // "10.001 s: crash of host 3 (leader)", in order
};

std::string summary_text(const RealRunSummary& r);
// One line of JSON, newline-terminated.
std::string summary_json(const RealRunSummary& r);
// One message per `expect:` bound the run missed (empty: all met).
std::vector<std::string> check_expectations(const sim::Expectations& e, const RealRunSummary& r);

}  // namespace smeg::realrun
