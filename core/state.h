// MeshState: the membership of one mesh as a state-based CRDT.
//
// Two maps keyed by node: records (the add set; per key the highest version wins) and
// tombstones (the remove set; per key the highest removed version wins). A node is a member iff
// it has a record whose version is above its tombstone's. A tombstone is written by the node
// itself when it leaves, or by a node that pruned it; a live node that finds itself tombstoned
// re-announces itself with a higher version. Merge takes the per-key maximum of both maps, so it
// is commutative, associative and idempotent (property tests check this on random histories).
//
// Per-key versions are the vector clock; the Digest lists them. For cheap anti-entropy the state
// keeps, incrementally, a 64-bit summary per bucket of keys (XOR of a hash of every entry) and
// their XOR over all buckets: two states with equal summaries are equal (up to 64-bit hash
// collisions), and differing buckets narrow down what to compare.
//
// Not thread-safe. Iteration is in key order, never hash order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/record.h"

namespace smeg {

struct DigestEntry {
  PublicKey key;
  uint64_t record_version = 0;     // 0: no record
  uint64_t tombstone_version = 0;  // 0: no tombstone
  auto operator<=>(const DigestEntry&) const = default;
};

struct Tombstone {
  PublicKey key;
  uint64_t version = 0;
  auto operator<=>(const Tombstone&) const = default;
};

// Tombstone encoding shared by messages and mesh images: key, then version (positive).
void encode_tombstone(Writer& w, const Tombstone& t);
Tombstone decode_tombstone(Reader& r);  // check r.ok() afterwards

// What a merge changed, for the owner of the state to react to.
enum class MergeOutcome { kUnchanged, kAdded, kUpdated, kRemoved };

class MeshState {
 public:
  static constexpr size_t kBuckets = 64;
  using BucketSummaries = std::array<uint64_t, kBuckets>;

  // Merges one record; ignored if not newer than what is known (record or tombstone).
  MergeOutcome merge_record(const RecordRef& rec);
  // Merges one tombstone; removes the record if its version is not above it.
  MergeOutcome merge_tombstone(const Tombstone& t);
  // Adds many records at once in O(members + added): each must be absent (no live record with
  // its key) and above its key's tombstone; `sorted` is sorted by key without duplicates.
  // One-by-one merges would shift the sorted storage once per record.
  void insert_absent(std::vector<RecordRef> sorted);
  // Merges everything of another state (for tests and snapshots).
  void merge_state(const MeshState& other);

  // The live record of key, or null.
  const NodeRecord* find(const PublicKey& key) const;
  RecordRef find_ref(const PublicKey& key) const;
  uint64_t tombstone_version(const PublicKey& key) const;

  const std::vector<RecordRef>& records() const { return records_; }        // sorted by key
  const std::vector<Tombstone>& tombstones() const { return tombstones_; }  // sorted by key
  size_t member_count() const { return records_.size(); }

  uint64_t summary() const { return summary_; }
  const BucketSummaries& bucket_summaries() const { return buckets_; }
  static size_t bucket_of(const PublicKey& key) { return key.bytes[0] % kBuckets; }

  // Digest entries of every key whose bucket bit is set in mask (bit b = bucket b), key order.
  std::vector<DigestEntry> digest(uint64_t bucket_mask = ~uint64_t{0}) const;
  // Given a remote digest covering bucket_mask, what we hold that is newer than the remote (the
  // records and tombstones to send) and the keys where the remote is newer (to request).
  struct Comparison {
    std::vector<RecordRef> records;
    std::vector<Tombstone> tombstones;
    std::vector<PublicKey> wanted;
  };
  Comparison compare(std::span<const DigestEntry> remote, uint64_t bucket_mask) const;

  // Full structural equality (tests).
  bool equals(const MeshState& o) const;

 private:
  void update_summary(const PublicKey& key, uint64_t old_rv, uint64_t old_tv, uint64_t new_rv,
                      uint64_t new_tv);
  static uint64_t entry_hash(const PublicKey& key, uint64_t rv, uint64_t tv);
  std::vector<RecordRef>::iterator lower_record(const PublicKey& key);
  std::vector<Tombstone>::iterator lower_tomb(const PublicKey& key);

  std::vector<RecordRef> records_;
  std::vector<Tombstone> tombstones_;
  BucketSummaries buckets_{};
  uint64_t summary_ = 0;
};

}  // namespace smeg
