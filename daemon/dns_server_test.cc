// DnsServer on loopback: the test thread runs the io_context with a deadline (run_until), so no
// test can hang; clients are plain sockets on the same io_context, or dig in a helper thread.
#include "daemon/dns_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace smeg::daemon {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

const IpAddr kLoopback = IpAddr::v4(127, 0, 0, 1);

IpAddr fd00(uint8_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[15] = last;
  return IpAddr::v6(b);
}

Bytes make_query(uint16_t id, const DnsName& name, DnsType type, bool edns = false) {
  Bytes b{
      static_cast<uint8_t>(id >> 8),     static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0,
      static_cast<uint8_t>(edns ? 1 : 0)};
  for (const std::string& l : name) {
    b.push_back(static_cast<uint8_t>(l.size()));
    b.insert(b.end(), l.begin(), l.end());
  }
  const auto t = static_cast<uint16_t>(type);
  b.insert(b.end(), {0, static_cast<uint8_t>(t >> 8), static_cast<uint8_t>(t), 0, 1});
  if (edns) b.insert(b.end(), {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0});
  return b;
}

std::shared_ptr<const DnsZone> sample_zone() {
  std::vector<DnsMesh> meshes(1);
  meshes[0].id = "mesh";
  meshes[0].nodes.push_back({"alpha", fd00(1), {{"http", "8080"}}});
  for (uint8_t i = 0; i < 40; ++i) meshes[0].nodes.push_back({"crowd", fd00(i), {}});
  return DnsZone::build(meshes);
}

std::optional<std::string> find_dig() {
  for (const char* path : {"/usr/bin/dig", "/usr/local/bin/dig", "/bin/dig"}) {
    if (access(path, X_OK) == 0) return std::string(path);
  }
  return std::nullopt;
}

// A UDP socket on loopback that reads and drops everything: an upstream that never answers.
struct Blackhole {
  explicit Blackhole(asio::io_context& io)
      : socket(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    drain();
  }
  void drain() {
    socket.async_receive(asio::buffer(buf), [this](const boost::system::error_code& ec, size_t) {
      if (ec) return;
      ++dropped;
      drain();
    });
  }
  DnsUpstream upstream() const { return {kLoopback, "", socket.local_endpoint().port()}; }
  udp::socket socket;
  std::array<uint8_t, 2048> buf{};
  int dropped = 0;
};

class DnsServerTest : public ::testing::Test {
 protected:
  ~DnsServerTest() override {
    for (auto& s : servers_) s->stop();
    io_.restart();
    io_.poll();
  }

