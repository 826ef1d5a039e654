#include "daemon/host_port.h"

#include <gtest/gtest.h>

#include <string>

namespace smeg::daemon {
namespace {

TEST(HostAndPort, AcceptsNamesAndLiteralsWithOrWithoutPort) {
  struct Good {
    const char* text;
    const char* host;
    int port;  // -1: none
  };
  const Good good[] = {
      {"vpn.example.org", "vpn.example.org", -1},
      {"vpn.example.org.", "vpn.example.org.", -1},
      {"vpn-1.example.org:51820", "vpn-1.example.org", 51820},
      {"localhost", "localhost", -1},
      {"192.0.2.1", "192.0.2.1", -1},
      {"192.0.2.1:4000", "192.0.2.1", 4000},
      {"2001:db8::1", "2001:db8::1", -1},
      {"[2001:db8::1]", "2001:db8::1", -1},
      {"[2001:db8::1]:65535", "2001:db8::1", 65535},
  };
  for (const Good& g : good) {
    Result<HostAndPort> r = parse_host_and_port(g.text);
    ASSERT_TRUE(r.is_ok()) << g.text << ": " << r.status().message();
    EXPECT_EQ(r->host, g.host) << g.text;
    if (g.port < 0) {
      EXPECT_FALSE(r->port) << g.text;
    } else {
      EXPECT_EQ(r->port, g.port) << g.text;
    }
  }
}

TEST(HostAndPort, RefusesWithTheTextAndTheReason) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "\"\": the host is empty"},
      {":80", "\":80\": the host is empty"},
      {"host:", "\"host:\": the port must be 1..65535"},
      {"host:0", "\"host:0\": the port must be 1..65535"},
      {"host:65536", "\"host:65536\": the port must be 1..65535"},
      {"host:8o", "\"host:8o\": the port must be 1..65535"},
      {"192.0.2.300", "\"192.0.2.300\": not an IPv4 address"},
      {"bad_host",
       "\"bad_host\": a host name holds letters, digits and '-' (not at a label's ends)"},
      {"-a.org", "\"-a.org\": a host name holds letters, digits and '-' (not at a label's ends)"},
      {"a..org", "\"a..org\": each label of a host name has 1..63 characters"},
      {"2001:db8::1:51820:x",
       "\"2001:db8::1:51820:x\": not an IPv6 address (with a port, write "
       "[v6]:port)"},
      {"[2001:db8::1", "\"[2001:db8::1\": missing ']'"},
      {"[192.0.2.1]:80", "\"[192.0.2.1]:80\": brackets hold an IPv6 address"},
      {"[::1]80", "\"[::1]80\": expected \":port\" after ']'"},
      {"[::1]:", "\"[::1]:\": the port must be 1..65535"},
  };
  for (const auto& [text, message] : bad) {
    Result<HostAndPort> r = parse_host_and_port(text);
    ASSERT_FALSE(r.is_ok()) << "accepted " << text;
    EXPECT_EQ(r.status().message(), message);
  }
  EXPECT_FALSE(parse_host_and_port(std::string(64, 'a') + ".org").is_ok());
  EXPECT_TRUE(parse_host_and_port(std::string(63, 'a') + ".org").is_ok());
}

TEST(DnsServer, TakesPort53UnlessGiven) {
  EXPECT_EQ(parse_dns_server("1.1.1.1")->to_string(), "1.1.1.1:53");
  EXPECT_EQ(parse_dns_server("1.1.1.1:5353")->to_string(), "1.1.1.1:5353");
  EXPECT_EQ(parse_dns_server("::1")->to_string(), "[::1]:53");
  EXPECT_EQ(parse_dns_server("[::1]:5300")->to_string(), "[::1]:5300");
  EXPECT_FALSE(parse_dns_server("dns.google").is_ok());
  EXPECT_FALSE(parse_dns_server("[::1]").is_ok());
  EXPECT_FALSE(parse_dns_server("1.1.1.1:0").is_ok());
}

}  // namespace
}  // namespace smeg::daemon
