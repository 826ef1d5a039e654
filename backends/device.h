// The one WireGuard data model every backend speaks (in the spirit of wireguard-tools'
// containers.h): a device as read back from WireGuard (DeviceState), and a change to it
// (DeviceChange) in which every optional field and flag says exactly what is to change, so a
// change of one peer carries that peer only.
//
// diff() turns "what the device holds" and "what the core wants" (core/desired.h) into the
// smallest change; an empty change means the device already matches. It is pure and is the
// part of every backend's apply() that decides what goes on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/desired.h"
#include "core/identity.h"

namespace smeg::backends {

// One peer of a device as read back. Times and counters are WireGuard's own.
struct PeerState {
  PublicKey public_key;
  bool has_preshared_key = false;  // the value is never read back into memory we keep
  std::optional<Endpoint> endpoint;
  uint16_t persistent_keepalive = 0;   // seconds; 0 = off
  std::vector<Prefix> allowed_ips;     // sorted
  int64_t last_handshake_unix_ns = 0;  // 0 = never
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  uint32_t protocol_version = 0;

  bool operator==(const PeerState&) const = default;
};

// A device as read back: `wg show IFACE dump` holds the same.
struct DeviceState {
  std::string name;
  std::optional<PrivateKey> private_key;  // absent: none set
  std::optional<PublicKey> public_key;    // derived from private_key by WireGuard
  uint16_t listen_port = 0;
  uint32_t fwmark = 0;
  std::vector<PeerState> peers;  // sorted by key

  const PeerState* find_peer(const PublicKey& key) const;
  bool operator==(const DeviceState&) const = default;
};

// A change to one peer. Absent fields are left as they are.
struct PeerChange {
  PublicKey public_key;
  bool remove = false;  // remove the peer (every other field is ignored)
  std::optional<Endpoint> endpoint;
  std::optional<uint16_t> persistent_keepalive;  // 0 turns it off
  bool clear_preshared_key = false;
  // Allowed IPs: either the complete new set (replace_allowed_ips), or additions and
  // removals against the current set (removals need a backend that can remove one IP).
  bool replace_allowed_ips = false;
  std::vector<Prefix> allowed_ips;         // the new set, or the additions
  std::vector<Prefix> remove_allowed_ips;  // only without replace_allowed_ips

  bool operator==(const PeerChange&) const = default;
};

// A change to a device. An empty change (empty()) sends nothing.
struct DeviceChange {
  std::optional<PrivateKey> private_key;
  std::optional<uint16_t> listen_port;
  std::optional<uint32_t> fwmark;
  bool replace_peers = false;     // drop every peer not named in `peers` (whole-device set)
  std::vector<PeerChange> peers;  // sorted by key, one entry per key

  bool empty() const;
  bool operator==(const DeviceChange&) const = default;
};

struct DiffOptions {
  // The backend can remove a single allowed IP of a peer (kernel WGALLOWEDIP_F_REMOVE_ME);
  // otherwise a peer that loses an allowed IP gets its whole set replaced.
  bool can_remove_allowed_ip = false;
};

// The smallest change that makes `actual` hold `desired`'s keys, port and peers (endpoint,
// keepalive, allowed IPs; no preshared keys: a peer that has one loses it). A peer whose
// endpoint the desired config leaves open (a client behind NAT) keeps whatever endpoint
// WireGuard learned. diff(actual, desired) is empty iff the device already matches.
DeviceChange diff(const DeviceState& actual, const DesiredDevice& desired,
                  const DiffOptions& options);

// The whole-device set that makes an empty interface hold `state`'s key, port and peers
// (replace_peers, and every peer's allowed IPs replaced): what a first apply sends.
DeviceChange full_set(const DeviceState& state);

// `state` after `change` (what a correct backend holds afterwards); the memory backend is
// this, and tests compare real devices against it.
DeviceState applied(const DeviceState& state, const DeviceChange& change);
// The same, changing `state` in place (no copy of a large device). O((n + k) log n).
void apply_in_place(DeviceState& state, const DeviceChange& change);

// Checks a change before anything is sent: keys not all zero and not the device's own,
// prefixes canonical, ports non-zero. The message names the peer and the field.
Status validate(const DeviceChange& change, const std::optional<PublicKey>& own_public_key);

}  // namespace smeg::backends
