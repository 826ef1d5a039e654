// One real run of a scenario: builds the hosts (world.h), starts one smegd per host with the
// scenario's tunables, forms each mesh through the API (the first peer creates it, the others
// join with its invite, one at a time), waits until every member's WireGuard holds every other
// member, then plays the faults in real time from that moment (t = 0) while polling every
// host's view every poll_interval (views.h), and reports (summary.h). Everything it made is
// torn down before it returns, whatever happened. Every wait is bounded: by its own limit,
// by the run's time limit, and by the stop flag (a signal handler sets it).
#pragma once

#include <csignal>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "sim/scenario.h"
#include "tests/realrun/plan.h"
#include "tests/realrun/summary.h"

namespace smeg::realrun {

struct RunOptions {
  std::string smegd;            // path of the smegd binary
  std::string tag;              // the world's tag (world.h), unique on the machine
  std::string underlay_prefix;  // "fd00:5f:1a2b::": hosts are PREFIX1, PREFIX2, ...
  std::string dir;              // scratch directory for configs, state and logs
  uint64_t seed = 1;            // picks random crash targets and join contacts
  Duration poll_interval = std::chrono::milliseconds(50);
  Duration time_limit = std::chrono::minutes(5);  // of the whole run, teardown aside
  const volatile std::sig_atomic_t* stop = nullptr;
  bool progress = true;  // one line per step on stderr
};

Result<RealRunSummary> run_real(const sim::Scenario& sc, const RealRunPlan& plan,
                                const RunOptions& options);

}  // namespace smeg::realrun
