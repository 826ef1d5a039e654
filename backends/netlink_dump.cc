// Parsing of WG_CMD_GET_DEVICE dumps (netlink_wire.h).
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <algorithm>
#include <limits>

#include "backends/netlink_attr.h"
#include "backends/netlink_wire.h"
#include "backends/nl_socket.h"

namespace smeg::backends {
namespace {

using nlattr_read::Attr;
using nlattr_read::for_each_attr;
using nlattr_read::read;

Status bad(const std::string& where, const std::string& what) {
  return Status::corruption("wireguard dump: " + where + ": " + what);
}

bool read_key(const Attr& a, Key32& key) {
  if (a.payload.size() != WG_KEY_LEN) return false;
  std::copy(a.payload.begin(), a.payload.end(), key.bytes.begin());
  return true;
}

// struct sockaddr_in or sockaddr_in6, read field by field (the kernel's layout, not ours).
std::optional<Endpoint> read_endpoint(std::span<const uint8_t> p) {
  if (p.size() < sizeof(uint16_t)) return std::nullopt;
  const auto family = read<uint16_t>(p);
  Endpoint e;
  if (family == AF_INET && p.size() >= sizeof(sockaddr_in)) {
    e.port = ntohs(read<uint16_t>(p, offsetof(sockaddr_in, sin_port)));
    e.addr.family = IpAddr::Family::kV4;
    std::copy_n(p.begin() + offsetof(sockaddr_in, sin_addr), 4, e.addr.bytes.begin());
    return e;
  }
  if (family == AF_INET6 && p.size() >= sizeof(sockaddr_in6)) {
    e.port = ntohs(read<uint16_t>(p, offsetof(sockaddr_in6, sin6_port)));
    e.addr.family = IpAddr::Family::kV6;
    std::copy_n(p.begin() + offsetof(sockaddr_in6, sin6_addr), 16, e.addr.bytes.begin());
    return e;
  }
  return std::nullopt;
}

Result<Prefix> read_allowed_ip(std::span<const uint8_t> payload) {
  std::optional<uint16_t> family;
  std::optional<uint8_t> cidr;
  std::span<const uint8_t> addr;
  bool sized = true;
  const bool ok = for_each_attr(payload, [&](const Attr& a) {
    switch (a.type) {
      case WGALLOWEDIP_A_FAMILY:
        sized = sized && (family = a.as<uint16_t>()).has_value();
        break;
      case WGALLOWEDIP_A_CIDR_MASK:
        sized = sized && (cidr = a.as<uint8_t>()).has_value();
        break;
      case WGALLOWEDIP_A_IPADDR:
        addr = a.payload;
        break;
      default:
        break;  // newer attributes (flags) are not part of a dump we rely on
    }
    return true;
  });
  if (!ok || !sized) return Status::corruption("attribute lengths");
  if (!family || !cidr) return Status::corruption("family or mask missing");
  IpAddr ip;
  if (*family == AF_INET && addr.size() == 4) {
    ip.family = IpAddr::Family::kV4;
  } else if (*family == AF_INET6 && addr.size() == 16) {
    ip.family = IpAddr::Family::kV6;
  } else {
    return Status::corruption("family " + std::to_string(*family) + " with a " +
                              std::to_string(addr.size()) + "-byte address");
  }
  std::copy(addr.begin(), addr.end(), ip.bytes.begin());
  if (*cidr > ip.bits()) return Status::corruption("mask /" + std::to_string(*cidr) + " too long");
  return Prefix::make(ip, *cidr);
}

// __kernel_timespec as nanoseconds since the epoch; nothing for values that do not fit.
std::optional<int64_t> read_timespec(std::span<const uint8_t> p) {
  if (p.size() != 2 * sizeof(int64_t)) return std::nullopt;
  const auto sec = read<int64_t>(p);
  const auto nsec = read<int64_t>(p, sizeof(int64_t));
  constexpr int64_t kNs = 1'000'000'000;
  if (nsec < 0 || nsec >= kNs || sec < 0 || sec > std::numeric_limits<int64_t>::max() / kNs - 1) {
    return std::nullopt;
  }
  return sec * kNs + nsec;
}

}  // namespace

Status DeviceDumpParser::add_peer(std::span<const uint8_t> payload, const std::string& where) {
  // The key comes first in the kernel's order, but find it wherever it is.
  PublicKey key;
  bool have_key = false;
  if (!for_each_attr(payload, [&](const Attr& a) {
        if (a.type == WGPEER_A_PUBLIC_KEY) have_key = read_key(a, key);
        return a.type != WGPEER_A_PUBLIC_KEY || have_key;
      })) {
    return bad(where, "malformed attributes or a public key that is not 32 bytes");
  }
  if (!have_key) return bad(where, "no public key");
  PeerState* peer = nullptr;
  if (have_last_ && key == last_key_) {
    peer = &device_.peers[index_[key]];  // a continuation: its allowed IPs did not fit before
  } else if (index_.count(key)) {
    return bad(where, "peer " + key.to_base64() + " appears twice, not adjacent");
  } else {
    index_[key] = device_.peers.size();
    device_.peers.emplace_back().public_key = key;
    peer = &device_.peers.back();
  }
  have_last_ = true;
  last_key_ = key;

  Status error;
  const bool ok = for_each_attr(payload, [&](const Attr& a) {
    std::optional<bool> fine;
    switch (a.type) {
      case WGPEER_A_PRESHARED_KEY: {
        Key32 psk;
        fine = read_key(a, psk);
        peer->has_preshared_key = !psk.is_zero();
        break;
      }
      case WGPEER_A_ENDPOINT:
        peer->endpoint = read_endpoint(a.payload);
        fine = peer->endpoint.has_value();
        break;
      case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
        if (auto v = a.as<uint16_t>()) peer->persistent_keepalive = *v;
        fine = a.as<uint16_t>().has_value();
        break;
      case WGPEER_A_LAST_HANDSHAKE_TIME:
        if (auto t = read_timespec(a.payload)) peer->last_handshake_unix_ns = *t;
        fine = read_timespec(a.payload).has_value();
        break;
      case WGPEER_A_RX_BYTES:
        if (auto v = a.as<uint64_t>()) peer->rx_bytes = *v;
        fine = a.as<uint64_t>().has_value();
        break;
      case WGPEER_A_TX_BYTES:
        if (auto v = a.as<uint64_t>()) peer->tx_bytes = *v;
        fine = a.as<uint64_t>().has_value();
        break;
      case WGPEER_A_PROTOCOL_VERSION:
        if (auto v = a.as<uint32_t>()) peer->protocol_version = *v;
        fine = a.as<uint32_t>().has_value();
        break;
      case WGPEER_A_ALLOWEDIPS: {
        size_t n = 0;
        fine = for_each_attr(a.payload, [&](const Attr& ip) {
          auto prefix = read_allowed_ip(ip.payload);
          if (!prefix) {
            error =
                bad(where, "allowed IP " + std::to_string(n) + ": " + prefix.status().message());
            return false;
          }
          peer->allowed_ips.push_back(*prefix);
          ++n;
          return true;
        });
        break;
      }
      default:
        return true;  // the key (read above) and attributes newer than we know
    }
    if (!*fine && error.is_ok()) {
      error = bad(where, "attribute " + std::to_string(a.type) + " has a bad length or value");
    }
    return *fine;
  });
  if (!ok) return error.is_ok() ? bad(where, "malformed attributes") : error;
  return Status::ok();
}

Status DeviceDumpParser::add(std::span<const uint8_t> message) {
  const std::string where = "message " + std::to_string(messages_++);
  if (message.size() < nlattr_read::kMsgHeader + nlattr_read::kGenlHeader) {
    return bad(where, "shorter than its headers");
  }
  const auto len = read<uint32_t>(message);
  if (len < nlattr_read::kMsgHeader + nlattr_read::kGenlHeader || len > message.size()) {
    return bad(where, "length " + std::to_string(len) + " does not match its " +
                          std::to_string(message.size()) + " bytes");
  }
  const uint8_t cmd = message[nlattr_read::kMsgHeader];
  if (cmd != WG_CMD_GET_DEVICE) return bad(where, "command " + std::to_string(cmd));
  const auto attrs = message.subspan(nlattr_read::kMsgHeader + nlattr_read::kGenlHeader,
                                     len - nlattr_read::kMsgHeader - nlattr_read::kGenlHeader);
  Status error;
  size_t peer_no = 0;
  const bool ok = for_each_attr(attrs, [&](const Attr& a) {
    bool fine = true;
    switch (a.type) {
      case WGDEVICE_A_IFNAME: {
        // NUL-terminated within its payload; every message that names the device agrees.
        const auto nul = std::find(a.payload.begin(), a.payload.end(), uint8_t{0});
        if (nul == a.payload.end()) {
          error = bad(where, "device name is not NUL-terminated");
          return false;
        }
        std::string name(a.payload.begin(), nul);
        if (named_ && name != device_.name) {
          error = bad(where, "names device '" + name + "', not '" + device_.name + "'");
          return false;
        }
        named_ = true;
        device_.name = std::move(name);
        break;
      }
      case WGDEVICE_A_PRIVATE_KEY:
        fine = read_key(a, device_.private_key.emplace());
        break;
      case WGDEVICE_A_PUBLIC_KEY:
        fine = read_key(a, device_.public_key.emplace());
        break;
      case WGDEVICE_A_LISTEN_PORT:
        if (auto v = a.as<uint16_t>()) device_.listen_port = *v;
        fine = a.as<uint16_t>().has_value();
        break;
      case WGDEVICE_A_FWMARK:
        if (auto v = a.as<uint32_t>()) device_.fwmark = *v;
        fine = a.as<uint32_t>().has_value();
        break;
      case WGDEVICE_A_PEERS:
        fine = for_each_attr(a.payload, [&](const Attr& p) {
          error = add_peer(p.payload, where + ": peer " + std::to_string(peer_no++));
          return error.is_ok();
        });
        break;
      default:
        break;  // IFINDEX, and attributes newer than we know
    }
    if (!fine && error.is_ok()) {
      error = bad(where, "device attribute " + std::to_string(a.type) + " has a bad length");
    }
    return fine;
  });
  if (!ok) return error.is_ok() ? bad(where, "malformed attributes") : error;
  return Status::ok();
}

Result<DeviceState> DeviceDumpParser::finish() {
  if (!named_) return bad("dump", "no message names the device");
  for (PeerState& p : device_.peers) {
    std::sort(p.allowed_ips.begin(), p.allowed_ips.end());
    p.allowed_ips.erase(std::unique(p.allowed_ips.begin(), p.allowed_ips.end()),
                        p.allowed_ips.end());
  }
  std::sort(device_.peers.begin(), device_.peers.end(),
            [](const PeerState& a, const PeerState& b) { return a.public_key < b.public_key; });
  index_.clear();
  have_last_ = false;
  return std::move(device_);
}

Result<DeviceState> parse_device_dump(std::span<const uint8_t> stream) {
  DeviceDumpParser parser;
  Status error;
  const bool ok = nlattr_read::for_each_msg(stream, [&](const nlattr_read::Msg& m) {
    if (m.type == NLMSG_NOOP) return true;
    if (m.type == NLMSG_DONE || m.type == NLMSG_ERROR) {
      // Both may carry an int: 0, or a negative errno the kernel hit while dumping.
      const int code = m.body.size() >= sizeof(int32_t) ? read<int32_t>(m.body) : 0;
      if (code < 0 && code > -4096) error = errno_status("wireguard dump", -code);
      if (code != 0 && error.is_ok()) error = bad("dump", "error code " + std::to_string(code));
      return false;
    }
    if (m.type < NLMSG_MIN_TYPE) {
      error = bad("dump", "unexpected message type " + std::to_string(m.type));
      return false;
    }
    error = parser.add(stream.subspan(
        static_cast<size_t>(m.body.data() - stream.data()) - nlattr_read::kMsgHeader, m.len));
    return error.is_ok();
  });
  if (!ok) return bad("dump", "a message header's length is impossible");
  if (!error) return error;
  return parser.finish();
}

}  // namespace smeg::backends
