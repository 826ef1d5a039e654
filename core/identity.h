// Node identity: X25519 key pairs in WireGuard's format (32 bytes, base64 with padding, 44 chars).
//
// Keys are plain values, totally ordered by their bytes; the lowest public key of a mesh's peers
// leads its heartbeat. The core never draws randomness itself: a private key is made from 32 bytes
// the driver supplies (the daemon reads them from the OS, the simulator from its seeded Rng).
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/status.h"

namespace smeg {

struct Key32 {
  std::array<uint8_t, 32> bytes{};
  // Lexicographic by bytes, compared a 64-bit big-endian word at a time: keys are compared
  // constantly (sorted membership, leader order) and random keys differ in the first word.
  std::strong_ordering operator<=>(const Key32& o) const {
    for (size_t i = 0; i < 32; i += 8) {
      const uint64_t a = word(i), b = o.word(i);
      if (a != b) return a <=> b;
    }
    return std::strong_ordering::equal;
  }
  bool operator==(const Key32& o) const {
    return word(0) == o.word(0) && word(8) == o.word(8) && word(16) == o.word(16) &&
           word(24) == o.word(24);
  }
  bool is_zero() const;

 private:
  uint64_t word(size_t at) const {
    uint64_t v;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
  }
};

struct PublicKey : Key32 {
  // Parses WireGuard's base64 form; wrong length, alphabet or padding is an error.
  static Result<PublicKey> from_base64(std::string_view text);
  std::string to_base64() const;
  // The first 8 bytes as an integer, for hashing (keys are uniformly random).
  uint64_t prefix64() const;
};

struct PrivateKey : Key32 {
  static Result<PrivateKey> from_base64(std::string_view text);
  // Clamps 32 supplied random bytes into a valid X25519 private key, as `wg genkey` does.
  static PrivateKey from_random(const std::array<uint8_t, 32>& random);
  std::string to_base64() const;
  PublicKey public_key() const;
};

struct KeyPair {
  PrivateKey private_key;
  PublicKey public_key;
  static KeyPair from_private(const PrivateKey& key);
};

// Base64 (RFC 4648, with padding) of exactly 32 bytes, and its strict inverse.
std::string key_to_base64(const std::array<uint8_t, 32>& bytes);
Result<std::array<uint8_t, 32>> key_from_base64(std::string_view text);

// Lowercase hex, for logs and the UAPI protocol.
std::string to_hex(const uint8_t* data, size_t len);

}  // namespace smeg
