#include "daemon/api_routes.h"

#include <array>
#include <set>
#include <span>

#include "daemon/api/query.h"

namespace smeg::daemon {

using api::Json;

namespace {

unsigned http_status(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kCorruption:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kConflict:
      return 409;
    case Status::Code::kUnsupported:
      return 501;
    default:
      return 500;
  }
}

ApiResponse json_response(unsigned status, const Json& body) {
  return ApiResponse{status, "application/json", body.dump_pretty() + "\n"};
}

ApiResponse error_response(unsigned status, const std::string& message) {
  return json_response(status, Json::object().set("error", message));
}

ApiResponse error_response(const Status& s) { return error_response(http_status(s), s.message()); }

Json endpoint_json(const std::optional<Endpoint>& e) {
  return e ? Json(e->to_string()) : Json(nullptr);
}

// The body as a JSON object whose members are all in `allowed`; errors name the field.
Result<Json> parse_body(const std::string& body, std::span<const std::string_view> allowed,
                        std::span<const std::string_view> also = {}) {
  if (body.empty()) return Json::object();
  auto j = api::parse(body);
  if (!j) return Status::invalid_argument("request body: " + j.status().message());
  if (!j->is_object()) return Status::invalid_argument("request body: must be a JSON object");
  for (const auto& [key, value] : *j->object_members()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    for (auto a : also) known = known || a == key;
    if (!known) return Status::invalid_argument("request body: unknown field \"" + key + "\"");
  }
  return j;
}

Result<MeshRequest> mesh_request(const Json& j) {
  MeshRequest r;
  if (const Json* v = j.object_members()->find("role")) {
    auto s = v->get_string();
    if (!s || (*s != "peer" && *s != "client")) {
      return Status::invalid_argument("role: must be \"peer\" or \"client\"");
    }
    r.role = *s == "client" ? Role::kClient : Role::kPeer;
  }
  auto port = [&](const char* name, std::optional<uint16_t>& out) -> Status {
    if (const Json* v = j.object_members()->find(name)) {
      auto i = v->get_int();
      if (!i || *i < 0 || *i > 65535) {
        return Status::invalid_argument(std::string(name) + ": must be an integer 0..65535");
      }
      out = static_cast<uint16_t>(*i);
    }
    return Status::ok();
  };
  if (Status s = port("wgPort", r.wg_port); !s) return s;
  if (Status s = port("keepAliveWg", r.keepalive); !s) return s;
  if (r.wg_port && *r.wg_port == 0) return Status::invalid_argument("wgPort: must not be 0");
  auto flag = [&](const char* name, std::optional<bool>& out) -> Status {
    if (const Json* v = j.object_members()->find(name)) {
      auto b = v->get_bool();
      if (!b) return Status::invalid_argument(std::string(name) + ": must be true or false");
      out = *b;
    }
    return Status::ok();
  };
  if (Status s = flag("advertiseRoutes", r.advertise_routes); !s) return s;
  if (Status s = flag("advertiseDefaults", r.advertise_defaults); !s) return s;
  auto text = [&](const char* name, std::string& out) -> Status {
    if (const Json* v = j.object_members()->find(name)) {
      auto s = v->get_string();
      if (!s) return Status::invalid_argument(std::string(name) + ": must be a string");
      out = std::string(*s);
    }
    return Status::ok();
  };
  if (Status s = text("alias", r.alias); !s) return s;
  if (Status s = text("description", r.description); !s) return s;
  std::string endpoint;
  if (Status s = text("endpoint", endpoint); !s) return s;
  if (!endpoint.empty()) r.endpoint = endpoint;
  return r;
}

constexpr std::array<std::string_view, 8> kMeshRequestFields = {
    "role",  "wgPort",     "endpoint", "keepAliveWg", "advertiseRoutes", "advertiseDefaults",
    "alias", "description"};
constexpr std::array<std::string_view, 1> kJoinFields = {"invite"};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const size_t j = path.find('/', i);
    if (i < path.size()) parts.push_back(path.substr(i, j == std::string::npos ? j : j - i));
    if (j == std::string::npos) break;
    i = j;
  }
  return parts;
}

Json mesh_summary(const Daemon& d, const std::string& id, const Daemon::MeshRuntime& m) {
  Json j = Json::object();
  j.set("id", id);
  j.set("interface", m.persisted.ifname);
  j.set("state", m.state == Daemon::MeshState::kJoining ? "joining" : "member");
  j.set("role", role_name(m.persisted.options.role));
  if (const Mesh* mesh = d.node().mesh(id)) {
    j.set("members", static_cast<int64_t>(mesh->live_members().size()));
    j.set("leader", mesh->leader().is_zero() ? Json(nullptr) : Json(mesh->leader().to_base64()));
    if (const NodeRecord* self = mesh->self_record()) {
      j.set("address", mesh->address_of(*self).to_string());
    }
  }
  if (!m.last_error.empty()) j.set("lastError", m.last_error);
  return j;
}

