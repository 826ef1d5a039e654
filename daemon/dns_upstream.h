// Upstream resolvers: where smegd forwards the names outside smeg. Usually read from the
// system's resolv.conf at start; parse_resolv_conf() is pure so it can be tested on text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/status.h"

namespace smeg::daemon {

struct DnsUpstream {
  IpAddr addr;
  std::string scope;  // IPv6 zone of a link-local address ("eth0" or "2"); empty: none
  uint16_t port = 53;

  bool operator==(const DnsUpstream&) const = default;
  // "192.0.2.1:53", "[fe80::1%eth0]:53".
  std::string to_string() const;
};

// The `nameserver` lines of a resolv.conf, in order, each on port 53. An address is IPv4 or
// IPv6, an IPv6 one optionally with "%scope" (an interface name or number). Comments ('#' or
// ';' to the end of the line) and every other keyword (search, options, ...) are ignored, as
// are words after the address. Unlike glibc, which stops at three, every nameserver is kept.
// A nameserver line that does not hold a valid address is an error naming its line number.
Result<std::vector<DnsUpstream>> parse_resolv_conf(std::string_view text);

}  // namespace smeg::daemon
