#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "core/rng.h"

namespace smeg::sim {
namespace {

TEST(EventQueue, EarliestFirstAndInsertionOrderAmongEqualTimes) {
  EventQueue q;
  q.push(30, EventKind::kTimer, 1, 0);
  q.push(10, EventKind::kDeliver, 2, 7);
  q.push(30, EventKind::kDeliver, 3, 0);
  q.push(10, EventKind::kFault, 4, 1);
  ASSERT_EQ(q.size(), 4u);
  std::vector<uint32_t> nodes;
  while (!q.empty()) nodes.push_back(q.pop().node);
  EXPECT_EQ(nodes, (std::vector<uint32_t>{2, 4, 1, 3}));
}

TEST(EventQueue, KeepsPayloadAndKind) {
  EventQueue q;
  q.push(5, EventKind::kFault, 9, 123);
  const SimEvent e = q.pop();
  EXPECT_EQ(e.at, 5);
  EXPECT_EQ(e.kind, EventKind::kFault);
  EXPECT_EQ(e.node, 9u);
  EXPECT_EQ(e.payload, 123u);
}

// Random interleavings of pushes and pops come out exactly as a stable sort by time would
// order them (the reference model), for many seeds.
TEST(EventQueue, MatchesAStableSortModel) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    EventQueue q;
    std::vector<std::tuple<int64_t, uint64_t, uint32_t>> model;  // (at, seq, node)
    uint64_t seq = 0;
    int64_t now = 0;
    for (int step = 0; step < 300; ++step) {
      if (model.empty() || rng.chance(0.6)) {
        const int64_t at = now + static_cast<int64_t>(rng.uniform(50));  // many ties
        const uint32_t node = static_cast<uint32_t>(rng.uniform(1000));
        q.push(at, EventKind::kDeliver, node, 0);
        model.emplace_back(at, seq++, node);
      } else {
        const auto it = std::min_element(model.begin(), model.end());
        const SimEvent e = q.pop();
        ASSERT_EQ(e.at, std::get<0>(*it)) << "seed " << seed;
        ASSERT_EQ(e.node, std::get<2>(*it)) << "seed " << seed;
        now = e.at;
        model.erase(it);
      }
    }
    ASSERT_EQ(q.size(), model.size());
  }
}

}  // namespace
}  // namespace smeg::sim
