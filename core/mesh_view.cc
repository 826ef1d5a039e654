// Mesh: the derived view (live peers), client attachment, route adverts and the desired
// WireGuard configuration.
#include "core/mesh.h"

#include <algorithm>
#include <map>

namespace smeg {

namespace {

// Rendezvous score for client attachment. Keys are uniformly random, so a fast 64-bit mix of
// both keys is enough here and keeps recomputation cheap at thousands of peers; it is part of
// the protocol (all nodes must agree), pinned by a golden test.
uint64_t attach_score(const PublicKey& client, const PublicKey& peer) {
  uint64_t h = 0x736d65672d617474ULL;  // "smeg-att"
  for (size_t i = 0; i < 32; i += 8) {
    uint64_t c = 0, p = 0;
    for (size_t j = 0; j < 8; ++j) {
      c = (c << 8) | client.bytes[i + j];
      p = (p << 8) | peer.bytes[i + j];
    }
    h = mix64(h ^ c);
    h = mix64(h ^ p);
  }
  return h;
}

}  // namespace

uint64_t client_attach_score(const PublicKey& client, const PublicKey& peer) {
  return attach_score(client, peer);
}

void Mesh::update_attachment() {
  if (options_.role != Role::kClient || joining_ || left_) return;
  refresh();
  if (attachment_checked_ == view_generation_) return;
  attachment_checked_ = view_generation_;
  const PublicKey chosen = attached_peer(ctx_.keys->public_key).value_or(PublicKey{});
  if (chosen != own_attached_) {
    own_attached_ = chosen;
    publish();
  }
}

std::optional<PublicKey> Mesh::client_peer(const NodeRecord& client) const {
  if (!client.attached_to.is_zero() &&
      (is_self(client.attached_to) || is_live(client.attached_to))) {
    const NodeRecord* p = state_.find(client.attached_to);
    if (p && p->role == Role::kPeer) return client.attached_to;
  }
  return attached_peer(client.key);
}

// The view changes one member at a time in steady state and during joins; rebuilding it from
// the whole state each time made a burst of N joins cost O(N^2) per node.
std::vector<RecordRef>::iterator Mesh::live_peer_at(const PublicKey& key) {
  return std::lower_bound(live_peers_.begin(), live_peers_.end(), key,
                          [](const RecordRef& r, const PublicKey& k) { return r->key < k; });
}

void Mesh::view_insert(const RecordRef& rec) {
  if (view_dirty_ || !rec || rec->role != Role::kPeer || is_self(rec->key) ||
      suspected_.count(rec->key)) {
    return;
  }
  auto it = live_peer_at(rec->key);
  if (it != live_peers_.end() && (*it)->key == rec->key) return;
  live_peers_.insert(it, rec);
  ++view_generation_;
}

void Mesh::view_erase(const PublicKey& key) {
  if (view_dirty_) return;
  auto it = live_peer_at(key);
  if (it == live_peers_.end() || (*it)->key != key) return;
  live_peers_.erase(it);
  ++view_generation_;
}

void Mesh::replace_live_peer(const RecordRef& rec) {
  if (view_dirty_) return;
  auto it = live_peer_at(rec->key);
  if (it != live_peers_.end() && (*it)->key == rec->key) *it = state_.find_ref(rec->key);
}

void Mesh::refresh() {
  if (!view_dirty_) return;
  view_dirty_ = false;
  ++view_generation_;
  live_peers_.clear();
  for (const auto& r : state_.records()) {
    if (r->role == Role::kPeer && !is_self(r->key) && !suspected_.count(r->key)) {
      live_peers_.push_back(r);
    }
  }
}

bool Mesh::view_consistent() const {
  if (view_dirty_) return true;  // a rebuild is pending anyway
  std::vector<const NodeRecord*> want;
  for (const auto& r : state_.records()) {
    if (r->role == Role::kPeer && !is_self(r->key) && !suspected_.count(r->key)) {
      want.push_back(r.get());
    }
  }
  if (want.size() != live_peers_.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != live_peers_[i].get()) return false;
  }
  return true;
}

bool Mesh::is_live(const PublicKey& key) const {
  return state_.find(key) != nullptr && !suspected_.count(key);
}

