// Simulation: faults from the scenario (crash, restart, partition, join, leave, loss, clog) and
// node faults (clock skew and drift, slow nodes). See engine.h.
#include <algorithm>
#include <cmath>

#include "sim/engine.h"
#include "sim/engine_node.h"

namespace smeg::sim {

// ---------------------------------------------------------------------------------------------
// Faults

std::vector<uint32_t> Simulation::pick_live(double fraction, uint32_t count) {
  std::vector<uint32_t> live;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->alive) live.push_back(i);
  }
  const size_t want = count > 0 ? std::min<size_t>(count, live.size())
                                : static_cast<size_t>(fraction * static_cast<double>(live.size()));
  // Partial Fisher-Yates with the engine's generator: the first `want` are the pick.
  for (size_t k = 0; k < want; ++k) std::swap(live[k], live[k + rng_.uniform(live.size() - k)]);
  live.resize(want);
  return live;
}

uint32_t Simulation::current_leader() const {
  // The leader as the first live node of the first mesh sees it.
  const std::string& mesh = scenario_.meshes.front().id;
  for (const auto& n : nodes_) {
    if (!n->alive) continue;
    const Mesh* m = n->node->mesh(mesh);
    if (!m || m->joining()) continue;
    uint32_t x = 0;
    if (index_of_key(m->leader(), x)) return x;
  }
  return 0;
}

PublicKey Simulation::exit_of(uint32_t y) const {
  if (!nodes_[y]->alive) return PublicKey{};
  const Prefix def = Prefix::default_route_v6();
  for (const RouteChoice& c : nodes_[y]->node->route_choices()) {
    if (c.prefix == def) return c.via;
  }
  return PublicKey{};
}

void Simulation::crash(uint32_t x) {
  SimNode& n = *nodes_[x];
  if (!n.alive) return;
  metrics_.node_down(x);
  // How many mesh views of every observer hold x right now.
  std::vector<uint16_t> views(nodes_.size(), 0);
  for (uint32_t y = 0; y < nodes_.size(); ++y) {
    if (y == x || !nodes_[y]->alive) continue;
    for (const std::string& id : nodes_[y]->node->mesh_ids()) {
      const Mesh* m = nodes_[y]->node->mesh(id);
      if (m && m->is_live(n.keys.public_key)) ++views[y];
    }
  }
  metrics_.crashed(x, now_, std::move(views), live_nodes());
  for (const std::string& id : n.node->mesh_ids()) {
    if (const NodeRecord* self = n.node->mesh(id)->self_record()) {
      n.version_at_crash = std::max(n.version_at_crash, self->version);
    }
  }
  if (n.exit) {
    std::vector<PublicKey> before(nodes_.size());
    for (uint32_t y = 0; y < nodes_.size(); ++y) before[y] = y == x ? PublicKey{} : exit_of(y);
    exit_moves_.crashed(n.keys.public_key, std::move(before));
  }
  n.alive = false;
  crashed_.push_back(x);
}

