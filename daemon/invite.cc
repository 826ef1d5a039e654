#include "daemon/invite.h"

#include <ostream>

namespace smeg::daemon {
namespace {

constexpr std::string_view kScheme = "smeg://";
constexpr std::string_view kForm = "smeg://MESHID@HOST:PORT/SECRET";

Status bad(std::string_view part, std::string_view why) {
  return Status::invalid_argument("invite " + std::string(part) + ": " + std::string(why));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Decimal 1..65535 without sign or leading zeros, as Endpoint::parse reads ports.
std::optional<uint16_t> parse_port(std::string_view s) {
  if (!is_digits(s) || s.size() > 5 || s[0] == '0') return std::nullopt;
  uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint32_t>(c - '0');
  if (v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// A host name as RFC 1123 allows: dot-separated labels of 1..63 letters, digits and '-', not
// starting or ending with '-', 253 characters at most.
Status check_dns_name(std::string_view host) {
  if (host.size() > 253) {
    return bad("host", "name of " + std::to_string(host.size()) + " characters (at most 253)");
  }
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view label = host.substr(start, dot - start);
    const std::string at = " at position " + std::to_string(start);
    if (label.empty()) return bad("host", "\"" + std::string(host) + "\" has an empty label" + at);
    if (label.size() > 63) return bad("host", "label longer than 63 characters" + at);
    for (size_t i = 0; i < label.size(); ++i) {
      const char c = label[i];
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        return bad("host", "\"" + std::string(host) + "\" has a character outside A-Z a-z 0-9 " +
                               "'-' '.' at position " + std::to_string(start + i));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return bad("host",
                 "\"" + std::string(host) + "\" has a label starting or ending with '-'" + at);
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Status::ok();
}

// The host without brackets: an IPv6 or IPv4 literal or a DNS name.
Status check_host(std::string_view host) {
  if (host.empty()) return bad("host", "empty");
  if (host.find(':') != std::string_view::npos) {
    auto ip = IpAddr::parse(host);
    return ip ? Status::ok() : bad("host", ip.status().message());
  }
  // A last label of digits makes an IPv4 address, never a name: resolvers read "10.1" as the
  // address 10.0.0.1, so such a name would not mean what it says.
  const size_t dot = host.rfind('.');
  if (is_digits(host.substr(dot == std::string_view::npos ? 0 : dot + 1))) {
    auto ip = IpAddr::parse(host);
    if (ip) return Status::ok();
    return bad("host", ip.status().message() + " (and not a name: its last label is all digits)");
  }
  return check_dns_name(host);
}

}  // namespace

Status Invite::validate() const {
  Status s = validate_mesh_id(mesh_id);
  if (!s) return bad("mesh id", s.message());
  s = check_host(host);
  if (!s) return s;
  if (port == 0) return bad("port", "must be 1..65535, got 0");
  return Status::ok();
}

Result<Invite> Invite::parse(std::string_view text) {
  std::string_view rest = trim(text);
  if (rest.substr(0, kScheme.size()) != kScheme) {
    return bad("scheme", "must start with \"smeg://\" (the form is " + std::string(kForm) + ")");
  }
  rest.remove_prefix(kScheme.size());

  Invite inv;
  const size_t at = rest.find('@');
  if (at == std::string_view::npos) {
    return bad("mesh id", "no '@' ends it (the form is " + std::string(kForm) + ")");
  }
  inv.mesh_id = rest.substr(0, at);
  rest.remove_prefix(at + 1);

  // The secret is everything after the first '/'; no host or port contains one.
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("secret", "missing: no '/' after the port");
  std::string_view host_port = rest.substr(0, slash);
  const std::string_view secret_text = rest.substr(slash + 1);

  std::string_view host, port;
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == std::string_view::npos) return bad("host", "'[' without ']'");
    host = host_port.substr(1, close - 1);
    if (host.find(':') == std::string_view::npos) {
      return bad("host", "brackets are only for IPv6 addresses");
    }
    const std::string_view after = host_port.substr(close + 1);
    if (after.empty() || after.front() != ':') return bad("port", "missing: no ':' after ']'");
    port = after.substr(1);
  } else {
    const size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) return bad("port", "missing: no ':' after the host");
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad("host", "an IPv6 address needs brackets: \"[" + std::string(host) + "]\"");
    }
  }
  inv.host = host;
  const auto port_number = parse_port(port);
  if (!port_number) {
    return bad("port", "\"" + std::string(port) + "\" is not a number 1..65535");
  }
  inv.port = *port_number;

  auto secret = MeshSecret::parse(secret_text);
  if (!secret) return bad("secret", secret.status().message());
  inv.secret = *secret;

  Status s = inv.validate();
  if (!s) return s;
  return inv;
}

std::string Invite::reveal() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(kScheme) + mesh_id + "@" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + "/" + secret.reveal_base64url();
}

std::optional<IpAddr> Invite::host_ip() const {
  auto ip = IpAddr::parse(host);
  if (!ip) return std::nullopt;
  return *ip;
}

void PrintTo(const Invite& invite, std::ostream* os) {
  *os << "Invite(" << invite.mesh_id << "@" << invite.host << ":" << invite.port
      << ", secret redacted)";
}

}  // namespace smeg::daemon
