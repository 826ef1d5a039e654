#include "core/node.h"

#include <algorithm>

namespace smeg {

const char* event_type_name(EventType t) {
  switch (t) {
    case EventType::kMemberAdded:
      return "member-added";
    case EventType::kMemberRemoved:
      return "member-removed";
    case EventType::kLeaderChanged:
      return "leader-changed";
    case EventType::kEpochStarted:
      return "epoch-started";
    case EventType::kRoutesChanged:
      return "routes-changed";
    case EventType::kJoined:
      return "joined";
    case EventType::kJoinFailed:
      return "join-failed";
    case EventType::kMessageRejected:
      return "message-rejected";
    case EventType::kSlotChanged:
      return "slot-changed";
  }
  return "unknown";
}

const DesiredPeer* DesiredDevice::find_peer(const PublicKey& key) const {
  auto it =
      std::lower_bound(peers.begin(), peers.end(), key,
                       [](const DesiredPeer& p, const PublicKey& k) { return p.public_key < k; });
  return (it != peers.end() && it->public_key == key) ? &*it : nullptr;
}

Node::Node(KeyPair keys, Params params, RecordPool* pool)
    : keys_(keys), params_(std::move(params)) {
  if (!pool) {
    own_pool_ = std::make_unique<RecordPool>();
    pool = own_pool_.get();
  }
  pool_ = pool;
}

MeshContext Node::context() {
  return MeshContext{&keys_, &params_, pool_, &out_, &events_, &bytes_sent_};
}

Mesh* Node::find(const std::string& mesh_id) {
  auto it = meshes_.find(mesh_id);
  return it == meshes_.end() ? nullptr : &it->second;
}

const Mesh* Node::mesh(const std::string& mesh_id) const {
  auto it = meshes_.find(mesh_id);
  return it == meshes_.end() ? nullptr : &it->second;
}

std::vector<std::string> Node::mesh_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, m] : meshes_) ids.push_back(id);
  return ids;
}

Status Node::create_mesh(Time now, Rng& rng, const std::string& mesh_id,
                         const MeshOptions& options) {
  if (Status s = params_.validate(); !s) return s;
  if (Status s = validate_mesh_id(mesh_id); !s) return s;
  if (Status s = options.validate(); !s) return s;
  if (options.role != Role::kPeer) {
    return Status::invalid_argument("role: a mesh is created by a peer (clients join through one)");
  }
  if (meshes_.count(mesh_id)) return Status::conflict("already in mesh " + mesh_id);
  meshes_.emplace(mesh_id, Mesh::create(context(), now, rng, mesh_id, options));
  after_input(now, rng);
  return Status::ok();
}

Status Node::join_mesh(Time now, const std::string& mesh_id, const MeshOptions& options,
                       const Endpoint& bootstrap) {
  if (Status s = params_.validate(); !s) return s;
  if (Status s = validate_mesh_id(mesh_id); !s) return s;
  if (Status s = options.validate(); !s) return s;
  if (meshes_.count(mesh_id)) return Status::conflict("already in mesh " + mesh_id);
  if (bootstrap.port == 0) return Status::invalid_argument("bootstrap endpoint has no port");
  meshes_.emplace(mesh_id, Mesh::join(context(), now, mesh_id, options, bootstrap));
  return Status::ok();
}

Status Node::resume_mesh(Time now, Rng& rng, MeshImage image) {
  if (Status s = params_.validate(); !s) return s;
  if (Status s = validate_mesh_id(image.id); !s) return s;
  if (Status s = image.options.validate(); !s) return s;
  if (meshes_.count(image.id)) return Status::conflict("already in mesh " + image.id);
  const std::string id = image.id;
  meshes_.emplace(id, Mesh::resume(context(), now, rng, std::move(image)));
  after_input(now, rng);
  return Status::ok();
}

Result<MeshImage> Node::mesh_image(const std::string& mesh_id) const {
  const Mesh* m = mesh(mesh_id);
  if (!m) return Status::not_found("not in mesh " + mesh_id);
  return m->image();
}

