// The mesh file format: round trips, damaged bytes refused (the checksum first), and errors that
// name the field without ever quoting the secret.
#include "daemon/persisted_mesh.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/persist_test_helpers.h"

namespace smeg::daemon {
namespace {

using persist_testing::sample_mesh;
using Bytes = std::vector<uint8_t>;

void expect_same(const PersistedMesh& a, const PersistedMesh& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.secret, b.secret);
  EXPECT_EQ(a.ifname, b.ifname);
  EXPECT_EQ(a.installed_routes, b.installed_routes);
  EXPECT_EQ(a.bootstrap, b.bootstrap);
  EXPECT_EQ(a.options.alias, b.options.alias);
  EXPECT_EQ(a.options.control, b.options.control);
  EXPECT_EQ(a.options.advertise_defaults, b.options.advertise_defaults);
  ASSERT_EQ(a.image.has_value(), b.image.has_value());
  if (a.image) {
    EXPECT_EQ(encode_mesh_image(*a.image), encode_mesh_image(*b.image));
  }
  EXPECT_EQ(encode_persisted_mesh(a), encode_persisted_mesh(b));
}

// Replaces the checksum of (changed) bytes by a correct one, to reach the field checks.
Bytes resealed(Bytes b) {
  b.resize(b.size() - 16);
  uint8_t sum[16];
  crypto_generichash(sum, sizeof sum, b.data(), b.size(), nullptr, 0);
  b.insert(b.end(), sum, sum + sizeof sum);
  return b;
}

std::string decode_error(const Bytes& b) {
  RecordPool pool;
  auto r = decode_persisted_mesh(b, pool);
  return r ? "decoded" : r.status().to_string();
}

TEST(PersistedMesh, RoundTripsEveryField) {
  const PersistedMesh m = sample_mesh("alpha", 3);
  ASSERT_TRUE(m.image) << "the sample holds an image of a real mesh";
  ASSERT_EQ(m.image->records.size(), 1u);
  RecordPool pool;
  const Bytes file = encode_persisted_mesh(m);
  // A seed corpus for tests/fuzz/mesh_file_fuzz: the file as is (mode byte 0), and its body
  // without the checksum, which the harness appends (mode byte 1).
  if (const char* dir = std::getenv("SMEG_MESH_FILE_CORPUS")) {
    Bytes as_is = {0}, body = {1};
    as_is.insert(as_is.end(), file.begin(), file.end());
    body.insert(body.end(), file.begin(), file.end() - 16);
    for (const auto& [name, seed] : {std::pair{"/mesh-file", as_is}, {"/mesh-body", body}}) {
      std::ofstream(std::string(dir) + name, std::ios::binary)
          .write(reinterpret_cast<const char*>(seed.data()),
                 static_cast<std::streamsize>(seed.size()));
    }
  }
  auto back = decode_persisted_mesh(file, pool);
  ASSERT_TRUE(back) << back.status().to_string();
  expect_same(m, *back);

  PersistedMesh bare = m;  // joined, no image yet, nothing installed
  bare.image.reset();
  bare.bootstrap.reset();
  bare.installed_routes.clear();
  bare.ifname.clear();
  auto bare_back = decode_persisted_mesh(encode_persisted_mesh(bare), pool);
  ASSERT_TRUE(bare_back) << bare_back.status().to_string();
  expect_same(bare, *bare_back);
}

TEST(PersistedMesh, EveryTruncationAndEveryChangedByteIsRefused) {
  const Bytes bytes = encode_persisted_mesh(sample_mesh("alpha", 3));
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_NE(decode_error(Bytes(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(len))),
              "decoded")
        << len;
  }
  for (size_t at = 5; at < bytes.size(); ++at) {  // after the magic and version
    Bytes b = bytes;
    b[at] ^= 0x10;
    const std::string e = decode_error(b);
    EXPECT_NE(e.find("mesh.checksum at offset " + std::to_string(bytes.size() - 16)),
              std::string::npos)
        << "byte " << at << ": " << e;
  }
}

