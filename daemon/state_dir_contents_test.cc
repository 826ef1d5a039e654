// What the state directory holds: the node's identity and its meshes, across restarts (a
// StateDir closed and opened again, as smegd after kill -9), with damaged files refused by name.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "daemon/persist_test_helpers.h"
#include "daemon/state_dir.h"

namespace smeg::daemon {
namespace {

using namespace persist_testing;  // NOLINT: the helpers are what these tests are written in

// `wg genkey` output for a fixed key, and its public half (`wg pubkey`).
constexpr const char* kKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
constexpr const char* kPub = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

class StateContentsTest : public persist_testing::TempStateDirTest {
 protected:
  // A supplier of "random" bytes that counts its calls.
  std::function<std::array<uint8_t, 32>()> random() {
    return [this] {
      ++random_calls_;
      std::array<uint8_t, 32> b{};
      b.fill(static_cast<uint8_t>(random_calls_));
      return b;
    };
  }
  int random_calls_ = 0;
};

TEST_F(StateContentsTest, IdentityIsCreatedOnceAndKeptAcrossRestarts) {
  PublicKey first;
  {
    StateDir d = open_ok();
    auto keys = d.load_or_create_identity(random());
    ASSERT_TRUE(keys) << keys.status().to_string();
    first = keys->public_key;
  }
  EXPECT_EQ(random_calls_, 1);
  EXPECT_EQ(mode_of(dir_ / "private.key"), 0600u);
  const std::string text = contents(dir_ / "private.key");
  ASSERT_EQ(text.size(), 45u) << "44 characters of base64 and a newline, as `wg genkey` prints";
  EXPECT_EQ(text.back(), '\n');
  auto parsed = PrivateKey::from_base64(text.substr(0, 44));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->public_key(), first);

  StateDir again = open_ok();
  auto keys = again.load_or_create_identity(random());
  ASSERT_TRUE(keys) << keys.status().to_string();
  EXPECT_EQ(keys->public_key, first);
  EXPECT_EQ(random_calls_, 1) << "no new key";
}

TEST_F(StateContentsTest, IdentityLoadsAKeyWrittenByWgGenkey) {
  fs::create_directories(dir_);
  for (const std::string& text : {std::string(kKey) + "\n", std::string(kKey)}) {
    put(dir_ / "private.key", text);
    ::chmod((dir_ / "private.key").c_str(), 0600);
    StateDir d = open_ok();
    auto keys = d.load_or_create_identity(random());
    ASSERT_TRUE(keys) << keys.status().to_string();
    EXPECT_EQ(keys->public_key.to_base64(), kPub);
    EXPECT_EQ(keys->private_key.to_base64(), kKey);
  }
  EXPECT_EQ(random_calls_, 0);
}

// A damaged key is an error naming the file, never replaced, and never quoted.
TEST_F(StateContentsTest, DamagedKeyIsRefusedAndKept) {
  fs::create_directories(dir_);
  std::string damaged = std::string(kKey) + "\n";
  damaged[10] = '!';
  for (const std::string& text : {damaged, std::string(kKey) + "\n\n",
                                  std::string(kKey).substr(0, 43) + "\n", std::string()}) {
    put(dir_ / "private.key", text);
    StateDir d = open_ok();
    auto keys = d.load_or_create_identity(random());
    ASSERT_FALSE(keys) << "accepted '" << text << "'";
    EXPECT_EQ(keys.status().code(), Status::Code::kCorruption);
    const std::string& m = keys.status().message();
    EXPECT_NE(m.find((dir_ / "private.key").string() + " is not a WireGuard private key"),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("yAnz5TF"), std::string::npos) << "the message quotes the key";
    EXPECT_EQ(m.find('!'), std::string::npos) << "the message quotes the key";
    EXPECT_EQ(contents(dir_ / "private.key"), text) << "never replaced";
  }
  EXPECT_EQ(random_calls_, 0);
}

TEST_F(StateContentsTest, LooseKeyModeIsTightenedWithAWarning) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0700);
  put(dir_ / "private.key", std::string(kKey) + "\n");
  ::chmod((dir_ / "private.key").c_str(), 0644);
  StateDir d = open_ok();
  ASSERT_TRUE(d.load_or_create_identity(random()));
  EXPECT_EQ(mode_of(dir_ / "private.key"), 0600u);
  const auto warnings = d.take_warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("private.key had mode 0644"), std::string::npos) << warnings[0];
  EXPECT_EQ(warnings[0].find("yAnz5TF"), std::string::npos);
}