Status Node::leave_mesh(Time now, Rng& rng, const std::string& mesh_id) {
  Mesh* m = find(mesh_id);
  if (!m) return Status::not_found("not in mesh " + mesh_id);
  m->leave(rng);
  meshes_.erase(mesh_id);
  selected_.erase(mesh_id);
  // What we advertise into our other meshes came partly through this one: withdraw it.
  recompute_routes(now, rng);
  after_input(now, rng);
  return Status::ok();
}

Status Node::change_options(Time now, Rng& rng, const std::string& mesh_id,
                            const std::function<void(MeshOptions&)>& change) {
  Mesh* m = find(mesh_id);
  if (!m) return Status::not_found("not in mesh " + mesh_id);
  MeshOptions o = m->options();
  change(o);
  if (Status s = o.validate(); !s) return s;
  const bool advertising_changed = o.advertise_routes != m->options().advertise_routes ||
                                   o.advertise_defaults != m->options().advertise_defaults;
  m->update_self(rng, o);
  if (advertising_changed) recompute_routes(now, rng);
  after_input(now, rng);
  return Status::ok();
}

Status Node::change_services(Time now, Rng& rng, const std::string& mesh_id,
                             const std::function<Status(Services&)>& change) {
  Mesh* m = find(mesh_id);
  if (!m) return Status::not_found("not in mesh " + mesh_id);
  const NodeRecord* self = m->self_record();
  Services services = self ? self->services : Services{};
  if (Status s = change(services); !s) return s;
  m->set_services(rng, std::move(services));
  after_input(now, rng);
  return Status::ok();
}

Status Node::set_alias(Time now, Rng& rng, const std::string& mesh_id, const std::string& alias) {
  if (Status s = validate_alias(alias); !s) return s;
  return change_options(now, rng, mesh_id, [&](MeshOptions& o) { o.alias = alias; });
}

Status Node::set_description(Time now, Rng& rng, const std::string& mesh_id,
                             const std::string& text) {
  return change_options(now, rng, mesh_id, [&](MeshOptions& o) { o.description = text; });
}

Status Node::set_advertise(Time now, Rng& rng, const std::string& mesh_id, bool routes,
                           bool defaults) {
  return change_options(now, rng, mesh_id, [&](MeshOptions& o) {
    o.advertise_routes = routes;
    o.advertise_defaults = defaults;
  });
}

Status Node::set_service(Time now, Rng& rng, const std::string& mesh_id, const std::string& name,
                         const std::string& value) {
  if (Status s = validate_service(name, value); !s) return s;
  return change_services(now, rng, mesh_id, [&](Services& services) {
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const auto& sv) { return sv.first == name; });
    if (it != services.end()) {
      it->second = value;
      return Status::ok();
    }
    if (services.size() >= RecordLimits::kServices) {
      return Status::invalid_argument("too many services (at most " +
                                      std::to_string(RecordLimits::kServices) + ")");
    }
    services.emplace_back(name, value);
    return Status::ok();
  });
}

Status Node::delete_service(Time now, Rng& rng, const std::string& mesh_id,
                            const std::string& name) {
  return change_services(now, rng, mesh_id, [&](Services& services) {
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const auto& sv) { return sv.first == name; });
    if (it == services.end()) return Status::not_found("no service named " + name);
    services.erase(it);
    return Status::ok();
  });
}

void Node::handle_message(Time now, Rng& rng, const Endpoint& from,
                          std::span<const uint8_t> bytes) {
  Result<Message> msg = decode_message(bytes, *pool_);
  if (!msg) {
    ++rejected_;
    events_.push_back(Event{EventType::kMessageRejected, now, {}, {}, RemovalReason::kNone, 1});
    return;
  }
  Mesh* m = find(msg->header.mesh_id);
  if (!m) {
    ++rejected_;
    events_.push_back(Event{EventType::kMessageRejected, now, msg->header.mesh_id,
                            msg->header.sender, RemovalReason::kNone, 2});
    return;
  }
  m->handle_message(now, rng, from, *msg);
  after_input(now, rng);
}

