// smegd's DNS server: answers names under smeg. from the current DnsZone snapshot and forwards
// every other name to upstream resolvers (or REFUSES it when there are none).
//
// It runs on the caller's io_context and never blocks; every method must be called from the
// thread that runs that context (the daemon's one protocol thread), which is also the only
// thread that may read counters(). Create it with create(): asynchronous operations hold a
// shared_ptr to the server, so it stays alive until the handlers aborted by stop() have run.
//
// Transport: UDP and TCP on every listen endpoint (TCP takes the port UDP got when the
// endpoint's port is 0). TCP messages carry a 2-byte length prefix; a connection may send
// several queries, answered as each is ready (possibly out of order, RFC 7766); it is closed
// after `tcp_idle_timeout` without a query and with no answer pending, or once the client has
// shut its sending side and every answer is written; connections beyond
// `max_tcp_connections` are closed as soon as they are accepted.
//
// Malformed queries: a header-only FORMERR when the header is readable and is a query, dropped
// otherwise (see dns_message.h); over TCP, a dropped message also closes the connection.
//
// Forwarding: the client's message goes to the first upstream over UDP, from a fresh socket
// (a random source port) with a fresh random id; the answer must come from that upstream
// (the socket is connected), carry that id and the same question, or it is ignored. It is then
// relayed with the client's id. An attempt that times out (`upstream_timeout`) moves to the
// next upstream, each tried once; when all have timed out the client gets SERVFAIL, as it does
// at once when `max_pending_forwards` are already in flight. TCP queries are forwarded over UDP
// too: an upstream answer with TC set is relayed as it is, and a UDP answer larger than the
// client's limit is replaced by an empty one with TC set. Upstreams that are this server itself
// (a bound endpoint, or the loopback/unspecified address on the port of a wildcard listener)
// are dropped at start(), with a warning, so a query can never be forwarded to itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include "core/address.h"
#include "core/status.h"
#include "daemon/dns_message.h"
#include "daemon/dns_upstream.h"
#include "daemon/dns_zone.h"

namespace smeg::daemon {

struct DnsServerOptions {
  std::vector<Endpoint> listen;        // UDP and TCP on each
  std::vector<DnsUpstream> upstreams;  // empty: forwarding is off, outside names are REFUSED
  std::chrono::milliseconds upstream_timeout{2000};  // per attempt
  size_t max_pending_forwards = 256;
  size_t max_tcp_connections = 64;
  std::chrono::milliseconds tcp_idle_timeout{10000};
};

// Monotonic counts since create(), for metrics.
struct DnsCounters {
  uint64_t queries = 0;             // queries parsed, over UDP and TCP
  uint64_t answered_locally = 0;    // names under smeg. (incl. NXDOMAIN, NODATA), and NOTIMP
  uint64_t forwarded = 0;           // queries sent upstream (once each, however many attempts)
  uint64_t refused = 0;             // outside names with forwarding off, non-IN classes
  uint64_t malformed_dropped = 0;   // unparseable packets not answered
  uint64_t malformed_answered = 0;  // unparseable queries answered FORMERR
  uint64_t upstream_timeouts = 0;   // forwarding attempts that timed out
  uint64_t servfail = 0;            // forwards given up: every upstream timed out, or overload
};

class DnsServer : public std::enable_shared_from_this<DnsServer> {
 public:
  // A stopped server; nothing is bound until start().
  static std::shared_ptr<DnsServer> create(boost::asio::io_context& io, DnsServerOptions options);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds every listen endpoint and starts serving; an error names the endpoint (and leaves
  // nothing bound).
  Status start();
  // Closes every socket and connection; pending forwards are abandoned without an answer.
  void stop();
  // Replaces the zone snapshot; queries from now on see the new one.
  void set_zone(std::shared_ptr<const DnsZone> zone);

  const DnsCounters& counters() const { return counters_; }
  // The endpoints actually bound (ports resolved), in the order of options.listen.
  const std::vector<Endpoint>& local_endpoints() const { return bound_; }
  // The upstreams in use after start() dropped any that would loop back here.
  const std::vector<DnsUpstream>& upstreams() const { return upstreams_; }

 private:
  using Reply = std::function<void(std::vector<uint8_t>)>;
  struct UdpListener;
  struct TcpConnection;
  struct Forward;

  DnsServer(boost::asio::io_context& io, DnsServerOptions options);

  // Answers, forwards or drops one message (UDP answers obey the client's size limit). False
  // when the message was dropped (no reply will ever come).
  bool handle_message(std::span<const uint8_t> message, bool over_udp, Reply reply);
  bool is_self(const DnsUpstream& up) const;
  Status bind_endpoint(const Endpoint& ep);

  void receive_udp(UdpListener* listener);
  void accept_tcp(boost::asio::ip::tcp::acceptor* acceptor);
  void read_tcp_length(const std::shared_ptr<TcpConnection>& conn);
  void arm_tcp_idle(const std::shared_ptr<TcpConnection>& conn);
  void send_tcp(const std::shared_ptr<TcpConnection>& conn, std::vector<uint8_t> message);
  void write_tcp(const std::shared_ptr<TcpConnection>& conn);
  void close_tcp(const std::shared_ptr<TcpConnection>& conn);
  void close_tcp_when_done(const std::shared_ptr<TcpConnection>& conn);

  // dns_server_forward.cc
  void forward(const DnsQuery& query, std::span<const uint8_t> message, size_t limit, Reply reply);
  void start_attempt(const std::shared_ptr<Forward>& f);
  void receive_upstream(const std::shared_ptr<Forward>& f, size_t attempt);
  // The current attempt failed: the next upstream, or SERVFAIL when all were tried.
  void next_attempt(const std::shared_ptr<Forward>& f);
  void finish_forward(const std::shared_ptr<Forward>& f, std::vector<uint8_t> answer);
  uint16_t random_id();

  boost::asio::io_context& io_;
  DnsServerOptions options_;
  std::shared_ptr<const DnsZone> zone_;
  DnsCounters counters_;
  bool running_ = false;
  std::vector<Endpoint> bound_;
  std::vector<DnsUpstream> upstreams_;
  std::vector<boost::asio::ip::udp::endpoint> upstream_endpoints_;  // parallel to upstreams_
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_;
  std::set<std::shared_ptr<TcpConnection>> connections_;
  std::map<uint64_t, std::shared_ptr<Forward>> forwards_;  // in flight, by serial
  uint64_t next_forward_ = 0;
};

}  // namespace smeg::daemon
