#include "sim/bare_heap.h"

#include <algorithm>
#include <chrono>

#include "core/rng.h"
#include "sim/event_queue.h"

namespace smeg::sim {

double bare_heap_events_per_second(size_t pending, uint64_t ops) {
  pending = std::max<size_t>(pending, 1);
  Rng rng(5);
  EventQueue q;
  q.reserve(pending + 1);
  for (size_t i = 0; i < pending; ++i) {
    q.push(static_cast<int64_t>(rng.uniform(100000)), EventKind::kDeliver, static_cast<uint32_t>(i),
           0);
  }
  uint64_t checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < ops; ++k) {
    const SimEvent e = q.pop();
    checksum += e.node;
    q.push(e.at + 20000 + static_cast<int64_t>(rng.uniform(60000)), EventKind::kDeliver, e.node,
           e.payload);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Keeps the loop from being optimised away.
  if (checksum == 1) return 0;
  return s > 0 ? static_cast<double>(ops) / s : 0;
}

}  // namespace smeg::sim
