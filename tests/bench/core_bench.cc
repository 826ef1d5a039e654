// Benchmarks of the deterministic, I/O-free protocol core: the membership CRDT (MeshState), the
// wire messages, the liveness bitmaps, route and exit selection, and a Node's desired WireGuard
// configuration in a large mesh. Every input comes from fixed seeds, so two runs measure the same
// work. Sizes are node counts (1000 / 3000 / 10000) unless a benchmark says otherwise.
//
// Run: ./build/bin/core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/liveness.h"
#include "core/messages.h"
#include "core/node.h"
#include "core/record.h"
#include "core/rng.h"
#include "core/routes.h"
#include "core/state.h"

namespace smeg {
namespace {

constexpr uint64_t kRecordSeed = 0x5eed0001;
constexpr uint64_t kOtherSeed = 0x5eed0002;
constexpr size_t kMaxMessageBytes = Params{}.max_message_bytes;  // 60000
const std::string kMeshId = "benchmesh";

// ---------------------------------------------------------------------------------------------
// Realistic data

PublicKey random_key(Rng& rng) {
  PublicKey k;
  for (size_t i = 0; i < 32; i += 8) {
    const uint64_t v = rng.next_u64();
    for (size_t j = 0; j < 8; ++j) k.bytes[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return k;
}

std::string random_label(Rng& rng, size_t len) {
  static constexpr char kFirst[] = "abcdefghijklmnopqrstuvwxyz";
  static constexpr char kRest[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  s.push_back(kFirst[rng.uniform(sizeof(kFirst) - 1)]);
  while (s.size() < len) s.push_back(kRest[rng.uniform(sizeof(kRest) - 1)]);
  return s;
}

// A public-looking endpoint: mostly IPv4, some IPv6.
Endpoint random_endpoint(Rng& rng, uint16_t port) {
  if (rng.chance(0.7)) {
    const uint64_t v = rng.next_u64();
    return Endpoint{IpAddr::v4(static_cast<uint8_t>(1 + v % 223), static_cast<uint8_t>(v >> 8),
                               static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)),
                    port};
  }
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  const uint64_t hi = rng.next_u64();
  const uint64_t lo = rng.next_u64();
  for (size_t i = 4; i < 8; ++i) b[i] = static_cast<uint8_t>(hi >> (8 * i));
  for (size_t i = 8; i < 16; ++i) b[i] = static_cast<uint8_t>(lo >> (8 * (i - 8)));
  return Endpoint{IpAddr::v6(b), port};
}

struct Profile {
  double client_fraction = 0.0;  // of the nodes that advertise nothing
  size_t exits = 4;              // advertise ::/0
  size_t bridges = 6;            // advertise another mesh's /64 with path [that mesh]
};

// n member records sorted by key: 32-byte random keys, distinct liveness slots, control and
// WireGuard endpoints, an 8-character alias; about 10% with a description, 5% with services,
// `exits` with ::/0 and `bridges` with a route to another mesh.
std::vector<NodeRecord> make_records(size_t n, uint64_t seed, const Profile& profile = {}) {
  Rng rng(seed);
  std::vector<uint32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0u);
  for (size_t i = n; i > 1; --i) std::swap(slots[i - 1], slots[rng.uniform(i)]);
  static const std::array<const char*, 5> kServiceNames = {"dns", "http", "https", "metrics",
                                                           "ssh"};
  std::vector<NodeRecord> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    NodeRecord r;
    r.key = random_key(rng);
    r.version = 1 + rng.uniform(20);
    const bool advertiser = i < profile.exits + profile.bridges;
    r.role = (!advertiser && rng.chance(profile.client_fraction)) ? Role::kClient : Role::kPeer;
    r.slot = slots[i];
    r.control = random_endpoint(rng, 4000);
    if (r.role == Role::kPeer) {
      r.wg_endpoint = Endpoint{r.control->addr, 51820};
    } else {
      r.keepalive = 25;
    }
    r.alias = random_label(rng, 8);
    if (rng.chance(0.1)) r.description = "rack " + std::to_string(rng.uniform(40)) + ", lab";
    if (rng.chance(0.05)) {
      const size_t count = 1 + rng.uniform(3);
      const size_t first = rng.uniform(kServiceNames.size() - count + 1);
      for (size_t s = 0; s < count; ++s) {
        r.services.emplace_back(kServiceNames[first + s],
                                std::to_string(1024 + rng.uniform(60000)));
      }
    }
    if (i < profile.exits) {
      r.routes.push_back(Route{Prefix::default_route_v6(), {}});
    } else if (advertiser) {
      const std::string other = "site-" + std::to_string(i);
      r.routes.push_back(Route{mesh_prefix(other), {other}});
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const NodeRecord& a, const NodeRecord& b) { return a.key < b.key; });
  // Clients publish the peer they attach to, as the core's clients do (untimed setup).
  for (auto& c : out) {
    if (c.role != Role::kClient) continue;
    uint64_t best = 0;
    for (const auto& p : out) {
      if (p.role != Role::kPeer) continue;
      const uint64_t s = client_attach_score(c.key, p.key);
      if (c.attached_to.is_zero() || s > best) {
        best = s;
        c.attached_to = p.key;
      }
    }
  }
  return out;
}

std::vector<RecordRef> make_refs(const std::vector<NodeRecord>& records) {
  std::vector<RecordRef> refs;
  refs.reserve(records.size());
  for (const auto& r : records) refs.push_back(RecordRef::make(r));
  return refs;
}

// The standard records of size n (cached: the benchmark functions run several times).
const std::vector<RecordRef>& standard_refs(size_t n) {
  static std::map<size_t, std::vector<RecordRef>> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, make_refs(make_records(n, kRecordSeed))).first;
  return it->second;
}

MeshState state_of(std::span<const RecordRef> refs) {
  MeshState s;
  for (const auto& r : refs) s.merge_record(r);
  return s;
}

RecordRef bumped(const RecordRef& r, uint64_t by = 1) {
  NodeRecord copy = *r;
  copy.version += by;
  return RecordRef::make(std::move(copy));
}

// `count` distinct indices in [0, n), chosen by rng.
std::vector<size_t> distinct_indices(Rng& rng, size_t n, size_t count) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), size_t{0});
  for (size_t i = 0; i < count; ++i) std::swap(idx[i], idx[i + rng.uniform(n - i)]);
  idx.resize(count);
  return idx;
}

