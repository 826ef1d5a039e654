// Property tests of routes and exits: exit choice stability, and route exchange between
// random meshes reaching a loop-free fixpoint that survives withdrawals.
#include "core/routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/routes_test_helpers.h"

namespace smeg {
namespace {

using namespace routes_testing;

// --- Property: exit choice by rendezvous hashing ----------------------------------------------

PublicKey chosen(const PublicKey& chooser, const Prefix& dest,
                 const std::vector<PublicKey>& candidates) {
  return candidates[rendezvous_pick(chooser, dest, candidates).value()];
}

TEST(RendezvousProperty, MinimalDisruptionAndOrderIndependence) {
  Rng rng(0x5e1ec7);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t k = 2 + rng.uniform(15);
    std::vector<PublicKey> candidates;
    for (size_t i = 0; i < k; ++i) candidates.push_back(random_key(rng));
    const Prefix dest = trial % 2 == 0 ? default_route() : v4_pfx(0, 0, 0, 0, 0);

    const size_t removed_index = rng.uniform(k);
    const PublicKey removed = candidates[removed_index];
    std::vector<PublicKey> without = candidates;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(removed_index));
    const PublicKey added = random_key(rng);
    std::vector<PublicKey> with = candidates;
    with.push_back(added);
    std::vector<PublicKey> shuffled = candidates;
    shuffle(shuffled, rng);

    for (int c = 0; c < 200; ++c) {
      const PublicKey chooser = random_key(rng);
      const PublicKey before = chosen(chooser, dest, candidates);
      const PublicKey after_removal = chosen(chooser, dest, without);
      if (before != removed) {
        ASSERT_EQ(after_removal, before) << "trial " << trial << ": moved a chooser needlessly";
      }
      const PublicKey after_addition = chosen(chooser, dest, with);
      ASSERT_TRUE(after_addition == before || after_addition == added)
          << "trial " << trial << ": addition moved a chooser to an old candidate";
      ASSERT_EQ(chosen(chooser, dest, shuffled), before) << "trial " << trial;
    }
  }
}

TEST(RendezvousProperty, RoughlyBalanced) {
  Rng rng(0xba1a9ce);
  constexpr int kChoosers = 2000;
  for (int trial = 0; trial < 40; ++trial) {
    const size_t k = 2 + rng.uniform(15);
    std::vector<PublicKey> candidates;
    for (size_t i = 0; i < k; ++i) candidates.push_back(random_key(rng));
    const Prefix dest = default_route();
    std::vector<int> counts(k, 0);
    for (int c = 0; c < kChoosers; ++c) {
      ++counts[rendezvous_pick(random_key(rng), dest, candidates).value()];
    }
    // Expected kChoosers/k each (at least 125); the bounds are more than 5 standard deviations
    // away, so a fixed seed can only fail here if the hash is biased.
    const double fair = static_cast<double>(kChoosers) / static_cast<double>(k);
    for (size_t i = 0; i < k; ++i) {
      EXPECT_GT(counts[i], 0.5 * fair) << "trial " << trial << " k " << k << " candidate " << i;
      EXPECT_LT(counts[i], 2.0 * fair) << "trial " << trial << " k " << k << " candidate " << i;
    }
  }
}

// --- Property: route exchange between meshes --------------------------------------------------
//
// A tiny model of several meshes joined by bridge nodes. A node is a key and the meshes it is in;
// an exit originates ::/0 in its single mesh; a bridge re-advertises what it selected in each of
// its meshes into the others. One plain member per mesh ("observer") stands for the ordinary
// nodes that only consume routes. Rounds are synchronous: every bridge selects from the adverts
// of the previous round, then everyone publishes at once.

struct Node {
  PublicKey key;
  std::vector<size_t> meshes;  // indices into World::ids
  bool exit = false;
  // Bridges only: what the node advertises into meshes[i].
  std::vector<std::vector<Route>> adverts;
  bool is_bridge() const { return meshes.size() > 1; }
  bool in(size_t m) const { return std::find(meshes.begin(), meshes.end(), m) != meshes.end(); }
};

