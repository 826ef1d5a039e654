#include "daemon/host_port.h"

#include <algorithm>
#include <charconv>

namespace smeg::daemon {
namespace {

constexpr uint16_t kDnsPort = 53;

Status invalid(std::string_view text, std::string_view why) {
  return Status::invalid_argument("\"" + std::string(text) + "\": " + std::string(why));
}

// True for an all-numeric dotted text, which must then be an IPv4 address, not a name.
bool looks_numeric(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// An IPv4 literal or a DNS name; `text` is the whole input, for the message.
Status check_host(std::string_view text, std::string_view host) {
  if (host.empty()) return invalid(text, "the host is empty");
  if (looks_numeric(host)) {
    if (!IpAddr::parse(host)) return invalid(text, "not an IPv4 address");
    return Status::ok();
  }
  if (host.back() == '.') host.remove_suffix(1);  // a fully qualified name
  if (host.size() > 253) return invalid(text, "a host name has at most 253 characters");
  size_t start = 0;
  while (start <= host.size()) {
    const size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63) {
      return invalid(text, "each label of a host name has 1..63 characters");
    }
    if (!std::all_of(label.begin(), label.end(), is_label_char) || label.front() == '-' ||
        label.back() == '-') {
      return invalid(text, "a host name holds letters, digits and '-' (not at a label's ends)");
    }
    start = dot + 1;
  }
  return Status::ok();
}

}  // namespace

Result<HostAndPort> parse_host_and_port(std::string_view text) {
  HostAndPort out;
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "missing ']'");
    host = text.substr(1, close - 1);
    auto ip = IpAddr::parse(host);
    if (!ip || !ip->is_v6()) return invalid(text, "brackets hold an IPv6 address");
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return invalid(text, "expected \":port\" after ']'");
    if (!rest.empty()) port = rest.substr(1);
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    if (!IpAddr::parse(text)) {
      return invalid(text, "not an IPv6 address (with a port, write [v6]:port)");
    }
  } else {
    const size_t colon = text.find(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
    if (Status s = check_host(text, host); !s) return s;
  }
  out.host = std::string(host);
  if (port) {
    uint32_t p = 0;
    const char* end = port->data() + port->size();
    const auto [last, ec] = std::from_chars(port->data(), end, p);
    if (port->empty() || ec != std::errc() || last != end || p < 1 || p > 65535) {
      return invalid(text, "the port must be 1..65535");
    }
    out.port = static_cast<uint16_t>(p);
  }
  return out;
}

Result<Endpoint> parse_dns_server(std::string_view text) {
  if (!text.empty() && text[0] != '[' && std::count(text.begin(), text.end(), ':') != 1) {
    auto addr = IpAddr::parse(text);
    if (!addr) return invalid(text, "not an IP address (ADDR, ADDR:PORT or [v6]:PORT)");
    return Endpoint{*addr, kDnsPort};
  }
  return Endpoint::parse(text);
}

}  // namespace smeg::daemon
