// The simulated network between virtual nodes: per-message one-way latency (a minimum plus a
// uniform random tail, so min 20ms and mean 50ms gives 20-80 ms), loss, duplication, extra
// reordering delay, partitions (symmetric or one-way, into any number of groups), temporary
// loss changes, and clogged nodes whose messages queue until the clog ends. Every decision is
// drawn from the generator passed in, so a run is a function of its seed; no floating-point
// function beyond multiplication is used, so draws are the same on every platform.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "sim/scenario.h"

namespace smeg::sim {

// The fate of one message: 0, 1 or 2 copies, each with its delivery time.
struct Delivery {
  int copies = 0;
  int64_t at[2] = {0, 0};
};

class Network {
 public:
  Network(const NetworkModel& model, uint32_t nodes);

  // Decides what happens to a message sent at `now` from one node to another.
  Delivery send(int64_t now, uint32_t from, uint32_t to, Rng& rng) const;

  // Partitions: group_of[node] is its group; messages between groups are dropped, or with
  // one_way only those from a higher-numbered group to a lower one. heal() ends it.
  void partition(std::vector<uint16_t> group_of, bool one_way);
  void heal();
  bool partitioned() const { return !group_of_.empty(); }
  // Whether a message from `from` can reach `to` now (ignoring random loss).
  bool reachable(uint32_t from, uint32_t to) const;

  // The loss of every link becomes `loss` until `until`.
  void override_loss(double loss, int64_t until);
  // Messages from or to the node are held until `until`, then flow.
  void clog(uint32_t node, int64_t until);

 private:
  int64_t latency(Rng& rng) const;

  NetworkModel model_;
  std::vector<uint16_t> group_of_;  // empty: no partition
  bool one_way_ = false;
  double loss_override_ = 0.0;
  int64_t loss_override_until_ = -1;
  std::vector<int64_t> clogged_until_;
};

}  // namespace smeg::sim
