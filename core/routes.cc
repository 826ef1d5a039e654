#include "core/routes.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <utility>

namespace smeg {

namespace {

// Domain separation: the same key bytes hashed for another purpose (addresses, ids) must never
// give related values. Changing this tag (or the encoding below) changes every exit choice in
// every deployed mesh, so it is versioned and pinned by golden tests.
constexpr std::string_view kRendezvousTag = "smegmesh/rendezvous/v1";

// BLAKE2b's minimum output; we keep the first 8 bytes. Note that BLAKE2b mixes the output length
// into its parameter block, so this is not a truncation of the 32- or 64-byte digest.
constexpr size_t kScoreHashBytes = 16;

void ensure_sodium_initialised() {
  // sodium_init only selects the fastest implementation of each primitive; the portable BLAKE2b
  // works even without it, so a failure here cannot change a score and is deliberately ignored.
  static const int kInit = sodium_init();
  (void)kInit;
}

bool path_contains(const std::vector<std::string>& path, std::string_view mesh_id) {
  return std::find(path.begin(), path.end(), mesh_id) != path.end();
}

}  // namespace

uint64_t rendezvous_score(const PublicKey& chooser, const PublicKey& candidate,
                          const Prefix& dest) {
  ensure_sodium_initialised();

  // tag || chooser (32) || candidate (32) || family (1) || address bytes of the family (4 or
  // 16) || prefix length (1). Every field but the address has a fixed size and the family byte
  // fixes the address's size, so the encoding is unambiguous. Only the family's own bytes are
  // hashed so that an IPv4 prefix's score does not depend on the unused 12 bytes of IpAddr.
  std::array<uint8_t, kRendezvousTag.size() + 32 + 32 + 1 + 16 + 1> buf{};
  size_t n = 0;
  for (char c : kRendezvousTag) buf[n++] = static_cast<uint8_t>(c);
  for (uint8_t b : chooser.bytes) buf[n++] = b;
  for (uint8_t b : candidate.bytes) buf[n++] = b;
  buf[n++] = static_cast<uint8_t>(dest.addr.family);
  const size_t addr_len = dest.addr.is_v6() ? 16 : 4;
  for (size_t i = 0; i < addr_len; ++i) buf[n++] = dest.addr.bytes[i];
  buf[n++] = dest.len;

  std::array<uint8_t, kScoreHashBytes> digest{};
  crypto_generichash(digest.data(), digest.size(), buf.data(), n, nullptr, 0);

  uint64_t score = 0;
  for (size_t i = 0; i < 8; ++i) score = (score << 8) | digest[i];
  return score;
}

std::optional<size_t> rendezvous_pick(const PublicKey& chooser, const Prefix& dest,
                                      std::span<const PublicKey> candidates) {
  std::optional<size_t> best;
  uint64_t best_score = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const uint64_t score = rendezvous_score(chooser, candidates[i], dest);
    // The key tie-break makes the result independent of candidate order even on a collision.
    if (!best || score > best_score || (score == best_score && candidates[i] < candidates[*best])) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::vector<SelectedRoute> select_routes(const PublicKey& chooser, std::string_view mesh_id,
                                         std::span<const RouteAdvert> adverts, size_t max_path) {
  std::vector<const RouteAdvert*> usable;
  usable.reserve(adverts.size());
  for (const RouteAdvert& advert : adverts) {
    if (advert.advertiser == chooser) continue;  // our own re-advertisement echoed back
    if (advert.route.path.size() > max_path) continue;
    if (path_contains(advert.route.path, mesh_id)) continue;  // it would come back here: a loop
    usable.push_back(&advert);
  }

  // One sort groups by prefix and, inside a prefix, puts the shortest paths first, each
  // advertiser's entries together with its lexicographically smallest path first. This makes the
  // result independent of input order and duplicates, in O(n log n) rather than per-prefix scans.
  std::sort(usable.begin(), usable.end(), [](const RouteAdvert* a, const RouteAdvert* b) {
    if (const auto c = a->route.prefix <=> b->route.prefix; c != 0) return c < 0;
    if (a->route.path.size() != b->route.path.size()) {
      return a->route.path.size() < b->route.path.size();
    }
    if (const auto c = a->advertiser <=> b->advertiser; c != 0) return c < 0;
    return a->route.path < b->route.path;
  });

  std::vector<SelectedRoute> selected;
  std::vector<const RouteAdvert*> best_per_advertiser;
  std::vector<PublicKey> candidates;
  for (size_t begin = 0; begin < usable.size();) {
    const Prefix& prefix = usable[begin]->route.prefix;
    const size_t shortest = usable[begin]->route.path.size();
    best_per_advertiser.clear();
    candidates.clear();
    size_t end = begin;
    for (; end < usable.size() && usable[end]->route.prefix == prefix; ++end) {
      const RouteAdvert* advert = usable[end];
      if (advert->route.path.size() != shortest) continue;  // longer: never preferred
      if (!candidates.empty() && candidates.back() == advert->advertiser) continue;  // worse dup
      best_per_advertiser.push_back(advert);
      candidates.push_back(advert->advertiser);
    }
    const size_t pick = rendezvous_pick(chooser, prefix, candidates).value_or(0);
    const RouteAdvert& chosen = *best_per_advertiser[pick];
    selected.push_back(SelectedRoute{prefix, chosen.advertiser, chosen.route.path});
    begin = end;
  }
  return selected;
}

std::vector<Route> routes_to_advertise(std::string_view target, std::span<const MeshRoutes> meshes,
                                       size_t max_path) {
  // The target's own prefix is directly connected for its members; advertising it back would only
  // offer them a detour.
  std::vector<Prefix> target_prefixes;
  for (const MeshRoutes& mesh : meshes) {
    if (mesh.mesh_id == target) target_prefixes.push_back(mesh.prefix);
  }
  const auto is_target_prefix = [&](const Prefix& p) {
    return std::find(target_prefixes.begin(), target_prefixes.end(), p) != target_prefixes.end();
  };

  std::vector<Route> candidates;
  for (const MeshRoutes& mesh : meshes) {
    if (mesh.mesh_id == target) continue;
    if (max_path >= 1 && !is_target_prefix(mesh.prefix)) {
      candidates.push_back(Route{mesh.prefix, {mesh.mesh_id}});
    }
    for (const SelectedRoute& r : mesh.selected) {
      if (r.path.size() + 1 > max_path) continue;
      if (is_target_prefix(r.prefix)) continue;
      if (path_contains(r.path, target)) continue;
      // select_routes already refuses paths through the mesh they were chosen in; checking again
      // keeps a hand-built MeshRoutes from producing a path that crosses one mesh twice.
      if (path_contains(r.path, mesh.mesh_id)) continue;
      Route route{r.prefix, {}};
      route.path.reserve(r.path.size() + 1);
      route.path.push_back(mesh.mesh_id);
      route.path.insert(route.path.end(), r.path.begin(), r.path.end());
      candidates.push_back(std::move(route));
    }
  }

  // Shortest first within a prefix, then the smallest path, so the first of each group wins.
  std::sort(candidates.begin(), candidates.end(), [](const Route& a, const Route& b) {
    if (const auto c = a.prefix <=> b.prefix; c != 0) return c < 0;
    if (a.path.size() != b.path.size()) return a.path.size() < b.path.size();
    return a.path < b.path;
  });
  const auto last =
      std::unique(candidates.begin(), candidates.end(),
                  [](const Route& a, const Route& b) { return a.prefix == b.prefix; });
  candidates.erase(last, candidates.end());
  return candidates;
}

std::vector<RouteChoice> choose_across_meshes(std::span<const MeshRoutes> meshes) {
  std::vector<Prefix> connected;
  connected.reserve(meshes.size());
  for (const MeshRoutes& mesh : meshes) connected.push_back(mesh.prefix);
  std::sort(connected.begin(), connected.end());

  std::vector<RouteChoice> choices;
  for (const MeshRoutes& mesh : meshes) {
    for (const SelectedRoute& r : mesh.selected) {
      if (std::binary_search(connected.begin(), connected.end(), r.prefix)) continue;
      choices.push_back(RouteChoice{r.prefix, mesh.mesh_id, r.via, r.path.size()});
    }
  }

  // The comparison ends on `via` only so that a malformed input listing one mesh twice still
  // gives one answer whatever the order.
  std::sort(choices.begin(), choices.end(), [](const RouteChoice& a, const RouteChoice& b) {
    if (const auto c = a.prefix <=> b.prefix; c != 0) return c < 0;
    if (a.path_len != b.path_len) return a.path_len < b.path_len;
    if (a.mesh_id != b.mesh_id) return a.mesh_id < b.mesh_id;
    return a.via < b.via;
  });
  const auto last =
      std::unique(choices.begin(), choices.end(),
                  [](const RouteChoice& a, const RouteChoice& b) { return a.prefix == b.prefix; });
  choices.erase(last, choices.end());
  return choices;
}

}  // namespace smeg