constexpr size_t kUnreachable = std::numeric_limits<size_t>::max();

struct World {
  std::vector<std::string> ids;
  std::vector<Prefix> prefixes;
  std::vector<PublicKey> observers;  // one per mesh, never advertises
  std::vector<Node> nodes;
  size_t max_path = 0;

  size_t index_of(const std::string& id) const {
    return static_cast<size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
  }
  const Node* find(const PublicKey& key) const {
    for (const Node& n : nodes) {
      if (n.key == key) return &n;
    }
    return nullptr;
  }

  // Everything advertised in mesh m by members other than `self`.
  std::vector<RouteAdvert> visible(size_t m, const PublicKey& self) const {
    std::vector<RouteAdvert> out;
    for (const Node& n : nodes) {
      if (n.key == self || !n.in(m)) continue;
      if (n.exit) out.push_back(RouteAdvert{n.key, Route{default_route(), {}}});
      for (size_t i = 0; i < n.meshes.size(); ++i) {
        if (n.meshes[i] != m || i >= n.adverts.size()) continue;
        for (const Route& r : n.adverts[i]) out.push_back(RouteAdvert{n.key, r});
      }
    }
    return out;
  }

  std::vector<SelectedRoute> select(const PublicKey& self, size_t m) const {
    const auto adverts = visible(m, self);
    return select_routes(self, ids[m], adverts, max_path);
  }

  std::vector<MeshRoutes> mesh_routes(const Node& n) const {
    std::vector<MeshRoutes> out;
    for (size_t m : n.meshes) out.push_back(MeshRoutes{ids[m], prefixes[m], select(n.key, m)});
    return out;
  }

  // One synchronous round; true when some advert changed.
  bool step() {
    std::vector<std::vector<std::vector<Route>>> next(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      if (!n.is_bridge()) continue;
      const auto routes = mesh_routes(n);
      for (size_t m : n.meshes) next[i].push_back(routes_to_advertise(ids[m], routes, max_path));
    }
    bool changed = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].is_bridge()) continue;
      if (nodes[i].adverts != next[i]) changed = true;
      nodes[i].adverts = std::move(next[i]);
    }
    return changed;
  }

  // Rounds until nothing changes, or nullopt when `limit` rounds were not enough.
  std::optional<size_t> run_to_fixpoint(size_t limit) {
    for (size_t round = 1; round <= limit; ++round) {
      if (!step()) return round;
    }
    return std::nullopt;
  }

  // Meshes at distance 0 from a prefix: where it is originated.
  std::vector<size_t> origins(const Prefix& p) const {
    std::vector<size_t> out;
    if (p == default_route()) {
      for (const Node& n : nodes) {
        if (n.exit) out.push_back(n.meshes[0]);
      }
    } else {
      for (size_t m = 0; m < prefixes.size(); ++m) {
        if (prefixes[m] == p) out.push_back(m);
      }
    }
    return out;
  }

  // Mesh hops from every mesh to the nearest origin, through the bridges that exist now.
  std::vector<size_t> distances(const Prefix& p) const {
    std::vector<size_t> dist(ids.size(), kUnreachable);
    std::vector<size_t> frontier = origins(p);
    for (size_t m : frontier) dist[m] = 0;
    for (size_t d = 1; !frontier.empty(); ++d) {
      std::vector<size_t> next;
      for (size_t m : frontier) {
        for (const Node& n : nodes) {
          if (!n.is_bridge() || !n.in(m)) continue;
          for (size_t other : n.meshes) {
            if (dist[other] == kUnreachable) {
              dist[other] = d;
              next.push_back(other);
            }
          }
        }
      }
      frontier = std::move(next);
    }
    return dist;
  }

  bool bridged(size_t a, size_t b) const {
    for (const Node& n : nodes) {
      if (n.is_bridge() && n.in(a) && n.in(b)) return true;
    }
    return false;
  }
};

