#include "daemon/mesh_secret.h"

#include <sodium.h>

#include <algorithm>
#include <ostream>

#include "core/identity.h"

namespace smeg::daemon {
namespace {

// sodium_init() is idempotent and thread-safe; the static pays for it once (as core/ does).
void ensure_sodium() {
  static const int init = sodium_init();
  (void)init;  // -1 only if libsodium cannot work at all; its calls would then fail loudly.
}

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
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

// base64url is base64 with '-' for '+' and '_' for '/'. A secret is 32 bytes, as a WireGuard key
// is, so core/identity.h's strict base64 of keys does the work; the text is a key's, translated
// and without its one '=' pad.
std::string MeshSecret::reveal_base64url() const {
  std::string text = key_to_base64(bytes_);
  text.pop_back();
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

Result<MeshSecret> MeshSecret::parse(std::string_view text) {
  if (text.size() != kTextSize) {
    return Status::invalid_argument("mesh secret must be 43 base64url characters, got " +
                                    std::to_string(text.size()));
  }
  for (size_t i = 0; i < kTextSize; ++i) {
    const char c = text[i];
    if (is_base64url(c)) continue;
    // The offending character is not echoed: the rest of the text is most of a secret.
    std::string what = c == '='               ? "'=' padding (secrets are unpadded)"
                       : c == '+' || c == '/' ? "a standard base64 character (use '-' and '_')"
                                              : "a character outside A-Z a-z 0-9 '-' '_'";
    return Status::invalid_argument("mesh secret has " + what + " at position " +
                                    std::to_string(i));
  }
  std::string standard(text);
  std::replace(standard.begin(), standard.end(), '-', '+');
  std::replace(standard.begin(), standard.end(), '_', '/');
  standard += '=';
  auto bytes = key_from_base64(standard);
  sodium_memzero(standard.data(), standard.size());
  // Only one failure is left: 43 characters carry 258 bits, and the last two must be zero, else
  // two texts would give one secret. (core's message would show the character.)
  if (!bytes) {
    return Status::invalid_argument(
        "mesh secret has non-zero trailing bits at position 42 (not "
        "the encoding of 32 bytes)");
  }
  MeshSecret s = from_bytes(*bytes);
  sodium_memzero(bytes->data(), bytes->size());
  return s;
}

bool MeshSecret::operator==(const MeshSecret& other) const {
  return sodium_memcmp(bytes_.data(), other.bytes_.data(), kSize) == 0;
}

void PrintTo(const MeshSecret&, std::ostream* os) { *os << "MeshSecret(redacted)"; }

}  // namespace smeg::daemon
