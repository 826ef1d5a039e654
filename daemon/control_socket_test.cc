#include "daemon/control_socket.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace smeg::daemon {
namespace {

TEST(ControlSocket, EndpointsConvertBothWays) {
  const auto v4 = *Endpoint::parse("192.0.2.7:4000");
  const auto a = endpoint_to_asio(v4);
  EXPECT_TRUE(a.address().is_v6());  // v4-mapped on the dual-stack socket
  EXPECT_EQ(endpoint_from_asio(a), v4);
  const auto v6 = *Endpoint::parse("[2001:db8::1]:51820");
  EXPECT_EQ(endpoint_from_asio(endpoint_to_asio(v6)), v6);
}

TEST(ControlSocket, TwoSocketsExchangeDatagramsOverIpv4AndIpv6Loopback) {
  boost::asio::io_context io;
  ControlSocket a(io), b(io);
  ASSERT_TRUE(a.open(0));
  ASSERT_TRUE(b.open(0));
  std::vector<std::pair<Endpoint, std::vector<uint8_t>>> got;
  b.start([&](const Endpoint& from, std::span<const uint8_t> d) {
    got.emplace_back(from, std::vector<uint8_t>(d.begin(), d.end()));
  });
  a.start([](const Endpoint&, std::span<const uint8_t>) {});
  a.send(*Endpoint::parse("127.0.0.1:" + std::to_string(b.port())), {1, 2, 3});
  a.send(*Endpoint::parse("[::1]:" + std::to_string(b.port())), {4});
  io.run_for(std::chrono::milliseconds(500));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, *Endpoint::parse("127.0.0.1:" + std::to_string(a.port())));
  EXPECT_EQ(got[0].second, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(got[1].first, *Endpoint::parse("[::1]:" + std::to_string(a.port())));
  EXPECT_EQ(a.stats().sent, 2u);
  EXPECT_EQ(b.stats().received, 2u);
}

TEST(ControlSocket, ATakenPortIsNamedInTheError) {
  boost::asio::io_context io;
  ControlSocket a(io), b(io);
  ASSERT_TRUE(a.open(0));
  Status s = b.open(a.port());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("[::]:" + std::to_string(a.port())), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("errno"), std::string::npos);
}

}  // namespace
}  // namespace smeg::daemon
