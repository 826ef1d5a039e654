// Routes between meshes (RIP-like path vectors) and exit choice by consistent hashing.
//
// A node that is in several meshes and has advertiseRoute set re-advertises into each mesh what it
// can reach through the others: their prefixes and the routes it selected there, each with the
// path of mesh ids crossed (nearest first). The metric is the path length; a path that already
// contains the target mesh is refused (no loops); paths longer than a maximum are dropped.
// Withdrawal is implicit: routes are recomputed from the current records, so when an advertiser
// disappears or stops advertising, everything derived from it disappears with the next
// recomputation at each bridge in turn.
//
// When several advertisers offer one prefix at the same (shortest) length, e.g. several exits
// offering ::/0, each choosing node picks one by rendezvous (highest-random-weight) hashing keyed
// by itself, the candidate and the prefix: every node computes the same choice from the same
// inputs, and removing one of k candidates moves only the choosers that had picked it.
//
// Everything here is a pure function of its arguments.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/identity.h"

namespace smeg {

// A route as advertised inside one mesh.
struct Route {
  Prefix prefix;
  // Mesh ids crossed from the advertiser to the origin, nearest first. Empty: the advertiser
  // originates the prefix itself (e.g. an exit advertising ::/0).
  std::vector<std::string> path;
  auto operator<=>(const Route&) const = default;
};

// One member's advertisement of one route.
struct RouteAdvert {
  PublicKey advertiser;
  Route route;
};

// The advertiser a chooser uses for a prefix within one mesh.
struct SelectedRoute {
  Prefix prefix;
  PublicKey via;
  std::vector<std::string> path;  // as advertised by `via`
  auto operator<=>(const SelectedRoute&) const = default;
};

// Chooses, for every prefix advertised in mesh `mesh_id`, one advertiser: shortest path first,
// ties broken by rendezvous hashing keyed by `chooser`. Ignores the chooser's own adverts, paths
// that contain `mesh_id` (loops) and paths longer than `max_path`. Sorted by prefix.
std::vector<SelectedRoute> select_routes(const PublicKey& chooser, std::string_view mesh_id,
                                         std::span<const RouteAdvert> adverts, size_t max_path);

// The routes a node selected in one of its meshes, with that mesh's own prefix.
struct MeshRoutes {
  std::string mesh_id;
  Prefix prefix;
  std::vector<SelectedRoute> selected;
};

// What a bridge advertises into mesh `target`: for every other mesh M it is in, M's prefix with
// path [M], and each route r selected in M with path [M] + r.path, unless `target` is already on
// that path or the path would exceed `max_path`. One route per prefix (shortest; ties: the
// lexicographically smallest path). Prefixes of `target` itself are never advertised into it.
// Sorted by prefix.
std::vector<Route> routes_to_advertise(std::string_view target, std::span<const MeshRoutes> meshes,
                                       size_t max_path);

// A kernel route decided across all of a node's meshes: for a prefix reachable through several
// meshes, the mesh with the shortest path wins (ties: smallest mesh id). Prefixes of the node's
// own meshes are directly connected and never appear here.
struct RouteChoice {
  Prefix prefix;
  std::string mesh_id;
  PublicKey via;
  size_t path_len = 0;
  auto operator<=>(const RouteChoice&) const = default;
};
std::vector<RouteChoice> choose_across_meshes(std::span<const MeshRoutes> meshes);

// Rendezvous hashing. The score is a keyed hash of (chooser, candidate, destination): stable
// forever (pinned by tests), uniform, independent across candidates.
uint64_t rendezvous_score(const PublicKey& chooser, const PublicKey& candidate, const Prefix& dest);
// Index of the highest-scoring candidate (ties, which need a 64-bit collision, go to the lower
// key); nullopt when there are none.
std::optional<size_t> rendezvous_pick(const PublicKey& chooser, const Prefix& dest,
                                      std::span<const PublicKey> candidates);

}  // namespace smeg
