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

}  // namespace
}  // namespace smeg
