// Node faults (skew, drift, slow): how the scenario loader reads them and what the engine does.
#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/scenario.h"

namespace smeg::sim {
namespace {

using std::chrono::microseconds;

// Seven lines every case builds on; a case's fault is on line 8.
constexpr std::string_view kBase =
    "name: t\n"
    "duration: 40s\n"
    "network: {latency: {min: 5ms, mean: 10ms}}\n"
    "params: {heartbeatInterval: 1s, syncInterval: 200ms, pullInterval: 5s}\n"
    "meshes:\n"
    "  - {id: a, peers: 12}\n"
    "faults:\n";

Result<Scenario> with_faults(std::string_view faults) {
  return parse_scenario(std::string(kBase) + std::string(faults), "t.yaml");
}

TEST(NodeFaults, Parse) {
  auto r = with_faults(
      "  - {at: 10s, skew: {count: 3, offset: 2s}}\n"
      "  - {at: 11s, skew: {fraction: 0.25, offset: -1.5s}}\n"
      "  - {at: 12s, drift: {fraction: 0.1, rate: 1.001}}\n"
      "  - {at: 13s, slow: {count: 2, delay: 100ms, for: 30s}}\n"
      "expect: {converge_within: 12s}\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->faults.size(), 4u);
  const auto& s0 = std::get<SkewFault>(r->faults[0].action);
  EXPECT_EQ(s0.who.count, 3u);
  EXPECT_EQ(s0.offset, microseconds(2'000'000));
  const auto& s1 = std::get<SkewFault>(r->faults[1].action);
  EXPECT_DOUBLE_EQ(s1.who.fraction, 0.25);
  EXPECT_EQ(s1.who.count, 0u);
  EXPECT_EQ(s1.offset, microseconds(-1'500'000));
  const auto& d = std::get<DriftFault>(r->faults[2].action);
  EXPECT_DOUBLE_EQ(d.rate, 1.001);
  const auto& sl = std::get<SlowFault>(r->faults[3].action);
  EXPECT_EQ(sl.who.count, 2u);
  EXPECT_EQ(sl.delay, microseconds(100'000));
  EXPECT_EQ(sl.length, microseconds(30'000'000));
  EXPECT_EQ(fault_kind(r->faults[3].action), "slow");
  EXPECT_EQ(r->expect.converge_within, microseconds(12'000'000));
  EXPECT_EQ(convergence_bound(*r), microseconds(12'000'000));
}

TEST(NodeFaults, DefaultConvergenceBound) {
  auto r = with_faults("  - {at: 10s, drift: {count: 1, rate: 0.9}}\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  // (pruneEpochs 3 + 3) * H 1 s + 2 * pullInterval 5 s.
  EXPECT_EQ(convergence_bound(*r), microseconds(16'000'000));
}

TEST(NodeFaults, MalformedIsRefusedWithFileLineAndKey) {
  struct Case {
    const char* fault;
    const char* where;
    const char* why;
  };
  const Case cases[] = {
      {"{at: 1s, skew: {count: 3}}", "t.yaml:8: faults[0].skew.offset:", "missing"},
      {"{at: 1s, skew: {offset: 2s}}", "t.yaml:8: faults[0].skew:", "one of fraction, count"},
      {"{at: 1s, skew: {count: 1, fraction: 0.5, offset: 1s}}",
       "t.yaml:8: faults[0].skew:", "not both"},
      {"{at: 1s, skew: {count: 0, offset: 1s}}", "t.yaml:8: faults[0].skew.count:", "at least 1"},
      {"{at: 1s, skew: {fraction: 0, offset: 1s}}",
       "t.yaml:8: faults[0].skew.fraction:", "positive"},
      {"{at: 1s, skew: {count: 1, offset: --2s}}",
       "t.yaml:8: faults[0].skew.offset:", "not a duration"},
      {"{at: 1s, skew: {count: 1, offset: 2h}}", "t.yaml:8: faults[0].skew.offset:", "within 1h"},
      {"{at: 1s, skew: {count: 1, offset: 1s, rate: 2}}",
       "t.yaml:8: faults[0].skew.rate:", "unknown key"},
      {"{at: 1s, drift: {count: 1, rate: 1.2}}", "t.yaml:8: faults[0].drift.rate:", "[0.9, 1.1]"},
      {"{at: 1s, drift: {count: 1, rate: fast}}", "t.yaml:8: faults[0].drift.rate:", "number"},
      {"{at: 1s, drift: {count: 1}}", "t.yaml:8: faults[0].drift.rate:", "missing"},
      {"{at: 1s, slow: {count: 1, delay: -100ms, for: 1s}}",
       "t.yaml:8: faults[0].slow.delay:", "not a duration"},
      {"{at: 1s, slow: {count: 1, delay: 0s, for: 1s}}",
       "t.yaml:8: faults[0].slow.delay:", "positive"},
      {"{at: 1s, slow: {fraction: 0.5, delay: 1s}}", "t.yaml:8: faults[0].slow.for:", "missing"},
      {"{at: 1s, slow: 3}", "t.yaml:8: faults[0].slow:", "mapping"},
  };
  for (const Case& c : cases) {
    auto r = with_faults(std::string("  - ") + c.fault + "\n");
    ASSERT_FALSE(r.is_ok()) << c.fault;
    const std::string& msg = r.status().message();
    EXPECT_EQ(msg.rfind(c.where, 0), 0u) << c.fault << ": got \"" << msg << "\"";
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.fault << ": got \"" << msg << "\"";
  }
  auto r = parse_scenario(std::string(kBase) + "  - {at: 1s, crash: {count: 1}}\n" +
                              "expect: {converge_within: soon}\n",
                          "t.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind("t.yaml:9: expect.converge_within:", 0), 0u)
      << r.status().message();
}

TEST(NodeFaults, SkewMovesTheNodesClocksOnly) {
  auto r = with_faults(
      "  - {at: 10s, skew: {fraction: 1, offset: 2s}}\n"
      "  - {at: 20s, skew: {count: 12, offset: -1s}}\n");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  Simulation sim(*r, 3);
  sim.run_until(15'000'000);
  for (uint32_t i = 0; i < sim.node_count(); ++i) EXPECT_EQ(sim.local_time(i), 17'000'000) << i;
  sim.run_until(30'000'000);  // the 1 s is slewed away by 22 s
  for (uint32_t i = 0; i < sim.node_count(); ++i) EXPECT_EQ(sim.local_time(i), 31'000'000) << i;
  const RunSummary s = sim.run();
  EXPECT_DOUBLE_EQ(s.sim_seconds, 40.0);  // metrics stay in virtual time
  EXPECT_EQ(s.invariant_violations, 0u);
}

// A node whose every input is late is slow, not dead: with a delay well below H nobody may
// prune it, and the run must differ from the same run without the fault (the fault acts).
TEST(NodeFaults, SlowNodesAreLateButNotPruned) {
  auto slow = with_faults("  - {at: 10s, slow: {fraction: 0.5, delay: 150ms, for: 20s}}\n");
  auto none = with_faults("  - {at: 10s, slow: {count: 1, delay: 1us, for: 1us}}\n");
  ASSERT_TRUE(slow.is_ok() && none.is_ok());
  Simulation a(*slow, 5), b(*none, 5);
  const RunSummary ra = a.run(), rb = b.run();
  EXPECT_EQ(ra.false_prunes, 0u);
  EXPECT_EQ(ra.invariant_violations, 0u);
  EXPECT_NE(ra.digest, rb.digest);
  for (uint32_t i = 0; i < a.node_count(); ++i) {
    EXPECT_TRUE(a.alive(i));
    EXPECT_EQ(a.node(i).mesh("a")->live_members().size(), 12u) << i;
  }
}

TEST(NodeFaults, DriftAndNegativeSkewCauseNoFalsePrunes) {
  auto r = with_faults(
      "  - {at: 10s, drift: {fraction: 0.5, rate: 1.1}}\n"
      "  - {at: 11s, drift: {fraction: 0.5, rate: 0.9}}\n"
      "  - {at: 12s, skew: {count: 4, offset: -2s}}\n");
  ASSERT_TRUE(r.is_ok());
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    Simulation sim(*r, seed);
    const RunSummary s = sim.run();
    EXPECT_EQ(s.false_prunes, 0u) << seed;
    EXPECT_EQ(s.invariant_violations, 0u) << seed;
  }
}

}  // namespace
}  // namespace smeg::sim
