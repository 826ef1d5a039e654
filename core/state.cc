#include "core/state.h"

#include <algorithm>

#include "core/rng.h"

namespace smeg {

namespace {
bool rec_less(const RecordRef& r, const PublicKey& k) { return r->key < k; }
bool tomb_less(const Tombstone& t, const PublicKey& k) { return t.key < k; }
}  // namespace

void encode_tombstone(Writer& w, const Tombstone& t) {
  w.array(t.key.bytes);
  w.varint(t.version);
}

Tombstone decode_tombstone(Reader& r) {
  Tombstone t;
  t.key.bytes = r.array<32>("tombstone.key");
  t.version = r.varint("tombstone.version");
  if (r.ok() && t.version == 0) r.fail("tombstone.version", "must be positive");
  return t;
}

std::vector<RecordRef>::iterator MeshState::lower_record(const PublicKey& key) {
  return std::lower_bound(records_.begin(), records_.end(), key, rec_less);
}
std::vector<Tombstone>::iterator MeshState::lower_tomb(const PublicKey& key) {
  return std::lower_bound(tombstones_.begin(), tombstones_.end(), key, tomb_less);
}

const NodeRecord* MeshState::find(const PublicKey& key) const {
  auto it = std::lower_bound(records_.begin(), records_.end(), key, rec_less);
  return (it != records_.end() && (*it)->key == key) ? it->get() : nullptr;
}

RecordRef MeshState::find_ref(const PublicKey& key) const {
  auto it = std::lower_bound(records_.begin(), records_.end(), key, rec_less);
  return (it != records_.end() && (*it)->key == key) ? *it : RecordRef();
}

uint64_t MeshState::tombstone_version(const PublicKey& key) const {
  auto it = std::lower_bound(tombstones_.begin(), tombstones_.end(), key, tomb_less);
  return (it != tombstones_.end() && it->key == key) ? it->version : 0;
}

uint64_t MeshState::entry_hash(const PublicKey& key, uint64_t rv, uint64_t tv) {
  if (rv == 0 && tv == 0) return 0;
  uint64_t h = 0;
  for (size_t i = 0; i < 32; i += 8) {
    uint64_t w = 0;
    for (size_t j = 0; j < 8; ++j) w = (w << 8) | key.bytes[i + j];
    h = mix64(h ^ w);
  }
  return mix64(h ^ mix64(rv * 0x9e3779b97f4a7c15ULL + tv));
}

void MeshState::update_summary(const PublicKey& key, uint64_t old_rv, uint64_t old_tv,
                               uint64_t new_rv, uint64_t new_tv) {
  const uint64_t delta = entry_hash(key, old_rv, old_tv) ^ entry_hash(key, new_rv, new_tv);
  buckets_[bucket_of(key)] ^= delta;
  summary_ ^= delta;
}

MergeOutcome MeshState::merge_record(const RecordRef& rec) {
  const uint64_t tv = tombstone_version(rec->key);
  if (rec->version <= tv) return MergeOutcome::kUnchanged;
  auto it = lower_record(rec->key);
  if (it != records_.end() && (*it)->key == rec->key) {
    if (rec->version <= (*it)->version) return MergeOutcome::kUnchanged;
    update_summary(rec->key, (*it)->version, tv, rec->version, tv);
    *it = rec;
    return MergeOutcome::kUpdated;
  }
  update_summary(rec->key, 0, tv, rec->version, tv);
  records_.insert(it, rec);
  return MergeOutcome::kAdded;
}

MergeOutcome MeshState::merge_tombstone(const Tombstone& t) {
  if (t.version == 0) return MergeOutcome::kUnchanged;
  auto tit = lower_tomb(t.key);
  const bool had_tomb = tit != tombstones_.end() && tit->key == t.key;
  const uint64_t old_tv = had_tomb ? tit->version : 0;
  if (t.version <= old_tv) return MergeOutcome::kUnchanged;
  auto rit = lower_record(t.key);
  const bool had_rec = rit != records_.end() && (*rit)->key == t.key;
  const uint64_t old_rv = had_rec ? (*rit)->version : 0;
  const bool removes = had_rec && old_rv <= t.version;
  const uint64_t new_rv = removes ? 0 : old_rv;
  update_summary(t.key, old_rv, old_tv, new_rv, t.version);
  if (had_tomb) {
    tit->version = t.version;
  } else {
    tombstones_.insert(tit, t);
  }
  if (removes) {
    records_.erase(rit);
    return MergeOutcome::kRemoved;
  }
  return MergeOutcome::kUpdated;
}

void MeshState::insert_absent(std::vector<RecordRef> sorted) {
  if (sorted.empty()) return;
  for (const auto& r : sorted) {
    const uint64_t tv = tombstone_version(r->key);
    update_summary(r->key, 0, tv, r->version, tv);
  }
  std::vector<RecordRef> merged;
  merged.reserve(records_.size() + sorted.size());
  std::merge(std::make_move_iterator(records_.begin()), std::make_move_iterator(records_.end()),
             std::make_move_iterator(sorted.begin()), std::make_move_iterator(sorted.end()),
             std::back_inserter(merged),
             [](const RecordRef& a, const RecordRef& b) { return a->key < b->key; });
  records_ = std::move(merged);
}

void MeshState::merge_state(const MeshState& other) {
  for (const auto& t : other.tombstones_) merge_tombstone(t);
  // One merge walk over both sorted record lists: newer versions of keys we hold replace
  // ours in place; keys we lack go in with one batch insertion afterwards.
  std::vector<RecordRef> absent;
  size_t i = 0;
  for (const auto& r : other.records_) {
    while (i < records_.size() && records_[i]->key < r->key) ++i;
    if (i < records_.size() && records_[i]->key == r->key) {
      if (r->version > records_[i]->version) {
        const uint64_t tv = tombstone_version(r->key);
        update_summary(r->key, records_[i]->version, tv, r->version, tv);
        records_[i] = r;
      }
    } else if (r->version > tombstone_version(r->key)) {
      absent.push_back(r);
    }
  }
  insert_absent(std::move(absent));
}

std::vector<DigestEntry> MeshState::digest(uint64_t bucket_mask) const {
  std::vector<DigestEntry> out;
  auto in_mask = [&](const PublicKey& k) { return (bucket_mask >> bucket_of(k)) & 1; };
  // Merge-walk the two sorted vectors.
  size_t i = 0, j = 0;
  while (i < records_.size() || j < tombstones_.size()) {
    DigestEntry e;
    if (j == tombstones_.size() || (i < records_.size() && records_[i]->key < tombstones_[j].key)) {
      e = {records_[i]->key, records_[i]->version, 0};
      ++i;
    } else if (i == records_.size() || tombstones_[j].key < records_[i]->key) {
      e = {tombstones_[j].key, 0, tombstones_[j].version};
      ++j;
    } else {
      e = {records_[i]->key, records_[i]->version, tombstones_[j].version};
      ++i;
      ++j;
    }
    if (in_mask(e.key)) out.push_back(e);
  }
  return out;
}

MeshState::Comparison MeshState::compare(std::span<const DigestEntry> remote,
                                         uint64_t bucket_mask) const {
  Comparison c;
  // `remote` is sorted by key (decoders enforce it); walk it against our own digest.
  const std::vector<DigestEntry> mine = digest(bucket_mask);
  size_t i = 0, j = 0;
  while (i < mine.size() || j < remote.size()) {
    const DigestEntry* m = i < mine.size() ? &mine[i] : nullptr;
    const DigestEntry* r = j < remote.size() ? &remote[j] : nullptr;
    DigestEntry none{};
    if (m && (!r || m->key < r->key)) {
      none.key = m->key;
      r = &none;
      ++i;
    } else if (r && (!m || r->key < m->key)) {
      none.key = r->key;
      m = &none;
      ++j;
    } else {
      ++i;
      ++j;
    }
    if (m->tombstone_version > r->tombstone_version) {
      c.tombstones.push_back({m->key, m->tombstone_version});
    }
    if (m->record_version > r->record_version && m->record_version > r->tombstone_version) {
      c.records.push_back(find_ref(m->key));
    }
    if ((r->record_version > m->record_version && r->record_version > m->tombstone_version) ||
        r->tombstone_version > m->tombstone_version) {
      c.wanted.push_back(r->key);
    }
  }
  return c;
}

bool MeshState::equals(const MeshState& o) const {
  if (records_.size() != o.records_.size() || tombstones_ != o.tombstones_) return false;
  for (size_t i = 0; i < records_.size(); ++i) {
    if (!records_[i]->same_content(*o.records_[i])) return false;
  }
  return true;
}

}  // namespace smeg
