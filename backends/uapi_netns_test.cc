// UapiBackend against real wireguard-go in two network namespaces (netns_testbed.h): every
// WireGuard interface is created, configured and deleted through the backend, `wg show dump`
// is the ground truth, and a ping crosses the tunnel. Needs root, `ip netns`, wireguard-go and
// wg; skips with the reason otherwise.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "backends/netns_testbed.h"
#include "backends/uapi.h"
#include "core/rng.h"

namespace smeg::backends {
namespace {

PrivateKey key_from(Rng& rng) {
  std::array<uint8_t, 32> r;
  for (auto& b : r) b = static_cast<uint8_t>(rng.next_u64());
  return PrivateKey::from_random(r);
}

IpAddr overlay(uint16_t host) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[1] = 0x77;
  b[14] = static_cast<uint8_t>(host >> 8);
  b[15] = static_cast<uint8_t>(host);
  return IpAddr::v6(b);
}

// What `wg show IFACE dump` says, keyed by base64 public key.
struct Dump {
  std::string private_key, public_key, listen_port;
  struct Peer {
    std::string endpoint, keepalive;
    std::set<std::string> allowed_ips;
  };
  std::map<std::string, Peer> peers;
};

Dump parse_dump(const std::string& text) {
  Dump d;
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
    if (first) {
      if (f.size() >= 3) d.private_key = f[0], d.public_key = f[1], d.listen_port = f[2];
      first = false;
    } else if (f.size() >= 8) {
      Dump::Peer& p = d.peers[f[0]];
      p.endpoint = f[2];
      std::istringstream ips(f[3]);
      for (std::string ip; std::getline(ips, ip, ',');) {
        if (ip != "(none)") p.allowed_ips.insert(ip);
      }
      p.keepalive = f[7];
    }
  }
  return d;
}

// `wg show dump` holds exactly `want`'s keys, port and peers.
void expect_dump_matches(const Dump& dump, const DesiredDevice& want) {
  EXPECT_EQ(dump.private_key, want.private_key.to_base64());
  EXPECT_EQ(dump.public_key, want.private_key.public_key().to_base64());
  EXPECT_EQ(dump.listen_port, std::to_string(want.listen_port.value_or(0)));
  ASSERT_EQ(dump.peers.size(), want.peers.size());
  for (const DesiredPeer& p : want.peers) {
    auto it = dump.peers.find(p.public_key.to_base64());
    ASSERT_NE(it, dump.peers.end()) << p.public_key.to_base64();
    EXPECT_EQ(it->second.endpoint, p.endpoint ? p.endpoint->to_string() : "(none)");
    std::set<std::string> ips;
    for (const Prefix& a : p.allowed_ips) ips.insert(a.to_string());
    EXPECT_EQ(it->second.allowed_ips, ips);
    EXPECT_EQ(it->second.keepalive,
              p.persistent_keepalive ? std::to_string(*p.persistent_keepalive) : "off");
  }
}

class UapiNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = NetnsTestbed::unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << "real-WireGuard test skipped: " << why;
    }
    auto bed = NetnsTestbed::create();
    ASSERT_TRUE(bed) << bed.status().to_string();
    bed_ = std::move(*bed);
  }

  // A backend that has created `ifname`; the caller's thread is in the host's namespace.
  std::unique_ptr<UapiBackend> backend_with(const std::string& ifname) {
    auto b = std::make_unique<UapiBackend>();
    Status s = b->create_interface(ifname);
    EXPECT_TRUE(s) << s.to_string();
    return b;
  }

  DesiredDevice device(const PrivateKey& key, uint16_t host) {
    DesiredDevice d;
    d.mesh_id = "uapitest";
    d.private_key = key;
    d.listen_port = 51820;
    d.address = Prefix{overlay(host), 64};
    return d;
  }

  std::unique_ptr<NetnsTestbed> bed_;
  Rng rng_{20261125};
};

