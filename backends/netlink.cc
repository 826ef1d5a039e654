#include "backends/netlink.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include <cerrno>
#include <functional>

#include "backends/netlink_wire.h"
#include "backends/rtnl.h"

namespace smeg::backends {
namespace {

// A refused request comes back inside the error reply (struct nlmsgerr quotes the whole
// request unless the socket asks for capped acks), so a set message may only be as large as
// the receive buffer minus the reply's own headers: otherwise the reply is truncated and the
// kernel's errno is lost behind ENOSPC.
constexpr size_t kErrorReplyOverhead = NLMSG_HDRLEN + sizeof(nlmsgerr);

// A generic netlink request header in `buf` (which must hold any message we build).
nlmsghdr* genl_header(std::vector<char>& buf, NlSocket& nl, uint16_t type, uint16_t flags,
                      uint8_t cmd, uint8_t version) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = nl.next_seq();
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
  genl->cmd = cmd;
  genl->version = version;
  return nlh;
}

std::vector<uint8_t> copy_message(const nlmsghdr* nlh) {
  const auto* p = reinterpret_cast<const uint8_t*>(nlh);
  return std::vector<uint8_t>(p, p + nlh->nlmsg_len);
}

// Every message of a controller dump, kept as bytes for the pure parsers.
Result<std::vector<std::vector<uint8_t>>> ctrl_dump(NlSocket& nl, uint8_t cmd,
                                                    const std::function<void(nlmsghdr*)>& attrs,
                                                    const std::string& what) {
  std::vector<char> buf = nl.buffer();
  nlmsghdr* nlh =
      genl_header(buf, nl, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, cmd, 1);
  if (attrs) attrs(nlh);
  std::vector<std::vector<uint8_t>> out;
  Status s = nl.dump(
      nlh,
      [&](const nlmsghdr* m) {
        out.push_back(copy_message(m));
        return true;
      },
      what);
  if (!s) return s;
  return out;
}

Result<uint16_t> resolve_family(NlSocket& nl) {
  auto families = ctrl_dump(nl, CTRL_CMD_GETFAMILY, nullptr, "netlink: list generic families");
  if (!families) return families.status();
  auto id = find_family_id(*families, WG_GENL_NAME);
  if (!id) {
    return Status::unsupported(
        "kernel WireGuard is not available (no 'wireguard' generic netlink family)");
  }
  return *id;
}

// See allowed_ip_flags_in_policy() for why the policy and not a probe. Kernels without policy
// dumps (before 5.8) answer with an error: they predate the flag as well.
bool detect_allowed_ip_removal(NlSocket& nl, uint16_t family) {
  auto policy = ctrl_dump(
      nl, CTRL_CMD_GETPOLICY,
      [family](nlmsghdr* nlh) { mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, family); },
      "netlink: wireguard policy");
  return policy.is_ok() && allowed_ip_flags_in_policy(*policy);
}

}  // namespace

NetlinkBackend::NetlinkBackend(std::unique_ptr<NlSocket> genl, std::unique_ptr<Rtnl> rtnl,
                               uint16_t family, bool can_remove_allowed_ip)
    : genl_(std::move(genl)),
      rtnl_(std::move(rtnl)),
      family_(family),
      can_remove_allowed_ip_(can_remove_allowed_ip),
      max_message_bytes_(genl_->buffer().size() - kErrorReplyOverhead) {}

NetlinkBackend::~NetlinkBackend() = default;

Result<std::unique_ptr<NetlinkBackend>> NetlinkBackend::open() {
  auto genl = NlSocket::open(NETLINK_GENERIC);
  if (!genl) return genl.status();
  auto family = resolve_family(**genl);
  if (!family) return family.status();
  const bool removal = detect_allowed_ip_removal(**genl, *family);
  auto rtnl = Rtnl::open();
  if (!rtnl) return rtnl.status();
  return std::unique_ptr<NetlinkBackend>(
      new NetlinkBackend(std::move(*genl), std::move(*rtnl), *family, removal));
}

bool NetlinkBackend::available() {
  auto genl = NlSocket::open(NETLINK_GENERIC);
  return genl.is_ok() && resolve_family(**genl).is_ok();
}

Result<std::vector<std::string>> NetlinkBackend::list_devices() {
  return rtnl_->links_of_kind("wireguard");
}

Result<DeviceState> NetlinkBackend::get_device(const std::string& ifname) {
  // A set by someone else during our dump marks it inconsistent (NLM_F_DUMP_INTR, reported as
  // EINTR): read again, as wg(8) does. NlSocket stops reading at an error and may leave the
  // rest of a dump queued, so a failed dump also gets a fresh socket: stale replies must not
  // answer the next request.
  const Status interrupted = errno_status(ifname + ": get device", EINTR);
  stats_.device_reads++;
  for (int attempt = 1;; ++attempt) {
    auto device = read_device(ifname);
    if (device) return device;
    if (auto fresh = NlSocket::open(NETLINK_GENERIC)) genl_ = std::move(*fresh);
    if (attempt == 3 || device.status().message() != interrupted.message()) return device;
  }
}