enum BitmapKind : int64_t { kNearlyFull = 0, kSparse = 1, kRandom = 2 };
const char* bitmap_kind_name(int64_t kind) {
  return kind == kNearlyFull ? "nearly-full" : kind == kSparse ? "sparse" : "random";
}

// bits slots: nearly full = all but 1% set, sparse = 1% set, random = each set with p = 1/2.
Bitmap make_bitmap(uint32_t bits, int64_t kind, uint64_t seed) {
  Rng rng(seed);
  Bitmap b;
  for (uint32_t i = 0; i < bits; ++i) {
    const bool on = kind == kNearlyFull ? !rng.chance(0.01)
                    : kind == kSparse   ? rng.chance(0.01)
                                        : rng.chance(0.5);
    if (on) b.set(i);
  }
  return b;
}

// A 3000-member mesh's sync view: current epoch half full, previous nearly full.
LivenessView sync_view(uint32_t slots, const PublicKey& leader) {
  LivenessView v;
  v.epoch = 7;
  v.leader = leader;
  v.recent.push_back(EpochBits{7, make_bitmap(slots, kRandom, 71)});
  v.recent.push_back(EpochBits{6, make_bitmap(slots, kNearlyFull, 61)});
  return v;
}

// Splits records into Snapshot messages as a member answering a join does: a running size
// estimate with 128 bytes of room for the header, plus the encoded liveness view in the first
// chunk only; a record that would take a non-empty chunk past `limit` starts the next chunk.
std::vector<Message> snapshot_chunks(const std::vector<RecordRef>& records,
                                     const LivenessView& view, const PublicKey& sender,
                                     size_t limit = kMaxMessageBytes) {
  std::vector<uint8_t> scratch;
  Writer view_writer(scratch);
  view.encode(view_writer);
  std::vector<Message> chunks;
  DeltaMsg cur;
  cur.has_liveness = true;
  cur.liveness = view;
  size_t size = 128 + scratch.size();
  auto flush = [&] {
    chunks.push_back(Message{{MessageType::kSnapshot, kMeshId, sender}, std::move(cur)});
    cur = DeltaMsg{};
    size = 128;
  };
  for (const auto& r : records) {
    scratch.clear();
    Writer w(scratch);
    r->encode(w);
    if (size + scratch.size() > limit && !cur.records.empty()) flush();
    size += scratch.size();
    cur.records.push_back(r);
  }
  if (!cur.records.empty() || chunks.empty()) flush();
  return chunks;
}

LivenessView all_alive_view(const std::vector<RecordRef>& records) {
  LivenessView v;
  v.epoch = 3;
  v.leader = records.front()->key;
  Bitmap all;
  for (const auto& r : records) all.set(r->slot);
  v.recent.push_back(EpochBits{3, all});
  v.recent.push_back(EpochBits{2, all});
  return v;
}

void set_rate(benchmark::State& st, size_t items, size_t bytes = 0) {
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(items));
  if (bytes)
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(bytes));
}

void NodeCounts(benchmark::internal::Benchmark* b) { b->Arg(1000)->Arg(3000)->Arg(10000); }

// ---------------------------------------------------------------------------------------------
// MeshState

void BM_State_MergeIntoEmpty(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const MeshState full = state_of(standard_refs(n));
  for (auto _ : st) {
    MeshState s;
    s.merge_state(full);
    benchmark::DoNotOptimize(s.summary());
  }
  set_rate(st, n);
}
BENCHMARK(BM_State_MergeIntoEmpty)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

