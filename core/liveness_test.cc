#include "core/liveness.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/record.h"
#include "core/rng.h"

namespace smeg {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t kMaxBits = 20000;

Bitmap from_bits(const std::vector<uint32_t>& bits) {
  Bitmap b;
  for (uint32_t bit : bits) b.set(bit);
  return b;
}

// A bitmap with every bit below len set except those listed.
Bitmap all_but(uint32_t len, const std::set<uint32_t>& clear) {
  Bitmap b;
  for (uint32_t i = 0; i < len; ++i) {
    if (!clear.count(i)) b.set(i);
  }
  return b;
}

Bytes encode(const Bitmap& b) {
  Bytes out;
  Writer w(out);
  b.encode(w);
  return out;
}

Result<Bitmap> decode(const Bytes& bytes, uint32_t max_bits = kMaxBits) {
  Reader r(bytes);
  Bitmap b = Bitmap::decode(r, max_bits);
  Status s = r.finish();
  if (!s) return s;
  return b;
}

void expect_round_trip(const Bitmap& b, const char* what) {
  const Bytes enc = encode(b);
  auto back = decode(enc);
  ASSERT_TRUE(back.is_ok()) << what << ": " << back.status().to_string();
  EXPECT_TRUE(*back == b) << what;
  EXPECT_EQ(back->count(), b.count()) << what;
  EXPECT_EQ(back->bit_length(), b.bit_length()) << what;
}

PublicKey leader(uint8_t n) {
  PublicKey k;
  k.bytes[0] = n;
  return k;
}

// ---- Bitmap --------------------------------------------------------------------------------

TEST(Bitmap, SetTestCountBitLength) {
  Bitmap b;
  EXPECT_EQ(b.count(), 0u);
  EXPECT_EQ(b.bit_length(), 0u);
  EXPECT_FALSE(b.test(0));
  EXPECT_FALSE(b.test(1000000));
  b.set(0);
  b.set(63);
  b.set(64);
  b.set(200);
  b.set(200);
  EXPECT_TRUE(b.test(0));
  EXPECT_TRUE(b.test(63));
  EXPECT_TRUE(b.test(64));
  EXPECT_TRUE(b.test(200));
  EXPECT_FALSE(b.test(1));
  EXPECT_FALSE(b.test(65));
  EXPECT_FALSE(b.test(199));
  EXPECT_EQ(b.count(), 4u);
  EXPECT_EQ(b.bit_length(), 201u);
  b.clear();
  EXPECT_EQ(b.count(), 0u);
  EXPECT_TRUE(b == Bitmap());
}

TEST(Bitmap, MergeAndSubset) {
  Bitmap a = from_bits({1, 5, 70});
  const Bitmap b = from_bits({5, 300});
  EXPECT_FALSE(a.subset_of(b));
  EXPECT_FALSE(b.subset_of(a));
  EXPECT_TRUE(Bitmap().subset_of(a));
  EXPECT_TRUE(a.subset_of(a));

  EXPECT_TRUE(a.merge(b));  // 300 is new
  EXPECT_TRUE(a == from_bits({1, 5, 70, 300}));
  EXPECT_FALSE(a.merge(b));  // nothing new the second time
  EXPECT_FALSE(a.merge(Bitmap()));
  EXPECT_TRUE(b.subset_of(a));
  EXPECT_EQ(a.count(), 4u);

  // A longer bitmap whose high words are all in the other is still a subset.
  Bitmap shorter = from_bits({2});
  EXPECT_TRUE(shorter.subset_of(from_bits({2, 5000})));
  EXPECT_FALSE(from_bits({2, 5000}).subset_of(shorter));
}

TEST(Bitmap, EqualityIgnoresHowItWasBuilt) {
  Bitmap a = from_bits({3, 900});
  Bitmap b = from_bits({900});
  b.merge(from_bits({3}));
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == from_bits({3}));
}

