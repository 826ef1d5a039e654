// The local API's resources: what smegctl (and anyone with access to the socket) can ask of
// smegd. Everything is JSON; errors are {"error": "..."} with a status that says what kind of
// error it was (400 bad input, 404 no such mesh or route, 405 wrong method, 409 conflict,
// 504 a join nobody answered, 500 the system refused). A request that fails changes nothing.
//
//   GET    /v1/status                           node key, uptime, counters, meshes
//   GET    /v1/meshes                           one line per mesh
//   POST   /v1/meshes                           create a mesh: MeshRequest fields -> {id, invite}
//   POST   /v1/meshes/join                      {invite, ...MeshRequest} -> {id} once joined
//   GET    /v1/meshes/ID                        nodes with alias, address, endpoints, role,
//                                               description, services, routes, liveness,
//                                               WireGuard stats
//   DELETE /v1/meshes/ID                        leave it
//   GET    /v1/meshes/ID/invite                 {invite}
//   PUT    /v1/meshes/ID/alias                  {alias}
//   PUT    /v1/meshes/ID/description            {description}
//   PUT    /v1/meshes/ID/services/NAME          {value}
//   DELETE /v1/meshes/ID/services/NAME
//   GET    /v1/query?q=EXPR[&mesh=ID]           a JMESPath expression over one mesh's document
//                                               (GET /v1/meshes/ID) or over all of them
//   GET    /v1/graph                            every mesh's nodes and routes, for the graph
//   GET    /metrics                             Prometheus text
//
// MeshRequest fields (all optional; the configuration's baseConfiguration fills the rest):
// role ("peer"|"client"), wgPort, endpoint, keepAliveWg, advertiseRoutes, advertiseDefaults,
// alias, description. Unknown fields are refused, naming the field.
#pragma once

#include <functional>
#include <string>

#include "daemon/api/json.h"
#include "daemon/api_server.h"
#include "daemon/daemon.h"

namespace smeg::daemon {

// Metrics that live outside the Daemon (the DNS server's counters), appended to its own.
using ExtraMetrics = std::function<std::string()>;

ApiHandler make_api_handler(Daemon& daemon, ExtraMetrics extra = {});

// The document of one mesh as GET /v1/meshes/ID returns it.
api::Json mesh_document(const Daemon& daemon, const std::string& mesh_id, bool wireguard);

}  // namespace smeg::daemon
