#include "core/address.h"

#include <sodium.h>

#include <algorithm>
#include <set>

namespace smeg {
namespace {

// Domain tags keep the two derivations (and anything hashed later) from ever sharing an input.
// They are part of the address format: changing them changes every address.
constexpr std::string_view kMeshPrefixTag = "smegmesh/mesh-prefix/v1";
constexpr std::string_view kInterfaceIdTag = "smegmesh/interface-id/v1";

// sodium_init() picks libsodium's fastest implementations (the results are the same either way);
// it is idempotent and thread-safe, and the function-local static runs it once.
void ensure_sodium() {
  static const int init = sodium_init();
  (void)init;
}

// BLAKE2b-256 (libsodium's crypto_generichash) of the concatenated parts.
std::array<uint8_t, 32> blake2b(std::initializer_list<std::string_view> parts) {
  ensure_sodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  for (std::string_view p : parts) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  }
  std::array<uint8_t, 32> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

std::string_view as_chars(const uint8_t* data, size_t len) {
  return {reinterpret_cast<const char*>(data), len};
}

Status invalid(std::string_view kind, std::string_view text, std::string_view why) {
  return Status::invalid_argument("invalid " + std::string(kind) + " \"" + std::string(text) +
                                  "\": " + std::string(why));
}

// Strict decimal: digits only, no sign, no leading zeros (so "08" is never octal-looking), and at
// most `max`. Returns nullopt otherwise.
std::optional<uint32_t> parse_decimal(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// A character for an error message: itself if printable, else \xNN.
std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return "\\x" + to_hex(&u, 1);
}

// Lowercase hex without leading zeros, as RFC 5952 §4.1 wants for a group.
std::string hex_group(unsigned v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return out;
}

// The first 64 bits of `mesh` with `id` as the low 64 bits.
IpAddr with_interface_id(const Prefix& mesh, uint64_t id) {
  IpAddr a = IpAddr::v6(mesh.addr.bytes);
  for (size_t i = 0; i < 8; ++i) a.bytes[15 - i] = static_cast<uint8_t>(id >> (8 * i));
  return a;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<IpAddr> parse_v4(std::string_view text) {
  IpAddr a = IpAddr::v4(0, 0, 0, 0);
  std::string_view rest = text;
  for (size_t i = 0; i < 4; ++i) {
    size_t dot = rest.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) {
      return invalid("IPv4 address", text, "expected four dot-separated numbers");
    }
    auto v = parse_decimal(rest.substr(0, dot), 255);
    if (!v) return invalid("IPv4 address", text, "each part must be 0..255, without leading zeros");
    a.bytes[i] = static_cast<uint8_t>(*v);
    if (dot != std::string_view::npos) rest.remove_prefix(dot + 1);
  }
  return a;
}

// Parses colon-separated groups of 1..4 hex digits ("" gives no groups) and appends them.
bool parse_v6_groups(std::string_view s, std::vector<uint16_t>& out) {
  if (s.empty()) return true;
  while (true) {
    size_t colon = s.find(':');
    std::string_view g = s.substr(0, colon);
    if (g.empty() || g.size() > 4) return false;
    uint16_t v = 0;
    for (char c : g) {
      int h = hex_value(c);
      if (h < 0) return false;
      v = static_cast<uint16_t>((v << 4) | h);
    }
    out.push_back(v);
    if (colon == std::string_view::npos) return true;
    s.remove_prefix(colon + 1);
  }
}

// Full ("1:2:3:4:5:6:7:8") and compressed ("1::8", "::") forms. Embedded IPv4 ("::ffff:1.2.3.4")
// and zone ids ("fe80::1%eth0") are not accepted: the mesh never needs them.
Result<IpAddr> parse_v6(std::string_view text) {
  size_t gap = text.find("::");
  std::vector<uint16_t> head, tail;
  bool ok = parse_v6_groups(text.substr(0, gap), head);
  if (gap != std::string_view::npos) {
    std::string_view after = text.substr(gap + 2);
    if (after.find("::") != std::string_view::npos)
      return invalid("IPv6 address", text, "two '::'");
    ok = ok && parse_v6_groups(after, tail);
  }
  if (!ok) return invalid("IPv6 address", text, "groups must be 1..4 hex digits");
  size_t explicit_groups = head.size() + tail.size();
  if (gap == std::string_view::npos ? explicit_groups != 8 : explicit_groups > 7) {
    return invalid("IPv6 address", text, "wrong number of groups");
  }
  // "::" stands for as many zero groups as are missing; the tail goes at the end.
  std::array<uint16_t, 8> groups{};
  std::copy(head.begin(), head.end(), groups.begin());
  std::copy(tail.begin(), tail.end(), groups.end() - static_cast<std::ptrdiff_t>(tail.size()));
  IpAddr a;
  for (size_t i = 0; i < 8; ++i) {
    a.bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    a.bytes[2 * i + 1] = static_cast<uint8_t>(groups[i]);
  }
  return a;
}

// Zeroes every bit of `bytes` from bit `len` on (all 16 bytes, so IPv4's unused tail stays zero).
void mask_from(std::array<uint8_t, 16>& bytes, int len) {
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(len - 8 * i, 0, 8);
    bytes[static_cast<size_t>(i)] &= static_cast<uint8_t>(0xff00 >> keep);
  }
}

}  // namespace