TEST(Bitmap, RoundTripsShapes) {
  expect_round_trip(Bitmap(), "empty");
  expect_round_trip(from_bits({0}), "bit 0");
  expect_round_trip(from_bits({kMaxBits - 1}), "top bit");
  expect_round_trip(from_bits({3, 1000, 2999}), "sparse");
  expect_round_trip(all_but(3000, {}), "full");
  expect_round_trip(all_but(3000, {0, 1, 1500, 2998}), "nearly full");
  expect_round_trip(all_but(64, {}), "one full word");
  expect_round_trip(all_but(65, {63}), "word boundary");
  Bitmap dense;
  for (uint32_t i = 0; i < 4096; i += 2) dense.set(i);
  expect_round_trip(dense, "dense alternating");
}

TEST(Bitmap, RoundTripsRandomBitmaps) {
  Rng rng(4242);
  for (int iter = 0; iter < 300; ++iter) {
    const uint32_t size = 1 + static_cast<uint32_t>(rng.uniform(kMaxBits));
    const double density = rng.next_double();
    Bitmap b;
    std::set<uint32_t> bits;
    if (density < 0.2) {
      // Sparse: a handful of positions.
      for (uint64_t n = rng.uniform(20); n > 0; --n)
        bits.insert(static_cast<uint32_t>(rng.uniform(size)));
      for (uint32_t bit : bits) b.set(bit);
    } else if (density > 0.8) {
      // Nearly full: a handful of holes.
      std::set<uint32_t> holes;
      for (uint64_t n = rng.uniform(20); n > 0; --n)
        holes.insert(static_cast<uint32_t>(rng.uniform(size)));
      b = all_but(size, holes);
    } else {
      for (uint32_t i = 0; i < size; ++i) {
        if (rng.chance(density)) b.set(i);
      }
    }
    const Bytes enc = encode(b);
    auto back = decode(enc);
    ASSERT_TRUE(back.is_ok()) << "iter " << iter << ": " << back.status().to_string();
    ASSERT_TRUE(*back == b) << "iter " << iter;
    // Never much bigger than the raw words.
    EXPECT_LE(enc.size(), (b.bit_length() + 63) / 64 * 8 + 8) << "iter " << iter;
  }
}

TEST(Bitmap, SparseAndNearlyFullEncodeSmall) {
  const Bitmap sparse = from_bits({17, 400, 1200, 2500, 2999});
  const Bitmap nearly_full = all_but(3000, {17, 400, 1200, 2500, 2998});
  EXPECT_LT(encode(sparse).size(), 64u);
  EXPECT_LT(encode(nearly_full).size(), 64u);
  EXPECT_LE(encode(Bitmap()).size(), 2u);
  // For scale: the raw words of 3000 bits take 376 bytes.
  expect_round_trip(sparse, "sparse");
  expect_round_trip(nearly_full, "nearly full");
}

TEST(Bitmap, DecodeRejectsUnknownForm) {
  auto r = decode(Bytes{7, 0});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("bitmap.form"), std::string::npos);
}

TEST(Bitmap, DecodeRejectsOutOfRangePositions) {
  // Set list: form 1, one position at 100, with max_bits 100.
  EXPECT_FALSE(decode(Bytes{1, 1, 100}, 100).is_ok());
  EXPECT_TRUE(decode(Bytes{1, 1, 99}, 100).is_ok());
  // Set list whose deltas add up past the limit.
  EXPECT_FALSE(decode(Bytes{1, 2, 60, 60}, 100).is_ok());
  // Clear list: form 2, length 10, one clear position at 10 (not below the length).
  EXPECT_FALSE(decode(Bytes{2, 10, 1, 10}, 100).is_ok());
  EXPECT_TRUE(decode(Bytes{2, 10, 1, 9}, 100).is_ok());
  // Clear list longer than max_bits.
  EXPECT_FALSE(decode(Bytes{2, 101, 0}, 100).is_ok());
  // Raw words beyond max_bits.
  Bytes raw{0, 3};
  raw.resize(2 + 24, 0xff);
  EXPECT_FALSE(decode(raw, 128).is_ok());
  Bytes two_words{0, 2};
  two_words.resize(2 + 16, 0xff);
  auto full = decode(two_words, 128);
  ASSERT_TRUE(full.is_ok());
  EXPECT_EQ(full->count(), 128u);
}

