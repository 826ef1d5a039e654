#include "sim/engine.h"

#include <gtest/gtest.h>

namespace smeg::sim {
namespace {

Scenario smoke() {
  auto s = load_scenario_file(std::string(SMEG_SCENARIO_DIR) + "/ci-smoke.yaml");
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return *s;
}

TEST(Simulation, CiSmokeConvergesWithoutFalsePrunes) {
  const Scenario sc = smoke();
  Simulation sim(sc, 1);
  const RunSummary r = sim.run();
  EXPECT_EQ(r.nodes, 23u);  // 20 peers + 3 joiners
  EXPECT_DOUBLE_EQ(r.sim_seconds, 30.0);
  EXPECT_EQ(r.false_prunes, 0u);
  // The crashed leader is gone from every view that held it (the 19 others, and joiners that
  // got its record before its tombstone), within 3H plus the time to spread (H = 2 s here).
  EXPECT_GE(r.failure_convergence.count, 19u);
  EXPECT_LE(r.failure_convergence.count, 22u);
  EXPECT_EQ(r.failure_convergence.unconverged, 0u);
  EXPECT_LE(r.failure_convergence.max, 8.0);
  EXPECT_GE(r.failure_convergence.p50, 2.0);
  // The three joiners are known to every other live node.
  EXPECT_EQ(r.join_dissemination.unconverged, 0u);
  EXPECT_EQ(r.join_dissemination.count, 3u * 21u);
  EXPECT_LE(r.join_dissemination.max, 2.0);
  EXPECT_GT(r.control_bytes_per_node_per_second, 0.0);
  // Everyone alive ends with the same view: 22 members.
  for (uint32_t i = 0; i < sim.node_count(); ++i) {
    if (!sim.alive(i)) continue;
    const Mesh* m = sim.node(i).mesh("smoke");
    ASSERT_NE(m, nullptr) << i;
    EXPECT_EQ(m->live_members().size(), 22u) << i;
  }
}

TEST(Simulation, SameSeedSameDigestOtherSeedOtherDigest) {
  const Scenario sc = smoke();
  Simulation a(sc, 7), b(sc, 7), c(sc, 8);
  const uint64_t da = a.run().digest;
  EXPECT_EQ(da, b.run().digest);
  EXPECT_NE(da, c.run().digest);
}

}  // namespace
}  // namespace smeg::sim
