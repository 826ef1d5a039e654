#include "daemon/dns_upstream.h"

#include <gtest/gtest.h>

#include <string>

namespace smeg::daemon {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse_resolv_conf(text);
  EXPECT_FALSE(r) << "accepted: " << text;
  return r ? "" : r.status().message();
}

TEST(ResolvConf, ReadsNameserversInOrder) {
  auto r = parse_resolv_conf(
      "# written by NetworkManager\n"
      "search example.com\n"
      "nameserver 192.0.2.53\n"
      "  nameserver\t2001:db8::53   # the v6 one\n"
      "options edns0 trust-ad\n"
      "; a comment\n"
      "nameserver fe80::1%eth0\n"
      "nameserver 10.0.0.1 extra words\r\n"
      "nameserver 127.0.0.53");
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].to_string(), "192.0.2.53:53");
  EXPECT_EQ((*r)[1].to_string(), "[2001:db8::53]:53");
  EXPECT_EQ((*r)[2].to_string(), "[fe80::1%eth0]:53");
  EXPECT_EQ((*r)[2].scope, "eth0");
  EXPECT_EQ((*r)[3].to_string(), "10.0.0.1:53");
  EXPECT_EQ((*r)[4].port, 53);
}

TEST(ResolvConf, EmptyTextHasNoUpstream) {
  auto r = parse_resolv_conf("");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(parse_resolv_conf("#nameserver 1.2.3.4\nnameservers 1.2.3.4\n")->empty());
}

TEST(ResolvConf, NamesTheBadLine) {
  EXPECT_NE(error_of("nameserver 1.1.1.1\nnameserver\n").find("line 2: nameserver without an"),
            std::string::npos);
  EXPECT_NE(error_of("\n\nnameserver dns.example\n").find("line 3: nameserver is not an IP"),
            std::string::npos);
  EXPECT_NE(error_of("nameserver 1.2.3.4%eth0").find("line 1: nameserver scope on an IPv4"),
            std::string::npos);
  EXPECT_NE(error_of("nameserver fe80::1%").find("line 1: nameserver scope is not"),
            std::string::npos);
  EXPECT_NE(error_of("nameserver fe80::1%a/b").find("line 1: nameserver scope is not"),
            std::string::npos);
}

}  // namespace
}  // namespace smeg::daemon
