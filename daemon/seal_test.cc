#include "daemon/seal.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "core/messages.h"
#include "core/rng.h"

namespace smeg::daemon {
namespace {

using Bytes = std::vector<uint8_t>;

PublicKey key(uint8_t first, uint8_t last = 0) {
  PublicKey k;
  k.bytes[0] = first;
  k.bytes[31] = last;
  return k;
}

const PublicKey kAlice = key(0xa1, 1);
const PublicKey kBob = key(0xb0, 2);

MeshSecret secret(uint8_t fill) {
  std::array<uint8_t, 32> b;
  b.fill(fill);
  return MeshSecret::from_bytes(b);
}

// A real core message (a Sync), so the inner header check sees a proper header.
Bytes message(std::string mesh_id, const PublicKey& sender, uint64_t summary = 42) {
  Message m;
  m.header = {MessageType::kSync, std::move(mesh_id), sender};
  m.body = SyncMsg{summary, 3, {}};
  return encode_message(m);
}

Bytes sealed(Sealer& s, std::string_view mesh_id, const Bytes& plaintext) {
  auto r = s.seal(mesh_id, plaintext);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : Bytes{};
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The envelope built from the header comment's byte-by-byte description alone, independently of
// Sealer::seal: lets a test write what a misbehaving member could.
Bytes seal_by_hand(std::string_view mesh_id, const MeshSecret& s, const PublicKey& sender,
                   uint64_t counter, const Bytes& plaintext) {
  const MeshKeys k = derive_mesh_keys(mesh_id, s);
  Bytes out = {kSealMagic, kSealVersion};
  out.insert(out.end(), k.tag.begin(), k.tag.end());
  out.insert(out.end(), sender.bytes.begin(), sender.bytes.end());
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(counter >> (8 * i)));
  std::array<uint8_t, 24> nonce{};
  const std::string label("smegmesh seal nonce v1\0", 23);
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(label.data()), label.size());
  crypto_generichash_update(&st, sender.bytes.data(), 32);
  crypto_generichash_final(&st, nonce.data(), 16);
  std::copy(out.begin() + 42, out.begin() + 50, nonce.begin() + 16);
  out.resize(50 + plaintext.size() + 16);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + 50, nullptr, plaintext.data(),
                                             plaintext.size(), out.data(), 50, nullptr,
                                             nonce.data(), k.aead_key.data());
  return out;
}

// ---- MeshSecret and keys ---------------------------------------------------------------------

TEST(MeshKeys, GoldenAgainstAnIndependentBlake2b) {
  std::array<uint8_t, 32> counting;
  for (size_t i = 0; i < 32; ++i) counting[i] = static_cast<uint8_t>(i);
  const MeshKeys k = derive_mesh_keys("alpha", MeshSecret::from_bytes(counting));
  // Python: hashlib.blake2b(LABEL + b"alpha", key=bytes(range(32)), digest_size=32 / 16).
  EXPECT_EQ(to_hex(k.aead_key.data(), k.aead_key.size()),
            "343052d3ecb2f07bcf8027e83ab6a5d8801fe1feb2899144054469e12055c330");
  EXPECT_EQ(to_hex(k.tag.data(), k.tag.size()), "cecc176c7bef1190");
}

TEST(MeshKeys, OneSecretForTwoMeshesGivesUnrelatedKeys) {
  const MeshKeys a = derive_mesh_keys("alpha", secret(1));
  const MeshKeys b = derive_mesh_keys("beta", secret(1));
  const MeshKeys c = derive_mesh_keys("alpha", secret(2));
  EXPECT_NE(a.aead_key, b.aead_key);
  EXPECT_NE(a.tag, b.tag);
  EXPECT_NE(a.aead_key, c.aead_key);
  EXPECT_NE(a.tag, c.tag);
  EXPECT_EQ(a.aead_key, derive_mesh_keys("alpha", secret(1)).aead_key);
}

// ---- ReplayWindow ----------------------------------------------------------------------------

