#include "core/identity.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/rng.h"

namespace smeg {
namespace {

std::array<uint8_t, 32> from_hex32(std::string_view hex) {
  std::array<uint8_t, 32> out{};
  for (size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return out;
}

std::array<uint8_t, 32> sequence32() {
  std::array<uint8_t, 32> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

// Checks that `text` is rejected and that the message mentions `needle`.
void expect_rejected(std::string_view text, std::string_view needle) {
  auto r = key_from_base64(text);
  ASSERT_FALSE(r.is_ok()) << text;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(Base64, KnownEncodings) {
  // Expected strings from an independent encoder (Python's base64 module).
  EXPECT_EQ(key_to_base64({}), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(key_to_base64(sequence32()), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  std::array<uint8_t, 32> ones;
  ones.fill(0xff);
  EXPECT_EQ(key_to_base64(ones), "//////////////////////////////////////////8=");
}

TEST(Base64, RoundTripsRandomKeys) {
  Rng rng(7);
  for (int n = 0; n < 200; ++n) {
    std::array<uint8_t, 32> b{};
    for (auto& x : b) x = static_cast<uint8_t>(rng.next_u64());
    std::string text = key_to_base64(b);
    ASSERT_EQ(text.size(), 44u);
    auto back = key_from_base64(text);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, b);
  }
}

TEST(Base64, RejectsWrongLength) {
  expect_rejected("", "44 characters, got 0");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "got 43");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", "got 45");
}

TEST(Base64, RejectsBadAlphabet) {
  expect_rejected("AAECA*QFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "'*' at position 5");
  // The URL-safe alphabet is not WireGuard's.
  expect_rejected("-AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "'-' at position 0");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_=", "position 42");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd Hh=", "' ' at position 40");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\x80=", "\\x80 at position 42");
}

TEST(Base64, RejectsBadPadding) {
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", "'=' pad");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==",
                  "misplaced '=' padding at position 42");
  expect_rejected("AAEC=wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "position 4");
}

TEST(Base64, RejectsNonZeroTrailingBits) {
  // '8' is 60 = 0b111100: canonical. '9' (61) and '/' (63) leave low bits set.
  ASSERT_TRUE(key_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_ok());
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "trailing bits");
  expect_rejected("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh/=", "position 42");
  expect_rejected("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "non-zero trailing bits");
}

TEST(Keys, FromBase64TypedWrappers) {
  auto pub = PublicKey::from_base64("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
  ASSERT_TRUE(pub.is_ok());
  EXPECT_EQ(pub->bytes,
            from_hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
  EXPECT_EQ(pub->to_base64(), "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
  EXPECT_FALSE(PublicKey::from_base64("nope").is_ok());
  EXPECT_FALSE(PrivateKey::from_base64("nope").is_ok());
}

TEST(Keys, IsZeroAndOrdering) {
  PublicKey a, b;
  EXPECT_TRUE(a.is_zero());
  b.bytes[31] = 1;
  EXPECT_FALSE(b.is_zero());
  EXPECT_LT(a, b);
  a.bytes[0] = 1;  // the first byte dominates: keys order like their bytes
  EXPECT_GT(a, b);
}

TEST(Keys, Prefix64IsBigEndian) {
  PublicKey k;
  k.bytes = sequence32();
  EXPECT_EQ(k.prefix64(), 0x0001020304050607ULL);
}

TEST(Keys, FromRandomClamps) {
  std::array<uint8_t, 32> ones;
  ones.fill(0xff);
  PrivateKey k = PrivateKey::from_random(ones);
  EXPECT_EQ(k.bytes[0], 0xf8);
  EXPECT_EQ(k.bytes[31], 0x7f);
  EXPECT_EQ(k.bytes[15], 0xff);
  PrivateKey z = PrivateKey::from_random({});
  EXPECT_EQ(z.bytes[0], 0x00);
  EXPECT_EQ(z.bytes[31], 0x40);
}

// RFC 7748 §6.1 test vectors.
TEST(Keys, X25519KnownVectors) {
  PrivateKey alice;
  alice.bytes = from_hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  EXPECT_EQ(to_hex(alice.public_key().bytes.data(), 32),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  PrivateKey bob;
  bob.bytes = from_hex32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  EXPECT_EQ(to_hex(bob.public_key().bytes.data(), 32),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
}

TEST(Keys, ClampingDoesNotChangeThePublicKey) {
  // X25519 clamps internally, so a config's unclamped key gives what `wg pubkey` gives.
  auto raw = from_hex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  PrivateKey unclamped;
  unclamped.bytes = raw;
  EXPECT_EQ(PrivateKey::from_random(raw).public_key(), unclamped.public_key());
}

TEST(Keys, KeyPairFromPrivate) {
  PrivateKey k = PrivateKey::from_random(sequence32());
  KeyPair kp = KeyPair::from_private(k);
  EXPECT_EQ(kp.private_key, k);
  EXPECT_EQ(kp.public_key, k.public_key());
  EXPECT_FALSE(kp.public_key.is_zero());
  auto back = PrivateKey::from_base64(k.to_base64());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, k);
}

TEST(Hex, Lowercase) {
  const uint8_t data[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(data, 4), "000fa5ff");
  EXPECT_EQ(to_hex(data, 0), "");
}

}  // namespace
}  // namespace smeg

namespace smeg {
namespace {

// Key order is part of the protocol (the lowest key leads; addresses resolve in key order):
// it must be plain lexicographic order of the bytes, whatever the comparison does inside.
TEST(KeyOrder, IsLexicographicByBytes) {
  Rng rng(77);
  for (int i = 0; i < 5000; ++i) {
    PublicKey a, b;
    for (auto& x : a.bytes) x = static_cast<uint8_t>(rng.next_u64());
    b = a;
    // Make them differ (or not) at a random position, often late in the key.
    if (rng.chance(0.9)) b.bytes[rng.uniform(32)] = static_cast<uint8_t>(rng.next_u64());
    const bool lex_less = std::lexicographical_compare(a.bytes.begin(), a.bytes.end(),
                                                       b.bytes.begin(), b.bytes.end());
    EXPECT_EQ(a < b, lex_less);
    EXPECT_EQ(a == b, a.bytes == b.bytes);
    EXPECT_EQ(b < a, !lex_less && a.bytes != b.bytes);
  }
}

}  // namespace
}  // namespace smeg
