#include "sim/exits.h"

#include <gtest/gtest.h>

namespace smeg::sim {
namespace {

PublicKey key(uint8_t b) {
  PublicKey k;
  k.bytes[0] = b;
  return k;
}

TEST(ExitTracker, CountsChoosersMovesAndNeedlessMoves) {
  ExitTracker t;
  const PublicKey a = key(1), b = key(2), c = key(3), none;
  // Node 0 chose the crashed exit a, 1 and 2 chose b, 3 had none, 4 chose c.
  t.crashed(a, {a, b, b, none, c});
  // At the end: 0 moved to b (must), 1 kept b, 2 moved to c (needless), 3 still none, 4 is down.
  const ExitMoves m = t.summarize({b, b, c, none, none});
  EXPECT_EQ(m.exit_crashes, 1u);
  EXPECT_EQ(m.choosers, 3u);
  EXPECT_EQ(m.had_crashed, 1u);
  EXPECT_EQ(m.moved, 2u);
  EXPECT_EQ(m.needless, 1u);
  EXPECT_DOUBLE_EQ(m.moved_fraction(), 2.0 / 3.0);
}

TEST(ExitTracker, NothingCrashedNothingMoved) {
  const ExitMoves m = ExitTracker().summarize({key(1)});
  EXPECT_EQ(m.exit_crashes, 0u);
  EXPECT_EQ(m.choosers, 0u);
  EXPECT_DOUBLE_EQ(m.moved_fraction(), 0.0);
}

}  // namespace
}  // namespace smeg::sim
