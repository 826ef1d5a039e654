#include "sim/network.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace smeg::sim {
namespace {

using std::chrono::milliseconds;

NetworkModel model(int min_ms, int mean_ms, double loss = 0, double dup = 0, double reorder = 0) {
  NetworkModel m;
  m.latency.min = milliseconds(min_ms);
  m.latency.mean = milliseconds(mean_ms);
  m.loss = loss;
  m.duplicate = dup;
  m.reorder = reorder;
  return m;
}

TEST(Network, LatencyIsMinPlusUniformTailWithTheGivenMean) {
  Network net(model(20, 50), 2);
  Rng rng(1);
  int64_t lo = INT64_MAX, hi = 0, sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const Delivery d = net.send(0, 0, 1, rng);
    ASSERT_EQ(d.copies, 1);
    lo = std::min(lo, d.at[0]);
    hi = std::max(hi, d.at[0]);
    sum += d.at[0];
  }
  EXPECT_GE(lo, 20000);
  EXPECT_LE(hi, 80000);
  EXPECT_LT(lo, 21000);  // the whole range is used
  EXPECT_GT(hi, 79000);
  EXPECT_NEAR(static_cast<double>(sum) / n, 50000.0, 600.0);
}

TEST(Network, LossAndDuplicationRates) {
  Network net(model(5, 5, 0.1, 0.05), 2);
  Rng rng(2);
  int lost = 0, doubled = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    const Delivery d = net.send(0, 1, 0, rng);
    lost += d.copies == 0;
    doubled += d.copies == 2;
  }
  EXPECT_NEAR(lost / static_cast<double>(n), 0.10, 0.01);
  EXPECT_NEAR(doubled / static_cast<double>(n), 0.05 * 0.9, 0.01);
}

TEST(Network, PartitionsSymmetricAndOneWay) {
  Network net(model(1, 1), 4);
  Rng rng(3);
  net.partition({0, 0, 1, 1}, false);
  EXPECT_EQ(net.send(0, 0, 1, rng).copies, 1);
  EXPECT_EQ(net.send(0, 0, 2, rng).copies, 0);
  EXPECT_EQ(net.send(0, 3, 1, rng).copies, 0);
  net.partition({0, 0, 1, 1}, true);  // lower groups still reach higher ones
  EXPECT_EQ(net.send(0, 0, 2, rng).copies, 1);
  EXPECT_EQ(net.send(0, 2, 0, rng).copies, 0);
  EXPECT_TRUE(net.reachable(1, 3));
  EXPECT_FALSE(net.reachable(3, 1));
  net.heal();
  EXPECT_EQ(net.send(0, 2, 0, rng).copies, 1);
}

TEST(Network, LossOverrideEndsOnTime) {
  Network net(model(1, 1), 2);
  Rng rng(4);
  net.override_loss(1.0, 1000);
  EXPECT_EQ(net.send(999, 0, 1, rng).copies, 0);
  EXPECT_EQ(net.send(1000, 0, 1, rng).copies, 1);
}

TEST(Network, CloggedNodeMessagesWaitForTheClogToEnd) {
  Network net(model(10, 10), 3);
  Rng rng(5);
  net.clog(1, 500000);
  EXPECT_EQ(net.send(0, 1, 2, rng).at[0], 500000 + 10000);  // from the clogged node
  EXPECT_EQ(net.send(0, 0, 1, rng).at[0], 500000 + 10000);  // to it
  EXPECT_EQ(net.send(0, 0, 2, rng).at[0], 10000);           // others unaffected
}

TEST(Network, SameSeedSameFates) {
  auto run = [] {
    Network net(model(20, 50, 0.2, 0.1, 0.1), 10);
    Rng rng(6);
    std::vector<int64_t> out;
    for (int i = 0; i < 1000; ++i) {
      const Delivery d = net.send(i, i % 10, (i * 7) % 10, rng);
      out.push_back(d.copies);
      for (int c = 0; c < d.copies; ++c) out.push_back(d.at[c]);
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace smeg::sim