Json status_document(const Daemon& d) {
  Json j = Json::object();
  j.set("node", d.node().public_key().to_base64());
  j.set("uptimeSeconds", d.uptime_seconds());
  j.set("controlPort", static_cast<int64_t>(d.control_socket().port()));
  j.set("backend", d.config().stub_wg ? std::string("none (stubWg)") : d.config().wg_backend);
  Json meshes = Json::array();
  for (const auto& [id, m] : d.meshes()) meshes.push(mesh_summary(d, id, m));
  j.set("meshes", std::move(meshes));
  Json rejected = Json::object();
  for (size_t i = 0; i < kSealErrorCount; ++i) {
    rejected.set(seal_error_name(static_cast<SealError>(i)),
                 static_cast<int64_t>(d.sealer().stats().rejected[i]));
  }
  rejected.set("undecodable", static_cast<int64_t>(d.core_rejected()));
  j.set("rejectedMessages", std::move(rejected));
  return j;
}

}  // namespace

Json mesh_document(const Daemon& d, const std::string& id, bool wireguard) {
  const auto it = d.meshes().find(id);
  Json j = mesh_summary(d, id, it->second);
  const Mesh* mesh = d.node().mesh(id);
  if (!mesh) return j;
  j.set("prefix", mesh->prefix().to_string());
  j.set("self", d.node().public_key().to_base64());
  std::map<PublicKey, const backends::PeerState*> wg;
  Result<backends::DeviceState> device = Status::not_found("");
  if (wireguard) {
    device = d.read_device(id);
    if (device) {
      for (const auto& p : device->peers) wg[p.public_key] = &p;
    }
  }
  Json nodes = Json::array();
  for (const RecordRef& r : mesh->state().records()) {
    Json n = Json::object();
    n.set("key", r->key.to_base64());
    n.set("alias", r->alias);
    n.set("address", mesh->address_of(*r).to_string());
    n.set("role", role_name(r->role));
    n.set("alive", mesh->is_live(r->key));
    n.set("leader", r->key == mesh->leader());
    n.set("self", r->key == d.node().public_key());
    n.set("control", endpoint_json(r->control));
    n.set("wgEndpoint", endpoint_json(r->wg_endpoint));
    n.set("description", r->description);
    if (r->role == Role::kClient) {
      auto peer = mesh->attached_peer(r->key);
      n.set("attachedTo", peer ? Json(peer->to_base64()) : Json(nullptr));
    }
    Json services = Json::object();
    for (const auto& [k, v] : r->services) services.set(k, v);
    n.set("services", std::move(services));
    Json routes = Json::array();
    for (const Route& rt : r->routes) {
      Json path = Json::array();
      for (const auto& p : rt.path) path.push(p);
      routes.push(Json::object().set("prefix", rt.prefix.to_string()).set("path", std::move(path)));
    }
    n.set("routes", std::move(routes));
    if (auto w = wg.find(r->key); w != wg.end()) {
      const backends::PeerState& p = *w->second;
      Json s = Json::object();
      s.set("endpoint", endpoint_json(p.endpoint));
      s.set("lastHandshakeUnix", p.last_handshake_unix_ns / 1000000000);
      s.set("rxBytes", static_cast<int64_t>(p.rx_bytes));
      s.set("txBytes", static_cast<int64_t>(p.tx_bytes));
      n.set("wireguard", std::move(s));
    }
    nodes.push(std::move(n));
  }
  j.set("nodes", std::move(nodes));
  Json routes = Json::array();
  if (const auto* selected = d.node().selected_routes(id)) {
    for (const SelectedRoute& s : *selected) {
      Json path = Json::array();
      for (const auto& p : s.path) path.push(p);
      routes.push(Json::object()
                      .set("prefix", s.prefix.to_string())
                      .set("via", s.via.to_base64())
                      .set("path", std::move(path)));
    }
  }
  j.set("routes", std::move(routes));
  return j;
}

