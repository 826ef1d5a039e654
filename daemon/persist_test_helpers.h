// Helpers shared by the persistence tests (persisted_mesh_test.cc, state_dir_test.cc).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/node.h"
#include "daemon/persisted_mesh.h"

namespace smeg::daemon::persist_testing {

inline KeyPair test_keys(uint8_t seed) {
  std::array<uint8_t, 32> random{};
  random.fill(seed);
  return KeyPair::from_private(PrivateKey::from_random(random));
}

inline MeshOptions test_options(uint8_t host) {
  MeshOptions o;
  o.control = Endpoint{IpAddr::v4(192, 0, 2, host), 7946};
  o.wg_endpoint = Endpoint{IpAddr::v4(192, 0, 2, host), 51820};
  o.wg_port = 51820;
  o.alias = "node" + std::to_string(host);
  return o;
}

// A mesh as smegd would persist it: every field set, the image taken from a real core that
// created the mesh (one record, liveness of its first epoch).
inline PersistedMesh sample_mesh(const std::string& id, uint8_t seed) {
  PersistedMesh m;
  m.id = id;
  m.secret.fill(static_cast<uint8_t>(0xa0 + seed));
  m.options = test_options(seed);
  m.options.advertise_defaults = true;
  m.ifname = "smeg" + std::to_string(seed);
  m.installed_routes = {*Prefix::parse("10.20.0.0/16"), *Prefix::parse("fd00:1::/64")};
  m.bootstrap = Endpoint{IpAddr::v4(198, 51, 100, seed), 7946};
  Node node(test_keys(seed), Params{});
  Rng rng(seed);
  const Time now{std::chrono::seconds(10)};
  if (node.create_mesh(now, rng, id, m.options)) {
    node.handle_timeout(node.poll_timeout(), rng);
    m.image = *node.mesh_image(id);
  }
  return m;
}

}  // namespace smeg::daemon::persist_testing
