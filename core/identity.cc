#include "core/identity.h"

#include <sodium.h>

#include <algorithm>

namespace smeg {
namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// 32 bytes = 256 bits = 42 full sextets + 4 bits, so 43 data characters and one '=' pad.
constexpr size_t kKeyBase64Len = 44;
constexpr size_t kKeyDataChars = 43;

// The 6-bit value of a base64 character, or -1 if it is not in the standard alphabet.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A character for an error message: itself if printable, else \xNN, so logs stay readable.
std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return "\\x" + to_hex(&u, 1);
}

// sodium_init() must run before other libsodium calls; it is idempotent and thread-safe, and the
// function-local static makes sure we pay for it once.
void ensure_sodium() {
  static const int init = sodium_init();
  (void)init;  // -1 only if the library cannot initialise at all; nothing sensible to do here.
}

}  // namespace

bool Key32::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

std::string key_to_base64(const std::array<uint8_t, 32>& bytes) {
  std::string out;
  out.reserve(kKeyBase64Len);
  // Take the input three bytes (24 bits, four characters) at a time; the last group has 2 bytes.
  for (size_t i = 0; i < bytes.size(); i += 3) {
    size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) group = (group << 8) | (j < n ? bytes[i + j] : 0u);
    for (size_t j = 0; j < 4; ++j) {
      out += j <= n ? kBase64Alphabet[(group >> (18 - 6 * j)) & 0x3f] : '=';
    }
  }
  return out;
}

Result<std::array<uint8_t, 32>> key_from_base64(std::string_view text) {
  if (text.size() != kKeyBase64Len) {
    return Status::invalid_argument("base64 key must be 44 characters, got " +
                                    std::to_string(text.size()));
  }
  std::array<uint8_t, 32> out{};
  size_t n = 0;
  uint32_t acc = 0;  // bits not yet emitted, at most 6 + 7
  int acc_bits = 0;
  for (size_t i = 0; i < kKeyDataChars; ++i) {
    int v = base64_value(text[i]);
    if (v < 0) {
      std::string what = text[i] == '=' ? "misplaced '=' padding"
                                        : "bad base64 character " + describe_char(text[i]);
      return Status::invalid_argument(what + " at position " + std::to_string(i));
    }
    // Only the two low bits of the last character are left over; they must be zero, otherwise
    // several texts would decode to the same key (and no encoder produces them).
    if (i == kKeyDataChars - 1 && (v & 0x3) != 0) {
      return Status::invalid_argument("base64 key has non-zero trailing bits in character " +
                                      describe_char(text[i]) + " at position " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    acc_bits += 6;
    if (acc_bits >= 8) {
      acc_bits -= 8;
      out[n++] = static_cast<uint8_t>(acc >> acc_bits);
      acc &= (1u << acc_bits) - 1;
    }
  }
  if (text[kKeyDataChars] != '=') {
    return Status::invalid_argument("base64 key must end with one '=' pad, got " +
                                    describe_char(text[kKeyDataChars]) + " at position " +
                                    std::to_string(kKeyDataChars));
  }
  return out;
}

std::string to_hex(const uint8_t* data, size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (size_t i = 0; i < len; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

namespace {
// Both key kinds parse the same way; only the type differs.
template <typename K>
Result<K> parse_key(std::string_view text) {
  auto bytes = key_from_base64(text);
  if (!bytes) return bytes.status();
  K key;
  key.bytes = *bytes;
  return key;
}
}  // namespace

Result<PublicKey> PublicKey::from_base64(std::string_view text) {
  return parse_key<PublicKey>(text);
}

std::string PublicKey::to_base64() const { return key_to_base64(bytes); }

uint64_t PublicKey::prefix64() const {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  return v;
}

Result<PrivateKey> PrivateKey::from_base64(std::string_view text) {
  return parse_key<PrivateKey>(text);
}

PrivateKey PrivateKey::from_random(const std::array<uint8_t, 32>& random) {
  PrivateKey key;
  key.bytes = random;
  // X25519 clamping (RFC 7748 §5): a multiple of the cofactor 8, with the top bit fixed.
  key.bytes[0] &= 248;
  key.bytes[31] &= 127;
  key.bytes[31] |= 64;
  return key;
}

std::string PrivateKey::to_base64() const { return key_to_base64(bytes); }

PublicKey PrivateKey::public_key() const {
  ensure_sodium();
  PublicKey pub;
  // libsodium clamps the scalar itself, as WireGuard does, so unclamped keys read from a config
  // give the same public key as `wg pubkey`. It cannot fail for a clamped scalar; should it ever,
  // the all-zero key is returned, which callers can detect with is_zero().
  if (crypto_scalarmult_base(pub.bytes.data(), bytes.data()) != 0) pub.bytes.fill(0);
  return pub;
}

KeyPair KeyPair::from_private(const PrivateKey& key) { return {key, key.public_key()}; }

}  // namespace smeg
