// The UAPI text protocol: the parser on replies recorded from wireguard-go (testdata/) and on
// malformed input, and the set requests the formatter writes.
#include "backends/uapi_text.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace smeg::backends {
namespace {

constexpr const char* kKeyA = "YkIvDpIrN5ci8snlP5+PqhmqmjYRFAvEhW2/Yti9UWs=";
constexpr const char* kKeyB = "fHdBlzQVlF20kRIL6xOpaA1+Q4aue09u1d0j4Du2RV8=";
constexpr const char* kKeyC = "5ZXm8E+xIDwbvWeq82IaFwfujws1VyfdMlolOCZm0DU=";

std::string recorded(const std::string& name) {
  std::ifstream in(std::string(SMEG_BACKENDS_TESTDATA) + "/" + name);
  EXPECT_TRUE(in) << "missing test data " << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PublicKey pub(const char* b64) { return *PublicKey::from_base64(b64); }
Prefix prefix(const char* text) { return *Prefix::parse(text); }
Endpoint endpoint(const char* text) { return *Endpoint::parse(text); }

TEST(UapiParse, RecordedDeviceWithTwoPeers) {
  auto r = parse_get_reply(recorded("uapi_get_two_peers.txt"));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->error, 0);
  const DeviceState& d = r->device;
  ASSERT_TRUE(d.public_key);
  EXPECT_EQ(d.public_key->to_base64(), kKeyA);  // derived from the private key read back
  EXPECT_EQ(d.listen_port, 51820);
  EXPECT_EQ(d.fwmark, 0u);
  ASSERT_EQ(d.peers.size(), 2u);
  EXPECT_LT(d.peers[0].public_key, d.peers[1].public_key);  // sorted, whatever the reply order

  const PeerState* b = d.find_peer(pub(kKeyB));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->endpoint, endpoint("[fd00:aa::2]:51821"));
  EXPECT_EQ(b->persistent_keepalive, 25);
  EXPECT_FALSE(b->has_preshared_key);
  EXPECT_EQ(b->allowed_ips, (std::vector<Prefix>{prefix("10.9.0.0/24"), prefix("fd01::2/128")}));
  EXPECT_EQ(b->last_handshake_unix_ns, 1795576652LL * 1'000'000'000 + 138528570);
  EXPECT_EQ(b->tx_bytes, 904u);
  EXPECT_EQ(b->rx_bytes, 668u);
  EXPECT_EQ(b->protocol_version, 1u);

  const PeerState* c = d.find_peer(pub(kKeyC));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoint, endpoint("192.0.2.7:4242"));
  EXPECT_TRUE(c->has_preshared_key);
  EXPECT_EQ(c->persistent_keepalive, 0);
  EXPECT_EQ(c->last_handshake_unix_ns, 0);
  EXPECT_EQ(c->allowed_ips, std::vector<Prefix>{prefix("fd01::3/128")});
}

TEST(UapiParse, RecordedFwmarkAndHandshake) {
  auto r = parse_get_reply(recorded("uapi_get_fwmark_handshake.txt"));
  ASSERT_TRUE(r) << r.status().to_string();
  const DeviceState& d = r->device;
  EXPECT_EQ(d.public_key->to_base64(), kKeyB);
  EXPECT_EQ(d.fwmark, 0x42u);
  ASSERT_EQ(d.peers.size(), 1u);
  EXPECT_EQ(d.peers[0].public_key.to_base64(), kKeyA);
  EXPECT_EQ(d.peers[0].endpoint, endpoint("[fd00:aa::1]:51820"));
  EXPECT_EQ(d.peers[0].last_handshake_unix_ns, 1795576652LL * 1'000'000'000 + 138864001);
  EXPECT_EQ(d.peers[0].rx_bytes, 756u);
  EXPECT_EQ(d.peers[0].tx_bytes, 668u);
}

TEST(UapiParse, RecordedFreshDevice) {
  auto r = parse_get_reply(recorded("uapi_get_empty.txt"));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_FALSE(r->device.private_key);
  EXPECT_FALSE(r->device.public_key);
  EXPECT_EQ(r->device.listen_port, 50189);
  EXPECT_TRUE(r->device.peers.empty());
}

TEST(UapiParse, ErrnoIsReturnedPositive) {
  auto get = parse_get_reply("errno=-19\n\n");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->error, 19);
  auto set = parse_set_reply("errno=-22\n\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->error, 22);
  auto ok = parse_set_reply("errno=0\n");  // the final blank line is optional
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error, 0);
}

