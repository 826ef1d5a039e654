// Mesh: messages out — encoding and chunking, gossip targets, the sync, pull and push rounds
// (see mesh.h).
#include <algorithm>

#include "core/mesh.h"

namespace smeg {

void Mesh::send(const Endpoint& to, const PublicKey& to_key, MessageType type, Message::Body body) {
  Message m{{type, id_, ctx_.keys->public_key}, std::move(body)};
  Transmit t{to, to_key, type, {}};
  encode_message(m, t.bytes);
  stats_.messages_sent++;
  stats_.bytes_sent += t.bytes.size();
  if (ctx_.bytes_sent) *ctx_.bytes_sent += t.bytes.size();
  ctx_.out->push_back(std::move(t));
}

void Mesh::send_many(const std::vector<const NodeRecord*>& to, MessageType type,
                     Message::Body body) {
  if (to.empty()) return;
  Message m{{type, id_, ctx_.keys->public_key}, std::move(body)};
  std::vector<uint8_t> bytes;
  encode_message(m, bytes);
  for (const NodeRecord* r : to) {
    if (!r->control) continue;
    stats_.messages_sent++;
    stats_.bytes_sent += bytes.size();
    if (ctx_.bytes_sent) *ctx_.bytes_sent += bytes.size();
    ctx_.out->push_back(Transmit{*r->control, r->key, type, bytes});
  }
}

void Mesh::send_delta(const Endpoint& to, const PublicKey& to_key, MessageType type,
                      std::vector<RecordRef> records, std::vector<Tombstone> tombs,
                      std::vector<PublicKey> wanted, bool liveness, bool push, uint32_t slot) {
  std::vector<DeltaMsg> chunks =
      chunk_delta(std::move(records), std::move(tombs), std::move(wanted), liveness, push);
  if (liveness) {
    for (DeltaMsg& c : chunks) c.slot = slot;
  }
  for (DeltaMsg& chunk : chunks) send(to, to_key, type, std::move(chunk));
}

std::vector<DeltaMsg> Mesh::chunk_delta(std::vector<RecordRef> records,
                                        std::vector<Tombstone> tombs, std::vector<PublicKey> wanted,
                                        bool liveness, bool push) const {
  std::vector<DeltaMsg> chunks;
  const size_t limit = ctx_.params->max_message_bytes;
  // Room for the header and the liveness view in every chunk: the view rides in each (a
  // snapshot's only use), so that a joiner completes on whichever chunk arrives first and the
  // loss of one chunk never costs it a retry. Wanted keys ride in the first.
  size_t per_chunk = 128;
  LivenessView view;
  if (liveness) {
    view = window_.view();
    std::vector<uint8_t> scratch;
    Writer w(scratch);
    view.encode(w);
    per_chunk += scratch.size();
  }
  const size_t max_wanted = (limit / 2) / 32;
  if (wanted.size() > max_wanted) wanted.resize(max_wanted);  // the rest: next round

  DeltaMsg cur;
  cur.push = push;
  size_t size = per_chunk + wanted.size() * 33;
  cur.wanted = std::move(wanted);
  auto flush = [&] {
    chunks.push_back(std::move(cur));
    cur = DeltaMsg{};
    cur.push = push;
    size = per_chunk;
  };
  std::vector<uint8_t> scratch;
  for (auto& rec : records) {
    scratch.clear();
    Writer w(scratch);
    rec->encode(w);
    if (size + scratch.size() > limit && (!cur.records.empty() || !cur.tombstones.empty())) flush();
    size += scratch.size();
    cur.records.push_back(std::move(rec));
  }
  for (const auto& t : tombs) {
    if (size + 40 > limit && (!cur.records.empty() || !cur.tombstones.empty())) flush();
    size += 40;
    cur.tombstones.push_back(t);
  }
  if (chunks.empty() || !cur.records.empty() || !cur.tombstones.empty()) flush();
  if (liveness) {
    for (DeltaMsg& c : chunks) {
      c.has_liveness = true;
      c.liveness = view;
    }
  }
  return chunks;
}

SyncMsg Mesh::make_sync(Time now) const {
  SyncMsg s;
  s.summary = state_.summary();
  s.members = static_cast<uint32_t>(state_.member_count());
  // The previous epoch's bitmap rides along early in the current epoch only: by then it has
  // reached everyone (nearly full, it is a short list of clear slots), and it would double the
  // size of every sync. Early means H/2, but at least four sync rounds: with H = 0.5 s and
  // 100 ms rounds, 250 ms left the bits of late learners short of a 3000-node mesh and caused
  // 1112 false prunes in 40 s (1 with the floor, at the same bytes).
  const Duration carry =
      std::max(ctx_.params->heartbeat_interval / 2, 4 * ctx_.params->sync_interval);
  s.liveness = window_.view(now - epoch_learned_at_ < carry);
  return s;
}

std::vector<const NodeRecord*> Mesh::pick_targets(Rng& rng) {
  refresh();
  std::vector<const NodeRecord*> out;
  if (options_.role == Role::kClient) {
    const NodeRecord* self = self_record();
    const auto peer = self ? client_peer(*self) : std::nullopt;
    if (peer) {
      if (const NodeRecord* r = state_.find(*peer)) out.push_back(r);
    }
    // Also one other live peer, a different one each round: our liveness bits must not depend
    // on one peer, or its crash takes the bits of the current epoch along and everyone prunes
    // us before we notice. Starved of epochs (our peer is likely gone), `branch` others.
    const size_t base = out.size();
    const size_t others = live_peers_.size() - std::min(base, live_peers_.size());
    const size_t k = std::min<size_t>(client_starved_ ? ctx_.params->branch : 1, others);
    while (out.size() < base + k) {
      const NodeRecord* r = live_peers_[rng.uniform(live_peers_.size())].get();
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
    }
    // No live peer at all (e.g. tombstones from the other side of a healed partition removed
    // every one): probe one we lost, as peers do in their pull rounds, or we stay alone.
    if (out.empty() && !departed_.empty()) {
      out.push_back(departed_[rng.uniform(departed_.size())].record.get());
    }
    return out;
  }
  const size_t n = live_peers_.size();
  const size_t branch = ctx_.params->branch;
  if (n == 0) return out;
  if (n <= branch) {
    for (const auto& r : live_peers_) out.push_back(r.get());
    return out;
  }
  // The window: cluster_size peers around our position in key order.
  const size_t w = std::min<size_t>(std::max<size_t>(ctx_.params->cluster_size, branch), n);
  if (self_pos_generation_ != view_generation_) {
    self_pos_ = static_cast<size_t>(live_peer_at(ctx_.keys->public_key) - live_peers_.begin());
    self_pos_generation_ = view_generation_;
  }
  const size_t pos = self_pos_;
  const size_t start = (pos + n - w / 2) % n;
  while (out.size() < branch) {
    const NodeRecord* r = live_peers_[(start + rng.uniform(w)) % n].get();
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  if (n > w && rng.chance(ctx_.params->inter_cluster_chance)) {
    const NodeRecord* r = live_peers_[rng.uniform(n)].get();
    if (std::find(out.begin(), out.end(), r) == out.end()) out.back() = r;
  }
  return out;
}

void Mesh::sync_round(Time now, Rng& rng) {
  send_many(pick_targets(rng), MessageType::kSync, make_sync(now));
}

void Mesh::pull_round(Time now, Rng& rng) {
  refresh();
  if (options_.role == Role::kClient) return;
  // Forget departed members after a while (ten pull intervals): a partition that lasts longer
  // is healed by an explicit join.
  while (!departed_.empty() && now - departed_.front().at > 10 * ctx_.params->pull_interval) {
    departed_.pop_front();
  }
  if (!departed_.empty() && (live_peers_.empty() || rng.chance(0.5))) {
    const NodeRecord* r = departed_[rng.uniform(departed_.size())].record.get();
    send_many({r}, MessageType::kSync, make_sync(now));
    return;
  }
  if (live_peers_.empty()) return;
  // A pull reaches outside the gossip window: any live peer, uniformly.
  const NodeRecord* r = live_peers_[rng.uniform(live_peers_.size())].get();
  send_many({r}, MessageType::kSync, make_sync(now));
}

void Mesh::note_departed(Time now, const PublicKey& key) {
  RecordRef r = state_.find_ref(key);
  if (!r || r->role != Role::kPeer || !r->control) return;
  if (departed_.size() >= kMaxDeparted) departed_.pop_front();
  departed_.push_back(Departed{std::move(r), now});
}

void Mesh::flush_hot(Rng& rng) {
  hot_fresh_ = false;
  if (hot_.empty()) return;
  DeltaMsg d;
  d.push = true;
  for (auto it = hot_.begin(); it != hot_.end();) {
    if (RecordRef r = state_.find_ref(it->first)) d.records.push_back(r);
    if (uint64_t tv = state_.tombstone_version(it->first)) d.tombstones.push_back({it->first, tv});
    if (--it->second == 0) {
      it = hot_.erase(it);
    } else {
      ++it;
    }
  }
  const auto targets = pick_targets(rng);
  if (targets.empty()) return;
  // Push deltas are small (recent changes); a large burst is chunked. Each chunk is encoded
  // once for all targets.
  for (DeltaMsg& chunk :
       chunk_delta(std::move(d.records), std::move(d.tombstones), {}, false, true)) {
    send_many(targets, MessageType::kDelta, std::move(chunk));
  }
}

}  // namespace smeg
