#include "backends/uapi_text.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace smeg::backends {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex_key(std::string_view text, Key32& out) {
  if (text.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// A decimal number with no sign, no spaces and nothing after it, at most `max`.
template <typename T>
bool parse_number(std::string_view text, T max, T& out) {
  if (text.empty()) return false;
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  out = v;
  return true;
}

// Reads one reply line by line; every error names the line and its key.
class ReplyParser {
 public:
  explicit ReplyParser(std::string_view text) : text_(text) {}

  Result<UapiReply> parse(bool device_keys_allowed) {
    UapiReply reply;
    bool in_peer = false;
    while (pos_ < text_.size()) {
      const size_t nl = text_.find('\n', pos_);
      const std::string_view line =
          text_.substr(pos_, nl == std::string_view::npos ? std::string_view::npos : nl - pos_);
      pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
      ++line_no_;
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        key_ = line;
        return bad("", "expected key=value");
      }
      key_ = line.substr(0, eq);
      const std::string_view value = line.substr(eq + 1);
      if (key_ == "errno") {
        int64_t e = 0;
        const bool negative = !value.empty() && value[0] == '-';
        if (!parse_number<int64_t>(value.substr(negative ? 1 : 0), 4095, e)) {
          return bad(value, "expected an errno number");
        }
        reply.error = static_cast<int>(e);
        const std::string_view rest = text_.substr(pos_);
        if (!rest.empty() && rest != "\n") return bad(value, "text after the errno line");
        finish(reply.device);
        return reply;
      }
      if (!device_keys_allowed) return bad(value, "a set reply carries only errno");
      if (Status s = in_peer ? peer_line(reply.device, value, in_peer)
                             : device_line(reply.device, value, in_peer);
          !s) {
        return s;
      }
    }
    return Status::corruption("uapi reply: ends after line " + std::to_string(line_no_) +
                              " without an errno line");
  }

 private:
  Status bad(std::string_view value, const char* why) const {
    std::string v(value.substr(0, 80));
    return Status::corruption("uapi reply: line " + std::to_string(line_no_) + ": key \"" +
                              std::string(key_.substr(0, 40)) + "\": " + why + " (value \"" + v +
                              "\")");
  }

  Status start_peer(DeviceState& d, std::string_view value, bool& in_peer) {
    PeerState p;
    if (!parse_hex_key(value, p.public_key)) return bad(value, "expected 64 hex digits");
    d.peers.push_back(std::move(p));
    in_peer = true;
    return Status::ok();
  }

  Status device_line(DeviceState& d, std::string_view value, bool& in_peer) {
    if (key_ == "public_key") return start_peer(d, value, in_peer);
    if (key_ == "private_key") {
      PrivateKey k;
      if (!parse_hex_key(value, k)) return bad(value, "expected 64 hex digits");
      // All zeros is how an implementation may say "no key".
      if (!k.is_zero()) {
        d.private_key = k;
        d.public_key = k.public_key();
      }
    } else if (key_ == "listen_port") {
      if (!parse_number<uint16_t>(value, 65535, d.listen_port)) return bad(value, "not a port");
    } else if (key_ == "fwmark") {
      if (!parse_number<uint32_t>(value, std::numeric_limits<uint32_t>::max(), d.fwmark)) {
        return bad(value, "not a 32-bit number");
      }
    } else if (is_peer_key()) {
      return bad(value, "a peer key before any public_key line");
    }
    return Status::ok();  // unknown device keys are skipped (see the header)
  }

  bool is_peer_key() const {
    return key_ == "preshared_key" || key_ == "endpoint" || key_ == "allowed_ip" ||
           key_ == "persistent_keepalive_interval" || key_ == "last_handshake_time_sec" ||
           key_ == "last_handshake_time_nsec" || key_ == "rx_bytes" || key_ == "tx_bytes" ||
           key_ == "protocol_version";
  }

  Status peer_line(DeviceState& d, std::string_view value, bool& in_peer) {
    if (key_ == "public_key") return start_peer(d, value, in_peer);
    PeerState& p = d.peers.back();
    if (key_ == "preshared_key") {
      Key32 k;
      if (!parse_hex_key(value, k)) return bad(value, "expected 64 hex digits");
      p.has_preshared_key = !k.is_zero();
    } else if (key_ == "endpoint") {
      // A link-local IPv6 endpoint may carry a zone ("[fe80::1%veth0]:51820"); the model has
      // no zone, so it is dropped rather than failing the whole read.
      std::string text(value);
      if (const size_t pct = text.find('%');
          pct != std::string::npos && !text.empty() && text[0] == '[') {
        const size_t close = text.find(']', pct);
        if (close != std::string::npos) text.erase(pct, close - pct);
      }
      auto e = Endpoint::parse(text);
      if (!e) return bad(value, "not an endpoint");
      p.endpoint = *e;
    } else if (key_ == "allowed_ip") {
      auto a = Prefix::parse(value);
      if (!a) return bad(value, "not a prefix");
      p.allowed_ips.push_back(*a);
    } else if (key_ == "persistent_keepalive_interval") {
      if (!parse_number<uint16_t>(value, 65535, p.persistent_keepalive)) {
        return bad(value, "not a 16-bit number");
      }
    } else if (key_ == "last_handshake_time_sec") {
      int64_t s = 0;
      if (!parse_number<int64_t>(value, std::numeric_limits<int64_t>::max() / kNanosPerSecond, s)) {
        return bad(value, "not a number of seconds");
      }
      p.last_handshake_unix_ns = s * kNanosPerSecond + p.last_handshake_unix_ns % kNanosPerSecond;
    } else if (key_ == "last_handshake_time_nsec") {
      int64_t ns = 0;
      if (!parse_number<int64_t>(value, kNanosPerSecond - 1, ns)) {
        return bad(value, "not a number of nanoseconds below 10^9");
      }
      p.last_handshake_unix_ns = p.last_handshake_unix_ns / kNanosPerSecond * kNanosPerSecond + ns;
    } else if (key_ == "rx_bytes" || key_ == "tx_bytes") {
      uint64_t& n = key_ == "rx_bytes" ? p.rx_bytes : p.tx_bytes;
      if (!parse_number<uint64_t>(value, std::numeric_limits<uint64_t>::max(), n)) {
        return bad(value, "not a 64-bit number");
      }
    } else if (key_ == "protocol_version") {
      if (!parse_number<uint32_t>(value, std::numeric_limits<uint32_t>::max(),
                                  p.protocol_version)) {
        return bad(value, "not a number");
      }
    } else if (key_ == "private_key" || key_ == "listen_port" || key_ == "fwmark") {
      return bad(value, "a device key inside a peer's section");
    }
    return Status::ok();
  }

  // Sorts peers and allowed IPs (the reply's order is the implementation's hash order).
  static void finish(DeviceState& d) {
    for (PeerState& p : d.peers) std::sort(p.allowed_ips.begin(), p.allowed_ips.end());
    std::sort(d.peers.begin(), d.peers.end(),
              [](const PeerState& a, const PeerState& b) { return a.public_key < b.public_key; });
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  std::string_view key_;
};

void append_key(std::string& out, const char* name, const Key32& key) {
  out += name;
  out += '=';
  out += to_hex(key.bytes.data(), key.bytes.size());
  out += '\n';
}

void append_number(std::string& out, const char* name, uint64_t v) {
  out += name;
  out += '=';
  out += std::to_string(v);
  out += '\n';
}

}  // namespace

