#include "sim/engine.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "sim/clock.h"
#include "sim/engine_node.h"

namespace smeg::sim {

uint64_t Traffic::total_messages() const {
  uint64_t n = 0;
  for (uint64_t m : messages) n += m;
  return n;
}

uint64_t Traffic::total_bytes() const {
  uint64_t n = 0;
  for (uint64_t b : bytes) n += b;
  return n;
}

namespace {
constexpr int64_t kFormationStep = 1000;  // microseconds between two starting nodes
}  // namespace

Simulation::Simulation(const Scenario& scenario, uint64_t seed, OracleOptions oracle)
    : scenario_(scenario),
      seed_(seed),
      rng_(mix64(seed ^ 0x73696d2d656e67ULL)),
      net_rng_(mix64(seed ^ 0x73696d2d6e6574ULL)),
      net_(scenario.network, 0),
      metrics_(0) {
  build();
  if (oracle.enabled) oracle_ = std::make_unique<Oracle>(*this, scenario_, oracle);
  next_check_ = scenario_.params.heartbeat_interval.count();
}

Simulation::~Simulation() = default;

const Node& Simulation::node(uint32_t i) const { return *nodes_[i]->node; }
bool Simulation::alive(uint32_t i) const { return nodes_[i]->alive; }
bool Simulation::started(uint32_t i) const { return nodes_[i]->started; }
bool Simulation::left(uint32_t i) const { return nodes_[i]->left; }
Role Simulation::role(uint32_t i) const { return nodes_[i]->role; }
const std::vector<std::string>& Simulation::planned_meshes(uint32_t i) const {
  return nodes_[i]->meshes;
}
int64_t Simulation::local_time(uint32_t i) const { return nodes_[i]->clock.local(now_); }

std::vector<bool> Simulation::live_nodes() const {
  std::vector<bool> live(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) live[i] = nodes_[i]->alive;
  return live;
}

// Node i's control endpoint: fd00:5::/96 + the index, so that an endpoint maps back to its
// node without a lookup table.
Endpoint Simulation::endpoint_of(uint32_t i) const {
  std::array<uint8_t, 16> b{0xfd, 0x00, 0x00, 0x05};
  for (int k = 0; k < 4; ++k)
    b[static_cast<size_t>(12 + k)] = static_cast<uint8_t>(i >> (24 - 8 * k));
  return Endpoint{IpAddr::v6(b), 4000};
}

bool Simulation::index_of_key(const PublicKey& key, uint32_t& i) const {
  auto it = std::lower_bound(key_index_.begin(), key_index_.end(), key,
                             [](const auto& e, const PublicKey& k) { return e.first < k; });
  if (it == key_index_.end() || it->first != key) return false;
  i = it->second;
  return true;
}

bool Simulation::index_of(const Endpoint& e, uint32_t& i) const {
  const auto& b = e.addr.bytes;
  if (!e.addr.is_v6() || b[0] != 0xfd || b[1] != 0 || b[2] != 0 || b[3] != 5) return false;
  i = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
  return i < nodes_.size();
}

uint32_t Simulation::add_node(std::vector<std::string> meshes, Role role, bool exit, bool bridge) {
  auto n = std::make_unique<SimNode>();
  n->rng = rng_.fork();
  std::array<uint8_t, 32> secret{};
  for (auto& byte : secret) byte = static_cast<uint8_t>(n->rng.next_u64());
  n->keys = KeyPair::from_private(PrivateKey::from_random(secret));
  n->node = std::make_unique<Node>(n->keys, scenario_.params, &pool_);
  n->meshes = std::move(meshes);
  n->role = role;
  n->exit = exit;
  n->bridge = bridge;
  nodes_.push_back(std::move(n));
  return static_cast<uint32_t>(nodes_.size() - 1);
}

MeshOptions Simulation::options_for(uint32_t i) const {
  const SimNode& n = *nodes_[i];
  MeshOptions o;
  o.role = n.role;
  o.control = endpoint_of(i);
  if (n.role == Role::kPeer) o.wg_endpoint = Endpoint{endpoint_of(i).addr, 51820};
  o.wg_port = 51820;
  o.keepalive = n.role == Role::kClient ? 25 : 0;
  o.advertise_defaults = n.exit;
  o.advertise_routes = n.bridge;
  return o;
}

void Simulation::build() {
  // The plan: every mesh's peers (the first `exits` of them advertise ::/0), then its clients,
  // then the bridge nodes; indices are fixed for the whole run.
  std::vector<uint32_t> order;
  for (const MeshSpec& m : scenario_.meshes) {
    for (uint32_t p = 0; p < m.peers; ++p)
      order.push_back(add_node({m.id}, Role::kPeer, p < m.exits, false));
    for (uint32_t c = 0; c < m.clients; ++c)
      order.push_back(add_node({m.id}, Role::kClient, false, false));
  }
  for (const BridgeSpec& b : scenario_.bridges) {
    for (uint32_t k = 0; k < b.count; ++k)
      order.push_back(add_node(b.meshes, Role::kPeer, false, true));
  }
  // Nodes that join later (join faults) exist from the start, unstarted, so indices are fixed.
  for (const Fault& f : scenario_.faults) {
    if (const auto* j = std::get_if<JoinFault>(&f.action)) {
      for (uint32_t k = 0; k < j->count; ++k)
        spare_.push_back(add_node({j->mesh}, Role::kPeer, false, false));
    }
  }
  for (uint32_t i = 0; i < nodes_.size(); ++i)
    key_index_.emplace_back(nodes_[i]->keys.public_key, i);
  std::sort(key_index_.begin(), key_index_.end());
  net_ = Network(scenario_.network, static_cast<uint32_t>(nodes_.size()));
  metrics_ = Metrics(static_cast<uint32_t>(nodes_.size()));
  const int64_t h = scenario_.params.heartbeat_interval.count();
  if (scenario_.formation == Formation::kImage) {
    build_images(order);
    for (uint32_t i : order) queue_.push(0, EventKind::kStart, i, kStartResume);
    pending_resumes_ = order.size();
    // Resumed nodes judge nobody for prune_epochs epochs: the steady state starts after that.
    formed_at_ = static_cast<int64_t>(scenario_.params.prune_epochs) * h;
  } else {
    // Creators first (at t = 0), then the others in plan order, one step apart, each joining
    // through a random peer that started before it.
    std::vector<bool> creator(nodes_.size(), false);
    size_t at = 0;
    for (const MeshSpec& m : scenario_.meshes) {
      creator[at] = true;
      at += m.peers + m.clients;
    }
    int64_t t = 0;
    for (uint32_t i : order) {
      if (creator[i]) queue_.push(0, EventKind::kStart, i, kStartCreate);
    }
    for (uint32_t i : order) {
      if (creator[i]) continue;
      t += kFormationStep;
      queue_.push(t, EventKind::kStart, i, kStartJoin);
    }
    // Formation is over once everyone has started and a few heartbeats have passed.
    formed_at_ = t + 3 * h;
  }
  for (size_t f = 0; f < scenario_.faults.size(); ++f) {
    queue_.push(scenario_.faults[f].at.count(), EventKind::kFault, 0, static_cast<uint32_t>(f));
  }
}

void Simulation::build_images(const std::vector<uint32_t>& order) {
  for (const MeshSpec& spec : scenario_.meshes) {
    std::vector<uint32_t> members;
    std::vector<PublicKey> keys;
    std::vector<PublicKey> peers;
    for (uint32_t i : order) {
      const SimNode& n = *nodes_[i];
      if (std::find(n.meshes.begin(), n.meshes.end(), spec.id) == n.meshes.end()) continue;
      members.push_back(i);
      keys.push_back(n.keys.public_key);
      if (n.role == Role::kPeer) peers.push_back(n.keys.public_key);
    }
    const Prefix prefix = mesh_prefix(spec.id);
    const auto addresses = resolve_addresses(prefix, keys);
    MeshImage image;
    image.id = spec.id;
    EpochWindow window;
    window.advance(1, peers.empty() ? PublicKey{} : *std::min_element(peers.begin(), peers.end()));
    for (size_t slot = 0; slot < members.size(); ++slot) {
      const uint32_t i = members[slot];
      const SimNode& n = *nodes_[i];
      const MeshOptions o = options_for(i);
      NodeRecord r;
      r.key = n.keys.public_key;
      r.version = 1;
      r.role = n.role;
      r.slot = static_cast<uint32_t>(slot);
      r.joined_epoch = 1;
      while (overlay_address(prefix, r.key, r.address_attempt) != addresses.at(r.key))
        ++r.address_attempt;
      r.control = o.control;
      r.wg_endpoint = o.wg_endpoint;
      r.keepalive = o.keepalive;
      if (n.exit) r.routes.push_back(Route{Prefix::default_route_v6(), {}});
      if (n.role == Role::kClient) {
        // The peer the client would choose itself (the rendezvous of client_attach_score).
        uint64_t best = 0;
        for (const PublicKey& p : peers) {
          const uint64_t score = client_attach_score(r.key, p);
          if (r.attached_to.is_zero() || score > best || (score == best && p < r.attached_to)) {
            r.attached_to = p;
            best = score;
          }
        }
      }
      image.records.push_back(pool_.intern(std::move(r)));
      window.mark(1, static_cast<uint32_t>(slot));
    }
    std::sort(image.records.begin(), image.records.end(),
              [](const RecordRef& a, const RecordRef& b) { return a->key < b->key; });
    image.liveness = window.full_view();
    images_.push_back(std::move(image));
  }
}

void Simulation::resume_meshes(uint32_t i) {
  SimNode& n = *nodes_[i];
  for (const std::string& id : n.meshes) {
    for (const MeshImage& image : images_) {
      if (image.id != id) continue;
      MeshImage mine = image;
      mine.options = options_for(i);
      (void)n.node->resume_mesh(Time(local_time(i)), n.rng, std::move(mine));
    }
  }
  // The images hold a reference to every record: let them go once everyone has started.
  if (--pending_resumes_ == 0) images_.clear();
}

void Simulation::join_meshes(uint32_t i) {
  SimNode& n = *nodes_[i];
  for (const std::string& mesh : n.meshes) {
    // A bootstrap: a random started, live peer of that mesh other than us.
    std::vector<uint32_t> candidates;
    for (uint32_t k = 0; k < nodes_.size(); ++k) {
      const SimNode& c = *nodes_[k];
      if (k == i || !c.started || !c.alive || c.role != Role::kPeer) continue;
      // In the mesh now (not still joining it, not left it).
      const Mesh* m = c.node->mesh(mesh);
      if (m && !m->joining()) candidates.push_back(k);
    }
    if (candidates.empty()) continue;
    const uint32_t via = candidates[rng_.uniform(candidates.size())];
    (void)n.node->join_mesh(Time(local_time(i)), mesh, options_for(i), endpoint_of(via));
  }
}

void Simulation::start_node(uint32_t i, uint32_t how) {
  SimNode& n = *nodes_[i];
  n.started = true;
  n.alive = true;
  if (how == kStartCreate) {
    (void)n.node->create_mesh(Time(local_time(i)), n.rng, n.meshes.front(), options_for(i));
  } else if (how == kStartResume) {
    resume_meshes(i);
  } else {
    join_meshes(i);
  }
  drain(i);
  arm(i);
}

void Simulation::arm(uint32_t i) {
  SimNode& n = *nodes_[i];
  if (!n.alive) return;
  const Time t = n.node->poll_timeout();
  if (t == kNever) return;
  // The node asks in its own time; the queue runs in virtual time. (An exact clock keeps the
  // deadline as it is, past or not, so runs without clock faults are the same as before.)
  const int64_t at = n.clock.exact() ? t.count() : n.clock.to_virtual(t.count(), now_);
  if (at >= n.armed_at) return;
  n.armed_at = at;
  queue_.push(std::max(at, now_), EventKind::kTimer, i, static_cast<uint32_t>(++n.timer_gen));
}

void Simulation::drain(uint32_t i) {
  SimNode& n = *nodes_[i];
  while (auto tx = n.node->poll_transmit()) {
    if (!n.alive) continue;
    const size_t type = tx->bytes.size() > 1 && tx->bytes[1] < Traffic::kTypes ? tx->bytes[1] : 0;
    ++traffic_.messages[type];
    traffic_.bytes[type] += tx->bytes.size();
    uint32_t to = 0;
    if (!index_of(tx->to, to)) continue;
    const Delivery d = net_.send(now_, i, to, net_rng_);
    if (d.copies == 0) continue;
    uint32_t slot;
    if (!free_messages_.empty()) {
      slot = free_messages_.back();
      free_messages_.pop_back();
    } else {
      slot = static_cast<uint32_t>(messages_.size());
      messages_.emplace_back();
    }
    messages_[slot] = Message{std::move(tx->bytes), i, static_cast<uint32_t>(d.copies)};
    for (int c = 0; c < d.copies; ++c) queue_.push(d.at[c], EventKind::kDeliver, to, slot);
  }
  while (auto ev = n.node->poll_event()) {
    if (ev->type == EventType::kLeaderChanged || ev->type == EventType::kRoutesChanged) {
      if (formed_) ++(ev->type == EventType::kLeaderChanged ? leader_changes_ : route_changes_);
      continue;
    }
    // A failed join is retried, as a daemon would: a join through a bootstrap that is cut off
    // (a partition, a clog) is not the end of the node.
    if (ev->type == EventType::kJoinFailed && n.alive) {
      queue_.push(now_ + scenario_.params.join_retry.count(), EventKind::kRejoin, i, 0);
    }
    if (ev->type != EventType::kMemberAdded && ev->type != EventType::kMemberRemoved) continue;
    uint32_t x = 0;
    if (!index_of_key(ev->node, x)) continue;
    if (ev->type == EventType::kMemberAdded) {
      metrics_.member_added(i, x, now_);
    } else {
      const SimNode& xn = *nodes_[x];
      // A tombstone no newer than the record X had when it last went down removes a dead
      // incarnation of X (a restarted X has not yet re-announced itself): not a false prune.
      const bool dead_incarnation =
          ev->reason == RemovalReason::kTombstone && ev->value <= xn.version_at_crash;
      const bool wrongly = xn.alive && !xn.left && !dead_incarnation && net_.reachable(x, i);
      metrics_.member_removed(i, x, now_, wrongly);
    }
  }
}

void Simulation::deliver(const SimEvent& e) {
  if (defer(e)) return;
  SimNode& n = *nodes_[e.node];
  if (n.alive) {
    // By index, not by reference: handling the message may queue new ones and grow the pool.
    n.node->handle_message(Time(local_time(e.node)), n.rng, endpoint_of(messages_[e.payload].from),
                           messages_[e.payload].bytes);
    drain(e.node);
    arm(e.node);
  }
  Message& m = messages_[e.payload];
  if (--m.copies == 0) {
    m.bytes = {};
    free_messages_.push_back(e.payload);
  }
}

void Simulation::fire_timer(const SimEvent& e) {
  SimNode& n = *nodes_[e.node];
  if (!n.alive || e.payload != static_cast<uint32_t>(n.timer_gen) || defer(e)) return;
  n.armed_at = INT64_MAX;
  n.node->handle_timeout(Time(local_time(e.node)), n.rng);
  drain(e.node);
  arm(e.node);
}

// ---------------------------------------------------------------------------------------------
// Running

bool Simulation::run_until(int64_t t) {
  const int64_t end = scenario_.duration.count();
  const int64_t stop = std::min(t, end);
  while (!queue_.empty() && queue_.top().at <= stop) {
    const SimEvent e = queue_.pop();
    if (oracle_) check_until(e.at);
    now_ = e.at;
    if (!formed_ && now_ >= formed_at_) {
      formed_ = true;
      traffic_at_formed_ = traffic_;
      if (hook_) hook_(*this, std::nullopt);
    }
    ++events_;
    pending_sum_ += queue_.size();
    switch (e.kind) {
      case EventKind::kDeliver:
      case EventKind::kLateDeliver:
        deliver(e);
        break;
      case EventKind::kTimer:
      case EventKind::kLateTimer:
        fire_timer(e);
        break;
      case EventKind::kFault:
        run_fault(e);
        break;
      case EventKind::kStart:
        start_node(e.node, e.payload);
        break;
      case EventKind::kRejoin:
        rejoin(e.node);
        break;
    }
  }
  now_ = std::max(now_, stop);
  if (oracle_ && stop == end && !finished_) {
    finished_ = true;
    check_until(end);
    oracle_->finish(end, fault_end_, split_end_);
  }
  return stop < end;
}

RunSummary Simulation::run() {
  run_until(scenario_.duration.count());
  return summary();
}

RunSummary Simulation::summary() const {
  RunSummary s;
  s.name = scenario_.name;
  s.seed = seed_;
  s.nodes = node_count();
  s.sim_seconds = static_cast<double>(now_) / 1e6;
  s.events = events_;
  std::vector<bool> live(nodes_.size());
  size_t live_count = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    live[i] = nodes_[i]->alive;
    live_count += live[i];
  }
  s.failure_convergence = metrics_.failure_convergence(live);
  s.join_dissemination = metrics_.join_dissemination(live);
  s.false_prunes = metrics_.false_prunes();
  if (oracle_) {
    s.invariant_violations = oracle_->violations();
    s.first_violations = oracle_->first_violations();
  }
  const double measured = static_cast<double>(now_ - formed_at_) / 1e6;
  if (formed_ && measured > 0 && live_count > 0) {
    const double per = static_cast<double>(live_count) * measured;
    for (size_t t = 0; t < Traffic::kTypes; ++t) {
      s.type_messages_per_node_per_second[t] =
          static_cast<double>(traffic_.messages[t] - traffic_at_formed_.messages[t]) / per;
      s.type_bytes_per_node_per_second[t] =
          static_cast<double>(traffic_.bytes[t] - traffic_at_formed_.bytes[t]) / per;
    }
    s.control_bytes_per_node_per_second =
        static_cast<double>(traffic_.total_bytes() - traffic_at_formed_.total_bytes()) / per;
    s.messages_per_node_per_second =
        static_cast<double>(traffic_.total_messages() - traffic_at_formed_.total_messages()) / per;
  }
  if (live_count > 0) {
    s.leader_changes_per_node =
        static_cast<double>(leader_changes_) / static_cast<double>(live_count);
    s.route_changes_per_node =
        static_cast<double>(route_changes_) / static_cast<double>(live_count);
  }
  std::vector<PublicKey> exits_now(nodes_.size());
  for (uint32_t y = 0; y < nodes_.size(); ++y) exits_now[y] = exit_of(y);
  s.exits = exit_moves_.summarize(exits_now);
  s.digest = digest();
  return s;
}

uint64_t Simulation::digest() const {
  uint64_t h = mix64(seed_);
  for (const auto& n : nodes_) {
    h = mix64(h ^ (n->alive ? 1 : 2) ^ (n->started ? 4 : 8));
    for (const std::string& id : n->node->mesh_ids()) {
      const Mesh* m = n->node->mesh(id);
      h = mix64(h ^ m->state().summary());
      h = mix64(h ^ m->epochs().epoch());
      h = mix64(h ^ m->leader().prefix64());
      h = mix64(h ^ m->live_members().size());
    }
  }
  h = mix64(h ^ rng_.peek());
  return mix64(h ^ net_rng_.peek());
}

}  // namespace smeg::sim
