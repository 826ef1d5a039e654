#include "daemon/dns_message.h"

#include <algorithm>
#include <utility>

namespace smeg::daemon {

namespace {

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagRa = 0x0080;
constexpr uint16_t kFlagCd = 0x0010;
constexpr uint16_t kOpcodeMask = 0x7800;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

uint16_t get16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>((p[at] << 8) | p[at + 1]);
}

std::string at_offset(std::string_view what, size_t offset) {
  return std::string(what) + " at offset " + std::to_string(offset);
}

// Reads sections of one message. Every read is checked against the end of the packet first.
class DnsReader {
 public:
  explicit DnsReader(std::span<const uint8_t> p) : p_(p) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return p_.size() - pos_; }

  Status need(size_t n, std::string_view what) const {
    if (remaining() >= n) return Status::ok();
    return Status::corruption(at_offset(what, pos_) + " truncated: needs " + std::to_string(n) +
                              " bytes, " + std::to_string(remaining()) + " left");
  }
  uint16_t u16() {
    const uint16_t v = get16(p_, pos_);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    const uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  void skip(size_t n) { pos_ += n; }

  // A name starting at pos(); pos() moves past it (past its first pointer, if any). Every
  // pointer must land before the place the previous one landed (the first: before itself),
  // so offsets strictly decrease along a chain and no chain can loop.
  Result<DnsName> name(std::string_view what) {
    DnsName labels;
    size_t wire = 1;  // the root byte
    size_t cursor = pos_;
    size_t bound = pos_;  // a pointer must land strictly below this
    bool jumped = false;
    for (;;) {
      if (cursor >= p_.size()) {
        return Status::corruption(at_offset(what, pos_) + ": name runs past the end at offset " +
                                  std::to_string(cursor));
      }
      const uint8_t len = p_[cursor];
      if ((len & 0xc0) == 0xc0) {
        if (cursor + 1 >= p_.size()) {
          return Status::corruption(at_offset(what, pos_) + ": pointer at offset " +
                                    std::to_string(cursor) + " truncated");
        }
        const size_t target = static_cast<size_t>(get16(p_, cursor) & 0x3fff);
        if (target >= bound) {
          return Status::corruption(at_offset(what, pos_) + ": pointer at offset " +
                                    std::to_string(cursor) + " to " + std::to_string(target) +
                                    " does not point backwards (a loop or a forward pointer)");
        }
        if (!jumped) pos_ = cursor + 2;
        jumped = true;
        bound = target;
        cursor = target;
        continue;
      }
      if ((len & 0xc0) != 0) {
        return Status::corruption(at_offset(what, pos_) + ": label length " + std::to_string(len) +
                                  " at offset " + std::to_string(cursor) +
                                  " exceeds 63 (or is a reserved label type)");
      }
      if (len == 0) {
        if (!jumped) pos_ = cursor + 1;
        return labels;
      }
      if (cursor + 1 + len > p_.size()) {
        return Status::corruption(at_offset(what, pos_) + ": label at offset " +
                                  std::to_string(cursor) + " runs past the end");
      }
      wire += 1 + len;
      if (wire > kDnsMaxName) {
        return Status::corruption(at_offset(what, pos_) + ": name longer than 255 bytes");
      }
      const char* text = reinterpret_cast<const char*>(p_.data() + cursor + 1);
      labels.emplace_back(text, len);
      cursor += 1 + len;
    }
  }

 private:
  std::span<const uint8_t> p_;
  size_t pos_ = 0;
};

Result<DnsQuestion> read_question(DnsReader& r) {
  auto name = r.name("question name");
  if (!name) return name.status();
  if (Status s = r.need(4, "question type and class"); !s) return s;
  DnsQuestion q;
  q.name = std::move(name.value());
  q.type = r.u16();
  q.klass = r.u16();
  return q;
}

// Reads the header and the one question; for queries, also the empty sections.
Result<DnsQuery> read_head(std::span<const uint8_t> packet, bool want_response) {
  auto header = read_dns_header(packet);
  if (!header) {
    return Status::corruption("header truncated: " + std::to_string(packet.size()) +
                              " bytes, a header needs 12");
  }
  if (header->is_response() != want_response) {
    return Status::corruption(want_response ? "QR bit clear: a query, not a response"
                                            : "QR bit set: a response, not a query");
  }
  if (header->qdcount != 1) {
    return Status::corruption("qdcount is " + std::to_string(header->qdcount) +
                              "; smegd takes exactly one question");
  }
  DnsReader r(packet);
  r.skip(kDnsHeaderBytes);
  auto question = read_question(r);
  if (!question) return question.status();
  DnsQuery query;
  query.header = *header;
  query.question = std::move(question.value());
  if (want_response) return query;

  if (header->ancount != 0 || header->nscount != 0) {
    return Status::corruption("ancount " + std::to_string(header->ancount) + ", nscount " +
                              std::to_string(header->nscount) + ": a query holds no records");
  }
  for (uint16_t i = 0; i < header->arcount; ++i) {
    const std::string what = "additional record " + std::to_string(i + 1);
    const size_t start = r.pos();
    auto name = r.name(what);
    if (!name) return name.status();
    if (Status s = r.need(10, what); !s) return s;
    const uint16_t type = r.u16();
    const uint16_t klass = r.u16();
    r.u32();  // ttl; for OPT: extended rcode, version, flags (version 0 assumed)
    const uint16_t rdlength = r.u16();
    if (Status s = r.need(rdlength, what + " rdata"); !s) return s;
    r.skip(rdlength);
    if (type != static_cast<uint16_t>(DnsType::kOpt)) continue;
    if (query.edns_udp_size) return Status::corruption(at_offset(what, start) + ": a second OPT");
    if (!name->empty()) return Status::corruption(at_offset(what, start) + ": OPT not at root");
    query.edns_udp_size = klass;
  }
  if (r.remaining() != 0) {
    return Status::corruption(std::to_string(r.remaining()) +
                              " trailing bytes after the last record, at offset " +
                              std::to_string(r.pos()));
  }
  return query;
}

// Builds one message. Owner names are compressed against every suffix written before.
class DnsWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void put16(size_t at, uint16_t v) {
    out_[at] = static_cast<uint8_t>(v >> 8);
    out_[at + 1] = static_cast<uint8_t>(v);
  }
  size_t size() const { return out_.size(); }
  std::vector<uint8_t> take() { return std::move(out_); }