World random_world(Rng& rng) {
  World w;
  const size_t meshes = 3 + rng.uniform(6);
  for (size_t m = 0; m < meshes; ++m) {
    w.ids.push_back("m" + std::to_string(m));
    w.prefixes.push_back(mesh_pfx(static_cast<uint8_t>(m + 1)));
    w.observers.push_back(random_key(rng));
  }
  // Sometimes shorter than the longest shortest path, to exercise the limit.
  w.max_path = 1 + rng.uniform(meshes);
  const size_t bridges = 1 + rng.uniform(2 * meshes);
  for (size_t b = 0; b < bridges; ++b) {
    Node n{random_key(rng), {}, false, {}};
    const size_t count = 2 + rng.uniform(2);
    while (n.meshes.size() < count) {
      const size_t m = rng.uniform(meshes);
      if (!n.in(m)) n.meshes.push_back(m);
    }
    w.nodes.push_back(std::move(n));
  }
  for (size_t m = 0; m < meshes; ++m) {
    // Two exits in one mesh make the rendezvous tie-break part of the exchange.
    const size_t exits = rng.chance(0.35) ? (rng.chance(0.3) ? 2 : 1) : 0;
    for (size_t e = 0; e < exits; ++e) w.nodes.push_back(Node{random_key(rng), {m}, true, {}});
  }
  return w;
}

// A prefix p selected in mesh m (by `s`): the path must be real, loop-free and bounded.
void check_selected_route(const World& w, size_t m, const SelectedRoute& s,
                          const std::string& where) {
  const Node* via = w.find(s.via);
  ASSERT_NE(via, nullptr) << where << ": route via a node that is gone";
  ASSERT_TRUE(via->in(m)) << where << ": next hop is not in the mesh";
  EXPECT_LE(s.path.size(), w.max_path) << where;
  std::set<std::string> seen{w.ids[m]};
  size_t previous = m;
  for (const std::string& id : s.path) {
    ASSERT_TRUE(seen.insert(id).second) << where << ": path revisits " << id;
    const size_t next = w.index_of(id);
    ASSERT_LT(next, w.ids.size()) << where << ": unknown mesh " << id;
    EXPECT_TRUE(w.bridged(previous, next))
        << where << ": no bridge " << w.ids[previous] << "-" << id;
    previous = next;
  }
  const auto origins = w.origins(s.prefix);
  EXPECT_NE(std::find(origins.begin(), origins.end(), previous), origins.end())
      << where << ": path does not end where the prefix is originated";
  if (s.path.empty()) {
    EXPECT_TRUE(via->exit && s.prefix == default_route()) << where;
  } else {
    EXPECT_TRUE(via->in(w.index_of(s.path[0]))) << where << ": next hop not in the first mesh";
  }
}

// Follows the advertised path hop by hop: the bridge used in mesh m must have selected, in the
// next mesh of the path, a route with exactly the rest of the path, and so on to the origin.
void check_path_is_followed(const World& w, size_t m, const SelectedRoute& s,
                            const std::string& where) {
  SelectedRoute hop = s;
  size_t mesh = m;
  for (size_t steps = 0; !hop.path.empty(); ++steps) {
    ASSERT_LE(steps, w.ids.size()) << where;
    const Node* bridge = w.find(hop.via);
    ASSERT_NE(bridge, nullptr) << where;
    const size_t next = w.index_of(hop.path[0]);
    const Path rest(hop.path.begin() + 1, hop.path.end());
    if (rest.empty() && w.prefixes[next] == hop.prefix) return;  // delivered into its mesh
    const auto there = w.select(bridge->key, next);
    const auto it = std::find_if(there.begin(), there.end(),
                                 [&](const SelectedRoute& r) { return r.prefix == hop.prefix; });
    ASSERT_NE(it, there.end()) << where << ": bridge in " << w.ids[mesh] << " has no route in "
                               << hop.path[0];
    ASSERT_EQ(it->path, rest) << where << ": bridge's route differs from what it advertised";
    hop = *it;
    mesh = next;
  }
  const Node* origin = w.find(hop.via);
  ASSERT_NE(origin, nullptr) << where;
  EXPECT_TRUE(origin->exit) << where;
}

