// The simulator's per-node record (private to Simulation; shared by the engine's files).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/node.h"
#include "sim/clock.h"
#include "sim/engine.h"

namespace smeg::sim {

struct Simulation::SimNode {
  KeyPair keys;
  std::unique_ptr<Node> node;
  Rng rng{0};
  std::vector<std::string> meshes;  // the meshes it is planned to be in
  Role role = Role::kPeer;
  bool exit = false;    // advertises ::/0
  bool bridge = false;  // advertises routes between its meshes
  bool started = false;
  bool alive = false;
  bool left = false;              // left a mesh on purpose: its removal is not a false prune
  uint64_t version_at_crash = 0;  // its record's version when it last crashed (0: never)
  uint64_t timer_gen = 0;
  int64_t armed_at = INT64_MAX;  // virtual time
  LocalClock clock;
  // Slow node: inputs before slow_until are taken slow_delay late; inputs queue behind each
  // other, so none is taken before handled_until (the last late input's time).
  int64_t slow_until = 0;
  int64_t slow_delay = 0;
  int64_t handled_until = 0;
};

}  // namespace smeg::sim
