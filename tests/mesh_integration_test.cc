// 50+ cores driven by the in-memory cluster loop through join, gossip, leader failover, pruning
// after 3H, client attachment, exits and a two-mesh bridge; the desired configs are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/cluster.h"
#include "tests/formation.h"

namespace smeg::testing {
namespace {

TEST(MeshIntegration, SixtyPeersJoinAndConverge) {
  Cluster c(cluster_options(11));
  for (int i = 0; i < 60; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 60));
  c.run_for(seconds(5));
  const uint64_t summary = c.node(0).mesh("alpha")->state().summary();
  const size_t leader = lowest_key(c, range(0, 60));
  for (size_t i = 0; i < 60; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr) << "node " << i;
    EXPECT_FALSE(m->joining()) << "node " << i;
    EXPECT_EQ(m->state().member_count(), 60u) << "node " << i;
    EXPECT_EQ(m->state().summary(), summary) << "node " << i;
    EXPECT_EQ(m->leader(), c.node(leader).public_key()) << "node " << i;
    auto d = c.node(i).desired_config("alpha");
    ASSERT_TRUE(d.is_ok());
    EXPECT_EQ(d->peers.size(), 59u) << "node " << i;
    // Every peer entry: endpoint, the peer's /128 overlay address.
    for (const auto& p : d->peers) {
      ASSERT_TRUE(p.endpoint.has_value());
      ASSERT_EQ(p.allowed_ips.size(), 1u);
      EXPECT_EQ(p.allowed_ips[0].len, 128);
      EXPECT_TRUE(m->prefix().contains(p.allowed_ips[0].addr));
    }
    EXPECT_EQ(d->address.addr, overlay_address(mesh_prefix("alpha"), c.node(i).public_key()));
  }
  const std::vector<size_t> all = range(0, 60);
  EXPECT_EQ(removals_about(c, {all.begin(), all.end()}), 0u);
}

TEST(MeshIntegration, AliasChangeSpreadsByGossip) {
  Cluster c(cluster_options(12));
  for (int i = 0; i < 50; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 50));
  c.run_for(seconds(3));
  ASSERT_TRUE(c.node(17).set_alias(c.now(), c.rng(17), "alpha", "printer"));
  ASSERT_TRUE(c.node(17).set_service(c.now(), c.rng(17), "alpha", "_http", "80"));
  c.run_for(seconds(2));
  for (size_t i = 0; i < 50; ++i) {
    const NodeRecord* r = c.node(i).mesh("alpha")->state().find(c.node(17).public_key());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->alias, "printer") << "node " << i;
    ASSERT_EQ(r->services.size(), 1u);
    EXPECT_EQ(r->services[0].second, "80");
  }
  EXPECT_FALSE(c.node(3).set_alias(c.now(), c.rng(3), "alpha", "bad alias!"));
  EXPECT_FALSE(c.node(3).set_alias(c.now(), c.rng(3), "nosuch", "x"));
}

