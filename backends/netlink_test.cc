// Parsing of the kernel's replies (netlink_wire.h) from constructed bytes: dumps of one device,
// split peers, many peers, malformed replies, and the generic netlink controller's answers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "backends/netlink_test_util.h"
#include "backends/netlink_wire.h"

namespace smeg::backends {
namespace {

using testing::concat;
using testing::done_message;
using testing::DumpMessage;
using testing::kernel_dump;
using testing::make_device;
using testing::make_peer;

TEST(NetlinkDump, ParsesOneMessage) {
  const DeviceState d = make_device(3, 2);
  auto parsed = parse_device_dump(kernel_dump(d, 100, 100));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, d);
}

TEST(NetlinkDump, CoalescesAPeerSplitOverTwoMessages) {
  DeviceState d = make_device(2, 0);
  d.peers[0] = make_peer(1, 300);
  DumpMessage first;
  first.device(d);
  first.open_peers();
  first.peer(d.peers[0], 0, 120, true);
  DumpMessage second;
  second.name_only(d.name);
  second.open_peers();
  second.peer(d.peers[0], 120, d.peers[0].allowed_ips.size(), false);  // key + IPs only
  second.peer(d.peers[1], 0, d.peers[1].allowed_ips.size(), true);
  auto parsed = parse_device_dump(concat({first.bytes(), second.bytes(), done_message()}));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  ASSERT_EQ(parsed->peers.size(), 2u);
  EXPECT_EQ(parsed->peers[0].allowed_ips.size(), d.peers[0].allowed_ips.size());
  EXPECT_EQ(*parsed, d);
}

TEST(NetlinkDump, DeviceWithManyPeersOverManyMessages) {
  const DeviceState d = make_device(3000, 3);
  auto parsed = parse_device_dump(kernel_dump(d, 40, 2));  // peers split every 2 IPs too
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, d);
}

TEST(NetlinkDump, PeersAndAllowedIpsComeBackSorted) {
  DeviceState d = make_device(50, 4);
  DeviceState shuffled = d;
  std::reverse(shuffled.peers.begin(), shuffled.peers.end());
  for (auto& p : shuffled.peers) std::reverse(p.allowed_ips.begin(), p.allowed_ips.end());
  auto parsed = parse_device_dump(kernel_dump(shuffled, 7, 3));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, d);
}

TEST(NetlinkDump, EmptyDeviceWithoutKeys) {
  DeviceState d;
  d.name = "wg9";
  auto parsed = parse_device_dump(kernel_dump(d, 10, 10));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, d);
}

TEST(NetlinkDump, KernelErrorIsAnIoErrorWithErrno) {
  auto parsed = parse_device_dump(done_message(-19));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kIoError);
  EXPECT_NE(parsed.status().message().find("(errno 19)"), std::string::npos);
}

// Malformed replies: each is refused with a corruption status that says what was wrong.
struct Malformed {
  const char* name;
  std::vector<uint8_t> bytes;
  const char* expect;  // a piece of the message
};

