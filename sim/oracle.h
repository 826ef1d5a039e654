// Oracles: safety and liveness invariants checked while a simulation runs, read-only.
//
// Every check interval (one heartbeat interval H of virtual time) the engine lets the oracle
// look at its nodes; at the end of the run it looks once more. Invariants:
//  - versions never go backwards: in a rotating sample of observers (a few at a time, so the
//    cost stays small at thousands of nodes), every record version of every mesh state is at
//    least the one seen at the previous check, unless a tombstone at least as new removed it;
//  - a live node never removes itself from its own view of a mesh;
//  - no route loop: every route a live node selected has a path without a repeated mesh
//    (counting the mesh it was selected in) and not longer than Params::max_path;
//  - leader agreement once quiet: the live peers of each mesh agree on one leader, the lowest
//    key among them. Quiet means no fault for (prune_epochs + 2) * H, and for two pullIntervals
//    more after a fault that can make live nodes remove each other (partition, clog, loss,
//    slow): the sides of such a cut find each other again only by pull probes (see
//    convergence_bound() in scenario.h for why it can take two);
//  - liveness after healing (at the end of a run whose last fault ended at least
//    convergence_bound() before): every live node's view of each mesh it is planned in equals
//    the planned live membership of that mesh (nodes that left are ignored).
// The oracle never draws randomness and never changes a node: a run's digest is the same with
// and without it. The pure check functions below are exposed for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/node.h"
#include "sim/scenario.h"

namespace smeg::sim {

class Simulation;

// Record versions of one mesh state, as seen by one observer at one check (key order).
using VersionSnapshot = std::vector<std::pair<PublicKey, uint64_t>>;
VersionSnapshot snapshot_versions(const MeshState& state);

// Names a node in messages (the engine: its index).
using NodeNamer = std::function<std::string(const PublicKey&)>;

// Problems of `now` against the earlier snapshot `before`.
std::vector<std::string> check_versions(const VersionSnapshot& before, const MeshState& now,
                                        const NodeNamer& name);
// The first problem of the routes selected in mesh `mesh_id`, if any.
std::optional<std::string> check_route_paths(std::string_view mesh_id,
                                             const std::vector<SelectedRoute>& routes,
                                             size_t max_path);
// peers: (a live peer, the leader it sees). They must agree, on the lowest of them.
std::optional<std::string> check_leaders(const std::vector<std::pair<PublicKey, PublicKey>>& peers,
                                         const NodeNamer& name);
// A view (keys, sorted) against the expected membership (keys, sorted).
std::optional<std::string> check_view(const std::vector<PublicKey>& expected,
                                      const std::vector<PublicKey>& view, const NodeNamer& name);

struct OracleOptions {
  bool enabled = true;
  uint32_t sample = 8;             // observers in the version sample at a time
  uint32_t rounds_per_sample = 4;  // checks before the sample moves on
  // Also compare every view with the planned membership at every quiet check, to report when
  // the run converged (O(nodes^2) per check: for small runs such as the swarm's).
  bool track_convergence = false;
};

struct Violation {
  int64_t at = 0;  // virtual time, microseconds
  uint32_t node = 0;
  std::string what;
};

class Oracle {
 public:
  static constexpr size_t kKept = 8;  // violations kept for the report (all are counted)

  Oracle(const Simulation& sim, const Scenario& scenario, OracleOptions options);

  // A periodic check at virtual time `now`; `fault_end`: when the last fault ended (or ends),
  // `split_end`: the same for faults that can make live nodes remove each other.
  void check(int64_t now, int64_t fault_end, int64_t split_end);
  // The end of the run: the periodic checks, then liveness after healing if it applies.
  void finish(int64_t now, int64_t fault_end, int64_t split_end);
  // Node i lost its state (a restart with a wipe): its old versions are no reference.
  void node_reset(uint32_t i);

  uint64_t violations() const { return count_; }
  const std::vector<Violation>& first_violations() const { return kept_; }
  // Whether finish() ran the liveness-after-healing check (the last fault ended early enough).
  bool convergence_checked() const { return convergence_checked_; }
  // With track_convergence: the first check time since which every view has matched the plan
  // and leaders agreed (-1: not converged at the last check).
  int64_t converged_since() const { return converged_since_; }

 private:
  void report(int64_t at, uint32_t node, std::string what);
  std::string name(const PublicKey& key) const;
  bool quiet(int64_t now, int64_t fault_end, int64_t split_end) const;
  void check_versions_sample(int64_t now);
  void check_self_and_routes(int64_t now);
  // Returns whether all agreed; reports problems only when `report_problems`.
  bool check_leaders_all(int64_t now, bool report_problems);
  bool check_views_all(int64_t now, bool report_problems);
  // Whether node i is planned in mesh `id` and still there (left nodes are not).
  bool expected_in(uint32_t i, const std::string& id) const;

  const Simulation& sim_;
  const Scenario& scenario_;
  OracleOptions options_;
  std::vector<std::pair<PublicKey, uint32_t>> key_index_;  // sorted by key
  std::vector<uint32_t> sample_;
  std::vector<std::map<std::string, VersionSnapshot>> snapshots_;  // per sample_ entry
  uint32_t cursor_ = 0;
  uint64_t rounds_ = 0;
  uint64_t count_ = 0;
  std::vector<Violation> kept_;
  bool convergence_checked_ = false;
  int64_t converged_since_ = -1;
};

}  // namespace smeg::sim
