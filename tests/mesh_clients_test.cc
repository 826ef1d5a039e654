// Clients whose peer goes away: they must not be pruned for it, and must move to another peer.
#include <gtest/gtest.h>

#include <map>

#include "tests/cluster.h"
#include "tests/formation.h"

namespace smeg::testing {
namespace {

PublicKey attached_peer_of(Cluster& c, size_t client) {
  auto d = c.node(client).desired_config("alpha");
  EXPECT_TRUE(d.is_ok());
  return d.is_ok() && d->peers.size() == 1 ? d->peers[0].public_key : PublicKey{};
}

TEST(MeshClients, ClientsOfACrashedPeerMoveAndAreNeverPruned) {
  Cluster c(cluster_options(51, 0.01));
  const size_t peers = 12, n = 40;
  for (size_t i = 0; i < n; ++i) c.add_node();
  form(c, "alpha", 0, range(1, peers));
  form(c, "alpha", 0, range(peers, n), Role::kClient);
  c.run_for(seconds(5));
  // The peer most clients tunnel through.
  std::map<PublicKey, size_t> load;
  for (size_t i = peers; i < n; ++i) ++load[attached_peer_of(c, i)];
  PublicKey busiest;
  size_t most = 0;
  for (const auto& [k, count] : load) {
    if (count > most) {
      busiest = k;
      most = count;
    }
  }
  ASSERT_GE(most, 2u);
  size_t victim = 0;
  for (size_t i = 0; i < peers; ++i) {
    if (c.node(i).public_key() == busiest) victim = i;
  }
  const std::vector<size_t> client_list = range(peers, n);
  const std::set<size_t> clients(client_list.begin(), client_list.end());
  const size_t removals_before = removals_about(c, clients);
  c.crash(victim);
  c.run_for(seconds(10));
  EXPECT_EQ(removals_about(c, clients), removals_before) << "no client was dropped";
  for (size_t i = peers; i < n; ++i) {
    const PublicKey via = attached_peer_of(c, i);
    EXPECT_FALSE(via.is_zero()) << "client " << i;
    EXPECT_NE(via, busiest) << "client " << i << " moved off the crashed peer";
    EXPECT_FALSE(c.node(i).mesh("alpha")->is_live(busiest)) << "client " << i;
  }
  for (size_t i = 0; i < peers; ++i) {
    if (i == victim) continue;
    EXPECT_EQ(c.node(i).mesh("alpha")->live_members().size(), n - 1) << "peer " << i;
  }
}

}  // namespace
}  // namespace smeg::testing
