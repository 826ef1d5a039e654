#include "core/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace smeg {
namespace {

std::vector<uint64_t> draw(Rng& rng, size_t n) {
  std::vector<uint64_t> out(n);
  for (auto& v : out) v = rng.next_u64();
  return out;
}

TEST(Rng, SameSeedSameSequence) {
  Rng a(12345), b(12345);
  EXPECT_EQ(draw(a, 1000), draw(b, 1000));
}

TEST(Rng, DifferentSeedsDiffer) {
  Rng a(1), b(2);
  EXPECT_NE(draw(a, 8), draw(b, 8));
}

TEST(Rng, GoldenValuesForSeedOne) {
  // PINNED FOREVER: simulator runs and their digests are reproducible only while these hold.
  // They must never change. Cross-checked against an independent Python model of xoshiro256**
  // whose state is splitmix64 outputs 2..5 of seed 1 (the constructor's seeding).
  Rng rng(1);
  EXPECT_EQ(rng.next_u64(), 0xf9d20113ec80c6d5ULL);
  EXPECT_EQ(rng.next_u64(), 0xd16e236e5cdc6563ULL);
  EXPECT_EQ(rng.next_u64(), 0x68a40f278366062aULL);
  EXPECT_EQ(rng.next_u64(), 0x8fee6a914b3be91cULL);

  Rng bounded(1);
  EXPECT_EQ(bounded.uniform(1000), 975u);
  EXPECT_EQ(bounded.uniform(1000), 818u);
  EXPECT_EQ(bounded.uniform(1000), 408u);
  EXPECT_EQ(bounded.uniform(1000), 562u);

  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
}

TEST(Rng, PeekDoesNotAdvance) {
  Rng rng(99);
  const uint64_t first = rng.peek();
  EXPECT_EQ(rng.peek(), first);
  EXPECT_EQ(rng.next_u64(), first);
  EXPECT_NE(rng.peek(), first);
}

TEST(Rng, UniformStaysInRange) {
  Rng rng(3);
  for (uint64_t bound : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{7}, uint64_t{1000},
                         (uint64_t{1} << 63) + 1, ~uint64_t{0}}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(rng.uniform(bound), bound) << bound;
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform(1), 0u);
}

TEST(Rng, UniformIsRoughlyUniform) {
  // Chi-square over 10 cells with 100000 draws: 9 degrees of freedom, so a fair generator stays
  // far below 40 (p < 1e-5). A generator stuck on a subset of cells scores in the thousands.
  constexpr uint64_t kCells = 10;
  constexpr int kDraws = 100000;
  Rng rng(2024);
  std::array<int, kCells> counts{};
  for (int i = 0; i < kDraws; ++i) ++counts[rng.uniform(kCells)];
  const double expected = static_cast<double>(kDraws) / kCells;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 40.0);

  // A bound that does not divide 2^64 evenly, where a naive modulo would be biased.
  constexpr uint64_t kBig = (uint64_t{1} << 63) + (uint64_t{1} << 62);  // 3/4 of 2^64
  int low_half = 0;
  for (int i = 0; i < kDraws; ++i) low_half += rng.uniform(kBig) < kBig / 2;
  // Modulo reduction would put 5/8 of draws in the low half; unbiased gives 1/2.
  EXPECT_NEAR(low_half, kDraws / 2, 1500);
}

TEST(Rng, NextDoubleInUnitInterval) {
  Rng rng(5);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double d = rng.next_double();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    sum += d;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(Rng, ChanceExtremes) {
  Rng rng(8);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(rng.chance(0.0));
    EXPECT_FALSE(rng.chance(-1.0));
    EXPECT_TRUE(rng.chance(1.0));
    EXPECT_TRUE(rng.chance(2.0));
  }
  int hits = 0;
  for (int i = 0; i < 10000; ++i) hits += rng.chance(0.25);
  EXPECT_NEAR(hits, 2500, 250);
}

TEST(Rng, ForkIsDeterministicAndIndependent) {
  Rng parent_a(77), parent_b(77);
  Rng child_a = parent_a.fork();
  Rng child_b = parent_b.fork();
  // Forking is deterministic.
  EXPECT_EQ(draw(child_a, 100), draw(child_b, 100));
  // The parent advanced by one draw and keeps agreeing with its twin.
  EXPECT_EQ(draw(parent_a, 100), draw(parent_b, 100));

  // The child's stream is not the parent's, and siblings do not share values.
  Rng root(77);
  Rng first = root.fork();
  Rng second = root.fork();
  std::vector<uint64_t> seq_root = draw(root, 200);
  std::vector<uint64_t> seq_first = draw(first, 200);
  std::vector<uint64_t> seq_second = draw(second, 200);
  std::set<uint64_t> seen(seq_root.begin(), seq_root.end());
  seen.insert(seq_first.begin(), seq_first.end());
  seen.insert(seq_second.begin(), seq_second.end());
  EXPECT_EQ(seen.size(), 600u);

  // Drawing from a child never changes what the parent yields next.
  Rng p1(5), p2(5);
  Rng c1 = p1.fork();
  p2.fork();
  draw(c1, 50);
  EXPECT_EQ(p1.next_u64(), p2.next_u64());
}

}  // namespace
}  // namespace smeg