  // Runs the io_context until done() holds or `limit` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(2ms);
    }
    return done();
  }

  std::shared_ptr<DnsServer> serve(DnsServerOptions options,
                                   std::shared_ptr<const DnsZone> zone = sample_zone()) {
    if (options.listen.empty()) options.listen.push_back({kLoopback, 0});
    auto server = DnsServer::create(io_, std::move(options));
    server->set_zone(std::move(zone));
    const Status s = server->start();
    EXPECT_TRUE(s) << s.to_string();
    servers_.push_back(server);
    return server;
  }

  static udp::endpoint udp_of(const Endpoint& ep) {
    return {asio::ip::make_address(ep.addr.to_string()), ep.port};
  }
  static tcp::endpoint tcp_of(const Endpoint& ep) {
    return {asio::ip::make_address(ep.addr.to_string()), ep.port};
  }

  // Sends `query` over UDP and waits up to `wait` for one datagram back.
  std::optional<Bytes> ask_udp(const Endpoint& server, const Bytes& query,
                               std::chrono::milliseconds wait = 3s) {
    udp::socket s(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    s.send_to(asio::buffer(query), udp_of(server));
    Bytes buf(65535);
    std::optional<Bytes> got;
    s.async_receive(asio::buffer(buf), [&](const boost::system::error_code& ec, size_t n) {
      if (!ec) got = Bytes(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
    });
    run_until([&] { return got.has_value(); }, wait);
    s.close();
    io_.restart();
    io_.poll();  // runs the aborted handler while buf and got still exist
    return got;
  }

  // Reads `count` length-prefixed messages from a TCP socket (fewer if the peer closes).
  std::vector<Bytes> read_tcp(tcp::socket& s, size_t count, std::chrono::milliseconds wait = 3s) {
    std::vector<Bytes> got;
    bool closed = false;
    std::array<uint8_t, 2> len{};
    Bytes body;
    std::function<void()> next = [&] {
      asio::async_read(s, asio::buffer(len), [&](const boost::system::error_code& ec, size_t) {
        if (ec) {
          closed = true;
          return;
        }
        body.assign(static_cast<size_t>((len[0] << 8) | len[1]), 0);
        asio::async_read(s, asio::buffer(body), [&](const boost::system::error_code& e, size_t) {
          if (e) {
            closed = true;
            return;
          }
          got.push_back(body);
          if (got.size() < count) next();
        });
      });
    };
    next();
    run_until([&] { return closed || got.size() >= count; }, wait);
    if (!closed && got.size() < count) {
      s.cancel();
      io_.restart();
      io_.poll();
    }
    return got;
  }

  // True when the server closes the connection within `wait`.
  bool closed_by_server(tcp::socket& s, std::chrono::milliseconds wait) {
    std::array<uint8_t, 1> b{};
    bool eof = false;
    bool done = false;
    s.async_read_some(asio::buffer(b), [&](const boost::system::error_code& ec, size_t) {
      eof = ec == asio::error::eof || ec == asio::error::connection_reset;
      done = true;
    });
    run_until([&] { return done; }, wait);
    if (!done) {
      s.cancel();
      io_.restart();
      io_.poll();
    }
    return eof;
  }

  static void write_tcp(tcp::socket& s, const Bytes& query) {
    Bytes framed{static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
    framed.insert(framed.end(), query.begin(), query.end());
    asio::write(s, asio::buffer(framed));
  }

  // Runs dig in a helper thread while the test thread serves; its stdout.
  std::string dig(const std::string& dig_path, const std::string& args) {
    std::string out;
    std::atomic<bool> done{false};
    std::thread t([&] {
      const std::string cmd = dig_path + " +time=2 +tries=1 " + args + " 2>&1";
      if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        pclose(p);
      }
      done = true;
    });
    run_until([&] { return done.load(); }, 10s);
    t.join();
    return out;
  }

  asio::io_context io_;
  std::vector<std::shared_ptr<DnsServer>> servers_;
};

DnsQuery answer_head(const std::optional<Bytes>& reply) {
  EXPECT_TRUE(reply.has_value()) << "no answer";
  if (!reply) return {};
  auto head = parse_dns_response_head(*reply);
  EXPECT_TRUE(head) << head.status().message();
  return head ? *head : DnsQuery{};
}

TEST_F(DnsServerTest, AnswersWithDig) {
  const auto dig_path = find_dig();
  if (!dig_path) GTEST_SKIP() << "dig not installed (Debian package bind9-dnsutils)";
  auto server = serve({});
  const std::string at = "@127.0.0.1 -p " + std::to_string(server->local_endpoints()[0].port);
  EXPECT_EQ(dig(*dig_path, at + " AAAA alpha.mesh.smeg +short"), "fd00::1\n");
  EXPECT_EQ(dig(*dig_path, at + " AAAA ALPHA.Mesh.smeg +short +tcp"), "fd00::1\n");
  EXPECT_EQ(dig(*dig_path, at + " AAAA mesh.alpha.smeg +short"), "fd00::1\n");
  EXPECT_EQ(dig(*dig_path, at + " TXT http.alpha.mesh.smeg +short"), "\"8080\"\n");
  EXPECT_EQ(dig(*dig_path, at + " SRV _http._tcp.alpha.mesh.smeg +short"),
            "0 0 8080 alpha.mesh.smeg.\n");
  const std::string nx = dig(*dig_path, at + " AAAA nobody.mesh.smeg");
  EXPECT_NE(nx.find("status: NXDOMAIN"), std::string::npos) << nx;
  const std::string refused = dig(*dig_path, at + " AAAA example.com");
  EXPECT_NE(refused.find("status: REFUSED"), std::string::npos) << refused;
  EXPECT_EQ(server->counters().queries, 7u);
  EXPECT_EQ(server->counters().answered_locally, 6u);
  EXPECT_EQ(server->counters().refused, 1u);
}

TEST_F(DnsServerTest, AnswersOverUdpAndSwapsZones) {
  auto server = serve({});
  const Endpoint at = server->local_endpoints()[0];
  DnsQuery head =
      answer_head(ask_udp(at, make_query(7, {"alpha", "mesh", "smeg"}, DnsType::kAaaa)));
  EXPECT_EQ(head.header.id, 7);
  EXPECT_EQ(head.header.rcode(), 0);
  EXPECT_EQ(head.header.ancount, 1);
  head = answer_head(ask_udp(at, make_query(8, {"nobody", "smeg"}, DnsType::kAaaa)));
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kNxDomain));

  server->set_zone(DnsZone::build({}));
  head = answer_head(ask_udp(at, make_query(9, {"alpha", "mesh", "smeg"}, DnsType::kAaaa)));
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kNxDomain));
  EXPECT_EQ(server->counters().answered_locally, 3u);
}