TEST(MeshIntegration, CrashedPeerIsPrunedAfterThreeHeartbeats) {
  Cluster c(cluster_options(13, 0.01));
  for (int i = 0; i < 60; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 60));
  c.run_for(seconds(6));
  const size_t leader = lowest_key(c, range(0, 60));
  const size_t victim = leader == 42 ? 43 : 42;
  const PublicKey vk = c.node(victim).public_key();
  const Time t0 = c.now();
  c.crash(victim);
  // Not before 2H (the prune rule needs missed epochs), and everywhere by 3H + dissemination.
  c.run_for(milliseconds(1900));
  size_t still = 0;
  for (size_t i = 0; i < 60; ++i) {
    if (i != victim && c.node(i).mesh("alpha")->is_live(vk)) ++still;
  }
  EXPECT_EQ(still, 59u) << "pruned before 2H";
  c.run_for(milliseconds(2600));  // t0 + 4.5 s
  for (size_t i = 0; i < 60; ++i) {
    if (i == victim) continue;
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(vk)) << "node " << i;
    auto d = c.node(i).desired_config("alpha");
    EXPECT_EQ(d->find_peer(vk), nullptr) << "node " << i;
    EXPECT_EQ(d->peers.size(), 58u);
    EXPECT_TRUE(c.node(i).mesh("alpha")->view_consistent()) << "node " << i;
  }
  // The record stays in the mesh state while the leader gives the pruned node
  // tombstoneEpochs more epochs to show life; then its tombstone removes it everywhere.
  c.run_for(seconds(2));
  for (size_t i = 0; i < 60; ++i) {
    if (i == victim) continue;
    EXPECT_NE(c.node(i).mesh("alpha")->state().find(vk), nullptr);
  }
  c.run_for(seconds(c.node(0).params().tombstone_epochs));
  for (size_t i = 0; i < 60; ++i) {
    if (i == victim) continue;
    EXPECT_EQ(c.node(i).mesh("alpha")->state().find(vk), nullptr);
  }
  std::set<size_t> live;
  for (size_t i = 0; i < 60; ++i) {
    if (i != victim) live.insert(i);
  }
  EXPECT_EQ(removals_about(c, live), 0u) << "false prunes under 1% loss";
  (void)t0;
}

TEST(MeshIntegration, LeaderFailover) {
  Cluster c(cluster_options(14, 0.01));
  for (int i = 0; i < 50; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 50));
  c.run_for(seconds(6));
  std::vector<size_t> all = range(0, 50);
  const size_t leader = lowest_key(c, all);
  for (size_t i = 0; i < 50; ++i) {
    ASSERT_EQ(c.node(i).mesh("alpha")->leader(), c.node(leader).public_key());
  }
  const uint64_t epoch_before = c.node(leader).mesh("alpha")->epochs().epoch();
  c.crash(leader);
  all.erase(std::find(all.begin(), all.end(), leader));
  const size_t next = lowest_key(c, all);
  c.run_for(seconds(5));
  for (size_t i : all) {
    const Mesh* m = c.node(i).mesh("alpha");
    EXPECT_FALSE(m->is_live(c.node(leader).public_key())) << "node " << i;
    EXPECT_EQ(m->leader(), c.node(next).public_key()) << "node " << i;
    EXPECT_GT(m->epochs().epoch(), epoch_before) << "epochs resumed under the new leader";
    EXPECT_TRUE(m->view_consistent()) << "node " << i;
  }
  c.run_for(seconds(c.node(next).params().tombstone_epochs));
  for (size_t i : all) {
    EXPECT_EQ(c.node(i).mesh("alpha")->state().find(c.node(leader).public_key()), nullptr)
        << "node " << i << ": the new leader tombstones the silent one";
  }
  // And the new leader keeps pruning: crash another node.
  const size_t victim = all[all.size() / 2] == next ? all[1] : all[all.size() / 2];
  c.crash(victim);
  c.run_for(seconds(5));
  for (size_t i : all) {
    if (i == victim) continue;
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(c.node(victim).public_key())) << "node " << i;
  }
  std::set<size_t> live(all.begin(), all.end());
  live.erase(victim);
  EXPECT_EQ(removals_about(c, live), 0u);
}