TEST_F(UapiNetns, TwoHostsConfiguredThroughTheBackendPingAcrossTheTunnel) {
  const std::string if0 = bed_->ifname(0), if1 = bed_->ifname(1);
  auto b0 = std::make_unique<UapiBackend>(), b1 = std::make_unique<UapiBackend>();
  const PrivateKey k0 = key_from(rng_), k1 = key_from(rng_);
  DesiredDevice d0 = device(k0, 1), d1 = device(k1, 2);
  d0.peers.push_back({k1.public_key(),
                      Endpoint{bed_->underlay(1), 51820},
                      std::nullopt,
                      {Prefix::host(overlay(2))}});
  d1.peers.push_back(
      {k0.public_key(), Endpoint{bed_->underlay(0), 51820}, 25, {Prefix::host(overlay(1))}});

  for (auto [h, b, ifname, d] :
       {std::tuple{0, b0.get(), if0, &d0}, std::tuple{1, b1.get(), if1, &d1}}) {
    InNetns in(*bed_, h);
    ASSERT_EQ(in.error(), "");
    ASSERT_TRUE(b->create_interface(ifname));
    auto report = apply(*b, ifname, *d, {}, ApplyOptions{});
    ASSERT_TRUE(report) << report.status().to_string();
    EXPECT_TRUE(report->changed());
    EXPECT_EQ(b->stats().set_requests, 1u);
    EXPECT_EQ(b->stats().peers_sent, 1u);
  }
  for (int h = 0; h < 2; ++h) {
    const std::string ifname = h ? if1 : if0;
    CommandResult dump = bed_->exec(h, "wg show " + ifname + " dump");
    ASSERT_EQ(dump.status, 0) << dump.output;
    expect_dump_matches(parse_dump(dump.output), h ? d1 : d0);
    InNetns in(*bed_, h);
    auto link = (h ? b1 : b0)->get_link(ifname);
    ASSERT_TRUE(link) << link.status().to_string();
    EXPECT_TRUE(link->up);
    EXPECT_EQ(link->mtu, 1420u);
    EXPECT_NE(std::find(link->addresses.begin(), link->addresses.end(), (h ? d1 : d0).address),
              link->addresses.end());
  }

  // The first packet waits for the handshake: a few one-second tries.
  CommandResult ping;
  for (int attempt = 0; attempt < 5; ++attempt) {
    ping = bed_->exec(0, "ping -6 -c 1 -W 2 " + overlay(2).to_string());
    if (ping.status == 0) break;
  }
  EXPECT_EQ(ping.status, 0) << ping.output;
  InNetns in0(*bed_, 0);
  auto seen = b0->get_device(if0);
  ASSERT_TRUE(seen) << seen.status().to_string();
  ASSERT_EQ(seen->peers.size(), 1u);
  EXPECT_GT(seen->peers[0].last_handshake_unix_ns, 0);
  EXPECT_GT(seen->peers[0].rx_bytes, 0u);

  // The same configuration again sends nothing at all.
  const BackendStats before = b0->stats();
  auto again = apply(*b0, if0, d0, {}, ApplyOptions{});
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(b0->stats().set_requests, before.set_requests);
  EXPECT_EQ(b0->stats().set_bytes, before.set_bytes);

  // Deleting through the backend removes the link and the socket.
  InNetns in1(*bed_, 1);
  ASSERT_TRUE(b1->delete_interface(if1));
  auto listed = b1->list_devices();
  ASSERT_TRUE(listed);
  EXPECT_EQ(std::find(listed->begin(), listed->end(), if1), listed->end());
  EXPECT_EQ(b1->get_link(if1).status().code(), Status::Code::kNotFound);
}

// 1000 peers (dense keys in the hash table, a 400 kB get reply) for the tests below.
DesiredDevice with_peers(DesiredDevice d, Rng& rng, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    DesiredPeer p;
    p.public_key = key_from(rng).public_key();
    p.endpoint = Endpoint{overlay(static_cast<uint16_t>(i + 10)), static_cast<uint16_t>(40000 + i)};
    p.allowed_ips = {Prefix::host(overlay(static_cast<uint16_t>(i + 1000)))};
    d.peers.push_back(std::move(p));
  }
  std::sort(d.peers.begin(), d.peers.end(),
            [](const DesiredPeer& a, const DesiredPeer& b) { return a.public_key < b.public_key; });
  return d;
}