IpAddr IpAddr::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr r;
  r.family = Family::kV4;
  r.bytes[0] = a;
  r.bytes[1] = b;
  r.bytes[2] = c;
  r.bytes[3] = d;
  return r;
}

std::string IpAddr::to_string() const {
  if (!is_v6()) {
    return std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." +
           std::to_string(bytes[2]) + "." + std::to_string(bytes[3]);
  }
  std::array<unsigned, 8> g{};
  for (size_t i = 0; i < 8; ++i) g[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  size_t best = 8, best_len = 0;
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i >= 2 && j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += hex_group(g[i]);
  }
  return out;
}

Result<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.empty()) return Status::invalid_argument("empty IP address");
  return text.find(':') == std::string_view::npos ? parse_v4(text) : parse_v6(text);
}

Result<Prefix> Prefix::make(const IpAddr& addr, int len) {
  if (len < 0 || len > addr.bits()) {
    return Status::invalid_argument("prefix length " + std::to_string(len) + " out of range 0.." +
                                    std::to_string(addr.bits()) + " for " + addr.to_string());
  }
  Prefix p{addr, static_cast<uint8_t>(len)};
  mask_from(p.addr.bytes, len);
  return p;
}

Prefix Prefix::host(const IpAddr& addr) { return *make(addr, addr.bits()); }

Prefix Prefix::default_route_v6() { return Prefix{IpAddr::v6({}), 0}; }

bool Prefix::contains(const IpAddr& a) const {
  if (a.family != addr.family) return false;
  std::array<uint8_t, 16> masked = a.bytes;
  mask_from(masked, len);
  return masked == addr.bytes;
}

std::string Prefix::to_string() const { return addr.to_string() + "/" + std::to_string(len); }

// Host bits set in the text ("fd00::1/64") are masked, as make() does and as WireGuard does for
// allowed IPs, rather than rejected.
Result<Prefix> Prefix::parse(std::string_view text) {
  size_t slash = text.rfind('/');
  if (slash == std::string_view::npos) return invalid("prefix", text, "missing \"/length\"");
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return invalid("prefix", text, addr.status().message());
  auto len = parse_decimal(text.substr(slash + 1), 128);
  if (!len) return invalid("prefix", text, "length must be a number without leading zeros");
  auto p = make(*addr, static_cast<int>(*len));
  if (!p) return invalid("prefix", text, p.status().message());
  return p;
}

std::string Endpoint::to_string() const {
  std::string a = addr.to_string();
  return (addr.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return invalid("endpoint", text, "expected \"[v6]:port\"");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) {
      return invalid("endpoint", text, "brackets are only for IPv6 addresses");
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid("endpoint", text, "missing \":port\"");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return invalid("endpoint", text, "IPv6 endpoints need brackets: \"[v6]:port\"");
    }
  }
  auto addr = IpAddr::parse(host);
  if (!addr) return invalid("endpoint", text, addr.status().message());
  auto p = parse_decimal(port, 65535);
  if (!p || *p == 0) return invalid("endpoint", text, "port must be 1..65535");
  return Endpoint{*addr, static_cast<uint16_t>(*p)};
}

