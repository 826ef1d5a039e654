// Property tests of the membership CRDT on random histories (seeded, so every failure replays).
#include "core/state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"

namespace smeg {
namespace {

constexpr int kKeys = 8;
constexpr uint64_t kMaxVersion = 12;
constexpr int kHistories = 300;

// Keys 0..7; keys i and i+4 share a bucket, so buckets hold more than one key.
PublicKey key(int i) {
  PublicKey k;
  k.bytes[0] = static_cast<uint8_t>((i % 4) + 64 * (i / 4));
  k.bytes[1] = static_cast<uint8_t>(i);
  k.bytes[31] = 0x5a;
  return k;
}

// The one record the owner of key i wrote at `version`: its content varies with both.
NodeRecord make_record(int i, uint64_t version) {
  Rng rng(mix64(static_cast<uint64_t>(i) * 1000 + version));
  NodeRecord r;
  r.key = key(i);
  r.version = version;
  r.role = rng.chance(0.3) ? Role::kClient : Role::kPeer;
  r.slot = rng.chance(0.2) ? RecordLimits::kNoSlot : static_cast<uint32_t>(rng.uniform(100));
  r.address_attempt = static_cast<uint32_t>(rng.uniform(3));
  if (rng.chance(0.7)) {
    r.control = Endpoint{IpAddr::v4(10, 0, 0, static_cast<uint8_t>(i)),
                         static_cast<uint16_t>(5000 + version)};
  }
  r.keepalive = static_cast<uint16_t>(rng.uniform(60));
  r.alias = "node" + std::to_string(i) + "v" + std::to_string(version);
  if (rng.chance(0.5)) r.services.emplace_back("ssh", std::to_string(rng.uniform(1000)));
  return r;
}

struct Op {
  int key = 0;
  uint64_t version = 0;
  bool tombstone = false;
};

// A random history: per key, records at increasing versions and tombstones at any version.
// Each (key, version) record has exactly one content, as only its owner writes it.
struct History {
  std::vector<Op> ops;
  std::map<std::pair<int, uint64_t>, RecordRef> records;

  static History random(Rng& rng) {
    History h;
    for (int k = 0; k < kKeys; ++k) {
      const uint64_t nrec = rng.uniform(5);
      for (uint64_t n = 0; n < nrec; ++n) {
        const uint64_t v = 1 + rng.uniform(kMaxVersion);
        if (h.records.count({k, v})) continue;
        h.records.emplace(std::make_pair(k, v), RecordRef::make(make_record(k, v)));
        h.ops.push_back({k, v, false});
      }
      const uint64_t ntomb = rng.uniform(3);
      for (uint64_t n = 0; n < ntomb; ++n) h.ops.push_back({k, 1 + rng.uniform(kMaxVersion), true});
    }
    return h;
  }

  void apply(MeshState& s, const Op& op) const {
    if (op.tombstone) {
      s.merge_tombstone({key(op.key), op.version});
    } else {
      s.merge_record(records.at({op.key, op.version}));
    }
  }
  MeshState build(const std::vector<Op>& delivered) const {
    MeshState s;
    for (const Op& op : delivered) apply(s, op);
    return s;
  }
};

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
}

// A random delivery of ops: each lost with probability `loss`, some duplicated, order shuffled.
std::vector<Op> deliver(const std::vector<Op>& ops, Rng& rng, double loss) {
  std::vector<Op> out;
  for (const Op& op : ops) {
    if (rng.chance(loss)) continue;
    out.push_back(op);
    if (rng.chance(0.3)) out.push_back(op);
  }
  shuffle(out, rng);
  return out;
}

MeshState merged(MeshState a, const MeshState& b) {
  a.merge_state(b);
  return a;
}

::testing::AssertionResult same_state(const MeshState& a, const MeshState& b) {
  if (!a.equals(b)) return ::testing::AssertionFailure() << "states differ";
  if (a.summary() != b.summary()) return ::testing::AssertionFailure() << "summaries differ";
  if (a.bucket_summaries() != b.bucket_summaries()) {
    return ::testing::AssertionFailure() << "bucket summaries differ";
  }
  if (a.digest() != b.digest()) return ::testing::AssertionFailure() << "digests differ";
  return ::testing::AssertionSuccess();
}

uint64_t xor_of_buckets(const MeshState& s) {
  uint64_t x = 0;
  for (uint64_t b : s.bucket_summaries()) x ^= b;
  return x;
}

// ---- Unit checks of single merges ---------------------------------------------------------

TEST(MeshState, MergeOutcomes) {
  MeshState s;
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 2))), MergeOutcome::kAdded);
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 2))), MergeOutcome::kUnchanged);
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 1))), MergeOutcome::kUnchanged);
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 3))), MergeOutcome::kUpdated);
  EXPECT_EQ(s.find(key(0))->version, 3u);
  EXPECT_EQ(s.merge_tombstone({key(0), 2}), MergeOutcome::kUpdated);  // below the record
  EXPECT_NE(s.find(key(0)), nullptr);
  EXPECT_EQ(s.merge_tombstone({key(0), 3}), MergeOutcome::kRemoved);  // equal version removes
  EXPECT_EQ(s.find(key(0)), nullptr);
  EXPECT_EQ(s.tombstone_version(key(0)), 3u);
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 3))), MergeOutcome::kUnchanged);
  EXPECT_EQ(s.merge_record(RecordRef::make(make_record(0, 4))), MergeOutcome::kAdded);
  EXPECT_EQ(s.merge_tombstone({key(0), 0}), MergeOutcome::kUnchanged);
  EXPECT_EQ(s.member_count(), 1u);
}

