#include "sim/clock.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace smeg::sim {
namespace {

TEST(LocalClock, StartsExactAndConvertsBothWays) {
  LocalClock c;
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.local(1234), 1234);
  EXPECT_EQ(c.to_virtual(5000, 1000), 5000);
  EXPECT_EQ(c.to_virtual(500, 1000), 1000);  // a deadline already past: at once
}

TEST(LocalClock, PositiveSkewStepsAhead) {
  LocalClock c;
  c.skew(10'000'000, 2'000'000);
  EXPECT_FALSE(c.exact());
  EXPECT_EQ(c.local(10'000'000), 12'000'000);
  EXPECT_EQ(c.local(11'000'000), 13'000'000);
  // A deadline the jump already passed is due at once; a later one 2 s early in virtual time.
  EXPECT_EQ(c.to_virtual(11'500'000, 10'000'000), 10'000'000);
  EXPECT_EQ(c.to_virtual(15'000'000, 10'000'000), 13'000'000);
}

TEST(LocalClock, NegativeSkewSlewsInsteadOfSteppingBack) {
  LocalClock c;
  c.skew(10'000'000, -2'000'000);
  // At half speed the 2 s are absorbed after 4 s; never a step back on the way.
  EXPECT_EQ(c.slew_end(), 14'000'000);
  EXPECT_EQ(c.local(10'000'000), 10'000'000);
  EXPECT_EQ(c.local(12'000'000), 11'000'000);
  EXPECT_EQ(c.local(14'000'000), 12'000'000);
  EXPECT_EQ(c.local(20'000'000), 18'000'000);  // from then on exactly 2 s behind
  EXPECT_EQ(c.to_virtual(11'000'000, 10'000'000), 12'000'000);
  EXPECT_EQ(c.to_virtual(18'000'000, 10'000'000), 20'000'000);
}

TEST(LocalClock, DriftRunsAtTheRate) {
  LocalClock c;
  c.drift(1'000'000, 1.1);
  EXPECT_EQ(c.local(1'000'000), 1'000'000);
  EXPECT_EQ(c.local(11'000'000), 12'000'000);
  c.drift(11'000'000, 0.9);
  EXPECT_EQ(c.local(21'000'000), 21'000'000);
  EXPECT_DOUBLE_EQ(c.rate(), 0.9);
}

TEST(LocalClock, DriftDuringASlewKeepsTheDebt) {
  LocalClock c;
  c.skew(0, -1'000'000);  // 2 s of slew at rate 1
  c.drift(1'000'000, 1.1);
  // Half the debt is left; at rate 1.1 a half-speed clock loses 0.55 us per us.
  EXPECT_EQ(c.slew_end(), 1'000'000 + 909'091);
  // Long after the slew: 1.1 * elapsed, minus the 1 s, from where the drift began.
  EXPECT_NEAR(static_cast<double>(c.local(101'000'000)), 500'000 + 1.1 * 100'000'000 - 500'000,
              2.0);
}

// Any sequence of changes: the clock never goes back, and to_virtual(l) is the first virtual
// time at which the clock shows l, so a timer never fires before its deadline.
TEST(LocalClock, MonotonicAndExactInverseUnderRandomChanges) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    LocalClock c;
    int64_t v = 0, last = c.local(0);
    for (int step = 0; step < 200; ++step) {
      v += static_cast<int64_t>(rng.uniform(2'000'000));
      const int64_t l = c.local(v);
      ASSERT_GE(l, last) << "seed " << seed << " step " << step;
      last = l;
      const int64_t deadline = l + static_cast<int64_t>(rng.uniform(3'000'000));
      const int64_t at = c.to_virtual(deadline, v);
      ASSERT_GE(c.local(at), deadline);
      if (at > v) {
        ASSERT_LT(c.local(at - 1), deadline);
      }
      switch (rng.uniform(3)) {
        case 0:
          c.skew(v, static_cast<int64_t>(rng.uniform(4'000'001)) - 2'000'000);
          break;
        case 1:
          c.drift(v, 0.9 + 0.2 * rng.next_double());
          break;
        default:
          break;
      }
      ASSERT_GE(c.local(v), last) << "a change stepped the clock back";
    }
  }
}

}  // namespace
}  // namespace smeg::sim
