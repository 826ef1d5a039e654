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

namespace smeg {
namespace {

using Path = std::vector<std::string>;

// --- Helpers --------------------------------------------------------------------------------

PublicKey key_filled(uint8_t b) {
  PublicKey k;
  k.bytes.fill(b);
  return k;
}

PublicKey random_key(Rng& rng) {
  PublicKey k;
  for (size_t i = 0; i < k.bytes.size(); i += 8) {
    const uint64_t v = rng.next_u64();
    for (size_t j = 0; j < 8; ++j) k.bytes[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return k;
}

// ::/0. Built by hand: Prefix::default_route_v6 lives in address.cc.
Prefix default_route() { return Prefix{IpAddr::v6({}), 0}; }

// fd00:0:0:<n>::/64, one per test mesh.
Prefix mesh_pfx(uint8_t n) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[7] = n;
  return Prefix{IpAddr::v6(b), 64};
}

Prefix v4_pfx(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  IpAddr addr;
  addr.family = IpAddr::Family::kV4;
  addr.bytes[0] = a;
  addr.bytes[1] = b;
  addr.bytes[2] = c;
  addr.bytes[3] = d;
  return Prefix{addr, len};
}

RouteAdvert advert(const PublicKey& who, const Prefix& prefix, Path path) {
  return RouteAdvert{who, Route{prefix, std::move(path)}};
}

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
}

// --- rendezvous_score / rendezvous_pick -------------------------------------------------------

// These values are part of the protocol: every node must compute the same exit choice forever.
// They equal the first 8 bytes (big-endian) of BLAKE2b with a 16-byte output over
// "smegmesh/rendezvous/v1" || chooser || candidate || family || address bytes || prefix length,
// and were cross-checked against an independent BLAKE2b implementation (Python's hashlib).
TEST(RendezvousScore, GoldenValues) {
  PublicKey chooser;
  PublicKey candidate;
  for (size_t i = 0; i < 32; ++i) {
    chooser.bytes[i] = static_cast<uint8_t>(i);
    candidate.bytes[i] = static_cast<uint8_t>(0x80 + i);
  }
  EXPECT_EQ(rendezvous_score(chooser, candidate, default_route()), 0x411ba33b302d5d8eULL);

  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[1] = 0x12;
  b[2] = 0x34;
  EXPECT_EQ(rendezvous_score(key_filled(0x11), key_filled(0x22), Prefix{IpAddr::v6(b), 64}),
            0xb45ae5c3b3f97ce8ULL);
}

TEST(RendezvousScore, DependsOnEveryInput) {
  const PublicKey a = key_filled(1);
  const PublicKey b = key_filled(2);
  const Prefix p = mesh_pfx(1);
  const uint64_t base = rendezvous_score(a, b, p);
  EXPECT_EQ(base, rendezvous_score(a, b, p));
  EXPECT_NE(base, rendezvous_score(b, a, p));  // chooser and candidate are not interchangeable
  EXPECT_NE(base, rendezvous_score(key_filled(3), b, p));
  EXPECT_NE(base, rendezvous_score(a, key_filled(3), p));
  EXPECT_NE(base, rendezvous_score(a, b, mesh_pfx(2)));
  EXPECT_NE(base, rendezvous_score(a, b, Prefix{p.addr, 48}));
  // Same first four address bytes and length, other family.
  const Prefix v6{IpAddr::v6({10, 0, 0, 0}), 8};
  EXPECT_NE(rendezvous_score(a, b, v6), rendezvous_score(a, b, v4_pfx(10, 0, 0, 0, 8)));
}

TEST(RendezvousPick, EmptyGivesNothing) {
  EXPECT_EQ(rendezvous_pick(key_filled(1), default_route(), {}), std::nullopt);
}

TEST(RendezvousPick, SingleCandidate) {
  const std::vector<PublicKey> one{key_filled(9)};
  EXPECT_EQ(rendezvous_pick(key_filled(1), default_route(), one), 0u);
}

TEST(RendezvousPick, PicksHighestScore) {
  Rng rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const PublicKey chooser = random_key(rng);
    std::vector<PublicKey> candidates;
    for (int i = 0; i < 7; ++i) candidates.push_back(random_key(rng));
    const auto pick = rendezvous_pick(chooser, default_route(), candidates);
    ASSERT_TRUE(pick.has_value());
    for (const PublicKey& c : candidates) {
      EXPECT_GE(rendezvous_score(chooser, candidates[*pick], default_route()),
                rendezvous_score(chooser, c, default_route()));
    }
  }
}

TEST(RendezvousPick, DuplicateCandidatesPickTheSameKey) {
  Rng rng(12);
  const PublicKey chooser = random_key(rng);
  const std::vector<PublicKey> candidates{random_key(rng), random_key(rng)};
  const size_t winner = *rendezvous_pick(chooser, default_route(), candidates);
  std::vector<PublicKey> doubled = candidates;
  doubled.insert(doubled.end(), candidates.begin(), candidates.end());
  EXPECT_EQ(doubled[*rendezvous_pick(chooser, default_route(), doubled)], candidates[winner]);
}

// --- select_routes ----------------------------------------------------------------------------

TEST(SelectRoutes, EmptyInput) { EXPECT_TRUE(select_routes(key_filled(1), "m", {}, 8).empty()); }

TEST(SelectRoutes, ShortestPathWins) {
  const std::vector<RouteAdvert> adverts{
      advert(key_filled(2), mesh_pfx(5), {"b", "c", "e"}),
      advert(key_filled(3), mesh_pfx(5), {"d", "e"}),
      advert(key_filled(4), mesh_pfx(5), {"f", "g", "h", "e"}),
  };
  const auto got = select_routes(key_filled(1), "a", adverts, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (SelectedRoute{mesh_pfx(5), key_filled(3), {"d", "e"}}));
}

TEST(SelectRoutes, EmptyPathBeatsAnyOther) {
  const std::vector<RouteAdvert> adverts{
      advert(key_filled(2), default_route(), {"b"}),
      advert(key_filled(3), default_route(), {}),
  };
  const auto got = select_routes(key_filled(1), "a", adverts, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].via, key_filled(3));
  EXPECT_TRUE(got[0].path.empty());
}

