// apply() over the memory backend: only differences are sent, nothing the second time, and a
// failing step stops everything after it.
#include <gtest/gtest.h>

#include "backends/backend.h"
#include "backends/memory.h"

namespace smeg::backends {
namespace {

DesiredDevice mesh_device(size_t peers) {
  DesiredDevice d;
  d.mesh_id = "alpha";
  std::array<uint8_t, 32> r{};
  r.fill(3);
  d.private_key = PrivateKey::from_random(r);
  d.listen_port = 51820;
  const Prefix net = mesh_prefix("alpha");
  PublicKey self = d.private_key.public_key();
  d.address = Prefix{overlay_address(net, self), 64};
  for (size_t i = 0; i < peers; ++i) {
    DesiredPeer p;
    p.public_key.bytes[0] = static_cast<uint8_t>(i + 1);
    p.public_key.bytes[1] = static_cast<uint8_t>((i + 1) >> 8);
    p.endpoint =
        Endpoint{IpAddr::v4(10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)), 51820};
    p.allowed_ips = {Prefix::host(overlay_address(net, p.public_key))};
    d.peers.push_back(p);
  }
  std::sort(d.peers.begin(), d.peers.end(),
            [](const DesiredPeer& a, const DesiredPeer& b) { return a.public_key < b.public_key; });
  d.routes = {*Prefix::parse("fd99::/64")};
  return d;
}

TEST(Apply, SecondApplySendsNothing) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  const DesiredDevice d = mesh_device(50);
  auto r = apply(b, "smeg0", d, {}, {});
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_TRUE(r->changed());
  EXPECT_EQ(r->change.peers.size(), 50u);
  EXPECT_EQ(r->addresses_added, std::vector<Prefix>{d.address});
  EXPECT_EQ(r->routes_added, d.routes);
  EXPECT_TRUE(r->brought_up);
  const BackendStats before = b.stats();
  r = apply(b, "smeg0", d, d.routes, {});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed());
  EXPECT_EQ(b.stats().set_requests, before.set_requests);
  EXPECT_EQ(b.get_device("smeg0")->peers.size(), 50u);
}

TEST(Apply, ManagesOnlyItsAddressesAndRoutes) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  DesiredDevice d = mesh_device(2);
  const Prefix foreign_route = *Prefix::parse("2001:db8::/32");
  const Prefix foreign_addr = *Prefix::parse("fe80::1/64");
  ASSERT_TRUE(b.add_route("smeg0", foreign_route));
  ASSERT_TRUE(b.add_address("smeg0", foreign_addr));
  ASSERT_TRUE(apply(b, "smeg0", d, {}, {}));
  const std::vector<Prefix> installed = d.routes;
  d.routes = {*Prefix::parse("fd77::/64")};
  auto r = apply(b, "smeg0", d, installed, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->routes_removed, installed);
  EXPECT_EQ(r->routes_added, d.routes);
  const LinkState link = *b.get_link("smeg0");
  EXPECT_NE(std::find(link.routes.begin(), link.routes.end(), foreign_route), link.routes.end());
  EXPECT_NE(std::find(link.addresses.begin(), link.addresses.end(), foreign_addr),
            link.addresses.end());
}

TEST(Apply, FailedSetStopsBeforeTheLinkAndSaysWhere) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  b.fail_next("set_device",
              Status::io_error("smeg0: set device: Operation not permitted (errno 1)"));
  auto r = apply(b, "smeg0", mesh_device(3), {}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("smeg0: set device"), std::string::npos);
  EXPECT_TRUE(b.get_device("smeg0")->peers.empty());
  EXPECT_TRUE(b.get_link("smeg0")->addresses.empty()) << "nothing after the failing step";
  EXPECT_FALSE(b.get_link("smeg0")->up);
}

