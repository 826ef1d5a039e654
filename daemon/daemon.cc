#include "daemon/daemon.h"

#include <sodium.h>
#include <time.h>

#include "core/messages.h"
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

}  // namespace

Daemon::Daemon(asio::io_context& io, Config config)
    : config_(std::move(config)), rng_(random_u64()), socket_(io), timer_(io) {}

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
