#include "ctl/graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <span>

#include "core/graph_style.h"

namespace smeg::ctl {
namespace {

constexpr std::string_view kLegend =
    "Peers of a mesh are all connected by WireGuard: those edges are not drawn.\\n"
    "Edges: client -- its peer; dashed: one node in several meshes (a bridge);\\n"
    "exit -- ::/0; dotted: a route, labelled with the meshes it crosses.";

// cgraph takes char* for strings it only reads (it copies them into its own string pool).
char* c(const char* s) { return const_cast<char*>(s); }
char* c(const std::string& s) { return const_cast<char*>(s.c_str()); }

// A string of the model as DOT text for cgraph. Control characters become spaces and invalid
// UTF-8 becomes U+FFFD (Graphviz would read the whole label as Latin-1 instead).
// Backslashes are doubled, so a label shows them instead of reading "\N" or "\l" as escapes;
// and the text never ends in a backslash, which cgraph 2.42 would write as `"...\"`, an
// unterminated string.
std::string printable(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7F) {
        out += ' ';
      } else if (b == '\\') {
        out += "\\\\";
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    // A 2- to 4-byte sequence, well formed and not overlong, not a surrogate, up to U+10FFFF.
    const size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    bool valid = len != 0 && i + len <= text.size();
    uint32_t cp = b & (0x7Fu >> len);
    for (size_t k = 1; valid && k < len; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      valid = (cont & 0xC0) == 0x80;
      cp = (cp << 6) | (cont & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && cp >= kSmallest[len] && (cp < 0xD800 || cp > 0xDFFF) && cp <= 0x10FFFF;
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    }
  }
  if (!out.empty() && out.back() == '\\') out += ' ';
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += separator;
    out += printable(p);
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

struct GraphClose {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using Graph = std::unique_ptr<Agraph_t, GraphClose>;

int append_to_string(void* chan, const char* str) {
  static_cast<std::string*>(chan)->append(str);
  return 0;
}
int no_flush(void*) { return 0; }

// cgraph's default disciplines, except that agwrite appends to a std::string (its channel).
Agdisc_t* memory_discipline() {
  static Agiodisc_t io = [] {
    Agiodisc_t d = AgIoDisc;
    d.putstr = append_to_string;
    d.flush = no_flush;
    return d;
  }();
  static Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &io};
  return &disc;
}

void set(void* object, const char* name, const std::string& value) {
  agsafeset(object, c(name), c(value), c(""));
}

void set(void* object, std::span<const DotAttribute> attributes) {
  for (const DotAttribute& a : attributes) {
    set(object, std::string(a.name).c_str(), std::string(a.value));
  }
}

// Builds the graph of a validated model. Graph node names: "<mesh>/<key>" for a member, the
// prefix for a route's destination; a name the model makes twice is an error, never a merge.
class GraphBuilder {
 public:
  Result<Graph> build(const GraphModel& model);

 private:
  Result<Agnode_t*> new_node(Agraph_t* parent, const std::string& name, std::string_view what);
  Result<Agnode_t*> prefix_node(const std::string& prefix);
  Status add_mesh(const GraphMesh& mesh);
  static std::string label_of(const GraphNode& n);

  Graph graph_;
  std::map<std::string, Agnode_t*> prefixes_;             // by printable prefix
  std::map<std::string, std::vector<Agnode_t*>> copies_;  // by key, in mesh order
};

Result<Agnode_t*> GraphBuilder::new_node(Agraph_t* parent, const std::string& name,
                                         std::string_view what) {
  if (agnode(graph_.get(), c(name), 0) != nullptr) {
    return Status::invalid_argument(std::string(what) + " would be drawn as graph node " +
                                    quoted(name) + ", a name already taken");
  }
  Agnode_t* n = agnode(parent, c(name), 1);
  if (n == nullptr) return Status::io_error("cgraph: agnode failed for " + quoted(name));
  return n;
}

Result<Agnode_t*> GraphBuilder::prefix_node(const std::string& prefix) {
  const std::string name = printable(prefix);
  if (auto it = prefixes_.find(name); it != prefixes_.end()) return it->second;
  Result<Agnode_t*> n = new_node(graph_.get(), name, "prefix " + quoted(prefix));
  if (!n) return n;
  set(*n, "shape", "plaintext");
  set(*n, "label", name);
  prefixes_.emplace(name, *n);
  return n;
}

std::string GraphBuilder::label_of(const GraphNode& n) {
  std::vector<std::string> lines;
  if (!n.alias.empty()) {
    lines.push_back(printable(n.alias));
    if (!n.address.empty()) lines.push_back(printable(n.address));
  } else if (!n.address.empty()) {
    lines.push_back(printable(n.address));
  } else {
    lines.push_back(printable(n.key.substr(0, 8)) + "...");
  }
  std::string roles = n.role;
  if (n.exit) roles += " exit";
  if (n.leader) roles += " leader";
  if (!n.alive) roles += " dead";
  if (n.self) roles += " (this node)";
  lines.push_back(roles);
  if (!n.advertised.empty()) lines.push_back("advertises " + join(n.advertised, ", "));
  for (const auto& [name, value] : n.services) {
    lines.push_back(printable(name) + " = " + printable(value));
  }
  std::string label;
  for (const std::string& line : lines) label += (label.empty() ? "" : "\\n") + line;
  return label;
}

Status GraphBuilder::add_mesh(const GraphMesh& mesh) {
  const std::string id = printable(mesh.id);
  const std::string name = "cluster_" + id;
  if (agsubg(graph_.get(), c(name), 0) != nullptr) {
    return Status::invalid_argument("mesh " + quoted(mesh.id) + " would be drawn as cluster " +
                                    quoted(name) + ", a name already taken");
  }
  Agraph_t* cluster = agsubg(graph_.get(), c(name), 1);
  if (cluster == nullptr) return Status::io_error("cgraph: agsubg failed for mesh " + quoted(id));
  size_t alive = 0;
  for (const GraphNode& n : mesh.nodes) alive += n.alive ? 1 : 0;
  set(cluster, "label",
      id + ": " + std::to_string(mesh.nodes.size()) + " members, " + std::to_string(alive) +
          " alive");

  std::map<std::string, Agnode_t*> members;  // by key
  for (const GraphNode& n : mesh.nodes) {
    Result<Agnode_t*> node = new_node(cluster, id + "/" + printable(n.key),
                                      "mesh " + quoted(mesh.id) + ": node " + quoted(n.key));
    if (!node) return node.status();
    set(*node, "label", label_of(n));
    set(*node, "tooltip", "key " + printable(n.key));
    set(*node, "shape", std::string(n.role == "client" ? kClientShape : kPeerShape));
    if (n.exit) set(*node, "peripheries", std::string(kExitPeripheries));
    if (!n.alive) {
      set(*node, kDeadStyle);
    } else if (n.leader) {
      set(*node, kLeaderStyle);
    }
    if (n.self) set(*node, "penwidth", "3");
    members.emplace(n.key, *node);
    copies_[n.key].push_back(*node);
  }

  std::set<std::string> exits;
  for (const GraphNode& n : mesh.nodes) {
    Agnode_t* from = members.at(n.key);
    auto peer = members.find(n.attached_to);
    if (n.role == "client" && peer != members.end() && n.attached_to != n.key) {
      agedge(cluster, from, peer->second, nullptr, 1);
    }
    if (n.exit) {
      Result<Agnode_t*> internet = prefix_node("::/0");
      if (!internet) return internet.status();
      agedge(graph_.get(), from, *internet, nullptr, 1);
      exits.insert(n.key);
    }
  }
  std::vector<std::string> unplaced;  // routes through a key this view does not hold
  for (const GraphRoute& r : mesh.routes) {
    auto via = members.find(r.via_key);
    if (via == members.end()) {
      unplaced.push_back(printable(r.prefix) + " via " + printable(r.via_key) +
                         (r.path.empty() ? "" : ", crossing " + join(r.path, ", ")));
      continue;
    }
    // An exit's own default route is its solid edge to ::/0 already.
    if (r.path.empty() && r.prefix == "::/0" && exits.count(r.via_key) != 0) continue;
    Result<Agnode_t*> to = prefix_node(r.prefix);
    if (!to) return to.status();
    Agedge_t* e = agedge(graph_.get(), via->second, *to, nullptr, 1);
    set(e, "style", "dotted");
    if (!r.path.empty()) set(e, "label", "crosses " + join(r.path, ", "));
  }
  if (!unplaced.empty()) {
    Result<Agnode_t*> note =
        new_node(cluster, id + "/routes", "mesh " + quoted(mesh.id) + ": the note of its routes");
    if (!note) return note.status();
    std::string label = "routes through nodes not in this view:\\l";
    for (const std::string& line : unplaced) label += line + "\\l";
    set(*note, "shape", "note");
    set(*note, "label", label);
  }
  return Status::ok();
}

Result<Graph> GraphBuilder::build(const GraphModel& model) {
  graph_.reset(agopen(c("smegmesh"), Agundirected, memory_discipline()));
  if (!graph_) return Status::io_error("cgraph: agopen failed");
  set(graph_.get(), "label",
      "smegmesh: " + std::to_string(model.meshes.size()) + " meshes\\n" + std::string(kLegend));
  set(graph_.get(), "labelloc", "t");
  set(graph_.get(), "fontsize", "16");
  agattr(graph_.get(), AGNODE, c("fontsize"), c("10"));
  agattr(graph_.get(), AGEDGE, c("fontsize"), c("10"));
  for (const GraphMesh& mesh : model.meshes) {
    if (Status s = add_mesh(mesh); !s) return s;
  }
  // A node in several meshes is drawn in each cluster; a chain of dashed edges ties its copies.
  for (const auto& [key, nodes] : copies_) {
    for (size_t k = 1; k < nodes.size(); ++k) {
      set(agedge(graph_.get(), nodes[k - 1], nodes[k], nullptr, 1), kBridgeStyle);
    }
  }
  return std::move(graph_);
}

// The errors a model can have that would make a wrong picture rather than a broken one.
Status validate(const GraphModel& model) {
  std::set<std::string_view> ids;
  for (size_t m = 0; m < model.meshes.size(); ++m) {
    const GraphMesh& mesh = model.meshes[m];
    if (mesh.id.empty()) return Status::invalid_argument("mesh " + std::to_string(m) + ": no id");
    if (!ids.insert(mesh.id).second) {
      return Status::invalid_argument("mesh " + quoted(mesh.id) + " appears twice");
    }
    std::set<std::string_view> keys;
    for (size_t i = 0; i < mesh.nodes.size(); ++i) {
      const GraphNode& n = mesh.nodes[i];
      const std::string where = "mesh " + quoted(mesh.id) + ": node ";
      if (n.key.empty()) return Status::invalid_argument(where + std::to_string(i) + ": no key");
      if (!keys.insert(n.key).second) {
        return Status::invalid_argument(where + quoted(n.key) + " appears twice");
      }
      if (n.role != "peer" && n.role != "client") {
        return Status::invalid_argument(where + quoted(n.key) + ": role " + quoted(n.role) +
                                        " is neither peer nor client");
      }
    }
  }
  return Status::ok();
}

Result<Graph> build(const GraphModel& model) {
  if (Status s = validate(model); !s) return s;
  return GraphBuilder().build(model);
}

// Collects what Graphviz reports while in scope, instead of its printing on stderr.
class GraphvizMessages {
 public:
  GraphvizMessages() : previous_(agseterrf(collect)) { sink_ = &text_; }
  ~GraphvizMessages() {
    agseterrf(previous_);
    sink_ = nullptr;
  }
  GraphvizMessages(const GraphvizMessages&) = delete;
  GraphvizMessages& operator=(const GraphvizMessages&) = delete;

  // What was reported so far, on one line.
  std::string text() const {
    std::string line = text_;
    std::replace(line.begin(), line.end(), '\n', ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
  }

 private:
  static int collect(char* message) {
    if (sink_ != nullptr) sink_->append(message);
    return 0;
  }
  static inline std::string* sink_ = nullptr;
  agusererrf previous_;
  std::string text_;
};

struct ContextFree {
  void operator()(GVC_t* gvc) const { gvFreeContext(gvc); }
};
// One Graphviz context for the process, freed at exit. Graphviz 2.42's pango plugin keeps a
// pointer to the font name it last measured, owned by the context that measured it: a second
// context, made after the first was freed, would read it after free.
GVC_t* graphviz() {
  static const std::unique_ptr<GVC_t, ContextFree> context(gvContext());
  return context.get();
}
struct RenderDataFree {
  void operator()(char* data) const { gvFreeRenderData(data); }
};
// Frees a layout before its graph closes.
struct LayoutFree {
  GVC_t* gvc;
  Agraph_t* graph;
  ~LayoutFree() { gvFreeLayout(gvc, graph); }
};

// Graphviz recognises a layout engine or an output format only if a plugin provides it:
// "Layout type: "dot" not recognized", "Format: "png" not recognized", or, when the format is
// known but its renderer did not load, "renderer for png is unavailable".
bool plugin_missing(const std::string& graphviz_message) {
  return graphviz_message.find("not recognized") != std::string::npos ||
         graphviz_message.find("unavailable") != std::string::npos;
}

// What a Graphviz that cannot write `format` lacks.
std::string plugin_for(std::string_view format) {
  if (format == "png") {
    return "the cairo plugin (libgvplugin_pango) or the gd plugin (libgvplugin_gd); Debian "
           "ships both in package libgvc6";
  }
  return "the core plugin (libgvplugin_core, in Debian package libgvc6)";
}

}  // namespace

Result<std::string> to_dot(const GraphModel& model) {
  Result<Graph> graph = build(model);
  if (!graph) return graph.status();
  std::string dot;
  if (agwrite(graph->get(), &dot) == EOF) return Status::io_error("cgraph: agwrite failed");
  return dot;
}

Result<std::vector<uint8_t>> render(const GraphModel& model, std::string_view format) {
  static constexpr std::string_view kFormats[] = {"dot", "svg", "png"};
  if (std::find(std::begin(kFormats), std::end(kFormats), format) == std::end(kFormats)) {
    return Status::invalid_argument("graph format " + quoted(format) +
                                    " is not one of dot, svg, png");
  }
  GraphvizMessages messages;
  GVC_t* gvc = graphviz();
  if (gvc == nullptr) return Status::io_error("Graphviz: gvContext failed");
  Result<Graph> graph = build(model);
  if (!graph) return graph.status();
  if (gvLayout(gvc, graph->get(), "dot") != 0) {
    if (plugin_missing(messages.text())) {
      return Status::unsupported(
          "Graphviz has no dot layout: the dot_layout plugin (libgvplugin_dot_layout, in Debian "
          "package libgvc6) is missing");
    }
    return Status::io_error("Graphviz could not lay out the graph: " + messages.text());
  }
  LayoutFree layout{gvc, graph->get()};
  char* data = nullptr;
  unsigned int length = 0;
  const int rc = gvRenderData(gvc, graph->get(), std::string(format).c_str(), &data, &length);
  std::unique_ptr<char, RenderDataFree> owned(data);
  if (rc != 0 || data == nullptr) {
    if (plugin_missing(messages.text())) {
      return Status::unsupported("Graphviz cannot write " + std::string(format) + " (" +
                                 messages.text() + "): " + plugin_for(format) + " is missing");
    }
    return Status::io_error("Graphviz could not render " + std::string(format) + ": " +
                            messages.text());
  }
  return std::vector<uint8_t>(data, data + length);
}

}  // namespace smeg::ctl