TEST(Apply, InvalidChangeIsRefusedWholeAndNamesThePeer) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  const DesiredDevice good = mesh_device(1000);
  ASSERT_TRUE(apply(b, "smeg0", good, {}, {}));
  const DeviceState before = *b.get_device("smeg0");
  DesiredDevice bad = mesh_device(1000);
  for (auto& p : bad.peers) p.endpoint->port = 4000;  // every peer changes...
  bad.peers[500].allowed_ips[0].len = 64;             // ...and peer 500 is invalid
  auto r = apply(b, "smeg0", bad, {}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("peer 500"), std::string::npos) << r.status().message();
  EXPECT_EQ(*b.get_device("smeg0"), before) << "nothing applied: every peer has its old config";
}

TEST(Apply, MissingInterfaceIsNamed) {
  MemoryBackend b;
  auto r = apply(b, "nosuch0", mesh_device(1), {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("nosuch0"), std::string::npos);
}

// MeshInterface: diffs against the device it last left, reads back only when it must.

TEST(MeshInterface, OnePeerChangeSendsOnePeerWithoutReadingTheDevice) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  MeshInterface iface(b, "smeg0");
  DesiredDevice d = mesh_device(1000);
  ASSERT_TRUE(iface.apply(d));
  EXPECT_EQ(b.stats().device_reads, 1u);
  d.peers[500].endpoint->port = 4000;
  const BackendStats before = b.stats();
  auto r = iface.apply(d);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(b.stats().device_reads, before.device_reads) << "the cached device was diffed";
  EXPECT_EQ(b.stats().set_requests - before.set_requests, 1u);
  EXPECT_EQ(b.stats().peers_sent - before.peers_sent, 1u);
  EXPECT_EQ(*b.get_device("smeg0")->find_peer(d.peers[500].public_key)->endpoint,
            *d.peers[500].endpoint);
  const BackendStats again = b.stats();
  r = iface.apply(d);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed());
  EXPECT_EQ(b.stats().set_requests, again.set_requests) << "the same config twice sends nothing";
}

TEST(MeshInterface, VerifyReadsBackAndRepairsDrift) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  MeshInterface iface(b, "smeg0");
  const DesiredDevice d = mesh_device(20);
  ASSERT_TRUE(iface.apply(d));
  // Someone else removes a peer and the address behind our back.
  DeviceChange drift;
  PeerChange gone;
  gone.public_key = d.peers[7].public_key;
  gone.remove = true;
  drift.peers.push_back(gone);
  ASSERT_TRUE(b.set_device("smeg0", drift));
  ASSERT_TRUE(b.remove_address("smeg0", d.address));
  auto r = iface.apply(d);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed()) << "without a read the drift is not seen";
  iface.verify();
  r = iface.apply(d);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->change.peers.size(), 1u);
  EXPECT_EQ(r->change.peers[0].public_key, d.peers[7].public_key);
  EXPECT_EQ(r->addresses_added, std::vector<Prefix>{d.address});
  EXPECT_EQ(b.get_device("smeg0")->peers.size(), 20u);
  EXPECT_EQ(iface.reads(), 2u);
}

TEST(MeshInterface, FailureMakesTheNextApplyReadBack) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  MeshInterface iface(b, "smeg0");
  DesiredDevice d = mesh_device(10);
  ASSERT_TRUE(iface.apply(d));
  d.peers[3].endpoint->port = 4000;
  b.fail_next("set_device", Status::io_error("smeg0: set device: No buffer space (errno 105)"));
  auto r = iface.apply(d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("smeg0: set device"), std::string::npos);
  r = iface.apply(d);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(iface.reads(), 2u);
  EXPECT_EQ(r->change.peers.size(), 1u);
  EXPECT_EQ(*b.get_device("smeg0")->find_peer(d.peers[3].public_key)->endpoint,
            *d.peers[3].endpoint);
}