  void name(const DnsName& name) {
    for (size_t i = 0; i < name.size(); ++i) {
      const DnsName suffix(name.begin() + static_cast<ptrdiff_t>(i), name.end());
      const std::string key = dns_name_key(suffix);
      auto hit = std::find_if(written_.begin(), written_.end(),
                              [&](const auto& w) { return w.first == key; });
      if (hit != written_.end()) {
        u16(static_cast<uint16_t>(0xc000 | hit->second));
        return;
      }
      if (out_.size() < 0x3fff) written_.emplace_back(key, out_.size());
      u8(static_cast<uint8_t>(name[i].size()));
      bytes({reinterpret_cast<const uint8_t*>(name[i].data()), name[i].size()});
    }
    u8(0);
  }

  void record(const DnsRecord& rr) {
    name(rr.name);
    u16(rr.type);
    u16(rr.klass);
    u32(rr.ttl);
    u16(static_cast<uint16_t>(rr.rdata.size()));
    bytes(rr.rdata);
  }

 private:
  std::vector<uint8_t> out_;
  std::vector<std::pair<std::string, size_t>> written_;
};

std::vector<uint8_t> encode_response(const DnsQuery& query, const DnsAnswer& answer,
                                     bool with_answers, bool with_additional) {
  uint16_t flags = kFlagQr | (query.header.flags & (kOpcodeMask | kFlagRd | kFlagCd)) |
                   static_cast<uint16_t>(answer.rcode);
  if (answer.authoritative) flags |= kFlagAa;
  if (answer.recursion_available) flags |= kFlagRa;
  if (!with_answers) flags |= kFlagTc;
  const size_t ancount = with_answers ? answer.answers.size() : 0;
  const size_t arcount =
      (with_additional ? answer.additional.size() : 0) + (query.edns_udp_size ? 1 : 0);

  DnsWriter w;
  w.u16(query.header.id);
  w.u16(flags);
  w.u16(1);
  w.u16(static_cast<uint16_t>(ancount));
  w.u16(0);
  w.u16(static_cast<uint16_t>(arcount));
  w.name(query.question.name);
  w.u16(query.question.type);
  w.u16(query.question.klass);
  if (with_answers) {
    for (const DnsRecord& rr : answer.answers) w.record(rr);
  }
  if (with_additional) {
    for (const DnsRecord& rr : answer.additional) w.record(rr);
  }
  if (query.edns_udp_size) {
    w.u8(0);  // root
    w.u16(static_cast<uint16_t>(DnsType::kOpt));
    w.u16(static_cast<uint16_t>(kDnsMaxUdp));
    w.u32(0);  // extended rcode 0, version 0, no flags
    w.u16(0);
  }
  return w.take();
}

}  // namespace

