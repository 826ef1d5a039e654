#include "core/liveness.h"

#include <algorithm>
#include <bit>

#include "core/record.h"

namespace smeg {

void Bitmap::set(uint32_t bit) {
  const size_t w = bit / 64;
  if (words_.size() <= w) words_.resize(w + 1, 0);
  words_[w] |= uint64_t{1} << (bit % 64);
}

bool Bitmap::test(uint32_t bit) const {
  const size_t w = bit / 64;
  return w < words_.size() && ((words_[w] >> (bit % 64)) & 1);
}

bool Bitmap::merge(const Bitmap& other) {
  if (words_.size() < other.words_.size()) words_.resize(other.words_.size(), 0);
  uint64_t added = 0;
  for (size_t i = 0; i < other.words_.size(); ++i) {
    added |= other.words_[i] & ~words_[i];
    words_[i] |= other.words_[i];
  }
  return added != 0;
}

void Bitmap::subtract(const Bitmap& other) {
  const size_t n = std::min(words_.size(), other.words_.size());
  for (size_t i = 0; i < n; ++i) words_[i] &= ~other.words_[i];
  trim();
}

bool Bitmap::subset_of(const Bitmap& other) const {
  for (size_t i = 0; i < words_.size(); ++i) {
    const uint64_t o = i < other.words_.size() ? other.words_[i] : 0;
    if (words_[i] & ~o) return false;
  }
  return true;
}

namespace {
// Bit count without a library call (the baseline x86-64 target has no popcnt instruction, and
// std::popcount then calls a helper for every word of every bitmap encoded).
inline size_t ones(uint64_t w) {
  w = w - ((w >> 1) & 0x5555555555555555ULL);
  w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
  w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<size_t>((w * 0x0101010101010101ULL) >> 56);
}
}  // namespace

size_t Bitmap::count() const {
  size_t n = 0;
  for (uint64_t w : words_) n += ones(w);
  return n;
}

uint32_t Bitmap::bit_length() const {
  if (words_.empty()) return 0;
  return static_cast<uint32_t>((words_.size() - 1) * 64 + 64 - std::countl_zero(words_.back()));
}

bool Bitmap::operator==(const Bitmap& o) const { return words_ == o.words_; }

void Bitmap::trim() {
  while (!words_.empty() && words_.back() == 0) words_.pop_back();
}

namespace {
enum BitmapForm : uint8_t { kRaw = 0, kSetList = 1, kClearList = 2 };

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Calls f(position) for every set bit (invert = false) or clear bit (invert = true) below len.
template <typename F>
void for_each_bit(const std::vector<uint64_t>& words, uint32_t len, bool invert, F&& f) {
  for (size_t i = 0; i < words.size(); ++i) {
    uint64_t word = invert ? ~words[i] : words[i];
    while (word) {
      const uint32_t b =
          static_cast<uint32_t>(i * 64) + static_cast<uint32_t>(std::countr_zero(word));
      if (b >= len) return;
      f(b);
      word &= word - 1;
    }
  }
}

// Size estimate of a delta-coded list of n positions spread over len bits.
size_t list_size(size_t n, uint32_t len) {
  if (n == 0) return 1;
  const size_t gap = len / n;
  return n * varint_size(gap) + varint_size(n);
}

}  // namespace

void Bitmap::encode(Writer& w) const {
  const uint32_t len = bit_length();
  const size_t sets = count();
  const size_t clears = len - sets;
  const size_t raw_size = words_.size() * 8;
  const size_t set_size = list_size(sets, len);
  const size_t clear_size = list_size(clears, len) + varint_size(len);
  // Lists cost a varint per position to write and to read, raw words a copy: a list is used
  // only where it is at most half the size (sparse early in an epoch, nearly full late).
  if (2 * set_size > raw_size && 2 * clear_size > raw_size) {
    w.u8(kRaw);
    w.varint(words_.size());
    for (uint64_t word : words_) w.u64(word);
    return;
  }
  const bool clear_form = clear_size < set_size;
  w.u8(clear_form ? kClearList : kSetList);
  if (clear_form) w.varint(len);
  w.varint(clear_form ? clears : sets);
  uint32_t prev = 0;
  for_each_bit(words_, len, clear_form, [&](uint32_t b) {
    w.varint(b - prev);
    prev = b;
  });
}

Bitmap Bitmap::decode(Reader& r, uint32_t max_bits) {
  Bitmap bm;
  const uint8_t form = r.u8("bitmap.form");
  if (form == kRaw) {
    const size_t n = r.count("bitmap.words", (max_bits + 63) / 64, 8);
    bm.words_.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i) bm.words_.push_back(r.u64("bitmap.word"));
  } else if (form == kSetList || form == kClearList) {
    uint64_t len = 0;
    if (form == kClearList) len = r.varint_max("bitmap.length", max_bits);
    const size_t n = r.count("bitmap.positions", max_bits, 1);
    std::vector<uint32_t> positions;
    positions.reserve(n);
    uint64_t pos = 0;
    for (size_t i = 0; i < n && r.ok(); ++i) {
      const uint64_t delta = r.varint_max("bitmap.position", max_bits);
      if (i > 0 && delta == 0) r.fail("bitmap.position", "positions not increasing");
      pos += delta;
      if (pos >= (form == kClearList ? len : max_bits)) r.fail("bitmap.position", "out of range");
      positions.push_back(static_cast<uint32_t>(pos));
    }
    if (!r.ok()) return {};
    if (form == kSetList) {
      if (!positions.empty()) bm.words_.assign(positions.back() / 64 + 1, 0);
      for (uint32_t p : positions) bm.words_[p / 64] |= uint64_t{1} << (p % 64);
    } else {
      // All ones below len, then clear the listed positions: word-wise, not bit by bit.
      bm.words_.assign((len + 63) / 64, ~uint64_t{0});
      if (len % 64) bm.words_.back() = (uint64_t{1} << (len % 64)) - 1;
      for (uint32_t p : positions) bm.words_[p / 64] &= ~(uint64_t{1} << (p % 64));
    }
  } else {
    r.fail("bitmap.form", "unknown form");
  }
  if (!r.ok()) return {};
  bm.trim();
  return bm;
}