TEST(ReplayWindow, EachCounterOnceReorderedWithinTheWindow) {
  ReplayWindow w;
  EXPECT_TRUE(w.would_accept(0));
  EXPECT_TRUE(w.accept(0));
  EXPECT_FALSE(w.accept(0));
  EXPECT_TRUE(w.accept(10));
  EXPECT_TRUE(w.accept(5));
  EXPECT_FALSE(w.would_accept(5));
  EXPECT_TRUE(w.would_accept(6));
  EXPECT_TRUE(w.would_accept(6));  // looking does not remember
  EXPECT_TRUE(w.accept(6));
  EXPECT_FALSE(w.accept(10));
}

TEST(ReplayWindow, TooOldRefusedAtExactlyTheWindowSize) {
  ReplayWindow w;
  const uint64_t top = 1'000'000;
  ASSERT_TRUE(w.accept(top));
  EXPECT_FALSE(w.would_accept(top - ReplayWindow::kSize));
  EXPECT_TRUE(w.accept(top - ReplayWindow::kSize + 1));
  EXPECT_FALSE(w.accept(0));
}

TEST(ReplayWindow, AJumpForgetsEverythingBelowTheNewWindow) {
  ReplayWindow w;
  for (uint64_t c = 100; c < 200; ++c) ASSERT_TRUE(w.accept(c));
  // A jump far beyond the ring: all old bits must be gone, the new window starts empty.
  const uint64_t top = 100 * ReplayWindow::kSize;
  ASSERT_TRUE(w.accept(top));
  for (uint64_t c = top - ReplayWindow::kSize + 1; c < top; ++c) {
    ASSERT_TRUE(w.accept(c)) << c;
  }
  ASSERT_TRUE(w.accept(UINT64_MAX));
  EXPECT_FALSE(w.accept(UINT64_MAX));
  EXPECT_TRUE(w.accept(UINT64_MAX - 1));
  EXPECT_FALSE(w.accept(top));
}

// Property: on random traffic (mostly ahead, some behind, some repeats) the window decides as
// the obvious model with an unbounded set of seen counters does.
TEST(ReplayWindow, MatchesAnUnboundedModel) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    ReplayWindow w;
    std::set<uint64_t> seen;
    uint64_t top = rng.uniform(1'000'000);
    for (int i = 0; i < 20'000; ++i) {
      uint64_t c;
      const uint64_t pick = rng.uniform(10);
      if (pick < 4) {
        c = top + rng.uniform(pick == 0 ? 5000 : 70);  // ahead, sometimes far
      } else {
        c = top - std::min(top, rng.uniform(ReplayWindow::kSize + 200));  // behind, some too old
      }
      const bool model = !seen.contains(c) && (seen.empty() || c > *seen.rbegin() ||
                                               *seen.rbegin() - c < ReplayWindow::kSize);
      ASSERT_EQ(w.accept(c), model) << "seed " << seed << " step " << i << " counter " << c;
      if (model) seen.insert(c);
      top = std::max(top, c);
    }
  }
}

// ---- Sealer ----------------------------------------------------------------------------------

struct Pair {
  Sealer alice{kAlice, 1000};
  Sealer bob{kBob, 5000};
  Pair() {
    EXPECT_TRUE(alice.add_mesh("alpha", secret(7)).is_ok());
    EXPECT_TRUE(bob.add_mesh("alpha", secret(7)).is_ok());
  }
};

TEST(Sealer, RoundTripAndTheEnvelopeLayout) {
  Pair p;
  const Bytes msg = message("alpha", kAlice);
  const Bytes d = sealed(p.alice, "alpha", msg);
  ASSERT_EQ(d.size(), msg.size() + kSealOverhead);
  EXPECT_EQ(d[0], kSealMagic);
  EXPECT_EQ(d[1], kSealVersion);
  const MeshTag tag = derive_mesh_keys("alpha", secret(7)).tag;
  EXPECT_TRUE(std::equal(tag.begin(), tag.end(), d.begin() + 2));
  EXPECT_TRUE(std::equal(kAlice.bytes.begin(), kAlice.bytes.end(), d.begin() + 10));
  const Bytes counter(d.begin() + 42, d.begin() + 50);
  EXPECT_EQ(counter, (Bytes{0, 0, 0, 0, 0, 0, 0x03, 0xe8}));  // 1000, big-endian
  // The body is not readable in the datagram.
  EXPECT_EQ(std::search(d.begin(), d.end(), msg.begin() + 4, msg.end()), d.end());

  auto o = p.bob.open(d);
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->mesh_id, "alpha");
  EXPECT_EQ(o->sender, kAlice);
  EXPECT_EQ(o->counter, 1000u);
  EXPECT_EQ(o->plaintext, msg);
  EXPECT_EQ(p.alice.stats().sealed, 1u);
  EXPECT_EQ(p.bob.stats().opened, 1u);
}