TEST(MeshState, EmptyStatesAreEqual) {
  MeshState a, b;
  EXPECT_TRUE(same_state(a, b));
  EXPECT_EQ(a.summary(), 0u);
  b.merge_tombstone({key(1), 1});
  EXPECT_FALSE(a.equals(b));
  EXPECT_NE(a.summary(), b.summary());
}

// ---- Properties on random histories -------------------------------------------------------

TEST(MeshStateProperty, MatchesPerKeyMaxModel) {
  Rng rng(101);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const MeshState s = h.build(deliver(h.ops, rng, 0.0));
    std::map<int, uint64_t> max_rec, max_tomb;
    for (const Op& op : h.ops) {
      auto& m = op.tombstone ? max_tomb[op.key] : max_rec[op.key];
      m = std::max(m, op.version);
    }
    size_t members = 0;
    for (int k = 0; k < kKeys; ++k) {
      const uint64_t rv = max_rec[k], tv = max_tomb[k];
      const NodeRecord* found = s.find(key(k));
      // A node is a member iff its newest record is above its newest tombstone.
      ASSERT_EQ(found != nullptr, rv > tv) << "iter " << iter << " key " << k;
      if (found) {
        ++members;
        EXPECT_TRUE(found->same_content(make_record(k, rv)));
        EXPECT_EQ(s.find_ref(key(k)).get(), found);
      } else {
        EXPECT_FALSE(s.find_ref(key(k)));
      }
      EXPECT_EQ(s.tombstone_version(key(k)), tv);
    }
    EXPECT_EQ(s.member_count(), members);
    EXPECT_TRUE(
        std::is_sorted(s.records().begin(), s.records().end(),
                       [](const RecordRef& a, const RecordRef& b) { return a->key < b->key; }));
    EXPECT_TRUE(std::is_sorted(s.tombstones().begin(), s.tombstones().end()));
  }
}

TEST(MeshStateProperty, AnyOrderWithDuplicatesGivesSameState) {
  Rng rng(202);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const MeshState reference = h.build(h.ops);
    for (int trial = 0; trial < 3; ++trial) {
      ASSERT_TRUE(same_state(h.build(deliver(h.ops, rng, 0.0)), reference)) << "iter " << iter;
    }
  }
}

TEST(MeshStateProperty, MergeIsCommutativeAssociativeIdempotent) {
  Rng rng(303);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const MeshState a = h.build(deliver(h.ops, rng, 0.5));
    const MeshState b = h.build(deliver(h.ops, rng, 0.5));
    const MeshState c = h.build(deliver(h.ops, rng, 0.5));

    ASSERT_TRUE(same_state(merged(a, b), merged(b, a))) << "commutativity, iter " << iter;
    ASSERT_TRUE(same_state(merged(merged(a, b), c), merged(a, merged(b, c))))
        << "associativity, iter " << iter;
    ASSERT_TRUE(same_state(merged(a, a), a)) << "idempotence, iter " << iter;
    const MeshState ab = merged(a, b);
    ASSERT_TRUE(same_state(merged(ab, b), ab)) << "absorption, iter " << iter;
    // Merging states equals applying the union of their deliveries.
    MeshState all = a;
    for (const MeshState* other : {&b, &c}) all.merge_state(*other);
    ASSERT_TRUE(same_state(all, merged(merged(c, b), a)));
  }
}