void BM_State_MergeEqual(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  MeshState mine = state_of(standard_refs(n));
  const MeshState theirs = state_of(standard_refs(n));
  for (auto _ : st) {
    mine.merge_state(theirs);
    benchmark::ClobberMemory();
  }
  if (mine.member_count() != n) st.SkipWithError("idempotent merge changed the state");
  set_rate(st, n);
}
BENCHMARK(BM_State_MergeEqual)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

// n records merged into a state of n other records (keys interleave): every insert shifts the
// tail of the sorted vector. The copy of the base state is not timed.
void BM_State_MergeDisjoint(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const MeshState base = state_of(standard_refs(n));
  const std::vector<RecordRef> other = make_refs(make_records(n, kOtherSeed));
  const MeshState theirs = state_of(other);
  std::optional<MeshState> work;
  for (auto _ : st) {
    st.PauseTiming();
    work.emplace(base);
    st.ResumeTiming();
    work->merge_state(theirs);
    benchmark::ClobberMemory();
  }
  if (work->member_count() != 2 * n) st.SkipWithError("disjoint merge lost records");
  set_rate(st, n);
}
BENCHMARK(BM_State_MergeDisjoint)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

// One-record merges into an n-record state. The state is reset (untimed) every kBatch merges so
// that it stays within kBatch records of n.
constexpr size_t kBatch = 64;

template <typename Prepare, typename Apply>
void run_batched(benchmark::State& st, const MeshState& base, Prepare prepare, Apply apply) {
  MeshState work;
  size_t next = kBatch;
  for (auto _ : st) {
    if (next == kBatch) {
      st.PauseTiming();
      work = base;
      prepare();
      next = 0;
      st.ResumeTiming();
    }
    benchmark::DoNotOptimize(apply(work, next++));
  }
}

void BM_State_MergeOneNew(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const MeshState base = state_of(standard_refs(n));
  const std::vector<RecordRef> fresh = make_refs(make_records(kBatch, kOtherSeed));
  run_batched(
      st, base, [] {}, [&](MeshState& s, size_t i) { return s.merge_record(fresh[i]); });
  set_rate(st, 1);
}
BENCHMARK(BM_State_MergeOneNew)->Apply(NodeCounts);

void BM_State_MergeOneUpdate(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const auto& refs = standard_refs(n);
  const MeshState base = state_of(refs);
  Rng rng(11);
  std::vector<RecordRef> updates;
  for (size_t i : distinct_indices(rng, n, kBatch)) updates.push_back(bumped(refs[i]));
  run_batched(
      st, base, [] {}, [&](MeshState& s, size_t i) { return s.merge_record(updates[i]); });
  set_rate(st, 1);
}
BENCHMARK(BM_State_MergeOneUpdate)->Apply(NodeCounts);

// A tombstone that removes a member (what the leader writes when it prunes one).
void BM_State_MergeTombstone(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const auto& refs = standard_refs(n);
  const MeshState base = state_of(refs);
  Rng rng(12);
  std::vector<Tombstone> tombs;
  for (size_t i : distinct_indices(rng, n, kBatch))
    tombs.push_back({refs[i]->key, refs[i]->version});
  run_batched(
      st, base, [] {}, [&](MeshState& s, size_t i) { return s.merge_tombstone(tombs[i]); });
  set_rate(st, 1);
}
BENCHMARK(BM_State_MergeTombstone)->Apply(NodeCounts);

// A tombstone already known: the common case when a prune's tombstone arrives again by gossip.
void BM_State_MergeTombstoneKnown(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const auto& refs = standard_refs(n);
  MeshState s = state_of(refs);
  Rng rng(13);
  std::vector<Tombstone> tombs;
  for (size_t i : distinct_indices(rng, n, n / 10)) {
    tombs.push_back({refs[i]->key, refs[i]->version});
    s.merge_tombstone(tombs.back());
  }
  size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(s.merge_tombstone(tombs[i]));
    i = i + 1 == tombs.size() ? 0 : i + 1;
  }
  set_rate(st, 1);
}
BENCHMARK(BM_State_MergeTombstoneKnown)->Apply(NodeCounts);

void BM_State_DigestAll(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const MeshState s = state_of(standard_refs(n));
  for (auto _ : st) {
    std::vector<DigestEntry> d = s.digest();
    benchmark::DoNotOptimize(d.data());
  }
  set_rate(st, n);
}
BENCHMARK(BM_State_DigestAll)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

void BM_State_DigestOneBucket(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const MeshState s = state_of(standard_refs(n));
  const uint64_t mask = uint64_t{1} << MeshState::bucket_of(standard_refs(n)[n / 2]->key);
  size_t entries = 0;
  for (auto _ : st) {
    std::vector<DigestEntry> d = s.digest(mask);
    entries = d.size();
    benchmark::DoNotOptimize(d.data());
  }
  st.counters["entries"] = static_cast<double>(entries);
  set_rate(st, n);
}
BENCHMARK(BM_State_DigestOneBucket)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

