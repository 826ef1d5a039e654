#include "daemon/dns_zone.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smeg::daemon {
namespace {

IpAddr fd00(uint8_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[15] = last;
  return IpAddr::v6(b);
}

DnsQuestion ask(DnsName name, DnsType type) {
  return {std::move(name), static_cast<uint16_t>(type)};
}

std::vector<IpAddr> addresses(const std::vector<DnsRecord>& rrs) {
  std::vector<IpAddr> out;
  for (const DnsRecord& rr : rrs) {
    std::array<uint8_t, 16> b{};
    std::copy(rr.rdata.begin(), rr.rdata.end(), b.begin());
    out.push_back(IpAddr::v6(b));
  }
  return out;
}

std::shared_ptr<const DnsZone> sample() {
  std::vector<DnsMesh> meshes(2);
  meshes[0].id = "web";
  meshes[0].nodes.push_back({"Alpha", fd00(1), {{"http", "8080"}, {"dns", "udp/53"}}});
  meshes[0].nodes.push_back({"beta", fd00(2), {{"motd", "hello"}, {"_ssh", "tcp/22"}}});
  meshes[0].nodes.push_back({"", fd00(3), {}});
  meshes[1].id = "db";
  meshes[1].nodes.push_back({"alpha", fd00(4), {}});
  return DnsZone::build(meshes);
}

TEST(DnsZone, AnswersAaaaForBothNameForms) {
  auto zone = sample();
  const DnsAnswer a = zone->lookup(ask({"ALPHA", "Web", "smeg"}, DnsType::kAaaa));
  EXPECT_EQ(a.rcode, DnsRcode::kNoError);
  EXPECT_TRUE(a.authoritative);
  ASSERT_EQ(a.answers.size(), 1u);
  EXPECT_EQ(a.answers[0].name, (DnsName{"ALPHA", "Web", "smeg"}));  // the question's spelling
  EXPECT_EQ(a.answers[0].ttl, DnsZone::kDefaultTtl);
  EXPECT_EQ(addresses(a.answers), std::vector<IpAddr>{fd00(1)});

  const DnsAnswer old = zone->lookup(ask({"web", "beta", "smeg"}, DnsType::kAaaa));
  EXPECT_EQ(addresses(old.answers), std::vector<IpAddr>{fd00(2)});
  EXPECT_EQ(addresses(zone->lookup(ask({"alpha", "db", "smeg"}, DnsType::kAaaa)).answers),
            std::vector<IpAddr>{fd00(4)});
}

TEST(DnsZone, NewFormWinsOverAnOriginalFormOfTheSameName) {
  std::vector<DnsMesh> meshes(2);
  meshes[0].id = "web";
  meshes[0].nodes.push_back({"alpha", fd00(1), {}});
  meshes[1].id = "alpha";
  meshes[1].nodes.push_back({"web", fd00(9), {}});
  auto zone = DnsZone::build(meshes);
  EXPECT_EQ(addresses(zone->lookup(ask({"web", "alpha", "smeg"}, DnsType::kAaaa)).answers),
            std::vector<IpAddr>{fd00(9)});
  EXPECT_EQ(addresses(zone->lookup(ask({"alpha", "web", "smeg"}, DnsType::kAaaa)).answers),
            std::vector<IpAddr>{fd00(1)});
}

TEST(DnsZone, AnswersEveryAddressOfADuplicatedAlias) {
  std::vector<DnsMesh> meshes(1);
  meshes[0].id = "m";
  meshes[0].nodes.push_back({"twin", fd00(7), {{"http", "80"}}});
  meshes[0].nodes.push_back({"TWIN", fd00(5), {{"http", "81"}}});
  meshes[0].nodes.push_back({"twin", fd00(7), {}});
  auto zone = DnsZone::build(meshes);
  EXPECT_EQ(addresses(zone->lookup(ask({"twin", "m", "smeg"}, DnsType::kAaaa)).answers),
            (std::vector<IpAddr>{fd00(5), fd00(7)}));
  const DnsAnswer txt = zone->lookup(ask({"http", "twin", "m", "smeg"}, DnsType::kTxt));
  EXPECT_EQ(txt.answers.size(), 2u);
}

TEST(DnsZone, AnswersTxtAndSrvWithTheTargetsAddress) {
  auto zone = sample();
  const DnsAnswer txt = zone->lookup(ask({"motd", "beta", "web", "smeg"}, DnsType::kTxt));
  ASSERT_EQ(txt.answers.size(), 1u);
  EXPECT_EQ(txt.answers[0].rdata, dns_txt_record({}, "hello", 0).rdata);
  EXPECT_EQ(zone->lookup(ask({"http", "alpha", "web", "smeg"}, DnsType::kTxt)).answers[0].rdata,
            dns_txt_record({}, "8080", 0).rdata);

  const DnsAnswer srv = zone->lookup(ask({"_http", "_tcp", "alpha", "web", "smeg"}, DnsType::kSrv));
  ASSERT_EQ(srv.answers.size(), 1u);
  EXPECT_EQ(srv.answers[0].rdata,
            dns_srv_record({}, 0, 0, 8080, {"Alpha", "web", "smeg"}, 0).rdata);
  ASSERT_EQ(srv.additional.size(), 1u);
  EXPECT_EQ(srv.additional[0].name, (DnsName{"Alpha", "web", "smeg"}));
  EXPECT_EQ(addresses(srv.additional), std::vector<IpAddr>{fd00(1)});

  EXPECT_EQ(
      zone->lookup(ask({"_dns", "_udp", "alpha", "web", "smeg"}, DnsType::kSrv)).answers.size(),
      1u);
  EXPECT_EQ(zone->lookup(ask({"_dns", "_tcp", "alpha", "web", "smeg"}, DnsType::kSrv)).rcode,
            DnsRcode::kNxDomain);
  // A service name that already starts with '_' is used as is.
  EXPECT_EQ(
      zone->lookup(ask({"_ssh", "_tcp", "beta", "web", "smeg"}, DnsType::kSrv)).answers.size(), 1u);
  // "hello" is not a port: no SRV.
  EXPECT_EQ(zone->lookup(ask({"_motd", "_tcp", "beta", "web", "smeg"}, DnsType::kSrv)).rcode,
            DnsRcode::kNxDomain);
}

TEST(DnsZone, TellsNxdomainFromNodata) {
  auto zone = sample();
  EXPECT_EQ(zone->lookup(ask({"gamma", "web", "smeg"}, DnsType::kAaaa)).rcode, DnsRcode::kNxDomain);
  EXPECT_EQ(zone->lookup(ask({"nomesh", "smeg"}, DnsType::kAaaa)).rcode, DnsRcode::kNxDomain);
  for (const DnsName& name : {DnsName{"alpha", "web", "smeg"}, DnsName{"web", "smeg"},
                              DnsName{"smeg"}, DnsName{"_tcp", "alpha", "web", "smeg"}}) {
    const DnsAnswer a = zone->lookup(ask(name, DnsType::kTxt));
    EXPECT_EQ(a.rcode, DnsRcode::kNoError) << dns_name_text(name);
    EXPECT_TRUE(a.answers.empty()) << dns_name_text(name);
  }
  EXPECT_TRUE(zone->lookup(ask({"alpha", "web", "smeg"}, DnsType::kA)).answers.empty());
  EXPECT_EQ(zone->lookup(ask({"http", "alpha", "web", "smeg"}, DnsType::kAny)).answers.size(), 1u);
  DnsQuestion chaos = ask({"alpha", "web", "smeg"}, DnsType::kAaaa);
  chaos.klass = 3;
  EXPECT_EQ(zone->lookup(chaos).rcode, DnsRcode::kRefused);
}

TEST(DnsZone, KnowsItsOrigin) {
  EXPECT_TRUE(DnsZone::contains({"a", "b", "SMEG"}));
  EXPECT_TRUE(DnsZone::contains({"smeg"}));
  EXPECT_FALSE(DnsZone::contains({"smeg", "com"}));
  EXPECT_FALSE(DnsZone::contains({}));
}

TEST(DnsZone, LeavesOutInvalidLabelsAndSaysWhy) {
  std::vector<DnsMesh> meshes(2);
  meshes[0].id = "Bad.Mesh";
  meshes[0].nodes.push_back({"ok", fd00(1), {}});
  meshes[1].id = "m";
  meshes[1].nodes.push_back({"evil.alias\n", fd00(2), {}});
  meshes[1].nodes.push_back(
      {"good", fd00(3), {{"bad name", "80"}, {std::string(63, 's'), "80"}, {"v", "x\x01"}}});
  auto zone = DnsZone::build(meshes);
  const auto& why = zone->rejected();
  ASSERT_EQ(why.size(), 5u);
  EXPECT_NE(why[0].find("mesh left out"), std::string::npos) << why[0];
  EXPECT_NE(why[0].find("Bad.Mesh"), std::string::npos) << why[0];
  EXPECT_NE(why[1].find("alias 'evil.alias\\010'"), std::string::npos) << why[1];
  EXPECT_NE(why[2].find("service name 'bad name'"), std::string::npos) << why[2];
  EXPECT_NE(why[3].find("has no SRV"), std::string::npos) << why[3];
  EXPECT_NE(why[4].find("control character"), std::string::npos) << why[4];
  for (const std::string& line : why) EXPECT_EQ(line.find('\n'), std::string::npos);

  // The dotted alias is not in the zone, not even as two labels.
  EXPECT_EQ(zone->lookup(ask({"alias", "evil", "m", "smeg"}, DnsType::kAaaa)).rcode,
            DnsRcode::kNxDomain);
  EXPECT_EQ(zone->lookup(ask({"ok", "bad", "mesh", "smeg"}, DnsType::kAaaa)).rcode,
            DnsRcode::kNxDomain);
  // The 63-byte service keeps its TXT.
  EXPECT_EQ(
      zone->lookup(ask({std::string(63, 's'), "good", "m", "smeg"}, DnsType::kTxt)).answers.size(),
      1u);
}

TEST(DnsZone, EmptyZoneHasOnlyItsApex) {
  auto zone = DnsZone::build({});
  EXPECT_EQ(zone->name_count(), 1u);
  EXPECT_EQ(zone->lookup(ask({"smeg"}, DnsType::kAaaa)).rcode, DnsRcode::kNoError);
}

}  // namespace
}  // namespace smeg::daemon