Result<UapiReply> parse_get_reply(std::string_view text) {
  auto r = ReplyParser(text).parse(true);
  if (!r) return r;
  const auto& peers = r->device.peers;
  for (size_t i = 1; i < peers.size(); ++i) {
    if (peers[i].public_key == peers[i - 1].public_key) {
      return Status::corruption("uapi reply: peer " + peers[i].public_key.to_base64() +
                                " appears twice");
    }
  }
  return r;
}

Result<UapiReply> parse_set_reply(std::string_view text) { return ReplyParser(text).parse(false); }

bool uapi_reply_complete(std::string_view buffer) {
  return buffer == "\n" || (buffer.size() >= 2 && buffer.substr(buffer.size() - 2) == "\n\n");
}

Status validate_for_uapi(const DeviceChange& change) {
  for (size_t i = 0; i < change.peers.size(); ++i) {
    const PeerChange& c = change.peers[i];
    if (!c.remove && !c.remove_allowed_ips.empty()) {
      return Status::unsupported("peer " + std::to_string(i) + " (" + c.public_key.to_base64() +
                                 "): the UAPI text protocol cannot remove a single allowed IP");
    }
  }
  return Status::ok();
}

std::string format_set_request(const DeviceChange& change) {
  std::string out = "set=1\n";
  // ~200 bytes for a typical peer section: one allocation for large sets.
  out.reserve(64 + change.peers.size() * 200);
  if (change.private_key) append_key(out, "private_key", *change.private_key);
  if (change.listen_port) append_number(out, "listen_port", *change.listen_port);
  if (change.fwmark) append_number(out, "fwmark", *change.fwmark);
  if (change.replace_peers) out += "replace_peers=true\n";
  for (const PeerChange& c : change.peers) {
    append_key(out, "public_key", c.public_key);
    if (c.remove) {
      out += "remove=true\n";
      continue;
    }
    if (c.clear_preshared_key) append_key(out, "preshared_key", Key32{});
    if (c.endpoint) out += "endpoint=" + c.endpoint->to_string() + "\n";
    if (c.persistent_keepalive) {
      append_number(out, "persistent_keepalive_interval", *c.persistent_keepalive);
    }
    if (c.replace_allowed_ips) out += "replace_allowed_ips=true\n";
    for (const Prefix& p : c.allowed_ips) out += "allowed_ip=" + p.to_string() + "\n";
  }
  out += '\n';
  return out;
}

}  // namespace smeg::backends
