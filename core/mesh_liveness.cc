// Mesh: heartbeat epochs, judging members, suspicion, leadership and failover, liveness slots.
#include "core/mesh.h"

#include <algorithm>

namespace smeg {

bool Mesh::slot_taken(uint32_t slot) const {
  if (slot >= RecordLimits::kMaxSlot) return true;
  for (const auto& r : state_.records()) {
    if (!is_self(r->key) && r->slot == slot) return true;
  }
  return window_.recent_union(EpochWindow::kKept).test(slot);
}

uint32_t Mesh::pick_free_slot(Rng& rng, bool for_joiner) const {
  // Slots in use: those of the records we hold, and those alive in the recent bitmaps (a
  // joiner may pick before the last snapshot chunk brought every record).
  // (Sized by counts, not by the highest slot seen: sizing by the highest slot would let the
  // slot space creep upwards with every joiner that picks near its top.)
  const size_t known = std::max<size_t>(state_.member_count(), window_.max_alive());
  // A dense slot space keeps bitmaps short (they are sent every sync); a quarter of slack
  // keeps the chance that concurrent joiners pick the same slot low (a collision is resolved,
  // but costs a record update).
  const size_t cap = std::min<size_t>(known + known / 4 + 64, RecordLimits::kMaxSlot);
  std::vector<bool> used(cap, false);
  for (const auto& r : state_.records()) {
    if ((for_joiner || !is_self(r->key)) && r->slot < cap) used[r->slot] = true;
  }
  for (uint32_t s : offered_slots_) {
    if (s < cap) used[s] = true;
  }
  const Bitmap alive = window_.recent_union(EpochWindow::kKept);
  for (size_t s = 0; s < cap; ++s) {
    if (alive.test(static_cast<uint32_t>(s))) used[s] = true;
  }
  // Uniformly among the free slots: a random start probed upwards would send every joiner
  // whose start falls inside the dense run of used slots to the first free slot above it
  // (at 10 000 peers, most of 20 concurrent joiners picked the same slot).
  std::vector<uint32_t> free;
  for (size_t s = 0; s < cap; ++s) {
    if (!used[s]) free.push_back(static_cast<uint32_t>(s));
  }
  if (free.empty()) return static_cast<uint32_t>(rng.uniform(cap));  // cap >= known + 64
  return free[rng.uniform(free.size())];
}

Duration Mesh::silence_limit() const {
  return ctx_.params->heartbeat_interval * ctx_.params->prune_epochs;
}

void Mesh::start_epoch(Time now, Rng& rng) {
  const Time previous = epoch_learned_at_;
  const PublicKey previous_leader = window_.leader();
  window_.advance(window_.epoch() + 1, ctx_.keys->public_key);
  emit(now, EventType::kEpochStarted, ctx_.keys->public_key, RemovalReason::kNone, window_.epoch());
  on_new_epoch(now, rng, true, previous, previous_leader);
}

void Mesh::on_new_epoch(Time now, Rng& rng, bool started_here, Time previous_learned,
                        const PublicKey& previous_leader) {
  epoch_learned_at_ = now;
  client_starved_ = false;
  const PublicKey& epoch_leader = window_.leader();
  if (!started_here && suspected_.count(epoch_leader)) {
    unsuspect(now, epoch_leader);  // whoever started an epoch is alive
  }
  // A new leader after a gap in the cadence: the old one went silent for the whole limit
  // somewhere (that is the only way another node starts an epoch out of turn). We saw the
  // same gap, so agree at once instead of waiting for our own limit.
  if (epoch_leader != previous_leader && !previous_leader.is_zero() &&
      now - previous_learned > 2 * ctx_.params->heartbeat_interval) {
    suspect(now, previous_leader, RemovalReason::kPruned);
  }
  note_leader(now);
  // Epochs in quick succession (we are catching up with nodes that counted further, e.g. the
  // other side of a healed partition): the epochs just passed were too short for anyone's
  // bits to spread, so they say nothing; judge nobody until we hold full epochs again.
  if (!started_here && previous_learned.count() > 0 &&
      now - previous_learned < ctx_.params->heartbeat_interval / 4) {
    grace_all_until_ = std::max(grace_all_until_, window_.epoch() + ctx_.params->prune_epochs - 1);
  }
  if (own_slot_ != RecordLimits::kNoSlot && !joining_) window_.mark(window_.epoch(), own_slot_);
  if (own_old_slot_ != RecordLimits::kNoSlot && window_.epoch() <= own_old_slot_until_) {
    window_.mark(window_.epoch(), own_old_slot_);
  }
  judge(now);
  check_own_slot(now, rng);
  // Forward the epoch at once so that it crosses the mesh at network speed.
  send_many(pick_targets(rng), MessageType::kSync, make_sync(now));
}

void Mesh::note_leader(Time now) {
  if (window_.leader() == leader_) return;
  leader_ = window_.leader();
  stats_.leader_changes++;
  emit(now, EventType::kLeaderChanged, leader_);
}

bool Mesh::may_lead() const {
  if (options_.role != Role::kPeer || joining_ || left_) return false;
  const PublicKey& l = window_.leader();
  return window_.epoch() == 0 || is_self(l) || ctx_.keys->public_key < l;
}

void Mesh::judge(Time now) {
  const uint64_t epoch = window_.epoch();
  const uint32_t n = ctx_.params->prune_epochs;
  if (epoch < grace_all_until_) return;
  std::vector<RecordRef> dead;
  std::vector<RecordRef> silent;  // suspected long enough ago and still without life
  std::vector<PublicKey> back;
  const Bitmap recent = window_.recent_union(n + 1);
  // Slots claimed by two records (a joiner that took the slot of a member suspected but not yet
  // tombstoned): their bits cannot say which of the two is alive, so they never bring a
  // suspect back.
  if (shared_slots_summary_ != state_.summary() || shared_slots_members_ != state_.member_count()) {
    Bitmap claimed;
    shared_slots_.clear();
    for (const auto& r : state_.records()) {
      if (r->slot >= RecordLimits::kMaxSlot) continue;
      if (claimed.test(r->slot)) shared_slots_.set(r->slot);
      claimed.set(r->slot);
    }
    shared_slots_summary_ = state_.summary();
    shared_slots_members_ = state_.member_count();
  }
  const Bitmap& shared = shared_slots_;
  // Records and suspicions are both sorted by key: walk them together, no lookup per member.
  auto next_suspect = suspected_.begin();
  for (const auto& r : state_.records()) {
    while (next_suspect != suspected_.end() && next_suspect->first < r->key) ++next_suspect;
    const auto s = next_suspect != suspected_.end() && next_suspect->first == r->key
                       ? next_suspect
                       : suspected_.end();
    if (is_self(r->key)) continue;
    if (r->slot == RecordLimits::kNoSlot) {
      // A joiner between its join request and its first slot: it has no bits to show yet,
      // and it may still be retrying its join. Give it the whole join timeout plus as many
      // epochs as anyone gets; a joiner that dies before taking a slot is pruned after that.
      const uint64_t allowance =
          n + 1 +
          static_cast<uint64_t>(ctx_.params->join_timeout / ctx_.params->heartbeat_interval);
      auto g = grace_.try_emplace(r->key, epoch).first;
      if (s == suspected_.end() && g->second + allowance <= epoch) dead.push_back(r);
      continue;
    }
    // A member marks its bit in every epoch it learns, from the one it joined in. Its first
    // epoch's bit may have been set just before the next epoch began, and the epoch it joined
    // in came from its bootstrap's view, which can lag one epoch behind (seen with thousands
    // of joiners at once): so it is judged only once `prune_epochs` full epochs have begun
    // after it. (A joined_epoch far in the future is not believed: such a member is judged
    // like any other.)
    const uint64_t j = r->joined_epoch;
    const bool settling = j + n > epoch && j <= epoch + 1;
    const bool lifeless = !settling && !recent.test(r->slot);
    if (s == suspected_.end()) {
      if (lifeless) dead.push_back(r);
    } else if (window_.seen_after(r->slot, s->second.epoch) && !shared.test(r->slot)) {
      // Alive after all: it showed life in an epoch after we judged it (e.g. a partition
      // healed before the leader's tombstone reached us).
      back.push_back(r->key);
    } else if (epoch >= s->second.epoch + ctx_.params->tombstone_epochs) {
      // Suspected and no life since, for long enough: the leader tombstones it now.
      silent.push_back(r);
    }
  }
  for (const auto& k : back) unsuspect(now, k);
  refresh();
  const bool leading = is_self(window_.leader());
  for (const auto& r : dead) suspect(now, r->key, RemovalReason::kPruned);
  if (!leading) return;
  // The leader turns lasting judgments into mesh state: the tombstone removes the node
  // everywhere, including at nodes that have not judged it (or joined since, with its record).
  if (ctx_.params->tombstone_epochs > 0) dead.clear();
  dead.insert(dead.end(), silent.begin(), silent.end());
  for (const auto& r : dead) {
    merge_tombstone(now, Tombstone{r->key, r->version}, true);
    stats_.tombstones_written++;
  }
}

void Mesh::suspect(Time now, const PublicKey& key, RemovalReason reason) {
  if (is_self(key)) return;
  const NodeRecord* r = state_.find(key);
  if (!r || suspected_.count(key)) return;
  suspected_[key] = Suspicion{r->version, window_.epoch()};
  ++changes_;
  note_departed(now, key);
  stats_.prunes++;
  view_erase(key);
  routes_dirty_ = true;
  emit(now, EventType::kMemberRemoved, key, reason);
}

void Mesh::unsuspect(Time now, const PublicKey& key) {
  if (suspected_.erase(key) == 0) return;
  ++changes_;
  view_insert(state_.find_ref(key));
  routes_dirty_ = true;
  emit(now, EventType::kMemberAdded, key);
}

void Mesh::check_own_slot(Time now, Rng& rng) {
  if (own_slot_ == RecordLimits::kNoSlot || joining_) return;
  const PublicKey& self = ctx_.keys->public_key;
  for (const auto& r : state_.records()) {
    if (r->slot == own_slot_ && r->key < self && is_live(r->key)) {
      // Two members share a slot: the lower key keeps it, we move (deterministic winner).
      // Keep marking the old slot too while our new record spreads: a node that still
      // holds the old one must keep seeing us alive.
      own_old_slot_ = own_slot_;
      own_old_slot_until_ = window_.epoch() + ctx_.params->prune_epochs;
      own_slot_ = pick_free_slot(rng, false);
      own_joined_epoch_ =
          window_.epoch() + 1;  // the new slot's bits: from now on (see finish_join)
      publish();
      window_.mark(window_.epoch(), own_slot_);
      emit(now, EventType::kSlotChanged, self, RemovalReason::kNone, own_slot_);
      return;
    }
  }
}

void Mesh::handle_timeout(Time now, Rng& rng) {
  if (failed_ || left_) return;
  note_input(now);
  if (joining_) {
    if (now >= join_started_ + ctx_.params->join_timeout) {
      failed_ = true;
      next_join_retry_ = kNever;
      emit(now, EventType::kJoinFailed, ctx_.keys->public_key);
      return;
    }
    if (now >= next_join_retry_) {
      send_join_request();
      next_join_retry_ = now + ctx_.params->join_retry;
    }
    return;
  }
  // Leadership (see the header): the epoch's leader, or any peer with a lower key, starts the
  // next epoch one interval after the current one; after a whole silence limit without an
  // epoch, every peer starts one, suspecting the silent leader, and the lowest key among the
  // starters leads on (concurrent starts of one epoch merge; the lower leader key wins).
  if (options_.role == Role::kClient) {
    // A client hears epochs only through the peer it syncs with. When they stop coming, that
    // peer is probably gone: sync with the next best peers too until they flow again, or the
    // client's own bits stop spreading and everyone prunes it. A client cannot lead, and with
    // no epochs it judges nobody (not even a silent leader: it may be the one cut off).
    client_starved_ = now >= epoch_learned_at_ + ctx_.params->heartbeat_interval * 3 / 2;
  } else if (now >= epoch_learned_at_ + silence_limit()) {
    const PublicKey silent = window_.leader();
    if (!silent.is_zero() && !is_self(silent)) suspect(now, silent, RemovalReason::kPruned);
    start_epoch(now, rng);
  } else if (may_lead() && now >= epoch_learned_at_ + ctx_.params->heartbeat_interval) {
    start_epoch(now, rng);
  }
  if (now >= next_sync_) {
    next_sync_ = now + ctx_.params->sync_interval;
    sync_round(now, rng);
    flush_hot(rng);
  }
  if (now >= next_pull_) {
    next_pull_ = now + ctx_.params->pull_interval;
    pull_round(now, rng);
  }
  update_attachment();
  if (hot_fresh_) flush_hot(rng);
}

Time Mesh::next_timeout() const {
  if (failed_ || left_) return kNever;
  if (joining_) {
    return std::min(next_join_retry_, join_started_ + ctx_.params->join_timeout);
  }
  Time t = std::min(next_sync_, next_pull_);
  if (options_.role == Role::kClient) return t;  // clients wait for epochs (see handle_timeout)
  return std::min(
      t, epoch_learned_at_ + (may_lead() ? ctx_.params->heartbeat_interval : silence_limit()));
}

}  // namespace smeg
