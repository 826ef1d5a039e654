#include "sim/topology.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "core/graph_style.h"

namespace smeg::sim {
namespace {

// The shared drawing conventions (core/graph_style.h) as "name=value, ...", a value quoted only
// when it is not a plain word.
std::string dot_attributes(std::span<const DotAttribute> attributes) {
  std::string out;
  for (const DotAttribute& a : attributes) {
    if (!out.empty()) out += ", ";
    const bool plain = !a.value.empty() && std::all_of(a.value.begin(), a.value.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0;
    });
    out += std::string(a.name) + "=" + (plain ? std::string(a.value) : dot_quote(a.value));
  }
  return out;
}

std::string node_id(const std::string& mesh, uint32_t index) {
  return dot_quote(mesh + "/" + std::to_string(index));
}

// The lowest-indexed live node that is a full member of the mesh (not still joining).
const Mesh* observer_of(const Simulation& sim, const std::string& mesh, uint32_t& index) {
  for (uint32_t i = 0; i < sim.node_count(); ++i) {
    if (!sim.alive(i)) continue;
    const Mesh* m = sim.node(i).mesh(mesh);
    if (m && !m->joining()) {
      index = i;
      return m;
    }
  }
  return nullptr;
}

// An exit originates ::/0; a bridge re-advertising another mesh's exit (non-empty path) is not one.
bool is_exit(const NodeRecord& r) {
  return std::any_of(r.routes.begin(), r.routes.end(), [](const Route& route) {
    return route.prefix.len == 0 && route.path.empty();
  });
}

}  // namespace

std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out + "\"";
}

std::string topology_dot(const Simulation& sim, std::string_view what) {
  // Keys to node indices, once per snapshot.
  std::vector<std::pair<PublicKey, uint32_t>> keys;
  keys.reserve(sim.node_count());
  for (uint32_t i = 0; i < sim.node_count(); ++i) keys.emplace_back(sim.node(i).public_key(), i);
  std::sort(keys.begin(), keys.end());
  auto index_of = [&](const PublicKey& k, uint32_t& i) {
    auto it = std::lower_bound(keys.begin(), keys.end(), k,
                               [](const auto& e, const PublicKey& key) { return e.first < key; });
    if (it == keys.end() || it->first != k) return false;
    i = it->second;
    return true;
  };

  const Scenario& sc = sim.scenario();
  char when[64];
  std::snprintf(when, sizeof when, "seed %" PRIu64 ", t = %.3f s", sim.seed(),
                static_cast<double>(sim.now()) / 1e6);
  std::string dot =
      "// Topology of a smegsim run (" + std::string(what) + "), one cluster per mesh.\n";
  dot +=
      "// Peers of a mesh are all connected to each other by WireGuard: those N^2 edges are not\n"
      "// drawn. Edges: client -- the peer it attaches to; dashed: one bridge node's copies.\n";
  dot += "graph \"smegmesh\" {\n";
  dot += "  label=" + dot_quote(sc.name + ", " + when + ": " + std::string(what)) +
         "; labelloc=t; fontsize=16;\n";
  dot += "  node [fontsize=10];\n";

  std::map<uint32_t, std::vector<std::string>> copies;  // node index -> meshes it appears in
  for (size_t c = 0; c < sc.meshes.size(); ++c) {
    const std::string& id = sc.meshes[c].id;
    uint32_t observer = 0;
    const Mesh* m = observer_of(sim, id, observer);
    dot += "  subgraph " + dot_quote("cluster_" + id) + " {\n";
    if (!m) {
      dot += "    label=" + dot_quote(id + ": no live member") + ";\n";
      dot += "    " + dot_quote(id + "/none") + " [shape=plaintext, label=\"no live member\"];\n";
      dot += "  }\n";
      continue;
    }
    const std::vector<RecordRef> members = m->live_members();
    dot += "    label=" +
           dot_quote(id + ": view of node " + std::to_string(observer) + ", " +
                     std::to_string(members.size()) + " members") +
           ";\n";
    std::vector<std::pair<uint32_t, const NodeRecord*>> view;  // by node index
    for (const RecordRef& r : members) {
      uint32_t i = 0;
      if (index_of(r->key, i)) view.emplace_back(i, r.get());
    }
    std::sort(view.begin(), view.end());
    auto in_view = [&](uint32_t i) {
      return std::binary_search(view.begin(), view.end(),
                                std::pair<uint32_t, const NodeRecord*>{i, nullptr},
                                [](const auto& a, const auto& b) { return a.first < b.first; });
    };
    std::string edges;
    for (const auto& [i, r] : view) {
      const bool leader = r->key == m->leader();
      const bool exit = is_exit(*r);
      std::string label = std::to_string(i) + "\\n" + role_name(r->role);
      if (exit) label += " exit";
      if (leader) label += " leader";
      if (!sim.alive(i)) label += " crashed";
      dot += "    " + node_id(id, i) + " [label=\"" + label +
             "\", shape=" + std::string(r->role == Role::kClient ? kClientShape : kPeerShape);
      if (exit) dot += ", peripheries=" + std::string(kExitPeripheries);
      if (!sim.alive(i)) {
        dot += ", " + dot_attributes(kDeadStyle);
      } else if (leader) {
        dot += ", " + dot_attributes(kLeaderStyle);
      }
      dot += "];\n";
      copies[i].push_back(id);
      if (r->role != Role::kClient) continue;
      // The peer the client published; if none yet, the one this view would attach it to.
      PublicKey peer = r->attached_to;
      if (peer.is_zero()) peer = m->attached_peer(r->key).value_or(PublicKey{});
      uint32_t p = 0;
      if (!peer.is_zero() && index_of(peer, p) && in_view(p))
        edges += "    " + node_id(id, i) + " -- " + node_id(id, p) + ";\n";
    }
    dot += edges + "  }\n";
  }
  // A node in several meshes is drawn in each cluster; a chain of dashed edges ties its copies.
  for (const auto& [i, meshes] : copies) {
    for (size_t k = 1; k < meshes.size(); ++k) {
      dot += "  " + node_id(meshes[k - 1], i) + " -- " + node_id(meshes[k], i) + " [" +
             dot_attributes(kBridgeStyle) + "];\n";
    }
  }
  return dot + "}\n";
}

}  // namespace smeg::sim