TEST_F(DnsServerTest, TruncatesOverUdpAndAnswersInFullOverTcp) {
  auto server = serve({});
  const Endpoint at = server->local_endpoints()[0];
  const Bytes q = make_query(5, {"crowd", "mesh", "smeg"}, DnsType::kAaaa);
  DnsQuery head = answer_head(ask_udp(at, q));  // 40 AAAA: 1140 bytes > 512
  EXPECT_TRUE(head.header.truncated());
  EXPECT_EQ(head.header.ancount, 0);
  head = answer_head(ask_udp(at, make_query(6, {"crowd", "mesh", "smeg"}, DnsType::kAaaa, true)));
  EXPECT_FALSE(head.header.truncated());  // fits the EDNS size (1232)
  EXPECT_EQ(head.header.ancount, 40);

  tcp::socket s(io_);
  s.connect(tcp_of(at));
  write_tcp(s, q);
  const std::vector<Bytes> got = read_tcp(s, 1);
  ASSERT_EQ(got.size(), 1u);
  head = answer_head(got[0]);
  EXPECT_FALSE(head.header.truncated());
  EXPECT_EQ(head.header.ancount, 40);
}

TEST_F(DnsServerTest, AnswersSeveralQueriesOnOneTcpConnection) {
  auto server = serve({});
  tcp::socket s(io_);
  s.connect(tcp_of(server->local_endpoints()[0]));
  write_tcp(s, make_query(1, {"alpha", "mesh", "smeg"}, DnsType::kAaaa));
  write_tcp(s, make_query(2, {"http", "alpha", "mesh", "smeg"}, DnsType::kTxt));
  write_tcp(s, make_query(3, {"example", "com"}, DnsType::kAaaa));
  const std::vector<Bytes> got = read_tcp(s, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(answer_head(got[0]).header.id, 1);
  EXPECT_EQ(answer_head(got[1]).header.id, 2);
  EXPECT_EQ(answer_head(got[2]).header.rcode(), static_cast<uint8_t>(DnsRcode::kRefused));
  EXPECT_EQ(server->counters().queries, 3u);
}

TEST_F(DnsServerTest, ClosesIdleTcpConnectionsAndCapsTheirNumber) {
  DnsServerOptions options;
  options.tcp_idle_timeout = 200ms;
  options.max_tcp_connections = 1;
  auto server = serve(options);
  const tcp::endpoint at = tcp_of(server->local_endpoints()[0]);
  tcp::socket first(io_);
  first.connect(at);
  run_until([] { return false; }, 50ms);  // the server accepts the first
  tcp::socket second(io_);
  second.connect(at);
  EXPECT_TRUE(closed_by_server(second, 1s)) << "a connection beyond the cap stayed open";

  write_tcp(first, make_query(1, {"alpha", "mesh", "smeg"}, DnsType::kAaaa));
  EXPECT_EQ(read_tcp(first, 1).size(), 1u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(first, 2s)) << "an idle connection stayed open";
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(DnsServerTest, AnswersFormerrOrDropsMalformedPackets) {
  auto server = serve({});
  const Endpoint at = server->local_endpoints()[0];
  EXPECT_FALSE(ask_udp(at, {0x12, 0x34, 0x01}, 200ms)) << "answered a 3-byte packet";
  Bytes two = make_query(0x4242, {"a", "smeg"}, DnsType::kAaaa);
  two[5] = 2;  // qdcount 2, one question present
  const auto formerr = ask_udp(at, two);
  ASSERT_TRUE(formerr);
  EXPECT_EQ(*formerr, (Bytes{0x42, 0x42, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
  Bytes response = make_query(1, {"a", "smeg"}, DnsType::kAaaa);
  response[2] |= 0x80;
  EXPECT_FALSE(ask_udp(at, response, 200ms)) << "answered a response";
  EXPECT_EQ(server->counters().malformed_dropped, 2u);
  EXPECT_EQ(server->counters().malformed_answered, 1u);
  EXPECT_EQ(server->counters().queries, 0u);

  tcp::socket s(io_);  // over TCP, an unreadable message closes the connection
  s.connect(tcp_of(at));
  write_tcp(s, {1, 2, 3});
  EXPECT_TRUE(closed_by_server(s, 2s));
}

TEST_F(DnsServerTest, ForwardsToAnUpstreamAndMapsTheIdBack) {
  auto upstream = serve({});  // no upstream of its own: it REFUSES example.com
  DnsServerOptions options;
  const Endpoint up = upstream->local_endpoints()[0];
  options.upstreams.push_back({up.addr, "", up.port});
  auto server = serve(options);
  const Endpoint at = server->local_endpoints()[0];

  const Bytes q = make_query(0x7777, {"Example", "com"}, DnsType::kAaaa);
  const auto reply = ask_udp(at, q);
  const DnsQuery head = answer_head(reply);
  EXPECT_EQ(head.header.id, 0x7777);
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kRefused));
  EXPECT_EQ(head.question.name, (DnsName{"Example", "com"}));
  EXPECT_EQ(upstream->counters().refused, 1u);  // the answer came from the upstream
  EXPECT_EQ(server->counters().forwarded, 1u);
  EXPECT_EQ(server->counters().refused, 0u);

  // A TCP query is forwarded (over UDP) and relayed on the connection.
  tcp::socket s(io_);
  s.connect(tcp_of(at));
  write_tcp(s, make_query(0x0102, {"example", "org"}, DnsType::kTxt));
  s.shutdown(tcp::socket::shutdown_send);  // the answer still comes after a half-close
  const auto got = read_tcp(s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(closed_by_server(s, 1s));
  EXPECT_EQ(answer_head(got[0]).header.id, 0x0102);
  EXPECT_EQ(upstream->counters().refused, 2u);
  EXPECT_EQ(server->counters().forwarded, 2u);
  // Names under smeg. are never forwarded.
  EXPECT_EQ(answer_head(ask_udp(at, make_query(3, {"alpha", "mesh", "smeg"}, DnsType::kAaaa)))
                .header.ancount,
            1);
  EXPECT_EQ(upstream->counters().queries, 2u);
}

TEST_F(DnsServerTest, RetriesTheNextUpstreamOnTimeout) {
  Blackhole hole(io_);
  auto upstream = serve({});
  DnsServerOptions options;
  const Endpoint up = upstream->local_endpoints()[0];
  options.upstreams = {hole.upstream(), {up.addr, "", up.port}};
  options.upstream_timeout = 150ms;
  auto server = serve(options);
  const DnsQuery head =
      answer_head(ask_udp(server->local_endpoints()[0], make_query(9, {"x", "net"}, DnsType::kA)));
  EXPECT_EQ(head.header.id, 9);
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kRefused));
  EXPECT_EQ(hole.dropped, 1);
  EXPECT_EQ(server->counters().upstream_timeouts, 1u);
  EXPECT_EQ(server->counters().servfail, 0u);
}

TEST_F(DnsServerTest, AnswersServfailWhenEveryUpstreamTimesOut) {
  Blackhole hole(io_);
  DnsServerOptions options;
  options.upstreams = {hole.upstream()};
  options.upstream_timeout = 150ms;
  auto server = serve(options);
  const auto start = std::chrono::steady_clock::now();
  const DnsQuery head =
      answer_head(ask_udp(server->local_endpoints()[0], make_query(4, {"x", "net"}, DnsType::kA)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);
  EXPECT_EQ(head.header.id, 4);
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kServFail));
  EXPECT_EQ(server->counters().upstream_timeouts, 1u);
  EXPECT_EQ(server->counters().servfail, 1u);
}

TEST_F(DnsServerTest, BoundsPendingForwards) {
  Blackhole hole(io_);
  DnsServerOptions options;
  options.upstreams = {hole.upstream()};
  options.upstream_timeout = 5s;
  options.max_pending_forwards = 1;
  auto server = serve(options);
  const Endpoint at = server->local_endpoints()[0];
  EXPECT_FALSE(ask_udp(at, make_query(1, {"a", "net"}, DnsType::kA), 100ms));  // pending
  const auto start = std::chrono::steady_clock::now();
  const DnsQuery head = answer_head(ask_udp(at, make_query(2, {"b", "net"}, DnsType::kA), 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kServFail));
  EXPECT_EQ(server->counters().forwarded, 1u);
  EXPECT_EQ(server->counters().servfail, 1u);
}

TEST_F(DnsServerTest, NeverForwardsToItself) {
  uint16_t port = 0;
  {
    udp::socket probe(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }
  DnsServerOptions options;
  options.listen = {{kLoopback, port}};
  options.upstreams = {{kLoopback, "", port}};
  auto server = serve(options);
  EXPECT_TRUE(server->upstreams().empty());
  const DnsQuery head =
      answer_head(ask_udp(server->local_endpoints()[0], make_query(1, {"a", "net"}, DnsType::kA)));
  EXPECT_EQ(head.header.rcode(), static_cast<uint8_t>(DnsRcode::kRefused));
  EXPECT_EQ(server->counters().forwarded, 0u);
}

TEST_F(DnsServerTest, StartNamesTheEndpointItCannotBind) {
  udp::socket taken_udp(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const uint16_t udp_port = taken_udp.local_endpoint().port();
  DnsServerOptions options;
  options.listen = {{kLoopback, udp_port}};
  auto server = DnsServer::create(io_, options);
  Status s = server->start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("UDP 127.0.0.1:" + std::to_string(udp_port)), std::string::npos)
      << s.message();
  EXPECT_TRUE(server->local_endpoints().empty());

  tcp::acceptor taken_tcp(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const uint16_t tcp_port = taken_tcp.local_endpoint().port();
  options.listen = {{kLoopback, tcp_port}};
  server = DnsServer::create(io_, options);
  s = server->start();
  if (s) GTEST_SKIP() << "UDP and TCP ports are separate, but the kernel let both bind";
  EXPECT_NE(s.message().find("TCP 127.0.0.1:" + std::to_string(tcp_port)), std::string::npos)
      << s.message();

  options.listen = {};
  options.upstreams = {{*IpAddr::parse("fe80::1"), "nosuchif0", 53}};
  server = DnsServer::create(io_, options);
  s = server->start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("[fe80::1%nosuchif0]:53"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace smeg::daemon
