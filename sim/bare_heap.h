// The bare event heap's own speed, measured in the same process as a run, so that a run's
// protocol event rate can be reported as a ratio of what the heap alone sustains (the "hold
// model": pop the earliest of `pending` events, push one a random delay later).
#pragma once

#include <cstddef>
#include <cstdint>

namespace smeg::sim {

// Events per second of the bare heap at this many pending events, timed over `ops` pop+push.
double bare_heap_events_per_second(size_t pending, uint64_t ops);

}  // namespace smeg::sim
