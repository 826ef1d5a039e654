#include "sim/engine.h"

#include <gtest/gtest.h>

#include "core/messages.h"

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
  // The three joiners are known to every member of the mesh at the time (the 19 survivors;
  // the other joiners of that moment are not members yet).
  EXPECT_EQ(r.join_dissemination.unconverged, 0u);
  EXPECT_EQ(r.join_dissemination.count, 3u * 19u);
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

// Two meshes with clients, exits and a bridge, formed either way.
Scenario two_meshes(Formation formation) {
  auto s = parse_scenario(R"(name: formations
duration: 12s
network: {latency: {min: 5ms, mean: 15ms}, loss: 0.01}
params: {heartbeatInterval: 1s, syncInterval: 200ms, pullInterval: 5s}
meshes:
  - {id: alpha, peers: 20, clients: 6, exits: 2}
  - {id: beta, peers: 12, clients: 4, exits: 1}
bridges: [{meshes: [alpha, beta], count: 1}]
)",
                          "formations.yaml");
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  s->formation = formation;
  return *s;
}

// A mesh assembled from an image ends where one formed by real joins ends: the same members,
// leader, WireGuard peers and routes at every node (the keys are the same in both runs).
TEST(Simulation, ImageFormationEndsWhereJoinFormationEnds) {
  Simulation by_joins(two_meshes(Formation::kJoins), 3);
  Simulation by_image(two_meshes(Formation::kImage), 3);
  const RunSummary j = by_joins.run();
  const RunSummary im = by_image.run();
  EXPECT_EQ(j.false_prunes, 0u);
  EXPECT_EQ(im.false_prunes, 0u);
  ASSERT_EQ(by_joins.node_count(), by_image.node_count());
  for (uint32_t i = 0; i < by_joins.node_count(); ++i) {
    const Node& a = by_joins.node(i);
    const Node& b = by_image.node(i);
    ASSERT_EQ(a.public_key(), b.public_key());
    ASSERT_EQ(a.mesh_ids(), b.mesh_ids()) << i;
    for (const std::string& id : a.mesh_ids()) {
      const Mesh* ma = a.mesh(id);
      const Mesh* mb = b.mesh(id);
      EXPECT_EQ(ma->live_members().size(), mb->live_members().size()) << i << " " << id;
      EXPECT_EQ(ma->leader(), mb->leader()) << i << " " << id;
      EXPECT_EQ(ma->address_of(*ma->self_record()), mb->address_of(*mb->self_record())) << i;
      EXPECT_EQ(ma->self_record()->routes, mb->self_record()->routes) << i << " " << id;
      EXPECT_EQ(ma->self_record()->attached_to, mb->self_record()->attached_to) << i;
    }
    EXPECT_EQ(a.route_choices(), b.route_choices()) << i;
  }
  // No join traffic at all in the image run.
  EXPECT_EQ(im.type_messages_per_node_per_second[static_cast<size_t>(MessageType::kJoinRequest)],
            0.0);
}

// A crash-restart with kept state resumes the node's meshes: no join, and a restart inside
// the prune limit goes unnoticed.
TEST(Simulation, RestartWithKeptStateResumesWithoutJoin) {
  auto s = parse_scenario(R"(name: restart-kept
duration: 15s
network: {latency: {min: 5ms, mean: 15ms}, loss: 0.01}
params: {heartbeatInterval: 1s, syncInterval: 200ms, pullInterval: 5s}
meshes: [{id: alpha, peers: 30}]
faults:
  - {at: 5s, crash: {count: 3}}
  - {at: 6s, restart: {fraction: 1.0}}
expect: {false_prunes: 0}
)",
                          "restart.yaml");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  Simulation sim(*s, 5);
  const RunSummary r = sim.run();
  EXPECT_EQ(r.false_prunes, 0u);
  EXPECT_EQ(r.type_messages_per_node_per_second[static_cast<size_t>(MessageType::kJoinRequest)],
            0.0);
  for (uint32_t i = 0; i < sim.node_count(); ++i) {
    ASSERT_TRUE(sim.alive(i)) << i;
    EXPECT_EQ(sim.node(i).mesh("alpha")->live_members().size(), 30u) << i;
  }
}

}  // namespace
}  // namespace smeg::sim
