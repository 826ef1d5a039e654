// Resuming meshes from images (Node::mesh_image / resume_mesh): a restart with persisted state
// comes back without a join and without anyone losing it, and a mesh assembled from one image
// runs like one formed by joins.
#include <gtest/gtest.h>

#include "tests/cluster.h"
#include "tests/formation.h"

namespace smeg::testing {
namespace {

size_t join_requests_from(Cluster& c, size_t who, size_t& counter) {
  c.on_send = [&counter, who](size_t from, size_t, MessageType type) {
    if (from == who && type == MessageType::kJoinRequest) ++counter;
  };
  return counter;
}

TEST(MeshResume, ShortCrashWithKeptStateIsNeverPruned) {
  Cluster c(cluster_options(41, 0.01));
  const size_t n = 50;
  for (size_t i = 0; i < n; ++i) c.add_node();
  form(c, "alpha", 0, range(1, n));
  c.run_for(seconds(5));
  const size_t v = 17;
  const size_t removals_before = removals_about(c, {v});
  size_t joins = 0;
  join_requests_from(c, v, joins);
  c.crash(v);
  c.run_for(milliseconds(1500));  // well inside the 3H prune limit
  c.restart_kept(v);
  c.run_for(seconds(8));
  EXPECT_EQ(removals_about(c, {v}), removals_before) << "nobody dropped the restarted node";
  EXPECT_EQ(joins, 0u) << "resumed, not joined";
  const PublicKey key = c.node(v).public_key();
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->is_live(key)) << "node " << i;
    EXPECT_EQ(m->live_members().size(), n) << "node " << i;
  }
}

TEST(MeshResume, LongCrashWithKeptStateComesBackWithSameAddressWithoutJoin) {
  Cluster c(cluster_options(42, 0.01));
  const size_t n = 50;
  for (size_t i = 0; i < n; ++i) c.add_node();
  form(c, "alpha", 0, range(1, n));
  c.run_for(seconds(5));
  const size_t v = 29;
  const PublicKey key = c.node(v).public_key();
  const Mesh* before = c.node(0).mesh("alpha");
  const IpAddr old_addr = before->address_of(*before->state().find(key));
  const uint64_t old_version = before->state().find(key)->version;
  size_t joins = 0;
  join_requests_from(c, v, joins);
  c.crash(v);
  c.run_for(seconds(8));  // pruned and tombstoned everywhere
  for (size_t i = 0; i < n; ++i) {
    if (i == v) continue;
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(key)) << "node " << i;
  }
  c.restart_kept(v);
  c.run_for(seconds(8));
  EXPECT_EQ(joins, 0u);
  const size_t others_removed = removals_about(c, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(others_removed, 0u) << "the stale image made the restarted node prune nobody";
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr);
    ASSERT_TRUE(m->is_live(key)) << "node " << i;
    const NodeRecord* r = m->state().find(key);
    EXPECT_GT(r->version, old_version) << "moved above its tombstone";
    EXPECT_EQ(m->address_of(*r), old_addr) << "same key, same address";
    EXPECT_EQ(m->live_members().size(), n) << "node " << i;
  }
}

TEST(MeshResume, ResumeRefusesBadInputAndChangesNothing) {
  Cluster c(cluster_options(43));
  c.add_node();
  c.add_node();
  ASSERT_TRUE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", c.options(0)));
  MeshImage image = *c.node(0).mesh_image("alpha");
  EXPECT_EQ(c.node(0).resume_mesh(c.now(), c.rng(0), image).code(), Status::Code::kConflict);
  MeshImage bad_id = image;
  bad_id.id = "Not A Mesh Id!";
  EXPECT_FALSE(c.node(1).resume_mesh(c.now(), c.rng(1), bad_id));
  MeshImage bad_options = image;
  bad_options.options.alias = "not an alias.";
  EXPECT_FALSE(c.node(1).resume_mesh(c.now(), c.rng(1), bad_options));
  EXPECT_TRUE(c.node(1).mesh_ids().empty());
  EXPECT_FALSE(c.node(1).mesh_image("alpha"));
}

// Every node resumes from one image of a mesh it never joined: the records carry the slots,
// the liveness window says everyone was alive. Nothing is pruned, one leader, one state.
TEST(MeshResume, MeshAssembledFromOneImageRunsLikeAFormedOne) {
  Cluster c(cluster_options(44, 0.01));
  const size_t n = 60;
  for (size_t i = 0; i < n; ++i) c.add_node();
  const PublicKey leader = form_from_image(c, "alpha", n);
  c.run_for(seconds(10));
  EXPECT_EQ(removals_about(c, {}), 0u);
  const uint64_t summary = c.node(0).mesh("alpha")->state().summary();
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    EXPECT_EQ(m->live_members().size(), n) << "node " << i;
    EXPECT_EQ(m->state().summary(), summary) << "node " << i;
    EXPECT_EQ(m->leader(), leader) << "node " << i;
    EXPECT_GE(m->epochs().epoch(), 9u) << "node " << i;
    EXPECT_EQ(m->self_record()->version, 1u) << "an up-to-date image publishes nothing new";
  }
  size_t removed = 0;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& e : c.events(i)) removed += e.type == EventType::kMemberRemoved;
  }
  EXPECT_EQ(removed, 0u);
}

}  // namespace
}  // namespace smeg::testing