TEST(Bitmap, DecodeRejectsNonIncreasingPositions) {
  auto r = decode(Bytes{1, 3, 5, 0, 2});  // 5, 5, 7
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("not increasing"), std::string::npos);
  EXPECT_FALSE(decode(Bytes{2, 20, 2, 4, 0}).is_ok());
  // Position 0 first is fine: the first delta is absolute.
  auto ok = decode(Bytes{1, 2, 0, 3});
  ASSERT_TRUE(ok.is_ok());
  EXPECT_TRUE(*ok == from_bits({0, 3}));
}

TEST(Bitmap, DecodeClearListSetsEverythingElse) {
  auto r = decode(Bytes{2, 6, 2, 1, 3});  // length 6, clear 1 and 4
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(*r == from_bits({0, 2, 3, 5}));
}

TEST(Bitmap, DecodeRejectsTruncationAndHugeCounts) {
  const Bytes enc = encode(from_bits({5, 900, 1800}));
  for (size_t len = 0; len < enc.size(); ++len) {
    EXPECT_FALSE(decode(Bytes(enc.begin(), enc.begin() + static_cast<long>(len))).is_ok()) << len;
  }
  Bytes huge{1};
  Writer(huge).varint(uint64_t{1} << 40);
  EXPECT_FALSE(decode(huge, RecordLimits::kMaxSlot).is_ok());
}

// ---- LivenessView ----------------------------------------------------------------------------

TEST(LivenessView, RoundTrip) {
  LivenessView v;
  v.epoch = 9;
  v.leader = leader(3);
  v.recent.push_back({9, from_bits({1, 2, 3})});
  v.recent.push_back({8, all_but(500, {7})});
  Bytes out;
  Writer w(out);
  v.encode(w);
  Reader r(out);
  const LivenessView back = LivenessView::decode(r);
  ASSERT_TRUE(r.finish().is_ok());
  EXPECT_EQ(back.epoch, 9u);
  EXPECT_EQ(back.leader, leader(3));
  ASSERT_EQ(back.recent.size(), 2u);
  EXPECT_EQ(back.recent[0].epoch, 9u);
  EXPECT_TRUE(back.recent[0].bits == v.recent[0].bits);
  EXPECT_EQ(back.recent[1].epoch, 8u);
  EXPECT_TRUE(back.recent[1].bits == v.recent[1].bits);
}

TEST(LivenessView, DecodeRejectsEpochNewerThanCurrent) {
  LivenessView v;
  v.epoch = 4;
  v.recent.push_back({5, from_bits({1})});
  Bytes out;
  Writer w(out);
  v.encode(w);
  Reader r(out);
  (void)LivenessView::decode(r);
  EXPECT_FALSE(r.ok());
}

// ---- EpochWindow -----------------------------------------------------------------------------

TEST(EpochWindow, StartsEmpty) {
  EpochWindow w;
  EXPECT_EQ(w.epoch(), 0u);
  w.mark(0, 1);
  EXPECT_FALSE(w.seen_within(1, 4));
  EXPECT_TRUE(w.view().recent.empty());
}

TEST(EpochWindow, AdvanceAndMark) {
  EpochWindow w;
  w.advance(1, leader(9));
  EXPECT_EQ(w.epoch(), 1u);
  EXPECT_EQ(w.leader(), leader(9));
  w.mark(1, 5);
  w.mark(2, 6);  // a future epoch is not held: ignored
  EXPECT_TRUE(w.seen_within(5, 1));
  EXPECT_FALSE(w.seen_within(6, 4));
  EXPECT_FALSE(w.seen_within(5, 0));

  // Advancing to an epoch not above the current one changes nothing.
  w.advance(1, leader(1));
  w.advance(0, leader(1));
  EXPECT_EQ(w.epoch(), 1u);
  EXPECT_EQ(w.leader(), leader(9));

  w.advance(2, leader(1));
  EXPECT_EQ(w.leader(), leader(1));
  EXPECT_FALSE(w.seen_within(5, 1));  // not in the current epoch
  EXPECT_TRUE(w.seen_within(5, 2));   // but in the one before
  w.mark(1, 7);                       // the previous epoch can still be marked
  EXPECT_TRUE(w.seen_after(7, 0));
  EXPECT_FALSE(w.seen_after(7, 1));
}

