// NetlinkBackend against a real kernel WireGuard. Run as root inside the test VM
// (netlink_kernel_tests, CTest label "vm"); anywhere else every test skips and says why.
//
// What a device holds is checked three ways: our own read (get_device) against what a correct
// kernel holds after the change (applied()), and `wg show IFACE dump` (wireguard-tools, when
// installed) against our read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

#include "backends/netlink.h"

namespace smeg::backends {
namespace {

const char* const kIfaces[] = {"smegnl0", "smegnl1"};

// The configuration part of a device: counters, handshakes and the protocol version are the
// kernel's own and not part of what we set.
DeviceState config_only(DeviceState d) {
  for (PeerState& p : d.peers) {
    p.last_handshake_unix_ns = 0;
    p.rx_bytes = p.tx_bytes = 0;
    p.protocol_version = 0;
  }
  return d;
}

PrivateKey key_from_seed(uint32_t seed) {
  std::array<uint8_t, 32> r{};
  // Bytes 1..4: clamping (PrivateKey::from_random) clears the low bits of byte 0.
  for (int i = 0; i < 4; ++i) r[i + 1] = static_cast<uint8_t>(seed >> (8 * i));
  r[31] = 0x42;
  return PrivateKey::from_random(r);
}

// A device of `peers` peers with real keys: IPv4 and IPv6 endpoints, some without an endpoint
// (clients behind NAT), some with keepalive, a /128 each and an IPv4 /32 for every fourth.
DesiredDevice desired_device(uint32_t seed, uint32_t peers, uint16_t port) {
  DesiredDevice d;
  d.mesh_id = "kerneltest";
  d.private_key = key_from_seed(seed);
  d.listen_port = port;
  d.address = Prefix{*IpAddr::parse("fd5e:11:" + std::to_string(seed) + "::1"), 64};
  for (uint32_t i = 1; i <= peers; ++i) {
    DesiredPeer p;
    p.public_key = key_from_seed(seed * 100000 + i).public_key();
    const auto lo = static_cast<uint8_t>(i), hi = static_cast<uint8_t>(i >> 8);
    if (i % 7 != 0) {
      p.endpoint = i % 2 ? Endpoint{IpAddr::v4(198, 51, hi, lo), static_cast<uint16_t>(40000 + i)}
                         : *Endpoint::parse("[2001:db8::" + std::to_string(i) + "]:51820");
    }
    if (i % 3 == 0) p.persistent_keepalive = 25;
    std::array<uint8_t, 16> v6{0xfd, 0x5e, 0x00, 0x11};
    v6[8] = static_cast<uint8_t>(seed), v6[14] = hi, v6[15] = lo;
    p.allowed_ips.push_back(Prefix::host(IpAddr::v6(v6)));
    if (i % 4 == 0) {
      p.allowed_ips.push_back(Prefix::host(IpAddr::v4(10, static_cast<uint8_t>(seed), hi, lo)));
    }
    std::sort(p.allowed_ips.begin(), p.allowed_ips.end());
    d.peers.push_back(p);
  }
  std::sort(d.peers.begin(), d.peers.end(),
            [](const DesiredPeer& a, const DesiredPeer& b) { return a.public_key < b.public_key; });
  return d;
}

// `wg show IFACE dump` as a DeviceState (configuration fields only), or nothing when wg is
// not installed.
std::optional<Result<DeviceState>> wg_show_dump(const std::string& ifname) {
  if (std::system("command -v wg >/dev/null 2>&1") != 0) return std::nullopt;
  FILE* f = popen(("wg show " + ifname + " dump 2>&1").c_str(), "r");
  if (!f) return Result<DeviceState>(Status::io_error("popen wg"));
  std::string text;
  std::array<char, 4096> chunk;
  size_t n;
  while ((n = fread(chunk.data(), 1, chunk.size(), f)) > 0) text.append(chunk.data(), n);
  if (pclose(f) != 0) return Result<DeviceState>(Status::io_error("wg show failed: " + text));
  DeviceState d;
  d.name = ifname;
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::string> v;
    for (std::string x; std::getline(fields, x, '\t');) v.push_back(x);
    if (first) {  // private-key public-key listen-port fwmark
      if (v.size() != 4) return Result<DeviceState>(Status::corruption("wg dump: " + line));
      if (v[0] != "(none)") d.private_key = *PrivateKey::from_base64(v[0]);
      if (v[1] != "(none)") d.public_key = *PublicKey::from_base64(v[1]);
      d.listen_port = static_cast<uint16_t>(std::stoi(v[2]));
      d.fwmark = v[3] == "off" ? 0 : static_cast<uint32_t>(std::stoul(v[3], nullptr, 0));
      first = false;
      continue;
    }
    // public-key preshared-key endpoint allowed-ips latest-handshake rx tx keepalive
    if (v.size() != 8) return Result<DeviceState>(Status::corruption("wg dump: " + line));
    PeerState p;
    p.public_key = *PublicKey::from_base64(v[0]);
    p.has_preshared_key = v[1] != "(none)";
    if (v[2] != "(none)") p.endpoint = *Endpoint::parse(v[2]);
    std::istringstream ips(v[3]);
    for (std::string x; v[3] != "(none)" && std::getline(ips, x, ',');) {
      p.allowed_ips.push_back(*Prefix::parse(x));
    }
    std::sort(p.allowed_ips.begin(), p.allowed_ips.end());
    p.persistent_keepalive = v[7] == "off" ? 0 : static_cast<uint16_t>(std::stoi(v[7]));
    d.peers.push_back(p);
  }
  std::sort(d.peers.begin(), d.peers.end(),
            [](const PeerState& a, const PeerState& b) { return a.public_key < b.public_key; });
  return Result<DeviceState>(d);
}

class NetlinkKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN); runs in the test VM";
    if (!NetlinkBackend::available()) {
      GTEST_SKIP() << "kernel WireGuard is not available (no 'wireguard' generic netlink "
                      "family); these tests run in the VM";
    }
    auto b = NetlinkBackend::open();
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
    backend_ = std::move(*b);
    for (const char* name : kIfaces) {
      (void)backend_->delete_interface(name);  // left over from an earlier run, if any
      const Status s = backend_->create_interface(name);
      ASSERT_TRUE(s.is_ok()) << s.to_string();
    }
  }
  void TearDown() override {
    if (!backend_) return;
    for (const char* name : kIfaces) (void)backend_->delete_interface(name);
  }

  // Applies `desired` and checks the device three ways; returns the report.
  ApplyReport apply_and_check(const std::string& ifname, const DesiredDevice& desired) {
    auto before = backend_->get_device(ifname);
    EXPECT_TRUE(before.is_ok()) << before.status().to_string();
    auto report = apply(*backend_, ifname, desired, {}, ApplyOptions{});
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    if (!before || !report) return {};
    auto after = backend_->get_device(ifname);
    EXPECT_TRUE(after.is_ok()) << after.status().to_string();
    if (!after) return *report;
    EXPECT_EQ(config_only(*after), config_only(applied(*before, report->change)));
    // Every desired peer is there as desired (the endpoint of a NAT client stays open).
    EXPECT_EQ(after->peers.size(), desired.peers.size());
    for (const DesiredPeer& want : desired.peers) {
      const PeerState* have = after->find_peer(want.public_key);
      EXPECT_TRUE(have) << want.public_key.to_base64();
      if (!have) continue;
      EXPECT_EQ(have->allowed_ips, want.allowed_ips);
      if (want.endpoint) {
        EXPECT_EQ(have->endpoint, want.endpoint);
      }
    }
    if (auto wg = wg_show_dump(ifname)) {
      EXPECT_TRUE(wg->is_ok()) << wg->status().to_string();
      if (wg->is_ok()) {
        EXPECT_EQ(**wg, config_only(*after)) << "wg show dump differs";
      }
    } else {
      std::printf("[ note     ] wg (wireguard-tools) not installed: 'wg show dump' not compared\n");
    }
    return *report;
  }

  std::unique_ptr<NetlinkBackend> backend_;
};