TEST(MeshStateProperty, SummaryIsXorOfBuckets) {
  Rng rng(404);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    MeshState s;
    for (const Op& op : deliver(h.ops, rng, 0.2)) {
      h.apply(s, op);
      ASSERT_EQ(s.summary(), xor_of_buckets(s)) << "iter " << iter;
    }
    // Buckets of keys the state does not know stay zero.
    for (size_t b = 0; b < MeshState::kBuckets; ++b) {
      bool known = false;
      for (const DigestEntry& e : s.digest()) known |= MeshState::bucket_of(e.key) == b;
      if (!known) {
        EXPECT_EQ(s.bucket_summaries()[b], 0u) << "bucket " << b;
      }
    }
  }
}

TEST(MeshStateProperty, DigestHonoursMask) {
  Rng rng(505);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const MeshState s = h.build(h.ops);
    const std::vector<DigestEntry> full = s.digest();
    // Every key the state knows appears once, with its versions.
    for (const DigestEntry& e : full) {
      const NodeRecord* r = s.find(e.key);
      EXPECT_EQ(e.record_version, r ? r->version : 0u);
      EXPECT_EQ(e.tombstone_version, s.tombstone_version(e.key));
    }
    EXPECT_TRUE(std::is_sorted(full.begin(), full.end()));

    const uint64_t mask = rng.next_u64() & rng.next_u64();
    std::vector<DigestEntry> expected;
    for (const DigestEntry& e : full) {
      if ((mask >> MeshState::bucket_of(e.key)) & 1) expected.push_back(e);
    }
    const std::vector<DigestEntry> part = s.digest(mask);
    EXPECT_EQ(part, expected) << "iter " << iter;
    for (const DigestEntry& e : part) EXPECT_TRUE((mask >> MeshState::bucket_of(e.key)) & 1);
    EXPECT_TRUE(s.digest(0).empty());
  }
}

// ---- Anti-entropy -------------------------------------------------------------------------

// One push-pull exchange as the protocol runs it (messages.h): the buckets that differ, a's
// digest of them, b's comparison; b's newer entries go to a, and a answers b's wanted keys.
void exchange(MeshState& a, MeshState& b) {
  if (a.summary() == b.summary()) return;
  uint64_t mask = 0;
  for (size_t i = 0; i < MeshState::kBuckets; ++i) {
    if (a.bucket_summaries()[i] != b.bucket_summaries()[i]) mask |= uint64_t{1} << i;
  }
  const std::vector<DigestEntry> digest_a = a.digest(mask);
  const MeshState::Comparison c = b.compare(digest_a, mask);
  for (const Tombstone& t : c.tombstones) a.merge_tombstone(t);
  for (const RecordRef& r : c.records) a.merge_record(r);
  for (const PublicKey& k : c.wanted) {
    if (const uint64_t tv = a.tombstone_version(k)) b.merge_tombstone({k, tv});
    if (RecordRef r = a.find_ref(k)) b.merge_record(r);
  }
}

TEST(MeshStateProperty, OneExchangeReconcilesTwoReplicas) {
  Rng rng(606);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const std::vector<Op> to_a = deliver(h.ops, rng, 0.4);
    const std::vector<Op> to_b = deliver(h.ops, rng, 0.4);
    MeshState a = h.build(to_a), b = h.build(to_b);
    const MeshState expected = merged(a, b);
    exchange(a, b);
    ASSERT_TRUE(same_state(a, expected)) << "iter " << iter;
    ASSERT_TRUE(same_state(b, expected)) << "iter " << iter;
  }
}

