#include "daemon/mesh_secret.h"

#include <gtest/gtest.h>

#include <string>

namespace smeg::daemon {
namespace {

MeshSecret secret(uint8_t fill) {
  std::array<uint8_t, 32> b;
  b.fill(fill);
  return MeshSecret::from_bytes(b);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(MeshSecret, TextRoundTrip) {
  std::array<uint8_t, 32> counting;
  for (size_t i = 0; i < 32; ++i) counting[i] = static_cast<uint8_t>(i);
  // Golden: Python's base64.urlsafe_b64encode(bytes(range(32))) without its '='.
  const std::string text = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  EXPECT_EQ(MeshSecret::from_bytes(counting).reveal_base64url(), text);
  EXPECT_EQ(MeshSecret::parse(text)->bytes(), counting);
  EXPECT_EQ(secret(0xff).reveal_base64url(), std::string(42, '_') + "8");

  const MeshSecret a = MeshSecret::generate(), b = MeshSecret::generate();
  EXPECT_FALSE(a == b);
  const std::string at = a.reveal_base64url();
  ASSERT_EQ(at.size(), MeshSecret::kTextSize);
  auto back = MeshSecret::parse(at);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == a);
}

TEST(MeshSecret, StrictParseNamesTheMistakeButNotTheSecret) {
  const std::string good = secret(0x5a).reveal_base64url();
  struct Case {
    std::string text;
    std::string expect;
  };
  std::string padded = good + "=";
  std::string plus = good, slash = good, space = good, trailing = good;
  plus[3] = '+';
  slash[40] = '/';
  space[7] = ' ';
  trailing[42] = good[42] == 'B' ? 'C' : 'B';  // 'B'/'C' have low bits set; the pad bits are 00
  const Case cases[] = {
      {"", "got 0"},
      {good.substr(1), "got 42"},
      {padded, "got 44"},
      {good.substr(0, 42) + "=", "'=' padding (secrets are unpadded) at position 42"},
      {plus, "standard base64 character (use '-' and '_') at position 3"},
      {slash, "at position 40"},
      {space, "outside A-Z a-z 0-9 '-' '_' at position 7"},
      {trailing, "non-zero trailing bits at position 42"},
  };
  for (const Case& c : cases) {
    auto r = MeshSecret::parse(c.text);
    ASSERT_FALSE(r.is_ok()) << c.expect;
    EXPECT_TRUE(contains(r.status().message(), "mesh secret")) << r.status().message();
    EXPECT_TRUE(contains(r.status().message(), c.expect)) << r.status().message();
    if (c.text.size() > 8) {
      EXPECT_FALSE(contains(r.status().message(), c.text.substr(8, 8))) << r.status().message();
    }
  }
}

TEST(MeshSecret, GoogleTestPrintsItRedacted) {
  const MeshSecret s = secret(0x5a);
  EXPECT_EQ(testing::PrintToString(s), "MeshSecret(redacted)");
}

}  // namespace
}  // namespace smeg::daemon
