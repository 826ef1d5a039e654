// The desired WireGuard configuration of one mesh on one node: a plain data model that a backend
// diffs against the real device (in the spirit of wireguard-tools' containers.h).
//
// Optional fields are the "has" flags: an absent endpoint means "let WireGuard learn it" (a
// client behind NAT), an absent keepalive means "off". allowed_ips is always the complete set for
// the peer (replace semantics). Peers are sorted by key, allowed IPs and routes by prefix, so two
// equal configurations compare equal and a diff is a merge walk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/identity.h"

namespace smeg {

struct DesiredPeer {
  PublicKey public_key;
  std::optional<Endpoint> endpoint;
  std::optional<uint16_t> persistent_keepalive;  // seconds
  std::vector<Prefix> allowed_ips;
  bool operator==(const DesiredPeer&) const = default;
};

struct DesiredDevice {
  std::string mesh_id;
  PrivateKey private_key;
  std::optional<uint16_t> listen_port;
  Prefix address;                  // the node's overlay address with the mesh's /64
  bool forwarding = false;         // peers route for their clients and other meshes
  std::vector<DesiredPeer> peers;  // sorted by key
  std::vector<Prefix> routes;      // kernel routes through this interface, sorted
  bool operator==(const DesiredDevice&) const = default;

  const DesiredPeer* find_peer(const PublicKey& key) const;
};

}  // namespace smeg