std::vector<RecordRef> Mesh::live_members() const {
  std::vector<RecordRef> out;
  for (const auto& r : state_.records()) {
    if (!suspected_.count(r->key)) out.push_back(r);
  }
  return out;
}

IpAddr Mesh::address_of(const NodeRecord& r) const {
  return overlay_address(prefix_, r.key, r.address_attempt);
}

std::optional<PublicKey> Mesh::attached_peer(const PublicKey& client) const {
  std::optional<PublicKey> best;
  uint64_t best_score = 0;
  auto consider = [&](const PublicKey& peer) {
    const uint64_t s = attach_score(client, peer);
    if (!best || s > best_score || (s == best_score && peer < *best)) {
      best = peer;
      best_score = s;
    }
  };
  for (const auto& p : live_peers_) {
    if (p->key != client) consider(p->key);
  }
  if (options_.role == Role::kPeer && !joining_ && !is_self(client)) {
    consider(ctx_.keys->public_key);
  }
  return best;
}

std::vector<RouteAdvert> Mesh::route_adverts() const {
  std::vector<RouteAdvert> out;
  for (const auto& r : state_.records()) {
    if (is_self(r->key) || suspected_.count(r->key)) continue;
    for (const auto& route : r->routes) out.push_back({r->key, route});
  }
  return out;
}

DesiredDevice Mesh::desired(const std::vector<SelectedRoute>& selected,
                            const std::vector<Prefix>& kernel_routes) const {
  DesiredDevice d;
  d.mesh_id = id_;
  d.private_key = ctx_.keys->private_key;
  d.listen_port = options_.wg_port;
  const PublicKey& self = ctx_.keys->public_key;
  const IpAddr own = overlay_address(prefix_, self, own_attempt_);
  d.address = Prefix{own, 64};
  d.forwarding = options_.role == Role::kPeer;
  std::optional<uint16_t> keepalive;
  if (options_.keepalive > 0) keepalive = options_.keepalive;

  std::map<PublicKey, DesiredPeer> peers;
  if (options_.role == Role::kPeer) {
    for (const auto& p : live_peers_) {
      DesiredPeer dp{p->key, p->wg_endpoint, p->wg_endpoint ? keepalive : std::nullopt, {}};
      dp.allowed_ips.push_back(Prefix::host(address_of(*p)));
      peers.emplace(p->key, std::move(dp));
    }
    for (const auto& r : state_.records()) {
      if (r->role != Role::kClient || suspected_.count(r->key)) continue;
      const auto via = client_peer(*r);
      if (!via) continue;
      if (*via == self) {
        DesiredPeer dp{r->key, std::nullopt, std::nullopt, {Prefix::host(address_of(*r))}};
        peers.emplace(r->key, std::move(dp));
      } else if (auto it = peers.find(*via); it != peers.end()) {
        it->second.allowed_ips.push_back(Prefix::host(address_of(*r)));
      }
    }
    for (const auto& s : selected) {
      if (auto it = peers.find(s.via); it != peers.end())
        it->second.allowed_ips.push_back(s.prefix);
    }
  } else if (auto via = self_record() ? client_peer(*self_record()) : std::nullopt) {
    if (const NodeRecord* p = state_.find(*via)) {
      DesiredPeer dp{p->key, p->wg_endpoint, keepalive, {prefix_}};
      for (const auto& s : selected) dp.allowed_ips.push_back(s.prefix);
      peers.emplace(p->key, std::move(dp));
    }
  }
  for (auto& [key, dp] : peers) {
    std::sort(dp.allowed_ips.begin(), dp.allowed_ips.end());
    dp.allowed_ips.erase(std::unique(dp.allowed_ips.begin(), dp.allowed_ips.end()),
                         dp.allowed_ips.end());
    d.peers.push_back(std::move(dp));
  }
  d.routes.push_back(prefix_);
  d.routes.insert(d.routes.end(), kernel_routes.begin(), kernel_routes.end());
  std::sort(d.routes.begin(), d.routes.end());
  d.routes.erase(std::unique(d.routes.begin(), d.routes.end()), d.routes.end());
  return d;
}

void Mesh::emit(Time now, EventType type, const PublicKey& node, RemovalReason reason,
                uint64_t value) {
  ctx_.events->push_back(Event{type, now, id_, node, reason, value});
}

}  // namespace smeg
