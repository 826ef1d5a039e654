// Shared by dns_server.cc and dns_server_forward.cc only; not part of the API.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

#include "daemon/dns_server.h"

namespace smeg::daemon {

namespace dns_internal {

boost::asio::ip::address to_asio(const IpAddr& addr);
// The upstream's socket address; an error names the upstream when its scope is unknown here.
Result<boost::asio::ip::udp::endpoint> upstream_endpoint(const DnsUpstream& up);

}  // namespace dns_internal

// One query in flight to the upstreams.
struct DnsServer::Forward {
  explicit Forward(boost::asio::io_context& io) : socket(io), timer(io) {}
  uint64_t serial = 0;
  DnsQuery query;                // as the client asked: its id and question
  std::vector<uint8_t> message;  // as sent upstream, with upstream_id
  uint16_t upstream_id = 0;
  size_t limit = 0;    // the largest answer the client takes
  size_t attempt = 0;  // index of the upstream being tried; handlers of older attempts ignore
  bool done = false;   // answered or abandoned: every handler still queued ignores it
  boost::asio::ip::udp::socket socket;
  boost::asio::steady_timer timer;
  std::vector<uint8_t> buffer;  // limit + 1 bytes, so an answer too large is seen to be
  Reply reply;
};

}  // namespace smeg::daemon
