// The secret a mesh's members share (DESIGN.md §5): from it and the mesh id, daemon/seal.h
// derives the keys that seal control datagrams; an invite (daemon/invite.h) carries it to a
// newcomer; the state directory keeps it. A plain value, safe to copy between threads.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/status.h"

namespace smeg::daemon {

// A mesh's shared secret: 32 random bytes. Its text form is base64url without padding (43
// characters). Nothing prints it but reveal_base64url(): there is no to_string and no operator<<,
// and tests print it redacted. Zeroed when destroyed.
class MeshSecret {
 public:
  static constexpr size_t kSize = 32;
  static constexpr size_t kTextSize = 43;

  MeshSecret() = default;  // all zeros: a value to assign over; never used as a secret
  MeshSecret(const MeshSecret&) = default;
  MeshSecret& operator=(const MeshSecret&) = default;
  ~MeshSecret();

  // 32 bytes from the operating system's CSPRNG (libsodium's randombytes_buf).
  static MeshSecret generate();
  static MeshSecret from_bytes(const std::array<uint8_t, kSize>& bytes);
  // Strict: exactly 43 characters of A-Z a-z 0-9 '-' '_', no padding, canonical trailing bits.
  // The error names the position and the kind of mistake, never the secret's characters.
  static Result<MeshSecret> parse(std::string_view text);

  // The text form; the only way to print a secret (for invites and the state file).
  std::string reveal_base64url() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  // Constant-time comparison.
  bool operator==(const MeshSecret& other) const;

 private:
  std::array<uint8_t, kSize> bytes_{};
};
// GoogleTest's printer: "MeshSecret(redacted)", so a failing assertion does not print the bytes.
void PrintTo(const MeshSecret& secret, std::ostream* os);

}  // namespace smeg::daemon
