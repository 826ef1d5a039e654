#include "daemon/dns_upstream.h"

namespace smeg::daemon {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// An interface name (at most 15 bytes, IFNAMSIZ - 1) or index: letters, digits, '.', '_', '-'.
bool is_scope(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<DnsUpstream> parse_nameserver(std::string_view text, const std::string& where) {
  DnsUpstream up;
  std::string_view addr = text;
  if (size_t pct = text.find('%'); pct != std::string_view::npos) {
    addr = text.substr(0, pct);
    up.scope = std::string(text.substr(pct + 1));
    if (!is_scope(up.scope)) {
      return Status::invalid_argument(where +
                                      ": nameserver scope is not an interface name or "
                                      "number");
    }
  }
  auto ip = IpAddr::parse(addr);
  if (!ip) {
    return Status::invalid_argument(where + ": nameserver is not an IP address (" +
                                    ip.status().message() + ")");
  }
  up.addr = *ip;
  if (!up.scope.empty() && !up.addr.is_v6()) {
    return Status::invalid_argument(where + ": nameserver scope on an IPv4 address");
  }
  return up;
}

}  // namespace

std::string DnsUpstream::to_string() const {
  if (!addr.is_v6()) return addr.to_string() + ":" + std::to_string(port);
  return "[" + addr.to_string() + (scope.empty() ? "" : "%" + scope) + "]:" + std::to_string(port);
}

Result<std::vector<DnsUpstream>> parse_resolv_conf(std::string_view text) {
  std::vector<DnsUpstream> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = line.substr(0, line.find_first_of("#;"));
    const std::vector<std::string_view> w = words(line);
    if (w.empty() || w[0] != "nameserver") continue;
    const std::string where = "resolv.conf line " + std::to_string(line_no);
    if (w.size() < 2) return Status::invalid_argument(where + ": nameserver without an address");
    auto up = parse_nameserver(w[1], where);
    if (!up) return up.status();
    out.push_back(std::move(up.value()));
  }
  return out;
}

}  // namespace smeg::daemon