// compare() against a remote digest that differs in `diff` records: for half of them the remote
// has the newer version (wanted), for the other half we do (sent). Arg 2: 1 = the digest covers
// only the buckets whose summaries differ, as the Buckets exchange arranges; 0 = all buckets.
void BM_State_Compare(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const size_t diff = static_cast<size_t>(st.range(1));
  const bool masked = st.range(2) != 0;
  const auto& refs = standard_refs(n);
  MeshState mine = state_of(refs);
  MeshState theirs = state_of(refs);
  Rng rng(14);
  const std::vector<size_t> changed = distinct_indices(rng, n, diff);
  for (size_t k = 0; k < changed.size(); ++k) {
    (k % 2 == 0 ? theirs : mine).merge_record(bumped(refs[changed[k]]));
  }
  uint64_t mask = ~uint64_t{0};
  if (masked) {
    mask = 0;
    for (size_t b = 0; b < MeshState::kBuckets; ++b) {
      if (mine.bucket_summaries()[b] != theirs.bucket_summaries()[b]) mask |= uint64_t{1} << b;
    }
  }
  const std::vector<DigestEntry> remote = theirs.digest(mask);
  size_t sent = 0, wanted = 0;
  for (auto _ : st) {
    MeshState::Comparison c = mine.compare(remote, mask);
    sent = c.records.size();
    wanted = c.wanted.size();
    benchmark::DoNotOptimize(c.records.data());
    benchmark::DoNotOptimize(c.wanted.data());
  }
  if (sent + wanted != diff) st.SkipWithError("compare found the wrong differences");
  st.counters["remote_entries"] = static_cast<double>(remote.size());
  st.counters["sent"] = static_cast<double>(sent);
  st.counters["wanted"] = static_cast<double>(wanted);
  set_rate(st, remote.size());
}
BENCHMARK(BM_State_Compare)
    ->ArgNames({"n", "diff", "masked"})
    ->Args({1000, 1, 0})
    ->Args({3000, 1, 0})
    ->Args({10000, 1, 0})
    ->Args({3000, 100, 0})
    ->Args({3000, 1, 1})
    ->Args({3000, 100, 1})
    ->Unit(benchmark::kMicrosecond);

void BM_State_Summary(benchmark::State& st) {
  const MeshState s = state_of(standard_refs(3000));
  for (auto _ : st) benchmark::DoNotOptimize(s.summary());
}
BENCHMARK(BM_State_Summary);

// ---------------------------------------------------------------------------------------------
// Messages

struct SnapshotData {
  std::vector<Message> chunks;
  std::vector<std::vector<uint8_t>> bytes;
  size_t total_bytes = 0;
};

const SnapshotData& snapshot_data(size_t n) {
  static std::map<size_t, SnapshotData> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  const auto& refs = standard_refs(n);
  SnapshotData d;
  Rng rng(21);
  const PublicKey sender = random_key(rng);
  d.chunks = snapshot_chunks(refs, sync_view(static_cast<uint32_t>(n), refs.front()->key), sender);
  for (const auto& m : d.chunks) {
    d.bytes.push_back(encode_message(m));
    d.total_bytes += d.bytes.back().size();
  }
  return cache.emplace(n, std::move(d)).first->second;
}

// The chunk measured: the second one (full, without the liveness view) when there are several.
size_t measured_chunk(const SnapshotData& d) { return d.chunks.size() > 1 ? 1 : 0; }

void chunk_counters(benchmark::State& st, const SnapshotData& d, size_t c) {
  const size_t records = std::get<DeltaMsg>(d.chunks[c].body).records.size();
  const size_t bytes = d.bytes[c].size();
  st.counters["records"] = static_cast<double>(records);
  st.counters["bytes"] = static_cast<double>(bytes);
  st.counters["bytes_per_record"] = static_cast<double>(bytes) / static_cast<double>(records);
  st.counters["chunks_total"] = static_cast<double>(d.chunks.size());
  set_rate(st, records, bytes);
}

void BM_Msg_SnapshotEncodeChunk(benchmark::State& st) {
  const SnapshotData& d = snapshot_data(static_cast<size_t>(st.range(0)));
  const size_t c = measured_chunk(d);
  std::vector<uint8_t> out;
  for (auto _ : st) {
    out.clear();
    benchmark::DoNotOptimize(encode_message(d.chunks[c], out));
    benchmark::DoNotOptimize(out.data());
  }
  chunk_counters(st, d, c);
}
BENCHMARK(BM_Msg_SnapshotEncodeChunk)->Arg(3000)->Unit(benchmark::kMicrosecond);

// Decoding into an empty pool: every record is allocated (a real node's case).
void BM_Msg_SnapshotDecodeChunk(benchmark::State& st) {
  const SnapshotData& d = snapshot_data(static_cast<size_t>(st.range(0)));
  const size_t c = measured_chunk(d);
  RecordPool pool;
  for (auto _ : st) {
    Result<Message> m = decode_message(d.bytes[c], pool);
    if (!m) st.SkipWithError(m.status().to_string().c_str());
    benchmark::DoNotOptimize(m);
  }
  chunk_counters(st, d, c);
}
BENCHMARK(BM_Msg_SnapshotDecodeChunk)->Arg(3000)->Unit(benchmark::kMicrosecond);

