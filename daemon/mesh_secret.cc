#include "daemon/mesh_secret.h"

#include <sodium.h>

#include <algorithm>
#include <ostream>

namespace smeg::daemon {
namespace {

// sodium_init() is idempotent and thread-safe; the static pays for it once (as core/ does).
void ensure_sodium() {
  static const int init = sodium_init();
  (void)init;  // -1 only if libsodium cannot work at all; its calls would then fail loudly.
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

MeshSecret::~MeshSecret() { sodium_memzero(bytes_.data(), bytes_.size()); }

MeshSecret MeshSecret::generate() {
  ensure_sodium();
  MeshSecret s;
  randombytes_buf(s.bytes_.data(), s.bytes_.size());
  return s;
}

MeshSecret MeshSecret::from_bytes(const std::array<uint8_t, kSize>& bytes) {
  MeshSecret s;
  s.bytes_ = bytes;
  return s;
}

std::string MeshSecret::reveal_base64url() const {
  std::string out;
  out.reserve(kTextSize);
  // Three bytes make four characters; the last group has two bytes and makes three.
  for (size_t i = 0; i < kSize; i += 3) {
    const size_t n = std::min<size_t>(3, kSize - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) group = (group << 8) | (j < n ? bytes_[i + j] : 0u);
    for (size_t j = 0; j <= n; ++j) out += kBase64Url[(group >> (18 - 6 * j)) & 0x3f];
  }
  return out;
}

Result<MeshSecret> MeshSecret::parse(std::string_view text) {
  if (text.size() != kTextSize) {
    return Status::invalid_argument("mesh secret must be 43 base64url characters, got " +
                                    std::to_string(text.size()));
  }
  MeshSecret s;
  size_t n = 0;
  uint32_t acc = 0;
  int acc_bits = 0;
  for (size_t i = 0; i < kTextSize; ++i) {
    const int v = base64url_value(text[i]);
    if (v < 0) {
      // The offending character is not echoed: the rest of the text is most of a secret.
      const char c = text[i];
      std::string what = c == '='               ? "'=' padding (secrets are unpadded)"
                         : c == '+' || c == '/' ? "a standard base64 character (use '-' and '_')"
                                                : "a character outside A-Z a-z 0-9 '-' '_'";
      return Status::invalid_argument("mesh secret has " + what + " at position " +
                                      std::to_string(i));
    }
    // 43 characters carry 258 bits; the last two must be zero, else two texts give one secret.
    if (i == kTextSize - 1 && (v & 0x3) != 0) {
      return Status::invalid_argument("mesh secret has non-zero trailing bits at position " +
                                      std::to_string(i) + " (not the encoding of 32 bytes)");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    acc_bits += 6;
    if (acc_bits >= 8) {
      acc_bits -= 8;
      s.bytes_[n++] = static_cast<uint8_t>(acc >> acc_bits);
      acc &= (1u << acc_bits) - 1;
    }
  }
  return s;
}

bool MeshSecret::operator==(const MeshSecret& other) const {
  return sodium_memcmp(bytes_.data(), other.bytes_.data(), kSize) == 0;
}

void PrintTo(const MeshSecret&, std::ostream* os) { *os << "MeshSecret(redacted)"; }

}  // namespace smeg::daemon
