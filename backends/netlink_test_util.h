// Helpers for the netlink unit tests: devices of many peers, and dump messages laid out the way
// the kernel lays them out (device attributes in the first message only; a peer whose allowed
// IPs do not fit continues in the next message with its key and allowed IPs only).
#pragma once

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "backends/device.h"

namespace smeg::backends {

// Readable failures: a peer as `wg show dump` would print it.
inline void PrintTo(const PeerState& p, std::ostream* os) {
  *os << p.public_key.to_base64() << " " << (p.endpoint ? p.endpoint->to_string() : "(none)")
      << " ka=" << p.persistent_keepalive << " v" << p.protocol_version
      << " psk=" << p.has_preshared_key << " ips=";
  for (const Prefix& x : p.allowed_ips) *os << x.to_string() << ",";
}

}  // namespace smeg::backends

namespace smeg::backends::testing {

inline PublicKey key_of(uint32_t i) {
  PublicKey k;
  for (int b = 0; b < 4; ++b) k.bytes[b] = static_cast<uint8_t>(i >> (24 - 8 * b));
  k.bytes[31] = 0x5a;  // never all zeros
  return k;
}

inline Prefix v6_host(uint32_t peer, uint32_t n) {
  std::array<uint8_t, 16> b{0xfd, 0x00, 0x5e, 0x11};
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<uint8_t>(peer >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) b[12 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  return Prefix::host(IpAddr::v6(b));
}

// A peer as the kernel reports a fresh one: protocol version 1, an endpoint, `ips` allowed IPs
// (sorted), every third with a keepalive.
inline PeerState make_peer(uint32_t i, uint32_t ips) {
  PeerState p;
  p.public_key = key_of(i);
  p.endpoint = Endpoint{IpAddr::v4(192, 0, 2, static_cast<uint8_t>(i % 250 + 1)),
                        static_cast<uint16_t>(51820 + i % 100)};
  p.persistent_keepalive = i % 3 == 0 ? 25 : 0;
  for (uint32_t n = 0; n < ips; ++n) p.allowed_ips.push_back(v6_host(i, n));
  if (i % 5 == 0) {  // some IPv4 too, one prefix per peer as WireGuard keeps it
    p.allowed_ips.push_back(*Prefix::make(
        IpAddr::v4(10, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0), 24));
  }
  std::sort(p.allowed_ips.begin(), p.allowed_ips.end());
  p.protocol_version = 1;
  return p;
}

inline DeviceState make_device(uint32_t peers, uint32_t ips_per_peer) {
  DeviceState d;
  d.name = "wgtest0";
  d.private_key = PrivateKey::from_random(std::array<uint8_t, 32>{7, 7, 7});
  d.public_key = d.private_key->public_key();
  d.listen_port = 51820;
  for (uint32_t i = 1; i <= peers; ++i) d.peers.push_back(make_peer(i, ips_per_peer));
  return d;
}

// One message of a dump under construction.
class DumpMessage {
 public:
  explicit DumpMessage(size_t size = 16384, uint8_t cmd = WG_CMD_GET_DEVICE) : buf_(size) {
    nlh_ = mnl_nlmsg_put_header(buf_.data());
    nlh_->nlmsg_type = 0x20;  // any family id: the parser does not know it
    nlh_->nlmsg_flags = NLM_F_MULTI;
    auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(genlmsghdr)));
    g->cmd = cmd;
    g->version = WG_GENL_VERSION;
  }
  nlmsghdr* nlh() { return nlh_; }

  void device(const DeviceState& d) {
    mnl_attr_put_u32(nlh_, WGDEVICE_A_IFINDEX, 7);
    mnl_attr_put_strz(nlh_, WGDEVICE_A_IFNAME, d.name.c_str());
    if (d.private_key) mnl_attr_put(nlh_, WGDEVICE_A_PRIVATE_KEY, 32, d.private_key->bytes.data());
    if (d.public_key) mnl_attr_put(nlh_, WGDEVICE_A_PUBLIC_KEY, 32, d.public_key->bytes.data());
    mnl_attr_put_u16(nlh_, WGDEVICE_A_LISTEN_PORT, d.listen_port);
    mnl_attr_put_u32(nlh_, WGDEVICE_A_FWMARK, d.fwmark);
  }
  void name_only(const std::string& name) {
    mnl_attr_put_strz(nlh_, WGDEVICE_A_IFNAME, name.c_str());
  }

