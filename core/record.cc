#include "core/record.h"

#include <algorithm>

#include "core/params.h"
#include "core/rng.h"

namespace smeg {

const char* role_name(Role role) { return role == Role::kPeer ? "peer" : "client"; }

bool NodeRecord::same_content(const NodeRecord& o) const {
  return key == o.key && version == o.version && role == o.role && slot == o.slot &&
         joined_epoch == o.joined_epoch && address_attempt == o.address_attempt &&
         control == o.control && wg_endpoint == o.wg_endpoint && keepalive == o.keepalive &&
         attached_to == o.attached_to && alias == o.alias && description == o.description &&
         services == o.services && routes == o.routes;
}

namespace {

void encode_ip(Writer& w, const IpAddr& a) {
  w.u8(static_cast<uint8_t>(a.family));
  w.bytes(a.bytes.data(), a.is_v6() ? 16 : 4);
}

IpAddr decode_ip(Reader& r, const char* field) {
  IpAddr a;
  const uint8_t fam = r.u8(field);
  if (fam == 6) {
    a.family = IpAddr::Family::kV6;
    a.bytes = r.array<16>(field);
  } else if (fam == 4) {
    a.family = IpAddr::Family::kV4;
    auto b = r.array<4>(field);
    std::copy(b.begin(), b.end(), a.bytes.begin());
  } else {
    r.fail(field, "unknown address family");
  }
  return a;
}

}  // namespace

void encode_endpoint(Writer& w, const std::optional<Endpoint>& e) {
  w.u8(e ? 1 : 0);
  if (!e) return;
  encode_ip(w, e->addr);
  w.u16(e->port);
}

std::optional<Endpoint> decode_endpoint(Reader& r, const char* field) {
  const uint8_t has = r.u8(field);
  if (has == 0) return std::nullopt;
  if (has != 1) {
    r.fail(field, "bad presence flag");
    return std::nullopt;
  }
  Endpoint e;
  e.addr = decode_ip(r, field);
  e.port = r.u16(field);
  return e;
}

void encode_prefix(Writer& w, const Prefix& p) {
  encode_ip(w, p.addr);
  w.u8(p.len);
}

Prefix decode_prefix(Reader& r, const char* field) {
  Prefix p;
  p.addr = decode_ip(r, field);
  p.len = r.u8(field);
  if (r.ok() && p.len > p.addr.bits()) r.fail(field, "prefix length exceeds address bits");
  // Host bits must be zero so that one prefix has one encoding.
  if (r.ok()) {
    for (int bit = p.len; bit < p.addr.bits(); ++bit) {
      if (p.addr.bytes[static_cast<size_t>(bit / 8)] & (0x80 >> (bit % 8))) {
        r.fail(field, "prefix has host bits set");
        break;
      }
    }
  }
  return p;
}

void NodeRecord::encode(Writer& w) const {
  w.array(key.bytes);
  w.varint(version);
  w.u8(static_cast<uint8_t>(role));
  w.varint(slot == RecordLimits::kNoSlot ? 0 : uint64_t{slot} + 1);
  w.varint(joined_epoch);
  w.varint(address_attempt);
  encode_endpoint(w, control);
  encode_endpoint(w, wg_endpoint);
  w.u16(keepalive);
  w.u8(attached_to.is_zero() ? 0 : 1);
  if (!attached_to.is_zero()) w.array(attached_to.bytes);
  w.string(alias);
  w.string(description);
  w.varint(services.size());
  for (const auto& [name, value] : services) {
    w.string(name);
    w.string(value);
  }
  w.varint(routes.size());
  for (const auto& route : routes) {
    encode_prefix(w, route.prefix);
    w.varint(route.path.size());
    for (const auto& m : route.path) w.string(m);
  }
}

NodeRecord NodeRecord::decode(Reader& r) {
  NodeRecord n;
  n.key.bytes = r.array<32>("record.key");
  n.version = r.varint("record.version");
  if (r.ok() && n.version == 0) r.fail("record.version", "must be positive");
  const uint8_t role = r.u8("record.role");
  if (role > 1) r.fail("record.role", "unknown role");
  n.role = static_cast<Role>(role);
  // Encoded as slot + 1 (0: none); a slot is below kMaxSlot, like every bitmap position.
  const uint64_t slot = r.varint_max("record.slot", RecordLimits::kMaxSlot);
  n.slot = slot == 0 ? RecordLimits::kNoSlot : static_cast<uint32_t>(slot - 1);
  n.joined_epoch = r.varint("record.joined_epoch");
  n.address_attempt = static_cast<uint32_t>(r.varint_max("record.address_attempt", 1u << 16));
  n.control = decode_endpoint(r, "record.control");
  n.wg_endpoint = decode_endpoint(r, "record.wg_endpoint");
  n.keepalive = r.u16("record.keepalive");
  const uint8_t attached = r.u8("record.attached_to");
  if (attached > 1) r.fail("record.attached_to", "bad presence flag");
  if (attached == 1) {
    n.attached_to.bytes = r.array<32>("record.attached_to");
    if (r.ok() && n.attached_to.is_zero()) r.fail("record.attached_to", "zero key");
  }
  n.alias = r.string("record.alias", RecordLimits::kAlias);
  // What an owner could not have set (MeshOptions::validate) is not taken from the wire either:
  // aliases and service names become DNS names and table cells on every other node.
  if (r.ok() && !n.alias.empty() && !validate_alias(n.alias)) {
    r.fail("record.alias", "not a valid alias");
  }
  n.description = r.string("record.description", RecordLimits::kDescription);
  const size_t services = r.count("record.services", RecordLimits::kServices, 2);
  for (size_t i = 0; i < services && r.ok(); ++i) {
    std::string name = r.string("record.service.name", RecordLimits::kServiceName);
    std::string value = r.string("record.service.value", RecordLimits::kServiceValue);
    if (r.ok() && !validate_service(name, value)) r.fail("record.services", "not a valid service");
    if (r.ok() && !n.services.empty() && n.services.back().first >= name) {
      r.fail("record.services", "not sorted and unique");
    }
    n.services.emplace_back(std::move(name), std::move(value));
  }
  const size_t routes = r.count("record.routes", RecordLimits::kRoutes, 4);
  for (size_t i = 0; i < routes && r.ok(); ++i) {
    Route route;
    route.prefix = decode_prefix(r, "record.route.prefix");
    const size_t hops = r.count("record.route.path", RecordLimits::kPathLength, 1);
    for (size_t h = 0; h < hops && r.ok(); ++h) {
      route.path.push_back(r.string("record.route.path.mesh", 63));
    }
    if (r.ok() && !n.routes.empty() && !(n.routes.back() < route)) {
      r.fail("record.routes", "not sorted and unique");
    }
    n.routes.push_back(std::move(route));
  }
  return n;
}

void RecordRef::release() {
  if (p_ && --p_->refs_ == 0) {
    if (p_->pool_) p_->pool_->forget(p_);
    delete p_;
  }
  p_ = nullptr;
}

RecordRef RecordRef::make(NodeRecord r) { return RecordRef(new NodeRecord(std::move(r))); }

RecordPool::~RecordPool() {
  // Records still referenced must not call back into a dead pool.
  for (auto& [k, rec] : table_) rec->pool_ = nullptr;
}

uint64_t RecordPool::slot_key(const PublicKey& k, uint64_t version) {
  return mix64(k.prefix64() ^ mix64(version));
}

RecordRef RecordPool::intern(NodeRecord r) {
  const uint64_t k = slot_key(r.key, r.version);
  auto it = table_.find(k);
  if (it != table_.end() && it->second->same_content(r)) return RecordRef(it->second);
  auto* rec = new NodeRecord(std::move(r));
  rec->refs_ = 0;
  if (it == table_.end()) {
    rec->pool_ = this;
    table_.emplace(k, rec);
  }
  return RecordRef(rec);
}

void RecordPool::forget(const NodeRecord* r) {
  auto it = table_.find(slot_key(r->key, r->version));
  if (it != table_.end() && it->second == r) table_.erase(it);
}

}  // namespace smeg