void LivenessView::encode(Writer& w) const {
  w.varint(epoch);
  w.array(leader.bytes);
  w.varint(recent.size());
  for (const auto& e : recent) {
    w.varint(e.epoch);
    e.bits.encode(w);
  }
}

LivenessView LivenessView::decode(Reader& r) {
  LivenessView v;
  // Epochs count heartbeats: 2^48 of them outlast any mesh, and the bound keeps epoch + 1
  // from ever overflowing whatever a peer sends.
  v.epoch = r.varint_max("liveness.epoch", EpochWindow::kMaxEpoch);
  v.leader.bytes = r.array<32>("liveness.leader");
  const size_t n = r.count("liveness.epochs", EpochWindow::kKept, 2);
  for (size_t i = 0; i < n && r.ok(); ++i) {
    EpochBits e;
    e.epoch = r.varint("liveness.epoch_number");
    if (r.ok() && e.epoch > v.epoch)
      r.fail("liveness.epoch_number", "newer than the current epoch");
    e.bits = Bitmap::decode(r, RecordLimits::kMaxSlot);
    v.recent.push_back(std::move(e));
  }
  return v;
}

const EpochBits* EpochWindow::find(uint64_t epoch) const {
  if (epoch == 0 || epoch > epoch_ || epoch_ - epoch >= kKept) return nullptr;
  const EpochBits& e = ring_[epoch % kKept];
  return e.epoch == epoch ? &e : nullptr;
}

EpochBits* EpochWindow::find(uint64_t epoch) {
  return const_cast<EpochBits*>(static_cast<const EpochWindow*>(this)->find(epoch));
}

void EpochWindow::advance(uint64_t epoch, const PublicKey& leader) {
  if (epoch <= epoch_) return;
  // Reset the ring entries of the newest epochs up to `epoch` (at most kKept of them), counting
  // down from epoch so that no bound can wrap.
  const uint64_t fresh = std::min<uint64_t>(kKept, epoch - epoch_);
  for (uint64_t back = 0; back < fresh; ++back) {
    const uint64_t e = epoch - back;
    ring_[e % kKept].epoch = e;
    ring_[e % kKept].bits.clear();
  }
  epoch_ = epoch;
  leader_ = leader;
}

