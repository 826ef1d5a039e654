// Tunables of the protocol, named as in smegd's configuration (ORIGINAL.md), and per-mesh options.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/address.h"
#include "core/record.h"

namespace smeg {

// Time as the driver supplies it: a monotonic count of microseconds from an arbitrary origin.
using Duration = std::chrono::microseconds;
using Time = std::chrono::microseconds;
inline constexpr Time kNever = Time::max();

struct Params {
  Duration heartbeat_interval = std::chrono::seconds(60);  // H
  Duration sync_interval = std::chrono::seconds(2);
  Duration pull_interval = std::chrono::seconds(20);  // 0: off
  uint32_t branch = 3;                                // gossip fanout
  uint32_t infection_count = 3;                       // push rounds per change
  uint32_t cluster_size = 64;                         // gossip window of peers
  double inter_cluster_chance = 0.15;
  uint32_t prune_epochs = 3;  // a member silent this many epochs (about 3H) is pruned
  // The leader writes the tombstone of a pruned member (removing its record from the mesh
  // state) once it has stayed lifeless this many epochs more; 0: at once. Views drop it at
  // prune time either way. The delay keeps the two sides of a short partition from
  // tombstoning each other, which would make every node drop live members when they meet.
  uint32_t tombstone_epochs = 30;
  size_t max_path = 8;               // longest route path (meshes crossed) accepted
  size_t max_message_bytes = 60000;  // larger transfers are split into several messages
  Duration join_retry = std::chrono::seconds(1);
  Duration join_timeout = std::chrono::seconds(5);

  // The first invalid field, named as in the configuration file.
  Status validate() const;
};

// How this node takes part in one mesh.
struct MeshOptions {
  Role role = Role::kPeer;
  bool advertise_routes = false;        // bridge: re-advertise the other meshes into this one
  bool advertise_defaults = false;      // exit: advertise ::/0
  uint16_t keepalive = 0;               // keepAliveWg, seconds (clients)
  std::optional<uint16_t> wg_port;      // WireGuard listen port
  std::optional<Endpoint> wg_endpoint;  // publicEndpoint, with the WireGuard port
  std::optional<Endpoint> control;      // where this node receives control messages
  std::string alias;
  std::string description;

  Status validate() const;
};

// DNS-label rules for aliases and service names (an alias is a label of ALIAS.MESH.smeg.).
Status validate_alias(std::string_view alias);
Status validate_service(std::string_view name, std::string_view value);

}  // namespace smeg
