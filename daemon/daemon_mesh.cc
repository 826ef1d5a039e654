// The Daemon's meshes: creating, joining and leaving them, this node's own record in each,
// the endpoints it advertises, and invites.
#include <sodium.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "daemon/daemon.h"
#include "daemon/host_port.h"
#include "daemon/log.h"

namespace smeg::daemon {

namespace asio = boost::asio;

namespace {
// An IP literal as it is, a DNS name through the system's resolver (getaddrinfo; blocks the
// caller briefly: it happens only for API commands).
Result<IpAddr> resolve_host(const std::string& host) {
  if (auto ip = IpAddr::parse(host)) return *ip;
  asio::io_context io;
  asio::ip::udp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return Status::invalid_argument("cannot resolve \"" + host +
                                    "\": " + (ec ? ec.message() : std::string("no address")));
  }
  return address_from_asio(results.begin()->endpoint().address());
}
}  // namespace

Result<Endpoint> Daemon::control_endpoint(const std::optional<std::string>& endpoint,
                                          const std::optional<Endpoint>& bootstrap) const {
  std::optional<std::string> host = endpoint ? endpoint : config_.base.public_endpoint;
  if (host) {
    auto hp = parse_host_and_port(*host);
    if (!hp) return Status::invalid_argument("publicEndpoint: " + hp.status().message());
    auto ip = resolve_host(hp->host);
    if (!ip) return ip.status();
    return Endpoint{*ip, socket_.port()};
  }
  // Outgoing discovery: the address the kernel would send from, toward the bootstrap or,
  // for a new mesh, toward a documentation address (connecting a UDP socket sends nothing).
  boost::system::error_code ec;
  asio::io_context io;
  asio::ip::udp::socket s(io);
  const Endpoint toward =
      bootstrap ? *bootstrap : *Endpoint::parse("[2001:db8::1]:" + std::to_string(socket_.port()));
  const auto to = asio::ip::udp::endpoint(address_to_asio(toward.addr), toward.port);
  s.open(to.protocol(), ec);
  if (!ec) s.connect(to, ec);
  if (ec && !bootstrap) {
    s.close();
    const auto v4 = asio::ip::udp::endpoint(asio::ip::make_address("192.0.2.1"), toward.port);
    s.open(v4.protocol(), ec);
    if (!ec) s.connect(v4, ec);
  }
  if (ec) {
    return Status::invalid_argument("cannot find this host's address (" + ec.message() +
                                    "): give publicEndpoint in the configuration or --endpoint");
  }
  return Endpoint{address_from_asio(s.local_endpoint().address()), socket_.port()};
}

Result<MeshOptions> Daemon::mesh_options(const MeshRequest& r,
                                         const std::optional<Endpoint>& bootstrap) const {
  MeshOptions o;
  o.role = r.role.value_or(config_.base.role);
  o.advertise_routes = r.advertise_routes.value_or(config_.base.advertise_route);
  o.advertise_defaults = r.advertise_defaults.value_or(config_.base.advertise_defaults);
  o.keepalive = r.keepalive.value_or(config_.base.keepalive_wg);
  // A client behind NAT needs keepalives to keep its mapping open.
  if (o.role == Role::kClient && o.keepalive == 0) o.keepalive = 25;
  o.wg_port = r.wg_port ? *r.wg_port : free_wg_port();
  auto control = control_endpoint(r.endpoint, bootstrap);
  if (!control) return control.status();
  o.control = *control;
  if (o.role == Role::kPeer) o.wg_endpoint = Endpoint{control->addr, *o.wg_port};
  o.alias = r.alias;
  o.description = r.description;
  if (Status s = o.validate(); !s) return s;
  return o;
}

std::string Daemon::free_interface_name() const {
  for (int i = 0;; ++i) {
    const std::string name = config_.interface_prefix + std::to_string(i);
    bool used = false;
    for (const auto& [id, m] : meshes_) used = used || m.persisted.ifname == name;
    if (!used) return name;
  }
}

uint16_t Daemon::free_wg_port() const {
  for (uint32_t p = config_.wg_port;; ++p) {
    bool used = false;
    for (const auto& [id, m] : meshes_) {
      used = used || (m.persisted.options.wg_port && *m.persisted.options.wg_port == p);
    }
    if (!used || p == 65535) return static_cast<uint16_t>(p);
  }
}

Result<std::string> Daemon::create_mesh(const MeshRequest& request) {
  auto options = mesh_options(request, std::nullopt);
  if (!options) return options.status();
  std::array<uint8_t, 10> random;
  randombytes_buf(random.data(), random.size());
  const std::string id = generate_mesh_id(random);
  const MeshSecret secret = MeshSecret::generate();

  if (Status s = node_->create_mesh(now(), rng_, id, *options); !s) return s;
  if (Status s = sealer_->add_mesh(id, secret); !s) {
    (void)node_->leave_mesh(now(), rng_, id);
    return s;
  }
  MeshRuntime& m = meshes_[id];
  m.persisted.id = id;
  m.persisted.secret = secret.bytes();
  m.persisted.options = *options;
  m.persisted.ifname = free_interface_name();
  m.state = MeshState::kMember;
  persist(m, true);
  log_info("daemon", "created mesh " + id + " on " + m.persisted.ifname);
  after_input();
  return id;
}