TEST_F(NetlinkKernel, AppliesTwoInterfacesAndReadsBackWhatWasDesired) {
  const ApplyReport r0 = apply_and_check(kIfaces[0], desired_device(1, 20, 51820));
  const ApplyReport r1 = apply_and_check(kIfaces[1], desired_device(2, 35, 51821));
  EXPECT_TRUE(r0.changed());
  EXPECT_TRUE(r1.changed());
  auto devices = backend_->list_devices();
  ASSERT_TRUE(devices.is_ok()) << devices.status().to_string();
  for (const char* name : kIfaces) {
    EXPECT_NE(std::find(devices->begin(), devices->end(), name), devices->end()) << name;
  }
}

TEST_F(NetlinkKernel, SecondApplySendsNothing) {
  const DesiredDevice d = desired_device(3, 50, 51822);
  apply_and_check(kIfaces[0], d);
  const BackendStats before = backend_->stats();
  const ApplyReport again = apply_and_check(kIfaces[0], d);
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(backend_->stats().set_requests, before.set_requests);
  EXPECT_EQ(backend_->stats().set_messages, before.set_messages);
  EXPECT_EQ(backend_->stats().set_bytes, before.set_bytes);
  EXPECT_EQ(backend_->stats().peers_sent, before.peers_sent);
}

