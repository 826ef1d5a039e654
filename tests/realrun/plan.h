// What of a simulator scenario (sim/scenario.h) a real run on this machine can do: a handful
// of hosts in network namespaces, each running smegd over wireguard-go. plan_real_run() maps
// the scenario onto hosts and refuses, naming the scenario key, whatever a real run cannot
// reproduce faithfully: clients, exits, bridges, more than kMaxHosts hosts, partitions, clogs,
// leaves, clock and speed faults, duplication and reordering, a wiped restart, and any latency
// or loss when netem does not work here. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/scenario.h"

namespace smeg::realrun {

// More daemons than this do not fit the machine's cores and make polling too coarse.
inline constexpr uint32_t kMaxHosts = 8;
// A real run takes real time: longer scenarios are refused.
inline constexpr Duration kMaxDuration = std::chrono::minutes(10);

// What this machine offers a real run.
struct HostCapabilities {
  bool netem = false;  // `tc qdisc add ... netem` works in a namespace
};

// Egress shaping of every host's underlay link: one-way latency uniform in
// [delay - jitter, delay + jitter] (the simulator's min + uniform tail with that mean) and loss.
struct Netem {
  Duration delay{0};
  Duration jitter{0};
  double loss = 0.0;

  bool any() const { return delay.count() > 0 || loss > 0.0; }
};

// One host: the mesh it is in, and whether it waits for a join fault to join it.
struct HostPlan {
  std::string mesh;
  bool spare = false;
};

struct RealRunPlan {
  std::vector<HostPlan> hosts;  // host h (1-based) is hosts[h - 1]; peers first, mesh by mesh
  Netem netem;
};

// Maps sc onto hosts; the error reads "SOURCE: KEY: why a real run cannot".
Result<RealRunPlan> plan_real_run(const sim::Scenario& sc, const std::string& source,
                                  const HostCapabilities& caps);

// The arguments after `tc qdisc add dev IF root` that apply n: {"netem", "delay", "50000us",
// "30000us", "loss", "1%"}.
std::vector<std::string> netem_args(const Netem& n);

}  // namespace smeg::realrun
