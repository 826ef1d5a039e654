#include "ctl/smegctl.h"

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "ctl/graph.h"
#include "ctl/graph_json.h"
#include "daemon/api/json.h"

namespace smeg::ctl {

using api::Json;

namespace {

// One flag of a verb: its long name, short name (may be empty), whether it takes a value,
// and the help line.
struct Flag {
  const char* name;
  const char* short_name;
  bool takes_value;
  const char* help;
};

struct Verb {
  const char* name;
  const char* summary;
  std::vector<Flag> flags;
  bool read;  // takes --json
};

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

const std::vector<Verb>& verbs() {
  static const std::vector<Verb> v = {
      {"new-mesh", "create a mesh; prints its id", kMeshFlags, false},
      {"list-meshes", "the meshes this node is in", {}, true},
      {"join-mesh", "join a mesh through any member",
       with({{"invite", "", true, "an invite (smegctl invite on a member)"},
             {"meshid", "m", true, "mesh id (with --ip and --secret instead of --invite)"},
             {"ip", "i", true, "a member's control endpoint, host:port"},
             {"secret", "", true, "the mesh secret"}},
            kMeshFlags),
       false},
      {"leave-mesh",
       "leave a mesh; removes its interface",
       {{"mesh", "m", true, "mesh id"}},
       false},
      {"get-graph", "every mesh as a Graphviz DOT graph", {}, false},
      {"graph",
       "the graph of every mesh, rendered",
       {{"format", "f", true, "dot, svg or png (default dot)"},
        {"output", "o", true, "write to this file (default: standard output)"}},
       false},
      {"query-mesh",
       "a JMESPath query over a mesh's document",
       {{"mesh", "m", true, "mesh id"}, {"query", "q", true, "JMESPath expression"}},
       true},
      {"put-description",
       "set this node's description in a mesh",
       {{"description", "d", true, "the text"}, {"mesh", "m", true, "mesh id"}},
       false},
      {"put-alias",
       "set this node's alias in a mesh",
       {{"alias", "a", true, "the alias (a DNS label)"}, {"mesh", "m", true, "mesh id"}},
       false},
      {"set-service",
       "publish a service of this node",
       {{"service", "s", true, "service name"},
        {"value", "v", true, "value (a port, tcp/PORT, udp/PORT or text)"},
        {"mesh", "m", true, "mesh id"}},
       false},
      {"delete-service",
       "withdraw a service of this node",
       {{"service", "s", true, "service name"}, {"mesh", "m", true, "mesh id"}},
       false},
      {"status", "the node, its meshes and counters", {}, true},
      {"peers", "the members of each mesh, as a table", {{"mesh", "m", true, "mesh id"}}, true},
      {"invite",
       "the invite of a mesh (carries its secret)",
       {{"mesh", "m", true, "mesh id"}},
       true},
  };
  return v;
}

std::string usage() {
  std::ostringstream o;
  o << "usage: smegctl [--socket PATH] VERB [FLAGS]   (smegctl VERB --help for its flags)\n\n";
  for (const Verb& v : verbs()) {
    o << "  " << std::left << std::setw(16) << v.name << v.summary << "\n";
  }
  o << "\n--socket PATH  smegd's API socket (default $SMEG_SOCKET or /run/smeg/smegd.sock)\n"
       "Exit codes: 0 done, 1 smegd refused or is not running, 2 bad usage.\n";
  return o.str();
}

std::string verb_usage(const Verb& v) {
  std::ostringstream o;
  o << "usage: smegctl " << v.name << " [FLAGS]\n" << v.summary << "\n\n";
  for (const Flag& f : v.flags) {
    std::string left = "  ";
    left += *f.short_name ? std::string("-") + f.short_name + ", " : "    ";
    left += std::string("--") + f.name + (f.takes_value ? " VALUE" : "");
    o << std::left << std::setw(30) << left << f.help << "\n";
  }
  if (v.read)
    o << std::left << std::setw(30) << "      --json"
      << "print the API's JSON\n";
  o << std::left << std::setw(30) << "      --help"
    << "this text\n";
  return o.str();
}

struct Parsed {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  bool json = false;
  bool help = false;
};

// Parses a verb's flags; the error names the flag.
Result<Parsed> parse_flags(const Verb& v, const std::vector<std::string>& args, size_t from) {
  Parsed p;
  for (size_t i = from; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      p.help = true;
      continue;
    }
    if (a == "--json" && v.read) {
      p.json = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0) {
      if (size_t eq = a.find('='); eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        a = a.substr(0, eq);
      }
    }
    const Flag* flag = nullptr;
    for (const Flag& f : v.flags) {
      if (a == std::string("--") + f.name ||
          (*f.short_name && a == std::string("-") + f.short_name)) {
        flag = &f;
      }
      // The original's long flags are case-sensitive but people type --keepalivewg too.
      if (a.size() > 2 && a.rfind("--", 0) == 0) {
        std::string l = a.substr(2), n = f.name;
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l == n) flag = &f;
      }
    }
    if (!flag) {
      return Status::invalid_argument(std::string(v.name) + ": unknown flag \"" + args[i] + "\"");
    }
    if (!flag->takes_value) {
      if (inline_value) {
        return Status::invalid_argument(std::string(v.name) + ": --" + flag->name +
                                        " takes no value");
      }
      p.switches.insert(flag->name);
      continue;
    }
    if (inline_value) {
      p.values[flag->name] = *inline_value;
    } else if (i + 1 < args.size()) {
      p.values[flag->name] = args[++i];
    } else {
      return Status::invalid_argument(std::string(v.name) + ": --" + flag->name + " needs a value");
    }
  }
  return p;
}

