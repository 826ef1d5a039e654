// The graph model (graph.h) from smegd's GET /v1/graph document: each mesh's nodes (key,
// alias, address, role, liveness, leader, attachment, advertised routes, services) and the
// routes it selected. A document that lacks a required field is an error naming it.
#pragma once

#include "core/status.h"
#include "ctl/graph.h"
#include "daemon/api/json.h"

namespace smeg::ctl {

Result<GraphModel> graph_model_from_json(const api::Json& document);

}  // namespace smeg::ctl
