#include "daemon/dns_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smeg::daemon {
namespace {

using Bytes = std::vector<uint8_t>;

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

void append_name(Bytes& b, const std::vector<std::string>& labels) {
  for (const std::string& l : labels) {
    b.push_back(static_cast<uint8_t>(l.size()));
    b.insert(b.end(), l.begin(), l.end());
  }
  b.push_back(0);
}

// id 0x1234, RD, one question, `arcount` additional records to follow.
Bytes query_header(uint16_t qdcount = 1, uint16_t arcount = 0) {
  return {0x12, 0x34, 0x01, 0x00, 0x00, static_cast<uint8_t>(qdcount),
          0x00, 0x00, 0x00, 0x00, 0x00, static_cast<uint8_t>(arcount)};
}

Bytes aaaa_query(const std::vector<std::string>& labels = {"alias", "mesh", "smeg"}) {
  Bytes b = query_header();
  append_name(b, labels);
  append(b, {0x00, 0x1c, 0x00, 0x01});
  return b;
}

Bytes opt_record(uint16_t udp_size) {
  return {0x00,
          0x00,
          0x29,
          static_cast<uint8_t>(udp_size >> 8),
          static_cast<uint8_t>(udp_size),
          0x00,
          0x00,
          0x00,
          0x00,
          0x00,
          0x00};
}

std::string parse_error(const Bytes& b) {
  auto q = parse_dns_query(b);
  EXPECT_FALSE(q) << "parsed a malformed query";
  return q ? "" : q.status().message();
}

IpAddr fd00(uint8_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[15] = last;
  return IpAddr::v6(b);
}

TEST(DnsMessage, ParsesTheGoldenQuery) {
  const Bytes golden = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x00, 5,    'a',  'l',  'i',  'a',  's',  4,    'm',  'e',  's',
                        'h',  4,    's',  'm',  'e',  'g',  0,    0x00, 0x1c, 0x00, 0x01};
  auto q = parse_dns_query(golden);
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->header.id, 0x1234);
  EXPECT_EQ(q->header.opcode(), 0);
  EXPECT_EQ(q->question.name, (DnsName{"alias", "mesh", "smeg"}));
  EXPECT_EQ(q->question.type, static_cast<uint16_t>(DnsType::kAaaa));
  EXPECT_EQ(q->question.klass, kDnsClassIn);
  EXPECT_FALSE(q->edns_udp_size);
  EXPECT_EQ(q->udp_limit(), 512u);
}

TEST(DnsMessage, BuildsTheGoldenAaaaAnswer) {
  auto q = parse_dns_query(aaaa_query());
  ASSERT_TRUE(q);
  DnsAnswer a;
  a.authoritative = true;
  a.answers.push_back(dns_address_record(q->question.name, fd00(1), 10));
  Bytes want = {0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  append_name(want, {"alias", "mesh", "smeg"});
  append(want, {0x00, 0x1c, 0x00, 0x01});
  append(want, {0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x10});
  append(want, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
  EXPECT_EQ(build_dns_response(*q, a, 512), want);
}

TEST(DnsMessage, EchoesTheQuestionInTheClientsLetterCase) {
  const Bytes query = aaaa_query({"AlIaS", "MESH", "smeg"});
  auto q = parse_dns_query(query);
  ASSERT_TRUE(q);
  DnsAnswer a;
  a.answers.push_back(dns_address_record(q->question.name, fd00(1), 10));
  const Bytes reply = build_dns_response(*q, a, 512);
  ASSERT_GE(reply.size(), query.size());
  EXPECT_EQ(Bytes(reply.begin() + 12, reply.begin() + static_cast<ptrdiff_t>(query.size())),
            Bytes(query.begin() + 12, query.end()));
  auto head = parse_dns_response_head(reply);
  ASSERT_TRUE(head) << head.status().message();
  EXPECT_EQ(head->question.name, (DnsName{"AlIaS", "MESH", "smeg"}));
  EXPECT_TRUE(dns_name_equal(head->question.name, {"alias", "mesh", "SMEG"}));
  EXPECT_EQ(head->header.ancount, 1);
}

TEST(DnsMessage, BuildsSrvAndSplitsLongTxt) {
  const DnsRecord srv =
      dns_srv_record({"_web", "_tcp", "a", "m", "smeg"}, 0, 0, 8080, {"a", "m", "smeg"}, 10);
  Bytes want = {0, 0, 0, 0, 0x1f, 0x90};
  append_name(want, {"a", "m", "smeg"});
  EXPECT_EQ(srv.rdata, want);
  EXPECT_EQ(srv.type, 33);

  const DnsRecord txt = dns_txt_record({"t"}, std::string(300, 'x'), 10);
  ASSERT_EQ(txt.rdata.size(), 302u);
  EXPECT_EQ(txt.rdata[0], 255);
  EXPECT_EQ(txt.rdata[256], 45);
  EXPECT_EQ(dns_txt_record({"t"}, "", 10).rdata, Bytes{0});
}

TEST(DnsMessage, UnderstandsEdnsAndAnswersWithOpt) {
  Bytes b = query_header(1, 1);
  append_name(b, {"x", "smeg"});
  append(b, {0x00, 0x1c, 0x00, 0x01});
  append(b, opt_record(4096));
  auto q = parse_dns_query(b);
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->edns_udp_size, 4096);
  EXPECT_EQ(q->udp_limit(), kDnsMaxUdp);
  const Bytes reply = build_dns_response(*q, DnsAnswer{}, q->udp_limit());
  EXPECT_EQ(reply[11], 1);  // arcount: the OPT
  EXPECT_EQ(Bytes(reply.end() - 11, reply.end()),
            (Bytes{0, 0, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}));

  Bytes small = query_header(1, 1);
  append_name(small, {"x", "smeg"});
  append(small, {0x00, 0x1c, 0x00, 0x01});
  append(small, opt_record(100));
  EXPECT_EQ(parse_dns_query(small)->udp_limit(), 512u);
}

TEST(DnsMessage, DropsAdditionalBeforeSettingTruncation) {
  auto q = parse_dns_query(aaaa_query());
  ASSERT_TRUE(q);
  DnsAnswer a;
  a.answers.push_back(dns_address_record(q->question.name, fd00(1), 10));
  for (int i = 0; i < 30; ++i) {
    a.additional.push_back(
        dns_address_record({"other", "smeg"}, fd00(static_cast<uint8_t>(i)), 10));
  }
  const Bytes lean = build_dns_response(*q, a, 512);
  auto head = parse_dns_response_head(lean);
  ASSERT_TRUE(head);
  EXPECT_FALSE(head->header.truncated());
  EXPECT_EQ(head->header.ancount, 1);
  EXPECT_EQ(head->header.arcount, 0);
  EXPECT_GT(build_dns_response(*q, a, 65535).size(), 512u);

  for (int i = 0; i < 30; ++i) {
    a.answers.push_back(dns_address_record(q->question.name, fd00(static_cast<uint8_t>(i)), 10));
  }
  const Bytes cut = build_dns_response(*q, a, 512);
  EXPECT_LE(cut.size(), 512u);
  head = parse_dns_response_head(cut);
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->header.truncated());
  EXPECT_EQ(head->header.ancount, 0);
}

