// DnsServer's forwarding of names outside smeg. to the upstream resolvers (contract in
// dns_server.h).
#include <sodium.h>

#include <algorithm>

#include "daemon/dns_server.h"
#include "daemon/dns_server_internal.h"
#include "daemon/log.h"

namespace smeg::daemon {

namespace asio = boost::asio;
using asio::ip::udp;

namespace dns_internal {

asio::ip::address to_asio(const IpAddr& addr) {
  if (addr.is_v6()) return asio::ip::address_v6(addr.bytes);
  return asio::ip::address_v4({addr.bytes[0], addr.bytes[1], addr.bytes[2], addr.bytes[3]});
}

Result<udp::endpoint> upstream_endpoint(const DnsUpstream& up) {
  if (up.scope.empty()) return udp::endpoint(to_asio(up.addr), up.port);
  boost::system::error_code ec;
  // Asio resolves the scope: an interface name through if_nametoindex, or a number.
  const auto v6 = asio::ip::make_address_v6(up.addr.to_string() + "%" + up.scope, ec);
  if (ec || v6.scope_id() == 0) {
    return Status::invalid_argument("dns upstream " + up.to_string() +
                                    ": no interface of that name here");
  }
  return udp::endpoint(v6, up.port);
}

}  // namespace dns_internal

namespace {

// Both sides' questions are the same, letter case aside (an upstream may randomize it).
bool same_question(const DnsQuestion& a, const DnsQuestion& b) {
  return a.type == b.type && a.klass == b.klass && dns_name_equal(a.name, b.name);
}

std::vector<uint8_t> servfail(const DnsQuery& query, size_t limit) {
  DnsAnswer answer;
  answer.rcode = DnsRcode::kServFail;
  answer.recursion_available = true;
  return build_dns_response(query, answer, limit);
}

}  // namespace

uint16_t DnsServer::random_id() {
  // The id, with the fresh source port, is what keeps an off-path attacker from forging the
  // upstream's answer: it comes from the system's CSPRNG, not from a seeded generator.
  static const int kInit = sodium_init();
  (void)kInit;
  return static_cast<uint16_t>(randombytes_uniform(65536));
}

void DnsServer::forward(const DnsQuery& query, std::span<const uint8_t> message, size_t limit,
                        Reply reply) {
  if (forwards_.size() >= options_.max_pending_forwards) {
    ++counters_.servfail;
    log_debug("dns", "too many forwards pending; SERVFAIL");
    reply(servfail(query, limit));
    return;
  }
  ++counters_.forwarded;
  auto f = std::make_shared<Forward>(io_);
  f->serial = next_forward_++;
  f->query = query;
  f->message.assign(message.begin(), message.end());
  f->upstream_id = random_id();
  set_dns_id(f->message, f->upstream_id);
  f->limit = limit;
  f->buffer.resize(std::min<size_t>(limit + 1, 65535));
  f->reply = std::move(reply);
  forwards_.emplace(f->serial, f);
  start_attempt(f);
}

void DnsServer::start_attempt(const std::shared_ptr<Forward>& f) {
  const DnsUpstream& up = upstreams_[f->attempt];
  const udp::endpoint& to = upstream_endpoints_[f->attempt];
  boost::system::error_code ec;
  f->socket.close(ec);  // a fresh socket, so a fresh source port, for every attempt
  f->socket.open(to.protocol(), ec);
  if (!ec) f->socket.non_blocking(true, ec);
  if (!ec) f->socket.connect(to, ec);  // only this upstream's datagrams reach the socket
  if (!ec) f->socket.send(asio::buffer(f->message), 0, ec);
  if (ec) {
    log_debug("dns", "upstream " + up.to_string() + ": " + ec.message());
    return next_attempt(f);
  }
  const size_t attempt = f->attempt;
  f->timer.expires_after(options_.upstream_timeout);
  f->timer.async_wait([self = shared_from_this(), f, attempt](const boost::system::error_code& e) {
    if (e || f->done || f->attempt != attempt || !self->running_) return;
    ++self->counters_.upstream_timeouts;
    log_debug("dns", "upstream " + self->upstreams_[attempt].to_string() + " timed out");
    self->next_attempt(f);
  });
  receive_upstream(f, attempt);
}

void DnsServer::receive_upstream(const std::shared_ptr<Forward>& f, size_t attempt) {
  f->socket.async_receive(asio::buffer(f->buffer), [self = shared_from_this(), f, attempt](
                                                       const boost::system::error_code& ec,
                                                       size_t n) {
    if (f->done || f->attempt != attempt || !self->running_) return;
    if (ec == asio::error::operation_aborted) return;
    if (ec) {  // e.g. connection refused: an ICMP error says nobody listens there
      log_debug("dns", "upstream " + self->upstreams_[attempt].to_string() + ": " + ec.message());
      return self->next_attempt(f);
    }
    const std::span<const uint8_t> got(f->buffer.data(), n);
    auto head = parse_dns_response_head(got);
    if (!head || head->header.id != f->upstream_id ||
        !same_question(head->question, f->query.question)) {
      log_debug("dns", "ignored a datagram from upstream " + self->upstreams_[attempt].to_string() +
                           " that is not the answer");
      return self->receive_upstream(f, attempt);
    }
    std::vector<uint8_t> answer(got.begin(), got.end());
    if (n > f->limit) {  // larger than the client takes: an empty answer with TC
      DnsAnswer empty;
      empty.rcode = static_cast<DnsRcode>(head->header.rcode());
      empty.recursion_available = true;
      answer = build_dns_response(f->query, empty, 0);
    } else {
      set_dns_id(answer, f->query.header.id);
    }
    self->finish_forward(f, std::move(answer));
  });
}

void DnsServer::next_attempt(const std::shared_ptr<Forward>& f) {
  if (++f->attempt < upstreams_.size()) return start_attempt(f);
  ++counters_.servfail;
  finish_forward(f, servfail(f->query, f->limit));
}

void DnsServer::finish_forward(const std::shared_ptr<Forward>& f, std::vector<uint8_t> answer) {
  f->done = true;
  boost::system::error_code ec;
  f->timer.cancel();
  f->socket.close(ec);
  forwards_.erase(f->serial);
  Reply reply = std::move(f->reply);
  reply(std::move(answer));
}

}  // namespace smeg::daemon