TEST(EpochWindow, RingKeepsFourEpochs) {
  EpochWindow w;
  for (uint64_t e = 1; e <= 4; ++e) {
    w.advance(e, leader(1));
    w.mark(e, static_cast<uint32_t>(e * 10));
  }
  for (uint32_t slot : {10u, 20u, 30u, 40u}) EXPECT_TRUE(w.seen_within(slot, 4)) << slot;
  EXPECT_FALSE(w.seen_within(10, 3));

  w.advance(5, leader(1));  // reuses epoch 1's ring entry
  EXPECT_FALSE(w.seen_within(10, 4));
  EXPECT_FALSE(w.seen_within(10, 100));
  EXPECT_FALSE(w.seen_within(50, 4));  // the new epoch starts empty, not with epoch 1's bits
  EXPECT_TRUE(w.seen_within(20, 4));
  w.mark(1, 11);  // dropped epoch: ignored
  EXPECT_FALSE(w.seen_after(11, 0));
  EXPECT_TRUE(w.seen_after(20, 1));
  EXPECT_FALSE(w.seen_after(20, 2));
  EXPECT_TRUE(w.seen_after(40, 3));
}

TEST(EpochWindow, SkippingEpochsClearsStaleBits) {
  EpochWindow w;
  w.advance(2, leader(1));
  w.mark(2, 3);
  w.advance(4, leader(1));            // skips 3
  EXPECT_TRUE(w.seen_within(3, 3));   // epochs 4, 3, 2
  EXPECT_FALSE(w.seen_within(3, 2));  // epochs 4, 3
  EXPECT_TRUE(w.seen_after(3, 1));

  // Skip far ahead: everything old is gone, and entries reused by the ring start empty.
  for (uint64_t e = 5; e <= 7; ++e) {
    w.advance(e, leader(1));
    w.mark(e, 8);
  }
  w.advance(106, leader(1));
  EXPECT_EQ(w.epoch(), 106u);
  EXPECT_FALSE(w.seen_within(8, 4));
  EXPECT_FALSE(w.seen_within(3, 4));
  EXPECT_FALSE(w.seen_after(8, 0));
  const LivenessView v = w.view();
  ASSERT_EQ(v.recent.size(), EpochWindow::kSent);
  EXPECT_EQ(v.recent[0].epoch, 106u);
  EXPECT_EQ(v.recent[1].epoch, 105u);
  EXPECT_EQ(v.recent[0].bits.count() + v.recent[1].bits.count(), 0u);
}

TEST(EpochWindow, ViewListsNewestEpochsFirst) {
  EpochWindow w;
  w.advance(1, leader(2));
  w.mark(1, 1);
  LivenessView v = w.view();
  EXPECT_EQ(v.epoch, 1u);
  EXPECT_EQ(v.leader, leader(2));
  ASSERT_EQ(v.recent.size(), 1u);  // epoch 0 does not exist
  w.advance(2, leader(2));
  w.mark(2, 2);
  w.advance(3, leader(2));
  w.mark(3, 3);
  v = w.view();
  ASSERT_EQ(v.recent.size(), 2u);
  EXPECT_EQ(v.recent[0].epoch, 3u);
  EXPECT_TRUE(v.recent[0].bits == from_bits({3}));
  EXPECT_EQ(v.recent[1].epoch, 2u);
  EXPECT_TRUE(v.recent[1].bits == from_bits({2}));
}

