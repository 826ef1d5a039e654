// A portable, seeded pseudo-random generator with its own range reduction.
//
// The core never draws randomness of its own: the driver owns one Rng per node (seeded from the
// run seed in the simulator, from the OS in the daemon) and passes it in. The standard library's
// distributions differ between implementations, so every reduction here is spelled out, and the
// same seed gives the same sequence on every platform, forever.
#pragma once

#include <cstdint>

namespace smeg {

// xoshiro256** seeded through splitmix64. Not cryptographic; never used for keys or secrets.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, bound); bound must be > 0. Lemire's multiply-shift with rejection: unbiased.
  uint64_t uniform(uint64_t bound);
  // Uniform in [0, 1) with 53 bits of precision.
  double next_double();
  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p);
  // A new, independent generator derived from this one (e.g. one per virtual node).
  Rng fork();

  // The next value the generator would return, without advancing it (for run digests).
  uint64_t peek() const;

 private:
  uint64_t s_[4];
};

// splitmix64 step: a good 64-bit mixer, also used for cheap deterministic hashing.
uint64_t mix64(uint64_t x);

}  // namespace smeg
