// Liveness as a compact aggregate per heartbeat epoch.
//
// Re-publishing every node's record every heartbeat would cost O(N) records per node per
// interval. Instead, every member owns a stable slot (chosen at join, stored in its record), and
// each heartbeat epoch has a bitmap of the slots that showed life during it. The leader starts an
// epoch every heartbeatInterval; a node that learns of an epoch sets its own bit; bitmaps spread
// with the periodic sync and merge by bitwise OR, so the aggregate converges like any
// grow-only set. A node judges liveness when it learns a new epoch: a member whose bit is missing
// from it and the `prune_epochs` full epochs before (3 by default: 3H without a refresh) is dead.
//
// Bitmaps go on the wire in the smallest of three forms: raw words, the list of set slots, or the
// list of clear slots; a bitmap early in an epoch is sparse and one late in it is nearly full,
// so both ends cost a few bytes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/identity.h"
#include "core/wire.h"

namespace smeg {

class Bitmap {
 public:
  void set(uint32_t bit);
  bool test(uint32_t bit) const;
  // ORs other into this; true if any bit was new.
  bool merge(const Bitmap& other);
  // Clears every bit that is set in other.
  void subtract(const Bitmap& other);
  // True if every bit of this is also set in other.
  bool subset_of(const Bitmap& other) const;
  size_t count() const;
  // One past the highest set bit (0 when empty).
  uint32_t bit_length() const;
  void clear() { words_.clear(); }
  bool operator==(const Bitmap& o) const;

  void encode(Writer& w) const;
  static Bitmap decode(Reader& r, uint32_t max_bits);

 private:
  void trim();
  std::vector<uint64_t> words_;  // no trailing zero words
};

struct EpochBits {
  uint64_t epoch = 0;
  Bitmap bits;
};

// What a node tells others about liveness: the current epoch, who started it, and the bitmaps
// of the newest epochs it holds (current first).
struct LivenessView {
  uint64_t epoch = 0;
  PublicKey leader;
  std::vector<EpochBits> recent;

  void encode(Writer& w) const;
  static LivenessView decode(Reader& r);
};

class EpochWindow {
 public:
  static constexpr size_t kKept = 4;  // epochs held: enough to judge 3 missed ones
  static constexpr size_t kSent = 2;  // epochs put on the wire
  static constexpr uint64_t kMaxEpoch = uint64_t{1} << 48;  // decoders refuse higher epochs

  uint64_t epoch() const { return epoch_; }
  const PublicKey& leader() const { return leader_; }

  // Moves to a new epoch started by leader (epoch must be above the current one).
  void advance(uint64_t epoch, const PublicKey& leader);
  // Names `leader` as the current epoch's leader if its key is lower (a concurrent start).
  void claim(const PublicKey& leader);
  void mark(uint64_t epoch, uint32_t slot);

  struct MergeResult {
    bool new_epoch = false;  // the remote knew a newer epoch: we moved to it
    bool new_bits = false;   // we learned bits we did not have
  };
  MergeResult merge(const LivenessView& remote);
  // True if the remote view lacks our current epoch (or names a higher leader for it), or bits
  // that we have in an epoch the remote view carries.
  bool remote_lacks(const LivenessView& remote) const;
  // What the remote lacks: our current epoch (whole, if the remote is behind) and, for each
  // epoch the remote carries, the bits we have and it does not. Merging this into the remote
  // gives it everything we would have given with view(), at a fraction of the bytes.
  LivenessView missing_from(const LivenessView& remote) const;

  // Whether slot's bit is set in any of the newest `epochs` epochs (current included).
  bool seen_within(uint32_t slot, uint32_t epochs) const;
  // The union of the newest `epochs` epochs' bitmaps (current included): one OR pass, then a
  // bit test per member, instead of a lookup per member and epoch.
  Bitmap recent_union(uint32_t epochs) const;
  // Whether slot's bit is set in any held epoch newer than `epoch`.
  bool seen_after(uint32_t slot, uint64_t epoch) const;
  // The current epoch and, with_previous, the one before it.
  LivenessView view(bool with_previous = true) const;
  // Every epoch held (current first): merged into an empty window, it restores this one.
  LivenessView full_view() const;
  // The most slots seen alive in one held epoch (about the number of live members).
  size_t max_alive() const;

 private:
  const EpochBits* find(uint64_t epoch) const;
  EpochBits* find(uint64_t epoch);
  LivenessView view_of(size_t epochs) const;  // the newest `epochs` epochs held

  uint64_t epoch_ = 0;
  PublicKey leader_;
  std::array<EpochBits, kKept> ring_{};  // ring_[e % kKept] holds epoch e when ring_.epoch == e
};

}  // namespace smeg
