// Building of WG_CMD_SET_DEVICE messages (netlink_wire.h): one peer gives one peer, large sets
// split under the size limit with flags only in first fragments, and what is built parses
// back to the device a kernel would hold. Also the controller replies (family id, policy).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "backends/netlink_attr.h"
#include "backends/netlink_test_util.h"
#include "backends/netlink_wire.h"

namespace smeg::backends {
namespace {

using nlattr_read::Attr;
using nlattr_read::for_each_attr;
using testing::concat;
using testing::done_message;
using testing::key_of;
using testing::make_device;

constexpr uint16_t kFamily = 0x1b;

// What one set message carries, read back with the same bounds-checked reader as the parser.
struct PeerFragment {
  PublicKey key;
  std::optional<uint32_t> flags;
  bool endpoint = false;
  std::vector<std::pair<Prefix, uint32_t>> ips;  // prefix, WGALLOWEDIP flags (0: none)
};
struct Inspected {
  std::string ifname;
  std::optional<uint32_t> device_flags;
  bool private_key = false;
  std::vector<PeerFragment> peers;
};

Inspected inspect(const std::vector<uint8_t>& m) {
  Inspected out;
  EXPECT_GE(m.size(), 20u);
  EXPECT_EQ(m[16], WG_CMD_SET_DEVICE);
  auto attrs = std::span<const uint8_t>(m).subspan(20);
  EXPECT_TRUE(for_each_attr(attrs, [&](const Attr& a) {
    if (a.type == WGDEVICE_A_IFNAME) out.ifname.assign(a.payload.begin(), a.payload.end() - 1);
    if (a.type == WGDEVICE_A_FLAGS) out.device_flags = a.as<uint32_t>();
    if (a.type == WGDEVICE_A_PRIVATE_KEY) out.private_key = true;
    if (a.type != WGDEVICE_A_PEERS) return true;
    return for_each_attr(a.payload, [&](const Attr& p) {
      PeerFragment f;
      return for_each_attr(
                 p.payload,
                 [&](const Attr& x) {
                   if (x.type == WGPEER_A_PUBLIC_KEY)
                     std::copy_n(x.payload.begin(), 32, f.key.bytes.begin());
                   if (x.type == WGPEER_A_FLAGS) f.flags = x.as<uint32_t>();
                   if (x.type == WGPEER_A_ENDPOINT) f.endpoint = true;
                   if (x.type == WGPEER_A_ALLOWEDIPS) {
                     for_each_attr(x.payload, [&](const Attr& ip) {
                       IpAddr addr;
                       uint8_t len = 0;
                       uint32_t flags = 0;
                       for_each_attr(ip.payload, [&](const Attr& y) {
                         if (y.type == WGALLOWEDIP_A_FAMILY && *y.as<uint16_t>() == AF_INET) {
                           addr.family = IpAddr::Family::kV4;
                         }
                         if (y.type == WGALLOWEDIP_A_IPADDR)
                           std::copy(y.payload.begin(), y.payload.end(), addr.bytes.begin());
                         if (y.type == WGALLOWEDIP_A_CIDR_MASK) len = *y.as<uint8_t>();
                         if (y.type == kAllowedIpAttrFlags) flags = *y.as<uint32_t>();
                         return true;
                       });
                       f.ips.emplace_back(Prefix{addr, len}, flags);
                       return true;
                     });
                   }
                   return true;
                 }) &&
             (out.peers.push_back(f), true);
    });
  }));
  return out;
}

// Parses set messages as if they were a dump (the attribute trees are the same).
Result<DeviceState> parse_as_dump(SetMessages built) {
  for (auto& m : built.messages) m[16] = WG_CMD_GET_DEVICE;
  built.messages.push_back(done_message());
  return parse_device_dump(concat(built.messages));
}

TEST(NetlinkSet, OnePeerChangeGivesOneMessageWithOnePeer) {
  DeviceChange c;
  PeerChange p;
  p.public_key = key_of(42);
  p.endpoint = Endpoint::parse("[2001:db8::1]:51820").value();
  c.peers.push_back(p);
  auto built = build_set_messages(kFamily, "wg0", c, 8192);
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  ASSERT_EQ(built->messages.size(), 1u);
  EXPECT_EQ(built->peers_started, std::vector<size_t>{1});
  const Inspected m = inspect(built->messages[0]);
  EXPECT_EQ(m.ifname, "wg0");
  EXPECT_FALSE(m.device_flags);
  EXPECT_FALSE(m.private_key);
  ASSERT_EQ(m.peers.size(), 1u);
  EXPECT_EQ(m.peers[0].key, key_of(42));
  EXPECT_FALSE(m.peers[0].flags);  // no replace: the peer's allowed IPs stay
  EXPECT_TRUE(m.peers[0].endpoint);
}

TEST(NetlinkSet, ThreeThousandPeersSplitUnderTheLimitWithFlagsInTheFirstMessageOnly) {
  const DeviceState d = make_device(3000, 3);
  const DeviceChange c = full_set(d);
  for (size_t limit : {size_t{4096}, size_t{8192}, size_t{32768}, size_t{1} << 20}) {
    SCOPED_TRACE(limit);
    auto built = build_set_messages(kFamily, d.name, c, limit);
    ASSERT_TRUE(built.is_ok()) << built.status().to_string();
    ASSERT_GT(built->messages.size(), 1u);
    std::set<PublicKey> peers;  // a peer at a message's end may continue in the next
    size_t started = 0;
    for (size_t i = 0; i < built->messages.size(); ++i) {
      EXPECT_LE(built->messages[i].size(), std::min<size_t>(limit, 0xffff));  // u16 nests
      const Inspected m = inspect(built->messages[i]);
      EXPECT_EQ(m.ifname, d.name);
      EXPECT_EQ(m.device_flags.has_value(), i == 0);
      EXPECT_EQ(m.private_key, i == 0);
      for (const PeerFragment& f : m.peers) peers.insert(f.key);
      started += built->peers_started[i];
    }
    EXPECT_EQ(peers.size(), 3000u);
    EXPECT_EQ(started, 3000u);
    auto back = parse_as_dump(*built);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back->peers, applied(DeviceState{}, c).peers);
  }
}

TEST(NetlinkSet, APeerSplitAcrossMessagesReplacesItsAllowedIpsOnlyInItsFirstFragment) {
  DeviceState d = make_device(3, 1);
  d.peers[1] = testing::make_peer(2, 1000);
  const DeviceChange c = full_set(d);
  auto built = build_set_messages(kFamily, d.name, c, 4096);
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  std::vector<PeerFragment> fragments;
  for (const auto& bytes : built->messages) {
    EXPECT_LE(bytes.size(), 4096u);
    for (const PeerFragment& f : inspect(bytes).peers) fragments.push_back(f);
  }
  size_t ips = 0, seen = 0;
  for (const PeerFragment& f : fragments) {
    if (f.key != d.peers[1].public_key) continue;
    EXPECT_EQ(f.flags.has_value(), seen == 0);
    if (f.flags) {
      EXPECT_EQ(*f.flags, uint32_t{WGPEER_F_REPLACE_ALLOWEDIPS});
    }
    EXPECT_EQ(f.endpoint, seen == 0);
    EXPECT_FALSE(f.ips.empty());
    ips += f.ips.size();
    ++seen;
  }
  EXPECT_GT(seen, 1u);
  EXPECT_EQ(ips, d.peers[1].allowed_ips.size());
  size_t started = 0;
  for (size_t n : built->peers_started) started += n;
  EXPECT_EQ(started, 3u);  // the split peer counts once
  auto back = parse_as_dump(*built);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->peers, applied(DeviceState{}, c).peers);
}

