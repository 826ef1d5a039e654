// The cross-platform UAPI text protocol of userspace WireGuard (wireguard-go, boringtun):
// parsing the reply to `get=1` and formatting a `set=1` request, with no I/O, so that the
// parser can be tested on recorded replies and fuzzed (tests/fuzz/uapi_text_fuzz.cc).
//
// A reply is `key=value` lines ending with `errno=N` and a blank line; keys are lowercase hex,
// a peer's section starts at its `public_key` line. See
// https://www.wireguard.com/xplatform/#configuration-protocol.
#pragma once

#include <string>
#include <string_view>

#include "backends/device.h"
#include "core/status.h"

namespace smeg::backends {

// A parsed reply: the device (empty for a set) and the errno it ended with, as a positive
// number (wireguard-go sends it negated, e.g. `errno=-22`); 0 = success.
struct UapiReply {
  DeviceState device;
  int error = 0;
};

// Parses the reply to `get=1` (up to and including the `errno=` line; the final blank line is
// optional). Peers come out sorted by key and allowed IPs sorted, as DeviceState promises.
// Keys this parser does not know are skipped (implementations add their own, e.g. amnezia's
// junk settings); a malformed line is a corruption Status naming the line number and key.
Result<UapiReply> parse_get_reply(std::string_view text);

// Parses the reply to `set=1`: only `errno=N`.
Result<UapiReply> parse_set_reply(std::string_view text);

// Whether `buffer` holds a whole reply (it ends with a blank line); a reader stops there.
bool uapi_reply_complete(std::string_view buffer);

// The `set=1` request for `change`, blank line included. It names exactly what `change`
// names: a change of one peer carries one `public_key` section. Single allowed IPs cannot be
// removed over this protocol (wireguard-go 0.0.20220316 answers `allowed_ip=-…` with
// EINVAL), so a change with remove_allowed_ips must not reach this function (diff() replaces
// the whole set instead; validate_for_uapi refuses it).
std::string format_set_request(const DeviceChange& change);

// What the text protocol cannot express, on top of validate(): per-IP removals.
Status validate_for_uapi(const DeviceChange& change);

}  // namespace smeg::backends