void Simulation::run_fault(const SimEvent& e) {
  const bool end = (e.payload & kFaultEnd) != 0;
  if (!end && hook_) hook_(*this, e.payload);
  const Fault& f = scenario_.faults[e.payload & ~kFaultEnd];
  if (!end) note_fault_end(now_, false);
  if (const auto* c = std::get_if<CrashFault>(&f.action)) {
    if (c->target == CrashFault::Target::kLeader) {
      crash(current_leader());
    } else if (c->target == CrashFault::Target::kExit) {
      std::vector<uint32_t> exits;
      for (uint32_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->alive && nodes_[i]->exit) exits.push_back(i);
      }
      if (!exits.empty()) crash(exits[rng_.uniform(exits.size())]);
    } else {
      for (uint32_t x : pick_live(c->fraction, c->count)) crash(x);
    }
  } else if (const auto* r = std::get_if<RestartFault>(&f.action)) {
    std::vector<uint32_t> down;
    for (uint32_t x : crashed_) {
      if (!nodes_[x]->alive && std::find(down.begin(), down.end(), x) == down.end())
        down.push_back(x);
    }
    const size_t want =
        static_cast<size_t>(std::llround(r->fraction * static_cast<double>(down.size())));
    for (size_t k = 0; k < want; ++k) std::swap(down[k], down[k + rng_.uniform(down.size() - k)]);
    down.resize(want);
    for (uint32_t x : down) {
      SimNode& n = *nodes_[x];
      metrics_.restarted(x, now_);
      n.alive = true;
      n.armed_at = INT64_MAX;
      // A restart is a new process: timers, pending pushes and everything in flight are gone.
      // With kept state it resumes its meshes from what it held when it crashed (as smegd
      // does from its state directory); wiped, it joins again like a new node.
      std::vector<MeshImage> images;
      if (!r->wipe) {
        for (const std::string& id : n.node->mesh_ids()) images.push_back(*n.node->mesh_image(id));
      }
      n.node = std::make_unique<Node>(n.keys, scenario_.params, &pool_);
      if (oracle_) oracle_->node_reset(x);
      for (MeshImage& image : images) {
        (void)n.node->resume_mesh(Time(local_time(x)), n.rng, std::move(image));
      }
      if (r->wipe) join_meshes(x);
      drain(x);
      arm(x);
    }
  } else if (const auto* p = std::get_if<PartitionFault>(&f.action)) {
    if (end) {
      net_.heal();
      return;
    }
    std::vector<uint32_t> all(nodes_.size());
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    for (size_t k = 0; k + 1 < all.size(); ++k)
      std::swap(all[k], all[k + rng_.uniform(all.size() - k)]);
    std::vector<uint16_t> group_of(nodes_.size(), 0);
    double edge = 0;
    size_t next = 0;
    for (size_t g = 0; g < p->groups.size(); ++g) {
      edge += p->groups[g];
      const size_t upto =
          g + 1 == p->groups.size()
              ? all.size()
              : static_cast<size_t>(std::llround(edge * static_cast<double>(all.size())));
      for (; next < upto && next < all.size(); ++next)
        group_of[all[next]] = static_cast<uint16_t>(g);
    }
    net_.partition(std::move(group_of), p->one_way);
    note_fault_end(now_ + p->length.count(), true);
    queue_.push(now_ + p->length.count(), EventKind::kFault, 0, e.payload | kFaultEnd);
  } else if (const auto* j = std::get_if<JoinFault>(&f.action)) {
    for (uint32_t k = 0; k < j->count && next_spare_ < spare_.size(); ++k) {
      const uint32_t x = spare_[next_spare_++];
      // Its observers: the running members of the mesh it joins (not those of other meshes,
      // nor those that left it).
      std::vector<bool> members(nodes_.size(), false);
      for (uint32_t y = 0; y < nodes_.size(); ++y) {
        const Mesh* m = nodes_[y]->alive ? nodes_[y]->node->mesh(j->mesh) : nullptr;
        members[y] = m && !m->joining();
      }
      metrics_.joining(x, now_, members);
      start_node(x, kStartJoin);
    }
  } else if (const auto* l = std::get_if<LeaveFault>(&f.action)) {
    std::vector<uint32_t> members;
    for (uint32_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i]->alive && nodes_[i]->node->mesh(l->mesh)) members.push_back(i);
    }
    for (uint32_t k = 0; k < l->count && !members.empty(); ++k) {
      const size_t at = rng_.uniform(members.size());
      const uint32_t x = members[at];
      members.erase(members.begin() + static_cast<std::ptrdiff_t>(at));
      nodes_[x]->left = true;
      (void)nodes_[x]->node->leave_mesh(Time(local_time(x)), nodes_[x]->rng, l->mesh);
      drain(x);
      arm(x);
    }
  } else if (const auto* lo = std::get_if<LossFault>(&f.action)) {
    net_.override_loss(lo->value, now_ + lo->length.count());
    note_fault_end(now_ + lo->length.count(), true);
  } else if (const auto* cl = std::get_if<ClogFault>(&f.action)) {
    for (uint32_t x : pick_live(cl->fraction, 0)) net_.clog(x, now_ + cl->length.count());
    note_fault_end(now_ + cl->length.count(), true);
  } else {
    node_fault(f.action);
  }
}