TEST(NetlinkSet, RemovalsCarryTheRemoveFlagAfterTheAdditions) {
  DeviceChange c;
  PeerChange p;
  p.public_key = key_of(1);
  p.allowed_ips = {*Prefix::parse("fd00::1/128")};
  p.remove_allowed_ips = {*Prefix::parse("fd00::2/128"), *Prefix::parse("10.1.0.0/16")};
  c.peers.push_back(p);
  PeerChange gone;
  gone.public_key = key_of(2);
  gone.remove = true;
  gone.endpoint = Endpoint::parse("192.0.2.1:1").value();  // ignored for a removal
  c.peers.push_back(gone);
  auto built = build_set_messages(kFamily, "wg0", c, 8192);
  ASSERT_TRUE(built.is_ok());
  const Inspected m = inspect(built->messages.at(0));
  ASSERT_EQ(m.peers.size(), 2u);
  ASSERT_EQ(m.peers[0].ips.size(), 3u);
  EXPECT_EQ(m.peers[0].ips[0], std::pair(*Prefix::parse("fd00::1/128"), uint32_t{0}));
  EXPECT_EQ(m.peers[0].ips[1].second, kAllowedIpFlagRemoveMe);
  EXPECT_EQ(m.peers[0].ips[2], std::pair(*Prefix::parse("10.1.0.0/16"), kAllowedIpFlagRemoveMe));
  EXPECT_EQ(m.peers[1].flags, uint32_t{WGPEER_F_REMOVE_ME});
  EXPECT_FALSE(m.peers[1].endpoint);
}