Status Daemon::start_join(MeshRuntime& m, const Endpoint& bootstrap) {
  return node_->join_mesh(now(), m.persisted.id, m.persisted.options, bootstrap);
}

void Daemon::join_mesh(const Invite& invite, const MeshRequest& request,
                       std::function<void(Status)> done) {
  if (meshes_.count(invite.mesh_id)) {
    return done(Status::conflict("already in mesh " + invite.mesh_id));
  }
  auto ip = invite.host_ip() ? Result<IpAddr>(*invite.host_ip()) : resolve_host(invite.host);
  if (!ip) return done(ip.status());
  const Endpoint bootstrap{*ip, invite.port};
  auto options = mesh_options(request, bootstrap);
  if (!options) return done(options.status());
  if (Status s = sealer_->add_mesh(invite.mesh_id, invite.secret); !s) return done(s);
  MeshRuntime& m = meshes_[invite.mesh_id];
  m.persisted.id = invite.mesh_id;
  m.persisted.secret = invite.secret.bytes();
  m.persisted.options = *options;
  m.persisted.ifname = free_interface_name();
  m.persisted.bootstrap = bootstrap;
  m.state = MeshState::kJoining;
  if (Status s = start_join(m, bootstrap); !s) {
    (void)sealer_->remove_mesh(invite.mesh_id);
    meshes_.erase(invite.mesh_id);
    return done(s);
  }
  m.join_waiters.push_back(std::move(done));
  log_info("daemon", "joining mesh " + invite.mesh_id + " through " + bootstrap.to_string());
  after_input();
}

void Daemon::finish_join(const std::string& mesh_id, Status status) {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return;
  MeshRuntime& m = it->second;
  auto waiters = std::move(m.join_waiters);
  m.join_waiters.clear();
  if (status) {
    m.state = MeshState::kMember;
    persist(m, true);
  } else if (!waiters.empty()) {
    // An API join that failed leaves nothing behind.
    log_warning("daemon", status.message());
    (void)sealer_->remove_mesh(mesh_id);
    meshes_.erase(it);
  } else {
    // A rejoin after a restart: keep trying, as long as the operator does not leave.
    m.rejoin_at = now() + config_.params.join_retry;
    log_warning("daemon", status.message() + "; retrying");
  }
  for (auto& w : waiters) w(status);
}

Status Daemon::leave_mesh(const std::string& mesh_id) {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return Status::not_found("not in mesh " + mesh_id);
  MeshRuntime& m = it->second;
  if (node_->mesh(mesh_id)) {
    if (Status s = node_->leave_mesh(now(), rng_, mesh_id); !s) return s;
  }
  drain_transmits();  // the goodbye goes out sealed before the key is forgotten
  tear_down_mesh(m, true);
  if (Status s = state_->remove_mesh(mesh_id); !s) log_error("state", s.message());
  (void)sealer_->remove_mesh(mesh_id);
  auto waiters = std::move(m.join_waiters);
  meshes_.erase(it);
  for (auto& w : waiters) w(Status::not_found("left mesh " + mesh_id + " before the join ended"));
  log_info("daemon", "left mesh " + mesh_id);
  after_input();
  return Status::ok();
}

Status Daemon::change_own(const std::string& mesh_id,
                          const std::function<Status(MeshRuntime&)>& change) {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return Status::not_found("not in mesh " + mesh_id);
  Status s = change(it->second);
  if (s) {
    persist(it->second, true);
    after_input();
  }
  return s;
}

Status Daemon::set_alias(const std::string& mesh_id, const std::string& alias) {
  return change_own(mesh_id, [&](MeshRuntime& m) {
    Status s = node_->set_alias(now(), rng_, mesh_id, alias);
    if (s) m.persisted.options.alias = alias;
    return s;
  });
}

Status Daemon::set_description(const std::string& mesh_id, const std::string& text) {
  return change_own(mesh_id, [&](MeshRuntime& m) {
    Status s = node_->set_description(now(), rng_, mesh_id, text);
    if (s) m.persisted.options.description = text;
    return s;
  });
}

// Services live in our record, which the image carries (and resume keeps).
Status Daemon::set_service(const std::string& mesh_id, const std::string& name,
                           const std::string& value) {
  return change_own(
      mesh_id, [&](MeshRuntime&) { return node_->set_service(now(), rng_, mesh_id, name, value); });
}

Status Daemon::delete_service(const std::string& mesh_id, const std::string& name) {
  return change_own(
      mesh_id, [&](MeshRuntime&) { return node_->delete_service(now(), rng_, mesh_id, name); });
}

Result<Invite> Daemon::invite(const std::string& mesh_id) const {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return Status::not_found("not in mesh " + mesh_id);
  const auto& control = it->second.persisted.options.control;
  if (!control) return Status::not_found("mesh " + mesh_id + " has no control endpoint");
  Invite inv;
  inv.mesh_id = mesh_id;
  inv.host = control->addr.to_string();
  inv.port = control->port;
  inv.secret = MeshSecret::from_bytes(it->second.persisted.secret);
  return inv;
}

}  // namespace smeg::daemon
