// The mesh graph of smegctl (`get-graph` prints it as DOT; `graph --format` renders it): every
// mesh this node is in, built with Graphviz's cgraph from a model of its own, so nothing here
// depends on the daemon. A cluster per mesh; a node per member, drawn as smegsim draws its
// snapshots (core/graph_style.h); clients linked to their peer, exits to a `::/0` node, the
// copies of a node that is in several meshes tied by dashed edges, routes as dotted edges to
// the prefix they reach. Peer-to-peer edges are left out on purpose (a full mesh of N^2 edges
// is unreadable); the graph's label says so.
//
// Every string of the model reaches the DOT through cgraph's attribute setting, after control
// characters and invalid UTF-8 are replaced and backslashes escaped, so no alias, service or id
// can change the graph's structure. Not thread-safe: Graphviz keeps global state (its error
// handler, its plugin directory, and render's one context for the process, freed at exit), so
// call these from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace smeg::ctl {

// One member of a mesh as one node sees it.
struct GraphNode {
  std::string key;  // base64 public key: the identity across meshes (required, unique per mesh)
  std::string alias;
  std::string address;
  std::string role = "peer";  // "peer" or "client"
  std::string attached_to;    // a client's peer (its key); empty if not attached yet
  bool leader = false;
  bool exit = false;                    // originates ::/0
  bool self = false;                    // the node whose view this is
  bool alive = true;                    // false: known down, still in the view
  std::vector<std::string> advertised;  // prefixes, e.g. "fd12::/48"
  std::vector<std::pair<std::string, std::string>> services;  // name, value
};

// A destination the mesh reaches through one of its members.
struct GraphRoute {
  std::string prefix;             // e.g. "::/0"
  std::vector<std::string> path;  // the meshes crossed, nearest first
  std::string via_key;            // the member that re-advertises it
};

struct GraphMesh {
  std::string id;  // required, unique in the model
  std::vector<GraphNode> nodes;
  std::vector<GraphRoute> routes;
};

struct GraphModel {
  std::vector<GraphMesh> meshes;
};

// The model as an undirected DOT graph (what `get-graph` prints). An error names the mesh and
// the field when the model is inconsistent (empty or repeated mesh id or key, unknown role).
Result<std::string> to_dot(const GraphModel& model);

// The model laid out by Graphviz's dot and rendered as `format`: "dot" (DOT with positions),
// "svg" or "png". An unknown format is an error naming it; so is a Graphviz without the plugin
// the format needs (the error names the plugin and the package that ships it).
Result<std::vector<uint8_t>> render(const GraphModel& model, std::string_view format);

}  // namespace smeg::ctl