TEST(Sealer, TheHeaderCommentDescribesTheWireFormat) {
  Pair p;
  const Bytes msg = message("alpha", kAlice);
  const Bytes by_hand = seal_by_hand("alpha", secret(7), kAlice, 1000, msg);
  EXPECT_EQ(sealed(p.alice, "alpha", msg), by_hand);
  auto o = p.bob.open(by_hand);
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->plaintext, msg);
}

TEST(Sealer, OneCounterAcrossMeshesIncreasingByOne) {
  Pair p;
  ASSERT_TRUE(p.alice.add_mesh("beta", secret(8)).is_ok());
  ASSERT_TRUE(p.bob.add_mesh("beta", secret(8)).is_ok());
  const char* meshes[] = {"alpha", "beta", "beta", "alpha"};
  for (uint64_t i = 0; i < 4; ++i) {
    auto o = p.bob.open(sealed(p.alice, meshes[i], message(meshes[i], kAlice)));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->mesh_id, meshes[i]);
    EXPECT_EQ(o->counter, 1000 + i);
  }
}

TEST(Sealer, NonMembersCannotOpen) {
  Pair p;
  const Bytes d = sealed(p.alice, "alpha", message("alpha", kAlice));
  SealError why{};
  Sealer other_secret(kBob, 1);
  ASSERT_TRUE(other_secret.add_mesh("alpha", secret(9)).is_ok());
  // Another secret gives another tag, so the mesh is not even found.
  EXPECT_FALSE(other_secret.open(d, &why).is_ok());
  EXPECT_EQ(why, SealError::kUnknownMesh);
  Sealer other_mesh(kBob, 1);  // the same secret under another mesh id
  ASSERT_TRUE(other_mesh.add_mesh("beta", secret(7)).is_ok());
  auto r = other_mesh.open(d, &why);
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(why, SealError::kUnknownMesh);
  EXPECT_TRUE(contains(r.status().message(), "unknown-mesh")) << r.status().message();
  EXPECT_EQ(other_mesh.stats().rejections(SealError::kUnknownMesh), 1u);
  // A forger that copies the tag still fails authentication.
  Bytes forged = seal_by_hand("alpha", secret(9), kAlice, 1000, message("alpha", kAlice));
  std::copy(d.begin() + 2, d.begin() + 10, forged.begin() + 2);
  r = p.bob.open(forged, &why);
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(why, SealError::kBadTag);
  EXPECT_TRUE(contains(r.status().message(), "bad-tag")) << r.status().message();
  EXPECT_EQ(p.bob.sender_windows("alpha"), 0u);  // no window for a forger
}

TEST(Sealer, EveryFlippedBitIsRejected) {
  Pair p;
  const Bytes d = sealed(p.alice, "alpha", message("alpha", kAlice));
  for (size_t bit = 0; bit < 8 * d.size(); ++bit) {
    Bytes bad = d;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    SealError why{};
    ASSERT_FALSE(p.bob.open(bad, &why).is_ok()) << "bit " << bit;
    const size_t at = bit / 8;
    const SealError expect = at < 2    ? SealError::kNotSealed
                             : at < 10 ? SealError::kUnknownMesh
                                       : SealError::kBadTag;
    ASSERT_EQ(why, expect) << "bit " << bit;
  }
  EXPECT_EQ(p.bob.sender_windows("alpha"), 0u);
  EXPECT_TRUE(p.bob.open(d).is_ok());  // no forgery moved the window
}

