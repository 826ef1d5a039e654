// Helpers shared by the route tests (routes_test.cc, routes_property_test.cc).
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/routes.h"

namespace smeg::routes_testing {

using Path = std::vector<std::string>;

// --- Helpers --------------------------------------------------------------------------------

inline PublicKey key_filled(uint8_t b) {
  PublicKey k;
  k.bytes.fill(b);
  return k;
}

inline PublicKey random_key(Rng& rng) {
  PublicKey k;
  for (size_t i = 0; i < k.bytes.size(); i += 8) {
    const uint64_t v = rng.next_u64();
    for (size_t j = 0; j < 8; ++j) k.bytes[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return k;
}

// ::/0. Built by hand: Prefix::default_route_v6 lives in address.cc.
inline Prefix default_route() { return Prefix{IpAddr::v6({}), 0}; }

// fd00:0:0:<n>::/64, one per test mesh.
inline Prefix mesh_pfx(uint8_t n) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[7] = n;
  return Prefix{IpAddr::v6(b), 64};
}

inline Prefix v4_pfx(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
  IpAddr addr;
  addr.family = IpAddr::Family::kV4;
  addr.bytes[0] = a;
  addr.bytes[1] = b;
  addr.bytes[2] = c;
  addr.bytes[3] = d;
  return Prefix{addr, len};
}

inline RouteAdvert advert(const PublicKey& who, const Prefix& prefix, Path path) {
  return RouteAdvert{who, Route{prefix, std::move(path)}};
}

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
}

}  // namespace smeg::routes_testing
