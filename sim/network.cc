#include "sim/network.h"

#include <algorithm>

namespace smeg::sim {

Network::Network(const NetworkModel& model, uint32_t nodes)
    : model_(model), clogged_until_(nodes, -1) {}

int64_t Network::latency(Rng& rng) const {
  const int64_t min = model_.latency.min.count();
  const int64_t tail = 2 * (model_.latency.mean.count() - min);  // uniform [0, tail]: mean tail/2
  return min + (tail > 0 ? static_cast<int64_t>(rng.uniform(static_cast<uint64_t>(tail) + 1)) : 0);
}

Delivery Network::send(int64_t now, uint32_t from, uint32_t to, Rng& rng) const {
  Delivery d;
  if (!reachable(from, to)) return d;
  const double loss = now < loss_override_until_ ? loss_override_ : model_.loss;
  if (rng.chance(loss)) return d;
  // A clogged node's messages (either way) wait for the clog to end.
  const int64_t start = std::max({now, clogged_until_[from], clogged_until_[to]});
  d.copies = rng.chance(model_.duplicate) ? 2 : 1;
  for (int c = 0; c < d.copies; ++c) {
    int64_t t = start + latency(rng);
    // Held back behind later messages: up to one more full latency.
    if (rng.chance(model_.reorder)) t += latency(rng);
    d.at[c] = t;
  }
  return d;
}

void Network::partition(std::vector<uint16_t> group_of, bool one_way) {
  group_of_ = std::move(group_of);
  one_way_ = one_way;
}

void Network::heal() {
  group_of_.clear();
  one_way_ = false;
}

bool Network::reachable(uint32_t from, uint32_t to) const {
  if (group_of_.empty()) return true;
  const uint16_t a = group_of_[from], b = group_of_[to];
  return a == b || (one_way_ && a < b);
}

void Network::override_loss(double loss, int64_t until) {
  loss_override_ = loss;
  loss_override_until_ = until;
}

void Network::clog(uint32_t node, int64_t until) {
  clogged_until_[node] = std::max(clogged_until_[node], until);
}

}  // namespace smeg::sim
