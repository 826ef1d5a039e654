// The address texts of smegd's configuration that Endpoint::parse (strict "ADDR:PORT") does not
// cover: an endpoint to advertise, which may be a host name and may leave the port out, and a
// DNS server, whose port defaults to 53. Pure text parsing; nothing is resolved here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/status.h"

namespace smeg::daemon {

struct HostAndPort {
  std::string host;  // a DNS name or an IP literal, without brackets
  std::optional<uint16_t> port;
};

// "host", "host:port", "192.0.2.1[:port]", "2001:db8::1" or "[2001:db8::1]:port". A host that is
// not an IP literal must be a DNS name (labels of letters, digits and '-'; a final dot allowed).
Result<HostAndPort> parse_host_and_port(std::string_view text);

// "ADDR", "ADDR:PORT" or "[v6]:PORT": an IP address, port 53 unless given.
Result<Endpoint> parse_dns_server(std::string_view text);

}  // namespace smeg::daemon