TEST(MeshIntegration, LowerKeyTakesTheLeadWithinAnInterval) {
  // A peer with a lower key than the leader arrives (a join here; a restart resuming its image
  // is the same): it leads from the next epoch. It learns each epoch after the leader started
  // it, so if it waited a whole interval like the leader it would only win by a lucky delay
  // (3000 peers: 4 s, and the mesh named two leaders for a while).
  Cluster c(cluster_options(16, 0.01));
  for (int i = 0; i < 41; ++i) c.add_node();
  const std::vector<size_t> all = range(0, 41);
  const size_t lowest = lowest_key(c, all);
  std::vector<size_t> others = all;
  others.erase(std::find(others.begin(), others.end(), lowest));
  form(c, "alpha", others[0], {others.begin() + 1, others.end()});
  c.run_for(seconds(4));
  ASSERT_NE(c.node(others[0]).mesh("alpha")->leader(), c.node(lowest).public_key());
  ASSERT_TRUE(c.node(lowest).join_mesh(c.now(), "alpha", c.options(lowest), c.control(others[3])));
  // Joining takes a round trip and a snapshot; then at most H/2 to the takeover and one more
  // spread of the epoch.
  c.run_for(milliseconds(1500));
  ASSERT_FALSE(c.node(lowest).mesh("alpha")->joining());
  for (size_t i : all) {
    EXPECT_EQ(c.node(i).mesh("alpha")->leader(), c.node(lowest).public_key()) << "node " << i;
  }
  EXPECT_EQ(removals_about(c, {all.begin(), all.end()}), 0u);
}

TEST(MeshIntegration, ConcurrentJoinersSpreadOverTheFreeSlots) {
  // Twenty joiners at once into a dense slot space: each picks uniformly among the free slots,
  // so few pick the same one (each collision costs the loser a slot change and a record
  // update; picking the first free slot above a random start sent most to one slot).
  Cluster c(cluster_options(17));
  for (int i = 0; i < 100; ++i) c.add_node();
  form_from_image(c, "alpha", 80);
  c.run_for(seconds(4));
  for (size_t j = 80; j < 100; ++j) {
    ASSERT_TRUE(c.node(j).join_mesh(c.now(), "alpha", c.options(j), c.control(j % 80)));
  }
  c.run_for(seconds(5));
  std::set<uint32_t> slots;
  size_t changes = 0;
  for (size_t i = 0; i < 100; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr);
    ASSERT_FALSE(m->joining()) << "node " << i;
    slots.insert(m->self_record()->slot);
    for (const auto& e : c.events(i)) changes += e.type == EventType::kSlotChanged;
  }
  EXPECT_EQ(slots.size(), 100u) << "every member ends in a slot of its own";
  EXPECT_LE(changes, 3u) << "slot collisions among 20 concurrent joiners";
}

TEST(MeshIntegration, JoinerMissingSnapshotChunksTakesNoPrunedMembersSlot) {
  // Twenty members crash and are pruned; their records (and slots) stay until their
  // tombstones. Ten joiners then each lose the first half of their snapshot's chunks: they
  // complete on the last chunk (the view) and take the slot the member answering them
  // offered, never a crashed member's slot they hold no record of. (Picking from their partial
  // state, they took such slots, and their bits brought the crashed members back to life.)
  Params p = fast_params();
  p.max_message_bytes = 1200;  // a 60-member snapshot is several chunks
  Cluster::Options o = cluster_options(18);
  o.params = p;
  Cluster c(o);
  for (int i = 0; i < 70; ++i) c.add_node();
  form_from_image(c, "alpha", 60);
  c.run_for(seconds(3));
  for (size_t i = 20; i < 40; ++i) c.crash(i);
  c.run_for(seconds(5));  // pruned, not yet tombstoned
  std::map<size_t, int> chunks_seen;
  c.drop = [&](size_t, size_t to, MessageType type) {
    return type == MessageType::kSnapshot && to >= 60 && chunks_seen[to]++ < 3;
  };
  for (size_t j = 60; j < 70; ++j) {
    ASSERT_TRUE(c.node(j).join_mesh(c.now(), "alpha", c.options(j), c.control(j - 60)));
  }
  c.run_for(seconds(2));
  std::set<uint32_t> crashed_slots;
  for (size_t i = 20; i < 40; ++i) {
    const NodeRecord* r = c.node(0).mesh("alpha")->state().find(c.node(i).public_key());
    ASSERT_NE(r, nullptr) << "crashed node " << i << " is not tombstoned yet";
    crashed_slots.insert(r->slot);
  }
  for (size_t j = 60; j < 70; ++j) {
    const Mesh* m = c.node(j).mesh("alpha");
    ASSERT_NE(m, nullptr);
    ASSERT_FALSE(m->joining()) << "joiner " << j;
    EXPECT_GT(chunks_seen[j], 3) << "joiner " << j << " lost chunks";
    EXPECT_EQ(crashed_slots.count(m->self_record()->slot), 0u) << "joiner " << j;
  }
  // (A joiner judges nobody for its first epochs, so only old members are asked here; the
  // joiners are asked once they judge.)
  const auto none_alive = [&](size_t i) {
    for (size_t x = 20; x < 40; ++x) {
      EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(c.node(x).public_key()))
          << "node " << i << " sees crashed node " << x << " alive";
    }
  };
  for (size_t i = 0; i < 60; ++i) {
    if (i < 20 || i >= 40) none_alive(i);
  }
  c.run_for(seconds(4));
  for (size_t i = 0; i < 70; ++i) {
    if (i < 20 || i >= 40) none_alive(i);
  }
}

