#include "daemon/daemon.h"

#include <sodium.h>
#include <time.h>

#include <boost/asio/ip/udp.hpp>

#include "core/messages.h"
#include "daemon/host_port.h"
#include "daemon/log.h"

namespace smeg::daemon {

namespace asio = boost::asio;

namespace {
// How often images are written while their mesh changes (and at every stop).
constexpr auto kImageInterval = std::chrono::seconds(30);

uint64_t random_u64() {
  uint64_t v;
  randombytes_buf(&v, sizeof v);
  return v;
}

uint64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string short_key(const PublicKey& k) { return k.to_base64().substr(0, 8); }

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

Daemon::Daemon(asio::io_context& io, Config config)
    : io_(io), config_(std::move(config)), rng_(random_u64()), socket_(io), timer_(io) {}

Daemon::~Daemon() { stop(); }

Time Daemon::now() const {
  return std::chrono::duration_cast<Time>(std::chrono::steady_clock::now() - origin_);
}

double Daemon::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
}

Status Daemon::start() {
  if (sodium_init() < 0) return Status::io_error("libsodium could not be initialised");
  auto dir = StateDir::open(config_.state_dir);
  if (!dir) return dir.status();
  state_ = std::make_unique<StateDir>(std::move(*dir));
  for (const std::string& w : state_->take_warnings()) log_warning("state", w);
  auto keys = state_->load_or_create_identity([] {
    std::array<uint8_t, 32> r;
    randombytes_buf(r.data(), r.size());
    return r;
  });
  if (!keys) return keys.status();
  keys_ = *keys;
  node_ = std::make_unique<Node>(keys_, config_.params, &pool_);
  // The sealing counter starts at the wall clock in nanoseconds, so a restart continues above
  // everything the previous run sent and peers' replay windows accept it.
  sealer_ = std::make_unique<Sealer>(keys_.public_key, realtime_ns());
  if (Status s = socket_.open(config_.control_port); !s) return s;
  log_info("daemon", "node " + keys_.public_key.to_base64() + ", control port " +
                         std::to_string(socket_.port()));

  auto persisted = state_->load_meshes(pool_);
  if (!persisted) {
    socket_.close();
    return persisted.status();
  }
  // A damaged mesh file costs that mesh only (its file stays for the operator to look at).
  for (const Status& f : persisted->failures) log_error("state", f.message());
  for (PersistedMesh& p : persisted->meshes) {
    const std::string id = p.id;
    MeshRuntime& m = meshes_[id];
    m.persisted = std::move(p);
    if (Status s = sealer_->add_mesh(id, MeshSecret::from_bytes(m.persisted.secret)); !s) {
      log_error("daemon", "mesh " + id + ": " + s.message());
      meshes_.erase(id);
      continue;
    }
    if (m.persisted.image) {
      MeshImage image = *m.persisted.image;
      if (Status s = node_->resume_mesh(now(), rng_, std::move(image)); !s) {
        log_error("daemon", "mesh " + id + ": cannot resume from its image: " + s.message());
        sealer_->remove_mesh(id);
        meshes_.erase(id);
        continue;
      }
      m.state = MeshState::kMember;
      m.saved_generation = node_->config_generation(id);
      log_info("daemon", "mesh " + id + ": resumed from its image");
    } else if (m.persisted.bootstrap) {
      m.state = MeshState::kJoining;
      if (Status s = start_join(m, *m.persisted.bootstrap); !s) {
        log_error("daemon", "mesh " + id + ": " + s.message());
      }
    }
  }
  socket_.start([this](const Endpoint& from, std::span<const uint8_t> d) { on_datagram(from, d); });
  started_ = true;
  after_input();
  return Status::ok();
}

void Daemon::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& [id, m] : meshes_) {
    if (m.state == MeshState::kMember) persist(m, true);
  }
  timer_.cancel();
  socket_.close();
}

std::vector<std::string> Daemon::reload(Config next) {
  std::vector<std::string> refused;
  for (const ConfigChange& c : diff_config(config_, next)) {
    if (c.needs_restart) refused.push_back(c.key);
  }
  // Keep what needs a restart as it is; take the rest.
  next.control_port = config_.control_port;
  next.state_dir = config_.state_dir;
  next.socket_path = config_.socket_path;
  next.wg_backend = config_.wg_backend;
  next.interface_prefix = config_.interface_prefix;
  next.dns.listen = config_.dns.listen;
  next.metrics = config_.metrics;
  next.stub_wg = config_.stub_wg;
  next.mtu = config_.mtu;
  next.wg_port = config_.wg_port;
  next.api_group = config_.api_group;
  next.params = config_.params;  // the core's tunables are fixed for a Node's life
  config_ = std::move(next);
  set_log_level(config_.log_level);
  return refused;
}

// --- inputs --------------------------------------------------------------------------------

void Daemon::on_datagram(const Endpoint& from, std::span<const uint8_t> datagram) {
  SealError reason{};
  auto opened = sealer_->open(datagram, &reason);
  if (!opened) {
    log_debug("control",
              "dropped a datagram from " + from.to_string() + ": " + opened.status().message());
    return;
  }
  node_->handle_message(now(), rng_, from, opened->plaintext);
  after_input();
}

