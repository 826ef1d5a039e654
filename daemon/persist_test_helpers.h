// Helpers shared by the persistence tests (persisted_mesh_test.cc, state_dir_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/node.h"
#include "daemon/persisted_mesh.h"
#include "daemon/state_dir.h"

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

namespace fs = std::filesystem;

inline mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

inline std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void put(const fs::path& p, std::string_view text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Each test gets a fresh base directory under /tmp (removed afterwards); dir_ is where the
// state directory goes, not yet created.
class TempStateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/smeg-state-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    dir_ = base_ / "state";
  }
  void TearDown() override { fs::remove_all(base_); }
  StateDir open_ok() {
    auto d = StateDir::open(dir_);
    EXPECT_TRUE(d) << d.status().to_string();
    return std::move(d.value());
  }
  fs::path base_, dir_;
};

}  // namespace smeg::daemon::persist_testing