TEST(MeshStateProperty, LossyDeliveryThenAntiEntropyConverges) {
  Rng rng(707);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const size_t n = 2 + rng.uniform(4);
    std::vector<MeshState> replicas(n);
    std::vector<Op> received;
    for (auto& replica : replicas) {
      const std::vector<Op> ops = deliver(h.ops, rng, 0.6);
      for (const Op& op : ops) h.apply(replica, op);
      received.insert(received.end(), ops.begin(), ops.end());
    }
    // What the replicas knew between them, applied in one place.
    const MeshState everything = h.build(received);

    // Random pairwise exchanges until every summary agrees; a connected run of exchanges
    // must get there well within this budget.
    int rounds = 0;
    auto converged = [&] {
      for (const auto& r : replicas) {
        if (r.summary() != replicas[0].summary()) return false;
      }
      return true;
    };
    while (!converged() && rounds < 200) {
      const size_t i = rng.uniform(n);
      const size_t j = (i + 1 + rng.uniform(n - 1)) % n;
      exchange(replicas[i], replicas[j]);
      ++rounds;
    }
    ASSERT_TRUE(converged()) << "iter " << iter << " after " << rounds << " exchanges";
    for (const auto& r : replicas) ASSERT_TRUE(same_state(r, everything)) << "iter " << iter;
  }
}

TEST(MeshStateProperty, CompareSendsOnlyNewerAndWantsOnlyNewer) {
  Rng rng(808);
  for (int iter = 0; iter < kHistories; ++iter) {
    const History h = History::random(rng);
    const MeshState a = h.build(deliver(h.ops, rng, 0.5));
    const MeshState b = h.build(deliver(h.ops, rng, 0.5));
    const std::vector<DigestEntry> da = a.digest();
    const MeshState::Comparison c = b.compare(da, ~uint64_t{0});
    for (const RecordRef& r : c.records) {
      const NodeRecord* mine = a.find(r->key);
      EXPECT_GT(r->version, mine ? mine->version : 0u);
      EXPECT_GT(r->version, a.tombstone_version(r->key));
    }
    for (const Tombstone& t : c.tombstones) EXPECT_GT(t.version, a.tombstone_version(t.key));
    for (const PublicKey& k : c.wanted) {
      const NodeRecord* theirs = a.find(k);
      const NodeRecord* mine = b.find(k);
      const bool newer_record = theirs && theirs->version > (mine ? mine->version : 0) &&
                                theirs->version > b.tombstone_version(k);
      EXPECT_TRUE(newer_record || a.tombstone_version(k) > b.tombstone_version(k));
    }
    // Comparing with oneself finds nothing to send or want.
    const MeshState::Comparison self = a.compare(da, ~uint64_t{0});
    EXPECT_TRUE(self.records.empty() && self.tombstones.empty() && self.wanted.empty());
  }
}

}  // namespace
}  // namespace smeg

namespace smeg {
namespace {

// insert_absent is an optimisation of merging absent records one by one: same state, same
// summaries, for random existing states and random batches (keys spread over all buckets).
TEST(MeshStateProperty, BatchInsertEqualsOneByOne) {
  Rng rng(4242);
  for (int round = 0; round < 100; ++round) {
    auto wide_key = [&] {
      PublicKey k;
      for (auto& b : k.bytes) b = static_cast<uint8_t>(rng.next_u64());
      return k;
    };
    MeshState base;
    for (int i = 0; i < 40; ++i) {
      NodeRecord r;
      r.key = wide_key();
      r.version = 1 + rng.uniform(5);
      base.merge_record(RecordRef::make(r));
      if (rng.chance(0.2)) base.merge_tombstone({wide_key(), 1 + rng.uniform(3)});
    }
    std::vector<RecordRef> batch;
    for (int i = 0; i < 30; ++i) {
      NodeRecord r;
      r.key = wide_key();
      r.version = 4 + rng.uniform(5);  // above any tombstone written above
      batch.push_back(RecordRef::make(r));
    }
    std::sort(batch.begin(), batch.end(),
              [](const RecordRef& a, const RecordRef& b) { return a->key < b->key; });
    MeshState one = base;
    for (const auto& r : batch) one.merge_record(r);
    MeshState many = base;
    many.insert_absent(batch);
    ASSERT_TRUE(many.equals(one)) << "round " << round;
    ASSERT_EQ(many.summary(), one.summary());
    ASSERT_EQ(many.bucket_summaries(), one.bucket_summaries());
    for (const auto& r : batch) ASSERT_NE(many.find(r->key), nullptr);
  }
}

}  // namespace
}  // namespace smeg