struct Context {
  const ApiCall& api;
  std::ostream& out;
  std::ostream& err;
};

// Calls the API; an error status prints smegd's message. Returns the parsed body or nullopt
// (with the exit code in `code`).
std::optional<Json> call(Context& c, const std::string& method, const std::string& target,
                         const Json* body, int& code) {
  auto r = c.api(method, target, body ? body->dump() : std::string());
  if (!r) {
    c.err << "smegctl: " << r.status().message() << "\n";
    code = 1;
    return std::nullopt;
  }
  auto j = api::parse(r->body, api::ParseLimits{64, 64u << 20});
  if (r->status >= 300) {
    std::string message =
        j && (*j)["error"].get_string() ? std::string(*(*j)["error"].get_string()) : r->body;
    c.err << "smegctl: " << message << " (HTTP " << r->status << ")\n";
    code = 1;
    return std::nullopt;
  }
  if (!j) {
    c.err << "smegctl: smegd answered something that is not JSON: " << j.status().message() << "\n";
    code = 1;
    return std::nullopt;
  }
  return *j;
}

std::string url_escape(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

Result<std::string> need(const Verb& v, const Parsed& p, const char* flag) {
  auto it = p.values.find(flag);
  if (it == p.values.end() || it->second.empty()) {
    return Status::invalid_argument(std::string(v.name) + ": --" + flag + " is required");
  }
  return it->second;
}

// The MeshRequest body of new-mesh and join-mesh; errors name the flag.
Result<Json> mesh_body(const Parsed& p) {
  Json b = Json::object();
  auto number = [&](const char* flag, const char* field) -> Status {
    auto it = p.values.find(flag);
    if (it == p.values.end()) return Status::ok();
    char* end = nullptr;
    const long n = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end || n < 0 || n > 65535) {
      return Status::invalid_argument(std::string("--") + flag +
                                      ": must be a number 0..65535, got \"" + it->second + "\"");
    }
    b.set(field, static_cast<int64_t>(n));
    return Status::ok();
  };
  if (Status s = number("wgport", "wgPort"); !s) return s;
  if (Status s = number("KeepAliveWg", "keepAliveWg"); !s) return s;
  if (auto it = p.values.find("role"); it != p.values.end()) {
    if (it->second != "peer" && it->second != "client") {
      return Status::invalid_argument("--role: must be peer or client, got \"" + it->second + "\"");
    }
    b.set("role", it->second);
  }
  if (auto it = p.values.find("endpoint"); it != p.values.end()) b.set("endpoint", it->second);
  if (auto it = p.values.find("alias"); it != p.values.end()) b.set("alias", it->second);
  if (auto it = p.values.find("description"); it != p.values.end()) {
    b.set("description", it->second);
  }
  // Only what was asked for is sent: the configuration's advertise settings stay in force
  // otherwise (the original's CLI silently overrode them).
  if (p.switches.count("advertise")) b.set("advertiseRoutes", true);
  if (p.switches.count("defaults")) b.set("advertiseDefaults", true);
  return b;
}