TEST(SelectRoutes, IgnoresOwnAdverts) {
  const PublicKey me = key_filled(1);
  const std::vector<RouteAdvert> adverts{
      advert(me, mesh_pfx(5), {"e"}),
      advert(key_filled(2), mesh_pfx(5), {"b", "e"}),
      advert(me, mesh_pfx(6), {"f"}),
  };
  const auto got = select_routes(me, "a", adverts, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (SelectedRoute{mesh_pfx(5), key_filled(2), {"b", "e"}}));
}

TEST(SelectRoutes, RefusesLoops) {
  const std::vector<RouteAdvert> adverts{
      advert(key_filled(2), mesh_pfx(5), {"b", "a", "e"}),  // passes through "a" again
      advert(key_filled(3), mesh_pfx(5), {"b", "c", "d", "e"}),
      advert(key_filled(4), mesh_pfx(6), {"a"}),  // the chooser's mesh as origin
  };
  const auto got = select_routes(key_filled(1), "a", adverts, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].via, key_filled(3));
}

TEST(SelectRoutes, DropsPathsLongerThanMax) {
  const std::vector<RouteAdvert> adverts{
      advert(key_filled(2), mesh_pfx(5), {"b", "c"}),       // exactly max: kept
      advert(key_filled(3), mesh_pfx(6), {"b", "c", "d"}),  // one more: dropped
  };
  const auto got = select_routes(key_filled(1), "a", adverts, 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].prefix, mesh_pfx(5));
  // With max 0 only originated routes survive.
  const std::vector<RouteAdvert> with_exit{advert(key_filled(4), default_route(), {}),
                                           advert(key_filled(2), mesh_pfx(5), {"b"})};
  const auto only_exit = select_routes(key_filled(1), "a", with_exit, 0);
  ASSERT_EQ(only_exit.size(), 1u);
  EXPECT_EQ(only_exit[0].prefix, default_route());
}