TEST_F(NetlinkKernel, OnePeerChangeOnAThousandPeerDeviceSendsOnePeer) {
  DesiredDevice d = desired_device(4, 1000, 51823);
  apply_and_check(kIfaces[0], d);
  EXPECT_GT(backend_->stats().set_messages, 1u) << "1000 peers should need several messages";
  const BackendStats before = backend_->stats();
  d.peers[617].endpoint = Endpoint{IpAddr::v4(203, 0, 113, 9), 12345};
  d.peers[617].allowed_ips.push_back(*Prefix::parse("fd5e:99::/64"));
  const ApplyReport r = apply_and_check(kIfaces[0], d);
  ASSERT_EQ(r.change.peers.size(), 1u);
  EXPECT_EQ(backend_->stats().set_requests - before.set_requests, 1u);
  EXPECT_EQ(backend_->stats().set_messages - before.set_messages, 1u);
  EXPECT_EQ(backend_->stats().peers_sent - before.peers_sent, 1u);
}

// What the daemon does: MeshInterface reads the device once, then diffs against what it left.
TEST_F(NetlinkKernel, MeshInterfaceChangesOnePeerWithoutReadingTheDeviceBack) {
  DesiredDevice d = desired_device(7, 1000, 51826);
  MeshInterface iface(*backend_, kIfaces[0]);
  auto first = iface.apply(d);
  ASSERT_TRUE(first) << first.status().to_string();
  const BackendStats before = backend_->stats();
  for (size_t i : {17u, 617u, 999u}) {
    d.peers[i].endpoint = Endpoint{IpAddr::v4(203, 0, 113, 9), static_cast<uint16_t>(2000 + i)};
    auto r = iface.apply(d);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->change.peers.size(), 1u);
  }
  auto again = iface.apply(d);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(backend_->stats().device_reads, before.device_reads);
  EXPECT_EQ(backend_->stats().set_requests - before.set_requests, 3u);
  EXPECT_EQ(backend_->stats().peers_sent - before.peers_sent, 3u);
  // The judge: what the kernel holds now is exactly what a reading apply finds nothing to do
  // about, and what `wg show dump` shows.
  const ApplyReport check = apply_and_check(kIfaces[0], d);
  EXPECT_FALSE(check.changed());
}

