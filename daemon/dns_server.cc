// The listening side of DnsServer: binding, UDP, TCP, and the dispatch of one message.
// Forwarding is in dns_server_forward.cc.
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "daemon/dns_server.h"
#include "daemon/dns_server_internal.h"
#include "daemon/log.h"

namespace smeg::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

constexpr size_t kMaxTcpQueued = 64;  // answers a TCP client has not read yet, then we close

bool is_unspecified(const IpAddr& a) { return a.bytes == std::array<uint8_t, 16>{}; }

bool is_loopback(const IpAddr& a) {
  if (!a.is_v6()) return a.bytes[0] == 127;
  std::array<uint8_t, 16> one{};
  one[15] = 1;
  return a.bytes == one;
}

Status bind_error(std::string_view transport, const Endpoint& ep,
                  const boost::system::error_code& ec) {
  return Status::io_error("dns: cannot listen on " + std::string(transport) + " " + ep.to_string() +
                          ": " + ec.message());
}

}  // namespace

struct DnsServer::UdpListener {
  explicit UdpListener(asio::io_context& io) : socket(io) {}
  udp::socket socket;
  udp::endpoint sender;
  std::array<uint8_t, 65535> buffer{};
};

struct DnsServer::TcpConnection {
  explicit TcpConnection(tcp::socket s) : socket(std::move(s)), idle(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer idle;
  std::array<uint8_t, 2> length{};
  std::vector<uint8_t> message;
  std::deque<std::vector<uint8_t>> out;  // framed answers; the front one is being written
  bool writing = false;
  bool closed = false;
  bool draining = false;  // the client shut its side: close once every answer is written
  size_t pending = 0;     // queries read whose answer has not been queued yet
};

std::shared_ptr<DnsServer> DnsServer::create(asio::io_context& io, DnsServerOptions options) {
  return std::shared_ptr<DnsServer>(new DnsServer(io, std::move(options)));
}

DnsServer::DnsServer(asio::io_context& io, DnsServerOptions options)
    : io_(io), options_(std::move(options)), zone_(DnsZone::build({})) {}

DnsServer::~DnsServer() { stop(); }

void DnsServer::set_zone(std::shared_ptr<const DnsZone> zone) {
  if (zone) zone_ = std::move(zone);
}

Status DnsServer::start() {
  if (running_ || !bound_.empty()) return Status::conflict("dns: a server starts only once");
  for (const Endpoint& ep : options_.listen) {
    if (Status s = bind_endpoint(ep); !s) {
      stop();
      bound_.clear();
      return s;
    }
  }
  for (const DnsUpstream& up : options_.upstreams) {
    if (is_self(up)) {
      log_warning("dns", "upstream " + up.to_string() + " is this server; not forwarding to it");
      continue;
    }
    auto ep = dns_internal::upstream_endpoint(up);
    if (!ep) {
      stop();
      bound_.clear();
      return ep.status();
    }
    upstreams_.push_back(up);
    upstream_endpoints_.push_back(*ep);
  }
  running_ = true;
  for (auto& l : udp_) receive_udp(l.get());
  for (auto& a : tcp_) accept_tcp(a.get());
  return Status::ok();
}

Status DnsServer::bind_endpoint(const Endpoint& ep) {
  boost::system::error_code ec;
  const asio::ip::address addr = dns_internal::to_asio(ep.addr);
  auto listener = std::make_unique<UdpListener>(io_);
  const udp::endpoint uep(addr, ep.port);
  listener->socket.open(uep.protocol(), ec);
  if (!ec && ep.addr.is_v6()) listener->socket.set_option(asio::ip::v6_only(true), ec);
  if (!ec) listener->socket.bind(uep, ec);
  if (!ec) listener->socket.non_blocking(true, ec);
  if (ec) return bind_error("UDP", ep, ec);
  const uint16_t port = listener->socket.local_endpoint().port();

  const Endpoint tcp_ep{ep.addr, port};
  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  const tcp::endpoint tep(addr, port);
  acceptor->open(tep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ep.addr.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(tep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return bind_error("TCP", tcp_ep, ec);

  bound_.push_back(tcp_ep);
  udp_.push_back(std::move(listener));
  tcp_.push_back(std::move(acceptor));
  return Status::ok();
}

bool DnsServer::is_self(const DnsUpstream& up) const {
  for (const Endpoint& b : bound_) {
    if (b.port != up.port) continue;
    if (b.addr == up.addr || is_unspecified(up.addr)) return true;
    if (is_unspecified(b.addr) && b.addr.family == up.addr.family && is_loopback(up.addr)) {
      return true;
    }
  }
  return false;
}

void DnsServer::stop() {
  running_ = false;
  boost::system::error_code ec;
  for (auto& l : udp_) l->socket.close(ec);
  for (auto& a : tcp_) a->close(ec);
  for (const auto& conn : connections_) {
    conn->closed = true;
    conn->socket.close(ec);
    conn->idle.cancel();
  }
  connections_.clear();
  for (const auto& [serial, f] : forwards_) {
    f->done = true;
    f->socket.close(ec);
    f->timer.cancel();
  }
  forwards_.clear();
}

bool DnsServer::handle_message(std::span<const uint8_t> message, bool over_udp, Reply reply) {
  auto parsed = parse_dns_query(message);
  if (!parsed) {
    const auto header = read_dns_header(message);
    if (header && !header->is_response()) {
      ++counters_.malformed_answered;
      log_debug("dns", "FORMERR: " + parsed.status().message());
      reply(build_dns_error(*header, DnsRcode::kFormErr));
      return true;
    }
    ++counters_.malformed_dropped;
    log_debug("dns", "dropped: " + parsed.status().message());
    return false;
  }
  const DnsQuery& query = *parsed;
  ++counters_.queries;
  const size_t limit = over_udp ? query.udp_limit() : 65535;
  const bool forwarding = !upstreams_.empty();
  DnsAnswer answer;
  if (query.header.opcode() != 0) {
    answer.rcode = DnsRcode::kNotImp;
    ++counters_.answered_locally;
  } else if (DnsZone::contains(query.question.name)) {
    answer = zone_->lookup(query.question);
    ++(answer.rcode == DnsRcode::kRefused ? counters_.refused : counters_.answered_locally);
  } else if (!forwarding) {
    answer.rcode = DnsRcode::kRefused;
    ++counters_.refused;
  } else {
    forward(query, message, limit, std::move(reply));
    return true;
  }
  answer.recursion_available = forwarding;
  reply(build_dns_response(query, answer, limit));
  return true;
}

void DnsServer::receive_udp(UdpListener* l) {
  l->socket.async_receive_from(
      asio::buffer(l->buffer), l->sender,
      [self = shared_from_this(), l](const boost::system::error_code& ec, size_t n) {
        if (!self->running_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          log_debug("dns", "UDP receive: " + ec.message());
        } else {
          const udp::endpoint client = l->sender;
          self->handle_message({l->buffer.data(), n}, true,
                               [self, l, client](std::vector<uint8_t> answer) {
                                 if (!self->running_) return;
                                 boost::system::error_code send_ec;
                                 l->socket.send_to(asio::buffer(answer), client, 0, send_ec);
                                 if (send_ec) log_debug("dns", "UDP send: " + send_ec.message());
                               });
        }
        self->receive_udp(l);
      });
}

void DnsServer::accept_tcp(tcp::acceptor* acceptor) {
  acceptor->async_accept(
      [self = shared_from_this(), acceptor](const boost::system::error_code& ec, tcp::socket s) {
        if (!self->running_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          log_debug("dns", "TCP accept: " + ec.message());
        } else if (self->connections_.size() >= self->options_.max_tcp_connections) {
          boost::system::error_code close_ec;
          s.close(close_ec);
          log_debug("dns", "TCP connection refused: at the limit of concurrent connections");
        } else {
          auto conn = std::make_shared<TcpConnection>(std::move(s));
          self->connections_.insert(conn);
          self->read_tcp_length(conn);
        }
        self->accept_tcp(acceptor);
      });
}

void DnsServer::read_tcp_length(const std::shared_ptr<TcpConnection>& conn) {
  arm_tcp_idle(conn);
  asio::async_read(
      conn->socket, asio::buffer(conn->length),
      [self = shared_from_this(), conn](const boost::system::error_code& ec, size_t) {
        if (!self->running_ || conn->closed) return;
        if (ec == asio::error::eof) {  // a half-close: answer what is pending first
          conn->draining = true;
          return self->close_tcp_when_done(conn);
        }
        if (ec) return self->close_tcp(conn);
        conn->message.resize(static_cast<size_t>((conn->length[0] << 8) | conn->length[1]));
        asio::async_read(conn->socket, asio::buffer(conn->message),
                         [self, conn](const boost::system::error_code& body_ec, size_t) {
                           if (!self->running_ || conn->closed) return;
                           if (body_ec) return self->close_tcp(conn);
                           ++conn->pending;
                           const bool answered = self->handle_message(
                               conn->message, false, [self, conn](std::vector<uint8_t> answer) {
                                 --conn->pending;
                                 self->send_tcp(conn, std::move(answer));
                               });
                           if (!answered) return self->close_tcp(conn);
                           self->read_tcp_length(conn);
                         });
      });
}

void DnsServer::arm_tcp_idle(const std::shared_ptr<TcpConnection>& conn) {
  conn->idle.expires_after(options_.tcp_idle_timeout);
  conn->idle.async_wait([self = shared_from_this(), conn](const boost::system::error_code& ec) {
    if (ec || !self->running_ || conn->closed) return;
    if (conn->pending > 0 || conn->writing) return self->arm_tcp_idle(conn);
    log_debug("dns", "TCP connection idle; closing it");
    self->close_tcp(conn);
  });
}

void DnsServer::send_tcp(const std::shared_ptr<TcpConnection>& conn, std::vector<uint8_t> message) {
  if (!running_ || conn->closed || message.size() > 65535) return;
  if (conn->out.size() >= kMaxTcpQueued) {
    log_debug("dns", "TCP client does not read its answers; closing the connection");
    return close_tcp(conn);
  }
  std::vector<uint8_t> framed{static_cast<uint8_t>(message.size() >> 8),
                              static_cast<uint8_t>(message.size())};
  framed.insert(framed.end(), message.begin(), message.end());
  conn->out.push_back(std::move(framed));
  if (!conn->writing) write_tcp(conn);
}

void DnsServer::write_tcp(const std::shared_ptr<TcpConnection>& conn) {
  conn->writing = true;
  asio::async_write(conn->socket, asio::buffer(conn->out.front()),
                    [self = shared_from_this(), conn](const boost::system::error_code& ec, size_t) {
                      if (!self->running_ || conn->closed) return;
                      if (ec) return self->close_tcp(conn);
                      conn->out.pop_front();
                      conn->writing = false;
                      if (!conn->out.empty()) return self->write_tcp(conn);
                      self->close_tcp_when_done(conn);
                    });
}

void DnsServer::close_tcp_when_done(const std::shared_ptr<TcpConnection>& conn) {
  if (conn->draining && conn->pending == 0 && !conn->writing) close_tcp(conn);
}

void DnsServer::close_tcp(const std::shared_ptr<TcpConnection>& conn) {
  if (conn->closed) return;
  conn->closed = true;
  boost::system::error_code ec;
  conn->socket.close(ec);
  conn->idle.cancel();
  connections_.erase(conn);
}

}  // namespace smeg::daemon