TEST(MeshIntegration, ExplicitLeave) {
  Cluster c(cluster_options(15));
  for (int i = 0; i < 50; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 50));
  c.run_for(seconds(3));
  const PublicKey k = c.node(9).public_key();
  ASSERT_TRUE(c.node(9).leave_mesh(c.now(), c.rng(9), "alpha"));
  EXPECT_EQ(c.node(9).mesh("alpha"), nullptr);
  c.run_for(seconds(1));
  for (size_t i = 0; i < 50; ++i) {
    if (i == 9) continue;
    EXPECT_EQ(c.node(i).mesh("alpha")->state().find(k), nullptr) << "node " << i;
    EXPECT_GT(c.node(i).mesh("alpha")->state().tombstone_version(k), 0u);
  }
}

TEST(MeshIntegration, ClientsAttachToOnePeerByConsistentHashing) {
  Cluster c(cluster_options(16));
  for (int i = 0; i < 50; ++i) c.add_node();
  // Nodes 40..49 are clients: no client ever sends to another client, and peers only ever
  // answer clients (a NATed client cannot be reached first), never push or sync to them.
  size_t client_to_client = 0, peer_initiated = 0, to_clients = 0;
  c.on_send = [&](size_t from, size_t to, MessageType type) {
    const bool from_client = from >= 40, to_client = to >= 40;
    if (from_client && to_client) ++client_to_client;
    if (!from_client && to_client) {
      ++to_clients;
      // Only the initiator of an exchange sends Sync and Digest.
      if (type == MessageType::kSync || type == MessageType::kDigest) ++peer_initiated;
    }
  };
  form(c, "alpha", 0, range(1, 40));
  form(c, "alpha", 0, range(40, 50), Role::kClient);
  c.run_for(seconds(4));
  for (size_t i = 40; i < 50; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr);
    ASSERT_FALSE(m->joining()) << "client " << i;
    auto d = c.node(i).desired_config("alpha");
    ASSERT_TRUE(d.is_ok());
    ASSERT_EQ(d->peers.size(), 1u) << "a client has exactly one peer";
    const PublicKey via = d->peers[0].public_key;
    EXPECT_EQ(d->peers[0].persistent_keepalive, std::optional<uint16_t>(25));
    EXPECT_EQ(d->peers[0].allowed_ips, std::vector<Prefix>{mesh_prefix("alpha")});
    // Every peer agrees on the attachment: the chosen peer has the client's /128 as its own
    // WireGuard peer; every other peer routes the /128 through the chosen peer.
    const Prefix host = Prefix::host(overlay_address(mesh_prefix("alpha"), c.node(i).public_key()));
    for (size_t p = 0; p < 40; ++p) {
      auto pd = c.node(p).desired_config("alpha");
      if (c.node(p).public_key() == via) {
        const DesiredPeer* dp = pd->find_peer(c.node(i).public_key());
        ASSERT_NE(dp, nullptr) << "peer " << p;
        EXPECT_FALSE(dp->endpoint.has_value()) << "NATed client: endpoint learned by WireGuard";
      } else {
        EXPECT_EQ(pd->find_peer(c.node(i).public_key()), nullptr);
        const DesiredPeer* dp = pd->find_peer(via);
        ASSERT_NE(dp, nullptr);
        EXPECT_TRUE(std::binary_search(dp->allowed_ips.begin(), dp->allowed_ips.end(), host))
            << "peer " << p;
      }
    }
  }
  EXPECT_EQ(client_to_client, 0u);
  EXPECT_EQ(peer_initiated, 0u);
  EXPECT_GT(to_clients, 0u);
  // Clients stay alive under the heartbeat rule (their bits reach the mesh through their peer).
  std::set<size_t> everyone;
  for (size_t i = 0; i < 50; ++i) everyone.insert(i);
  c.run_for(seconds(5));
  EXPECT_EQ(removals_about(c, everyone), 0u);
}

