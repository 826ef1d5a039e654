#include "daemon/invite.h"

#include <gtest/gtest.h>

#include <string>

#include "core/rng.h"

namespace smeg::daemon {
namespace {

// Python: base64.urlsafe_b64encode(bytes(range(32))) without its '='.
const std::string kSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(Invite, RoundTripDnsIpv4AndIpv6Hosts) {
  struct Case {
    std::string text, host;
    uint16_t port;
    bool is_ip;
  };
  const Case cases[] = {
      {"smeg://office@node1.example.org:7946/" + kSecret, "node1.example.org", 7946, false},
      {"smeg://office@localhost:1/" + kSecret, "localhost", 1, false},
      {"smeg://a-b-c@192.0.2.10:65535/" + kSecret, "192.0.2.10", 65535, true},
      {"smeg://x@[fd00::1]:4000/" + kSecret, "fd00::1", 4000, true},
      {"smeg://x@[2001:db8:0:0:0:0:0:7]:4000/" + kSecret, "2001:db8:0:0:0:0:0:7", 4000, true},
      {"smeg://0@Host-9.EXAMPLE:80/" + kSecret, "Host-9.EXAMPLE", 80, false},
  };
  for (const Case& c : cases) {
    auto inv = Invite::parse(c.text);
    ASSERT_TRUE(inv.is_ok()) << c.text << ": " << inv.status().to_string();
    EXPECT_EQ(inv->host, c.host);
    EXPECT_EQ(inv->port, c.port);
    EXPECT_EQ(inv->secret.reveal_base64url(), kSecret);
    EXPECT_EQ(inv->host_ip().has_value(), c.is_ip) << c.host;
    EXPECT_EQ(inv->reveal(), c.text);
    EXPECT_TRUE(inv->validate().is_ok());
  }
  auto v6 = Invite::parse(cases[3].text);
  EXPECT_EQ(*v6->host_ip(), *IpAddr::parse("fd00::1"));
  EXPECT_EQ(v6->mesh_id, "x");
}

TEST(Invite, BuiltInvitesRoundTripWithAFreshSecret) {
  Invite inv{"office", "2001:db8::5", 7946, MeshSecret::generate()};
  ASSERT_TRUE(inv.validate().is_ok());
  const std::string text = inv.reveal();
  const std::string prefix = "smeg://office@[2001:db8::5]:7946/";
  EXPECT_EQ(text.substr(0, prefix.size()), prefix);
  EXPECT_EQ(text.size(), prefix.size() + MeshSecret::kTextSize);
  auto back = Invite::parse(text);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->mesh_id, inv.mesh_id);
  EXPECT_EQ(back->host, inv.host);
  EXPECT_EQ(back->port, inv.port);
  EXPECT_TRUE(back->secret == inv.secret);
}

TEST(Invite, SurroundingWhitespaceFromAPasteIsIgnored) {
  auto inv = Invite::parse("  smeg://office@192.0.2.1:7946/" + kSecret + "\r\n");
  ASSERT_TRUE(inv.is_ok()) << inv.status().to_string();
  EXPECT_EQ(inv->port, 7946);
}

TEST(Invite, EveryMalformedPartIsNamed) {
  struct Case {
    std::string text;
    std::string part;    // the part the error must name
    std::string detail;  // and what it must say about it
  };
  const std::string s = "/" + kSecret;
  const Case cases[] = {
      {"", "invite scheme", "smeg://"},
      {"http://office@h:1" + s, "invite scheme", "smeg://"},
      {"SMEG://office@h:1" + s, "invite scheme", "smeg://"},
      {"smeg://office-h:1" + s, "invite mesh id", "no '@'"},
      {"smeg://@h:1" + s, "invite mesh id", "1..63 characters"},
      {"smeg://Office@h:1" + s, "invite mesh id", "'O'"},
      {"smeg://-office@h:1" + s, "invite mesh id", "'-'"},
      {"smeg://" + std::string(64, 'm') + "@h:1" + s, "invite mesh id", "got 64"},
      {"smeg://office@:1" + s, "invite host", "empty"},
      {"smeg://office@[]:1" + s, "invite host", "only for IPv6"},
      {"smeg://office@[192.0.2.1]:1" + s, "invite host", "only for IPv6"},
      {"smeg://office@[fd00::1:1" + s, "invite host", "'[' without ']'"},
      {"smeg://office@fd00::1:1" + s, "invite host", "needs brackets: \"[fd00::1]\""},
      {"smeg://office@[fd00::g]:1" + s, "invite host", "IPv6 address \"fd00::g\""},
      {"smeg://office@[fe80::1%eth0]:1" + s, "invite host", "fe80::1%eth0"},
      {"smeg://office@192.0.2.256:1" + s, "invite host", "IPv4 address \"192.0.2.256\""},
      {"smeg://office@10.1:1" + s, "invite host", "last label is all digits"},
      {"smeg://office@host..example:1" + s, "invite host", "empty label at position 5"},
      {"smeg://office@host.:1" + s, "invite host", "empty label at position 5"},
      {"smeg://office@-host:1" + s, "invite host", "starting or ending with '-'"},
      {"smeg://office@ho_st:1" + s, "invite host", "outside A-Z a-z 0-9 '-' '.' at position 2"},
      {"smeg://office@" + std::string(64, 'h') + ":1" + s, "invite host", "longer than 63"},
      {"smeg://office@" + std::string(254, 'h') + ":1" + s, "invite host", "at most 253"},
      {"smeg://office@host" + s, "invite port", "no ':' after the host"},
      {"smeg://office@[fd00::1]" + s, "invite port", "no ':' after ']'"},
      {"smeg://office@[fd00::1]7946" + s, "invite port", "no ':' after ']'"},
      {"smeg://office@host:" + s, "invite port", "\"\" is not a number"},
      {"smeg://office@host:0" + s, "invite port", "\"0\" is not a number"},
      {"smeg://office@host:07946" + s, "invite port", "\"07946\""},
      {"smeg://office@host:65536" + s, "invite port", "\"65536\""},
      {"smeg://office@host:+80" + s, "invite port", "\"+80\""},
      {"smeg://office@host:7946", "invite secret", "no '/'"},
      {"smeg://office@host:7946/", "invite secret", "got 0"},
      {"smeg://office@host:7946/" + kSecret + "A", "invite secret", "got 44"},
      {"smeg://office@host:7946/" + kSecret + "=", "invite secret", "got 44"},
      {"smeg://office@host:7946/" + kSecret.substr(0, 42) + "+", "invite secret", "position 42"},
      {"smeg://office@host:7946/" + kSecret.substr(0, 20) + " " + kSecret.substr(21),
       "invite secret", "position 20"},
  };
  for (const Case& c : cases) {
    auto inv = Invite::parse(c.text);
    ASSERT_FALSE(inv.is_ok()) << c.text;
    const std::string& msg = inv.status().message();
    EXPECT_EQ(msg.substr(0, c.part.size() + 1), c.part + ":") << c.text << " -> " << msg;
    EXPECT_TRUE(contains(msg, c.detail)) << c.text << " -> " << msg;
    EXPECT_FALSE(contains(msg, kSecret.substr(0, 20))) << "the secret leaked: " << msg;
  }
}

// Mutated invites either fail naming a part, or parse into an invite that round-trips.
TEST(Invite, MutatedInvitesFailCleanlyOrRoundTrip) {
  const std::string good = "smeg://office@[fd00::1]:7946/" + kSecret;
  const std::string alphabet = "smeg:/@[]._-0123456789abfAZ+= \x01";
  Rng rng(11);
  int parsed = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string text = good;
    for (uint64_t n = 1 + rng.uniform(3); n > 0; --n) {
      const size_t at = rng.uniform(text.size() + 1);
      const char c = alphabet[rng.uniform(alphabet.size())];
      switch (rng.uniform(3)) {
        case 0:
          if (at < text.size()) text[at] = c;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          if (at < text.size()) text.erase(at, 1);
      }
    }
    auto inv = Invite::parse(text);
    if (!inv) {
      EXPECT_EQ(inv.status().message().substr(0, 7), "invite ") << text;
      continue;
    }
    ++parsed;
    auto again = Invite::parse(inv->reveal());
    ASSERT_TRUE(again.is_ok()) << text << " -> " << inv->reveal();
    EXPECT_EQ(again->reveal(), inv->reveal());
  }
  EXPECT_GT(parsed, 100);  // some mutations (in the mesh id, the secret) stay valid
}

TEST(Invite, ValidateNamesTheBadField) {
  const Invite good{"office", "node1.example.org", 7946, *MeshSecret::parse(kSecret)};
  ASSERT_TRUE(good.validate().is_ok());
  Invite bad = good;
  bad.mesh_id = "no spaces";
  EXPECT_TRUE(contains(bad.validate().message(), "invite mesh id:")) << bad.validate().message();
  bad = good;
  bad.host = "[fd00::1]";  // the brackets belong to the text form only
  EXPECT_TRUE(contains(bad.validate().message(), "invite host:")) << bad.validate().message();
  bad = good;
  bad.port = 0;
  EXPECT_TRUE(contains(bad.validate().message(), "invite port:")) << bad.validate().message();
}

TEST(Invite, GoogleTestPrintsItWithoutTheSecret) {
  const Invite inv{"office", "fd00::1", 7946, *MeshSecret::parse(kSecret)};
  EXPECT_EQ(testing::PrintToString(inv), "Invite(office@fd00::1:7946, secret redacted)");
}

}  // namespace
}  // namespace smeg::daemon