TEST(SelectRoutes, EqualLengthTieBrokenByRendezvous) {
  Rng rng(21);
  for (int trial = 0; trial < 40; ++trial) {
    const PublicKey chooser = random_key(rng);
    std::vector<PublicKey> exits;
    std::vector<RouteAdvert> adverts;
    for (int i = 0; i < 5; ++i) {
      exits.push_back(random_key(rng));
      adverts.push_back(advert(exits.back(), default_route(), {}));
    }
    adverts.push_back(advert(random_key(rng), default_route(), {"b"}));  // longer, never chosen
    const auto got = select_routes(chooser, "a", adverts, 4);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].via, exits[*rendezvous_pick(chooser, default_route(), exits)]);
  }
}

TEST(SelectRoutes, AdvertiserRepeatingAPrefixUsesItsBestPath) {
  const PublicKey chooser = key_filled(1);
  const PublicKey bridge = key_filled(2);
  const std::vector<RouteAdvert> adverts{
      advert(bridge, mesh_pfx(5), {"d", "x", "e"}),
      advert(bridge, mesh_pfx(5), {"c", "e"}),
      advert(bridge, mesh_pfx(5), {"b", "e"}),
  };
  const auto got = select_routes(chooser, "a", adverts, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (SelectedRoute{mesh_pfx(5), bridge, {"b", "e"}}));

  // A longer path of one advertiser does not make it a candidate at the shorter length, and its
  // presence does not change the tie between the others.
  Rng rng(22);
  for (int trial = 0; trial < 30; ++trial) {
    const PublicKey c = random_key(rng);
    const PublicKey x = random_key(rng);
    const PublicKey y = random_key(rng);
    const std::vector<RouteAdvert> tie{advert(x, default_route(), {"b"}),
                                       advert(y, default_route(), {"c"})};
    std::vector<RouteAdvert> more = tie;
    more.push_back(advert(x, default_route(), {"d", "e"}));
    more.push_back(advert(y, default_route(), {"a0"}));  // same length as {"c"}, smaller
    const auto base = select_routes(c, "a", tie, 8);
    const auto with_more = select_routes(c, "a", more, 8);
    ASSERT_EQ(base.size(), 1u);
    ASSERT_EQ(with_more.size(), 1u);
    EXPECT_EQ(base[0].via, with_more[0].via);
    // y's smallest path at length 1 is {"a0"} < {"c"}.
    if (with_more[0].via == y) {
      EXPECT_EQ(with_more[0].path, Path{"a0"});
    }
  }
}

TEST(SelectRoutes, SortedByPrefixAndOneEach) {
  const std::vector<RouteAdvert> adverts{
      advert(key_filled(2), mesh_pfx(9), {"b"}),
      advert(key_filled(3), v4_pfx(10, 1, 0, 0, 16), {"c"}),
      advert(key_filled(2), default_route(), {"b"}),
      advert(key_filled(3), mesh_pfx(3), {"c"}),
      advert(key_filled(4), mesh_pfx(9), {"d"}),
  };
  const auto got = select_routes(key_filled(1), "a", adverts, 8);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].prefix, got[i].prefix);
}

TEST(SelectRoutes, InputOrderAndDuplicatesDoNotMatter) {
  Rng rng(23);
  const std::vector<std::string> ids{"b", "c", "d", "e", "f"};
  for (int trial = 0; trial < 100; ++trial) {
    const PublicKey chooser = random_key(rng);
    std::vector<PublicKey> advertisers;
    for (int i = 0; i < 6; ++i) advertisers.push_back(random_key(rng));
    advertisers.push_back(chooser);
    std::vector<RouteAdvert> adverts;
    for (int i = 0; i < 40; ++i) {
      Path path;
      const size_t len = rng.uniform(4);
      for (size_t j = 0; j < len; ++j) path.push_back(ids[rng.uniform(ids.size())]);
      const Prefix p =
          rng.chance(0.3) ? default_route() : mesh_pfx(static_cast<uint8_t>(1 + rng.uniform(4)));
      adverts.push_back(advert(advertisers[rng.uniform(advertisers.size())], p, path));
    }
    const auto expected = select_routes(chooser, "a", adverts, 2);
    std::vector<RouteAdvert> noisy = adverts;
    for (int i = 0; i < 15; ++i) noisy.push_back(adverts[rng.uniform(adverts.size())]);
    shuffle(noisy, rng);
    EXPECT_EQ(select_routes(chooser, "a", noisy, 2), expected) << "trial " << trial;
  }
}

