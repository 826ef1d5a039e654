// Helpers shared by the integration tests: parameters for fast meshes and forming a mesh by
// real joins through the in-memory cluster.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/cluster.h"

namespace smeg::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

inline Params fast_params() {
  Params p;
  p.heartbeat_interval = seconds(1);
  p.sync_interval = milliseconds(200);
  p.pull_interval = seconds(5);
  p.branch = 3;
  p.infection_count = 3;
  p.cluster_size = 16;
  p.inter_cluster_chance = 0.15;
  return p;
}

inline Cluster::Options cluster_options(uint64_t seed, double loss = 0.0) {
  Cluster::Options o;
  o.seed = seed;
  o.loss = loss;
  o.params = fast_params();
  return o;
}

// Node `first` creates `mesh`; every node in `joiners` joins through a node already in it.
inline void form(Cluster& c, const std::string& mesh, size_t first,
                 const std::vector<size_t>& joiners, Role joiner_role = Role::kPeer) {
  if (!c.node(first).mesh(mesh)) {
    ASSERT_TRUE(c.node(first).create_mesh(c.now(), c.rng(first), mesh, c.options(first)));
  }
  std::vector<size_t> in{first};
  for (size_t j : joiners) {
    const size_t via = in[c.rng(j).uniform(in.size())];
    ASSERT_TRUE(c.node(j).join_mesh(c.now(), mesh, c.options(j, joiner_role), c.control(via)));
    c.run_for(milliseconds(20));
    if (joiner_role == Role::kPeer) in.push_back(j);
  }
}

// Nodes 0..n-1 resume `mesh` from one image of it, as if formed: node i in slot i, everyone
// alive in epoch 1. Returns the leader (the lowest key). Slots are dense, as in a mesh formed
// by the simulator's `formation: image`.
inline PublicKey form_from_image(Cluster& c, const std::string& mesh, size_t n) {
  RecordPool pool;
  MeshImage image;
  image.id = mesh;
  EpochWindow window;
  PublicKey leader = c.node(0).public_key();
  for (size_t i = 0; i < n; ++i) {
    const MeshOptions o = c.options(i);
    NodeRecord r;
    r.key = c.node(i).public_key();
    r.version = 1;
    r.role = o.role;
    r.slot = static_cast<uint32_t>(i);
    r.joined_epoch = 1;
    r.control = o.control;
    r.wg_endpoint = o.wg_endpoint;
    image.records.push_back(pool.intern(std::move(r)));
    leader = std::min(leader, c.node(i).public_key());
  }
  window.advance(1, leader);
  for (size_t i = 0; i < n; ++i) window.mark(1, static_cast<uint32_t>(i));
  image.liveness = window.full_view();
  for (size_t i = 0; i < n; ++i) {
    MeshImage mine = image;
    mine.options = c.options(i);
    EXPECT_TRUE(c.node(i).resume_mesh(c.now(), c.rng(i), std::move(mine)));
  }
  return leader;
}

inline std::vector<size_t> range(size_t a, size_t b) {
  std::vector<size_t> v;
  for (size_t i = a; i < b; ++i) v.push_back(i);
  return v;
}

inline size_t lowest_key(Cluster& c, const std::vector<size_t>& among) {
  return *std::min_element(among.begin(), among.end(), [&](size_t a, size_t b) {
    return c.node(a).public_key() < c.node(b).public_key();
  });
}

// Counts MemberRemoved events, at any node, about the nodes in `about`.
inline size_t removals_about(Cluster& c, const std::set<size_t>& about) {
  std::set<PublicKey> keys;
  for (size_t i : about) keys.insert(c.node(i).public_key());
  size_t n = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    for (const auto& e : c.events(i)) {
      if (e.type == EventType::kMemberRemoved && keys.count(e.node)) ++n;
    }
  }
  return n;
}

}  // namespace smeg::testing