TEST(PersistedMesh, DamagedFieldsAreNamed) {
  const PersistedMesh good = sample_mesh("alpha", 3);
  const Bytes bytes = encode_persisted_mesh(good);
  Bytes b = bytes;
  b[0] = 'X';
  EXPECT_NE(decode_error(b).find("mesh.magic at offset 0"), std::string::npos);
  b = bytes;
  b[4] = kMeshFileVersion + 1;
  EXPECT_NE(decode_error(b).find("unsupported: mesh file format version 2"), std::string::npos);
  b = bytes;
  b[6] = 'A';  // the id: "alpha" -> "Alpha"
  EXPECT_NE(decode_error(resealed(b)).find("mesh.id at offset 5"), std::string::npos);

  PersistedMesh m = good;
  m.ifname = "smeg/0";
  EXPECT_NE(decode_error(encode_persisted_mesh(m)).find("mesh.ifname"), std::string::npos);
  m = good;
  m.ifname = "a-name-longer-than-15";
  EXPECT_NE(decode_error(encode_persisted_mesh(m)).find("mesh.ifname"), std::string::npos);
  m = good;
  m.image->id = "beta";
  EXPECT_NE(decode_error(encode_persisted_mesh(m)).find("mesh.image at offset"), std::string::npos);
  m = good;
  m.options.control.reset();
  EXPECT_NE(decode_error(encode_persisted_mesh(m)).find("options at offset"), std::string::npos);

  // A damaged image inside an intact file: the image's field, and where the image starts.
  const std::string image_magic = "SMGI";
  const auto at = std::search(bytes.begin(), bytes.end(), image_magic.begin(), image_magic.end());
  ASSERT_NE(at, bytes.end());
  const size_t image_at = static_cast<size_t>(at - bytes.begin());
  b = bytes;
  b[image_at] = 'X';
  const std::string e = decode_error(resealed(b));
  EXPECT_NE(e.find("corruption: mesh.image (from offset " + std::to_string(image_at) +
                   "): image.magic at offset 0"),
            std::string::npos)
      << e;
  b = bytes;
  b[image_at + 4] = 9;
  EXPECT_NE(decode_error(resealed(b)).find("unsupported: mesh.image: mesh image format version 9"),
            std::string::npos);

  b = bytes;
  b.insert(b.end() - 16, 0);  // a byte after the image
  EXPECT_NE(decode_error(resealed(b)).find("mesh at offset"), std::string::npos);
}

TEST(PersistedMesh, ErrorsNeverQuoteTheSecret) {
  PersistedMesh m = sample_mesh("alpha", 3);
  const std::string hex = to_hex(m.secret.data(), m.secret.size());
  const std::string b64 = key_to_base64(m.secret);
  Bytes bytes = encode_persisted_mesh(m);
  for (size_t at = 0; at < bytes.size(); ++at) {
    Bytes b = bytes;
    b[at] ^= 0x41;
    for (const Bytes& input : {b, resealed(b)}) {
      const std::string e = decode_error(input);
      EXPECT_EQ(e.find(hex), std::string::npos);
      EXPECT_EQ(e.find(b64), std::string::npos);
      EXPECT_EQ(e.find(std::string(m.secret.begin(), m.secret.end())), std::string::npos);
    }
  }
}

TEST(PersistedMesh, CheckNamesTheBadField) {
  PersistedMesh m = sample_mesh("alpha", 3);
  EXPECT_TRUE(check_persisted_mesh(m));
  m.id = "../etc";
  EXPECT_NE(check_persisted_mesh(m).message().find("../etc"), std::string::npos);
  m = sample_mesh("alpha", 3);
  m.ifname = "eth 0";
  EXPECT_NE(check_persisted_mesh(m).message().find("interface name 'eth 0'"), std::string::npos);
  m = sample_mesh("alpha", 3);
  m.options.alias = "no spaces";
  EXPECT_NE(check_persisted_mesh(m).message().find("options: alias"), std::string::npos);
  m = sample_mesh("alpha", 3);
  m.image->id = "beta";
  EXPECT_NE(check_persisted_mesh(m).message().find("image is of mesh beta"), std::string::npos);
}

}  // namespace
}  // namespace smeg::daemon