void Daemon::on_timer() {
  armed_at_ = kNever;
  node_->handle_timeout(now(), rng_);
  after_input();
}

void Daemon::rearm() {
  Time at = node_->poll_timeout();
  for (const auto& [id, m] : meshes_) {
    at = std::min({at, m.retry_at, m.rejoin_at});
  }
  at = std::min(at, next_image_save_);
  if (at == kNever || at == armed_at_) return;
  armed_at_ = at;
  const Time delay = std::max(Time(0), at - now());
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && started_) on_timer();
  });
}

// --- outputs -------------------------------------------------------------------------------

void Daemon::after_input() {
  drain_transmits();
  drain_events();
  const Time t = now();
  for (auto& [id, m] : meshes_) {
    if (m.state == MeshState::kJoining && m.rejoin_at <= t) {
      m.rejoin_at = kNever;
      if (m.persisted.bootstrap) (void)start_join(m, *m.persisted.bootstrap);
    }
  }
  drain_transmits();
  apply_configs();
  if (t >= next_image_save_) {
    persist_images();
    next_image_save_ = t + std::chrono::duration_cast<Time>(kImageInterval);
  }
  // What DNS serves moves with the meshes' records: rebuild only when a generation moved.
  uint64_t signature = meshes_.size();
  for (const auto& [id, m] : meshes_)
    signature = signature * 1000003 + node_->config_generation(id);
  if (signature != view_signature_) {
    view_signature_ = signature;
    if (view_changed_) view_changed_();
  }
  rearm();
}

void Daemon::drain_transmits() {
  while (auto tx = node_->poll_transmit()) {
    auto header = decode_message_header(tx->bytes);
    if (!header) continue;  // the core's own encoding: cannot happen
    auto sealed = sealer_->seal(header->mesh_id, tx->bytes);
    if (!sealed) {
      log_warning("control",
                  "mesh " + header->mesh_id + ": not sent: " + sealed.status().message());
      continue;
    }
    const auto type = static_cast<size_t>(header->type);
    if (type < sent_messages_.size()) {
      ++sent_messages_[type];
      sent_bytes_[type] += sealed->size();
    }
    socket_.send(tx->to, std::move(*sealed));
  }
}

void Daemon::drain_events() {
  while (auto ev = node_->poll_event()) {
    ++events_;
    auto it = meshes_.find(ev->mesh_id);
    MeshCounters* c = it == meshes_.end() ? nullptr : &it->second.counters;
    switch (ev->type) {
      case EventType::kMemberAdded:
        if (c) ++c->members_added;
        log_info("mesh " + ev->mesh_id, "member " + short_key(ev->node) + " added");
        break;
      case EventType::kMemberRemoved:
        if (c) {
          ++c->members_removed;
          if (ev->reason == RemovalReason::kPruned) ++c->members_pruned;
        }
        log_info("mesh " + ev->mesh_id, "member " + short_key(ev->node) + " removed (" +
                                            (ev->reason == RemovalReason::kPruned      ? "pruned"
                                             : ev->reason == RemovalReason::kTombstone ? "tombstone"
                                             : ev->reason == RemovalReason::kLeft      ? "left"
                                                                                       : "other") +
                                            ")");
        break;
      case EventType::kLeaderChanged:
        if (c) ++c->leader_changes;
        log_info("mesh " + ev->mesh_id, "leader is now " + short_key(ev->node));
        break;
      case EventType::kJoined:
        log_info("mesh " + ev->mesh_id, "joined");
        finish_join(ev->mesh_id, Status::ok());
        break;
      case EventType::kJoinFailed:
        if (c) ++c->join_failures;
        finish_join(ev->mesh_id,
                    Status::io_error("no member of mesh " + ev->mesh_id + " answered within " +
                                     std::to_string(config_.params.join_timeout.count() / 1000) +
                                     " ms (is the bootstrap reachable, and the secret right?)"));
        break;
      default:
        break;
    }
  }
}

// --- meshes --------------------------------------------------------------------------------

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

// --- persistence ---------------------------------------------------------------------------

void Daemon::persist(MeshRuntime& m, bool with_image) {
  if (with_image && node_->mesh(m.persisted.id)) {
    auto image = node_->mesh_image(m.persisted.id);
    if (image) {
      m.persisted.image = std::move(*image);
      m.saved_generation = node_->config_generation(m.persisted.id);
    }
  }
  if (m.iface) m.persisted.installed_routes = m.iface->installed_routes();
  if (Status s = state_->save_mesh(m.persisted); !s) {
    log_error("state", "mesh " + m.persisted.id + ": " + s.message());
  }
}

void Daemon::persist_images() {
  for (auto& [id, m] : meshes_) {
    if (m.state != MeshState::kMember) continue;
    if (node_->config_generation(id) == m.saved_generation) continue;
    persist(m, true);
  }
}

}  // namespace smeg::daemon