// An IPv6 invite holds "[...]", a glob to the shell: print it quoted, ready to paste.
std::string shell_quoted(const std::string& s) {
  return s.find('[') == std::string::npos ? s : "'" + s + "'";
}

std::string text_of(const Json& j) {
  if (auto s = j.get_string()) return std::string(*s);
  if (j.is_null()) return "-";
  return j.dump();
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      out << r[i];
      if (i + 1 < r.size()) out << std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string handshake_text(const Json& wg) {
  auto t = wg["lastHandshakeUnix"].get_int();
  if (!t || *t == 0) return "never";
  const long ago = static_cast<long>(std::time(nullptr) - *t);
  return std::to_string(std::max(0L, ago)) + "s ago";
}

int run_verb(Context& c, const Verb& v, const Parsed& p) {
  int code = 0;
  const std::string name = v.name;
  auto fail_usage = [&](const Status& s) {
    c.err << "smegctl: " << s.message() << "\n\n" << verb_usage(v);
    return 2;
  };
  auto print_json = [&](const Json& j) { c.out << j.dump_pretty() << "\n"; };

  if (name == "new-mesh") {
    auto body = mesh_body(p);
    if (!body) return fail_usage(body.status());
    auto r = call(c, "POST", "/v1/meshes", &*body, code);
    if (!r) return code;
    c.out << text_of((*r)["id"]) << "\n";
    c.err << "invite others with: smegctl join-mesh --invite "
          << shell_quoted(text_of((*r)["invite"])) << "\n";
    return 0;
  }
  if (name == "join-mesh") {
    auto body = mesh_body(p);
    if (!body) return fail_usage(body.status());
    std::string invite;
    if (auto it = p.values.find("invite"); it != p.values.end()) {
      invite = it->second;
    } else {
      auto id = need(v, p, "meshid");
      auto ip = need(v, p, "ip");
      auto secret = need(v, p, "secret");
      if (!id || !ip || !secret) {
        return fail_usage(Status::invalid_argument(
            "join-mesh: give --invite, or --meshid, --ip and --secret together"));
      }
      invite = "smeg://" + *id + "@" + *ip + "/" + *secret;
    }
    body->set("invite", invite);
    auto r = call(c, "POST", "/v1/meshes/join", &*body, code);
    if (!r) return code;
    c.out << "joined " << text_of((*r)["id"]) << "\n";
    return 0;
  }
  if (name == "leave-mesh") {
    auto id = need(v, p, "mesh");
    if (!id) return fail_usage(id.status());
    auto r = call(c, "DELETE", "/v1/meshes/" + url_escape(*id), nullptr, code);
    if (!r) return code;
    c.out << "left " << *id << "\n";
    return 0;
  }
  if (name == "list-meshes") {
    auto r = call(c, "GET", "/v1/meshes", nullptr, code);
    if (!r) return code;
    if (p.json) return print_json(*r), 0;
    std::vector<std::vector<std::string>> rows;
    for (const Json& m : *r->array_items()) {
      rows.push_back({text_of(m["id"]), text_of(m["interface"]), text_of(m["role"]),
                      text_of(m["state"]), text_of(m["members"]), text_of(m["address"])});
    }
    print_table(c.out, {"MESH", "INTERFACE", "ROLE", "STATE", "MEMBERS", "ADDRESS"}, rows);
    return 0;
  }
  if (name == "status") {
    auto r = call(c, "GET", "/v1/status", nullptr, code);
    if (!r) return code;
    if (p.json) return print_json(*r), 0;
    c.out << "node:      " << text_of((*r)["node"]) << "\n";
    c.out << "uptime:    " << text_of((*r)["uptimeSeconds"]) << " s\n";
    c.out << "control:   UDP port " << text_of((*r)["controlPort"]) << "\n";
    c.out << "backend:   " << text_of((*r)["backend"]) << "\n";
    c.out << "meshes:    " << (*r)["meshes"].size() << "\n";
    for (const Json& m : *(*r)["meshes"].array_items()) {
      c.out << "  " << text_of(m["id"]) << " on " << text_of(m["interface"]) << ": "
            << text_of(m["state"]) << ", " << text_of(m["members"]) << " members, address "
            << text_of(m["address"]);
      if (m["lastError"].is_string()) c.out << ", last error: " << text_of(m["lastError"]);
      c.out << "\n";
    }
    c.out << "rejected:  " << (*r)["rejectedMessages"].dump() << "\n";
    return 0;
  }
  if (name == "peers") {
    std::vector<std::string> ids;
    if (auto it = p.values.find("mesh"); it != p.values.end()) {
      ids.push_back(it->second);
    } else {
      auto r = call(c, "GET", "/v1/meshes", nullptr, code);
      if (!r) return code;
      for (const Json& m : *r->array_items()) ids.push_back(text_of(m["id"]));
    }
    Json all = Json::array();
    std::vector<std::vector<std::string>> rows;
    for (const std::string& id : ids) {
      auto m = call(c, "GET", "/v1/meshes/" + url_escape(id), nullptr, code);
      if (!m) return code;
      for (const Json& n : *(*m)["nodes"].array_items()) {
        const Json& wg = n["wireguard"];
        std::string flags;
        if (n["self"].get_bool().value_or(false)) flags += "self ";
        if (n["leader"].get_bool().value_or(false)) flags += "leader";
        rows.push_back(
            {id, n["alias"].get_string().value_or("").empty() ? "-" : text_of(n["alias"]),
             text_of(n["address"]), text_of(n["role"]),
             n["alive"].get_bool().value_or(false) ? "alive" : "silent",
             wg.is_object() ? text_of(wg["endpoint"]) : text_of(n["wgEndpoint"]),
             wg.is_object() ? handshake_text(wg) : "-",
             wg.is_object() ? text_of(wg["rxBytes"]) : "-",
             wg.is_object() ? text_of(wg["txBytes"]) : "-", flags.empty() ? "-" : flags});
      }
      all.push(std::move(*m));
    }
    if (p.json) return print_json(all), 0;
    print_table(
        c.out,
        {"MESH", "ALIAS", "ADDRESS", "ROLE", "STATE", "ENDPOINT", "HANDSHAKE", "RX", "TX", "FLAGS"},
        rows);
    return 0;
  }
  if (name == "invite") {
    auto id = need(v, p, "mesh");
    if (!id) return fail_usage(id.status());
    auto r = call(c, "GET", "/v1/meshes/" + url_escape(*id) + "/invite", nullptr, code);
    if (!r) return code;
    if (p.json) return print_json(*r), 0;
    c.out << shell_quoted(text_of((*r)["invite"])) << "\n";
    return 0;
  }
  if (name == "query-mesh") {
    auto id = need(v, p, "mesh");
    if (!id) return fail_usage(id.status());
    std::string target = "/v1/query?mesh=" + url_escape(*id);
    target += "&q=" + url_escape(p.values.count("query") ? p.values.at("query") : "@");
    auto r = call(c, "GET", target, nullptr, code);
    if (!r) return code;
    return print_json(*r), 0;
  }
  if (name == "put-description" || name == "put-alias") {
    const char* field = name == "put-alias" ? "alias" : "description";
    auto id = need(v, p, "mesh");
    if (!id) return fail_usage(id.status());
    auto it = p.values.find(field);
    if (it == p.values.end()) {
      return fail_usage(Status::invalid_argument(name + ": --" + field + " is required"));
    }
    Json body = Json::object().set(field, it->second);
    auto r = call(c, "PUT", "/v1/meshes/" + url_escape(*id) + "/" + field, &body, code);
    if (!r) return code;
    return 0;
  }
  if (name == "set-service" || name == "delete-service") {
    auto id = need(v, p, "mesh");
    if (!id) return fail_usage(id.status());
    auto service = need(v, p, "service");
    if (!service) return fail_usage(service.status());
    const std::string target =
        "/v1/meshes/" + url_escape(*id) + "/services/" + url_escape(*service);
    if (name == "delete-service") return call(c, "DELETE", target, nullptr, code) ? 0 : code;
    auto value = need(v, p, "value");
    if (!value) return fail_usage(value.status());
    Json body = Json::object().set("value", *value);
    return call(c, "PUT", target, &body, code) ? 0 : code;
  }
  if (name == "get-graph" || name == "graph") {
    std::string format = "dot";
    if (auto it = p.values.find("format"); it != p.values.end()) format = it->second;
    if (format != "dot" && format != "svg" && format != "png") {
      return fail_usage(
          Status::invalid_argument("--format: must be dot, svg or png, got \"" + format + "\""));
    }
    auto r = call(c, "GET", "/v1/graph", nullptr, code);
    if (!r) return code;
    auto model = graph_model_from_json(*r);
    if (!model) {
      c.err << "smegctl: " << model.status().message() << "\n";
      return 1;
    }
    // get-graph prints the graph as the original did (no layout); graph renders it.
    Result<std::vector<uint8_t>> bytes = Status::invalid_argument("");
    if (name == "get-graph") {
      auto dot = to_dot(*model);
      if (dot) {
        bytes = std::vector<uint8_t>(dot->begin(), dot->end());
      } else {
        bytes = dot.status();
      }
    } else {
      bytes = render(*model, format);
    }
    if (!bytes) {
      c.err << "smegctl: " << bytes.status().message() << "\n";
      return 1;
    }
    if (auto it = p.values.find("output"); it != p.values.end()) {
      std::ofstream f(it->second, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(bytes->data()),
              static_cast<std::streamsize>(bytes->size()));
      if (!f) {
        c.err << "smegctl: cannot write " << it->second << "\n";
        return 1;
      }
      return 0;
    }
    c.out.write(reinterpret_cast<const char*>(bytes->data()),
                static_cast<std::streamsize>(bytes->size()));
    return 0;
  }
  c.err << "smegctl: " << name << ": not handled\n";
  return 1;
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
  const Verb* verb = nullptr;
  for (const Verb& v : verbs()) {
    if (args[0] == v.name) verb = &v;
  }
  if (!verb) {
    err << "smegctl: unknown verb \"" << args[0] << "\"\n\n" << usage();
    return 2;
  }
  auto parsed = parse_flags(*verb, args, 1);
  if (!parsed) {
    err << "smegctl: " << parsed.status().message() << "\n\n" << verb_usage(*verb);
    return 2;
  }
  if (parsed->help) {
    out << verb_usage(*verb);
    return 0;
  }
  Context c{api, out, err};
  return run_verb(c, *verb, *parsed);
}

}  // namespace smeg::ctl