TEST(MeshIntegration, TwoMeshBridge) {
  Cluster c(cluster_options(17));
  for (int i = 0; i < 51; ++i) c.add_node();
  // alpha: nodes 0..24 + bridge 50; beta: nodes 25..49 + bridge 50.
  form(c, "alpha", 0, range(1, 25));
  form(c, "beta", 25, range(26, 50));
  c.run_for(seconds(2));
  MeshOptions o = c.options(50);
  o.advertise_routes = true;
  ASSERT_TRUE(c.node(50).join_mesh(c.now(), "alpha", o, c.control(3)));
  ASSERT_TRUE(c.node(50).join_mesh(c.now(), "beta", o, c.control(28)));
  c.run_for(seconds(4));
  const PublicKey bridge = c.node(50).public_key();
  for (size_t i = 0; i < 50; ++i) {
    const std::string mine = i < 25 ? "alpha" : "beta";
    const std::string other = i < 25 ? "beta" : "alpha";
    auto d = c.node(i).desired_config(mine);
    ASSERT_TRUE(d.is_ok());
    const DesiredPeer* b = d->find_peer(bridge);
    ASSERT_NE(b, nullptr) << "node " << i;
    EXPECT_TRUE(
        std::binary_search(b->allowed_ips.begin(), b->allowed_ips.end(), mesh_prefix(other)))
        << "node " << i << " routes " << other << " through the bridge";
    EXPECT_TRUE(std::binary_search(d->routes.begin(), d->routes.end(), mesh_prefix(other)));
    // Nobody else advertises the other mesh.
    for (const auto& p : d->peers) {
      if (p.public_key == bridge) continue;
      EXPECT_FALSE(
          std::binary_search(p.allowed_ips.begin(), p.allowed_ips.end(), mesh_prefix(other)));
    }
  }
  // The bridge itself is directly in both meshes: no re-advertised route back to itself.
  for (const auto& r : c.node(50).mesh("alpha")->self_record()->routes) {
    ASSERT_EQ(r.path.size(), 1u);
    EXPECT_EQ(r.path[0], "beta");
  }
  // Withdrawal: the bridge leaves beta; alpha's nodes drop the route to beta.
  ASSERT_TRUE(c.node(50).leave_mesh(c.now(), c.rng(50), "beta"));
  c.run_for(seconds(3));
  for (size_t i = 0; i < 25; ++i) {
    auto d = c.node(i).desired_config("alpha");
    EXPECT_FALSE(std::binary_search(d->routes.begin(), d->routes.end(), mesh_prefix("beta")))
        << "node " << i;
  }
}