// Decoding into a pool that already holds every record: each one is compared and shared (the
// simulator's case, thousands of nodes in one process).
void BM_Msg_SnapshotDecodeChunkPooled(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const SnapshotData& d = snapshot_data(n);
  const size_t c = measured_chunk(d);
  RecordPool pool;
  std::vector<RecordRef> held;
  for (const auto& r : standard_refs(n)) held.push_back(pool.intern(*r));
  for (auto _ : st) {
    Result<Message> m = decode_message(d.bytes[c], pool);
    if (!m) st.SkipWithError(m.status().to_string().c_str());
    benchmark::DoNotOptimize(m);
  }
  if (pool.size() != n) st.SkipWithError("pool did not share the records");
  chunk_counters(st, d, c);
}
BENCHMARK(BM_Msg_SnapshotDecodeChunkPooled)->Arg(3000)->Unit(benchmark::kMicrosecond);

void BM_Msg_SnapshotEncodeAll(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const SnapshotData& d = snapshot_data(n);
  std::vector<uint8_t> out;
  for (auto _ : st) {
    for (const auto& m : d.chunks) {
      out.clear();
      encode_message(m, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  st.counters["chunks"] = static_cast<double>(d.chunks.size());
  st.counters["bytes"] = static_cast<double>(d.total_bytes);
  st.counters["bytes_per_record"] = static_cast<double>(d.total_bytes) / static_cast<double>(n);
  set_rate(st, n, d.total_bytes);
}
BENCHMARK(BM_Msg_SnapshotEncodeAll)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

void BM_Msg_SnapshotDecodeAll(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const SnapshotData& d = snapshot_data(n);
  RecordPool pool;
  for (auto _ : st) {
    for (const auto& b : d.bytes) {
      Result<Message> m = decode_message(b, pool);
      if (!m) st.SkipWithError(m.status().to_string().c_str());
      benchmark::DoNotOptimize(m);
    }
  }
  st.counters["chunks"] = static_cast<double>(d.chunks.size());
  st.counters["bytes"] = static_cast<double>(d.total_bytes);
  set_rate(st, n, d.total_bytes);
}
BENCHMARK(BM_Msg_SnapshotDecodeAll)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

Message sync_message(uint32_t slots) {
  Rng rng(31);
  const PublicKey sender = random_key(rng);
  SyncMsg s;
  s.summary = rng.next_u64();
  s.members = slots;
  s.liveness = sync_view(slots, random_key(rng));
  return Message{{MessageType::kSync, kMeshId, sender}, std::move(s)};
}

void BM_Msg_SyncEncode(benchmark::State& st) {
  const Message m = sync_message(static_cast<uint32_t>(st.range(0)));
  std::vector<uint8_t> out;
  for (auto _ : st) {
    out.clear();
    benchmark::DoNotOptimize(encode_message(m, out));
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["bytes"] = static_cast<double>(out.size());
  set_rate(st, 1, out.size());
}
BENCHMARK(BM_Msg_SyncEncode)->Arg(3000)->Arg(10000);

void BM_Msg_SyncDecode(benchmark::State& st) {
  const std::vector<uint8_t> bytes =
      encode_message(sync_message(static_cast<uint32_t>(st.range(0))));
  RecordPool pool;
  for (auto _ : st) {
    Result<Message> m = decode_message(bytes, pool);
    if (!m) st.SkipWithError(m.status().to_string().c_str());
    benchmark::DoNotOptimize(m);
  }
  st.counters["bytes"] = static_cast<double>(bytes.size());
  set_rate(st, 1, bytes.size());
}
BENCHMARK(BM_Msg_SyncDecode)->Arg(3000)->Arg(10000);

Message digest_message(size_t n) {
  const MeshState s = state_of(standard_refs(n));
  Rng rng(41);
  return Message{{MessageType::kDigest, kMeshId, random_key(rng)},
                 DigestMsg{~uint64_t{0}, s.digest()}};
}

void BM_Msg_DigestEncode(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const Message m = digest_message(n);
  std::vector<uint8_t> out;
  for (auto _ : st) {
    out.clear();
    benchmark::DoNotOptimize(encode_message(m, out));
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["bytes"] = static_cast<double>(out.size());
  set_rate(st, n, out.size());
}
BENCHMARK(BM_Msg_DigestEncode)->Arg(3000)->Unit(benchmark::kMicrosecond);

void BM_Msg_DigestDecode(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const std::vector<uint8_t> bytes = encode_message(digest_message(n));
  RecordPool pool;
  for (auto _ : st) {
    Result<Message> m = decode_message(bytes, pool);
    if (!m) st.SkipWithError(m.status().to_string().c_str());
    benchmark::DoNotOptimize(m);
  }
  st.counters["bytes"] = static_cast<double>(bytes.size());
  set_rate(st, n, bytes.size());
}
BENCHMARK(BM_Msg_DigestDecode)->Arg(3000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------------------------
// Liveness

void BM_Bitmap_Merge(benchmark::State& st) {
  const auto bits = static_cast<uint32_t>(st.range(0));
  Bitmap acc = make_bitmap(bits, kRandom, 51);
  const Bitmap other = make_bitmap(bits, kRandom, 52);
  for (auto _ : st) {
    benchmark::DoNotOptimize(acc.merge(other));
    benchmark::ClobberMemory();
  }
  set_rate(st, bits, bits / 8);
}
BENCHMARK(BM_Bitmap_Merge)->Arg(3000)->Arg(10000);

void BM_Bitmap_Encode(benchmark::State& st) {
  const auto bits = static_cast<uint32_t>(st.range(0));
  const Bitmap b = make_bitmap(bits, st.range(1), 53);
  std::vector<uint8_t> out;
  for (auto _ : st) {
    out.clear();
    Writer w(out);
    b.encode(w);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetLabel(bitmap_kind_name(st.range(1)));
  st.counters["set_bits"] = static_cast<double>(b.count());
  st.counters["bytes"] = static_cast<double>(out.size());
  set_rate(st, bits);
}
BENCHMARK(BM_Bitmap_Encode)
    ->ArgNames({"bits", "kind"})
    ->ArgsProduct({{3000, 10000}, {kNearlyFull, kSparse, kRandom}});

void BM_Bitmap_Decode(benchmark::State& st) {
  const auto bits = static_cast<uint32_t>(st.range(0));
  const Bitmap b = make_bitmap(bits, st.range(1), 53);
  std::vector<uint8_t> bytes;
  Writer w(bytes);
  b.encode(w);
  for (auto _ : st) {
    Reader r(bytes);
    Bitmap d = Bitmap::decode(r, RecordLimits::kMaxSlot);
    if (!r.ok()) st.SkipWithError("bitmap decode failed");
    benchmark::DoNotOptimize(d);
  }
  st.SetLabel(bitmap_kind_name(st.range(1)));
  st.counters["bytes"] = static_cast<double>(bytes.size());
  set_rate(st, bits);
}
BENCHMARK(BM_Bitmap_Decode)
    ->ArgNames({"bits", "kind"})
    ->ArgsProduct({{3000, 10000}, {kNearlyFull, kSparse, kRandom}});

// A node merging a peer's sync view (same epoch, more bits) and checking what the peer lacks.
void BM_EpochWindow_MergeView(benchmark::State& st) {
  const auto slots = static_cast<uint32_t>(st.range(0));
  Rng rng(54);
  const LivenessView remote = sync_view(slots, random_key(rng));
  EpochWindow window;
  window.advance(remote.epoch, remote.leader);
  for (uint32_t s = 0; s < slots; s += 3) window.mark(remote.epoch, s);
  for (auto _ : st) {
    benchmark::DoNotOptimize(window.remote_lacks(remote));
    benchmark::DoNotOptimize(window.merge(remote));
  }
  set_rate(st, slots);
}
BENCHMARK(BM_EpochWindow_MergeView)->Arg(3000)->Arg(10000);

// ---------------------------------------------------------------------------------------------
// Routes and exits

std::vector<std::string> random_path(Rng& rng, size_t len) {
  static const std::array<const char*, 6> kMeshes = {"alpha", "bravo", "charlie",
                                                     "delta", "echo",  "foxtrot"};
  std::vector<std::string> path;
  while (path.size() < len) {
    std::string m = kMeshes[rng.uniform(kMeshes.size())];
    if (std::find(path.begin(), path.end(), m) == path.end()) path.push_back(std::move(m));
  }
  return path;
}

Prefix random_prefix(Rng& rng) {
  std::array<uint8_t, 16> b{0xfd};
  const uint64_t v = rng.next_u64();
  for (size_t i = 1; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return Prefix{IpAddr::v6(b), 64};
}

// kind 0: `count` exits advertise ::/0 (nodes without routes send no adverts); kind 1: `count`
// adverts spread over count/10 prefixes with paths of 0..2 meshes.
std::vector<RouteAdvert> make_adverts(size_t count, int64_t kind, uint64_t seed) {
  Rng rng(seed);
  std::vector<RouteAdvert> adverts;
  std::vector<Prefix> prefixes;
  if (kind == 1) {
    for (size_t i = 0; i < count / 10; ++i) prefixes.push_back(random_prefix(rng));
  }
  for (size_t i = 0; i < count; ++i) {
    RouteAdvert a{random_key(rng), {}};
    if (kind == 0) {
      a.route.prefix = Prefix::default_route_v6();
    } else {
      a.route.prefix = prefixes[i % prefixes.size()];
      a.route.path = random_path(rng, rng.uniform(3));
    }
    adverts.push_back(std::move(a));
  }
  return adverts;
}

void BM_Routes_Select(benchmark::State& st) {
  const size_t count = static_cast<size_t>(st.range(0));
  const std::vector<RouteAdvert> adverts = make_adverts(count, st.range(1), 61);
  Rng rng(62);
  const PublicKey chooser = random_key(rng);
  size_t selected = 0;
  for (auto _ : st) {
    std::vector<SelectedRoute> sel = select_routes(chooser, "golf", adverts, 8);
    selected = sel.size();
    benchmark::DoNotOptimize(sel.data());
  }
  st.SetLabel(st.range(1) == 0 ? "all ::/0" : "count/10 prefixes");
  st.counters["selected"] = static_cast<double>(selected);
  set_rate(st, count);
}
BENCHMARK(BM_Routes_Select)
    ->ArgNames({"adverts", "kind"})
    ->Args({4, 0})
    ->Args({3000, 0})
    ->Args({3000, 1})
    ->Args({1000, 1})
    ->Args({10000, 1})
    ->Unit(benchmark::kMicrosecond);

void BM_Routes_RendezvousPick(benchmark::State& st) {
  const size_t count = static_cast<size_t>(st.range(0));
  Rng rng(63);
  const PublicKey chooser = random_key(rng);
  std::vector<PublicKey> candidates;
  for (size_t i = 0; i < count; ++i) candidates.push_back(random_key(rng));
  const Prefix dest = Prefix::default_route_v6();
  for (auto _ : st) benchmark::DoNotOptimize(rendezvous_pick(chooser, dest, candidates));
  set_rate(st, count);
}
BENCHMARK(BM_Routes_RendezvousPick)->Arg(4)->Arg(3000);

// A bridge in 3 meshes, each with `per_mesh` selected routes (prefixes drawn from a shared pool
// so that some are reachable through several meshes, paths of 0..2 meshes).
std::vector<MeshRoutes> bridge_meshes(size_t per_mesh) {
  Rng rng(64);
  std::vector<Prefix> pool;
  for (size_t i = 0; i < per_mesh * 3 / 2; ++i) pool.push_back(random_prefix(rng));
  std::vector<MeshRoutes> meshes;
  for (const char* id : {"m0", "m1", "m2"}) {
    MeshRoutes m{id, mesh_prefix(id), {}};
    for (size_t i : distinct_indices(rng, pool.size(), per_mesh)) {
      std::vector<std::string> path = random_path(rng, rng.uniform(3));
      path.erase(std::remove(path.begin(), path.end(), m.mesh_id), path.end());
      m.selected.push_back(SelectedRoute{pool[i], random_key(rng), std::move(path)});
    }
    std::sort(m.selected.begin(), m.selected.end());
    meshes.push_back(std::move(m));
  }
  return meshes;
}

void BM_Routes_ToAdvertise(benchmark::State& st) {
  const size_t per_mesh = static_cast<size_t>(st.range(0));
  const std::vector<MeshRoutes> meshes = bridge_meshes(per_mesh);
  size_t routes = 0;
  for (auto _ : st) {
    std::vector<Route> r = routes_to_advertise("m0", meshes, 8);
    routes = r.size();
    benchmark::DoNotOptimize(r.data());
  }
  st.counters["advertised"] = static_cast<double>(routes);
  set_rate(st, 2 * per_mesh);
}
BENCHMARK(BM_Routes_ToAdvertise)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_Routes_ChooseAcross(benchmark::State& st) {
  const size_t per_mesh = static_cast<size_t>(st.range(0));
  const std::vector<MeshRoutes> meshes = bridge_meshes(per_mesh);
  size_t choices = 0;
  for (auto _ : st) {
    std::vector<RouteChoice> c = choose_across_meshes(meshes);
    choices = c.size();
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["choices"] = static_cast<double>(choices);
  set_rate(st, 3 * per_mesh);
}
BENCHMARK(BM_Routes_ChooseAcross)->Arg(1000)->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------------------------
// Node: one node that joined an n-member mesh through the public API (join_mesh, then the
// Snapshot chunks a member would send, through handle_message).

KeyPair bench_keys(uint64_t seed) {
  Rng rng(seed);
  std::array<uint8_t, 32> secret{};
  for (auto& b : secret) b = static_cast<uint8_t>(rng.next_u64());
  return KeyPair::from_private(PrivateKey::from_random(secret));
}

const Endpoint kBootstrap{IpAddr::v4(192, 0, 2, 1), 4000};

MeshOptions local_options() {
  MeshOptions o;
  o.control = Endpoint{IpAddr::v4(192, 0, 2, 9), 4000};
  o.wg_endpoint = Endpoint{IpAddr::v4(192, 0, 2, 9), 51820};
  o.wg_port = 51820;
  o.alias = "benchnode";
  return o;
}

void drain(Node& node) {
  while (node.poll_transmit()) {
  }
  while (node.poll_event()) {
  }
}

struct JoinData {
  std::vector<RecordRef> records;
  std::vector<std::vector<uint8_t>> chunks;
};

JoinData join_data(size_t n, int64_t client_percent) {
  Profile p;
  p.client_fraction = static_cast<double>(client_percent) / 100.0;
  JoinData d;
  d.records = make_refs(make_records(n, kRecordSeed, p));
  Rng rng(71);
  for (const auto& m : snapshot_chunks(d.records, all_alive_view(d.records), random_key(rng))) {
    d.chunks.push_back(encode_message(m));
  }
  return d;
}

// Joins `node` to the mesh with the given snapshot; false if the join did not complete.
bool join_with(Node& node, Rng& rng, const JoinData& d) {
  if (!node.join_mesh(Time{0}, kMeshId, local_options(), kBootstrap)) return false;
  drain(node);
  for (const auto& bytes : d.chunks) node.handle_message(Time{1000}, rng, kBootstrap, bytes);
  const Mesh* m = node.mesh(kMeshId);
  return m && !m->joining() && m->state().member_count() == d.records.size() + 1 &&
         node.rejected_messages() == 0;
}

struct JoinedNode {
  std::unique_ptr<Node> node;
  Rng rng{72};
  bool ok = false;
};

JoinedNode joined_node(size_t n, int64_t client_percent) {
  JoinedNode j;
  j.node = std::make_unique<Node>(bench_keys(73), Params{});
  j.ok = join_with(*j.node, j.rng, join_data(n, client_percent));
  drain(*j.node);
  return j;
}

// The receiving side of a join: decode and merge every Snapshot chunk, finish the join, select
// routes. Node construction is not timed.
void BM_Node_JoinSnapshot(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  const JoinData d = join_data(n, 0);
  const KeyPair keys = bench_keys(73);
  std::unique_ptr<Node> node;
  Rng rng(72);
  bool ok = true;
  for (auto _ : st) {
    st.PauseTiming();
    node = std::make_unique<Node>(keys, Params{});
    st.ResumeTiming();
    ok = ok && join_with(*node, rng, d);
    st.PauseTiming();
    node.reset();
    st.ResumeTiming();
  }
  if (!ok) st.SkipWithError("join did not complete");
  st.counters["chunks"] = static_cast<double>(d.chunks.size());
  set_rate(st, n);
}
BENCHMARK(BM_Node_JoinSnapshot)->Apply(NodeCounts)->Unit(benchmark::kMillisecond);

// desired_config of a peer; Arg 2 is the percentage of members that are clients: each client
// is attached by rendezvous over all live peers.
void BM_Node_DesiredConfig(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  JoinedNode j = joined_node(n, st.range(1));
  if (!j.ok) {
    st.SkipWithError("join did not complete");
    return;
  }
  size_t peers = 0, allowed = 0;
  for (auto _ : st) {
    Result<DesiredDevice> d = j.node->desired_config(kMeshId);
    peers = d->peers.size();
    benchmark::DoNotOptimize(d);
  }
  const Result<DesiredDevice> d = j.node->desired_config(kMeshId);
  for (const auto& p : d->peers) allowed += p.allowed_ips.size();
  size_t clients = 0;
  for (const auto& r : j.node->mesh(kMeshId)->state().records())
    clients += r->role == Role::kClient;
  st.counters["wg_peers"] = static_cast<double>(peers);
  st.counters["allowed_ips"] = static_cast<double>(allowed);
  st.counters["clients"] = static_cast<double>(clients);
  set_rate(st, n);
}
BENCHMARK(BM_Node_DesiredConfig)
    ->ArgNames({"n", "client_pct"})
    ->Args({1000, 0})
    ->Args({3000, 0})
    ->Args({10000, 0})
    ->Args({1000, 10})
    ->Args({3000, 10})
    ->Args({10000, 10})
    ->Unit(benchmark::kMicrosecond);

// The peer one client attaches to (rendezvous over the live peers), as every member computes it.
void BM_Node_AttachedPeer(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  JoinedNode j = joined_node(n, 0);
  if (!j.ok) {
    st.SkipWithError("join did not complete");
    return;
  }
  const Mesh* m = j.node->mesh(kMeshId);
  Rng rng(74);
  const PublicKey client = random_key(rng);
  for (auto _ : st) benchmark::DoNotOptimize(m->attached_peer(client));
  set_rate(st, n);
}
BENCHMARK(BM_Node_AttachedPeer)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

// What recompute_routes does per mesh: collect the route adverts of the live members (4 exits
// with ::/0, 6 bridges, the rest without routes) and select among them.
void BM_Node_RouteAdvertsAndSelect(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  JoinedNode j = joined_node(n, 0);
  if (!j.ok) {
    st.SkipWithError("join did not complete");
    return;
  }
  const Mesh* m = j.node->mesh(kMeshId);
  size_t adverts = 0, selected = 0;
  for (auto _ : st) {
    const std::vector<RouteAdvert> a = m->route_adverts();
    const std::vector<SelectedRoute> sel =
        select_routes(j.node->public_key(), kMeshId, a, j.node->params().max_path);
    adverts = a.size();
    selected = sel.size();
    benchmark::DoNotOptimize(sel.data());
  }
  st.counters["adverts"] = static_cast<double>(adverts);
  st.counters["selected"] = static_cast<double>(selected);
  set_rate(st, n);
}
BENCHMARK(BM_Node_RouteAdvertsAndSelect)->Apply(NodeCounts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace smeg
