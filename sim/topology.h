// Topology snapshots of a running simulation as Graphviz DOT (smegsim --out: topology-*.dot):
// one cluster per mesh, drawn from the view of one live observer in it, with the engine's
// knowledge of who is really alive on top (members crashed but still in the view are grey).
#pragma once

#include <string>
#include <string_view>

#include "sim/engine.h"

namespace smeg::sim {

// The snapshot as an undirected DOT graph. `what` says when it was taken ("start", "before fault
// 2 (crash)") and goes into the graph's label with the scenario, seed and virtual time.
//
// Per mesh, the observer is the lowest-indexed live node that is a full member. Each member of
// its view is a node "MESH/INDEX" labelled with the index and role; peers are ellipses, clients
// boxes, exits double-bordered, the leader gold. Edges: client -- the peer it attaches to, and
// dashed edges between the copies of a node that is in several meshes (a bridge). Peers of a
// mesh are all connected by WireGuard; those N^2 edges are left out on purpose.
std::string topology_dot(const Simulation& sim, std::string_view what);

// A DOT double-quoted string (quotes, backslashes and line breaks escaped).
std::string dot_quote(std::string_view text);

}  // namespace smeg::sim
