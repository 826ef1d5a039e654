// Mesh: lifecycle, messages in, and merging state (see mesh.h); messages out are in
// mesh_send.cc. Liveness and
// leadership are in mesh_liveness.cc, the derived view and desired config in mesh_view.cc.
#include "core/mesh.h"

#include <algorithm>

namespace smeg {

Mesh::Mesh(const MeshContext& ctx, std::string id, MeshOptions options)
    : ctx_(ctx), id_(std::move(id)), prefix_(mesh_prefix(id_)), options_(std::move(options)) {}

Mesh Mesh::create(const MeshContext& ctx, Time now, Rng& rng, std::string id, MeshOptions options) {
  Mesh m(ctx, std::move(id), std::move(options));
  m.own_slot_ = static_cast<uint32_t>(rng.uniform(64));
  m.publish();
  m.hot_.clear();  // nobody to tell yet
  m.epoch_learned_at_ = now;
  m.next_sync_ = now + Duration(static_cast<int64_t>(
                           rng.uniform(static_cast<uint64_t>(ctx.params->sync_interval.count()))));
  if (ctx.params->pull_interval.count() > 0) m.next_pull_ = now + ctx.params->pull_interval;
  m.refresh();
  if (m.options_.role == Role::kPeer) m.start_epoch(now, rng);
  return m;
}

Mesh Mesh::join(const MeshContext& ctx, Time now, std::string id, MeshOptions options,
                Endpoint bootstrap) {
  Mesh m(ctx, std::move(id), std::move(options));
  m.joining_ = true;
  m.bootstrap_ = bootstrap;
  m.join_started_ = now;
  m.publish();
  m.hot_.clear();
  m.send_join_request();
  m.next_join_retry_ = now + ctx.params->join_retry;
  return m;
}

void Mesh::send_join_request() {
  JoinRequestMsg jr{state_.find_ref(ctx_.keys->public_key)};
  send(bootstrap_, PublicKey{}, MessageType::kJoinRequest, jr);
}

void Mesh::handle_message(Time now, Rng& rng, const Endpoint& from, const Message& msg) {
  stats_.messages_received++;
  note_input(now);
  const PublicKey& sender = msg.header.sender;
  if (is_self(sender)) return;
  if (joining_) {
    // We cannot serve a joiner before we have the state ourselves: remember it (bounded) and
    // answer as soon as our own join completes, instead of letting it wait for a retry.
    if (msg.header.type == MessageType::kJoinRequest && pending_joins_.size() < kMaxPendingJoins) {
      pending_joins_.emplace_back(from, std::get<JoinRequestMsg>(msg.body));
    }
    if (msg.header.type != MessageType::kSnapshot) return;
  }
  switch (msg.header.type) {
    case MessageType::kJoinRequest:
      on_join_request(now, rng, from, std::get<JoinRequestMsg>(msg.body));
      break;
    case MessageType::kSync:
    case MessageType::kSyncReply:
      on_sync(now, rng, from, sender, std::get<SyncMsg>(msg.body),
              msg.header.type == MessageType::kSyncReply);
      break;
    case MessageType::kBuckets:
      on_buckets(from, sender, std::get<BucketsMsg>(msg.body));
      break;
    case MessageType::kDigest:
      on_digest(from, sender, std::get<DigestMsg>(msg.body));
      break;
    case MessageType::kDelta:
    case MessageType::kSnapshot:
      on_delta(now, rng, from, sender, std::get<DeltaMsg>(msg.body),
               msg.header.type == MessageType::kSnapshot);
      break;
  }
  update_attachment();
  // News learned from this message goes out at once (the first push round), not at the next
  // tick: it then crosses the mesh at network latency per hop.
  if (hot_fresh_) flush_hot(rng);
}

void Mesh::on_join_request(Time now, Rng& rng, const Endpoint& from, const JoinRequestMsg& m) {
  merge_record(now, m.record, true);
  // The joiner may miss a chunk or two, so we choose its slot: we hold every record.
  const uint32_t slot = pick_free_slot(rng, true);
  offered_slots_.push_back(slot);
  if (offered_slots_.size() > kOfferedKept) offered_slots_.pop_front();
  send_delta(from, m.record->key, MessageType::kSnapshot, state_.records(), state_.tombstones(), {},
             true, false, slot);
}

void Mesh::on_sync(Time now, Rng& rng, const Endpoint& from, const PublicKey& sender,
                   const SyncMsg& m, bool is_reply) {
  const bool lacks = window_.remote_lacks(m.liveness);
  merge_liveness(now, rng, m.liveness);
  if (is_reply) return;
  if (lacks) {
    // The pull half of push-pull: only what the sender lacks, usually a short list of slots.
    SyncMsg reply;
    reply.summary = state_.summary();
    reply.members = static_cast<uint32_t>(state_.member_count());
    reply.liveness = window_.missing_from(m.liveness);
    send(from, sender, MessageType::kSyncReply, std::move(reply));
  }
  if (m.summary != state_.summary()) {
    send(from, sender, MessageType::kBuckets, BucketsMsg{state_.bucket_summaries()});
  }
}

void Mesh::on_buckets(const Endpoint& from, const PublicKey& sender, const BucketsMsg& m) {
  const auto& mine = state_.bucket_summaries();
  // Cover as many differing buckets as fit in one message; the rest wait for the next round.
  const size_t per_bucket = std::max<size_t>(1, state_.member_count() / MeshState::kBuckets + 1);
  const size_t max_buckets = std::max<size_t>(1, ctx_.params->max_message_bytes / 48 / per_bucket);
  uint64_t mask = 0;
  size_t covered = 0;
  for (size_t b = 0; b < MeshState::kBuckets && covered < max_buckets; ++b) {
    if (mine[b] != m.buckets[b]) {
      mask |= uint64_t{1} << b;
      ++covered;
    }
  }
  if (mask == 0) return;
  send(from, sender, MessageType::kDigest, DigestMsg{mask, state_.digest(mask)});
}

void Mesh::on_digest(const Endpoint& from, const PublicKey& sender, const DigestMsg& m) {
  MeshState::Comparison c = state_.compare(m.entries, m.bucket_mask);
  if (c.records.empty() && c.tombstones.empty() && c.wanted.empty()) return;
  send_delta(from, sender, MessageType::kDelta, std::move(c.records), std::move(c.tombstones),
             std::move(c.wanted), false, false);
}

void Mesh::on_delta(Time now, Rng& rng, const Endpoint& from, const PublicKey& sender,
                    const DeltaMsg& m, bool snapshot) {
  for (const auto& t : m.tombstones) merge_tombstone(now, t, m.push);
  merge_records(now, m.records, m.push);
  if (snapshot && joining_) {
    // Every chunk carries the view and the slot the sender chose for us: the join completes
    // on the first to arrive. The other chunks follow, and anti-entropy brings what a lost one
    // held (waiting for every chunk cost a joiner that lost one a whole retry interval).
    if (m.has_liveness) {
      window_.merge(m.liveness);
      finish_join(now, rng, m.slot);
    }
  } else if (m.has_liveness) {
    merge_liveness(now, rng, m.liveness);
  }
  if (!m.wanted.empty()) {
    std::vector<RecordRef> recs;
    std::vector<Tombstone> tombs;
    for (const auto& k : m.wanted) {
      if (RecordRef r = state_.find_ref(k)) recs.push_back(r);
      if (uint64_t tv = state_.tombstone_version(k)) tombs.push_back({k, tv});
    }
    if (!recs.empty() || !tombs.empty()) {
      send_delta(from, sender, MessageType::kDelta, std::move(recs), std::move(tombs), {}, false,
                 false);
    }
  }
}

void Mesh::note_input(Time now) {
  // We always have a timer within a sync interval, so a longer gap between two inputs means
  // this node was not running (suspended, stopped, its clock jumped): the silence it missed
  // is not evidence against anyone. Without this a node waking from a 3H pause suspects the
  // leader at once, starts an epoch and the mesh loses a live leader.
  const Duration expected = ctx_.params->sync_interval;
  if (last_input_ != kNever && now - last_input_ > 2 * expected) {
    epoch_learned_at_ += now - last_input_ - expected;
  }
  last_input_ = now;
}

void Mesh::mark_hot(const PublicKey& key) {
  hot_[key] = ctx_.params->infection_count;
  hot_fresh_ = true;
}

void Mesh::merge_record(Time now, const RecordRef& rec, bool spread) {
  if (is_self(rec->key)) {
    // Only we write our record. A copy at or above our version means we restarted without
    // state, or were pruned and re-added by someone's old copy: move above it.
    if (left_) return;
    const NodeRecord* mine = state_.find(rec->key);
    const bool newer = rec->version > own_version_;
    const bool forked = rec->version == own_version_ && mine && !mine->same_content(*rec);
    if (newer || forked) {
      own_version_ = rec->version;
      publish();
    }
    return;
  }
  const NodeRecord* old = state_.find(rec->key);
  const bool old_peer = old && old->role == Role::kPeer;
  const bool old_routes = old && !old->routes.empty();
  const MergeOutcome outcome = state_.merge_record(rec);
  if (outcome == MergeOutcome::kUnchanged) return;
  after_merge(rec, spread, old_routes);
  if (outcome == MergeOutcome::kAdded) {
    view_insert(rec);
    emit(now, EventType::kMemberAdded, rec->key);
    return;
  }
  // Updated: a newer version from a node we suspected means it is alive after all.
  auto s = suspected_.find(rec->key);
  if (s != suspected_.end() && rec->version > s->second.version) unsuspect(now, rec->key);
  if (old_peer != (rec->role == Role::kPeer)) {
    view_dirty_ = true;
  } else {
    replace_live_peer(rec);
  }
}

void Mesh::after_merge(const RecordRef& rec, bool spread, bool had_routes) {
  ++changes_;
  if (spread) mark_hot(rec->key);
  if (had_routes || !rec->routes.empty()) routes_dirty_ = true;
  if (rec->slot == RecordLimits::kNoSlot) {
    grace_.try_emplace(rec->key, window_.epoch());
  } else {
    grace_.erase(rec->key);
  }
}

void Mesh::merge_records(Time now, const std::vector<RecordRef>& records, bool spread) {
  // Many records of members we do not know (a snapshot, the other side of a healed
  // partition): insert them in one pass. Everything else goes one by one.
  std::vector<RecordRef> absent;
  if (records.size() > 16) {
    for (const auto& r : records) {
      if (!is_self(r->key) && !state_.find(r->key) &&
          r->version > state_.tombstone_version(r->key)) {
        absent.push_back(r);
      }
    }
    std::sort(absent.begin(), absent.end(), [](const RecordRef& a, const RecordRef& b) {
      return a->key != b->key ? a->key < b->key : a->version > b->version;
    });
    absent.erase(
        std::unique(absent.begin(), absent.end(),
                    [](const RecordRef& a, const RecordRef& b) { return a->key == b->key; }),
        absent.end());
  }
  if (absent.size() > 16) {
    state_.insert_absent(absent);
    view_dirty_ = true;
    for (const auto& r : absent) {
      after_merge(r, spread, false);
      emit(now, EventType::kMemberAdded, r->key);
    }
  }
  // Records already inserted above merge as unchanged here.
  for (const auto& r : records) merge_record(now, r, spread);
}

void Mesh::merge_tombstone(Time now, const Tombstone& t, bool spread) {
  if (!is_self(t.key) && state_.find(t.key) && t.version >= state_.find(t.key)->version &&
      !suspected_.count(t.key)) {
    note_departed(now, t.key);
  }
  const MergeOutcome outcome = state_.merge_tombstone(t);
  if (outcome == MergeOutcome::kUnchanged) return;
  ++changes_;
  if (spread) mark_hot(t.key);
  if (is_self(t.key)) {
    // Someone pruned us while we are alive (or we left and this is our own tombstone).
    if (!left_) {
      own_version_ = std::max(own_version_, t.version);
      own_joined_epoch_ = window_.epoch();  // others dropped us: start afresh
      publish();
    }
    return;
  }
  if (outcome == MergeOutcome::kRemoved) {
    const bool was_suspected = suspected_.erase(t.key) > 0;
    grace_.erase(t.key);
    view_erase(t.key);
    routes_dirty_ = true;
    if (!was_suspected) {
      emit(now, EventType::kMemberRemoved, t.key, RemovalReason::kTombstone, t.version);
    }
  }
}

void Mesh::merge_liveness(Time now, Rng& rng, const LivenessView& v) {
  const Time previous = epoch_learned_at_;
  const uint64_t before = window_.epoch();
  const PublicKey previous_leader = window_.leader();
  const EpochWindow::MergeResult res = window_.merge(v);
  // An epoch led by a higher key than ours: claim it, as if we had started it at the same
  // time (concurrent starts merge to the lower key). Waiting to start the next one ourselves,
  // we would learn every epoch after its leader started it and take over only by a lucky
  // delay (3000 peers: 4 s after a restart, with two leaders named meanwhile); and in a
  // failover the lowest peer, hearing a starter before its own silence limit, took a second
  // epoch to lead (H = 0.5 s: peers named five leaders 2.5 s after the crash).
  if (may_lead() && window_.epoch() > 0 && !is_self(window_.leader())) {
    window_.claim(ctx_.keys->public_key);
  }
  if (!res.new_epoch) {
    note_leader(now);  // a lower key started (or claimed) the same epoch
    return;
  }
  if (before > 0 && window_.epoch() > before + 1) {
    // We skipped epochs (we were cut off, or the other side of a healed partition counted
    // further): our bitmaps say nothing about the epochs we missed, so judge nobody until we
    // hold a full history again.
    grace_all_until_ = std::max(grace_all_until_, window_.epoch() + ctx_.params->prune_epochs - 1);
    // Nor does anyone else hold our bits for them: if our record no longer protects us as a
    // newcomer, re-announce it as joined now, or the others (who may just have re-added us,
    // e.g. after our restart or the partition healed) judge us dead before our bits spread.
    if (!joining_ && !left_ && own_joined_epoch_ + ctx_.params->prune_epochs <= window_.epoch()) {
      own_joined_epoch_ = window_.epoch();
      publish();
    }
  }
  on_new_epoch(now, rng, false, previous, previous_leader);
}

NodeRecord Mesh::self_template() const {
  NodeRecord r;
  r.key = ctx_.keys->public_key;
  r.role = options_.role;
  r.slot = own_slot_;
  r.joined_epoch = own_joined_epoch_;
  r.attached_to = own_attached_;
  r.address_attempt = own_attempt_;
  r.control = options_.control;
  r.wg_endpoint = options_.wg_endpoint;
  r.keepalive = options_.keepalive;
  r.alias = options_.alias;
  r.description = options_.description;
  r.services = own_services_;
  r.routes = own_routes_;
  return r;
}

void Mesh::publish() {
  const PublicKey& self = ctx_.keys->public_key;
  uint64_t v = std::max(own_version_, state_.tombstone_version(self));
  if (const NodeRecord* cur = state_.find(self)) v = std::max(v, cur->version);
  own_version_ = v + 1;
  NodeRecord r = self_template();
  r.version = own_version_;
  state_.merge_record(ctx_.pool->intern(std::move(r)));
  ++changes_;
  mark_hot(self);
}

void Mesh::update_self(Rng& rng, const MeshOptions& options) {
  options_ = options;
  publish();
  flush_hot(rng);
}

void Mesh::set_services(Rng& rng, std::vector<std::pair<std::string, std::string>> services) {
  std::sort(services.begin(), services.end());
  own_services_ = std::move(services);
  publish();
  flush_hot(rng);
}

void Mesh::set_routes(Rng& rng, std::vector<Route> routes) {
  std::sort(routes.begin(), routes.end());
  if (routes == own_routes_) return;
  own_routes_ = std::move(routes);
  publish();
  flush_hot(rng);
}

void Mesh::leave(Rng& rng) {
  const PublicKey& self = ctx_.keys->public_key;
  auto targets = pick_targets(rng);
  left_ = true;
  const Tombstone t{self, own_version_};
  state_.merge_tombstone(t);
  // Tell more nodes than usual: we will not be around for further push rounds.
  std::vector<const NodeRecord*> to = targets;
  for (const auto& r : live_peers_) {
    if (to.size() >= 2 * ctx_.params->branch) break;
    if (std::find(to.begin(), to.end(), r.get()) == to.end()) to.push_back(r.get());
  }
  DeltaMsg d;
  d.push = true;
  d.tombstones.push_back(t);
  send_many(to, MessageType::kDelta, std::move(d));
  hot_.clear();
  next_sync_ = next_pull_ = kNever;
}

uint32_t Mesh::pick_address_attempt() const {
  // Only a lower key's address can push us off ours (address.h): take the lowest attempt whose
  // address no lower-key member uses.
  const PublicKey& self = ctx_.keys->public_key;
  for (uint32_t attempt = 0;; ++attempt) {
    const IpAddr mine = overlay_address(prefix_, self, attempt);
    bool taken = false;
    for (const auto& r : state_.records()) {
      if (r->key < self && address_of(*r) == mine) taken = true;
    }
    if (!taken) return attempt;
  }
}

void Mesh::finish_join(Time now, Rng& rng, uint32_t offered) {
  joining_ = false;
  next_join_retry_ = kNever;
  grace_all_until_ = window_.epoch() + ctx_.params->prune_epochs;
  grace_.clear();
  epoch_learned_at_ = now;
  own_slot_ = slot_taken(offered) ? pick_free_slot(rng, false) : offered;
  // Protected from the next epoch on: the snapshot's epoch may already be behind the mesh's
  // (its sender learned the next one late), and our bits in an epoch that others have left
  // spread to few of them. Counted from that epoch, joiners were judged dead one epoch early
  // (2000 peers, H = 0.5 s: 10 false prunes of joiners whose bits reached 84 % of the mesh).
  own_joined_epoch_ = window_.epoch() + 1;
  own_attempt_ = pick_address_attempt();
  view_dirty_ = true;
  refresh();
  if (options_.role == Role::kClient) {
    own_attached_ = attached_peer(ctx_.keys->public_key).value_or(PublicKey{});
    attachment_checked_ = view_generation_;
  }
  publish();
  // (MemberAdded events for the snapshot's members went out as they merged.)
  emit(now, EventType::kJoined, ctx_.keys->public_key, RemovalReason::kNone, window_.epoch());
  next_sync_ = now + ctx_.params->sync_interval;
  if (ctx_.params->pull_interval.count() > 0) next_pull_ = now + ctx_.params->pull_interval;
  view_dirty_ = true;
  routes_dirty_ = true;
  refresh();
  // Our own bit in the current epoch, so the joiner counts as alive from the start.
  if (window_.epoch() > 0) window_.mark(window_.epoch(), own_slot_);
  auto pending = std::move(pending_joins_);
  pending_joins_.clear();
  for (const auto& [from, jr] : pending) on_join_request(now, rng, from, jr);
}

}  // namespace smeg
