#include "daemon/metrics_listener.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace smeg::daemon {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// One raw HTTP exchange with the listener (which runs on its own thread).
std::string exchange(uint16_t port, const std::string& request) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    const size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

TEST(MetricsListener, ServesMetricsAndNothingElse) {
  asio::io_context io;
  MetricsListener m(io, [] { return std::string("smeg_up 1\n"); });
  ASSERT_TRUE(m.listen(Endpoint{IpAddr::v4(127, 0, 0, 1), 0}));
  std::thread t([&] { io.run_for(std::chrono::seconds(10)); });
  const std::string ok = exchange(m.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string other = exchange(m.port(), "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
  asio::post(io, [&] {
    m.close();
    io.stop();
  });
  t.join();
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_NE(ok.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("\r\n\r\nsmeg_up 1\n"), std::string::npos) << ok;
  EXPECT_EQ(other.rfind("HTTP/1.1 404", 0), 0u) << other;
}

TEST(MetricsListener, ATakenPortIsNamed) {
  asio::io_context io;
  MetricsListener a(io, [] { return std::string(); }), b(io, [] { return std::string(); });
  ASSERT_TRUE(a.listen(Endpoint{IpAddr::v4(127, 0, 0, 1), 0}));
  Status s = b.listen(*Endpoint::parse("127.0.0.1:" + std::to_string(a.port())));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(a.port())), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace smeg::daemon