// Follows the kernel routes (choose_across_meshes) a packet for p would take from mesh m: each
// bridge forwards on its own best route, never back into a mesh already crossed, and the remaining
// path length falls at each hop until an origin is reached.
void check_forwarding(const World& w, size_t m, const SelectedRoute& s, const std::string& where) {
  std::set<size_t> visited{m};
  PublicKey hop = s.via;
  size_t remaining = s.path.size();
  for (size_t steps = 0;; ++steps) {
    ASSERT_LE(steps, w.ids.size()) << where << ": forwarding does not terminate";
    const Node* n = w.find(hop);
    ASSERT_NE(n, nullptr) << where;
    if (n->exit && s.prefix == default_route()) return;
    for (size_t own : n->meshes) {
      if (w.prefixes[own] == s.prefix) {
        EXPECT_EQ(visited.count(own), 0u) << where << ": delivered into a mesh already crossed";
        return;
      }
    }
    ASSERT_TRUE(n->is_bridge()) << where << ": packet stuck at a non-bridge";
    const auto kernel = choose_across_meshes(w.mesh_routes(*n));
    const auto it = std::find_if(kernel.begin(), kernel.end(),
                                 [&](const RouteChoice& c) { return c.prefix == s.prefix; });
    ASSERT_NE(it, kernel.end()) << where << ": black hole at a bridge";
    ASSERT_LT(it->path_len, remaining) << where << ": path length does not fall";
    const size_t next = w.index_of(it->mesh_id);
    ASSERT_TRUE(visited.insert(next).second) << where << ": forwarding loop into " << it->mesh_id;
    remaining = it->path_len;
    hop = it->via;
  }
}

// Every observer has exactly the routes the mesh graph allows, each at the shortest length, and
// they all lead to the origin without loops.
void check_world(const World& w, const std::string& label) {
  std::vector<Prefix> all = w.prefixes;
  all.push_back(default_route());
  for (size_t m = 0; m < w.ids.size(); ++m) {
    const auto selected = w.select(w.observers[m], m);
    std::map<Prefix, size_t> expected;
    for (const Prefix& p : all) {
      if (p == w.prefixes[m]) continue;  // directly connected, never advertised into m
      const size_t d = w.distances(p)[m];
      if (d != kUnreachable && d <= w.max_path) expected[p] = d;
    }
    std::map<Prefix, size_t> got;
    for (const SelectedRoute& s : selected) got[s.prefix] = s.path.size();
    EXPECT_EQ(got, expected) << label << ": routes in " << w.ids[m]
                             << " differ from the shortest reachable set";
    for (const SelectedRoute& s : selected) {
      const std::string where = label + " mesh " + w.ids[m];
      check_selected_route(w, m, s, where);
      check_path_is_followed(w, m, s, where);
      check_forwarding(w, m, s, where);
    }
  }
  // Bridges' own adverts: loop-free, bounded, never through the mesh they go into.
  for (const Node& n : w.nodes) {
    for (size_t i = 0; i < n.adverts.size(); ++i) {
      for (const Route& r : n.adverts[i]) {
        EXPECT_LE(r.path.size(), w.max_path) << label;
        EXPECT_EQ(std::count(r.path.begin(), r.path.end(), w.ids[n.meshes[i]]), 0) << label;
        const std::set<std::string> distinct(r.path.begin(), r.path.end());
        EXPECT_EQ(distinct.size(), r.path.size()) << label << ": advert path loops";
        EXPECT_FALSE(w.origins(r.prefix).empty()) << label << ": advert of a dead prefix";
      }
    }
  }
}