void EpochWindow::mark(uint64_t epoch, uint32_t slot) {
  if (EpochBits* e = find(epoch)) e->bits.set(slot);
}

void EpochWindow::claim(const PublicKey& leader) {
  if (epoch_ > 0 && leader < leader_) leader_ = leader;
}

EpochWindow::MergeResult EpochWindow::merge(const LivenessView& remote) {
  MergeResult res;
  if (remote.epoch > epoch_) {
    advance(remote.epoch, remote.leader);
    res.new_epoch = true;
  } else if (remote.epoch == epoch_ && remote.leader < leader_) {
    // Two leaders started the same epoch: agree on the lower key as its leader.
    leader_ = remote.leader;
  }
  for (const auto& e : remote.recent) {
    if (EpochBits* mine = find(e.epoch)) res.new_bits |= mine->bits.merge(e.bits);
  }
  return res;
}

bool EpochWindow::remote_lacks(const LivenessView& remote) const {
  if (epoch_ > remote.epoch) return true;
  if (epoch_ == remote.epoch && leader_ < remote.leader) return true;  // same epoch, lower leader
  for (const auto& theirs : remote.recent) {
    const EpochBits* mine = find(theirs.epoch);
    if (mine && !mine->bits.subset_of(theirs.bits)) return true;
  }
  return false;
}

namespace {
Bitmap difference(const Bitmap& a, const Bitmap& b) {
  Bitmap d = a;
  d.subtract(b);
  return d;
}
}  // namespace

LivenessView EpochWindow::missing_from(const LivenessView& remote) const {
  LivenessView v;
  v.epoch = epoch_;
  v.leader = leader_;
  if (epoch_ > remote.epoch) {
    // The remote is behind: it needs our current epoch as a whole.
    if (const EpochBits* cur = find(epoch_)) v.recent.push_back(*cur);
  }
  for (const auto& theirs : remote.recent) {
    const EpochBits* mine = find(theirs.epoch);
    if (!mine || (epoch_ > remote.epoch && theirs.epoch == epoch_)) continue;
    EpochBits d{mine->epoch, difference(mine->bits, theirs.bits)};
    if (d.bits.count() > 0) v.recent.push_back(std::move(d));
  }
  std::sort(v.recent.begin(), v.recent.end(),
            [](const EpochBits& a, const EpochBits& b) { return a.epoch > b.epoch; });
  return v;
}

bool EpochWindow::seen_within(uint32_t slot, uint32_t epochs) const {
  for (uint32_t back = 0; back < epochs && back < epoch_; ++back) {
    const EpochBits* e = find(epoch_ - back);
    if (e && e->bits.test(slot)) return true;
  }
  return false;
}

Bitmap EpochWindow::recent_union(uint32_t epochs) const {
  Bitmap u;
  for (uint32_t back = 0; back < epochs && back < epoch_; ++back) {
    if (const EpochBits* e = find(epoch_ - back)) u.merge(e->bits);
  }
  return u;
}

bool EpochWindow::seen_after(uint32_t slot, uint64_t epoch) const {
  // Only the held epochs can answer: at most kKept of them, newest first.
  for (uint64_t back = 0; back < kKept && back < epoch_; ++back) {
    const uint64_t e = epoch_ - back;
    if (e <= epoch) break;
    const EpochBits* b = find(e);
    if (b && b->bits.test(slot)) return true;
  }
  return false;
}

size_t EpochWindow::max_alive() const {
  size_t n = 0;
  for (const auto& e : ring_) n = std::max(n, e.bits.count());
  return n;
}

LivenessView EpochWindow::view(bool with_previous) const {
  return view_of(with_previous ? kSent : 1);
}

LivenessView EpochWindow::full_view() const { return view_of(kKept); }

LivenessView EpochWindow::view_of(size_t epochs) const {
  LivenessView v;
  v.epoch = epoch_;
  v.leader = leader_;
  for (size_t back = 0; back < epochs && back < epoch_; ++back) {
    if (const EpochBits* e = find(epoch_ - back)) v.recent.push_back(*e);
  }
  return v;
}

}  // namespace smeg