TEST(Sealer, ReplayRejectedReorderAccepted) {
  Pair p;
  std::vector<Bytes> ds;
  for (int i = 0; i < 100; ++i) ds.push_back(sealed(p.alice, "alpha", message("alpha", kAlice)));
  for (auto it = ds.rbegin(); it != ds.rend(); ++it) {
    auto o = p.bob.open(*it);
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  }
  SealError why{};
  auto r = p.bob.open(ds[37], &why);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(why, SealError::kReplay);
  EXPECT_TRUE(contains(r.status().message(), "counter 1037")) << r.status().message();
  EXPECT_EQ(p.bob.stats().rejections(SealError::kReplay), 1u);
  EXPECT_EQ(p.bob.stats().opened, 100u);
}

TEST(Sealer, TooOldRejected) {
  Pair p;
  std::vector<Bytes> ds;
  for (uint64_t i = 0; i <= ReplayWindow::kSize; ++i) {
    ds.push_back(sealed(p.alice, "alpha", message("alpha", kAlice)));
  }
  ASSERT_TRUE(p.bob.open(ds.back()).is_ok());
  SealError why{};
  EXPECT_FALSE(p.bob.open(ds[0], &why).is_ok());
  EXPECT_EQ(why, SealError::kReplay);
  EXPECT_TRUE(p.bob.open(ds[1]).is_ok());
}

