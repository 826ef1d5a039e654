// The UDP control socket: where smegd receives the (sealed) control messages of every mesh and
// from where it sends them. One dual-stack socket ([::]:gRPCPort, IPv4 peers as v4-mapped), so
// a node is reachable over either family on one port. Sends are asynchronous and queued; a
// queue over its byte limit drops the newest datagram (the protocol repairs losses, and a
// daemon that buffered without bound under a flood would run out of memory), counted in
// stats().dropped. Runs on one io_context; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "core/address.h"
#include "core/status.h"

namespace smeg::daemon {

// Conversions between the core's endpoints and Asio's (v4-mapped IPv6 becomes IPv4).
Endpoint endpoint_from_asio(const boost::asio::ip::udp::endpoint& e);
boost::asio::ip::udp::endpoint endpoint_to_asio(const Endpoint& e);
boost::asio::ip::address address_to_asio(const IpAddr& a);
IpAddr address_from_asio(const boost::asio::ip::address& a);

struct ControlSocketStats {
  uint64_t received = 0, received_bytes = 0;
  uint64_t sent = 0, sent_bytes = 0;
  uint64_t send_errors = 0;  // the kernel refused a datagram (unreachable, too large...)
  uint64_t dropped = 0;      // not sent: the send queue was full
};

class ControlSocket {
 public:
  using Handler = std::function<void(const Endpoint& from, std::span<const uint8_t> datagram)>;
  static constexpr size_t kMaxDatagram = 65535;
  static constexpr size_t kQueueLimitBytes = 8 << 20;

  explicit ControlSocket(boost::asio::io_context& io) : socket_(io) {}
  // Binds [::]:port (0: any free port), dual-stack. The error names the port and errno text.
  Status open(uint16_t port);
  // Starts receiving; handler is called on the io_context for every datagram.
  void start(Handler handler);
  void send(const Endpoint& to, std::vector<uint8_t> datagram);
  void close();
  uint16_t port() const { return port_; }
  const ControlSocketStats& stats() const { return stats_; }

 private:
  void receive();
  void send_next();

  boost::asio::ip::udp::socket socket_;
  uint16_t port_ = 0;
  Handler handler_;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(kMaxDatagram);
  boost::asio::ip::udp::endpoint from_;
  struct Outgoing {
    boost::asio::ip::udp::endpoint to;
    std::vector<uint8_t> bytes;
  };
  std::deque<Outgoing> queue_;
  size_t queued_bytes_ = 0;
  bool sending_ = false;
  ControlSocketStats stats_;
};

}  // namespace smeg::daemon