TEST(NetlinkSet, ALimitTooSmallIsAnErrorNotAnOverrun) {
  const DeviceChange c = full_set(make_device(2, 2));
  for (size_t limit : {size_t{0}, size_t{16}, size_t{40}, size_t{100}}) {
    auto built = build_set_messages(kFamily, "wg0", c, limit);
    ASSERT_FALSE(built.is_ok()) << limit;
    EXPECT_EQ(built.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(built.status().message().find("fit in a message"), std::string::npos);
  }
}

// Controller replies, laid out as the kernel sends them.
std::vector<uint8_t> ctrl_message(const std::function<void(nlmsghdr*)>& fill) {
  std::vector<uint8_t> buf(4096);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = GENL_ID_CTRL;
  static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)))->cmd =
      CTRL_CMD_NEWFAMILY;
  fill(nlh);
  buf.resize(nlh->nlmsg_len);
  return buf;
}

TEST(NetlinkCtrl, FindsTheFamilyByName) {
  auto family = [](uint16_t id, const char* name) {
    return ctrl_message([&](nlmsghdr* n) {
      mnl_attr_put_u16(n, CTRL_ATTR_FAMILY_ID, id);
      mnl_attr_put_strz(n, CTRL_ATTR_FAMILY_NAME, name);
    });
  };
  const std::vector<std::vector<uint8_t>> msgs = {family(16, "nlctrl"), family(33, "wireguard")};
  EXPECT_EQ(*find_family_id(msgs, "wireguard"), 33);
  EXPECT_EQ(find_family_id(msgs, "wireguar").status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(find_family_id({std::vector<uint8_t>(7, 0xff)}, "wireguard").is_ok());
}

// A policy dump: the set command's policy links PEERS to policy 1, which links ALLOWEDIPS to
// policy 2; policy 2 lists `allowed_ip_attrs`.
std::vector<std::vector<uint8_t>> policy_dump(bool linked, std::vector<uint16_t> allowed_ip_attrs) {
  auto policy = [](uint32_t idx, std::map<uint16_t, std::optional<uint32_t>> attrs) {
    return ctrl_message([&](nlmsghdr* n) {
      nlattr* all = mnl_attr_nest_start(n, CTRL_ATTR_POLICY);
      nlattr* p = mnl_attr_nest_start(n, static_cast<uint16_t>(idx));
      for (auto [type, nested] : attrs) {
        nlattr* a = mnl_attr_nest_start(n, type);
        mnl_attr_put_u32(n, NL_POLICY_TYPE_ATTR_TYPE, nested ? NL_ATTR_TYPE_NESTED_ARRAY : 3);
        if (nested) mnl_attr_put_u32(n, NL_POLICY_TYPE_ATTR_POLICY_IDX, *nested);
        mnl_attr_nest_end(n, a);
      }
      mnl_attr_nest_end(n, p);
      mnl_attr_nest_end(n, all);
    });
  };
  std::vector<std::vector<uint8_t>> out;
  out.push_back(ctrl_message([](nlmsghdr* n) {
    nlattr* ops = mnl_attr_nest_start(n, CTRL_ATTR_OP_POLICY);
    nlattr* op = mnl_attr_nest_start(n, WG_CMD_SET_DEVICE);
    mnl_attr_put_u32(n, CTRL_ATTR_POLICY_DO, 0);
    mnl_attr_nest_end(n, op);
    mnl_attr_nest_end(n, ops);
  }));
  using Attrs = std::map<uint16_t, std::optional<uint32_t>>;
  out.push_back(policy(0, linked ? Attrs{{WGDEVICE_A_IFNAME, {}}, {WGDEVICE_A_PEERS, 1}}
                                 : Attrs{{WGDEVICE_A_IFNAME, {}}, {WGDEVICE_A_PEERS, {}}}));
  out.push_back(policy(1, Attrs{{WGPEER_A_PUBLIC_KEY, {}}, {WGPEER_A_ALLOWEDIPS, 2}}));
  Attrs ips;
  for (uint16_t a : allowed_ip_attrs) ips[a] = std::nullopt;
  out.push_back(policy(2, ips));
  return out;
}

TEST(NetlinkCtrl, AllowedIpRemovalIsDetectedFromTheKernelsPolicyOnly) {
  EXPECT_TRUE(allowed_ip_flags_in_policy(policy_dump(true, {1, 2, 3, kAllowedIpAttrFlags})));
  EXPECT_FALSE(allowed_ip_flags_in_policy(policy_dump(true, {1, 2, 3})));  // 6.1-like
  // Peers not linked to a nested policy (kernels before the policies were linked): unknown.
  EXPECT_FALSE(allowed_ip_flags_in_policy(policy_dump(false, {1, 2, 3, kAllowedIpAttrFlags})));
  EXPECT_FALSE(allowed_ip_flags_in_policy({}));
  EXPECT_FALSE(allowed_ip_flags_in_policy({std::vector<uint8_t>(40, 0xff)}));
}

}  // namespace
}  // namespace smeg::backends