TEST_F(UapiNetns, OnePeerChangeOnAThousandPeersSendsThatPeerOnly) {
  const std::string ifname = bed_->ifname(0);
  InNetns in(*bed_, 0);
  ASSERT_EQ(in.error(), "");
  auto b = backend_with(ifname);
  DesiredDevice d = with_peers(device(key_from(rng_), 1), rng_, 1000);
  auto first = apply(*b, ifname, d, {}, ApplyOptions{});
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ(b->stats().peers_sent, 1000u);

  DesiredPeer& moved = d.peers[321];
  moved.endpoint = Endpoint{bed_->underlay(1), 51999};
  const BackendStats before = b->stats();
  auto second = apply(*b, ifname, d, {}, ApplyOptions{});
  ASSERT_TRUE(second) << second.status().to_string();
  EXPECT_EQ(b->stats().set_requests - before.set_requests, 1u);
  EXPECT_EQ(b->stats().peers_sent - before.peers_sent, 1u);
  const std::string& text = b->last_set_request();
  EXPECT_EQ(text, "set=1\npublic_key=" + to_hex(moved.public_key.bytes.data(), 32) +
                      "\nendpoint=" + moved.endpoint->to_string() + "\n\n");
  EXPECT_LT(b->stats().set_bytes - before.set_bytes, 200u);

  CommandResult dump = bed_->exec(0, "wg show " + ifname + " dump");
  ASSERT_EQ(dump.status, 0) << dump.output;
  expect_dump_matches(parse_dump(dump.output), d);
}

// What the daemon does: MeshInterface reads the device once, then diffs against what it left.
TEST_F(UapiNetns, MeshInterfaceChangesOnePeerWithoutReadingTheDeviceBack) {
  const std::string ifname = bed_->ifname(0);
  InNetns in(*bed_, 0);
  ASSERT_EQ(in.error(), "");
  auto b = backend_with(ifname);
  DesiredDevice d = with_peers(device(key_from(rng_), 1), rng_, 1000);
  MeshInterface iface(*b, ifname);
  auto first = iface.apply(d);
  ASSERT_TRUE(first) << first.status().to_string();
  const BackendStats before = b->stats();
  for (size_t i : {17u, 617u, 999u}) {
    d.peers[i].endpoint = Endpoint{bed_->underlay(1), static_cast<uint16_t>(2000 + i)};
    auto r = iface.apply(d);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->change.peers.size(), 1u);
  }
  auto again = iface.apply(d);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(b->stats().device_reads, before.device_reads);
  EXPECT_EQ(b->stats().set_requests - before.set_requests, 3u);
  EXPECT_EQ(b->stats().peers_sent - before.peers_sent, 3u);

  CommandResult dump = bed_->exec(0, "wg show " + ifname + " dump");
  ASSERT_EQ(dump.status, 0) << dump.output;
  expect_dump_matches(parse_dump(dump.output), d);
}

TEST_F(UapiNetns, InvalidPeerAtIndex500IsRefusedAndNothingChanges) {
  const std::string ifname = bed_->ifname(0);
  InNetns in(*bed_, 0);
  ASSERT_EQ(in.error(), "");
  auto b = backend_with(ifname);
  DesiredDevice d = with_peers(device(key_from(rng_), 1), rng_, 1000);
  // Host bits set: not a prefix WireGuard could hold (diff passes it on, validate refuses it).
  d.peers[500].allowed_ips = {Prefix{overlay(7), 64}};
  auto before = b->get_device(ifname);
  ASSERT_TRUE(before);
  auto r = apply(*b, ifname, d, {}, ApplyOptions{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(ifname + ": set device: peer 500 ("), std::string::npos)
      << r.status().message();
  EXPECT_EQ(b->stats().set_requests, 0u);
  auto after = b->get_device(ifname);
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, *before);
}

TEST_F(UapiNetns, ErrnoRepliesAndNameClashes) {
  const std::string if0 = bed_->ifname(0, 0), if1 = bed_->ifname(0, 1);
  InNetns in(*bed_, 0);
  ASSERT_EQ(in.error(), "");
  auto b = backend_with(if0);
  ASSERT_TRUE(b->create_interface(if1));
  Status clash = b->create_interface(if1);
  EXPECT_EQ(clash.code(), Status::Code::kConflict) << clash.to_string();
  DeviceChange port;
  port.listen_port = 51820;
  ASSERT_TRUE(b->set_device(if0, port));
  // Two devices of one namespace cannot share a port: wireguard-go answers with an errno.
  Status s = b->set_device(if1, port);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(s.message(), if1 + ": set device: Address already in use (errno 98)");
  auto missing = b->get_device("smnosuch0");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().to_string();
}

}  // namespace
}  // namespace smeg::backends
