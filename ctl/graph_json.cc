#include "ctl/graph_json.h"

namespace smeg::ctl {

using api::Json;

namespace {
std::string str(const Json& j) {
  auto s = j.get_string();
  return s ? std::string(*s) : std::string();
}
}  // namespace

Result<GraphModel> graph_model_from_json(const Json& doc) {
  const Json::Array* meshes = doc["meshes"].array_items();
  if (!meshes) return Status::invalid_argument("graph document: \"meshes\" must be an array");
  GraphModel model;
  for (size_t i = 0; i < meshes->size(); ++i) {
    const Json& m = (*meshes)[i];
    GraphMesh gm;
    gm.id = str(m["id"]);
    if (gm.id.empty()) {
      return Status::invalid_argument("graph document: meshes[" + std::to_string(i) +
                                      "].id is missing");
    }
    if (const Json::Array* nodes = m["nodes"].array_items()) {
      for (const Json& n : *nodes) {
        GraphNode g;
        g.key = str(n["key"]);
        if (g.key.empty()) {
          return Status::invalid_argument("graph document: a node of mesh " + gm.id +
                                          " has no key");
        }
        g.alias = str(n["alias"]);
        g.address = str(n["address"]);
        g.role = str(n["role"]).empty() ? "peer" : str(n["role"]);
        g.attached_to = str(n["attachedTo"]);
        g.leader = n["leader"].get_bool().value_or(false);
        g.self = n["self"].get_bool().value_or(false);
        g.alive = n["alive"].get_bool().value_or(true);
        if (const Json::Array* routes = n["routes"].array_items()) {
          for (const Json& r : *routes) {
            const std::string prefix = str(r["prefix"]);
            if (prefix.empty()) continue;
            g.advertised.push_back(prefix);
            if (prefix == "::/0" && r["path"].size() == 0) g.exit = true;
          }
        }
        if (const Json::Object* services = n["services"].object_members()) {
          for (const auto& [k, v] : *services) g.services.emplace_back(k, str(v));
        }
        gm.nodes.push_back(std::move(g));
      }
    }
    if (const Json::Array* routes = m["routes"].array_items()) {
      for (const Json& r : *routes) {
        GraphRoute gr;
        gr.prefix = str(r["prefix"]);
        gr.via_key = str(r["via"]);
        if (const Json::Array* path = r["path"].array_items()) {
          for (const Json& p : *path) gr.path.push_back(str(p));
        }
        gm.routes.push_back(std::move(gr));
      }
    }
    model.meshes.push_back(std::move(gm));
  }
  return model;
}

}  // namespace smeg::ctl