TEST(UapiParse, UnknownKeysAreSkippedAndZonesDropped) {
  const std::string hex(64, '1');
  auto r = parse_get_reply("jc=4\nlisten_port=1\npublic_key=" + hex +
                           "\nendpoint=[fe80::1%veth0]:51820\nfuture_key=x\nerrno=0\n\n");
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_EQ(r->device.peers.size(), 1u);
  EXPECT_EQ(r->device.peers[0].endpoint, endpoint("[fe80::1]:51820"));
}

TEST(UapiParse, MalformedInputNamesLineAndKey) {
  const std::string key = "public_key=" + std::string(64, 'a') + "\n";
  struct Case {
    std::string text;
    std::string expect;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"listen_port\nerrno=0\n\n", "line 1: key \"listen_port\": expected key=value"},
      {"listen_port=70000\nerrno=0\n\n", "line 1: key \"listen_port\": not a port"},
      {"listen_port=-1\nerrno=0\n\n", "not a port"},
      {"listen_port= 1\nerrno=0\n\n", "not a port"},
      {"private_key=abc\nerrno=0\n\n", "line 1: key \"private_key\": expected 64 hex"},
      {"public_key=" + std::string(64, 'g') + "\nerrno=0\n\n", "key \"public_key\""},
      {"endpoint=1.2.3.4:5\nerrno=0\n\n", "a peer key before any public_key line"},
      {key + "endpoint=fd00::1:51820\nerrno=0\n\n", "line 2: key \"endpoint\": not an endpoint"},
      {key + "endpoint=[fd00::1]:0\nerrno=0\n\n", "not an endpoint"},
      {key + "allowed_ip=fd00::zz/64\nerrno=0\n\n", "line 2: key \"allowed_ip\": not a prefix"},
      {key + "allowed_ip=10.0.0.0/33\nerrno=0\n\n", "not a prefix"},
      {key + "last_handshake_time_nsec=1000000000\nerrno=0\n\n", "below 10^9"},
      {key + "last_handshake_time_sec=99999999999999999999\nerrno=0\n\n", "seconds"},
      {key + "rx_bytes=18446744073709551616\nerrno=0\n\n", "64-bit"},
      {key + "persistent_keepalive_interval=65536\nerrno=0\n\n", "16-bit"},
      {key + "listen_port=1\nerrno=0\n\n", "a device key inside a peer's section"},
      {key + key + "errno=0\n\n", "appears twice"},
      {"listen_port=1\n", "without an errno line"},
      {"", "without an errno line"},
      {"errno=x\n\n", "expected an errno number"},
      {"errno=0\n\nlisten_port=1\n", "text after the errno line"},
  };
  for (const Case& c : cases) {
    auto r = parse_get_reply(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << "input:\n"
        << c.text << "message: " << r.status().message();
  }
  auto set = parse_set_reply("listen_port=1\nerrno=0\n\n");
  ASSERT_FALSE(set);
  EXPECT_NE(set.status().message().find("only errno"), std::string::npos);
}

TEST(UapiParse, ReplyCompleteAtBlankLine) {
  EXPECT_FALSE(uapi_reply_complete(""));
  EXPECT_FALSE(uapi_reply_complete("errno=0\n"));
  EXPECT_TRUE(uapi_reply_complete("errno=0\n\n"));
  EXPECT_TRUE(uapi_reply_complete("listen_port=1\nerrno=0\n\n"));
}