Prefix mesh_prefix(std::string_view mesh_id) {
  auto h = blake2b({kMeshPrefixTag, mesh_id});
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;  // ULA with L=1 (RFC 4193); the hash stands in for its random global id.
  std::copy(h.begin(), h.begin() + 7, b.begin() + 1);
  return Prefix{IpAddr::v6(b), 64};
}

// The raw derivation: a reserved result (see internal::is_reserved_interface_id) is returned as
// is; resolve_addresses() never assigns one, treating it as a collision with nothing and moving
// the key to its next attempt.
uint64_t interface_id(const PublicKey& key, uint32_t attempt) {
  const uint8_t be[4] = {static_cast<uint8_t>(attempt >> 24), static_cast<uint8_t>(attempt >> 16),
                         static_cast<uint8_t>(attempt >> 8), static_cast<uint8_t>(attempt)};
  auto h =
      blake2b({kInterfaceIdTag, as_chars(key.bytes.data(), key.bytes.size()), as_chars(be, 4)});
  uint64_t id = 0;
  for (size_t i = 0; i < 8; ++i) id = (id << 8) | h[i];
  return id;
}

// Takes the first 64 bits of `mesh` whatever its length: callers pass mesh_prefix()'s /64.
IpAddr overlay_address(const Prefix& mesh, const PublicKey& key, uint32_t attempt) {
  return with_interface_id(mesh, interface_id(key, attempt));
}

namespace internal {

bool is_reserved_interface_id(uint64_t id) {
  return id == 0 || id == 0xffffffffffffffffULL ||
         (id >= 0xfdffffffffffff80ULL && id <= 0xfdffffffffffffffULL);
}

std::map<PublicKey, AssignedId> assign_interface_ids(std::span<const PublicKey> keys,
                                                     const InterfaceIdFn& id_of) {
  // Sorting first makes the outcome a function of the set alone, and lets the lower key win.
  std::vector<PublicKey> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  std::set<uint64_t> taken;
  std::map<PublicKey, AssignedId> out;
  for (const PublicKey& key : sorted) {
    // With the real derivation each attempt is a fresh 64-bit hash and at most keys.size() ids
    // are taken, so this ends almost always at attempt 0 (an injected id_of must vary too).
    for (uint32_t attempt = 0;; ++attempt) {
      uint64_t id = id_of(key, attempt);
      if (is_reserved_interface_id(id) || taken.count(id)) continue;
      taken.insert(id);
      out.emplace(key, AssignedId{attempt, id});
      break;
    }
  }
  return out;
}

}  // namespace internal

std::map<PublicKey, IpAddr> resolve_addresses(const Prefix& mesh, std::span<const PublicKey> keys) {
  std::map<PublicKey, IpAddr> out;
  auto ids = internal::assign_interface_ids(
      keys, [](const PublicKey& k, uint32_t attempt) { return interface_id(k, attempt); });
  for (const auto& [key, assigned] : ids) out.emplace(key, with_interface_id(mesh, assigned.id));
  return out;
}

std::string generate_mesh_id(const std::array<uint8_t, 10>& random) {
  static constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";  // RFC 4648 §6, lowercase
  // 80 bits are exactly 16 five-bit characters: no padding, no leftover bits.
  std::string out;
  uint32_t acc = 0;
  int acc_bits = 0;
  for (uint8_t b : random) {
    acc = (acc << 8) | b;
    acc_bits += 8;
    while (acc_bits >= 5) {
      acc_bits -= 5;
      out += kBase32[(acc >> acc_bits) & 0x1f];
    }
    acc &= (1u << acc_bits) - 1;
  }
  return out;
}

Status validate_mesh_id(std::string_view id) {
  if (id.empty() || id.size() > 63) {
    return Status::invalid_argument("mesh id must be 1..63 characters, got " +
                                    std::to_string(id.size()));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') continue;
    return Status::invalid_argument("mesh id \"" + std::string(id) + "\" has invalid character " +
                                    describe_char(c) + " at position " + std::to_string(i) +
                                    " (allowed: a-z, 0-9, '-')");
  }
  if (id.front() == '-' || id.back() == '-') {
    return Status::invalid_argument("mesh id \"" + std::string(id) +
                                    "\" must not start or end with '-'");
  }
  return Status::ok();
}

}  // namespace smeg
