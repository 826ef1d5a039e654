// The bare event heap's own speed, measured in the same process as a run, so that a run's
// protocol event rate can be reported as a ratio of what the heap alone sustains. The "hold
// model": `pending` events wait; each step pops the earliest and pushes one a random delay
// later (20-80 ms, like a message). The benchmark (tests/bench) drives the same model.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/rng.h"
#include "sim/event_queue.h"

namespace smeg::sim {

class HoldModel {
 public:
  explicit HoldModel(size_t pending);
  // One pop and one push; returns the popped event's node (so the work cannot be elided).
  uint32_t step();

 private:
  Rng rng_{5};
  EventQueue queue_;
};

// Events per second of the bare heap at this many pending events, timed over `ops` steps.
double bare_heap_events_per_second(size_t pending, uint64_t ops);

}  // namespace smeg::sim