  void open_peers() { peers_ = mnl_attr_nest_start(nlh_, WGDEVICE_A_PEERS); }
  // Allowed IPs [from, to) of `p`; the other attributes only if `head`.
  void peer(const PeerState& p, size_t from, size_t to, bool head) {
    nlattr* n = mnl_attr_nest_start(nlh_, 0);
    mnl_attr_put(nlh_, WGPEER_A_PUBLIC_KEY, 32, p.public_key.bytes.data());
    if (head) {
      static const uint8_t kZero[32] = {};
      mnl_attr_put(nlh_, WGPEER_A_PRESHARED_KEY, 32, kZero);
      if (p.endpoint) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(p.endpoint->port);
        std::memcpy(&sa.sin_addr, p.endpoint->addr.bytes.data(), 4);
        mnl_attr_put(nlh_, WGPEER_A_ENDPOINT, sizeof sa, &sa);
      }
      mnl_attr_put_u16(nlh_, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p.persistent_keepalive);
      const int64_t ts[2] = {0, 0};
      mnl_attr_put(nlh_, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof ts, ts);
      mnl_attr_put_u64(nlh_, WGPEER_A_RX_BYTES, p.rx_bytes);
      mnl_attr_put_u64(nlh_, WGPEER_A_TX_BYTES, p.tx_bytes);
      mnl_attr_put_u32(nlh_, WGPEER_A_PROTOCOL_VERSION, p.protocol_version);
    }
    nlattr* ips = mnl_attr_nest_start(nlh_, WGPEER_A_ALLOWEDIPS);
    for (size_t i = from; i < to; ++i) allowed_ip(p.allowed_ips[i]);
    mnl_attr_nest_end(nlh_, ips);
    mnl_attr_nest_end(nlh_, n);
  }
  void allowed_ip(const Prefix& x) {
    nlattr* a = mnl_attr_nest_start(nlh_, 0);
    const bool v6 = x.addr.is_v6();
    mnl_attr_put_u16(nlh_, WGALLOWEDIP_A_FAMILY, v6 ? AF_INET6 : AF_INET);
    mnl_attr_put(nlh_, WGALLOWEDIP_A_IPADDR, v6 ? 16 : 4, x.addr.bytes.data());
    mnl_attr_put_u8(nlh_, WGALLOWEDIP_A_CIDR_MASK, x.len);
    mnl_attr_nest_end(nlh_, a);
  }
  std::vector<uint8_t> bytes() {
    if (peers_) mnl_attr_nest_end(nlh_, peers_);
    peers_ = nullptr;
    return std::vector<uint8_t>(buf_.begin(), buf_.begin() + nlh_->nlmsg_len);
  }

 private:
  std::vector<uint8_t> buf_;
  nlmsghdr* nlh_;
  nlattr* peers_ = nullptr;
};

inline std::vector<uint8_t> done_message(int32_t code = 0) {
  std::vector<uint8_t> m(20, 0);
  const uint32_t len = 20;
  const uint16_t type = NLMSG_DONE;
  std::memcpy(m.data(), &len, 4);
  std::memcpy(m.data() + 4, &type, 2);
  std::memcpy(m.data() + 16, &code, 4);
  return m;
}

inline std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
    out.resize((out.size() + 3) & ~size_t{3}, 0);
  }
  return out;
}

// The whole device as the kernel would dump it: up to `per_message` peer fragments of at most
// `ips_per_fragment` allowed IPs each per message.
inline std::vector<uint8_t> kernel_dump(const DeviceState& d, size_t per_message,
                                        size_t ips_per_fragment) {
  std::vector<std::vector<uint8_t>> msgs;
  DumpMessage m;
  m.device(d);
  m.open_peers();
  size_t in_message = 0;
  for (const PeerState& p : d.peers) {
    size_t from = 0;
    do {
      if (in_message == per_message) {
        msgs.push_back(m.bytes());
        m = DumpMessage();
        m.name_only(d.name);
        m.open_peers();
        in_message = 0;
      }
      const size_t to = std::min(p.allowed_ips.size(), from + ips_per_fragment);
      m.peer(p, from, to, from == 0);
      ++in_message;
      from = to;
    } while (from < p.allowed_ips.size());
  }
  msgs.push_back(m.bytes());
  msgs.push_back(done_message());
  return concat(msgs);
}

}  // namespace smeg::backends::testing