TEST(DnsMessage, BuildsHeaderOnlyErrors) {
  const DnsHeader h{0xbeef, 0x0100, 1, 0, 0, 0};
  EXPECT_EQ(build_dns_error(h, DnsRcode::kFormErr),
            (Bytes{0xbe, 0xef, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}));
  Bytes b = aaaa_query();
  set_dns_id(b, 0xabcd);
  EXPECT_EQ(read_dns_header(b)->id, 0xabcd);
}

TEST(DnsMessage, AcceptsABackwardPointer) {
  Bytes b = query_header(1, 1);
  append_name(b, {"alias", "mesh", "smeg"});
  append(b, {0x00, 0x1c, 0x00, 0x01});
  append(b, {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4});
  auto q = parse_dns_query(b);
  EXPECT_TRUE(q) << q.status().message();
}

TEST(DnsMessage, RejectsATruncatedHeader) {
  EXPECT_NE(parse_error({0x12, 0x34, 0x01}).find("header truncated: 3 bytes"), std::string::npos);
  EXPECT_FALSE(read_dns_header(Bytes{1, 2, 3}));
}

TEST(DnsMessage, RejectsAResponseAndTwoQuestions) {
  Bytes response = aaaa_query();
  response[2] |= 0x80;
  EXPECT_NE(parse_error(response).find("QR bit set"), std::string::npos);
  Bytes two = query_header(2);
  append_name(two, {"a", "smeg"});
  append(two, {0x00, 0x1c, 0x00, 0x01});
  append_name(two, {"b", "smeg"});
  append(two, {0x00, 0x1c, 0x00, 0x01});
  EXPECT_NE(parse_error(two).find("qdcount is 2"), std::string::npos);
  EXPECT_NE(parse_error(query_header(0)).find("qdcount is 0"), std::string::npos);
  Bytes answers = aaaa_query();
  answers[7] = 1;
  EXPECT_NE(parse_error(answers).find("ancount 1"), std::string::npos);
}