TEST_F(NetlinkKernel, InvalidPeerInTheMiddleLeavesTheDeviceUnchanged) {
  DesiredDevice d = desired_device(5, 1000, 51824);
  apply_and_check(kIfaces[0], d);
  auto before = backend_->get_device(kIfaces[0]);
  ASSERT_TRUE(before.is_ok());
  const BackendStats stats = backend_->stats();
  for (DesiredPeer& p : d.peers) p.persistent_keepalive = 15;  // a change to every peer...
  d.peers[500].allowed_ips = {Prefix{*IpAddr::parse("fd5e:77::1"), 64}};  // ...host bits set
  auto r = apply(*backend_, kIfaces[0], d, {}, ApplyOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("peer 500"), std::string::npos) << r.status().message();
  EXPECT_EQ(backend_->stats().set_messages, stats.set_messages);
  auto after = backend_->get_device(kIfaces[0]);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(config_only(*after), config_only(*before));
}

TEST_F(NetlinkKernel, APeerWithThousandsOfAllowedIpsIsSplitAndCoalesced) {
  DesiredDevice d = desired_device(6, 3, 51825);
  for (uint32_t n = 0; n < 3000; ++n) {
    std::array<uint8_t, 16> a{0xfd, 0x5e, 0x00, 0x22};
    a[14] = static_cast<uint8_t>(n >> 8), a[15] = static_cast<uint8_t>(n);
    d.peers[1].allowed_ips.push_back(Prefix::host(IpAddr::v6(a)));
  }
  std::sort(d.peers[1].allowed_ips.begin(), d.peers[1].allowed_ips.end());
  apply_and_check(kIfaces[0], d);
  EXPECT_GT(backend_->stats().set_messages, 1u);
  EXPECT_EQ(backend_->stats().peers_sent, 3u);
}

TEST_F(NetlinkKernel, ErrorsNameTheInterfaceTheOperationAndTheErrno) {
  auto d = backend_->get_device("smegnl-none");
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().message(), "smegnl-none: get device: No such device (errno 19)");
}

// A set refused by the kernel in its first message: the error keeps the kernel's errno (the
// reply quoting a full-size message must fit the receive buffer) and says what was applied.
TEST_F(NetlinkKernel, ARefusedLargeSetReportsTheKernelsErrno) {
  apply_and_check(kIfaces[0], desired_device(8, 2, 51830));  // up, and holding the port
  // WireGuard binds its port only while the interface is up.
  ASSERT_TRUE(backend_->set_up(kIfaces[1], true).is_ok());
  DesiredDevice d = desired_device(9, 500, 51830);
  auto r = apply(*backend_, kIfaces[1], d, {}, ApplyOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIoError);
  EXPECT_NE(r.status().message().find("smegnl1: set device: Address already in use (errno 98)"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("(message 1 of "), std::string::npos) << r.status().message();
}

TEST_F(NetlinkKernel, RemovesOneAllowedIpWhenTheKernelCan) {
  DesiredDevice d = desired_device(7, 10, 51826);
  d.peers[2].allowed_ips.push_back(*Prefix::parse("10.99.0.0/16"));
  std::sort(d.peers[2].allowed_ips.begin(), d.peers[2].allowed_ips.end());
  apply_and_check(kIfaces[0], d);
  std::erase(d.peers[2].allowed_ips, *Prefix::parse("10.99.0.0/16"));
  const ApplyReport r = apply_and_check(kIfaces[0], d);
  ASSERT_EQ(r.change.peers.size(), 1u);
  std::printf("[ note     ] this kernel %s remove a single allowed IP\n",
              backend_->can_remove_allowed_ip() ? "can" : "cannot");
  EXPECT_EQ(r.change.peers[0].replace_allowed_ips, !backend_->can_remove_allowed_ip());
}

}  // namespace
}  // namespace smeg::backends
