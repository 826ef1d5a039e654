// The DNS wire format (RFC 1035) as far as smegd's resolver needs it: parse a query, build a
// response. Pure functions over byte spans, bounds-checked everywhere; nothing here touches a
// socket. A name is kept as its labels, never as dotted text, so a label holding a '.' or any
// other byte can never be confused with two labels (aliases are not spliced into strings).
//
// What parse_dns_query() accepts: a header with QR clear, exactly one question, empty answer
// and authority sections, and an additional section whose records are all well formed, with at
// most one OPT record (EDNS0, RFC 6891: its class is the client's UDP payload size); no byte
// may follow the last record. Names may use compression pointers, which must point strictly
// backwards (so no pointer chain can loop); labels are at most 63 bytes, names at most 255.
// Anything else is an error whose message names the offset and the field.
//
// Policy for malformed queries (applied by DnsServer): when at least the 12-byte header is
// readable and it claims to be a query (QR clear), the reply is a header-only FORMERR with the
// client's id; otherwise (shorter than a header, or a response) the packet is dropped, so two
// servers can never bounce errors at each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/status.h"

namespace smeg::daemon {

// Record types and classes smegd knows by name; any other value passes through as a number.
enum class DnsType : uint16_t {
  kA = 1,
  kSoa = 6,
  kTxt = 16,
  kAaaa = 28,
  kSrv = 33,
  kOpt = 41,
  kAny = 255,
};
inline constexpr uint16_t kDnsClassIn = 1;
inline constexpr uint16_t kDnsClassAny = 255;

enum class DnsRcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

inline constexpr size_t kDnsHeaderBytes = 12;
inline constexpr size_t kDnsMaxLabel = 63;
inline constexpr size_t kDnsMaxName = 255;     // wire length, including the root byte
inline constexpr size_t kDnsClassicUdp = 512;  // the UDP limit without EDNS
// The UDP size smegd advertises and answers with at most (the 2020 DNS flag day's value).
inline constexpr size_t kDnsMaxUdp = 1232;

// A domain name as its labels, in the letter case it was received or built with; the root
// is the empty vector.
using DnsName = std::vector<std::string>;

// Names compare case-insensitively (ASCII only, RFC 4343). The key is the lowercased wire
// form: a map key that no two different names share.
std::string dns_name_key(const DnsName& name);
bool dns_name_equal(const DnsName& a, const DnsName& b);
// True when `name` is `zone` or below it.
bool dns_name_within(const DnsName& name, const DnsName& zone);
// Presentation text for logs: "alias.mesh.smeg.", with '.', '\\' and bytes outside the
// printable ASCII range escaped as RFC 1035 §5.1 says ("\\.", "\\012").
std::string dns_name_text(const DnsName& name);

struct DnsHeader {
  uint16_t id = 0;
  uint16_t flags = 0;  // QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode, as on the wire
  uint16_t qdcount = 0;
  uint16_t ancount = 0;
  uint16_t nscount = 0;
  uint16_t arcount = 0;

  bool is_response() const { return (flags & 0x8000) != 0; }
  uint8_t opcode() const { return static_cast<uint8_t>((flags >> 11) & 0xf); }
  bool truncated() const { return (flags & 0x0200) != 0; }
  uint8_t rcode() const { return static_cast<uint8_t>(flags & 0xf); }
};

struct DnsQuestion {
  DnsName name;
  uint16_t type = 0;
  uint16_t klass = kDnsClassIn;
};

struct DnsQuery {
  DnsHeader header;
  DnsQuestion question;
  std::optional<uint16_t> edns_udp_size;  // set when the query carried an OPT record

  // The largest UDP reply this client takes: 512 without EDNS, else its advertised size
  // clamped to [512, kDnsMaxUdp].
  size_t udp_limit() const;
};

// One resource record; rdata is already in wire form (names inside it are uncompressed).
struct DnsRecord {
  DnsName name;
  uint16_t type = 0;
  uint16_t klass = kDnsClassIn;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

// A (IPv4) or AAAA (IPv6) record, by the address's family.
DnsRecord dns_address_record(const DnsName& name, const IpAddr& addr, uint32_t ttl);
// SRV (RFC 2782): priority, weight, port, target.
DnsRecord dns_srv_record(const DnsName& name, uint16_t priority, uint16_t weight, uint16_t port,
                         const DnsName& target, uint32_t ttl);
// TXT holding `text`, split into character-strings of at most 255 bytes (an empty text is
// one empty string).
DnsRecord dns_txt_record(const DnsName& name, std::string_view text, uint32_t ttl);

// What to say to one query. The question is always echoed from the query, in its letter case.
struct DnsAnswer {
  DnsRcode rcode = DnsRcode::kNoError;
  bool authoritative = false;
  bool recursion_available = false;
  std::vector<DnsRecord> answers;
  std::vector<DnsRecord> additional;
};

// The header alone, when at least 12 bytes are there; nullopt otherwise.
std::optional<DnsHeader> read_dns_header(std::span<const uint8_t> packet);
// A query as described at the top of this file.
Result<DnsQuery> parse_dns_query(std::span<const uint8_t> packet);
// The header and the one question of a response (an upstream's reply to a forwarded query);
// the rest is not examined, since it is relayed as is.
Result<DnsQuery> parse_dns_response_head(std::span<const uint8_t> packet);

// The reply to `query`, at most `limit` bytes (the UDP limit, or 65535 over TCP). When it
// does not fit, the additional section goes first (no TC, RFC 2181 §9); when the answers still
// do not fit, they all go and TC is set (what is left, header, question and OPT, is returned
// even when it exceeds `limit`). An OPT record is added when the query had one.
std::vector<uint8_t> build_dns_response(const DnsQuery& query, const DnsAnswer& answer,
                                        size_t limit);
// A header-only reply (no question) with the id, opcode and RD of `header`: FORMERR to a
// query that could not be parsed past its header.
std::vector<uint8_t> build_dns_error(const DnsHeader& header, DnsRcode rcode);
// Overwrites the id of a message that holds at least a header.
void set_dns_id(std::span<uint8_t> packet, uint16_t id);

}  // namespace smeg::daemon
