#include "tests/realrun/smegd_config.h"

#include <gtest/gtest.h>

#include "daemon/config.h"

namespace smeg::realrun {
namespace {

using std::chrono::microseconds;

// smegd reads what we write, and runs exactly the scenario's tunables.
TEST(SmegdConfig, SmegdReadsEveryTunableBackExactly) {
  Params p;
  p.heartbeat_interval = microseconds(1'000'000);
  p.sync_interval = microseconds(250'000);
  p.pull_interval = microseconds(5'000'000);
  p.branch = 4;
  p.infection_count = 2;
  p.cluster_size = 16;
  p.inter_cluster_chance = 0.1;
  p.prune_epochs = 4;
  p.tombstone_epochs = 12;
  p.max_path = 5;
  p.max_message_bytes = 30000;
  p.join_retry = microseconds(300'000);
  p.join_timeout = microseconds(4'000'000);
  const HostLayout host{"/tmp/x/h1/state", "/tmp/x/h1/api.sock", "rr1a2bh1n", "fd00:5f:1::1"};
  auto c = daemon::parse_config(smegd_config(host, p), "h1.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c->params.heartbeat_interval, p.heartbeat_interval);
  EXPECT_EQ(c->params.sync_interval, p.sync_interval);
  EXPECT_EQ(c->params.pull_interval, p.pull_interval);
  EXPECT_EQ(c->params.branch, p.branch);
  EXPECT_EQ(c->params.infection_count, p.infection_count);
  EXPECT_EQ(c->params.cluster_size, p.cluster_size);
  EXPECT_EQ(c->params.inter_cluster_chance, p.inter_cluster_chance);
  EXPECT_EQ(c->params.prune_epochs, p.prune_epochs);
  EXPECT_EQ(c->params.tombstone_epochs, p.tombstone_epochs);
  EXPECT_EQ(c->params.max_path, p.max_path);
  EXPECT_EQ(c->params.max_message_bytes, p.max_message_bytes);
  EXPECT_EQ(c->params.join_retry, p.join_retry);
  EXPECT_EQ(c->params.join_timeout, p.join_timeout);
  EXPECT_EQ(c->state_dir, host.state_dir);
  EXPECT_EQ(c->socket_path, host.socket);
  EXPECT_EQ(c->interface_prefix, host.interface_prefix);
  EXPECT_EQ(c->wg_backend, "uapi");
  EXPECT_FALSE(c->dns.enabled);
  EXPECT_EQ(c->base.public_endpoint, host.underlay);
  EXPECT_TRUE(c->warnings.empty());
}

TEST(SmegdConfig, TheDefaultsAreSmegdsDefaults) {
  const HostLayout host{"/s", "/s/api.sock", "p", "fd00::1"};
  auto c = daemon::parse_config(smegd_config(host, Params{}), "h.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c->params.heartbeat_interval, Params{}.heartbeat_interval);
  EXPECT_EQ(c->params.inter_cluster_chance, Params{}.inter_cluster_chance);
}

}  // namespace
}  // namespace smeg::realrun
