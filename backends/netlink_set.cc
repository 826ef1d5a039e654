// Building WG_CMD_SET_DEVICE messages, split to a size limit (netlink_wire.h).
//
// Attributes are appended with libmnl's *_check functions, which refuse (and write nothing)
// when the attribute would not fit in the buffer. A peer fragment is written whole or rolled
// back by resetting the message length to where the fragment began, so every message that
// leaves here is well formed.
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "backends/netlink_wire.h"

namespace smeg::backends {
namespace {

struct AllowedIp {
  const Prefix* prefix;
  bool remove;
};

class SetWriter {
 public:
  SetWriter(uint16_t family, const std::string& ifname, size_t max)
      : family_(family), ifname_(ifname), max_(max) {}

  Status start(const DeviceChange* first) {
    // Never smaller than the headers, so that writing them cannot overrun; the size check
    // below still refuses a limit that leaves no room.
    buf_.assign(std::max<size_t>(max_, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(genlmsghdr))), 0);
    nlh_ = mnl_nlmsg_put_header(buf_.data());
    nlh_->nlmsg_type = family_;
    nlh_->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(genlmsghdr)));
    genl->cmd = WG_CMD_SET_DEVICE;
    genl->version = WG_GENL_VERSION;
    peers_ = nullptr;
    peers_in_message_ = 0;
    out_.peers_started.push_back(0);
    bool ok = max_ >= nlh_->nlmsg_len &&
              mnl_attr_put_strz_check(nlh_, max_, WGDEVICE_A_IFNAME, ifname_.c_str());
    const uint32_t named = nlh_->nlmsg_len;
    if (ok && first) ok = put_device(*first);
    if (!ok) {
      return Status::invalid_argument(ifname_ + ": set device: the device's own attributes do " +
                                      "not fit in a message of " + std::to_string(max_) + " bytes");
    }
    carries_device_ = nlh_->nlmsg_len > named;
    return Status::ok();
  }

  void flush() {
    if (peers_) mnl_attr_nest_end(nlh_, peers_);
    buf_.resize(nlh_->nlmsg_len);
    out_.messages.push_back(std::move(buf_));
    buf_.clear();
    nlh_ = nullptr;
  }

  // Writes peer `index`, in as many fragments (messages) as its allowed IPs need.
  Status add_peer(size_t index, const PeerChange& p) {
    std::vector<AllowedIp> ips;
    for (const Prefix& x : p.allowed_ips) ips.push_back({&x, false});
    // Removals after additions: a prefix in both ends up absent, as applied() has it.
    for (const Prefix& x : p.remove_allowed_ips) ips.push_back({&x, true});
    size_t next_ip = 0;
    bool first_fragment = true;
    for (;;) {
      const bool fresh = peers_in_message_ == 0;
      const uint32_t mark = nlh_->nlmsg_len;
      const bool opened_peers = peers_ == nullptr;
      if (opened_peers) peers_ = mnl_attr_nest_start_check(nlh_, max_, WGDEVICE_A_PEERS);
      nlattr* peer = peers_ ? mnl_attr_nest_start_check(nlh_, max_, 0) : nullptr;
      bool ok = peer && mnl_attr_put_check(nlh_, max_, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN,
                                           p.public_key.bytes.data());
      if (ok && first_fragment) ok = put_peer_head(p);
      size_t written = 0;
      if (ok && next_ip < ips.size()) {
        nlattr* list = mnl_attr_nest_start_check(nlh_, max_, WGPEER_A_ALLOWEDIPS);
        while (list && next_ip < ips.size() && put_allowed_ip(ips[next_ip])) ++next_ip, ++written;
        ok = written > 0;  // a fragment without any of its IPs waits for the next message
        if (ok) mnl_attr_nest_end(nlh_, list);
      }
      if (!ok) {
        nlh_->nlmsg_len = mark;
        if (opened_peers) peers_ = nullptr;
        if (fresh && !carries_device_) {
          return Status::invalid_argument(ifname_ + ": set device: peer " + std::to_string(index) +
                                          " (" + p.public_key.to_base64() +
                                          ") does not fit in a message of " + std::to_string(max_) +
                                          " bytes");
        }
        flush();
        if (Status s = start(nullptr); !s) return s;
        continue;
      }
      mnl_attr_nest_end(nlh_, peer);
      ++peers_in_message_;
      if (first_fragment) ++out_.peers_started.back();
      first_fragment = false;
      if (next_ip == ips.size()) return Status::ok();
      flush();  // the rest of this peer's allowed IPs continue in the next message
      if (Status s = start(nullptr); !s) return s;
    }
  }

  SetMessages take() { return std::move(out_); }

 private:
  bool put_device(const DeviceChange& c) {
    bool ok = true;
    if (c.replace_peers) {
      ok = ok && mnl_attr_put_u32_check(nlh_, max_, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
    }
    if (c.private_key) {
      ok = ok && mnl_attr_put_check(nlh_, max_, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN,
                                    c.private_key->bytes.data());
    }
    if (c.listen_port) {
      ok = ok && mnl_attr_put_u16_check(nlh_, max_, WGDEVICE_A_LISTEN_PORT, *c.listen_port);
    }
    if (c.fwmark) ok = ok && mnl_attr_put_u32_check(nlh_, max_, WGDEVICE_A_FWMARK, *c.fwmark);
    return ok;
  }

  // Everything of a peer but its key and allowed IPs: only in the peer's first fragment, so
  // that a continuation cannot replace the allowed IPs its first fragment just set.
  bool put_peer_head(const PeerChange& p) {
    uint32_t flags = 0;
    if (p.remove) flags |= WGPEER_F_REMOVE_ME;
    if (!p.remove && p.replace_allowed_ips) flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
    bool ok = !flags || mnl_attr_put_u32_check(nlh_, max_, WGPEER_A_FLAGS, flags);
    if (p.remove) return ok;
    if (p.clear_preshared_key) {
      static const uint8_t kZero[WG_KEY_LEN] = {};
      ok = ok && mnl_attr_put_check(nlh_, max_, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, kZero);
    }
    if (p.endpoint) ok = ok && put_endpoint(*p.endpoint);
    if (p.persistent_keepalive) {
      ok = ok && mnl_attr_put_u16_check(nlh_, max_, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
                                        *p.persistent_keepalive);
    }
    return ok;
  }

  bool put_endpoint(const Endpoint& e) {
    if (e.addr.is_v6()) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(e.port);
      std::memcpy(&sa.sin6_addr, e.addr.bytes.data(), 16);
      return mnl_attr_put_check(nlh_, max_, WGPEER_A_ENDPOINT, sizeof sa, &sa);
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(e.port);
    std::memcpy(&sa.sin_addr, e.addr.bytes.data(), 4);
    return mnl_attr_put_check(nlh_, max_, WGPEER_A_ENDPOINT, sizeof sa, &sa);
  }

  bool put_allowed_ip(const AllowedIp& ip) {
    const uint32_t mark = nlh_->nlmsg_len;
    nlattr* nest = mnl_attr_nest_start_check(nlh_, max_, 0);
    const bool v6 = ip.prefix->addr.is_v6();
    bool ok = nest &&
              mnl_attr_put_u16_check(nlh_, max_, WGALLOWEDIP_A_FAMILY, v6 ? AF_INET6 : AF_INET) &&
              mnl_attr_put_check(nlh_, max_, WGALLOWEDIP_A_IPADDR, v6 ? 16 : 4,
                                 ip.prefix->addr.bytes.data()) &&
              mnl_attr_put_u8_check(nlh_, max_, WGALLOWEDIP_A_CIDR_MASK, ip.prefix->len);
    if (ok && ip.remove) {
      ok = mnl_attr_put_u32_check(nlh_, max_, kAllowedIpAttrFlags, kAllowedIpFlagRemoveMe);
    }
    if (!ok) {
      nlh_->nlmsg_len = mark;
      return false;
    }
    mnl_attr_nest_end(nlh_, nest);
    return true;
  }

  const uint16_t family_;
  const std::string& ifname_;
  const size_t max_;
  std::vector<uint8_t> buf_;  // the message being built; max_ bytes until flushed
  nlmsghdr* nlh_ = nullptr;
  nlattr* peers_ = nullptr;  // WGDEVICE_A_PEERS of the message being built, once opened
  size_t peers_in_message_ = 0;
  bool carries_device_ = false;  // the message being built holds the device's own attributes
  SetMessages out_;
};

}  // namespace

Result<SetMessages> build_set_messages(uint16_t family, const std::string& ifname,
                                       const DeviceChange& change, size_t max_message_bytes) {
  // An attribute's length is 16 bits, and WGDEVICE_A_PEERS holds nearly the whole message:
  // a message above 64 KiB would overflow its nest's length (64 KiB pages make buffers that big).
  SetWriter w(family, ifname, std::min<size_t>(max_message_bytes, 0xffff));
  if (Status s = w.start(&change); !s) return s;
  for (size_t i = 0; i < change.peers.size(); ++i) {
    if (Status s = w.add_peer(i, change.peers[i]); !s) return s;
  }
  w.flush();
  return w.take();
}

}  // namespace smeg::backends
