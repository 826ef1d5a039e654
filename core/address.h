// Overlay addressing: every mesh gets an IPv6 /64 from a hash of its id (a ULA, first byte 0xfd),
// every node an interface id from a hash of its public key. Both are pure functions of their
// inputs, pinned by golden tests: the same mesh id and key give the same address forever.
//
// The 64-bit interface ids of two keys can collide in principle; resolve_addresses() detects it
// and resolves it deterministically (every node computes the same winner from the same member
// set): the lower key keeps the plain derivation, the other re-derives with a counter.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.h"
#include "core/status.h"

namespace smeg {

// An IPv4 or IPv6 address. IPv4 is kept in its own 4 bytes (bytes 0..3), not v4-mapped.
struct IpAddr {
  enum class Family : uint8_t { kV4 = 4, kV6 = 6 };
  Family family = Family::kV6;
  std::array<uint8_t, 16> bytes{};

  auto operator<=>(const IpAddr&) const = default;
  static IpAddr v6(const std::array<uint8_t, 16>& b) { return {Family::kV6, b}; }
  static IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  bool is_v6() const { return family == Family::kV6; }
  int bits() const { return is_v6() ? 128 : 32; }
  // RFC 5952 text for IPv6 (lowercase, longest zero run compressed), dotted quad for IPv4.
  std::string to_string() const;
  static Result<IpAddr> parse(std::string_view text);
};

// An address and prefix length; the host bits are always zero.
struct Prefix {
  IpAddr addr;
  uint8_t len = 0;

  auto operator<=>(const Prefix&) const = default;
  // Masks the host bits of addr; len must not exceed the family's bits.
  static Result<Prefix> make(const IpAddr& addr, int len);
  static Prefix host(const IpAddr& addr);  // /128 or /32
  static Prefix default_route_v6();        // ::/0
  bool contains(const IpAddr& a) const;
  std::string to_string() const;  // "fd12:...::/64"
  static Result<Prefix> parse(std::string_view text);
};

// A UDP endpoint. IPv6 endpoints print with brackets: "[fd00::1]:51820".
struct Endpoint {
  IpAddr addr;
  uint16_t port = 0;

  auto operator<=>(const Endpoint&) const = default;
  std::string to_string() const;
  static Result<Endpoint> parse(std::string_view text);
};

// The mesh's /64: fd + 56 bits of BLAKE2b over a domain tag and the mesh id.
Prefix mesh_prefix(std::string_view mesh_id);
// The interface id of a key; attempt > 0 only when resolving a collision.
uint64_t interface_id(const PublicKey& key, uint32_t attempt = 0);
// prefix (a /64) + interface id of key at that attempt.
IpAddr overlay_address(const Prefix& mesh, const PublicKey& key, uint32_t attempt = 0);

// Addresses for a set of members, collision-free. Deterministic for a given set, whatever order
// `keys` come in; a key's address changes only when it collides with a lower key.
std::map<PublicKey, IpAddr> resolve_addresses(const Prefix& mesh, std::span<const PublicKey> keys);

// Mesh ids we generate: 16 characters of lowercase base32 (a-z, 2-7) from 10 supplied random
// bytes, safe as a DNS label. validate_mesh_id accepts 1..63 characters of [a-z0-9-], not
// starting or ending with '-' (so an id is always one DNS label).
std::string generate_mesh_id(const std::array<uint8_t, 10>& random);
Status validate_mesh_id(std::string_view id);

// ---- Internal, declared here only so address_test.cc can drive it; not part of the API. ----
namespace internal {

// Interface ids never handed out (RFC 5453): 0 (subnet-router anycast), all ones, and the
// reserved subnet anycast ids fdff:ffff:ffff:ff80..fdff:ffff:ffff:ffff (RFC 2526).
bool is_reserved_interface_id(uint64_t id);

struct AssignedId {
  uint32_t attempt = 0;
  uint64_t id = 0;
  bool operator==(const AssignedId&) const = default;
};
using InterfaceIdFn = std::function<uint64_t(const PublicKey& key, uint32_t attempt)>;

// The step behind resolve_addresses(), with the id derivation injected so collisions can be
// forced: keys sorted and deduplicated, then each, in ascending order, takes its lowest attempt
// whose id is neither reserved nor already taken.
std::map<PublicKey, AssignedId> assign_interface_ids(std::span<const PublicKey> keys,
                                                     const InterfaceIdFn& id_of);

}  // namespace internal

}  // namespace smeg