// Nothing anywhere still mentions a node that left.
void check_forgotten(const World& w, const PublicKey& gone, const std::string& label) {
  for (size_t m = 0; m < w.ids.size(); ++m) {
    for (const SelectedRoute& s : w.select(w.observers[m], m)) {
      EXPECT_NE(s.via, gone) << label << ": observer of " << w.ids[m] << " uses a removed node";
    }
  }
  for (const Node& n : w.nodes) {
    for (size_t m : n.meshes) {
      for (const SelectedRoute& s : w.select(n.key, m)) {
        EXPECT_NE(s.via, gone) << label << ": a bridge still routes via a removed node";
      }
    }
  }
}

// What every observer selected, to tell whether a withdrawal changed anything.
std::vector<std::vector<SelectedRoute>> observer_routes(const World& w) {
  std::vector<std::vector<SelectedRoute>> out;
  for (size_t m = 0; m < w.ids.size(); ++m) out.push_back(w.select(w.observers[m], m));
  return out;
}

TEST(RouteExchangeProperty, ConvergesLoopFreeAndWithdraws) {
  Rng rng(0xb41d6e5);
  // How often the interesting situations arose, so that the property cannot pass vacuously.
  int multi_hop = 0;       // some route crosses two or more meshes
  int cut_by_limit = 0;    // some mesh is connected but further than max_path
  int used_withdrawn = 0;  // a withdrawn node was some observer's next hop
  int changed = 0;         // a withdrawal changed what observers selected
  size_t max_rounds = 0;
  for (int trial = 0; trial < 300; ++trial) {
    World w = random_world(rng);
    const size_t limit = 4 * w.ids.size() + 4;
    const std::string label = "trial " + std::to_string(trial);
    const auto rounds = w.run_to_fixpoint(limit);
    ASSERT_TRUE(rounds.has_value()) << label << ": no fixpoint";
    max_rounds = std::max(max_rounds, *rounds);
    check_world(w, label);
    if (HasFailure()) return;
    for (const auto& routes : observer_routes(w)) {
      for (const SelectedRoute& s : routes) multi_hop += s.path.size() >= 2 ? 1 : 0;
    }
    for (const Prefix& p : w.prefixes) {
      for (size_t d : w.distances(p)) cut_by_limit += d != kUnreachable && d > w.max_path ? 1 : 0;
    }

    // Two successive withdrawals of a bridge or an exit (every node here is one or the other).
    for (int withdrawal = 0; withdrawal < 2 && !w.nodes.empty(); ++withdrawal) {
      const auto before = observer_routes(w);
      const size_t victim = rng.uniform(w.nodes.size());
      const PublicKey gone = w.nodes[victim].key;
      for (const auto& routes : before) {
        for (const SelectedRoute& s : routes) used_withdrawn += s.via == gone ? 1 : 0;
      }
      w.nodes.erase(w.nodes.begin() + static_cast<std::ptrdiff_t>(victim));
      const std::string after = label + " withdrawal " + std::to_string(withdrawal);
      const auto rounds_after = w.run_to_fixpoint(limit);
      ASSERT_TRUE(rounds_after.has_value()) << after << ": no fixpoint";
      max_rounds = std::max(max_rounds, *rounds_after);
      check_world(w, after);
      check_forgotten(w, gone, after);
      if (HasFailure()) return;
      changed += observer_routes(w) != before ? 1 : 0;
    }
  }
  EXPECT_GT(multi_hop, 500);
  EXPECT_GT(cut_by_limit, 100);
  EXPECT_GT(used_withdrawn, 500);
  EXPECT_GT(changed, 200);
  RecordProperty("max_rounds", static_cast<int>(max_rounds));
}

}  // namespace
}  // namespace smeg
