// Fault swarms (`smegsim swarm`): a random scenario per seed, run with the invariant oracles.
//
// A seed draws (with the portable smeg::Rng, so a seed means the same scenario everywhere) a
// small network: one mesh, sometimes one with clients and exits, sometimes two meshes with a
// bridge; a heartbeat interval H in [0.5 s, 2 s]; a base network with some latency, loss,
// duplication and reordering; then a fault phase of random faults (loss up to 30 %,
// partitions of random group sizes including one-way ones, clogs, crash-stop, crash-restart
// with kept or wiped state, joins, leaves, clock skew and drift, slow nodes). At `heal_at`
// every timed fault is over and no new one comes (clock drift stays: a drifting clock is not
// healed, it is how that machine is); the run then goes on for the convergence bound. A seed
// passes when no invariant is violated and the views converged (oracle.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.h"

namespace smeg::sim {

struct SwarmDraw {
  Scenario scenario;
  int64_t heal_at = 0;  // virtual time, microseconds: every fault has ended by then
};

// The scenario of one seed, with `nodes` nodes at the start (joiners come on top).
SwarmDraw draw_swarm(uint64_t seed, uint32_t nodes);

struct SwarmOutcome {
  bool ok = false;
  std::string line;                  // the report line, without the seed
  std::vector<std::string> details;  // the first violations, for stderr
};

// Runs one drawn scenario with the oracles.
SwarmOutcome run_swarm(const SwarmDraw& draw);

}  // namespace smeg::sim
