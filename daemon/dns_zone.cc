#include "daemon/dns_zone.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "core/params.h"

namespace smeg::daemon {

namespace {

// Untrusted text made safe for a log line: backslash and bytes outside printable ASCII are
// escaped as \DDD, so a hostile alias cannot forge a line or a terminal escape.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      const std::string digits = std::to_string(u);
      out += "\\" + std::string(3 - digits.size(), '0') + digits;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct ServicePort {
  bool udp = false;
  uint16_t port = 0;
};

// "PORT", "tcp/PORT" or "udp/PORT" with PORT a decimal in 1..65535; nullopt for anything else
// (the value is then only a TXT).
std::optional<ServicePort> parse_service_port(std::string_view value) {
  ServicePort sp;
  if (value.starts_with("tcp/")) {
    value.remove_prefix(4);
  } else if (value.starts_with("udp/")) {
    sp.udp = true;
    value.remove_prefix(4);
  }
  if (value.empty() || value.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  sp.port = static_cast<uint16_t>(port);
  return sp;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

bool DnsZone::Srv::operator<(const Srv& o) const {
  if (port != o.port) return port < o.port;
  return dns_name_key(target) < dns_name_key(o.target);
}

bool DnsZone::Srv::operator==(const Srv& o) const {
  return port == o.port && dns_name_equal(target, o.target);
}

const DnsName& DnsZone::origin() {
  static const DnsName kOrigin{"smeg"};
  return kOrigin;
}

bool DnsZone::contains(const DnsName& name) { return dns_name_within(name, origin()); }

std::shared_ptr<const DnsZone> DnsZone::build(std::span<const DnsMesh> meshes, uint32_t ttl) {
  std::shared_ptr<DnsZone> zone(new DnsZone());
  zone->ttl_ = ttl;
  zone->add_name(origin());
  std::vector<std::pair<const DnsMesh*, const DnsNode*>> named;
  for (const DnsMesh& mesh : meshes) {
    if (Status s = validate_mesh_id(mesh.id); !s) {
      zone->rejected_.push_back("mesh left out: " + printable(s.message()));
      continue;
    }
    for (const DnsNode& node : mesh.nodes) {
      if (node.alias.empty()) continue;
      if (Status s = validate_alias(node.alias); !s) {
        zone->rejected_.push_back("mesh " + mesh.id + ": node left out: " + printable(s.message()));
        continue;
      }
      named.emplace_back(&mesh, &node);
      zone->add_node(mesh.id, node);
    }
  }
  // The original's MESH.ALIAS form, on names the new form has not taken.
  std::set<std::string> taken;
  for (const auto& [key, entry] : zone->names_) taken.insert(key);
  for (const auto& [mesh, node] : named) {
    const DnsName old_form{mesh->id, node->alias, "smeg"};
    if (taken.count(dns_name_key(old_form)) == 0) {
      zone->entry(old_form).addresses.push_back(node->address);
    }
  }
  for (auto& [key, e] : zone->names_) {
    sort_unique(e.addresses);
    sort_unique(e.texts);
    sort_unique(e.services);
  }
  return zone;
}

void DnsZone::add_node(const std::string& mesh, const DnsNode& node) {
  const DnsName host{node.alias, mesh, "smeg"};
  entry(host).addresses.push_back(node.address);
  for (const auto& [name, value] : node.services) {
    if (Status s = validate_service(name, value); !s) {
      rejected_.push_back("mesh " + mesh + " node " + node.alias +
                          ": service left out: " + printable(s.message()));
      continue;
    }
    entry({name, node.alias, mesh, "smeg"}).texts.push_back(value);
    const std::optional<ServicePort> sp = parse_service_port(value);
    if (!sp) continue;
    const std::string label = name.starts_with('_') ? name : "_" + name;
    if (label.size() > kDnsMaxLabel) {
      rejected_.push_back("mesh " + mesh + " node " + node.alias + ": service " + name +
                          " has no SRV: '_" + name + "' is longer than 63 bytes");
      continue;
    }
    entry({label, sp->udp ? "_udp" : "_tcp", node.alias, mesh, "smeg"})
        .services.push_back(Srv{sp->port, host});
  }
}

void DnsZone::add_name(const DnsName& name) {
  for (size_t i = 0; i + origin().size() <= name.size(); ++i) {
    names_.try_emplace(dns_name_key(DnsName(name.begin() + static_cast<ptrdiff_t>(i), name.end())));
  }
}

DnsZone::Entry& DnsZone::entry(const DnsName& name) {
  add_name(name);
  return names_[dns_name_key(name)];
}

DnsAnswer DnsZone::lookup(const DnsQuestion& q) const {
  DnsAnswer answer;
  answer.authoritative = true;
  if (q.klass != kDnsClassIn && q.klass != kDnsClassAny) {
    answer.rcode = DnsRcode::kRefused;
    answer.authoritative = false;
    return answer;
  }
  auto it = names_.find(dns_name_key(q.name));
  if (it == names_.end()) {
    answer.rcode = DnsRcode::kNxDomain;
    return answer;
  }
  append_records(it->second, q, answer);
  return answer;
}

void DnsZone::append_records(const Entry& e, const DnsQuestion& q, DnsAnswer& out) const {
  const bool any = q.type == static_cast<uint16_t>(DnsType::kAny);
  for (const IpAddr& addr : e.addresses) {
    const DnsType t = addr.is_v6() ? DnsType::kAaaa : DnsType::kA;
    if (any || q.type == static_cast<uint16_t>(t)) {
      out.answers.push_back(dns_address_record(q.name, addr, ttl_));
    }
  }
  if (any || q.type == static_cast<uint16_t>(DnsType::kTxt)) {
    for (const std::string& text : e.texts) {
      out.answers.push_back(dns_txt_record(q.name, text, ttl_));
    }
  }
  if (any || q.type == static_cast<uint16_t>(DnsType::kSrv)) {
    std::vector<const DnsName*> targets;
    for (const Srv& srv : e.services) {
      out.answers.push_back(dns_srv_record(q.name, 0, 0, srv.port, srv.target, ttl_));
      if (targets.empty() || !dns_name_equal(*targets.back(), srv.target)) {
        targets.push_back(&srv.target);
      }
    }
    std::set<std::string> added;
    for (const DnsName* target : targets) {
      const std::string key = dns_name_key(*target);
      auto it = names_.find(key);
      if (it == names_.end() || !added.insert(key).second) continue;
      for (const IpAddr& addr : it->second.addresses) {
        out.additional.push_back(dns_address_record(*target, addr, ttl_));
      }
    }
  }
}

}  // namespace smeg::daemon
