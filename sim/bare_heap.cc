#include "sim/bare_heap.h"

#include <algorithm>
#include <chrono>

namespace smeg::sim {

HoldModel::HoldModel(size_t pending) {
  pending = std::max<size_t>(pending, 1);
  queue_.reserve(pending + 1);
  for (size_t i = 0; i < pending; ++i) {
    queue_.push(static_cast<int64_t>(rng_.uniform(100000)), EventKind::kDeliver,
                static_cast<uint32_t>(i), 0);
  }
}

uint32_t HoldModel::step() {
  const SimEvent e = queue_.pop();
  queue_.push(e.at + 20000 + static_cast<int64_t>(rng_.uniform(60000)), EventKind::kDeliver, e.node,
              e.payload);
  return e.node;
}

double bare_heap_events_per_second(size_t pending, uint64_t ops) {
  HoldModel model(pending);
  uint64_t checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < ops; ++k) checksum += model.step();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (checksum == 1) return 0;  // keeps the loop from being optimised away
  return s > 0 ? static_cast<double>(ops) / s : 0;
}

}  // namespace smeg::sim