std::vector<Malformed> malformed_inputs() {
  const DeviceState d = make_device(2, 2);
  std::vector<Malformed> out;
  const std::vector<uint8_t> good = kernel_dump(d, 10, 10);
  out.push_back({"truncated header", {good.begin(), good.begin() + 10}, "impossible"});
  {
    auto b = good;
    b[0] = 0xff, b[1] = 0xff;  // message length beyond the buffer
    out.push_back({"length past end", b, "impossible"});
  }
  {
    DumpMessage m;
    m.device(d);
    auto b = m.bytes();
    b[20] = 0xff;  // the first attribute's length past the message
    out.push_back({"attribute length", b, "malformed"});
  }
  {
    DumpMessage m;
    m.name_only("wg0");
    m.open_peers();
    nlattr* p = mnl_attr_nest_start(m.nlh(), 0);
    mnl_attr_put(m.nlh(), WGPEER_A_PUBLIC_KEY, 31, d.peers[0].public_key.bytes.data());
    mnl_attr_nest_end(m.nlh(), p);
    out.push_back({"short key", m.bytes(), "32 bytes"});
  }
  {
    DumpMessage m;
    m.name_only("wg0");
    m.open_peers();
    nlattr* p = mnl_attr_nest_start(m.nlh(), 0);
    mnl_attr_put_u16(m.nlh(), WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
    mnl_attr_nest_end(m.nlh(), p);
    out.push_back({"peer without key", m.bytes(), "no public key"});
  }
  for (auto [family, len, cidr, expect] :
       {std::tuple{uint16_t{7}, 4, 8, "family 7"},
        std::tuple{uint16_t{AF_INET}, 16, 8, "family 2 with a 16-byte"},
        std::tuple{uint16_t{AF_INET6}, 16, 200, "too long"}}) {
    DumpMessage m;
    m.name_only("wg0");
    m.open_peers();
    nlattr* p = mnl_attr_nest_start(m.nlh(), 0);
    mnl_attr_put(m.nlh(), WGPEER_A_PUBLIC_KEY, 32, d.peers[0].public_key.bytes.data());
    nlattr* ips = mnl_attr_nest_start(m.nlh(), WGPEER_A_ALLOWEDIPS);
    nlattr* ip = mnl_attr_nest_start(m.nlh(), 0);
    const uint8_t addr[16] = {0xfd};
    mnl_attr_put_u16(m.nlh(), WGALLOWEDIP_A_FAMILY, family);
    mnl_attr_put(m.nlh(), WGALLOWEDIP_A_IPADDR, static_cast<size_t>(len), addr);
    mnl_attr_put_u8(m.nlh(), WGALLOWEDIP_A_CIDR_MASK, static_cast<uint8_t>(cidr));
    mnl_attr_nest_end(m.nlh(), ip);
    mnl_attr_nest_end(m.nlh(), ips);
    mnl_attr_nest_end(m.nlh(), p);
    out.push_back({"bad allowed IP", m.bytes(), expect});
  }
  {
    DumpMessage m;
    m.name_only("wg0");
    m.open_peers();
    m.peer(d.peers[0], 0, 1, true);
    m.peer(d.peers[1], 0, 1, true);
    m.peer(d.peers[0], 1, 2, false);  // not adjacent to its first appearance
    out.push_back({"duplicate peer", m.bytes(), "twice"});
  }
  {
    DumpMessage m;
    m.open_peers();
    out.push_back({"no name", m.bytes(), "names the device"});
  }
  {
    DumpMessage a, b;
    a.name_only("wg0");
    b.name_only("wg1");
    out.push_back({"two names", concat({a.bytes(), b.bytes()}), "not 'wg0'"});
  }
  {
    DumpMessage m(4096, WG_CMD_SET_DEVICE);
    m.name_only("wg0");
    out.push_back({"wrong command", m.bytes(), "command 1"});
  }
  {
    DumpMessage m;
    m.name_only("wg0");
    mnl_attr_put_u32(m.nlh(), WGDEVICE_A_LISTEN_PORT, 51820);  // a u16 sent as 4 bytes
    out.push_back({"wrong integer size", m.bytes(), "bad length"});
  }
  return out;
}

TEST(NetlinkDump, MalformedRepliesAreRefusedWithAReason) {
  for (const Malformed& m : malformed_inputs()) {
    SCOPED_TRACE(m.name);
    auto parsed = parse_device_dump(m.bytes);
    ASSERT_FALSE(parsed.is_ok());
    EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption);
    EXPECT_NE(parsed.status().message().find(m.expect), std::string::npos)
        << parsed.status().message();
  }
}

// The fuzz target's property over the constructed inputs, in every build: every prefix and
// every single-byte change of every input parses or fails with a message, never crashes (the
// ASan/UBSan build catches over-reads). With SMEG_NETLINK_CORPUS set, the inputs are written
// there as a seed corpus for tests/fuzz/netlink_dump_fuzz.
TEST(NetlinkDump, NeverCrashesOnTruncatedOrCorruptedInput) {
  std::vector<std::vector<uint8_t>> inputs;
  inputs.push_back(kernel_dump(make_device(3, 2), 2, 1));
  inputs.push_back(kernel_dump(make_device(1, 40), 10, 16));
  for (const Malformed& m : malformed_inputs()) inputs.push_back(m.bytes);
  if (const char* dir = std::getenv("SMEG_NETLINK_CORPUS")) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::ofstream(std::string(dir) + "/seed-" + std::to_string(i), std::ios::binary)
          .write(reinterpret_cast<const char*>(inputs[i].data()),
                 static_cast<std::streamsize>(inputs[i].size()));
    }
  }
  size_t runs = 0;
  for (const auto& input : inputs) {
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      auto r = parse_device_dump(std::span<const uint8_t>(input.data(), cut));
      EXPECT_TRUE(r.is_ok() || !r.status().message().empty());
      ++runs;
    }
    for (size_t at = 0; at < input.size(); ++at) {
      for (uint8_t v : {uint8_t{0}, uint8_t{0xff}, static_cast<uint8_t>(input[at] ^ 0x04)}) {
        auto changed = input;
        changed[at] = v;
        auto r = parse_device_dump(changed);
        EXPECT_TRUE(r.is_ok() || !r.status().message().empty());
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 1000u);
}

}  // namespace
}  // namespace smeg::backends