TEST(SelectRoutes, ManyAdverts) {
  // The size the brief expects in a large mesh: 3000 adverts of 300 prefixes.
  Rng rng(24);
  const PublicKey chooser = random_key(rng);
  std::vector<PublicKey> advertisers;
  for (int i = 0; i < 100; ++i) advertisers.push_back(random_key(rng));
  std::vector<RouteAdvert> adverts;
  for (int i = 0; i < 3000; ++i) {
    std::array<uint8_t, 16> b{};
    b[0] = 0xfd;
    b[6] = static_cast<uint8_t>(i % 300 / 256);
    b[7] = static_cast<uint8_t>(i % 300);
    Path path(1 + rng.uniform(3), "z");
    adverts.push_back(
        advert(advertisers[rng.uniform(advertisers.size())], Prefix{IpAddr::v6(b), 64}, path));
  }
  const auto got = select_routes(chooser, "a", adverts, 8);
  EXPECT_EQ(got.size(), 300u);
  shuffle(adverts, rng);
  EXPECT_EQ(select_routes(chooser, "a", adverts, 8), got);
}

// --- routes_to_advertise ----------------------------------------------------------------------

TEST(RoutesToAdvertise, OtherMeshPrefixesAndSelectedRoutes) {
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {}},
      {"b",
       mesh_pfx(2),
       {SelectedRoute{default_route(), key_filled(7), {}},
        SelectedRoute{mesh_pfx(3), key_filled(8), {"c"}}}},
  };
  const auto got = routes_to_advertise("a", meshes, 8);
  const std::vector<Route> expected{
      Route{default_route(), {"b"}},
      Route{mesh_pfx(2), {"b"}},
      Route{mesh_pfx(3), {"b", "c"}},
  };
  EXPECT_EQ(got, expected);
}

TEST(RoutesToAdvertise, TargetPrefixNeverAdvertisedIntoIt) {
  // The bridge also learned a path to a's prefix through c (e.g. through another bridge); it must
  // not offer it back into a.
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {}},
      {"b", mesh_pfx(2), {SelectedRoute{mesh_pfx(1), key_filled(7), {"c", "x"}}}},
  };
  const auto got = routes_to_advertise("a", meshes, 8);
  for (const Route& r : got) EXPECT_NE(r.prefix, mesh_pfx(1));
  // Nor a's own selections into a.
  const std::vector<MeshRoutes> only_a{
      {"a", mesh_pfx(1), {SelectedRoute{mesh_pfx(4), key_filled(7), {"d"}}}},
  };
  EXPECT_TRUE(routes_to_advertise("a", only_a, 8).empty());
}

TEST(RoutesToAdvertise, RefusesPathsThroughTarget) {
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {}},
      {"b", mesh_pfx(2), {SelectedRoute{mesh_pfx(4), key_filled(7), {"a", "d"}}}},
  };
  const auto got = routes_to_advertise("a", meshes, 8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (Route{mesh_pfx(2), {"b"}}));
  // Advertising into a mesh the node is not in (a target unknown to `meshes`) works the same.
  const auto into_d = routes_to_advertise("d", meshes, 8);
  EXPECT_EQ(into_d, (std::vector<Route>{Route{mesh_pfx(1), {"a"}}, Route{mesh_pfx(2), {"b"}}}));
}

TEST(RoutesToAdvertise, RespectsMaxPath) {
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {}},
      {"b",
       mesh_pfx(2),
       {SelectedRoute{mesh_pfx(3), key_filled(7), {"c"}},
        SelectedRoute{mesh_pfx(4), key_filled(7), {"c", "d"}}}},
  };
  // Paths become [b], [b c], [b c d]: max 2 keeps the first two.
  const auto got = routes_to_advertise("a", meshes, 2);
  EXPECT_EQ(got, (std::vector<Route>{Route{mesh_pfx(2), {"b"}}, Route{mesh_pfx(3), {"b", "c"}}}));
  EXPECT_TRUE(routes_to_advertise("a", meshes, 0).empty());
}