// ---------------------------------------------------------------------------------------------
// Node faults (clock skew and drift, slow nodes) and the oracle's hooks

bool Simulation::defer(const SimEvent& e) {
  SimNode& n = *nodes_[e.node];
  if (e.kind == EventKind::kLateDeliver || e.kind == EventKind::kLateTimer) return false;
  if (!n.alive || (now_ >= n.slow_until && now_ >= n.handled_until)) return false;
  // Late, and behind every input taken late before it (also after the slow spell, until the
  // backlog is gone). A crash does not empty the backlog: inputs taken after a restart are
  // like messages the network delayed, which the protocol must bear anyway.
  const int64_t delay = now_ < n.slow_until ? n.slow_delay : 0;
  n.handled_until = std::max(n.handled_until, now_ + delay);
  queue_.push(n.handled_until,
              e.kind == EventKind::kDeliver ? EventKind::kLateDeliver : EventKind::kLateTimer,
              e.node, e.payload);
  return true;
}

void Simulation::rejoin(uint32_t i) {
  SimNode& n = *nodes_[i];
  if (!n.alive) return;
  // join_meshes() skips nothing, and the core refuses a mesh the node is already in; a mesh it
  // left on purpose is not joined again.
  if (n.left) {
    for (const std::string& id : n.meshes) {
      if (!n.node->mesh(id)) return;
    }
  }
  join_meshes(i);
  drain(i);
  arm(i);
}

// The node's deadline is in its own time, which just changed: arm its timer afresh.
void Simulation::rearm(uint32_t i) {
  SimNode& n = *nodes_[i];
  ++n.timer_gen;
  n.armed_at = INT64_MAX;
  arm(i);
}

void Simulation::node_fault(const FaultAction& action) {
  if (const auto* sk = std::get_if<SkewFault>(&action)) {
    for (uint32_t x : pick_live(sk->who.fraction, sk->who.count)) {
      nodes_[x]->clock.skew(now_, sk->offset.count());
      note_fault_end(nodes_[x]->clock.slew_end(), false);
      rearm(x);
    }
  } else if (const auto* d = std::get_if<DriftFault>(&action)) {
    for (uint32_t x : pick_live(d->who.fraction, d->who.count)) {
      nodes_[x]->clock.drift(now_, d->rate);
      note_fault_end(nodes_[x]->clock.slew_end(), false);
      rearm(x);
    }
  } else if (const auto* sl = std::get_if<SlowFault>(&action)) {
    for (uint32_t x : pick_live(sl->who.fraction, sl->who.count)) {
      SimNode& n = *nodes_[x];
      n.slow_until = std::max(n.slow_until, now_ + sl->length.count());
      n.slow_delay = sl->delay.count();
      // Its last late input is taken a delay after the spell ends.
      note_fault_end(n.slow_until + n.slow_delay, true);
    }
  }
}

void Simulation::note_fault_end(int64_t end, bool split) {
  fault_end_ = std::max(fault_end_, end);
  if (split) split_end_ = std::max(split_end_, end);
}

void Simulation::check_until(int64_t t) {
  // Every heartbeat interval; the checks only read, so they cannot change what happens next.
  const int64_t every = scenario_.params.heartbeat_interval.count();
  for (; next_check_ < t; next_check_ += every) oracle_->check(next_check_, fault_end_, split_end_);
}

}  // namespace smeg::sim