TEST(DnsMessage, RejectsBadPointersAndLoops) {
  Bytes self = query_header();
  append(self, {0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01});
  EXPECT_NE(parse_error(self).find("pointer at offset 12 to 12 does not point backwards"),
            std::string::npos);
  Bytes beyond = query_header();
  append(beyond, {0xc1, 0x00, 0x00, 0x1c, 0x00, 0x01});
  EXPECT_NE(parse_error(beyond).find("to 256"), std::string::npos);
  Bytes cut = query_header();
  append(cut, {0xc0});
  EXPECT_NE(parse_error(cut).find("pointer at offset 12 truncated"), std::string::npos);

  // A loop through a label that steps over the first pointer: offset 14 is a pointer back to
  // 12; the name at 12 is a label of length 1 covering 13, then the pointer at 14 again.
  // The additional record's owner starts the chain at 12 via a pointer at the end.
  Bytes loop = query_header(1, 1);
  append_name(loop, {"a", "smeg"});  // 12: 01 'a' 04 's' 'm' 'e' 'g' 00
  append(loop, {0x00, 0x1c, 0x00, 0x01});
  const size_t rr = loop.size();
  append(loop, {0x01, 'z', 0xc0, static_cast<uint8_t>(rr)});  // z + pointer to itself
  append(loop, {0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
  EXPECT_NE(parse_error(loop).find("does not point backwards"), std::string::npos);
}

TEST(DnsMessage, RejectsLongLabelsAndNames) {
  Bytes label = query_header();
  label.push_back(64);
  label.insert(label.end(), 64, 'x');
  append(label, {0x00, 0x00, 0x1c, 0x00, 0x01});
  EXPECT_NE(parse_error(label).find("label length 64 at offset 12 exceeds 63"), std::string::npos);

  std::vector<std::string> labels(5, std::string(60, 'x'));
  const std::string err = parse_error(aaaa_query(labels));
  EXPECT_NE(err.find("question name at offset 12: name longer than 255 bytes"), std::string::npos)
      << err;
}

TEST(DnsMessage, RejectsTruncatedSectionsAndTrailingBytes) {
  Bytes q = aaaa_query();
  q.resize(q.size() - 2);
  EXPECT_NE(parse_error(q).find("question type and class at offset 29 truncated"),
            std::string::npos);
  Bytes name = query_header();
  append(name, {5, 'a', 'b'});
  EXPECT_NE(parse_error(name).find("label at offset 12 runs past the end"), std::string::npos);
  Bytes trailing = aaaa_query();
  trailing.push_back(0);
  EXPECT_NE(parse_error(trailing).find("1 trailing bytes"), std::string::npos);
  Bytes missing = aaaa_query();
  missing[11] = 1;  // arcount 1, no record
  EXPECT_NE(parse_error(missing).find("additional record 1"), std::string::npos);
  Bytes rdata = query_header(1, 1);
  append_name(rdata, {"a", "smeg"});
  append(rdata, {0x00, 0x1c, 0x00, 0x01});
  append(rdata, {0x00, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2});
  EXPECT_NE(parse_error(rdata).find("additional record 1 rdata"), std::string::npos);
}

TEST(DnsMessage, RejectsTwoOptRecordsAndANonRootOpt) {
  Bytes two = query_header(1, 2);
  append_name(two, {"a", "smeg"});
  append(two, {0x00, 0x1c, 0x00, 0x01});
  append(two, opt_record(1232));
  append(two, opt_record(1232));
  EXPECT_NE(parse_error(two).find("additional record 2 at offset 35: a second OPT"),
            std::string::npos);
  Bytes named = query_header(1, 1);
  append_name(named, {"a", "smeg"});
  append(named, {0x00, 0x1c, 0x00, 0x01});
  append(named, {0xc0, 0x0c, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
  EXPECT_NE(parse_error(named).find("OPT not at root"), std::string::npos);
}

// Every truncation and every single-byte change of a query with a pointer and an OPT record:
// the parser never reads out of bounds (ASan watches), and whatever it accepts answers back
// with the same question.
TEST(DnsMessage, SurvivesEveryTruncationAndByteChange) {
  Bytes base = query_header(1, 2);
  append_name(base, {"Alias", "mesh", "smeg"});
  append(base, {0x00, 0x1c, 0x00, 0x01});
  append(base, {0xc0, 0x12, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4});
  append(base, opt_record(1232));
  ASSERT_TRUE(parse_dns_query(base));
  size_t accepted = 0;
  auto check = [&](const Bytes& b) {
    auto q = parse_dns_query(b);
    if (!q) return;
    ++accepted;
    auto head = parse_dns_response_head(build_dns_response(*q, DnsAnswer{}, 65535));
    ASSERT_TRUE(head) << head.status().message();
    EXPECT_EQ(head->question.name, q->question.name);
    EXPECT_EQ(head->question.type, q->question.type);
  };
  for (size_t len = 0; len < base.size(); ++len) check(Bytes(base.begin(), base.begin() + len));
  for (size_t i = 0; i < base.size(); ++i) {
    for (int v = 0; v < 256; ++v) {
      Bytes b = base;
      b[i] = static_cast<uint8_t>(v);
      check(b);
    }
  }
  EXPECT_GT(accepted, base.size());  // the changes to ids, types and letters still parse
}

TEST(DnsMessage, PrintsNamesWithEscapes) {
  EXPECT_EQ(dns_name_text({"a.b", "c\\", std::string("\x01", 1), "smeg"}),
            "a\\.b.c\\\\.\\001.smeg.");
  EXPECT_EQ(dns_name_text({}), ".");
  EXPECT_TRUE(dns_name_within({"x", "SMEG"}, {"smeg"}));
  EXPECT_FALSE(dns_name_within({"xsmeg"}, {"smeg"}));
  EXPECT_FALSE(dns_name_within({}, {"smeg"}));
}

}  // namespace
}  // namespace smeg::daemon
