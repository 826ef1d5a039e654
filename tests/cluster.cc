#include "tests/cluster.h"

namespace smeg::testing {

Cluster::Cluster(Options options) : opt_(std::move(options)), net_rng_(opt_.seed) {}

size_t Cluster::add_node() {
  const size_t i = nodes_.size();
  auto m = std::make_unique<Member>();
  m->rng = Rng(mix64(opt_.seed * 1000003 + i));
  std::array<uint8_t, 32> secret{};
  for (auto& b : secret) b = static_cast<uint8_t>(m->rng.next_u64());
  m->keys = KeyPair::from_private(PrivateKey::from_random(secret));
  m->node = std::make_unique<Node>(m->keys, opt_.params, &pool_);
  std::array<uint8_t, 16> a{};
  a[0] = 0x20;
  a[1] = 0x01;
  a[14] = static_cast<uint8_t>(i >> 8);
  a[15] = static_cast<uint8_t>(i);
  m->control = Endpoint{IpAddr::v6(a), 4000};
  by_endpoint_[m->control] = i;
  nodes_.push_back(std::move(m));
  timer_gen_.push_back(0);
  return i;
}

void Cluster::restart_wiped(size_t i) {
  Member& m = *nodes_[i];
  m.node = std::make_unique<Node>(m.keys, opt_.params, &pool_);
  m.alive = true;
  arm(i);
}

void Cluster::restart_kept(size_t i) {
  Member& m = *nodes_[i];
  std::vector<MeshImage> images;
  for (const auto& id : m.node->mesh_ids()) images.push_back(*m.node->mesh_image(id));
  m.node = std::make_unique<Node>(m.keys, opt_.params, &pool_);
  m.alive = true;
  for (auto& image : images) (void)m.node->resume_mesh(now_, m.rng, std::move(image));
  drain(i);
  arm(i);
}

void Cluster::arm(size_t i) {
  const uint64_t gen = ++timer_gen_[i];
  if (!nodes_[i]->alive) return;
  const Time t = nodes_[i]->node->poll_timeout();
  if (t != kNever) timers_.push(Timer{t, i, gen});
}

MeshOptions Cluster::options(size_t i, Role role) const {
  MeshOptions o;
  o.role = role;
  o.control = nodes_[i]->control;
  if (role == Role::kPeer) o.wg_endpoint = Endpoint{nodes_[i]->control.addr, 51820};
  o.wg_port = 51820;
  if (role == Role::kClient) o.keepalive = 25;
  return o;
}

void Cluster::drain(size_t i) {
  Member& m = *nodes_[i];
  while (auto t = m.node->poll_transmit()) {
    if (!m.alive) continue;
    bytes_by_type_[static_cast<size_t>(t->type) & 7] += t->bytes.size();
    messages_by_type_[static_cast<size_t>(t->type) & 7]++;
    if (net_rng_.chance(opt_.loss)) continue;
    auto it = by_endpoint_.find(t->to);
    if (it == by_endpoint_.end()) continue;
    if (on_send) on_send(i, it->second, t->type);
    if (drop && drop(i, it->second, t->type)) continue;
    if (!group_.empty() && group_[i] != group_[it->second]) continue;
    const Duration lat =
        opt_.latency_min + Duration(static_cast<int64_t>(net_rng_.uniform(static_cast<uint64_t>(
                               std::max<int64_t>(1, opt_.latency_tail.count())))));
    if (net_rng_.chance(opt_.duplicate)) {
      const Duration later = lat + Duration(static_cast<int64_t>(net_rng_.uniform(
                                       static_cast<uint64_t>(opt_.latency_tail.count()) + 1)));
      queue_.push(InFlight{now_ + later, seq_++, it->second, m.control, t->bytes});
    }
    queue_.push(InFlight{now_ + lat, seq_++, it->second, m.control, std::move(t->bytes)});
  }
  while (auto e = m.node->poll_event()) m.events.push_back(std::move(*e));
}

void Cluster::run_until(Time t) {
  // Commands may have changed any node's timers since the last run.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    drain(i);
    arm(i);
  }
  while (true) {
    while (!timers_.empty() && (timers_.top().generation != timer_gen_[timers_.top().node] ||
                                !nodes_[timers_.top().node]->alive)) {
      timers_.pop();
    }
    Time next = timers_.empty() ? kNever : timers_.top().at;
    const bool deliver = !queue_.empty() && queue_.top().at <= next;
    if (deliver) next = queue_.top().at;
    if (next > t || next == kNever) break;
    now_ = std::max(now_, next);
    size_t who;
    if (deliver) {
      InFlight f = queue_.top();
      queue_.pop();
      Member& m = *nodes_[f.to];
      if (!m.alive) continue;
      if (!group_.empty() && group_[by_endpoint_.at(f.from)] != group_[f.to]) continue;
      ++delivered_;
      m.node->handle_message(now_, m.rng, f.from, f.bytes);
      who = f.to;
    } else {
      who = timers_.top().node;
      timers_.pop();
      Member& m = *nodes_[who];
      m.node->handle_timeout(now_, m.rng);
    }
    drain(who);
    arm(who);
  }
  now_ = t;
}
}  // namespace smeg::testing