TEST(RoutesToAdvertise, OneRoutePerPrefixShortestThenSmallestPath) {
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {}},
      {"c", mesh_pfx(3), {SelectedRoute{default_route(), key_filled(7), {"x"}}}},
      {"b", mesh_pfx(2), {SelectedRoute{default_route(), key_filled(8), {"y"}}}},
      {"d", mesh_pfx(4), {SelectedRoute{default_route(), key_filled(9), {}}}},
      {"e", mesh_pfx(5), {SelectedRoute{mesh_pfx(3), key_filled(9), {"q", "c"}}}},
  };
  const auto got = routes_to_advertise("a", meshes, 8);
  // ::/0: [d] (length 1) beats [b y] and [c x]. c's prefix: [c] beats [e q c].
  const std::vector<Route> expected{
      Route{default_route(), {"d"}}, Route{mesh_pfx(2), {"b"}}, Route{mesh_pfx(3), {"c"}},
      Route{mesh_pfx(4), {"d"}},     Route{mesh_pfx(5), {"e"}},
  };
  EXPECT_EQ(got, expected);

  // Equal lengths: the lexicographically smallest path, whatever the mesh order.
  std::vector<MeshRoutes> tie{
      {"a", mesh_pfx(1), {}},
      {"c", mesh_pfx(3), {SelectedRoute{default_route(), key_filled(7), {"x"}}}},
      {"b", mesh_pfx(2), {SelectedRoute{default_route(), key_filled(8), {"y"}}}},
  };
  const auto first = routes_to_advertise("a", tie, 8);
  std::swap(tie[1], tie[2]);
  EXPECT_EQ(routes_to_advertise("a", tie, 8), first);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0], (Route{default_route(), {"b", "y"}}));
}

// --- choose_across_meshes ---------------------------------------------------------------------

TEST(ChooseAcrossMeshes, ShortestPathWinsThenSmallestMeshId) {
  const std::vector<MeshRoutes> meshes{
      {"c",
       mesh_pfx(3),
       {SelectedRoute{default_route(), key_filled(7), {"x"}},
        SelectedRoute{mesh_pfx(9), key_filled(7), {"q"}}}},
      {"b",
       mesh_pfx(2),
       {SelectedRoute{default_route(), key_filled(8), {"y"}},
        SelectedRoute{mesh_pfx(9), key_filled(8), {"r", "q"}}}},
      {"d", mesh_pfx(4), {SelectedRoute{default_route(), key_filled(9), {"z", "w"}}}},
  };
  const auto got = choose_across_meshes(meshes);
  const std::vector<RouteChoice> expected{
      RouteChoice{default_route(), "b", key_filled(8), 1},  // tie at 1 with c: smallest id
      RouteChoice{mesh_pfx(9), "c", key_filled(7), 1},      // shorter than through b
  };
  EXPECT_EQ(got, expected);
}

TEST(ChooseAcrossMeshes, OwnMeshPrefixesAreDirectlyConnected) {
  const std::vector<MeshRoutes> meshes{
      {"a", mesh_pfx(1), {SelectedRoute{mesh_pfx(2), key_filled(7), {"b"}}}},
      {"b", mesh_pfx(2), {SelectedRoute{mesh_pfx(1), key_filled(8), {"a"}}}},
  };
  EXPECT_TRUE(choose_across_meshes(meshes).empty());
}

TEST(ChooseAcrossMeshes, SortedByPrefixAndOrderIndependent) {
  std::vector<MeshRoutes> meshes{
      {"a",
       mesh_pfx(1),
       {SelectedRoute{mesh_pfx(8), key_filled(7), {"h"}},
        SelectedRoute{v4_pfx(10, 0, 0, 0, 8), key_filled(7), {"v"}}}},
      {"b",
       mesh_pfx(2),
       {SelectedRoute{default_route(), key_filled(8), {}},
        SelectedRoute{mesh_pfx(5), key_filled(8), {"e"}}}},
  };
  const auto got = choose_across_meshes(meshes);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].prefix, got[i].prefix);
  // IPv4 sorts before IPv6 (family 4 < 6), so ::/0 comes second.
  EXPECT_EQ(got[0].prefix, v4_pfx(10, 0, 0, 0, 8));
  EXPECT_EQ(got[1], (RouteChoice{default_route(), "b", key_filled(8), 0}));
  std::swap(meshes[0], meshes[1]);
  EXPECT_EQ(choose_across_meshes(meshes), got);
}

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