TEST(EpochWindow, MergeAdoptsNewerEpochAndBits) {
  EpochWindow a, b;
  a.advance(1, leader(5));
  a.mark(1, 1);
  b.advance(1, leader(5));
  b.mark(1, 2);
  b.advance(2, leader(5));
  b.mark(2, 2);

  const EpochWindow::MergeResult r = a.merge(b.view());
  EXPECT_TRUE(r.new_epoch);
  EXPECT_TRUE(r.new_bits);
  EXPECT_EQ(a.epoch(), 2u);
  EXPECT_TRUE(a.seen_within(2, 1));
  EXPECT_TRUE(a.seen_after(2, 0));
  EXPECT_TRUE(a.seen_within(1, 2));  // its own bit survives the move

  const EpochWindow::MergeResult again = a.merge(b.view());
  EXPECT_FALSE(again.new_epoch);
  EXPECT_FALSE(again.new_bits);
}

TEST(EpochWindow, MergeOfOlderViewKeepsEpochButTakesHeldBits) {
  EpochWindow a, b;
  for (uint64_t e = 1; e <= 3; ++e) {
    a.advance(e, leader(5));
    b.advance(e, leader(5));
  }
  b.mark(2, 9);
  LivenessView old = b.view();
  old.epoch = 2;
  old.recent.erase(old.recent.begin());  // the view b had during epoch 2
  const auto r = a.merge(old);
  EXPECT_FALSE(r.new_epoch);
  EXPECT_TRUE(r.new_bits);
  EXPECT_EQ(a.epoch(), 3u);
  EXPECT_TRUE(a.seen_after(9, 1));
  EXPECT_FALSE(a.seen_after(9, 2));
}

TEST(EpochWindow, LowerLeaderWinsATie) {
  EpochWindow a, b;
  a.advance(3, leader(7));
  b.advance(3, leader(4));
  a.merge(b.view());
  EXPECT_EQ(a.leader(), leader(4));
  b.merge(a.view());
  EXPECT_EQ(b.leader(), leader(4));
  EpochWindow c;
  c.advance(3, leader(9));
  a.merge(c.view());  // a higher leader for the same epoch does not replace it
  EXPECT_EQ(a.leader(), leader(4));
}

TEST(EpochWindow, ClaimTakesTheCurrentEpochForALowerKeyOnly) {
  EpochWindow w;
  w.claim(leader(1));
  EXPECT_EQ(w.epoch(), 0u);
  EXPECT_TRUE(w.leader().is_zero()) << "no epoch to claim yet";
  w.advance(5, leader(4));
  w.mark(5, 3);
  w.claim(leader(6));
  EXPECT_EQ(w.leader(), leader(4)) << "a higher key does not take it";
  w.claim(leader(2));
  EXPECT_EQ(w.leader(), leader(2));
  EXPECT_EQ(w.epoch(), 5u) << "a claim starts no epoch";
  EXPECT_EQ(w.view().recent.front().bits.count(), 1u) << "and keeps its bits";
  EpochWindow other;
  other.advance(5, leader(4));
  EXPECT_TRUE(w.remote_lacks(other.view())) << "the claim spreads through sync replies";
}

TEST(EpochWindow, RemoteLacks) {
  EpochWindow a, b;
  a.advance(1, leader(1));
  b.advance(1, leader(1));
  EXPECT_FALSE(a.remote_lacks(b.view()));
  a.mark(1, 4);
  EXPECT_TRUE(a.remote_lacks(b.view()));   // b misses a bit
  EXPECT_FALSE(b.remote_lacks(a.view()));  // a has everything b has
  b.merge(a.view());
  EXPECT_FALSE(a.remote_lacks(b.view()));
  a.advance(2, leader(1));
  EXPECT_TRUE(a.remote_lacks(b.view()));  // b misses an epoch
  EXPECT_FALSE(b.remote_lacks(a.view()));
  b.merge(a.view());
  EXPECT_FALSE(a.remote_lacks(b.view()));
  EXPECT_FALSE(b.remote_lacks(a.view()));
  // Two leaders started epoch 3: the side that knows the lower one has news for the other.
  a.advance(3, leader(1));
  b.advance(3, leader(7));
  EXPECT_TRUE(a.remote_lacks(b.view()));
  EXPECT_FALSE(b.remote_lacks(a.view()));
  b.merge(a.missing_from(b.view()));
  EXPECT_EQ(b.leader(), leader(1));
  EXPECT_FALSE(a.remote_lacks(b.view()));
}

