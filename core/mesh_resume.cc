// Mesh: images of a mesh and resuming from one (see MeshImage in mesh.h).
#include <algorithm>

#include "core/mesh.h"

namespace smeg {

MeshImage Mesh::image() const {
  return MeshImage{id_, options_, state_.records(), state_.tombstones(), window_.full_view()};
}

Mesh Mesh::resume(const MeshContext& ctx, Time now, Rng& rng, MeshImage image) {
  Mesh m(ctx, std::move(image.id), std::move(image.options));
  // The state: tombstones first, then the records above them in one sorted insertion. An
  // image from elsewhere (a file) may be unsorted or repeat keys: keep the newest per key.
  for (const Tombstone& t : image.tombstones) m.state_.merge_tombstone(t);
  auto& recs = image.records;
  std::erase_if(recs, [](const RecordRef& r) { return !r; });
  const auto newest_first = [](const RecordRef& a, const RecordRef& b) {
    return a->key != b->key ? a->key < b->key : a->version > b->version;
  };
  if (!std::is_sorted(recs.begin(), recs.end(), newest_first)) {
    std::sort(recs.begin(), recs.end(), newest_first);
  }
  recs.erase(std::unique(recs.begin(), recs.end(),
                         [](const RecordRef& a, const RecordRef& b) { return a->key == b->key; }),
             recs.end());
  std::erase_if(
      recs, [&](const RecordRef& r) { return r->version <= m.state_.tombstone_version(r->key); });
  m.state_.insert_absent(std::move(recs));
  m.window_.merge(image.liveness);

  // Our own record, as we last published it.
  const PublicKey& self = ctx.keys->public_key;
  const NodeRecord* mine = m.state_.find(self);
  m.own_version_ = std::max(mine ? mine->version : 0, m.state_.tombstone_version(self));
  if (mine) {
    m.own_slot_ = mine->slot;
    m.own_joined_epoch_ = mine->joined_epoch;
    m.own_attempt_ = mine->address_attempt;
    m.own_attached_ = mine->attached_to;
    m.own_services_ = mine->services;
    m.own_routes_ = mine->routes;
  }
  const uint64_t epoch = m.window_.epoch();
  if (m.own_slot_ == RecordLimits::kNoSlot || m.own_slot_ >= RecordLimits::kMaxSlot) {
    m.own_slot_ = m.pick_free_slot(rng, false);
    m.own_joined_epoch_ = epoch;
  }
  if (!mine) m.own_attempt_ = m.pick_address_attempt();
  NodeRecord want = m.self_template();
  want.version = m.own_version_;
  if (!mine || !mine->same_content(want)) m.publish();

  // Liveness: like a joiner, judge nobody before holding a full history of our own.
  m.grace_all_until_ = epoch + ctx.params->prune_epochs;
  m.epoch_learned_at_ = now;
  if (epoch > 0) m.window_.mark(epoch, m.own_slot_);
  const auto phase = [&rng](Duration d) {
    return Duration(static_cast<int64_t>(rng.uniform(static_cast<uint64_t>(d.count()))));
  };
  m.next_sync_ = now + phase(ctx.params->sync_interval);
  if (ctx.params->pull_interval.count() > 0) m.next_pull_ = now + phase(ctx.params->pull_interval);
  m.view_dirty_ = true;
  m.routes_dirty_ = true;
  m.refresh();
  m.note_leader(now);
  return m;
}

}  // namespace smeg