TEST(Sealer, ARestartWithAHigherCounterIsAccepted) {
  Pair p;
  ASSERT_TRUE(p.bob.open(sealed(p.alice, "alpha", message("alpha", kAlice))).is_ok());
  Sealer restarted(kAlice, 1'000'000'000);
  ASSERT_TRUE(restarted.add_mesh("alpha", secret(7)).is_ok());
  auto o = p.bob.open(sealed(restarted, "alpha", message("alpha", kAlice)));
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->counter, 1'000'000'000u);
  // A restart with the clock stepped back reuses counters: refused until it passes them.
  Sealer stepped_back(kAlice, 1'000'000'000);
  ASSERT_TRUE(stepped_back.add_mesh("alpha", secret(7)).is_ok());
  SealError why{};
  EXPECT_FALSE(p.bob.open(sealed(stepped_back, "alpha", message("alpha", kAlice)), &why).is_ok());
  EXPECT_EQ(why, SealError::kReplay);
}

TEST(Sealer, OwnDatagramsReflectedBackAreReplays) {
  Pair p;
  const Bytes d = sealed(p.alice, "alpha", message("alpha", kAlice));
  SealError why{};
  EXPECT_FALSE(p.alice.open(d, &why).is_ok());
  EXPECT_EQ(why, SealError::kReplay);
}

TEST(Sealer, WindowCapEvictsTheSenderHeardLeastRecently) {
  Sealer bob(kBob, 1, /*max_senders_per_mesh=*/3);
  ASSERT_TRUE(bob.add_mesh("alpha", secret(7)).is_ok());
  std::deque<Sealer> senders;  // Sealers stay put: no copies of their keys
  std::vector<Bytes> first;    // each sender's first datagram
  for (uint8_t i = 1; i <= 4; ++i) {
    senders.emplace_back(key(i), 100);
    ASSERT_TRUE(senders.back().add_mesh("alpha", secret(7)).is_ok());
    first.push_back(sealed(senders.back(), "alpha", message("alpha", key(i))));
  }
  ASSERT_TRUE(bob.open(first[0]).is_ok());
  ASSERT_TRUE(bob.open(first[1]).is_ok());
  ASSERT_TRUE(bob.open(first[2]).is_ok());
  // Sender 1 is heard again, so sender 2 is now the least recent.
  ASSERT_TRUE(bob.open(sealed(senders[0], "alpha", message("alpha", key(1)))).is_ok());
  EXPECT_EQ(bob.sender_windows("alpha"), 3u);
  ASSERT_TRUE(bob.open(first[3]).is_ok());  // a fourth sender: one window goes
  EXPECT_EQ(bob.sender_windows("alpha"), 3u);
  EXPECT_EQ(bob.stats().windows_evicted, 1u);
  // The documented cost: the evicted sender's old datagram is accepted once more ...
  EXPECT_TRUE(bob.open(first[1]).is_ok());
  EXPECT_FALSE(bob.open(first[1]).is_ok());
  // ... (which evicted sender 3, now least recent) while sender 1 kept its window.
  EXPECT_EQ(bob.stats().windows_evicted, 2u);
  SealError why{};
  EXPECT_FALSE(bob.open(first[0], &why).is_ok());
  EXPECT_EQ(why, SealError::kReplay);
}

TEST(Sealer, SizeLimits) {
  Pair p;
  Bytes biggest = message("alpha", kAlice);
  biggest.resize(kMaxSealedPlaintext, 0x55);  // the header check ignores the body
  const Bytes d = sealed(p.alice, "alpha", biggest);
  EXPECT_EQ(d.size(), kMaxDatagram);
  EXPECT_TRUE(p.bob.open(d).is_ok());

  biggest.push_back(0);
  auto r = p.alice.seal("alpha", biggest);
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(contains(r.status().message(), "too large")) << r.status().message();

  SealError why{};
  EXPECT_FALSE(p.bob.open(Bytes(kMaxDatagram + 1, kSealMagic), &why).is_ok());
  EXPECT_EQ(why, SealError::kTooLarge);
  EXPECT_FALSE(p.bob.open(Bytes(kSealOverhead - 1, kSealMagic), &why).is_ok());
  EXPECT_EQ(why, SealError::kNotSealed);
  // A bare core message, as an unsealed sender would send it.
  Bytes bare = message("alpha", kAlice);
  bare.resize(200);
  EXPECT_FALSE(p.bob.open(bare, &why).is_ok());
  EXPECT_EQ(why, SealError::kNotSealed);
  auto short_bare = p.bob.open(message("alpha", kAlice), &why);
  EXPECT_FALSE(short_bare.is_ok());
  EXPECT_EQ(why, SealError::kNotSealed);
  EXPECT_EQ(p.bob.stats().rejections(SealError::kTooLarge), 1u);
  EXPECT_EQ(p.bob.stats().rejections(SealError::kNotSealed), 3u);
}

TEST(Sealer, SealRefusesAMessageForAnotherMeshOrSender) {
  Pair p;
  auto r = p.alice.seal("alpha", message("beta", kAlice));
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(contains(r.status().message(), "mesh \"beta\"")) << r.status().message();
  r = p.alice.seal("alpha", message("alpha", kBob));
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(contains(r.status().message(), "another sender")) << r.status().message();
  r = p.alice.seal("alpha", Bytes{1, 2, 3});
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(contains(r.status().message(), "not a core message")) << r.status().message();
  r = p.alice.seal("gamma", message("gamma", kAlice));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(contains(r.status().message(), "\"gamma\"")) << r.status().message();
  EXPECT_EQ(p.alice.stats().sealed, 0u);
}

// A member (it holds the secret) that puts one sender in the envelope and another inside.
TEST(Sealer, OpenRefusesAnInnerHeaderThatDisagrees) {
  Pair p;
  struct Case {
    Bytes inner;
    std::string expect;
  };
  const Case cases[] = {
      {message("alpha", kBob), "another sender"},
      {message("beta", kAlice), "another mesh"},
      {Bytes{9, 9, 9}, "wire format version 9"},
  };
  uint64_t counter = 1;
  for (const Case& c : cases) {
    SealError why{};
    auto r = p.bob.open(seal_by_hand("alpha", secret(7), kAlice, counter++, c.inner), &why);
    ASSERT_FALSE(r.is_ok()) << c.expect;
    EXPECT_EQ(why, SealError::kHeaderMismatch);
    EXPECT_TRUE(contains(r.status().message(), c.expect)) << r.status().message();
  }
  EXPECT_EQ(p.bob.stats().rejections(SealError::kHeaderMismatch), 3u);
}

TEST(Sealer, MeshesAreAddedAndRemoved) {
  Pair p;
  EXPECT_TRUE(p.bob.has_mesh("alpha"));
  Status s = p.bob.add_mesh("alpha", secret(1));
  EXPECT_EQ(s.code(), Status::Code::kConflict);
  EXPECT_TRUE(contains(s.message(), "\"alpha\"")) << s.message();
  s = p.bob.add_mesh("Not_A-Mesh", secret(1));
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(contains(s.message(), "Not_A-Mesh")) << s.message();

  const Bytes d = sealed(p.alice, "alpha", message("alpha", kAlice));
  ASSERT_TRUE(p.bob.remove_mesh("alpha").is_ok());
  EXPECT_FALSE(p.bob.has_mesh("alpha"));
  SealError why{};
  EXPECT_FALSE(p.bob.open(d, &why).is_ok());
  EXPECT_EQ(why, SealError::kUnknownMesh);
  s = p.bob.remove_mesh("alpha");
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_TRUE(contains(s.message(), "\"alpha\"")) << s.message();
  // Rejoining starts with fresh windows.
  ASSERT_TRUE(p.bob.add_mesh("alpha", secret(7)).is_ok());
  EXPECT_TRUE(p.bob.open(d).is_ok());
}

TEST(Sealer, TheCounterNeverWraps) {
  Sealer s(kAlice, UINT64_MAX - 1);
  ASSERT_TRUE(s.add_mesh("alpha", secret(7)).is_ok());
  EXPECT_TRUE(s.seal("alpha", message("alpha", kAlice)).is_ok());
  auto r = s.seal("alpha", message("alpha", kAlice));
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(contains(r.status().message(), "counter is exhausted")) << r.status().message();
}

// Random datagrams, and random mutations of a real one (its tag kept, so they reach the AEAD),
// are all refused with a reason, and never crash (the ASan build checks the reads).
TEST(Sealer, RandomAndMutatedDatagramsAreRefused) {
  Pair p;
  const Bytes good = sealed(p.alice, "alpha", message("alpha", kAlice));
  Rng rng(7);
  for (int i = 0; i < 20'000; ++i) {
    Bytes d;
    if (i % 2 == 0) {
      d.resize(rng.uniform(2 * good.size()));
      for (auto& b : d) b = static_cast<uint8_t>(rng.next_u64());
      if (d.size() > 1 && rng.uniform(2) == 0) {  // get past the magic half the time
        d[0] = kSealMagic;
        d[1] = kSealVersion;
      }
    } else {
      d = good;
      for (uint64_t n = 1 + rng.uniform(4); n > 0; --n) {
        d[kEnvelopeHeader - 8 + rng.uniform(d.size() - kEnvelopeHeader + 8)] ^=
            static_cast<uint8_t>(1 + rng.uniform(255));
      }
      d.resize(kEnvelopeHeader + rng.uniform(d.size() - kEnvelopeHeader + 1));
      if (d == good) continue;
    }
    SealError why{};
    auto r = p.bob.open(d, &why);
    ASSERT_FALSE(r.is_ok()) << "iteration " << i;
    EXPECT_TRUE(contains(r.status().message(), seal_error_name(why))) << r.status().message();
  }
  EXPECT_EQ(p.bob.stats().opened, 0u);
  EXPECT_TRUE(p.bob.open(good).is_ok());
}

TEST(Sealer, ReasonNames) {
  EXPECT_STREQ(seal_error_name(SealError::kNotSealed), "not-sealed");
  EXPECT_STREQ(seal_error_name(SealError::kUnknownMesh), "unknown-mesh");
  EXPECT_STREQ(seal_error_name(SealError::kBadTag), "bad-tag");
  EXPECT_STREQ(seal_error_name(SealError::kReplay), "replay");
  EXPECT_STREQ(seal_error_name(SealError::kTooLarge), "too-large");
  EXPECT_STREQ(seal_error_name(SealError::kHeaderMismatch), "header-mismatch");
}

}  // namespace
}  // namespace smeg::daemon