void Node::handle_timeout(Time now, Rng& rng) {
  for (auto& [id, m] : meshes_) {
    if (m.next_timeout() <= now) m.handle_timeout(now, rng);
  }
  after_input(now, rng);
}

Time Node::poll_timeout() const {
  Time t = kNever;
  for (const auto& [id, m] : meshes_) t = std::min(t, m.next_timeout());
  return t;
}

std::optional<Transmit> Node::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  Transmit t = std::move(out_.front());
  out_.pop_front();
  return t;
}

std::optional<Event> Node::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Node::after_input(Time now, Rng& rng) {
  for (auto it = meshes_.begin(); it != meshes_.end();) {
    if (it->second.failed()) {
      selected_.erase(it->first);
      it = meshes_.erase(it);
    } else {
      ++it;
    }
  }
  bool dirty = false;
  for (auto& [id, m] : meshes_) dirty |= m.routes_dirty();
  if (dirty) recompute_routes(now, rng);
}

void Node::recompute_routes(Time now, Rng& rng) {
  // Re-advertising can change our own records, which does not change what we select (our own
  // adverts are ignored), so two passes at most reach a fixpoint locally.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<MeshRoutes> all;
    for (auto& [id, m] : meshes_) {
      m.clear_routes_dirty();
      m.refresh();
      if (m.joining()) continue;
      std::vector<RouteAdvert> adverts = m.route_adverts();
      auto sel = select_routes(keys_.public_key, id, adverts, params_.max_path);
      auto& prev = selected_[id];
      if (sel != prev) {
        prev = sel;
        ++route_changes_;
        events_.push_back(
            Event{EventType::kRoutesChanged, now, id, {}, RemovalReason::kNone, sel.size()});
      }
      all.push_back(MeshRoutes{id, m.prefix(), std::move(sel)});
    }
    auto choices = choose_across_meshes(all);
    if (choices != choices_) {
      choices_ = std::move(choices);
      ++route_changes_;
    }
    bool republished = false;
    for (auto& [id, m] : meshes_) {
      if (m.joining()) continue;
      std::vector<Route> want;
      if (m.options().advertise_routes) want = routes_to_advertise(id, all, params_.max_path);
      if (m.options().advertise_defaults) {
        const Prefix def = Prefix::default_route_v6();
        want.erase(std::remove_if(want.begin(), want.end(),
                                  [&](const Route& r) { return r.prefix == def; }),
                   want.end());
        want.push_back(Route{def, {}});
      }
      std::sort(want.begin(), want.end());
      const NodeRecord* self = m.self_record();
      if (self && self->routes != want) {
        m.set_routes(rng, std::move(want));
        republished = true;
      }
      m.clear_routes_dirty();
    }
    if (!republished) break;
  }
}

uint64_t Node::config_generation(const std::string& mesh_id) const {
  const Mesh* m = mesh(mesh_id);
  return m ? 1 + m->changes() + route_changes_ : 0;
}

const std::vector<SelectedRoute>* Node::selected_routes(const std::string& mesh_id) const {
  auto it = selected_.find(mesh_id);
  return it == selected_.end() ? nullptr : &it->second;
}

Result<DesiredDevice> Node::desired_config(const std::string& mesh_id) {
  Mesh* m = find(mesh_id);
  if (!m) return Status::not_found("not in mesh " + mesh_id);
  if (m->joining()) return Status::not_found("mesh " + mesh_id + " is still joining");
  m->refresh();
  static const std::vector<SelectedRoute> kNone;
  const auto* sel = selected_routes(mesh_id);
  std::vector<Prefix> kernel;
  for (const auto& c : choices_) {
    if (c.mesh_id == mesh_id) kernel.push_back(c.prefix);
  }
  std::sort(kernel.begin(), kernel.end());
  // Only the routes this mesh won across meshes go into its peers' allowed IPs.
  std::vector<SelectedRoute> used;
  for (const auto& s : sel ? *sel : kNone) {
    if (std::binary_search(kernel.begin(), kernel.end(), s.prefix)) used.push_back(s);
  }
  return m->desired(used, kernel);
}

}  // namespace smeg
