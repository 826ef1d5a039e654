// A simulator scenario (scenarios/*.yaml): the network, the protocol parameters, the meshes, the
// faults to inject and the bounds the run must meet. Plain data; the loader validates everything
// up front so the engine can trust it, and reports each problem as "FILE:LINE: KEY: what".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/duration.h"  // parse_duration, which scenarios use for every duration
#include "core/params.h"
#include "core/status.h"

namespace smeg::sim {

// One-way latency: `min` plus a random tail, so that the mean latency is `mean` (e.g. min 20ms,
// mean 50ms: a typical message takes 20-80 ms). An absent mean means no tail.
struct LatencyModel {
  Duration min{0};
  Duration mean{0};  // >= min
};

struct NetworkModel {
  LatencyModel latency;
  double loss = 0.0;       // chance a message is dropped, in [0, 1)
  double duplicate = 0.0;  // chance a message is delivered twice
  double reorder = 0.0;    // chance a message is held back behind later ones
};

struct MeshSpec {
  std::string id;
  uint32_t peers = 0;
  uint32_t clients = 0;
  uint32_t exits = 0;  // peers advertising ::/0
};

// `count` extra nodes that are members of every listed mesh and advertise routes between them.
struct BridgeSpec {
  std::vector<std::string> meshes;
  uint32_t count = 1;
};

// ---- Faults: one struct per kind, keyed in YAML by the kind's name. ----

struct CrashFault {
  // `who: leader` (of the first mesh), `who: exit` (a random live node advertising ::/0),
  // `fraction` or `count` of the live nodes.
  enum class Target { kLeader, kExit, kFraction, kCount };
  Target target = Target::kLeader;
  double fraction = 0.0;
  uint32_t count = 0;
};

// Restarts this fraction of the nodes crashed so far; `wipe` loses their state.
struct RestartFault {
  double fraction = 1.0;
  bool wipe = false;
};

// Splits the live nodes into groups of these sizes (fractions summing to 1) for a while.
struct PartitionFault {
  std::vector<double> groups;
  Duration length{0};    // YAML `for`
  bool one_way = false;  // messages still flow from lower-numbered groups to higher ones
};

struct JoinFault {
  std::string mesh;
  uint32_t count = 0;
};

struct LeaveFault {
  std::string mesh;
  uint32_t count = 0;
};

// Raises the loss of every link to `value` for a while.
struct LossFault {
  double value = 0.0;
  Duration length{0};
};

// Clogs every link of this fraction of the nodes (messages queue, then flow) for a while.
struct ClogFault {
  double fraction = 0.0;
  Duration length{0};
};

// Which live nodes a node fault hits: `count` of them if set, else this fraction.
struct NodePick {
  double fraction = 0.0;
  uint32_t count = 0;
};

// From now on the picked nodes' clocks read `offset` ahead (negative: behind; see sim/clock.h
// for how a clock goes back without stepping back).
struct SkewFault {
  NodePick who;
  Duration offset{0};
};

// From now on the picked nodes' clocks run at `rate` times real time (0.9 to 1.1).
struct DriftFault {
  NodePick who;
  double rate = 1.0;
};

// The picked nodes handle every input (message, timer) `delay` late, in arrival order, for a
// while: slow, not crashed.
struct SlowFault {
  NodePick who;
  Duration delay{0};
  Duration length{0};  // YAML `for`
};

using FaultAction = std::variant<CrashFault, RestartFault, PartitionFault, JoinFault, LeaveFault,
                                 LossFault, ClogFault, SkewFault, DriftFault, SlowFault>;

struct Fault {
  Duration at{0};
  FaultAction action;
  int line = 0;  // where the fault is written, for the engine's own messages
};

// The YAML key of a fault's kind: "crash", "restart", ...
std::string_view fault_kind(const FaultAction& action);

// Bounds checked at the end of a run; an absent bound is not checked.
struct Expectations {
  std::optional<Duration> failure_convergence_p99;
  std::optional<Duration> failure_convergence_max;
  std::optional<Duration> join_dissemination_p99;
  std::optional<uint64_t> false_prunes;
  std::optional<double> control_bytes_per_node_per_second;
  // Liveness after healing (sim/oracle.h): at the end of a run whose last fault ended at least
  // this long before, every live node's view equals the planned live membership. Absent: the
  // default, (pruneEpochs + 3) * heartbeatInterval + 2 * pullInterval.
  std::optional<Duration> converge_within;
};

// How the meshes come to be at the start of a run.
enum class Formation {
  // Every node resumes at t = 0 from one image of its formed mesh (Node::resume_mesh): each
  // member's record with its slot, and one epoch in which everyone was alive. Costs O(members)
  // per node instead of a snapshot transfer per joiner; joins are measured with join faults.
  kImage,
  // The first peer of each mesh creates it; everyone else joins through a random started peer,
  // one every millisecond, as real nodes would.
  kJoins,
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  Duration duration{0};
  Formation formation = Formation::kImage;
  NetworkModel network;
  Params params;
  std::vector<MeshSpec> meshes;
  std::vector<BridgeSpec> bridges;
  std::vector<Fault> faults;  // sorted by `at`, file order among equal times
  Expectations expect;
};

// The bound of the liveness-after-healing check for a scenario (its own or the default): the
// pruning of a dead node (prune_epochs + 1 epochs), one more epoch for its tombstone and the
// leader's to settle, one for slack, and two pull rounds for a healed cut: one for the two sides
// to find each other, and one for a node that then merges the tombstones of every member it
// knew (each side pruned the other) and is left alone with nobody to gossip to until its next
// pull round probes a departed member (seen in swarm runs).
Duration convergence_bound(const Scenario& sc);

// Parses and validates a scenario; `source_name` prefixes every error message.
Result<Scenario> parse_scenario(std::string_view yaml, const std::string& source_name);

Result<Scenario> load_scenario_file(const std::string& path);

// The scenario in the loader's format: parse_scenario() of the text gives back an equal
// scenario (every value written exactly), so it replays the same run.
std::string scenario_to_yaml(const Scenario& sc);

}  // namespace smeg::sim