TEST(MeshInterface, RoutesAddedBeforeAFailureAreStillRemovedLater) {
  MemoryBackend b;
  ASSERT_TRUE(b.create_interface("smeg0"));
  const Prefix foreign = *Prefix::parse("2001:db8::/32");
  ASSERT_TRUE(b.add_route("smeg0", foreign));
  MeshInterface iface(b, "smeg0");
  DesiredDevice d = mesh_device(2);
  d.routes = {*Prefix::parse("fd10::/64")};
  ASSERT_TRUE(iface.apply(d));
  // fd20 is added, then removing fd10 fails: both may be ours now.
  d.routes = {*Prefix::parse("fd20::/64")};
  b.fail_next("remove_route", Status::io_error("smeg0: remove route: Busy (errno 16)"));
  ASSERT_FALSE(iface.apply(d));
  EXPECT_EQ(iface.installed_routes(),
            (std::vector<Prefix>{*Prefix::parse("fd10::/64"), *Prefix::parse("fd20::/64")}));
  d.routes = {*Prefix::parse("fd30::/64")};
  auto r = iface.apply(d);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->routes_removed,
            (std::vector<Prefix>{*Prefix::parse("fd10::/64"), *Prefix::parse("fd20::/64")}));
  const LinkState link = *b.get_link("smeg0");
  EXPECT_EQ(link.routes, (std::vector<Prefix>{foreign, *Prefix::parse("fd30::/64")}));
  EXPECT_EQ(iface.installed_routes(), d.routes);
}

// Any sequence of desired configs, drift and verifies: after each successful apply the
// device and link equal what an apply that reads everything back would leave.
TEST(MeshInterface, CachedApplyConvergesLikeAReadingApply) {
  uint64_t seed = 12345;
  auto next = [&seed](uint32_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>((seed >> 33) % n);
  };
  MemoryBackend cached_b, reading_b;
  ASSERT_TRUE(cached_b.create_interface("smeg0"));
  ASSERT_TRUE(reading_b.create_interface("smeg0"));
  MeshInterface iface(cached_b, "smeg0");
  std::vector<Prefix> reading_routes;
  uint64_t verifies = 0;
  const DesiredDevice all = mesh_device(60);
  for (int round = 0; round < 200; ++round) {
    DesiredDevice d = all;
    std::erase_if(d.peers, [&](const DesiredPeer&) { return next(4) == 0; });
    for (DesiredPeer& p : d.peers) {
      if (next(5) == 0) p.endpoint->port = static_cast<uint16_t>(1000 + next(3));
      if (next(7) == 0) p.persistent_keepalive = static_cast<uint16_t>(next(2) * 25);
      if (next(9) == 0) {  // a prefix of its own: shared prefixes are not a valid config
        std::array<uint8_t, 16> a{0xfd, 0x77};
        a[2] = p.public_key.bytes[0], a[3] = p.public_key.bytes[1];
        p.allowed_ips.push_back(Prefix{IpAddr::v6(a), 64});
      }
    }
    d.routes.clear();
    for (const char* r : {"fd10::/64", "fd20::/64", "fd30::/64"}) {
      if (next(2)) d.routes.push_back(*Prefix::parse(r));
    }
    if (next(6) == 0) {  // someone empties the device; the owner's periodic verify follows
      DeviceChange drift;
      drift.replace_peers = true;
      ASSERT_TRUE(cached_b.set_device("smeg0", drift));
      iface.verify();
      ++verifies;
    } else if (next(8) == 0) {
      iface.verify();  // a verify with nothing to repair
      ++verifies;
    }
    ASSERT_TRUE(iface.apply(d)) << "round " << round;
    auto r = apply(reading_b, "smeg0", d, reading_routes, {});
    ASSERT_TRUE(r) << "round " << round;
    reading_routes = d.routes;
    EXPECT_EQ(*cached_b.get_device("smeg0"), *reading_b.get_device("smeg0")) << "round " << round;
    EXPECT_EQ(cached_b.get_link("smeg0")->routes, reading_b.get_link("smeg0")->routes);
    EXPECT_EQ(cached_b.get_link("smeg0")->addresses, reading_b.get_link("smeg0")->addresses);
  }
  EXPECT_EQ(iface.reads(), 1 + verifies) << "reads only first and when told to";
}

}  // namespace
}  // namespace smeg::backends
