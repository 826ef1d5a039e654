// How smegmesh draws meshes with Graphviz, so that smegsim's topology snapshots
// (sim/topology.cc, DOT written by hand) and smegctl's graph (ctl/graph.cc, built with cgraph)
// read the same: peers are ellipses and clients boxes, an exit has a double border, the leader
// is filled gold, a dead member is grey, and the copies of a node in several meshes (a bridge)
// are tied by dashed blue edges. Plain strings only: nothing here depends on Graphviz.
#pragma once

#include <string_view>

namespace smeg {

// One DOT attribute, name = value.
struct DotAttribute {
  std::string_view name;
  std::string_view value;
};

inline constexpr std::string_view kPeerShape = "ellipse";
inline constexpr std::string_view kClientShape = "box";
// An exit (it originates ::/0) is drawn with this many borders.
inline constexpr std::string_view kExitPeripheries = "2";

// A member that is known to be down but is still in the view.
inline constexpr DotAttribute kDeadStyle[] = {
    {"color", "#999999"}, {"fontcolor", "#999999"}, {"style", "filled"}, {"fillcolor", "#e8e8e8"}};
// The leader (when alive: a dead one is drawn grey).
inline constexpr DotAttribute kLeaderStyle[] = {
    {"style", "filled"}, {"fillcolor", "gold"}, {"penwidth", "2"}};
// The edges between the copies of one node in several meshes.
inline constexpr DotAttribute kBridgeStyle[] = {{"style", "dashed"}, {"color", "#1f77b4"}};

}  // namespace smeg