PeerChange peer_change(const char* key) {
  PeerChange c;
  c.public_key = pub(key);
  return c;
}

TEST(UapiFormat, WholeDeviceSet) {
  DeviceChange c;
  std::array<uint8_t, 32> r{};
  r.fill(3);
  c.private_key = PrivateKey::from_random(r);
  c.listen_port = 51820;
  c.fwmark = 66;
  c.replace_peers = true;
  PeerChange b = peer_change(kKeyB);
  b.endpoint = endpoint("[fd00:aa::2]:51821");
  b.persistent_keepalive = 25;
  b.clear_preshared_key = true;
  b.replace_allowed_ips = true;
  b.allowed_ips = {prefix("10.9.0.0/24"), prefix("fd01::2/128")};
  PeerChange gone = peer_change(kKeyC);
  gone.remove = true;
  gone.endpoint = endpoint("1.2.3.4:5");  // ignored: the peer goes
  c.peers = {b, gone};
  const std::string zeros(64, '0');
  EXPECT_EQ(format_set_request(c),
            "set=1\n"
            "private_key=" +
                to_hex(c.private_key->bytes.data(), 32) +
                "\n"
                "listen_port=51820\n"
                "fwmark=66\n"
                "replace_peers=true\n"
                "public_key=7c7741973415945db491120beb13a9680d7e4386ae7b4f6ed5dd23e03bb6455f\n"
                "preshared_key=" +
                zeros +
                "\n"
                "endpoint=[fd00:aa::2]:51821\n"
                "persistent_keepalive_interval=25\n"
                "replace_allowed_ips=true\n"
                "allowed_ip=10.9.0.0/24\n"
                "allowed_ip=fd01::2/128\n"
                "public_key=e595e6f04fb1203c1bbd67aaf3621a1707ee8f0b355727dd325a25382666d035\n"
                "remove=true\n"
                "\n");
}

TEST(UapiFormat, OnePeerChangeNamesOnlyThatPeer) {
  DeviceChange c;
  PeerChange b = peer_change(kKeyB);
  b.persistent_keepalive = 0;               // turning keepalive off is sent as 0
  b.allowed_ips = {prefix("fd01::9/128")};  // an addition: no replace
  c.peers = {b};
  EXPECT_EQ(format_set_request(c),
            "set=1\n"
            "public_key=7c7741973415945db491120beb13a9680d7e4386ae7b4f6ed5dd23e03bb6455f\n"
            "persistent_keepalive_interval=0\n"
            "allowed_ip=fd01::9/128\n"
            "\n");
}

TEST(UapiFormat, SingleAllowedIpRemovalIsRefused) {
  DeviceChange c;
  PeerChange b = peer_change(kKeyB);
  b.remove_allowed_ips = {prefix("fd01::9/128")};
  c.peers = {peer_change(kKeyC), b};
  Status s = validate_for_uapi(c);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported);
  EXPECT_NE(s.message().find("peer 1"), std::string::npos) << s.message();
  c.peers[1].remove = true;  // removing the whole peer is fine
  EXPECT_TRUE(validate_for_uapi(c));
}

// What the formatter writes, the parser reads: a device's set text turned into a get reply.
TEST(UapiFormat, SetTextReadsBackAsGetReply) {
  DeviceChange c;
  c.listen_port = 4000;
  PeerChange b = peer_change(kKeyB);
  b.endpoint = endpoint("[fd00::7]:9");
  b.allowed_ips = {prefix("fd01::2/128"), prefix("10.0.0.0/8")};
  c.peers = {b};
  std::string text = format_set_request(c).substr(6);  // drop "set=1\n"
  text.pop_back();                                     // and the blank line
  auto r = parse_get_reply(text + "errno=0\n\n");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->device, applied(DeviceState{}, c));
}

}  // namespace
}  // namespace smeg::backends