TEST(EpochWindow, AbsurdEpochsAreRefusedAndHugeJumpsTerminate) {
  // A view as any peer can send it, claiming the last representable epoch: refused, so that
  // epoch + 1 can never overflow.
  Bytes enc;
  Writer wr(enc);
  wr.varint(~uint64_t{0});
  wr.array(leader(1).bytes);
  wr.varint(0);
  Reader r(enc);
  (void)LivenessView::decode(r);
  EXPECT_FALSE(r.ok());

  // The largest accepted epoch decodes, and jumping to it costs O(window), not O(distance).
  Bytes ok;
  Writer w2(ok);
  w2.varint(EpochWindow::kMaxEpoch);
  w2.array(leader(1).bytes);
  w2.varint(0);
  Reader r2(ok);
  const LivenessView remote = LivenessView::decode(r2);
  ASSERT_TRUE(r2.finish().is_ok());
  EpochWindow w;
  w.advance(3, leader(1));
  w.merge(remote);  // must return
  EXPECT_EQ(w.epoch(), EpochWindow::kMaxEpoch);
  // Even a direct jump to the very last value terminates.
  EpochWindow last;
  last.advance(~uint64_t{0}, leader(1));
  EXPECT_EQ(last.epoch(), ~uint64_t{0});
}

TEST(EpochWindow, SeenAfterCostIsBoundedByTheWindow) {
  EpochWindow w;
  w.advance(1, leader(1));
  w.mark(1, 3);
  w.advance(uint64_t{1} << 40, leader(1));
  w.mark(uint64_t{1} << 40, 4);
  EXPECT_FALSE(w.seen_after(3, 0));  // epoch 1 is long gone
  EXPECT_TRUE(w.seen_after(4, 1));
}

TEST(EpochWindow, MergesConvergeInAnyOrder) {
  // Three windows that marked different slots in overlapping epochs end up with the same bits
  // after gossiping views around, whatever the order.
  Rng rng(31);
  for (int iter = 0; iter < 100; ++iter) {
    std::vector<EpochWindow> w(3);
    for (auto& win : w) {
      const uint64_t top = 1 + rng.uniform(6);
      for (uint64_t e = 1; e <= top; ++e) {
        win.advance(e, leader(1));
        for (int m = 0; m < 3; ++m) win.mark(e, static_cast<uint32_t>(rng.uniform(40)));
      }
    }
    for (int round = 0; round < 4; ++round) {
      for (size_t i = 0; i < 3; ++i) {
        for (size_t j = 0; j < 3; ++j) {
          if (i != j) w[i].merge(w[j].view());
        }
      }
    }
    for (size_t i = 1; i < 3; ++i) {
      ASSERT_EQ(w[i].epoch(), w[0].epoch());
      for (uint32_t slot = 0; slot < 40; ++slot) {
        ASSERT_EQ(w[i].seen_within(slot, 2), w[0].seen_within(slot, 2)) << iter << " " << slot;
      }
      EXPECT_FALSE(w[i].remote_lacks(w[0].view()));
    }
  }
}

}  // namespace
}  // namespace smeg

namespace smeg {
namespace {

// recent_union is how judge() reads liveness: it must agree with seen_within for every slot.
TEST(EpochWindow, RecentUnionAgreesWithSeenWithin) {
  Rng rng(99);
  for (int round = 0; round < 50; ++round) {
    EpochWindow w;
    PublicKey l;
    l.bytes[0] = 1;
    uint64_t e = 1 + rng.uniform(5);
    w.advance(e, l);
    for (int step = 0; step < 6; ++step) {
      for (int m = 0; m < 40; ++m) w.mark(e, static_cast<uint32_t>(rng.uniform(300)));
      e += 1 + rng.uniform(2);  // sometimes skip an epoch
      w.advance(e, l);
    }
    for (uint32_t n = 1; n <= EpochWindow::kKept; ++n) {
      const Bitmap u = w.recent_union(n);
      for (uint32_t s = 0; s < 320; ++s) ASSERT_EQ(u.test(s), w.seen_within(s, n)) << s;
    }
  }
}

}  // namespace
}  // namespace smeg