std::string dns_name_key(const DnsName& name) {
  std::string key;
  for (const std::string& label : name) {
    key.push_back(static_cast<char>(label.size()));
    for (char c : label) key.push_back(ascii_lower(c));
  }
  return key;
}

bool dns_name_equal(const DnsName& a, const DnsName& b) {
  return dns_name_key(a) == dns_name_key(b);
}

bool dns_name_within(const DnsName& name, const DnsName& zone) {
  if (zone.size() > name.size()) return false;
  const DnsName tail(name.end() - static_cast<ptrdiff_t>(zone.size()), name.end());
  return dns_name_equal(tail, zone);
}

std::string dns_name_text(const DnsName& name) {
  if (name.empty()) return ".";
  std::string text;
  for (const std::string& label : name) {
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '.' || c == '\\') {
        text.push_back('\\');
        text.push_back(c);
      } else if (u <= 0x20 || u >= 0x7f) {
        const std::string digits = std::to_string(u);
        text += "\\" + std::string(3 - digits.size(), '0') + digits;
      } else {
        text.push_back(c);
      }
    }
    text.push_back('.');
  }
  return text;
}

size_t DnsQuery::udp_limit() const {
  if (!edns_udp_size) return kDnsClassicUdp;
  return std::clamp<size_t>(*edns_udp_size, kDnsClassicUdp, kDnsMaxUdp);
}

DnsRecord dns_address_record(const DnsName& name, const IpAddr& addr, uint32_t ttl) {
  DnsRecord rr{name,
               static_cast<uint16_t>(addr.is_v6() ? DnsType::kAaaa : DnsType::kA),
               kDnsClassIn,
               ttl,
               {}};
  rr.rdata.assign(addr.bytes.begin(), addr.bytes.begin() + (addr.is_v6() ? 16 : 4));
  return rr;
}

DnsRecord dns_srv_record(const DnsName& name, uint16_t priority, uint16_t weight, uint16_t port,
                         const DnsName& target, uint32_t ttl) {
  DnsWriter w;  // a fresh writer: the target is never compressed (RFC 2782)
  w.u16(priority);
  w.u16(weight);
  w.u16(port);
  w.name(target);
  return DnsRecord{name, static_cast<uint16_t>(DnsType::kSrv), kDnsClassIn, ttl, w.take()};
}

DnsRecord dns_txt_record(const DnsName& name, std::string_view text, uint32_t ttl) {
  DnsRecord rr{name, static_cast<uint16_t>(DnsType::kTxt), kDnsClassIn, ttl, {}};
  do {
    const size_t n = std::min<size_t>(text.size(), 255);
    rr.rdata.push_back(static_cast<uint8_t>(n));
    rr.rdata.insert(rr.rdata.end(), text.begin(), text.begin() + static_cast<ptrdiff_t>(n));
    text.remove_prefix(n);
  } while (!text.empty());
  return rr;
}

std::optional<DnsHeader> read_dns_header(std::span<const uint8_t> packet) {
  if (packet.size() < kDnsHeaderBytes) return std::nullopt;
  return DnsHeader{get16(packet, 0), get16(packet, 2), get16(packet, 4),
                   get16(packet, 6), get16(packet, 8), get16(packet, 10)};
}

Result<DnsQuery> parse_dns_query(std::span<const uint8_t> packet) {
  return read_head(packet, false);
}

Result<DnsQuery> parse_dns_response_head(std::span<const uint8_t> packet) {
  return read_head(packet, true);
}

std::vector<uint8_t> build_dns_response(const DnsQuery& query, const DnsAnswer& answer,
                                        size_t limit) {
  std::vector<uint8_t> full = encode_response(query, answer, true, true);
  if (full.size() <= limit) return full;
  std::vector<uint8_t> lean = encode_response(query, answer, true, false);
  if (lean.size() <= limit) return lean;
  return encode_response(query, answer, false, false);
}

std::vector<uint8_t> build_dns_error(const DnsHeader& header, DnsRcode rcode) {
  DnsWriter w;
  w.u16(header.id);
  w.u16(kFlagQr | (header.flags & (kOpcodeMask | kFlagRd)) | static_cast<uint16_t>(rcode));
  for (int i = 0; i < 4; ++i) w.u16(0);
  return w.take();
}

void set_dns_id(std::span<uint8_t> packet, uint16_t id) {
  if (packet.size() < 2) return;
  packet[0] = static_cast<uint8_t>(id >> 8);
  packet[1] = static_cast<uint8_t>(id);
}

}  // namespace smeg::daemon
