#include "daemon/control_socket.h"

#include <boost/asio/ip/v6_only.hpp>

namespace smeg::daemon {

namespace asio = boost::asio;
using asio::ip::udp;

IpAddr address_from_asio(const asio::ip::address& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return IpAddr::v4(b[0], b[1], b[2], b[3]);
  }
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    const auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
    return IpAddr::v4(b[0], b[1], b[2], b[3]);
  }
  std::array<uint8_t, 16> bytes;
  const auto b = v6.to_bytes();
  std::copy(b.begin(), b.end(), bytes.begin());
  return IpAddr::v6(bytes);
}

asio::ip::address address_to_asio(const IpAddr& a) {
  if (!a.is_v6()) {
    return asio::ip::address_v4(
        asio::ip::address_v4::bytes_type{a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]});
  }
  asio::ip::address_v6::bytes_type b;
  std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
  return asio::ip::address_v6(b);
}

Endpoint endpoint_from_asio(const udp::endpoint& e) {
  return Endpoint{address_from_asio(e.address()), e.port()};
}

udp::endpoint endpoint_to_asio(const Endpoint& e) {
  // The socket is IPv6: IPv4 destinations go as v4-mapped addresses.
  asio::ip::address a = address_to_asio(e.addr);
  if (a.is_v4()) a = asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4());
  return udp::endpoint(a, e.port);
}

Status ControlSocket::open(uint16_t port) {
  boost::system::error_code ec;
  const std::string what = "control socket [::]:" + std::to_string(port);
  socket_.open(udp::v6(), ec);
  if (!ec) socket_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) socket_.bind(udp::endpoint(asio::ip::address_v6::any(), port), ec);
  if (ec) {
    socket_.close();
    return Status::io_error(what + ": " + ec.message() + " (errno " + std::to_string(ec.value()) +
                            ")");
  }
  port_ = socket_.local_endpoint().port();
  return Status::ok();
}

void ControlSocket::start(Handler handler) {
  handler_ = std::move(handler);
  receive();
}

void ControlSocket::receive() {
  socket_.async_receive_from(
      asio::buffer(buffer_), from_, [this](const boost::system::error_code& ec, size_t n) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
        if (!ec) {
          ++stats_.received;
          stats_.received_bytes += n;
          handler_(endpoint_from_asio(from_), std::span<const uint8_t>(buffer_.data(), n));
        }
        // Errors of a UDP receive (an ICMP error of an earlier send) are not the socket's end.
        receive();
      });
}

void ControlSocket::send(const Endpoint& to, std::vector<uint8_t> datagram) {
  if (!socket_.is_open()) return;
  if (queued_bytes_ + datagram.size() > kQueueLimitBytes) {
    ++stats_.dropped;
    return;
  }
  queued_bytes_ += datagram.size();
  queue_.push_back(Outgoing{endpoint_to_asio(to), std::move(datagram)});
  if (!sending_) send_next();
}

void ControlSocket::send_next() {
  if (queue_.empty() || !socket_.is_open()) {
    sending_ = false;
    return;
  }
  sending_ = true;
  Outgoing& o = queue_.front();
  socket_.async_send_to(asio::buffer(o.bytes), o.to,
                        [this](const boost::system::error_code& ec, size_t n) {
                          if (ec == asio::error::operation_aborted) return;
                          Outgoing& sent = queue_.front();
                          queued_bytes_ -= sent.bytes.size();
                          if (ec) {
                            ++stats_.send_errors;
                          } else {
                            ++stats_.sent;
                            stats_.sent_bytes += n;
                          }
                          queue_.pop_front();
                          send_next();
                        });
}

void ControlSocket::close() {
  boost::system::error_code ec;
  socket_.close(ec);
  queue_.clear();
  queued_bytes_ = 0;
  sending_ = false;
}

}  // namespace smeg::daemon
