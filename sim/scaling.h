// Scaling a scenario to another size (smegsim --nodes N): the same meshes, bridges, faults and
// bounds, with the planned node counts scaled so that one scenario file serves as a small CI run
// and as a large measurement.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "sim/scenario.h"

namespace smeg::sim {

// The nodes a scenario plans from the start: peers and clients of every mesh plus bridge nodes
// (join-fault spares come on top of these).
uint64_t planned_nodes(const Scenario& sc);

// The largest --nodes accepted: node indices are 32-bit, and a run that large would not fit in
// memory long before.
constexpr uint32_t kMaxScaledNodes = uint32_t{1} << 24;

// Scales the planned nodes to exactly `nodes`: bridges stay as written; the rest is shared among
// the meshes in proportion to their size (largest remainder, at least one node each), and each
// mesh keeps its ratio of peers to clients (rounded, at least one peer). Exits stay as written
// but never exceed the mesh's peers; join-fault spares and every other fault stay as written.
// Errors (0, more than kMaxScaledNodes, fewer than one per mesh plus the bridge nodes) name
// --nodes.
Result<Scenario> scale_scenario(const Scenario& sc, uint32_t nodes);

}  // namespace smeg::sim