Result<DeviceState> NetlinkBackend::read_device(const std::string& ifname) {
  std::vector<char> buf = genl_->buffer();
  nlmsghdr* nlh = genl_header(buf, *genl_, family_, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
                              WG_CMD_GET_DEVICE, WG_GENL_VERSION);
  mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname.c_str());
  DeviceDumpParser parser;
  Status parse_error;
  Status s = genl_->dump(
      nlh,
      [&](const nlmsghdr* m) {
        if (!parse_error) return false;  // keep the first error; the socket drains the rest
        parse_error =
            parser.add(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(m), m->nlmsg_len));
        return parse_error.is_ok();
      },
      ifname + ": get device");
  if (!parse_error) return Status::corruption(ifname + ": get device: " + parse_error.message());
  if (!s) return s;
  auto device = parser.finish();
  if (!device) return Status::corruption(ifname + ": get device: " + device.status().message());
  if (device->name != ifname) {
    return Status::corruption(ifname + ": get device: the kernel answered for '" + device->name +
                              "'");
  }
  own_keys_[ifname] = device->public_key;
  return device;
}

Result<std::optional<PublicKey>> NetlinkBackend::own_public_key(const std::string& ifname) {
  if (auto it = own_keys_.find(ifname); it != own_keys_.end()) return it->second;
  auto device = get_device(ifname);
  if (!device) return device.status();
  return device->public_key;
}

Status NetlinkBackend::set_device(const std::string& ifname, const DeviceChange& change) {
  if (change.empty()) return Status::ok();
  std::optional<PublicKey> own;
  if (change.private_key) {
    // The kernel takes the key before the peers: a peer is compared with the new identity.
    if (!change.private_key->is_zero()) own = change.private_key->public_key();
  } else {
    auto key = own_public_key(ifname);
    if (!key) return key.status();
    own = *key;
  }
  if (Status s = validate(change, own); !s) {
    return Status::invalid_argument(ifname + ": set device: " + s.message());
  }
  if (!can_remove_allowed_ip_) {
    for (const PeerChange& p : change.peers) {
      if (!p.remove && !p.remove_allowed_ips.empty()) {
        return Status::unsupported(ifname + ": set device: this kernel cannot remove a single " +
                                   "allowed IP (peer " + p.public_key.to_base64() + ")");
      }
    }
  }
  auto built = build_set_messages(family_, ifname, change, max_message_bytes_);
  if (!built) return built.status();
  std::vector<nlmsghdr*> msgs;
  for (auto& m : built->messages) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(m.data());
    nlh->nlmsg_seq = genl_->next_seq();
    msgs.push_back(nlh);
  }
  if (change.private_key) own_keys_[ifname] = own;
  size_t failed = msgs.size();
  Status s = genl_->request_batch(msgs, ifname + ": set device", &failed);
  // Count what reached the kernel: every message up to and including a refused one.
  const size_t sent = s ? msgs.size() : failed + 1;
  stats_.set_requests++;
  stats_.set_messages += sent;
  for (size_t i = 0; i < sent; ++i) {
    stats_.set_bytes += built->messages[i].size();
    stats_.peers_sent += built->peers_started[i];
  }
  if (!s) {
    own_keys_.erase(ifname);  // unknown after a partial set: read it again next time
    if (msgs.size() > 1) {
      return Status::io_error(s.message() + " (message " + std::to_string(failed + 1) + " of " +
                              std::to_string(msgs.size()) + "; the " + std::to_string(failed) +
                              " before it were applied)");
    }
  }
  return s;
}

Status NetlinkBackend::create_interface(const std::string& ifname) {
  return rtnl_->create_link(ifname, "wireguard");
}

Status NetlinkBackend::delete_interface(const std::string& ifname) {
  own_keys_.erase(ifname);
  return rtnl_->delete_link(ifname);
}

Result<LinkState> NetlinkBackend::get_link(const std::string& ifname) {
  return rtnl_->get_link(ifname);
}

Status NetlinkBackend::add_address(const std::string& ifname, const Prefix& address) {
  return rtnl_->add_address(ifname, address);
}

Status NetlinkBackend::remove_address(const std::string& ifname, const Prefix& address) {
  return rtnl_->remove_address(ifname, address);
}

Status NetlinkBackend::set_mtu(const std::string& ifname, uint32_t mtu) {
  return rtnl_->set_mtu(ifname, mtu);
}

Status NetlinkBackend::set_up(const std::string& ifname, bool up) {
  return rtnl_->set_up(ifname, up);
}

Status NetlinkBackend::add_route(const std::string& ifname, const Prefix& destination) {
  return rtnl_->add_route(ifname, destination);
}

Status NetlinkBackend::remove_route(const std::string& ifname, const Prefix& destination) {
  return rtnl_->remove_route(ifname, destination);
}

}  // namespace smeg::backends
