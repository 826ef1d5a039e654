#include "sim/topology.h"

#include <gtest/gtest.h>

namespace smeg::sim {
namespace {

size_t count(const std::string& s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Braces outside quoted strings balance and never close more than they opened.
bool balanced(const std::string& dot) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < dot.size(); ++i) {
    const char c = dot[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth < 0) {
      return false;
    }
  }
  return depth == 0 && !quoted;
}

// Two meshes, clients, an exit and a bridge node; one peer crashes at 8 s.
constexpr std::string_view kTwoMeshes = R"(name: topo "two"
seed: 3
duration: 20s
network: {latency: {min: 5ms, mean: 10ms}}
params: {heartbeatInterval: 1s, syncInterval: 200ms, pullInterval: 5s}
meshes:
  - {id: alpha, peers: 5, clients: 3, exits: 1}
  - {id: beta, peers: 4}
bridges: [{meshes: [alpha, beta], count: 1}]
faults:
  - {at: 8s, crash: {count: 1}}
)";

TEST(Topology, ClustersRolesAttachmentsAndBridges) {
  auto sc = parse_scenario(kTwoMeshes, "two.yaml");
  ASSERT_TRUE(sc.is_ok()) << sc.status().message();
  Simulation sim(*sc, 3);
  std::string before;
  sim.set_hook([&](const Simulation& s, std::optional<size_t> fault) {
    if (fault) before = topology_dot(s, "before fault 0 (crash)");
  });
  sim.run_until(7'000'000);
  const std::string dot = topology_dot(sim, "formed");
  EXPECT_TRUE(balanced(dot)) << dot;
  EXPECT_EQ(dot.rfind("//", 0), 0u);
  EXPECT_NE(dot.find("N^2"), std::string::npos);  // says why peer edges are missing
  EXPECT_EQ(count(dot, "subgraph \"cluster_"), 2u);
  EXPECT_NE(dot.find("subgraph \"cluster_alpha\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"topo \\\"two\\\", seed 3, t = 7.000 s: formed\""), std::string::npos);
  // alpha: 5 peers + 3 clients + the bridge; beta: 4 peers + the bridge.
  EXPECT_EQ(count(dot, "\"alpha/"), 9u + 2 * 3u + 1u);  // nodes, client edges, bridge edge
  EXPECT_EQ(count(dot, "shape=box"), 3u);               // the clients
  EXPECT_EQ(count(dot, "peripheries=2"), 1u);           // the exit
  EXPECT_EQ(count(dot, "fillcolor=gold"), 2u);          // one leader per mesh
  EXPECT_EQ(count(dot, "\" -- \""), 3u + 1u);           // client -- peer, and the bridge copies
  EXPECT_EQ(count(dot, "style=dashed"), 1u);
  EXPECT_NE(dot.find("\"alpha/12\" -- \"beta/12\""), std::string::npos);  // node 12: the bridge
  EXPECT_EQ(count(dot, "crashed"), 0u);

  // Just before the crash nobody is down; right after it the victim is still in views, grey.
  sim.run_until(8'100'000);
  EXPECT_EQ(count(before, "crashed"), 0u);
  EXPECT_NE(before.find("before fault 0 (crash)"), std::string::npos);
  const std::string after = topology_dot(sim, "after");
  EXPECT_TRUE(balanced(after));
  EXPECT_GE(count(after, "crashed\""), 1u);
  EXPECT_GE(count(after, "fillcolor=\"#e8e8e8\""), 1u);
}

TEST(Topology, DotQuoteEscapes) {
  EXPECT_EQ(dot_quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(dot_quote(""), "\"\"");
}

}  // namespace
}  // namespace smeg::sim
