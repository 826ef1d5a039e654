// What new-mesh and join-mesh send smegd, from their flags: the MeshRequest body of
// POST /v1/meshes and /v1/meshes/join (daemon/api_routes.h), and join-mesh's invite. Only the
// flags given become fields, so whatever was not asked for keeps the configuration's value:
// without -a/-d neither advertiseRoutes nor advertiseDefaults is sent (the original's CLI sent
// false and so silently overrode the YAML). Values are checked here so that nothing is
// requested with a bad one; errors name the flag.
#pragma once

#include <string>

#include "core/status.h"
#include "ctl/flags.h"
#include "daemon/api/json.h"

namespace smeg::ctl {

// The body from the flags wgport (1..65535), KeepAliveWg (0..65535), role (peer|client),
// endpoint, alias, description, advertise and defaults.
Result<api::Json> mesh_body(const ParsedFlags& flags);

// --invite, or the original's --meshid, --ip and --secret put together as an invite
// (smeg://MESHID@IP/SECRET); not both ways at once.
Result<std::string> join_invite(const Verb& verb, const ParsedFlags& flags);

}  // namespace smeg::ctl