ApiHandler make_api_handler(Daemon& d, ExtraMetrics extra) {
  return [&d, extra](const ApiRequest& req, ApiResponder respond) {
    const auto parts = split_path(req.path);
    const std::string& method = req.method;
    auto method_not_allowed = [&] {
      respond(error_response(405, "method " + method + " not allowed on " + req.path));
    };
    if (parts.size() == 1 && parts[0] == "metrics") {
      if (method != "GET") return method_not_allowed();
      return respond(ApiResponse{200, "text/plain; version=0.0.4",
                                 d.metrics_text() + (extra ? extra() : std::string())});
    }
    if (parts.empty() || parts[0] != "v1") {
      return respond(error_response(404, "no such resource: " + req.path));
    }
    if (parts.size() == 2 && parts[1] == "status") {
      if (method != "GET") return method_not_allowed();
      return respond(json_response(200, status_document(d)));
    }
    if (parts.size() == 2 && parts[1] == "graph") {
      if (method != "GET") return method_not_allowed();
      Json meshes = Json::array();
      for (const auto& [id, m] : d.meshes()) meshes.push(mesh_document(d, id, false));
      return respond(json_response(200, Json::object().set("meshes", std::move(meshes))));
    }
    if (parts.size() == 2 && parts[1] == "query") {
      if (method != "GET") return method_not_allowed();
      auto q = req.query.find("q");
      if (q == req.query.end()) return respond(error_response(400, "query: missing q parameter"));
      auto compiled = api::compile(q->second);
      if (!compiled) return respond(error_response(400, compiled.status().message()));
      Json doc;
      if (auto mesh = req.query.find("mesh"); mesh != req.query.end()) {
        if (!d.meshes().count(mesh->second)) {
          return respond(error_response(404, "not in mesh " + mesh->second));
        }
        doc = mesh_document(d, mesh->second, true);
      } else {
        doc = Json::array();
        for (const auto& [id, m] : d.meshes()) doc.push(mesh_document(d, id, true));
      }
      auto result = compiled->evaluate(doc);
      if (!result) return respond(error_response(400, result.status().message()));
      return respond(json_response(200, *result));
    }
    if (parts[1] != "meshes") return respond(error_response(404, "no such resource: " + req.path));

    if (parts.size() == 2) {
      if (method == "GET") {
        Json list = Json::array();
        for (const auto& [id, m] : d.meshes()) list.push(mesh_summary(d, id, m));
        return respond(json_response(200, list));
      }
      if (method != "POST") return method_not_allowed();
      auto body = parse_body(req.body, kMeshRequestFields);
      if (!body) return respond(error_response(body.status()));
      auto r = mesh_request(*body);
      if (!r) return respond(error_response(r.status()));
      auto id = d.create_mesh(*r);
      if (!id) return respond(error_response(id.status()));
      auto invite = d.invite(*id);
      Json out = Json::object().set("id", *id);
      if (invite) out.set("invite", invite->reveal());
      return respond(json_response(201, out));
    }
    if (parts.size() == 3 && parts[2] == "join") {
      if (method != "POST") return method_not_allowed();
      auto body = parse_body(req.body, kJoinFields, kMeshRequestFields);
      if (!body) return respond(error_response(body.status()));
      auto text = body->string_field("invite");
      if (!text) return respond(error_response(400, "invite: a string is required"));
      auto invite = Invite::parse(*text);
      if (!invite) return respond(error_response(invite.status()));
      auto r = mesh_request(*body);
      if (!r) return respond(error_response(r.status()));
      const std::string id = invite->mesh_id;
      d.join_mesh(*invite, *r, [respond, id](Status s) {
        if (s) return respond(json_response(200, Json::object().set("id", id)));
        respond(
            error_response(s.code() == Status::Code::kIoError ? 504 : http_status(s), s.message()));
      });
      return;
    }
    const std::string& id = parts[2];
    if (!d.meshes().count(id)) return respond(error_response(404, "not in mesh " + id));
    if (parts.size() == 3) {
      if (method == "GET") return respond(json_response(200, mesh_document(d, id, true)));
      if (method != "DELETE") return method_not_allowed();
      Status s = d.leave_mesh(id);
      if (!s) return respond(error_response(s));
      return respond(json_response(200, Json::object().set("left", id)));
    }
    const std::string& what = parts[3];
    if (parts.size() == 4 && what == "invite") {
      if (method != "GET") return method_not_allowed();
      auto inv = d.invite(id);
      if (!inv) return respond(error_response(inv.status()));
      return respond(json_response(200, Json::object().set("invite", inv->reveal())));
    }
    if (parts.size() == 4 && (what == "alias" || what == "description")) {
      if (method != "PUT") return method_not_allowed();
      const std::string_view field[] = {what};
      auto body = parse_body(req.body, field);
      if (!body) return respond(error_response(body.status()));
      auto text = body->string_field(what);
      if (!text) return respond(error_response(400, what + ": a string is required"));
      Status s = what == "alias" ? d.set_alias(id, *text) : d.set_description(id, *text);
      if (!s) return respond(error_response(s));
      return respond(json_response(200, Json::object().set(what, *text)));
    }
    if (parts.size() == 5 && what == "services") {
      const std::string& name = parts[4];
      if (method == "DELETE") {
        Status s = d.delete_service(id, name);
        if (!s) return respond(error_response(s));
        return respond(json_response(200, Json::object().set("deleted", name)));
      }
      if (method != "PUT") return method_not_allowed();
      const std::string_view field[] = {"value"};
      auto body = parse_body(req.body, field);
      if (!body) return respond(error_response(body.status()));
      auto value = body->string_field("value");
      if (!value) return respond(error_response(400, "value: a string is required"));
      Status s = d.set_service(id, name, *value);
      if (!s) return respond(error_response(s));
      return respond(json_response(200, Json::object().set(name, *value)));
    }
    respond(error_response(404, "no such resource: " + req.path));
  };
}

}  // namespace smeg::daemon
