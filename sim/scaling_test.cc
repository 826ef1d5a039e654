#include "sim/scaling.h"

#include <gtest/gtest.h>

namespace smeg::sim {
namespace {

Scenario two_meshes() {
  Scenario sc;
  sc.name = "two";
  sc.meshes = {{"alpha", 3000, 0, 0}, {"beta", 200, 400, 4}};
  sc.bridges = {{{"alpha", "beta"}, 2}};
  sc.faults = {{std::chrono::seconds(5), JoinFault{"alpha", 20}, 1}};
  return sc;
}

uint64_t total(const Scenario& sc) { return planned_nodes(sc); }

TEST(ScaleScenario, OwnSizeIsUnchanged) {
  const Scenario sc = two_meshes();
  ASSERT_EQ(planned_nodes(sc), 3602u);
  const auto r = scale_scenario(sc, 3602);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->meshes[0].peers, 3000u);
  EXPECT_EQ(r->meshes[1].peers, 200u);
  EXPECT_EQ(r->meshes[1].clients, 400u);
  EXPECT_EQ(r->meshes[1].exits, 4u);
}

TEST(ScaleScenario, ProportionalPerMeshAndExactTotal) {
  const Scenario sc = two_meshes();
  const auto r = scale_scenario(sc, 362);  // 360 for the meshes: 300 + 60
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(total(*r), 362u);
  EXPECT_EQ(r->meshes[0].peers, 300u);
  EXPECT_EQ(r->meshes[0].clients, 0u);
  EXPECT_EQ(r->meshes[1].peers, 20u);
  EXPECT_EQ(r->meshes[1].clients, 40u);
  EXPECT_EQ(r->meshes[1].exits, 4u);
  // Bridges and faults (with their spares) stay as written.
  EXPECT_EQ(r->bridges[0].count, 2u);
  ASSERT_EQ(r->faults.size(), 1u);
  EXPECT_EQ(std::get<JoinFault>(r->faults[0].action).count, 20u);
  // Any size from the minimum up lands exactly on the target.
  for (uint32_t n = 4; n < 200; ++n) {
    const auto s = scale_scenario(sc, n);
    ASSERT_TRUE(s.is_ok()) << n;
    EXPECT_EQ(total(*s), n);
    for (const MeshSpec& m : s->meshes) {
      EXPECT_GE(m.peers, 1u) << n;
      EXPECT_LE(m.exits, m.peers) << n;
    }
  }
}

TEST(ScaleScenario, SmallSizesKeepOnePeerPerMeshAndExitsWithinPeers) {
  const Scenario sc = two_meshes();
  const auto r = scale_scenario(sc, 4);  // 2 bridges + one node per mesh
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->meshes[0].peers, 1u);
  EXPECT_EQ(r->meshes[1].peers, 1u);
  EXPECT_EQ(r->meshes[1].clients, 0u);
  EXPECT_EQ(r->meshes[1].exits, 1u);
  const auto up = scale_scenario(sc, 100'000);
  ASSERT_TRUE(up.is_ok());
  EXPECT_EQ(total(*up), 100'000u);
  EXPECT_EQ(up->meshes[1].exits, 4u);  // exits are not multiplied
}

TEST(ScaleScenario, ErrorsNameTheFlag) {
  const Scenario sc = two_meshes();
  for (uint32_t bad : {0u, 1u, 3u, kMaxScaledNodes + 1}) {
    const auto r = scale_scenario(sc, bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_NE(r.status().message().find("--nodes"), std::string::npos) << r.status().message();
  }
  EXPECT_NE(scale_scenario(sc, 3).status().message().find("at least 4"), std::string::npos);
}

}  // namespace
}  // namespace smeg::sim
