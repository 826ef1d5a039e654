#include "ctl/smegctl.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string_view>

#include "ctl/flags.h"
#include "ctl/graph.h"
#include "ctl/graph_json.h"
#include "ctl/mesh_request.h"
#include "ctl/table.h"
#include "daemon/api/json.h"

namespace smeg::ctl {

using api::Json;

namespace {

struct Context {
  const ApiCall& api;
  std::ostream& out;
  std::ostream& err;
};

// Runs one verb; returns the exit code.
using Handler = int (*)(Context& c, const Verb& verb, const ParsedFlags& flags);

struct Command {
  Verb verb;
  Handler handler;
};

// ---- Talking to smegd -----------------------------------------------------------------------

// Calls the API. On any failure (smegd unreachable or refusing, an answer that is not JSON)
// prints why on stderr and returns nullopt: the verb then exits 1.
std::optional<Json> call(Context& c, const std::string& method, const std::string& target,
                         const Json* body = nullptr) {
  auto r = c.api(method, target, body ? body->dump() : std::string());
  if (!r) {
    c.err << "smegctl: " << r.status().message() << "\n";
    return std::nullopt;
  }
  auto j = api::parse(r->body, api::ParseLimits{64, 64u << 20});
  if (r->status >= 300) {
    std::string message;
    if (j && (*j)["error"].is_string()) {
      message = *(*j)["error"].get_string();
    } else {
      // Not smegd's own error document (a proxy, another program on the socket): its text.
      message = r->body;
      while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
        message.pop_back();
      }
    }
    if (message.empty()) {
      c.err << "smegctl: smegd answered HTTP " << r->status << " with no message\n";
    } else {
      c.err << "smegctl: " << printable(message) << " (HTTP " << r->status << ")\n";
    }
    return std::nullopt;
  }
  if (!j) {
    c.err << "smegctl: smegd answered something that is not JSON: " << j.status().message() << "\n";
    return std::nullopt;
  }
  return *j;
}

// An answer of another shape than this smegctl knows (a smegd of another version): exit 1,
// saying which answer and what is wrong with it.
int unexpected(Context& c, const std::string& request, const std::string& what) {
  c.err << "smegctl: smegd's answer to " << request << ": " << what << "\n";
  return 1;
}

// Percent-escapes everything but RFC 3986's unreserved characters, so that an id or a name
// stays one path segment or query value.
std::string url_escape(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string mesh_path(const std::string& id) { return "/v1/meshes/" + url_escape(id); }

// ---- Printing -------------------------------------------------------------------------------

// An IPv6 invite holds "[...]", a glob to the shell: print it quoted, ready to paste. (Invites
// hold no quote or space: daemon/invite.h.)
std::string shell_quoted(const std::string& s) {
  return s.find('[') == std::string::npos ? s : "'" + s + "'";
}

void print_json(Context& c, const Json& j) { c.out << j.dump_pretty() << "\n"; }

std::string handshake_text(const Json& wg) {
  auto t = wg["lastHandshakeUnix"].get_int();
  if (!t || *t == 0) return "never";
  const long ago = static_cast<long>(std::time(nullptr) - *t);
  return std::to_string(std::max(0L, ago)) + "s ago";
}

// Bad usage: the message, then the verb's usage, exit 2.
int usage_error(Context& c, const Verb& verb, const Status& s) {
  c.err << "smegctl: " << s.message() << "\n\n" << verb_usage(verb);
  return 2;
}

// ---- Meshes ---------------------------------------------------------------------------------

int new_mesh(Context& c, const Verb& v, const ParsedFlags& p) {
  auto body = mesh_body(p);
  if (!body) return usage_error(c, v, body.status());
  auto r = call(c, "POST", "/v1/meshes", &*body);
  if (!r) return 1;
  if (!(*r)["id"].is_string()) return unexpected(c, "POST /v1/meshes", "\"id\" must be a string");
  c.out << text_of((*r)["id"]) << "\n";
  if ((*r)["invite"].is_string()) {
    c.err << "invite others with: smegctl join-mesh --invite "
          << shell_quoted(text_of((*r)["invite"])) << "\n";
  }
  return 0;
}

int join_mesh(Context& c, const Verb& v, const ParsedFlags& p) {
  auto body = mesh_body(p);
  if (!body) return usage_error(c, v, body.status());
  auto invite = join_invite(v, p);
  if (!invite) return usage_error(c, v, invite.status());
  body->set("invite", *invite);
  auto r = call(c, "POST", "/v1/meshes/join", &*body);
  if (!r) return 1;
  if (!(*r)["id"].is_string()) {
    return unexpected(c, "POST /v1/meshes/join", "\"id\" must be a string");
  }
  c.out << "joined " << text_of((*r)["id"]) << "\n";
  return 0;
}

int leave_mesh(Context& c, const Verb& v, const ParsedFlags& p) {
  auto id = required(v, p, "mesh");
  if (!id) return usage_error(c, v, id.status());
  if (!call(c, "DELETE", mesh_path(*id))) return 1;
  c.out << "left " << *id << "\n";
  return 0;
}

int list_meshes(Context& c, const Verb&, const ParsedFlags& p) {
  auto r = call(c, "GET", "/v1/meshes");
  if (!r) return 1;
  if (p.json) return print_json(c, *r), 0;
  const Json::Array* meshes = r->array_items();
  if (!meshes) return unexpected(c, "GET /v1/meshes", "expected an array");
  std::vector<std::vector<std::string>> rows;
  for (const Json& m : *meshes) {
    rows.push_back({text_of(m["id"]), text_of(m["interface"]), text_of(m["role"]),
                    text_of(m["state"]), text_of(m["members"]), text_of(m["address"])});
  }
  print_table(c.out, {"MESH", "INTERFACE", "ROLE", "STATE", "MEMBERS", "ADDRESS"}, rows);
  return 0;
}

int status(Context& c, const Verb&, const ParsedFlags& p) {
  auto r = call(c, "GET", "/v1/status");
  if (!r) return 1;
  if (p.json) return print_json(c, *r), 0;
  const Json::Array* meshes = (*r)["meshes"].array_items();
  if (!meshes) return unexpected(c, "GET /v1/status", "\"meshes\" must be an array");
  c.out << "node:      " << text_of((*r)["node"]) << "\n";
  c.out << "uptime:    " << text_of((*r)["uptimeSeconds"]) << " s\n";
  c.out << "control:   UDP port " << text_of((*r)["controlPort"]) << "\n";
  c.out << "backend:   " << text_of((*r)["backend"]) << "\n";
  c.out << "meshes:    " << meshes->size() << "\n";
  for (const Json& m : *meshes) {
    c.out << "  " << text_of(m["id"]) << " on " << text_of(m["interface"]) << ": "
          << text_of(m["state"]) << ", " << text_of(m["members"]) << " members, address "
          << text_of(m["address"]);
    if (m["lastError"].is_string()) c.out << ", last error: " << text_of(m["lastError"]);
    c.out << "\n";
  }
  c.out << "rejected:  " << (*r)["rejectedMessages"].dump() << "\n";
  return 0;
}

// One table row per member of a mesh document (GET /v1/meshes/ID).
void peer_rows(const std::string& id, const Json::Array& nodes,
               std::vector<std::vector<std::string>>& rows) {
  for (const Json& n : nodes) {
    const Json& wg = n["wireguard"];
    std::string flags;
    if (n["self"].get_bool().value_or(false)) flags += "self ";
    if (n["leader"].get_bool().value_or(false)) flags += "leader";
    const bool stats = wg.is_object();
    rows.push_back({id, n["alias"].get_string().value_or("").empty() ? "-" : text_of(n["alias"]),
                    text_of(n["address"]), text_of(n["role"]),
                    n["alive"].get_bool().value_or(false) ? "alive" : "silent",
                    stats ? text_of(wg["endpoint"]) : text_of(n["wgEndpoint"]),
                    stats ? handshake_text(wg) : "-", stats ? text_of(wg["rxBytes"]) : "-",
                    stats ? text_of(wg["txBytes"]) : "-", flags.empty() ? "-" : flags});
  }
}

int peers(Context& c, const Verb& v, const ParsedFlags& p) {
  std::vector<std::string> ids;
  if (p.find("mesh")) {
    auto id = required(v, p, "mesh");  // given, so not empty
    if (!id) return usage_error(c, v, id.status());
    ids.push_back(*id);
  } else {
    auto r = call(c, "GET", "/v1/meshes");
    if (!r) return 1;
    if (!r->array_items()) return unexpected(c, "GET /v1/meshes", "expected an array");
    for (const Json& m : *r->array_items()) ids.push_back(text_of(m["id"]));
  }
  Json all = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const std::string& id : ids) {
    auto m = call(c, "GET", mesh_path(id));
    if (!m) return 1;
    const Json::Array* nodes = (*m)["nodes"].array_items();
    if (!nodes) return unexpected(c, "GET " + mesh_path(id), "\"nodes\" must be an array");
    peer_rows(id, *nodes, rows);
    all.push(std::move(*m));
  }
  if (p.json) return print_json(c, all), 0;
  print_table(
      c.out,
      {"MESH", "ALIAS", "ADDRESS", "ROLE", "STATE", "ENDPOINT", "HANDSHAKE", "RX", "TX", "FLAGS"},
      rows);
  return 0;
}

int invite(Context& c, const Verb& v, const ParsedFlags& p) {
  auto id = required(v, p, "mesh");
  if (!id) return usage_error(c, v, id.status());
  const std::string target = mesh_path(*id) + "/invite";
  auto r = call(c, "GET", target);
  if (!r) return 1;
  if (p.json) return print_json(c, *r), 0;
  if (!(*r)["invite"].is_string()) return unexpected(c, "GET " + target, "no \"invite\"");
  c.out << shell_quoted(text_of((*r)["invite"])) << "\n";
  return 0;
}

int query_mesh(Context& c, const Verb& v, const ParsedFlags& p) {
  auto id = required(v, p, "mesh");
  if (!id) return usage_error(c, v, id.status());
  const std::string* query = p.find("query");
  auto r = call(c, "GET",
                "/v1/query?mesh=" + url_escape(*id) + "&q=" + url_escape(query ? *query : "@"));
  if (!r) return 1;
  return print_json(c, *r), 0;
}

// put-description and put-alias: the flag is named as the field it sets.
int put_text(Context& c, const Verb& v, const ParsedFlags& p) {
  const std::string field = std::string(v.name) == "put-alias" ? "alias" : "description";
  auto id = required(v, p, "mesh");
  if (!id) return usage_error(c, v, id.status());
  const std::string* text = p.find(field);  // may be empty: clears it
  if (!text) {
    return usage_error(
        c, v, Status::invalid_argument(std::string(v.name) + ": --" + field + " is required"));
  }
  const Json body = Json::object().set(field, *text);
  return call(c, "PUT", mesh_path(*id) + "/" + field, &body) ? 0 : 1;
}

// set-service and delete-service.
int service(Context& c, const Verb& v, const ParsedFlags& p) {
  auto id = required(v, p, "mesh");
  if (!id) return usage_error(c, v, id.status());
  auto name = required(v, p, "service");
  if (!name) return usage_error(c, v, name.status());
  const std::string target = mesh_path(*id) + "/services/" + url_escape(*name);
  if (std::string(v.name) == "delete-service") return call(c, "DELETE", target) ? 0 : 1;
  auto value = required(v, p, "value");
  if (!value) return usage_error(c, v, value.status());
  const Json body = Json::object().set("value", *value);
  return call(c, "PUT", target, &body) ? 0 : 1;
}

// What get-graph and graph print of GET /v1/graph's document.
Result<std::string> drawing(const Verb& v, const Json& document, const std::string& format) {
  auto model = graph_model_from_json(document);
  if (!model) return model.status();
  if (std::string(v.name) == "get-graph") return to_dot(*model);
  auto bytes = render(*model, format);
  if (!bytes) return bytes.status();
  return std::string(bytes->begin(), bytes->end());
}

// get-graph prints the graph as the original did (DOT, no layout); graph renders it, or with
// --json gives GET /v1/graph's document.
int graph(Context& c, const Verb& v, const ParsedFlags& p) {
  const std::string* format = p.find("format");
  if (format && *format != "dot" && *format != "svg" && *format != "png") {
    return usage_error(
        c, v,
        Status::invalid_argument("--format: must be dot, svg or png, got \"" + *format + "\""));
  }
  auto r = call(c, "GET", "/v1/graph");
  if (!r) return 1;
  Result<std::string> bytes = r->dump_pretty() + "\n";
  if (!p.json) bytes = drawing(v, *r, format ? *format : "dot");
  if (!bytes) {
    c.err << "smegctl: " << bytes.status().message() << "\n";
    return 1;
  }
  const std::string* output = p.find("output");
  if (!output) {
    c.out << *bytes;
    return 0;
  }
  std::ofstream f(*output, std::ios::binary | std::ios::trunc);
  if (f) f << *bytes << std::flush;
  if (!f) {
    c.err << "smegctl: cannot write " << *output << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  return 0;
}

// ---- The verbs ------------------------------------------------------------------------------

const std::vector<Flag> kMeshFlags = {
    {"wgport", "p", true, "WireGuard listen port (default: the next free from wgPort)"},
    {"endpoint", "e", true, "public endpoint others reach this host at (host or IP)"},
    {"role", "r", true, "peer (public, routes for clients) or client (behind NAT)"},
    {"KeepAliveWg", "k", true, "WireGuard persistent keepalive, seconds"},
    {"advertise", "a", false, "bridge: re-advertise the other meshes' routes into this one"},
    {"defaults", "d", false, "exit: advertise the default route ::/0"},
    {"alias", "", true, "this node's alias (a DNS label)"},
    {"description", "", true, "this node's description"},
};

std::vector<Flag> with(std::vector<Flag> a, const std::vector<Flag>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<Command>& commands() {
  static const Flag kMesh = {"mesh", "m", true, "mesh id"};
  static const std::vector<Command> v = {
      {{"new-mesh", "create a mesh; prints its id", kMeshFlags, false}, new_mesh},
      {{"list-meshes", "the meshes this node is in", {}, true}, list_meshes},
      {{"join-mesh", "join a mesh through any member",
        with({{"invite", "", true, "an invite (smegctl invite on a member)"},
              {"meshid", "m", true, "mesh id (with --ip and --secret instead of --invite)"},
              {"ip", "i", true, "a member's control endpoint, host:port"},
              {"secret", "", true, "the mesh secret"}},
             kMeshFlags),
        false},
       join_mesh},
      {{"leave-mesh", "leave a mesh; removes its interface", {kMesh}, false}, leave_mesh},
      {{"get-graph", "every mesh as a Graphviz DOT graph", {}, true}, graph},
      {{"graph",
        "the graph of every mesh, rendered",
        {{"format", "f", true, "dot, svg or png (default dot)"},
         {"output", "o", true, "write to this file (default: standard output)"}},
        true},
       graph},
      {{"query-mesh",
        "a JMESPath query over a mesh's document",
        {kMesh, {"query", "q", true, "JMESPath expression (default @, the whole document)"}},
        true},
       query_mesh},
      {{"put-description",
        "set this node's description in a mesh",
        {{"description", "d", true, "the text"}, kMesh},
        false},
       put_text},
      {{"put-alias",
        "set this node's alias in a mesh",
        {{"alias", "a", true, "the alias (a DNS label)"}, kMesh},
        false},
       put_text},
      {{"set-service",
        "publish a service of this node",
        {{"service", "s", true, "service name"},
         {"value", "v", true, "value (a port, tcp/PORT, udp/PORT or text)"},
         kMesh},
        false},
       service},
      {{"delete-service",
        "withdraw a service of this node",
        {{"service", "s", true, "service name"}, kMesh},
        false},
       service},
      {{"status", "the node, its meshes and counters", {}, true}, status},
      {{"peers", "the members of each mesh, as a table", {kMesh}, true}, peers},
      {{"invite", "the invite of a mesh (carries its secret)", {kMesh}, true}, invite},
  };
  return v;
}

std::string usage() {
  std::ostringstream o;
  o << "usage: smegctl [--socket PATH] VERB [FLAGS]   (smegctl VERB --help for its flags)\n\n";
  for (const Command& command : commands()) {
    o << "  " << std::left << std::setw(16) << command.verb.name << command.verb.summary << "\n";
  }
  o << "\n--socket PATH  smegd's API socket (default $SMEG_SOCKET or /run/smeg/smegd.sock)\n"
       "Exit codes: 0 done, 1 smegd refused or is not running, 2 bad usage.\n";
  return o.str();
}

}  // namespace

std::string default_socket() {
  if (const char* s = std::getenv("SMEG_SOCKET"); s && *s) return s;
  return "/run/smeg/smegd.sock";
}

int run(const std::vector<std::string>& args, const ApiCall& api, std::ostream& out,
        std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << usage();
    return args.empty() ? 2 : 0;
  }
  const Command* command = nullptr;
  for (const Command& c : commands()) {
    if (args[0] == c.verb.name) command = &c;
  }
  if (!command) {
    err << "smegctl: unknown verb \"" << args[0] << "\"\n\n" << usage();
    return 2;
  }
  Context c{api, out, err};
  auto parsed = parse_flags(command->verb, args, 1);
  if (!parsed) return usage_error(c, command->verb, parsed.status());
  if (parsed->help) {
    out << verb_usage(command->verb);
    return 0;
  }
  return command->handler(c, command->verb, *parsed);
}

}  // namespace smeg::ctl
