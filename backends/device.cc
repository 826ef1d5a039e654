#include "backends/device.h"

#include <algorithm>
#include <map>
#include <set>

namespace smeg::backends {
namespace {

std::vector<Prefix> minus(const std::vector<Prefix>& a, const std::vector<Prefix>& b) {
  std::vector<Prefix> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<Prefix> sorted_unique(std::vector<Prefix> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool canonical(const Prefix& p) {
  if (p.len > p.addr.bits()) return false;
  auto made = Prefix::make(p.addr, p.len);
  return made.is_ok() && *made == p;
}

// The change that turns peer `have` (null: a new peer) into `want`; empty when they match.
std::optional<PeerChange> peer_diff(const PeerState* have, const DesiredPeer& want,
                                    const DiffOptions& options) {
  PeerChange c;
  c.public_key = want.public_key;
  const uint16_t keepalive = want.persistent_keepalive.value_or(0);
  const std::vector<Prefix> allowed = sorted_unique(want.allowed_ips);
  if (!have) {
    c.endpoint = want.endpoint;
    if (keepalive) c.persistent_keepalive = keepalive;
    c.replace_allowed_ips = true;
    c.allowed_ips = allowed;
    return c;
  }
  bool any = false;
  if (want.endpoint && want.endpoint != have->endpoint) {
    c.endpoint = want.endpoint;
    any = true;
  }
  if (keepalive != have->persistent_keepalive) {
    c.persistent_keepalive = keepalive;
    any = true;
  }
  if (have->has_preshared_key) {
    c.clear_preshared_key = true;
    any = true;
  }
  if (allowed != have->allowed_ips) {
    any = true;
    std::vector<Prefix> gone = minus(have->allowed_ips, allowed);
    if (gone.empty() || options.can_remove_allowed_ip) {
      c.allowed_ips = minus(allowed, have->allowed_ips);
      c.remove_allowed_ips = std::move(gone);
    } else {
      c.replace_allowed_ips = true;
      c.allowed_ips = allowed;
    }
  }
  if (!any) return std::nullopt;
  return c;
}

}  // namespace

const PeerState* DeviceState::find_peer(const PublicKey& key) const {
  auto it =
      std::lower_bound(peers.begin(), peers.end(), key,
                       [](const PeerState& p, const PublicKey& k) { return p.public_key < k; });
  return it != peers.end() && it->public_key == key ? &*it : nullptr;
}

bool DeviceChange::empty() const {
  return !private_key && !listen_port && !fwmark && !replace_peers && peers.empty();
}

DeviceChange diff(const DeviceState& actual, const DesiredDevice& desired,
                  const DiffOptions& options) {
  DeviceChange c;
  if (actual.private_key != desired.private_key) c.private_key = desired.private_key;
  if (desired.listen_port && *desired.listen_port != actual.listen_port) {
    c.listen_port = desired.listen_port;
  }
  // A merge walk over two lists sorted by key (the desired list is sorted by contract; sort a
  // copy of the order if a caller broke it rather than emit a wrong diff).
  std::vector<const DesiredPeer*> want;
  want.reserve(desired.peers.size());
  for (const auto& p : desired.peers) want.push_back(&p);
  std::sort(want.begin(), want.end(), [](const DesiredPeer* a, const DesiredPeer* b) {
    return a->public_key < b->public_key;
  });
  std::vector<const PeerState*> have;
  have.reserve(actual.peers.size());
  for (const auto& p : actual.peers) have.push_back(&p);
  std::sort(have.begin(), have.end(),
            [](const PeerState* a, const PeerState* b) { return a->public_key < b->public_key; });
  size_t i = 0, j = 0;
  while (i < have.size() || j < want.size()) {
    if (j == want.size() || (i < have.size() && have[i]->public_key < want[j]->public_key)) {
      PeerChange r;
      r.public_key = have[i++]->public_key;
      r.remove = true;
      c.peers.push_back(std::move(r));
    } else if (i == have.size() || want[j]->public_key < have[i]->public_key) {
      c.peers.push_back(*peer_diff(nullptr, *want[j++], options));
    } else {
      if (auto pc = peer_diff(have[i], *want[j], options)) c.peers.push_back(std::move(*pc));
      ++i;
      ++j;
    }
  }
  return c;
}

DeviceChange full_set(const DeviceState& d) {
  DeviceChange c;
  c.private_key = d.private_key;
  c.listen_port = d.listen_port;
  c.replace_peers = true;
  for (const PeerState& p : d.peers) {
    PeerChange pc;
    pc.public_key = p.public_key;
    pc.endpoint = p.endpoint;
    if (p.persistent_keepalive) pc.persistent_keepalive = p.persistent_keepalive;
    pc.replace_allowed_ips = true;
    pc.allowed_ips = p.allowed_ips;
    c.peers.push_back(std::move(pc));
  }
  return c;
}

void apply_in_place(DeviceState& s, const DeviceChange& change) {
  if (change.private_key) {
    s.private_key = change.private_key;
    if (change.private_key->is_zero()) {
      s.private_key.reset();
      s.public_key.reset();
    } else {
      s.public_key = change.private_key->public_key();
    }
  }
  if (change.listen_port) s.listen_port = *change.listen_port;
  if (change.fwmark) s.fwmark = *change.fwmark;
  auto peer_less = [](const PeerState& p, const PublicKey& k) { return p.public_key < k; };
  if (change.replace_peers) {
    std::set<PublicKey> named;
    for (const PeerChange& c : change.peers) named.insert(c.public_key);
    std::erase_if(s.peers, [&](const PeerState& p) { return named.count(p.public_key) == 0; });
  }
  // Which peer holds each allowed IP: WireGuard routes a prefix to one peer only, so giving
  // it to a peer takes it from any other (cryptokey routing). An index keeps that O(log n)
  // per prefix. It is built on the first change that touches allowed IPs (from the peers as
  // they are then), so a change of endpoints alone, the common case, never pays for it.
  std::map<Prefix, PublicKey> owner;
  bool indexed = false;
  auto index = [&] {
    if (!indexed) {
      for (const PeerState& p : s.peers) {
        for (const Prefix& ip : p.allowed_ips) owner[ip] = p.public_key;
      }
      indexed = true;
    }
  };
  auto disown = [&](const PublicKey& key, const std::vector<Prefix>& ips) {
    if (!indexed) return;  // built later from the peers, which no longer hold `ips`
    for (const Prefix& ip : ips) {
      auto o = owner.find(ip);
      if (o != owner.end() && o->second == key) owner.erase(o);
    }
  };
  for (const PeerChange& c : change.peers) {
    auto it = std::lower_bound(s.peers.begin(), s.peers.end(), c.public_key, peer_less);
    const bool exists = it != s.peers.end() && it->public_key == c.public_key;
    if (c.remove) {
      if (exists) {
        disown(c.public_key, it->allowed_ips);
        s.peers.erase(it);
      }
      continue;
    }
    if (!exists) {
      PeerState fresh;
      fresh.public_key = c.public_key;
      it = s.peers.insert(it, std::move(fresh));
    }
    PeerState& p = *it;
    if (c.endpoint) p.endpoint = c.endpoint;
    if (c.persistent_keepalive) p.persistent_keepalive = *c.persistent_keepalive;
    if (c.clear_preshared_key) p.has_preshared_key = false;
    if (!c.replace_allowed_ips && c.allowed_ips.empty() && c.remove_allowed_ips.empty()) {
      continue;  // allowed IPs untouched
    }
    std::vector<Prefix> ips;
    if (c.replace_allowed_ips) {
      ips = sorted_unique(c.allowed_ips);
    } else {
      std::vector<Prefix> v = p.allowed_ips;
      v.insert(v.end(), c.allowed_ips.begin(), c.allowed_ips.end());
      ips = minus(sorted_unique(std::move(v)), sorted_unique(c.remove_allowed_ips));
    }
    index();  // from the peers as they are before this one changes
    disown(p.public_key, minus(p.allowed_ips, ips));
    p.allowed_ips = std::move(ips);
    for (const Prefix& ip : p.allowed_ips) {
      auto [o, fresh] = owner.try_emplace(ip, p.public_key);
      if (fresh || o->second == p.public_key) continue;
      auto other = std::lower_bound(s.peers.begin(), s.peers.end(), o->second, peer_less);
      if (other != s.peers.end() && other->public_key == o->second) {
        std::erase(other->allowed_ips, ip);
      }
      o->second = p.public_key;
    }
  }
}

DeviceState applied(const DeviceState& state, const DeviceChange& change) {
  DeviceState s = state;
  apply_in_place(s, change);
  return s;
}

Status validate(const DeviceChange& change, const std::optional<PublicKey>& own_public_key) {
  if (change.listen_port && *change.listen_port == 0) {
    return Status::invalid_argument("listen_port: 0 is not a port (leave it unset to keep it)");
  }
  std::set<PublicKey> seen;
  for (size_t i = 0; i < change.peers.size(); ++i) {
    const PeerChange& c = change.peers[i];
    const std::string where = "peer " + std::to_string(i) + " (" + c.public_key.to_base64() + ")";
    if (c.public_key.is_zero()) {
      return Status::invalid_argument("peer " + std::to_string(i) + ": public_key is all zeros");
    }
    if (own_public_key && c.public_key == *own_public_key) {
      return Status::invalid_argument(where + ": public_key is the device's own key");
    }
    if (!seen.insert(c.public_key).second) {
      return Status::invalid_argument(where + ": the key appears twice in one change");
    }
    if (c.remove) continue;
    if (c.endpoint && c.endpoint->port == 0) {
      return Status::invalid_argument(where + ": endpoint " + c.endpoint->to_string() +
                                      " has port 0");
    }
    if (c.replace_allowed_ips && !c.remove_allowed_ips.empty()) {
      return Status::invalid_argument(where +
                                      ": remove_allowed_ips together with replace_allowed_ips");
    }
    for (const auto* list : {&c.allowed_ips, &c.remove_allowed_ips}) {
      for (const Prefix& p : *list) {
        if (!canonical(p)) {
          return Status::invalid_argument(where + ": allowed IP " + p.addr.to_string() + "/" +
                                          std::to_string(p.len) +
                                          " is not a prefix (host bits set or length too long)");
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace smeg::backends
