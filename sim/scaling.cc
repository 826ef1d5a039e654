#include "sim/scaling.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace smeg::sim {

uint64_t planned_nodes(const Scenario& sc) {
  uint64_t n = 0;
  for (const MeshSpec& m : sc.meshes) n += uint64_t{m.peers} + m.clients;
  for (const BridgeSpec& b : sc.bridges) n += b.count;
  return n;
}

Result<Scenario> scale_scenario(const Scenario& sc, uint32_t nodes) {
  const std::string flag = "--nodes " + std::to_string(nodes);
  if (nodes == 0) return Status::invalid_argument("--nodes must be at least 1");
  if (nodes > kMaxScaledNodes) {
    return Status::invalid_argument(flag + " is too large (at most " +
                                    std::to_string(kMaxScaledNodes) + ")");
  }
  uint64_t bridge_nodes = 0;
  for (const BridgeSpec& b : sc.bridges) bridge_nodes += b.count;
  const uint64_t minimum = sc.meshes.size() + bridge_nodes;
  if (nodes < minimum) {
    return Status::invalid_argument(
        flag + " is too small for scenario '" + sc.name + "': it needs at least " +
        std::to_string(minimum) + " (one peer for each of its " + std::to_string(sc.meshes.size()) +
        " meshes and its " + std::to_string(bridge_nodes) + " bridge nodes)");
  }
  // Largest remainder (Hamilton) over the mesh sizes: the shares add up to the target exactly,
  // and a scenario scaled to its own size is unchanged. Every mesh has at least one peer, so the
  // total weight is positive; target < 2^25 and a weight < 2^33, so the products fit in 64 bits.
  const uint64_t target = nodes - bridge_nodes;
  std::vector<uint64_t> weight(sc.meshes.size());
  for (size_t m = 0; m < sc.meshes.size(); ++m)
    weight[m] = uint64_t{sc.meshes[m].peers} + sc.meshes[m].clients;
  const uint64_t total = std::accumulate(weight.begin(), weight.end(), uint64_t{0});
  std::vector<uint64_t> share(weight.size());
  uint64_t given = 0;
  for (size_t m = 0; m < weight.size(); ++m) {
    share[m] = target * weight[m] / total;
    given += share[m];
  }
  std::vector<size_t> order(weight.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return target * weight[a] % total > target * weight[b] % total;
  });
  for (size_t k = 0; given < target; ++k, ++given) ++share[order[k]];
  // A mesh needs a node to exist: take it from the largest share (target >= meshes, so there is
  // always one with more than one).
  for (size_t m = 0; m < share.size(); ++m) {
    if (share[m] > 0) continue;
    const auto largest = std::max_element(share.begin(), share.end());
    --*largest;
    share[m] = 1;
  }
  Scenario out = sc;
  for (size_t m = 0; m < out.meshes.size(); ++m) {
    MeshSpec& spec = out.meshes[m];
    // Round half up to the original ratio of peers, keeping at least one peer.
    const uint64_t peers = (2 * share[m] * spec.peers + weight[m]) / (2 * weight[m]);
    spec.peers = static_cast<uint32_t>(std::clamp<uint64_t>(peers, 1, share[m]));
    spec.clients = static_cast<uint32_t>(share[m] - spec.peers);
    spec.exits = std::min(spec.exits, spec.peers);
  }
  return out;
}

}  // namespace smeg::sim
