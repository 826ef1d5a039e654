#include "core/address.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"

namespace smeg {
namespace {

IpAddr ip(std::string_view text) {
  auto r = IpAddr::parse(text);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : IpAddr{};
}

PublicKey key_from(std::string_view base64) {
  auto r = PublicKey::from_base64(base64);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : PublicKey{};
}

PublicKey key_with_first_byte(uint8_t b) {
  PublicKey k;
  k.bytes[0] = b;
  return k;
}

// Expects `status` to be an invalid-argument error whose message contains `needle`.
void expect_error(const Status& status, std::string_view needle) {
  ASSERT_FALSE(status.is_ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find(needle), std::string::npos) << status.message();
}

// --- IpAddr ---

TEST(IpAddr, Rfc5952Formatting) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},         // §4.2.1: shorten as much as possible
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // §4.2.2: never "::" for one group
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // §4.2.3: the longest run
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // §4.2.3: the first on a tie
      {"2001:DB8:ABCD:EF01:0:0:0:0", "2001:db8:abcd:ef01::"},  // §4.3: lowercase
      {"0:0:0:0:0:0:0:0", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"fe80::", "fe80::"},
      {"0:0:1:0:0:0:0:0", "0:0:1::"},
      {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
      {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"},
      {"0001:0010:0100:1000::", "1:10:100:1000::"},
  };
  for (const auto& [in, out] : cases) {
    IpAddr a = ip(in);
    EXPECT_TRUE(a.is_v6()) << in;
    EXPECT_EQ(a.bits(), 128);
    EXPECT_EQ(a.to_string(), out) << in;
    EXPECT_EQ(ip(out), a) << out;  // the canonical text parses back to the same address
  }
}

TEST(IpAddr, ParsesIntoBytes) {
  IpAddr a = ip("2001:db8::102:304");
  std::array<uint8_t, 16> want{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(a, IpAddr::v6(want));
}

TEST(IpAddr, RejectsMalformedV6) {
  for (std::string_view bad :
       {":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1::2",
        "1::2:", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "fe80::1%eth0", " ::1",
        "::1 ", "[::1]", "1:2:3:4:5:6:7:"}) {
    auto r = IpAddr::parse(bad);
    expect_error(r.status(), "\"" + std::string(bad) + "\"");  // the message names the text
  }
  expect_error(IpAddr::parse("").status(), "empty");
}

TEST(IpAddr, V4) {
  IpAddr a = ip("10.1.200.255");
  EXPECT_FALSE(a.is_v6());
  EXPECT_EQ(a.bits(), 32);
  EXPECT_EQ(a, IpAddr::v4(10, 1, 200, 255));
  EXPECT_EQ(a.to_string(), "10.1.200.255");
  EXPECT_EQ(ip("0.0.0.0").to_string(), "0.0.0.0");
  EXPECT_EQ(ip("255.255.255.255"), IpAddr::v4(255, 255, 255, 255));
  // IPv4 keeps its own 4 bytes, so it never equals an IPv6 address with the same bytes.
  EXPECT_NE(IpAddr::v4(0, 0, 0, 0), IpAddr::v6({}));
}

TEST(IpAddr, RejectsMalformedV4) {
  for (std::string_view bad : {"256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "a.b.c.d",
                               "1.2.3.4 ", "-1.2.3.4", "+1.2.3.4", "1.2.3.", ".1.2.3", "1234"}) {
    expect_error(IpAddr::parse(bad).status(), "\"" + std::string(bad) + "\"");
  }
}

// --- Prefix ---

TEST(Prefix, MakeMasksHostBits) {
  auto p = Prefix::make(ip("fd00:1:2:3:4:5:6:7"), 64);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->to_string(), "fd00:1:2:3::/64");
  EXPECT_EQ(Prefix::make(ip("fd00:ffff::"), 20)->to_string(), "fd00:f000::/20");
  EXPECT_EQ(Prefix::make(ip("10.1.2.3"), 8)->to_string(), "10.0.0.0/8");
  EXPECT_EQ(Prefix::make(ip("10.255.2.3"), 13)->to_string(), "10.248.0.0/13");
  EXPECT_EQ(Prefix::make(ip("10.1.2.3"), 32)->to_string(), "10.1.2.3/32");
  EXPECT_EQ(Prefix::make(ip("fd00::1"), 0)->to_string(), "::/0");
}

TEST(Prefix, MakeRejectsLengthOutOfRange) {
  expect_error(Prefix::make(ip("fd00::"), 129).status(), "129");
  expect_error(Prefix::make(ip("fd00::"), -1).status(), "-1");
  expect_error(Prefix::make(ip("10.0.0.0"), 33).status(), "33");
  EXPECT_TRUE(Prefix::make(ip("fd00::"), 128).is_ok());
}

TEST(Prefix, HostAndDefaultRoute) {
  EXPECT_EQ(Prefix::host(ip("fd00::1")).to_string(), "fd00::1/128");
  EXPECT_EQ(Prefix::host(ip("10.0.0.1")).to_string(), "10.0.0.1/32");
  EXPECT_EQ(Prefix::default_route_v6().to_string(), "::/0");
  EXPECT_EQ(Prefix::default_route_v6(), *Prefix::parse("::/0"));
}

TEST(Prefix, Contains) {
  Prefix p = *Prefix::parse("fd00:1:2:3::/64");
  EXPECT_TRUE(p.contains(ip("fd00:1:2:3::1")));
  EXPECT_TRUE(p.contains(ip("fd00:1:2:3:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(p.contains(ip("fd00:1:2:4::1")));
  EXPECT_FALSE(p.contains(IpAddr::v4(10, 0, 0, 1)));

  Prefix odd = *Prefix::parse("fd00:f000::/20");  // a length that is not a byte boundary
  EXPECT_TRUE(odd.contains(ip("fd00:ffff::1")));
  EXPECT_FALSE(odd.contains(ip("fd00:0fff::1")));

  Prefix v4 = *Prefix::parse("10.248.0.0/13");
  EXPECT_TRUE(v4.contains(ip("10.255.1.1")));
  EXPECT_FALSE(v4.contains(ip("10.247.1.1")));
  EXPECT_FALSE(v4.contains(ip("fd00::1")));

  EXPECT_TRUE(Prefix::default_route_v6().contains(ip("2001:db8::1")));
  EXPECT_FALSE(Prefix::default_route_v6().contains(ip("1.1.1.1")));
  EXPECT_TRUE(Prefix::host(ip("fd00::1")).contains(ip("fd00::1")));
  EXPECT_FALSE(Prefix::host(ip("fd00::1")).contains(ip("fd00::2")));
}

TEST(Prefix, Parse) {
  EXPECT_EQ(Prefix::parse("fd00::/64")->to_string(), "fd00::/64");
  EXPECT_EQ(Prefix::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  // Host bits in the text are masked, as make() does.
  EXPECT_EQ(Prefix::parse("fd00::1/64")->to_string(), "fd00::/64");
  for (std::string_view bad : {"fd00::", "fd00::/", "fd00::/129", "10.0.0.0/33", "fd00::/064",
                               "fd00::/6a", "zz/8", "/8", "fd00::/-1", "fd00::/64/64"}) {
    expect_error(Prefix::parse(bad).status(), "\"" + std::string(bad) + "\"");
  }
}

// --- Endpoint ---

TEST(Endpoint, FormatAndParse) {
  Endpoint v6{ip("fd00::1"), 51820};
  EXPECT_EQ(v6.to_string(), "[fd00::1]:51820");
  Endpoint v4{IpAddr::v4(192, 0, 2, 7), 1};
  EXPECT_EQ(v4.to_string(), "192.0.2.7:1");
  for (const Endpoint& e : {v6, v4, Endpoint{ip("::"), 65535}}) {
    auto back = Endpoint::parse(e.to_string());
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, e);
  }
  EXPECT_EQ(Endpoint::parse("[2001:DB8:0:0::1]:443")->to_string(), "[2001:db8::1]:443");
}

TEST(Endpoint, RejectsMalformed) {
  expect_error(Endpoint::parse("fd00::1:51820").status(), "brackets");
  expect_error(Endpoint::parse("[10.0.0.1]:80").status(), "only for IPv6");
  for (std::string_view bad :
       {"", "[fd00::1]51820", "[fd00::1]:", "[fd00::1]:0", "[fd00::1]:65536", "[fd00::1]:-1",
        "[fd00::1", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:080", "host.example:80",
        "10.0.0.1:99999999999", "[]:80", ":80"}) {
    expect_error(Endpoint::parse(bad).status(), "\"" + std::string(bad) + "\"");
  }
}

// --- Derivation: golden values ---
//
// These pin the address derivation FOREVER: every deployed node computes the same addresses from
// the same mesh id and keys, so these expected strings must never change. If one of these tests
// fails, the derivation changed (tag, hash, byte order, layout), not the test. They were computed
// once with this implementation and cross-checked with Python's hashlib.blake2b.

// RFC 7748 §6.1 public keys, and the key whose bytes are 0, 1, ..., 31.
constexpr std::string_view kAlice = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
constexpr std::string_view kBob = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
constexpr std::string_view kSequence = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

TEST(Golden, MeshPrefix) {
  EXPECT_EQ(mesh_prefix("smeg").to_string(), "fdfd:2964:2261:ca65::/64");
  EXPECT_EQ(mesh_prefix("office-net").to_string(), "fd43:39b6:3ef1:c88d::/64");
  EXPECT_EQ(mesh_prefix("a").to_string(), "fd70:f6eb:7a9e:284f::/64");
}

TEST(Golden, InterfaceId) {
  EXPECT_EQ(interface_id(key_from(kAlice)), 0x753ecf5dfff8ebbcULL);
  EXPECT_EQ(interface_id(key_from(kAlice), 1), 0x348c36b07ef77e55ULL);
  EXPECT_EQ(interface_id(key_from(kBob)), 0x661f9e72b3a70309ULL);
  EXPECT_EQ(interface_id(key_from(kSequence), 0), 0xd80e8313bebf7208ULL);
}

TEST(Golden, OverlayAddress) {
  Prefix smeg = mesh_prefix("smeg");
  Prefix office = mesh_prefix("office-net");
  EXPECT_EQ(overlay_address(smeg, key_from(kAlice)).to_string(),
            "fdfd:2964:2261:ca65:753e:cf5d:fff8:ebbc");
  EXPECT_EQ(overlay_address(smeg, key_from(kAlice), 1).to_string(),
            "fdfd:2964:2261:ca65:348c:36b0:7ef7:7e55");
  EXPECT_EQ(overlay_address(smeg, key_from(kBob)).to_string(),
            "fdfd:2964:2261:ca65:661f:9e72:b3a7:309");
  EXPECT_EQ(overlay_address(office, key_from(kBob), 1).to_string(),
            "fd43:39b6:3ef1:c88d:909c:3dc8:2a25:db9");
  EXPECT_EQ(overlay_address(office, key_from(kSequence)).to_string(),
            "fd43:39b6:3ef1:c88d:d80e:8313:bebf:7208");
  EXPECT_EQ(overlay_address(smeg, key_from(kSequence), 1).to_string(),
            "fdfd:2964:2261:ca65:1b89:116d:7d57:c725");
}

TEST(Derivation, MeshPrefixShape) {
  for (std::string_view id : {"a", "smeg", "aaaqeayeaudaocaj"}) {
    Prefix p = mesh_prefix(id);
    EXPECT_TRUE(p.addr.is_v6());
    EXPECT_EQ(p.len, 64);
    EXPECT_EQ(p.addr.bytes[0], 0xfd);
    EXPECT_EQ(*Prefix::make(p.addr, 64), p);  // host bits zero
    EXPECT_TRUE(p.contains(overlay_address(p, key_from(kAlice))));
  }
  EXPECT_NE(mesh_prefix("smeg"), mesh_prefix("smeg2"));
}

// --- Resolution ---

std::vector<PublicKey> random_keys(uint64_t seed, size_t n) {
  Rng rng(seed);
  std::vector<PublicKey> keys(n);
  for (auto& k : keys) {
    for (auto& b : k.bytes) b = static_cast<uint8_t>(rng.next_u64());
  }
  return keys;
}

TEST(Resolve, DeterministicUnderPermutations) {
  Prefix mesh = mesh_prefix("smeg");
  std::vector<PublicKey> keys = random_keys(42, 6);
  std::sort(keys.begin(), keys.end());
  const auto expected = resolve_addresses(mesh, keys);
  ASSERT_EQ(expected.size(), keys.size());
  for (const auto& [k, a] : expected) {
    EXPECT_EQ(a, overlay_address(mesh, k));  // no collisions among random keys: attempt 0
    EXPECT_TRUE(mesh.contains(a));
  }
  int permutations = 0;
  do {
    EXPECT_EQ(resolve_addresses(mesh, keys), expected);
    ++permutations;
  } while (std::next_permutation(keys.begin(), keys.end()));
  EXPECT_EQ(permutations, 720);
}

TEST(Resolve, IgnoresDuplicatesAndEmptyInput) {
  Prefix mesh = mesh_prefix("smeg");
  std::vector<PublicKey> keys = random_keys(1, 3);
  std::vector<PublicKey> doubled = {keys[2], keys[0], keys[2], keys[1], keys[0]};
  EXPECT_EQ(resolve_addresses(mesh, doubled), resolve_addresses(mesh, keys));
  EXPECT_EQ(resolve_addresses(mesh, doubled).size(), 3u);
  EXPECT_TRUE(resolve_addresses(mesh, std::span<const PublicKey>{}).empty());
}

TEST(Resolve, ReservedInterfaceIds) {
  using internal::is_reserved_interface_id;
  EXPECT_TRUE(is_reserved_interface_id(0));
  EXPECT_TRUE(is_reserved_interface_id(0xffffffffffffffffULL));
  EXPECT_TRUE(is_reserved_interface_id(0xfdffffffffffff80ULL));
  EXPECT_TRUE(is_reserved_interface_id(0xfdffffffffffffffULL));
  EXPECT_FALSE(is_reserved_interface_id(1));
  EXPECT_FALSE(is_reserved_interface_id(0xfdffffffffffff7fULL));
  EXPECT_FALSE(is_reserved_interface_id(0xfe00000000000000ULL));
  EXPECT_FALSE(is_reserved_interface_id(0xfffffffffffffffeULL));
}

TEST(Resolve, ForcedCollisionLowerKeyWins) {
  // Every key derives id 42 at attempt 0; later attempts are distinct per key.
  auto id_of = [](const PublicKey& k, uint32_t attempt) -> uint64_t {
    return attempt == 0 ? 42 : uint64_t{k.bytes[0]} * 1000 + attempt;
  };
  PublicKey low = key_with_first_byte(1), high = key_with_first_byte(2);
  for (const auto& input : {std::vector{low, high}, std::vector{high, low}}) {
    auto got = internal::assign_interface_ids(input, id_of);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.at(low), (internal::AssignedId{0, 42}));
    EXPECT_EQ(got.at(high), (internal::AssignedId{1, 2001}));
  }
  // A third colliding key moves too; the lower two are unaffected by its arrival.
  PublicKey third = key_with_first_byte(3);
  auto got = internal::assign_interface_ids(std::vector{third, high, low}, id_of);
  EXPECT_EQ(got.at(low).attempt, 0u);
  EXPECT_EQ(got.at(high).attempt, 1u);
  EXPECT_EQ(got.at(third), (internal::AssignedId{1, 3001}));
}

TEST(Resolve, ForcedCollisionWithAMovedKey) {
  // low: 5. mid: 5 then 6. high: 6 then 7. mid loses to low and moves to 6, which high now
  // collides with, so high moves to 7: resolution is greedy in ascending key order.
  PublicKey low = key_with_first_byte(1), mid = key_with_first_byte(2),
            high = key_with_first_byte(3);
  auto id_of = [](const PublicKey& k, uint32_t attempt) -> uint64_t {
    return 3 + k.bytes[0] + attempt + (k.bytes[0] == 1 ? 1 : 0);
  };
  auto got = internal::assign_interface_ids(std::vector{high, mid, low}, id_of);
  EXPECT_EQ(got.at(low), (internal::AssignedId{0, 5}));
  EXPECT_EQ(got.at(mid), (internal::AssignedId{1, 6}));
  EXPECT_EQ(got.at(high), (internal::AssignedId{1, 7}));
}

TEST(Resolve, ReservedIdsAreSkipped) {
  // A reserved id is a collision with nothing: the key moves on to its next attempt.
  auto id_of = [](const PublicKey&, uint32_t attempt) -> uint64_t {
    const uint64_t ids[] = {0, 0xffffffffffffffffULL, 0xfdffffffffffff80ULL, 7};
    return ids[std::min<uint32_t>(attempt, 3)];
  };
  auto got = internal::assign_interface_ids(std::vector{key_with_first_byte(9)}, id_of);
  EXPECT_EQ(got.at(key_with_first_byte(9)), (internal::AssignedId{3, 7}));
}

TEST(Resolve, MatchesAssignmentWithRealIds) {
  Prefix mesh = mesh_prefix("office-net");
  std::vector<PublicKey> keys = random_keys(3, 20);
  auto ids = internal::assign_interface_ids(
      keys, [](const PublicKey& k, uint32_t a) { return interface_id(k, a); });
  auto addrs = resolve_addresses(mesh, keys);
  ASSERT_EQ(addrs.size(), ids.size());
  for (const auto& [k, assigned] : ids) {
    EXPECT_EQ(addrs.at(k), overlay_address(mesh, k, assigned.attempt));
  }
}

// --- Mesh ids ---

TEST(MeshId, Generate) {
  std::array<uint8_t, 10> seq{};
  for (size_t i = 0; i < seq.size(); ++i) seq[i] = static_cast<uint8_t>(i);
  // Expected values from Python's base64.b32encode, lowercased.
  EXPECT_EQ(generate_mesh_id(seq), "aaaqeayeaudaocaj");
  EXPECT_EQ(generate_mesh_id({}), "aaaaaaaaaaaaaaaa");
  std::array<uint8_t, 10> ones;
  ones.fill(0xff);
  EXPECT_EQ(generate_mesh_id(ones), "7777777777777777");

  Rng rng(5);
  for (int n = 0; n < 100; ++n) {
    std::array<uint8_t, 10> r{};
    for (auto& b : r) b = static_cast<uint8_t>(rng.next_u64());
    std::string id = generate_mesh_id(r);
    EXPECT_EQ(id.size(), 16u);
    EXPECT_TRUE(validate_mesh_id(id).is_ok()) << id;
  }
}

TEST(MeshId, Validate) {
  for (std::string_view good : {"a", "0", "office-net", "a-b-c", "x9", "aaaqeayeaudaocaj"}) {
    EXPECT_TRUE(validate_mesh_id(good).is_ok()) << good;
  }
  EXPECT_TRUE(validate_mesh_id(std::string(63, 'a')).is_ok());
  expect_error(validate_mesh_id(""), "got 0");
  expect_error(validate_mesh_id(std::string(64, 'a')), "got 64");
  expect_error(validate_mesh_id("-a"), "start or end with '-'");
  expect_error(validate_mesh_id("a-"), "start or end with '-'");
  expect_error(validate_mesh_id("-"), "start or end with '-'");
  expect_error(validate_mesh_id("Office"), "'O' at position 0");
  expect_error(validate_mesh_id("a_b"), "'_' at position 1");
  expect_error(validate_mesh_id("a.b"), "'.' at position 1");
  expect_error(validate_mesh_id("mesh id"), "' ' at position 4");
  expect_error(validate_mesh_id("ab\n"), "\\x0a at position 2");
}

}  // namespace
}  // namespace smeg
