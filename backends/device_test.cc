// diff(), applied() and validate(): the part of every backend that decides what is sent.
#include "backends/device.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace smeg::backends {
namespace {

PublicKey key(uint8_t a, uint8_t b = 0) {
  PublicKey k;
  k.bytes[0] = a;
  k.bytes[1] = b;
  k.bytes[31] = 1;
  return k;
}

PrivateKey private_key(uint8_t seed) {
  std::array<uint8_t, 32> r{};
  r.fill(seed);
  return PrivateKey::from_random(r);
}

Prefix host6(uint8_t a, uint8_t b) {
  std::array<uint8_t, 16> x{};
  x[0] = 0xfd;
  x[14] = a;
  x[15] = b;
  return Prefix::host(IpAddr::v6(x));
}

Endpoint endpoint(uint8_t last, uint16_t port = 51820) {
  return Endpoint{IpAddr::v4(10, 0, 0, last), port};
}

DesiredPeer desired_peer(uint8_t i) {
  DesiredPeer p;
  p.public_key = key(i);
  p.endpoint = endpoint(i);
  p.allowed_ips = {host6(0, i)};
  return p;
}

DesiredDevice desired(size_t peers) {
  DesiredDevice d;
  d.mesh_id = "alpha";
  d.private_key = private_key(7);
  d.listen_port = 51820;
  for (size_t i = 1; i <= peers; ++i) d.peers.push_back(desired_peer(static_cast<uint8_t>(i)));
  return d;
}

TEST(Diff, EmptyDeviceGetsEverythingAndThenNothing) {
  const DesiredDevice d = desired(5);
  DeviceState s;
  const DeviceChange c = diff(s, d, {});
  ASSERT_TRUE(c.private_key);
  EXPECT_EQ(c.listen_port, 51820);
  ASSERT_EQ(c.peers.size(), 5u);
  for (const auto& p : c.peers) {
    EXPECT_FALSE(p.remove);
    EXPECT_TRUE(p.replace_allowed_ips);
    EXPECT_TRUE(p.endpoint);
  }
  const DeviceState after = applied(s, c);
  EXPECT_EQ(after.public_key, d.private_key.public_key());
  EXPECT_TRUE(diff(after, d, {}).empty()) << "the same config twice sends nothing";
}

TEST(Diff, OnePeerChangedSendsThatPeerOnly) {
  DesiredDevice d = desired(200);
  const DeviceState s = applied(DeviceState{}, diff(DeviceState{}, d, {}));
  d.peers[17].endpoint = endpoint(200, 4000);
  const DeviceChange c = diff(s, d, {});
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_EQ(c.peers[0].public_key, d.peers[17].public_key);
  EXPECT_EQ(c.peers[0].endpoint, endpoint(200, 4000));
  EXPECT_FALSE(c.peers[0].replace_allowed_ips) << "allowed IPs did not change";
  EXPECT_TRUE(c.peers[0].allowed_ips.empty());
  EXPECT_FALSE(c.private_key);
  EXPECT_FALSE(c.listen_port);
}

TEST(Diff, RemovedPeerAndLearnedEndpoint) {
  DesiredDevice d = desired(3);
  DeviceState s = applied(DeviceState{}, diff(DeviceState{}, d, {}));
  // WireGuard learned a NATed client's endpoint; the desired config leaves it open: kept.
  d.peers[1].endpoint.reset();
  s.peers[1].endpoint = endpoint(99, 31337);
  d.peers.erase(d.peers.begin() + 2);
  const DeviceChange c = diff(s, d, {});
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_TRUE(c.peers[0].remove);
  EXPECT_EQ(c.peers[0].public_key, key(3));
}

TEST(Diff, AllowedIpRemovalDependsOnTheBackend) {
  DesiredDevice d = desired(2);
  d.peers[0].allowed_ips = {host6(0, 1), host6(9, 9)};
  const DeviceState s = applied(DeviceState{}, diff(DeviceState{}, d, {}));
  d.peers[0].allowed_ips = {host6(0, 1), host6(7, 7)};
  DeviceChange c = diff(s, d, {});
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_TRUE(c.peers[0].replace_allowed_ips);
  EXPECT_EQ(c.peers[0].allowed_ips, (std::vector<Prefix>{host6(0, 1), host6(7, 7)}));
  c = diff(s, d, DiffOptions{true});
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_FALSE(c.peers[0].replace_allowed_ips);
  EXPECT_EQ(c.peers[0].allowed_ips, std::vector<Prefix>{host6(7, 7)});
  EXPECT_EQ(c.peers[0].remove_allowed_ips, std::vector<Prefix>{host6(9, 9)});
  for (bool can : {false, true}) {
    EXPECT_TRUE(diff(applied(s, diff(s, d, DiffOptions{can})), d, {}).empty());
  }
}

TEST(Diff, PresharedKeyAndKeepaliveAreCleared) {
  DesiredDevice d = desired(1);
  DeviceState s = applied(DeviceState{}, diff(DeviceState{}, d, {}));
  s.peers[0].has_preshared_key = true;
  s.peers[0].persistent_keepalive = 25;
  const DeviceChange c = diff(s, d, {});
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_TRUE(c.peers[0].clear_preshared_key);
  EXPECT_EQ(c.peers[0].persistent_keepalive, 0);
  EXPECT_TRUE(diff(applied(s, c), d, {}).empty());
}

TEST(Applied, AnAllowedIpBelongsToOnePeer) {
  DesiredDevice d = desired(2);
  DeviceState s = applied(DeviceState{}, diff(DeviceState{}, d, {}));
  DeviceChange c;
  PeerChange p;
  p.public_key = key(2);
  p.allowed_ips = {host6(0, 1)};  // peer 1's address, added to peer 2
  c.peers.push_back(p);
  s = applied(s, c);
  EXPECT_TRUE(s.find_peer(key(1))->allowed_ips.empty());
  EXPECT_EQ(s.find_peer(key(2))->allowed_ips, (std::vector<Prefix>{host6(0, 1), host6(0, 2)}));
  // And the other way round, whichever of the two sorts first; an endpoint-only change before
  // it in the same set must not change that.
  DeviceChange back;
  PeerChange ep;
  ep.public_key = key(2);
  ep.endpoint = Endpoint{IpAddr::v4(192, 0, 2, 1), 1};
  PeerChange to1;
  to1.public_key = key(1);
  to1.allowed_ips = {host6(0, 1)};
  back.peers = {ep, to1};
  if (key(1) < key(2)) std::swap(back.peers[0], back.peers[1]);
  s = applied(s, back);
  EXPECT_EQ(s.find_peer(key(1))->allowed_ips, std::vector<Prefix>{host6(0, 1)});
  EXPECT_EQ(s.find_peer(key(2))->allowed_ips, std::vector<Prefix>{host6(0, 2)});
}

// Random devices and desired configs: applying the diff always yields a device that matches
// (the next diff is empty), and peers that already matched are never in the diff.
TEST(Diff, PropertyApplyingTheDiffConverges) {
  Rng rng(2024);
  for (int round = 0; round < 300; ++round) {
    const bool can_remove = rng.chance(0.5);
    auto random_device = [&] {
      DesiredDevice d;
      d.private_key = private_key(static_cast<uint8_t>(1 + rng.uniform(3)));
      if (rng.chance(0.8)) d.listen_port = static_cast<uint16_t>(1 + rng.uniform(3));
      for (uint8_t i = 1; i < 20; ++i) {
        if (!rng.chance(0.5)) continue;
        DesiredPeer p;
        p.public_key = key(i);
        if (rng.chance(0.7)) p.endpoint = endpoint(static_cast<uint8_t>(rng.uniform(3)));
        if (rng.chance(0.3)) p.persistent_keepalive = static_cast<uint16_t>(rng.uniform(3));
        for (uint8_t a = 0; a < 4; ++a) {
          // Distinct per peer: cryptokey routing gives a prefix to one peer.
          if (rng.chance(0.5)) p.allowed_ips.push_back(host6(i, a));
        }
        d.peers.push_back(std::move(p));
      }
      return d;
    };
    const DesiredDevice from = random_device();
    const DesiredDevice to = random_device();
    const DeviceState s = applied(DeviceState{}, diff(DeviceState{}, from, {can_remove}));
    ASSERT_TRUE(diff(s, from, {can_remove}).empty());
    const DeviceChange c = diff(s, to, {can_remove});
    ASSERT_TRUE(validate(c, s.public_key)) << validate(c, s.public_key).to_string();
    const DeviceState t = applied(s, c);
    ASSERT_TRUE(diff(t, to, {can_remove}).empty()) << "round " << round;
    for (const PeerChange& pc : c.peers) {
      const PeerState* before = s.find_peer(pc.public_key);
      const DesiredPeer* want = to.find_peer(pc.public_key);
      if (before && want) {
        const bool same = want->allowed_ips == before->allowed_ips &&
                          want->persistent_keepalive.value_or(0) == before->persistent_keepalive &&
                          (!want->endpoint || want->endpoint == before->endpoint);
        EXPECT_FALSE(same) << "an unchanged peer was sent, round " << round;
      }
    }
  }
}

TEST(Validate, NamesThePeerAndTheField) {
  DeviceChange c;
  for (uint8_t i = 1; i <= 3; ++i) {
    PeerChange p;
    p.public_key = key(i);
    p.allowed_ips = {host6(0, i)};
    c.peers.push_back(p);
  }
  EXPECT_TRUE(validate(c, std::nullopt));
  DeviceChange bad = c;
  bad.peers[1].public_key = PublicKey{};
  Status s = validate(bad, std::nullopt);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("peer 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("public_key"), std::string::npos) << s.message();
  EXPECT_FALSE(validate(c, key(2))) << "the device's own key as a peer";
  bad = c;
  bad.peers[2].allowed_ips[0].len = 64;  // host bits set
  s = validate(bad, std::nullopt);
  EXPECT_NE(s.message().find("peer 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("allowed IP"), std::string::npos) << s.message();
  bad = c;
  bad.peers[0].endpoint = endpoint(1, 0);
  EXPECT_NE(validate(bad, std::nullopt).message().find("port 0"), std::string::npos);
  bad = c;
  bad.peers.push_back(bad.peers[0]);
  EXPECT_NE(validate(bad, std::nullopt).message().find("twice"), std::string::npos);
}

}  // namespace
}  // namespace smeg::backends