TEST(MeshIntegration, ExitsChosenByConsistentHashingAndOnlyLosersMove) {
  Cluster c(cluster_options(18));
  for (int i = 0; i < 50; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 50));
  c.run_for(seconds(2));
  const std::vector<size_t> exits{5, 6, 7, 8};
  for (size_t e : exits)
    ASSERT_TRUE(c.node(e).set_advertise(c.now(), c.rng(e), "alpha", false, true));
  c.run_for(seconds(3));
  const Prefix def = Prefix::default_route_v6();
  auto exit_of = [&](size_t i) -> std::optional<PublicKey> {
    const auto* sel = c.node(i).selected_routes("alpha");
    if (!sel) return std::nullopt;
    for (const auto& s : *sel) {
      if (s.prefix == def) return s.via;
    }
    return std::nullopt;
  };
  std::map<size_t, PublicKey> before;
  for (size_t i = 0; i < 50; ++i) {
    if (std::count(exits.begin(), exits.end(), i)) continue;
    auto e = exit_of(i);
    ASSERT_TRUE(e.has_value()) << "node " << i;
    std::vector<PublicKey> cands;
    for (size_t x : exits) cands.push_back(c.node(x).public_key());
    EXPECT_EQ(*e, cands[*rendezvous_pick(c.node(i).public_key(), def, cands)]);
    before[i] = *e;
    // And it is in the desired config: ::/0 in the allowed IPs of that exit, a kernel route.
    auto d = c.node(i).desired_config("alpha");
    const DesiredPeer* p = d->find_peer(*e);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(std::binary_search(p->allowed_ips.begin(), p->allowed_ips.end(), def));
  }
  const size_t dead = 6;
  c.crash(dead);
  c.run_for(seconds(5));
  size_t moved = 0, had_dead = 0;
  for (const auto& [i, e] : before) {
    auto now_exit = exit_of(i);
    ASSERT_TRUE(now_exit.has_value());
    if (e == c.node(dead).public_key()) {
      ++had_dead;
      EXPECT_NE(*now_exit, e);
      ++moved;
    } else {
      EXPECT_EQ(*now_exit, e) << "node " << i << " moved although its exit is alive";
    }
  }
  EXPECT_GT(had_dead, 0u);
  EXPECT_EQ(moved, had_dead);
}

TEST(MeshIntegration, DeterministicForASeed) {
  auto run = [] {
    Cluster c(cluster_options(19, 0.05));
    for (int i = 0; i < 50; ++i) c.add_node();
    form(c, "alpha", 0, range(1, 50));
    c.run_for(seconds(3));
    c.crash(10);
    c.run_for(seconds(5));
    uint64_t h = c.messages_delivered();
    for (size_t i = 0; i < 50; ++i) {
      if (c.alive(i)) h = mix64(h ^ c.node(i).mesh("alpha")->state().summary());
    }
    return h;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace smeg::testing

namespace smeg::testing {
namespace {

TEST(MeshIntegration, PartitionHealsIntoOneState) {
  Cluster c(cluster_options(20, 0.02));
  const size_t n = 60;
  for (size_t i = 0; i < n; ++i) c.add_node();
  form(c, "alpha", 0, range(1, n));
  c.run_for(seconds(4));
  std::vector<int> groups(n);
  for (size_t i = 0; i < n; ++i) groups[i] = i % 2;
  c.partition(groups);
  c.run_for(seconds(10));
  // Each side pruned the other side (real failure detection across the cut)...
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    size_t live = 0;
    for (size_t j = 0; j < n; ++j) live += m->is_live(c.node(j).public_key());
    EXPECT_EQ(live, n / 2) << "node " << i;
  }
  c.heal();
  c.run_for(seconds(15));
  // ...and after healing, pruned nodes re-announce themselves and anti-entropy merges both
  // sides into one state that every node holds, with everyone alive in everyone's view.
  const uint64_t summary = c.node(0).mesh("alpha")->state().summary();
  const PublicKey leader = c.node(lowest_key(c, range(0, n))).public_key();
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    EXPECT_EQ(m->state().summary(), summary) << "node " << i;
    EXPECT_EQ(m->state().member_count(), n) << "node " << i;
    EXPECT_EQ(m->live_members().size(), n) << "node " << i;
    EXPECT_EQ(m->leader(), leader) << "node " << i;
    EXPECT_EQ(c.node(i).desired_config("alpha")->peers.size(), n - 1) << "node " << i;
    EXPECT_TRUE(m->view_consistent()) << "node " << i;
  }
}

TEST(MeshIntegration, RestartWithoutStateRejoinsWithSameAddress) {
  Cluster c(cluster_options(21, 0.01));
  const size_t n = 50;
  for (size_t i = 0; i < n; ++i) c.add_node();
  form(c, "alpha", 0, range(1, n));
  c.run_for(seconds(4));
  const size_t v = 33;
  const PublicKey key = c.node(v).public_key();
  const uint64_t old_version = c.node(0).mesh("alpha")->state().find(key)->version;
  const IpAddr old_addr =
      c.node(0).mesh("alpha")->address_of(*c.node(0).mesh("alpha")->state().find(key));
  c.crash(v);
  c.run_for(seconds(6));
  for (size_t i = 0; i < n; ++i) {
    if (i == v) continue;
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(key));
  }
  c.restart_wiped(v);
  ASSERT_TRUE(c.node(v).join_mesh(c.now(), "alpha", c.options(v), c.control(5)));
  c.run_for(seconds(4));
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr);
    ASSERT_TRUE(m->is_live(key)) << "node " << i;
    const NodeRecord* r = m->state().find(key);
    EXPECT_GT(r->version, old_version) << "the restarted node moved above its old record";
    EXPECT_EQ(m->address_of(*r), old_addr) << "same key, same address";
  }
}

