// What the core reports to its driver, polled after every input (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/identity.h"
#include "core/messages.h"
#include "core/params.h"

namespace smeg {

// A message for the driver to send: encoded bytes to a control endpoint.
struct Transmit {
  Endpoint to;
  PublicKey to_key;
  MessageType type = MessageType::kSync;
  std::vector<uint8_t> bytes;
};

enum class EventType : uint8_t {
  kMemberAdded,      // node entered this node's view (and desired config) of the mesh
  kMemberRemoved,    // node left it (see RemovalReason; value: the tombstone's version)
  kLeaderChanged,    // node is the new leader in this node's view
  kEpochStarted,     // this node started heartbeat epoch `value` as leader
  kRoutesChanged,    // the routes selected in the mesh changed
  kJoined,           // this node's join completed (snapshot received)
  kJoinFailed,       // no member answered within the join timeout; the mesh was dropped
  kMessageRejected,  // an undecodable or unexpected message was dropped (value: reason code)
  kSlotChanged,      // this node moved to another liveness slot after a collision
};
const char* event_type_name(EventType t);

enum class RemovalReason : uint8_t { kNone, kPruned, kTombstone, kLeft };

struct Event {
  EventType type = EventType::kMemberAdded;
  Time at{0};
  std::string mesh_id;
  PublicKey node;
  RemovalReason reason = RemovalReason::kNone;
  uint64_t value = 0;
};

}  // namespace smeg
