// The pure half of the kernel WireGuard backend (netlink.h): the bytes of generic netlink
// family "wireguard" (<linux/wireguard.h>) and of the generic netlink controller, turned into
// the device model (device.h) and back, with no socket in sight so that unit tests and the
// fuzzer can drive every byte.
//
// Two rules of the wireguard family shape this file (see the comments in <linux/wireguard.h>):
//   - a dump of one device comes as several messages; a peer whose allowed IPs do not fit in
//     one message continues in the next with its public key and allowed IPs only, and the
//     receiver coalesces adjacent peers of one key (DeviceDumpParser);
//   - a set larger than one message is split; every message is applied on its own, so
//     WGDEVICE_F_REPLACE_PEERS belongs to the first message only and
//     WGPEER_F_REPLACE_ALLOWEDIPS to the first fragment of a peer only (build_set_messages).
//
// Parsing never trusts its input: lengths are checked before every read, and a malformed reply
// is a Status (corruption) naming what was wrong, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "backends/device.h"
#include "core/status.h"

namespace smeg::backends {

// Per-allowed-IP flags (Linux 6.15, "wireguard: allowedips: add WGALLOWEDIP_F_REMOVE_ME flag")
// are newer than the <linux/wireguard.h> this builds against (6.1), so the two values are
// spelled here under our own names; they cannot clash with a newer header's enumerators.
inline constexpr uint16_t kAllowedIpAttrFlags = 4;     // WGALLOWEDIP_A_FLAGS: NLA_U32
inline constexpr uint32_t kAllowedIpFlagRemoveMe = 1;  // WGALLOWEDIP_F_REMOVE_ME

// Collects the messages of one WG_CMD_GET_DEVICE dump (each a whole netlink message, header
// included) into a DeviceState.
class DeviceDumpParser {
 public:
  // Adds one message; an error names the message's index and the malformed part.
  Status add(std::span<const uint8_t> message);
  // The device (peers and allowed IPs sorted); an error if no message named the device.
  Result<DeviceState> finish();

 private:
  Status add_peer(std::span<const uint8_t> payload, const std::string& where);
  size_t messages_ = 0;
  bool named_ = false;
  DeviceState device_;
  std::map<PublicKey, size_t> index_;  // peer key -> position in device_.peers
  bool have_last_ = false;
  PublicKey last_key_;  // the last peer seen: a continuation repeats it
};

// Parses a byte stream of concatenated netlink messages (as read from the socket, or recorded),
// up to NLMSG_DONE or the end. An NLMSG_ERROR message with a non-zero code is an error.
Result<DeviceState> parse_device_dump(std::span<const uint8_t> stream);

// The WG_CMD_SET_DEVICE messages that carry `change` to interface `ifname`, none larger than
// `max_message_bytes` (nor than 65535: nested attribute lengths are 16 bits). Sequence numbers are
// left 0 for the sender to fill in. The change is encoded as given (validate() it first); a prefix
// or a peer's fixed part that cannot fit even in an empty message is an error.
struct SetMessages {
  std::vector<std::vector<uint8_t>> messages;
  // For each message, the peers whose first fragment it carries (a split peer counts once).
  std::vector<size_t> peers_started;
};
Result<SetMessages> build_set_messages(uint16_t family, const std::string& ifname,
                                       const DeviceChange& change, size_t max_message_bytes);

// Generic netlink controller replies (CTRL_CMD_GETFAMILY dump): the id of family `name`, or
// not_found when no message names it.
Result<uint16_t> find_family_id(const std::vector<std::vector<uint8_t>>& messages,
                                const std::string& name);

// Whether the wireguard family's own policy (a CTRL_CMD_GETPOLICY dump of that family) has
// attribute WGALLOWEDIP_A_FLAGS in the allowed-IP policy reached from WG_CMD_SET_DEVICE
// through WGDEVICE_A_PEERS and WGPEER_A_ALLOWEDIPS. Anything missing or malformed gives false.
bool allowed_ip_flags_in_policy(const std::vector<std::vector<uint8_t>>& messages);

}  // namespace smeg::backends