TEST(MeshIntegration, CrashedClientIsPruned) {
  Cluster c(cluster_options(22, 0.01));
  for (int i = 0; i < 50; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 40));
  form(c, "alpha", 0, range(40, 50), Role::kClient);
  c.run_for(seconds(5));
  const PublicKey k = c.node(45).public_key();
  c.crash(45);
  c.run_for(seconds(5));
  for (size_t i = 0; i < 50; ++i) {
    if (i == 45) continue;
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(k)) << "node " << i;
  }
  std::set<size_t> live;
  for (size_t i = 0; i < 50; ++i) {
    if (i != 45) live.insert(i);
  }
  EXPECT_EQ(removals_about(c, live), 0u);
}

}  // namespace
}  // namespace smeg::testing

namespace smeg::testing {
namespace {

// Loss, duplication and reordering (latency from 5 ms to 205 ms) while nodes join and change
// their records; once the network is quiet, anti-entropy brings every node to one state.
TEST(MeshIntegration, LossDuplicationReorderingConvergeToOneState) {
  for (uint64_t seed : {31, 32, 33}) {
    Cluster::Options o = cluster_options(seed, 0.10);
    o.duplicate = 0.10;
    o.latency_tail = milliseconds(200);
    o.params.heartbeat_interval = seconds(2);  // keep false prunes out of this picture
    Cluster c(o);
    const size_t n = 50;
    for (size_t i = 0; i < n; ++i) c.add_node();
    form(c, "alpha", 0, range(1, n));
    for (size_t i = 0; i < n; i += 3) {
      ASSERT_TRUE(c.node(i).set_alias(c.now(), c.rng(i), "alpha", "node-" + std::to_string(i)));
      ASSERT_TRUE(c.node(i).set_service(c.now(), c.rng(i), "alpha", "_ssh", "22"));
      c.run_for(milliseconds(30));
    }
    c.run_for(seconds(20));
    const MeshState& ref = c.node(0).mesh("alpha")->state();
    for (size_t i = 0; i < n; ++i) {
      const Mesh* m = c.node(i).mesh("alpha");
      ASSERT_NE(m, nullptr) << "seed " << seed << " node " << i;
      EXPECT_TRUE(m->state().equals(ref)) << "seed " << seed << " node " << i;
      EXPECT_EQ(m->state().member_count(), n) << "seed " << seed << " node " << i;
      const NodeRecord* r = m->state().find(c.node(9).public_key());
      ASSERT_NE(r, nullptr);
      EXPECT_EQ(r->alias, "node-9");
    }
  }
}

}  // namespace
}  // namespace smeg::testing

