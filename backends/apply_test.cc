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

}  // namespace
}  // namespace smeg::backends