TEST_F(StateContentsTest, MeshesSurviveARestartIdentically) {
  const PersistedMesh a = sample_mesh("a", 1), ab = sample_mesh("a-b", 2);
  PersistedMesh zulu = sample_mesh("zulu", 3);  // joined, no image yet
  zulu.image.reset();
  const PersistedMesh& joining = zulu;
  {
    StateDir d = open_ok();
    for (const PersistedMesh* m : {&joining, &ab, &a}) {
      const Status s = d.save_mesh(*m);
      ASSERT_TRUE(s) << s.to_string();
    }
  }
  for (const char* f : {"a.mesh", "a-b.mesh", "zulu.mesh"}) EXPECT_EQ(mode_of(dir_ / f), 0600u);

  StateDir d = open_ok();
  RecordPool pool;
  auto loaded = d.load_meshes(pool);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  EXPECT_TRUE(loaded->failures.empty());
  ASSERT_EQ(loaded->meshes.size(), 3u);
  const PersistedMesh* want[] = {&a, &ab, &joining};  // sorted by id, not by file name
  for (size_t i = 0; i < 3; ++i) {
    const PersistedMesh& got = loaded->meshes[i];
    EXPECT_EQ(got.id, want[i]->id);
    EXPECT_EQ(got.secret, want[i]->secret);
    EXPECT_EQ(got.image.has_value(), want[i]->image.has_value());
    EXPECT_EQ(encode_persisted_mesh(got), encode_persisted_mesh(*want[i])) << got.id;
  }
  // And the core takes the image back: the same node resumes with the same address.
  Node node(persist_testing::test_keys(1), Params{});
  Rng rng(5);
  ASSERT_TRUE(node.resume_mesh(Time{std::chrono::seconds(20)}, rng, *loaded->meshes[0].image));
  const Mesh* m = node.mesh("a");
  EXPECT_EQ(m->address_of(*m->self_record()), overlay_address(mesh_prefix("a"), node.public_key()));
}

// One damaged file does not keep the other meshes from loading; it is named and left alone.
TEST_F(StateContentsTest, DamagedMeshFilesAreNamedAndTheOthersLoad) {
  {
    StateDir d = open_ok();
    ASSERT_TRUE(d.save_mesh(sample_mesh("good", 1)));
    ASSERT_TRUE(d.save_mesh(sample_mesh("flipped", 2)));
    ASSERT_TRUE(d.save_mesh(sample_mesh("cut", 3)));
    ASSERT_TRUE(d.save_mesh(sample_mesh("other", 4)));
  }
  std::string flipped = contents(dir_ / "flipped.mesh");
  flipped[flipped.size() / 2] ^= 0x01;
  put(dir_ / "flipped.mesh", flipped);
  fs::resize_file(dir_ / "cut.mesh", fs::file_size(dir_ / "cut.mesh") / 2);
  fs::rename(dir_ / "other.mesh", dir_ / "renamed.mesh");  // holds mesh "other"
  put(dir_ / "Not_An_Id.mesh", "x");
  put(dir_ / "README", "not a mesh file, ignored");

  StateDir d = open_ok();
  RecordPool pool;
  auto loaded = d.load_meshes(pool);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  ASSERT_EQ(loaded->meshes.size(), 1u);
  EXPECT_EQ(loaded->meshes[0].id, "good");
  std::vector<std::string> messages;
  for (const Status& s : loaded->failures) messages.push_back(s.message());
  ASSERT_EQ(messages.size(), 4u);
  const std::string p = dir_.string() + "/";
  EXPECT_EQ(messages[0].find(p + "Not_An_Id.mesh: the file name is not a mesh id"), 0u);
  EXPECT_EQ(messages[1].find(p + "cut.mesh: mesh.checksum at offset "), 0u) << messages[1];
  EXPECT_EQ(messages[2].find(p + "flipped.mesh: mesh.checksum at offset "), 0u) << messages[2];
  EXPECT_NE(messages[2].find("the file is damaged"), std::string::npos);
  EXPECT_EQ(messages[3], p + "renamed.mesh: holds mesh other, not renamed");
  EXPECT_TRUE(fs::exists(dir_ / "flipped.mesh")) << "left for a human to look at";
}

TEST_F(StateContentsTest, RemoveMeshAndRefuseBadIds) {
  StateDir d = open_ok();
  ASSERT_TRUE(d.save_mesh(sample_mesh("alpha", 1)));
  ASSERT_TRUE(d.remove_mesh("alpha"));
  EXPECT_FALSE(fs::exists(dir_ / "alpha.mesh"));
  EXPECT_TRUE(d.remove_mesh("alpha")) << "removing what is gone is not an error";
  const Status bad = d.remove_mesh("../private");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("mesh id \"../private\""), std::string::npos) << bad.message();

  PersistedMesh m = sample_mesh("alpha", 1);
  m.id = "../private";
  const Status s = d.save_mesh(m);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("mesh id \"../private\""), std::string::npos);
  m = sample_mesh("alpha", 1);
  m.ifname = "much-too-long-ifname";
  EXPECT_NE(d.save_mesh(m).message().find("interface name"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "alpha.mesh"));
}

}  // namespace
}  // namespace smeg::daemon