namespace smeg::testing {
namespace {

TEST(MeshIntegration, ConfigGenerationMovesExactlyWhenTheConfigMayChange) {
  Cluster c(cluster_options(23));
  for (int i = 0; i < 20; ++i) c.add_node();
  form(c, "alpha", 0, range(1, 20));
  c.run_for(seconds(4));
  EXPECT_EQ(c.node(3).config_generation("nosuch"), 0u);
  const uint64_t g0 = c.node(3).config_generation("alpha");
  const DesiredDevice d0 = *c.node(3).desired_config("alpha");
  c.run_for(seconds(3));  // quiet mesh: heartbeats only
  EXPECT_EQ(c.node(3).config_generation("alpha"), g0);
  EXPECT_EQ(*c.node(3).desired_config("alpha"), d0);
  c.crash(7);
  c.run_for(seconds(5));
  EXPECT_GT(c.node(3).config_generation("alpha"), g0);
  EXPECT_NE(*c.node(3).desired_config("alpha"), d0);
}

TEST(MeshIntegration, CommandsRefuseBadInputAndChangeNothing) {
  Cluster c(cluster_options(24));
  for (int i = 0; i < 3; ++i) c.add_node();
  MeshOptions o = c.options(0);
  EXPECT_FALSE(c.node(0).create_mesh(c.now(), c.rng(0), "Bad_Id", o));
  EXPECT_FALSE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", c.options(0, Role::kClient)));
  MeshOptions no_control = o;
  no_control.control.reset();
  EXPECT_FALSE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", no_control));
  EXPECT_TRUE(c.node(0).mesh_ids().empty());
  ASSERT_TRUE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", o));
  EXPECT_FALSE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", o));  // already in it
  EXPECT_FALSE(c.node(0).set_service(c.now(), c.rng(0), "alpha", "bad name", "1"));
  EXPECT_FALSE(c.node(0).delete_service(c.now(), c.rng(0), "alpha", "_none"));
  EXPECT_FALSE(c.node(0).leave_mesh(c.now(), c.rng(0), "beta"));
  EXPECT_EQ(c.node(0).mesh("alpha")->self_record()->version, 1u) << "nothing was published";
  Endpoint no_port = c.control(0);
  no_port.port = 0;
  EXPECT_FALSE(c.node(1).join_mesh(c.now(), "alpha", c.options(1), no_port));
  EXPECT_TRUE(c.node(1).mesh_ids().empty());
}

}  // namespace
}  // namespace smeg::testing

namespace smeg::testing {
namespace {

// 200 peers join within 0.2 s through random earlier joiners (most of them still joining
// themselves) under 1% loss: everyone ends up with everyone, and nobody alive is ever dropped.
TEST(MeshIntegration, MassJoinWithoutFalsePrunes) {
  Cluster c(cluster_options(25, 0.01));
  const size_t n = 200;
  for (size_t i = 0; i < n; ++i) c.add_node();
  ASSERT_TRUE(c.node(0).create_mesh(c.now(), c.rng(0), "alpha", c.options(0)));
  for (size_t j = 1; j < n; ++j) {
    const size_t via = c.rng(j).uniform(j);
    ASSERT_TRUE(c.node(j).join_mesh(c.now(), "alpha", c.options(j), c.control(via)));
    if (j % 10 == 0) c.run_for(milliseconds(10));
  }
  c.run_for(seconds(20));
  for (size_t i = 0; i < n; ++i) {
    const Mesh* m = c.node(i).mesh("alpha");
    ASSERT_NE(m, nullptr) << "node " << i << " failed to join";
    EXPECT_EQ(m->live_members().size(), n) << "node " << i;
    EXPECT_TRUE(m->view_consistent()) << "node " << i;
  }
  const std::vector<size_t> all = range(0, n);
  EXPECT_EQ(removals_about(c, {all.begin(), all.end()}), 0u);
}

}  // namespace
}  // namespace smeg::testing
