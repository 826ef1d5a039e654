#include "ctl/graph.h"

#include <graphviz/cgraph.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

namespace smeg::ctl {
namespace {

namespace fs = std::filesystem;

const std::string kA = "AAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaa0=1";
const std::string kB = "BBBBbbbbBBBBbbbbBBBBbbbbBBBBbbbbBBBBbbbb0+2";
const std::string kC = "CCCCccccCCCCccccCCCCccccCCCCccccCCCCcccc0/3";
const std::string kD = "DDDDddddDDDDddddDDDDddddDDDDddddDDDDdddd004";
const std::string kE = "EEEEeeeeEEEEeeeeEEEEeeeeEEEEeeeeEEEEeeee005";

GraphNode peer(const std::string& key, const std::string& alias, const std::string& address) {
  GraphNode n;
  n.key = key;
  n.alias = alias;
  n.address = address;
  return n;
}

// alpha: alice (leader, this node, a bridge to beta), bob (exit), carol (client of alice),
// dave (dead). beta: alice again, and erin (leader); beta reaches ::/0 through alice.
GraphModel two_meshes() {
  GraphMesh alpha{"alpha", {}, {}};
  GraphNode alice = peer(kA, "alice", "fd01::a");
  alice.leader = true;
  alice.self = true;
  alice.services = {{"http", "8080"}};
  GraphNode bob = peer(kB, "bob", "fd01::b");
  bob.exit = true;
  bob.advertised = {"::/0"};
  GraphNode carol = peer(kC, "", "fd01::c");
  carol.role = "client";
  carol.attached_to = kA;
  GraphNode dave = peer(kD, "dave", "fd01::d");
  dave.alive = false;
  alpha.nodes = {alice, bob, carol, dave};
  alpha.routes = {{"::/0", {}, kB}};

  GraphMesh beta{"beta", {}, {}};
  GraphNode alice2 = peer(kA, "alice", "fd02::a");
  alice2.self = true;
  GraphNode erin = peer(kE, "erin", "fd02::e");
  erin.leader = true;
  beta.nodes = {alice2, erin};
  beta.routes = {{"::/0", {"alpha"}, kA}};
  return GraphModel{{alpha, beta}};
}

struct GraphClose {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using Graph = std::unique_ptr<Agraph_t, GraphClose>;

char* c(const std::string& s) { return const_cast<char*>(s.c_str()); }

std::string attr(void* object, const std::string& name) {
  const char* v = agget(object, c(name));
  return v == nullptr ? "" : v;
}

Agnode_t* node(Agraph_t* g, const std::string& name) { return agnode(g, c(name), 0); }

int count_nodes(Agraph_t* g) { return agnnodes(g); }

// Runs `dot -Tsvg` on the text; false (and a message) if it refuses it.
bool dot_program_accepts(const std::string& dot, std::string& why) {
  const fs::path dir = fs::temp_directory_path();
  const fs::path file = dir / ("smeg_graph_test_" + std::to_string(getpid()) + ".dot");
  std::ofstream(file) << dot;
  const std::string command = "dot -Tsvg " + file.string() + " -o /dev/null 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string output;
  char buffer[256];
  while (pipe && fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  const int rc = pipe ? pclose(pipe.release()) : -1;
  fs::remove(file);
  why = "dot said: " + output;
  return rc == 0 && output.empty();
}

bool have_dot_program() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

TEST(GraphDot, ParsesBackWithAClusterPerMeshAndTheStyles) {
  Result<std::string> dot = to_dot(two_meshes());
  ASSERT_TRUE(dot.is_ok()) << dot.status().to_string();
  Graph g(agmemread(dot->c_str()));
  ASSERT_TRUE(g) << *dot;

  EXPECT_EQ(agisundirected(g.get()), 1);
  EXPECT_NE(attr(g.get(), "label").find("those edges are not drawn"), std::string::npos);
  Agraph_t* alpha = agsubg(g.get(), c("cluster_alpha"), 0);
  Agraph_t* beta = agsubg(g.get(), c("cluster_beta"), 0);
  ASSERT_TRUE(alpha != nullptr && beta != nullptr) << *dot;
  EXPECT_EQ(attr(alpha, "label"), "alpha: 4 members, 3 alive");
  EXPECT_EQ(count_nodes(alpha), 4);
  EXPECT_EQ(count_nodes(beta), 2);
  EXPECT_EQ(count_nodes(g.get()), 4 + 2 + 1);  // and the ::/0 node

  Agnode_t* alice = node(alpha, "alpha/" + kA);
  ASSERT_NE(alice, nullptr) << *dot;
  EXPECT_EQ(attr(alice, "label"), "alice\\nfd01::a\\npeer leader (this node)\\nhttp = 8080");
  EXPECT_EQ(attr(alice, "fillcolor"), "gold");
  EXPECT_EQ(attr(alice, "penwidth"), "3");
  EXPECT_EQ(attr(alice, "shape"), "ellipse");
  EXPECT_EQ(attr(alice, "tooltip"), "key " + kA);

  Agnode_t* bob = node(alpha, "alpha/" + kB);
  Agnode_t* internet = node(g.get(), "::/0");
  ASSERT_TRUE(bob != nullptr && internet != nullptr) << *dot;
  EXPECT_EQ(attr(bob, "peripheries"), "2");
  EXPECT_EQ(attr(bob, "label"), "bob\\nfd01::b\\npeer exit\\nadvertises ::/0");
  Agedge_t* exit_edge = agedge(g.get(), bob, internet, nullptr, 0);
  ASSERT_NE(exit_edge, nullptr);
  EXPECT_EQ(attr(exit_edge, "style"), "");  // bob's own ::/0 route is not drawn a second time
  EXPECT_EQ(agdegree(g.get(), bob, 1, 1), 1);

  Agnode_t* carol = node(alpha, "alpha/" + kC);
  ASSERT_NE(carol, nullptr);
  EXPECT_EQ(attr(carol, "shape"), "box");
  EXPECT_EQ(attr(carol, "label"), "fd01::c\\nclient");  // the address when there is no alias
  EXPECT_NE(agedge(alpha, carol, alice, nullptr, 0), nullptr);

  Agnode_t* dave = node(alpha, "alpha/" + kD);
  ASSERT_NE(dave, nullptr);
  EXPECT_EQ(attr(dave, "fillcolor"), "#e8e8e8");
  EXPECT_EQ(attr(dave, "fontcolor"), "#999999");
  EXPECT_EQ(attr(dave, "label"), "dave\\nfd01::d\\npeer dead");

  Agnode_t* erin = node(beta, "beta/" + kE);
  ASSERT_NE(erin, nullptr);
  EXPECT_EQ(attr(erin, "fillcolor"), "gold");
  EXPECT_EQ(attr(erin, "penwidth"), "2");

  // alice is in both meshes: a dashed edge ties her copies; beta reaches ::/0 through her.
  Agnode_t* alice2 = node(beta, "beta/" + kA);
  ASSERT_NE(alice2, nullptr);
  Agedge_t* bridge = agedge(g.get(), alice, alice2, nullptr, 0);
  ASSERT_NE(bridge, nullptr) << *dot;
  EXPECT_EQ(attr(bridge, "style"), "dashed");
  EXPECT_EQ(attr(bridge, "color"), "#1f77b4");
  Agedge_t* route = agedge(g.get(), alice2, internet, nullptr, 0);
  ASSERT_NE(route, nullptr) << *dot;
  EXPECT_EQ(attr(route, "style"), "dotted");
  EXPECT_EQ(attr(route, "label"), "crosses alpha");
  // Peers are not linked to each other: the cluster says they are connected.
  EXPECT_EQ(agedge(g.get(), alice, bob, nullptr, 0), nullptr);
  EXPECT_EQ(agnedges(g.get()), 1 + 1 + 1 + 1);  // client, exit, bridge, route
}

TEST(GraphDot, TheDotProgramAcceptsIt) {
  if (!have_dot_program()) GTEST_SKIP() << "the dot program (package graphviz) is not installed";
  Result<std::string> dot = to_dot(two_meshes());
  ASSERT_TRUE(dot.is_ok());
  std::string why;
  EXPECT_TRUE(dot_program_accepts(*dot, why)) << why << "\n" << *dot;
}

TEST(GraphDot, ARouteThroughAKeyNotInTheViewGoesToANote) {
  GraphModel model = two_meshes();
  model.meshes[1].routes.push_back({"fd99::/48", {"gamma", "delta"}, "unknown-key"});
  Result<std::string> dot = to_dot(model);
  ASSERT_TRUE(dot.is_ok()) << dot.status().to_string();
  Graph g(agmemread(dot->c_str()));
  ASSERT_TRUE(g);
  Agnode_t* note = node(g.get(), "beta/routes");
  ASSERT_NE(note, nullptr) << *dot;
  EXPECT_EQ(attr(note, "shape"), "note");
  EXPECT_EQ(attr(note, "label"),
            "routes through nodes not in this view:\\lfd99::/48 via unknown-key, crossing gamma, "
            "delta\\l");
  EXPECT_EQ(node(g.get(), "fd99::/48"), nullptr);
}

TEST(GraphDot, AnEmptyModelIsAnEmptyGraph) {
  Result<std::string> dot = to_dot(GraphModel{});
  ASSERT_TRUE(dot.is_ok());
  Graph g(agmemread(dot->c_str()));
  ASSERT_TRUE(g) << *dot;
  EXPECT_EQ(count_nodes(g.get()), 0);
  EXPECT_NE(attr(g.get(), "label").find("smegmesh: 0 meshes"), std::string::npos);
}

// Strings that would end a quoted DOT string, open a new statement or be read as an escape.
TEST(GraphDot, HostileStringsStayInsideTheirLabels) {
  GraphMesh mesh{"m\"} evil [label=\"x", {}, {}};
  GraphNode a = peer(kA, "a\" ]; injected [shape=box]; \"", "fd01::a");
  a.services = {{"name\nwith {braces}", "ends in a backslash\\"},
                {"\\N \\G \\l", "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80 \xFF\xC3 end"},
                // overlong, a surrogate, beyond U+10FFFF, cut short
                {"utf8", "\xC0\x80|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x9C"}};
  GraphNode b = peer(kB, "back\\slash\\", "");
  b.advertised = {"fd00::/8\r\n}"};
  mesh.nodes = {a, b};
  mesh.routes = {{"::/0\\", {"x\"y"}, kB}};
  const GraphModel model{{mesh}};

  Result<std::string> dot = to_dot(model);
  ASSERT_TRUE(dot.is_ok()) << dot.status().to_string();
  Graph g(agmemread(dot->c_str()));
  ASSERT_TRUE(g) << *dot;
  EXPECT_EQ(count_nodes(g.get()), 3) << *dot;  // a, b and the route's destination
  EXPECT_EQ(node(g.get(), "injected"), nullptr);
  EXPECT_EQ(node(g.get(), "evil"), nullptr);
  Agraph_t* cluster = agsubg(g.get(), c("cluster_m\"} evil [label=\"x"), 0);
  ASSERT_NE(cluster, nullptr) << *dot;

  Agnode_t* na = node(g.get(), "m\"} evil [label=\"x/" + kA);
  ASSERT_NE(na, nullptr) << *dot;
  // Newlines are spaces; backslashes are doubled (shown, not read as escapes) and a trailing
  // one is followed by a space; invalid UTF-8 is U+FFFD, valid UTF-8 stays.
  EXPECT_EQ(attr(na, "label"),
            "a\" ]; injected [shape=box]; \"\\nfd01::a\\npeer\\n"
            "name with {braces} = ends in a backslash\\\\ \\n"
            "\\\\N \\\\G \\\\l = caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80 "
            "\xEF\xBF\xBD\xEF\xBF\xBD end\\n"
            "utf8 = \xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD");
  Agnode_t* nb = node(g.get(), "m\"} evil [label=\"x/" + kB);
  ASSERT_NE(nb, nullptr);
  EXPECT_EQ(attr(nb, "label"), "back\\\\slash\\\\ \\npeer\\nadvertises fd00::/8  }");
  EXPECT_NE(node(g.get(), "::/0\\\\ "), nullptr) << *dot;

  if (have_dot_program()) {
    std::string why;
    EXPECT_TRUE(dot_program_accepts(*dot, why)) << why << "\n" << *dot;
  }
  Result<std::vector<uint8_t>> svg = render(model, "svg");
  ASSERT_TRUE(svg.is_ok()) << svg.status().to_string();
  const std::string text(svg->begin(), svg->end());
  EXPECT_NE(text.find("a&quot; ]; injected [shape=box]; &quot;"), std::string::npos) << text;
  EXPECT_NE(text.find("back\\slash\\"), std::string::npos) << text;
  EXPECT_NE(text.find("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"), std::string::npos) << text;
}

TEST(GraphDot, AnInconsistentModelIsAnErrorNamingTheField) {
  struct Case {
    std::function<void(GraphModel&)> change;
    std::string message;
  };
  const Case cases[] = {
      {[](GraphModel& m) { m.meshes[1].id = ""; }, "mesh 1: no id"},
      {[](GraphModel& m) { m.meshes[1].id = "alpha"; }, "mesh \"alpha\" appears twice"},
      {[](GraphModel& m) { m.meshes[0].nodes[2].key = ""; }, "mesh \"alpha\": node 2: no key"},
      {[](GraphModel& m) { m.meshes[0].nodes[2].key = kA; },
       "mesh \"alpha\": node \"" + kA + "\" appears twice"},
      {[](GraphModel& m) { m.meshes[1].nodes[1].role = "relay"; },
       "mesh \"beta\": node \"" + kE + "\": role \"relay\" is neither peer nor client"},
      // "a/b" + "/" + "c" and "a" + "/" + "b/c" would be one graph node.
      {[](GraphModel& m) {
         m.meshes[0].id = "a/b";
         m.meshes[0].nodes[0].key = "c";
         m.meshes[1].id = "a";
         m.meshes[1].nodes[0].key = "b/c";
       },
       "mesh \"a\": node \"b/c\" would be drawn as graph node \"a/b/c\", a name already taken"},
      // Control characters are drawn as spaces.
      {[](GraphModel& m) {
         m.meshes[0].id = "a\tb";
         m.meshes[1].id = "a\nb";
       },
       "mesh \"a\nb\" would be drawn as cluster \"cluster_a b\", a name already taken"},
  };
  for (const Case& k : cases) {
    GraphModel model = two_meshes();
    k.change(model);
    Result<std::string> dot = to_dot(model);
    ASSERT_FALSE(dot.is_ok()) << k.message;
    EXPECT_EQ(dot.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(dot.status().message(), k.message);
    Result<std::vector<uint8_t>> svg = render(model, "svg");
    ASSERT_FALSE(svg.is_ok());
    EXPECT_EQ(svg.status().message(), k.message);
  }
}

// Every mix of backslashes, quotes and spaces, short and long (cgraph wraps long strings with
// backslash-newline), reads back as the label it was written as.
TEST(GraphDot, BackslashesAndQuotesRoundTripAtAnyLength) {
  for (const std::string unit : {"\\", "\"", "\\\"", "a\\", "\" ", "\\ ", " \\"}) {
    for (size_t length : {1u, 2u, 3u, 77u, 78u, 79u, 80u, 81u, 127u, 128u, 129u, 300u}) {
      std::string alias;
      while (alias.size() < length) alias += unit;
      GraphModel model{{GraphMesh{"m", {peer("k", alias, "")}, {}}}};
      Result<std::string> dot = to_dot(model);
      ASSERT_TRUE(dot.is_ok());
      Graph g(agmemread(dot->c_str()));
      ASSERT_TRUE(g) << *dot;
      std::string shown;
      for (char ch : alias) shown += ch == '\\' ? "\\\\" : std::string(1, ch);
      if (shown.back() == '\\') shown += ' ';
      EXPECT_EQ(attr(node(g.get(), "m/k"), "label"), shown + "\\npeer") << *dot;
    }
  }
}

TEST(GraphRender, SvgIsAnSvgDocumentWithTheLabels) {
  Result<std::vector<uint8_t>> svg = render(two_meshes(), "svg");
  ASSERT_TRUE(svg.is_ok()) << svg.status().to_string();
  const std::string text(svg->begin(), svg->end());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find(">alice</text>"), std::string::npos);
  EXPECT_NE(text.find(">crosses alpha</text>"), std::string::npos);
}

TEST(GraphRender, PngStartsWithThePngSignature) {
  Result<std::vector<uint8_t>> png = render(two_meshes(), "png");
  if (!png.is_ok() && png.status().code() == Status::Code::kUnsupported) {
    EXPECT_NE(png.status().message().find("cairo plugin"), std::string::npos);
    GTEST_SKIP() << png.status().to_string();
  }
  ASSERT_TRUE(png.is_ok()) << png.status().to_string();
  const std::vector<uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  ASSERT_GT(png->size(), signature.size());
  EXPECT_TRUE(std::equal(signature.begin(), signature.end(), png->begin()));
}

TEST(GraphRender, DotIsLaidOut) {
  Result<std::vector<uint8_t>> dot = render(two_meshes(), "dot");
  ASSERT_TRUE(dot.is_ok()) << dot.status().to_string();
  const std::string text(dot->begin(), dot->end());
  Graph g(agmemread(text.c_str()));
  ASSERT_TRUE(g) << text;
  EXPECT_FALSE(attr(g.get(), "bb").empty()) << text;
  EXPECT_FALSE(attr(node(g.get(), "alpha/" + kA), "pos").empty()) << text;
  EXPECT_EQ(agnnodes(g.get()), 7);
}

TEST(GraphRender, AnEmptyModelRenders) {
  for (const char* format : {"dot", "svg", "png"}) {
    Result<std::vector<uint8_t>> out = render(GraphModel{}, format);
    if (!out.is_ok() && out.status().code() == Status::Code::kUnsupported) continue;  // no cairo
    ASSERT_TRUE(out.is_ok()) << format << ": " << out.status().to_string();
    EXPECT_FALSE(out->empty()) << format;
  }
}

TEST(GraphRender, AnUnknownFormatIsAnErrorNamingIt) {
  for (const char* format : {"jpeg", "", "SVG", "svg:cairo"}) {
    Result<std::vector<uint8_t>> out = render(two_meshes(), format);
    ASSERT_FALSE(out.is_ok()) << format;
    EXPECT_EQ(out.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(out.status().message(),
              "graph format \"" + std::string(format) + "\" is not one of dot, svg, png");
  }
}

// A copy of Graphviz's plugin directory with only the plugins whose library name holds one of
// `keep`, for GVBINDIR; empty if this Graphviz has no config6a to copy.
fs::path plugins_with_only(const std::vector<std::string>& keep, const std::string& what) {
  const fs::path real = SMEG_GRAPHVIZ_PLUGINS;
  std::ifstream config(real / "config6a");
  if (!config) return {};
  const fs::path dir =
      fs::temp_directory_path() /
      ("smeg_graphviz_" + what + "_" +
       std::to_string(std::hash<std::string>{}(fs::read_symlink("/proc/self/exe").string())));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream out(dir / "config6a");
  bool kept = false;
  for (std::string line; std::getline(config, line);) {
    if (line.rfind("lib", 0) == 0) {  // "libgvplugin_core.so.6 core {": a plugin library
      const std::string library = line.substr(0, line.find(' '));
      kept = false;
      for (const std::string& k : keep) kept = kept || library.find(k) != std::string::npos;
      if (kept) fs::create_symlink(real / library, dir / library);
    }
    if (kept) out << line << "\n";
  }
  return dir;
}

// GVBINDIR is read once per process, so each case runs in a fresh one (a threadsafe death test).
TEST(GraphRenderDeathTest, AMissingPluginIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path without_cairo = plugins_with_only({"_core.", "_dot_layout."}, "no_cairo");
  if (without_cairo.empty()) GTEST_SKIP() << "no config6a in " << SMEG_GRAPHVIZ_PLUGINS;
  EXPECT_EXIT(
      {
        setenv("GVBINDIR", without_cairo.c_str(), 1);
        Result<std::vector<uint8_t>> svg = render(two_meshes(), "svg");
        Result<std::vector<uint8_t>> png = render(two_meshes(), "png");
        std::fprintf(stderr, "%s\n", png.status().to_string().c_str());
        std::exit(svg.is_ok() && png.status().code() == Status::Code::kUnsupported ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "unsupported: Graphviz cannot write png .Error: renderer for png is unavailable.: the cairo "
      "plugin .libgvplugin_pango. or the gd "
      "plugin .libgvplugin_gd.; Debian ships both in package libgvc6 is missing");
  fs::remove_all(without_cairo);

  const fs::path without_layout = plugins_with_only({"_core."}, "no_layout");
  EXPECT_EXIT(
      {
        setenv("GVBINDIR", without_layout.c_str(), 1);
        Result<std::vector<uint8_t>> svg = render(two_meshes(), "svg");
        std::fprintf(stderr, "%s\n", svg.status().to_string().c_str());
        std::exit(svg.status().code() == Status::Code::kUnsupported ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "unsupported: Graphviz has no dot layout: the dot_layout plugin .libgvplugin_dot_layout, "
      "in Debian package libgvc6. is missing");
  fs::remove_all(without_layout);
}

}  // namespace
}  // namespace smeg::ctl
