// libFuzzer harness for smegd's DNS wire format (daemon/dns_message.h), which reads whatever
// arrives on the resolver's port and whatever an upstream sends back. Any packet must parse as a
// query or fail with a message naming the offset or field; the same for a response head. For a
// query that parses, the harness builds a small DnsZone from the query's own labels (so lookups
// find names, SRV targets and long TXT values), answers it at a limit drawn from the query's id,
// and checks the reply: within the limit (or, when even the answers do not fit, the truncated
// header-and-question form), and it parses back as a response head echoing id and question.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/dns_message.h"
#include "daemon/dns_zone.h"

namespace {

using smeg::IpAddr;
using namespace smeg::daemon;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

IpAddr address(size_t n) {
  std::array<uint8_t, 16> b{0xfd};
  b[14] = static_cast<uint8_t>(n >> 8);
  b[15] = static_cast<uint8_t>(n);
  return IpAddr::v6(b);
}

// Meshes under which the query's name (less "smeg.") exists: each label names a mesh holding
// `copies` nodes whose alias is the label before it (aliases need not be unique), each node
// offering services named by the labels before that, as a port and as a long text.
std::vector<DnsMesh> meshes_for(const DnsName& name, size_t copies) {
  DnsName labels = name;
  if (DnsZone::contains(labels)) labels.pop_back();
  std::vector<DnsMesh> meshes;
  for (size_t i = 0; i + 1 < labels.size(); ++i) {
    DnsMesh mesh{lower(labels[i + 1]), {}};
    for (size_t c = 0; c < copies; ++c) {
      DnsNode node{lower(labels[i]), address(i * 16 + c), {}};
      for (size_t j = 0; j < i; ++j) {
        node.services.emplace_back(lower(labels[j]),
                                   (j % 2 ? "udp/" : "tcp/") + std::to_string(1000 + c));
        node.services.emplace_back(lower(labels[j]), std::string(60 * (c + 1), 'v'));
      }
      mesh.nodes.push_back(std::move(node));
    }
    meshes.push_back(std::move(mesh));
  }
  return meshes;
}

// Log text: printable ASCII only, so a hostile name cannot forge a line or a terminal escape.
void check_printable(const std::string& text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) fail("unescaped byte in log text", text);
  }
}

size_t name_wire_size(const DnsName& name) {
  size_t n = 1;
  for (const std::string& label : name) n += 1 + label.size();
  return n;
}

// Outside smeg. there is no zone: answer with `copies` addresses and as many additional records.
DnsAnswer synthetic_answer(const DnsQuestion& q, size_t copies) {
  DnsAnswer answer;
  answer.recursion_available = true;
  DnsName glue = q.name;
  glue.insert(glue.begin(), "glue");
  if (name_wire_size(glue) > kDnsMaxName) glue.resize(1);  // keep the name a legal length
  for (size_t c = 0; c < copies; ++c) {
    answer.answers.push_back(dns_address_record(q.name, address(c), 60));
    answer.additional.push_back(dns_txt_record(glue, std::string(40 * c, 't'), 60));
  }
  return answer;
}

void check_response(const DnsQuery& query, const DnsAnswer& answer, size_t limit) {
  const std::vector<uint8_t> response = build_dns_response(query, answer, limit);
  auto head = parse_dns_response_head(response);
  if (!head) fail("response does not parse back", head.status().to_string());
  if (head->header.id != query.header.id) fail("response id differs", "");
  if (head->header.opcode() != query.header.opcode()) fail("response opcode differs", "");
  if (head->header.rcode() != static_cast<uint8_t>(answer.rcode)) fail("rcode differs", "");
  if (head->question.name != query.question.name) {
    fail("question not echoed", dns_name_text(head->question.name));
  }
  if (head->question.type != query.question.type || head->question.klass != query.question.klass) {
    fail("question type or class not echoed", "");
  }
  const size_t opt = query.edns_udp_size ? 1 : 0;
  if (head->header.truncated()) {
    if (head->header.ancount != 0 || head->header.arcount != opt) {
      fail("truncated response still holds records", std::to_string(head->header.ancount));
    }
    const size_t bare = kDnsHeaderBytes + name_wire_size(query.question.name) + 4 + 11 * opt;
    if (response.size() != bare) fail("truncated response is not bare", "");
    if (answer.answers.empty() && bare <= limit) fail("truncated though the reply fits", "");
  } else {
    if (response.size() > limit) {
      fail("response exceeds the limit",
           std::to_string(response.size()) + " > " + std::to_string(limit));
    }
    if (head->header.ancount != answer.answers.size()) fail("answers left out", "");
    if (head->header.arcount != opt && head->header.arcount != answer.additional.size() + opt) {
      fail("additional section partly left out", "");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);
  auto response_head = parse_dns_response_head(packet);
  if (!response_head && response_head.status().message().empty()) fail("no message", "");

  auto query = parse_dns_query(packet);
  if (!query) {
    if (query.status().message().empty()) fail("error without a message", "");
    // What DnsServer does with a broken query: FORMERR when there is a header.
    if (auto header = read_dns_header(packet); header && !header->is_response()) {
      const std::vector<uint8_t> error = build_dns_error(*header, DnsRcode::kFormErr);
      if (error.size() != kDnsHeaderBytes) fail("FORMERR is not header-only", "");
    }
    return 0;
  }
  const size_t udp = query->udp_limit();
  if (udp < kDnsClassicUdp || udp > kDnsMaxUdp) fail("udp limit out of range", "");
  const std::string text = dns_name_text(query->question.name);
  check_printable(text);
  if (text.find(' ') != std::string::npos) fail("unescaped space in a name", text);

  // The id is random to the fuzzer: it picks the limit (bits 0-10, or TCP's 65535 when bit 15
  // is set) and how many copies of each record the answer holds (bits 11-14).
  const uint16_t id = query->header.id;
  const size_t limit = (id & 0x8000) != 0 ? 65535 : (id & 0x07ff);
  const size_t copies = 1 + ((id >> 11) & 0xf);
  if (DnsZone::contains(query->question.name)) {
    const std::vector<DnsMesh> meshes = meshes_for(query->question.name, copies);
    const std::shared_ptr<const DnsZone> zone = DnsZone::build(meshes);
    for (const std::string& line : zone->rejected()) check_printable(line);
    check_response(*query, zone->lookup(query->question), limit);
  } else {
    check_response(*query, synthetic_answer(query->question, copies), limit);
  }
  return 0;
}
