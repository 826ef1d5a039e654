// The Daemon's WireGuard side: interfaces per mesh, applying desired configurations, hooks.
#include <fcntl.h>
#include <unistd.h>

#include "backends/select.h"
#include "daemon/daemon.h"
#include "daemon/hooks.h"
#include "daemon/log.h"

namespace smeg::daemon {

namespace {
constexpr Duration kFirstRetry = std::chrono::seconds(1);
constexpr Duration kMaxRetry = std::chrono::seconds(30);

HookEnvironment hook_env(const char* hook, const Daemon::MeshRuntime& m) {
  HookEnvironment env;
  env.hook = hook;
  env.mesh = m.persisted.id;
  env.interface = m.persisted.ifname;
  return env;
}

// Peers route for their clients and for other meshes: IPv6 forwarding on.
Status enable_ipv6_forwarding() {
  const char* path = "/proc/sys/net/ipv6/conf/all/forwarding";
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(std::string(path) + ": open: " + std::strerror(errno));
  const bool ok = write(fd, "1\n", 2) == 2;
  const int err = errno;
  close(fd);
  if (!ok) return Status::io_error(std::string(path) + ": write: " + std::strerror(err));
  return Status::ok();
}
}  // namespace

Status Daemon::set_up_interface(MeshRuntime& m) {
  const std::string& ifname = m.persisted.ifname;
  if (!m.backend) {
    auto b = backends::select_backend(config_.wg_backend, ifname);
    // "auto" with neither a userspace socket nor kernel WireGuard: start the userspace one.
    if (!b && config_.wg_backend == "auto") b = backends::select_backend("uapi", ifname);
    if (!b) return b.status();
    m.backend = std::move(*b);
  }
  if (!m.backend->get_link(ifname)) {
    HookEnvironment env = hook_env("preUp", m);
    if (Status s = run_hook(config_.base.hooks.pre_up, env); !s) return s;
    if (Status s = m.backend->create_interface(ifname); !s) return s;
    m.post_up_pending = true;
    log_info("mesh " + m.persisted.id,
             "created interface " + ifname + " (" + m.backend->kind() + ")");
  }
  backends::ApplyOptions options;
  options.mtu = config_.mtu;
  m.iface = std::make_unique<backends::MeshInterface>(*m.backend, ifname, options,
                                                      m.persisted.installed_routes);
  m.interface_ready = true;
  return Status::ok();
}

void Daemon::apply_configs() {
  for (auto& [id, m] : meshes_) apply_config(m);
}

void Daemon::apply_config(MeshRuntime& m) {
  if (m.state != MeshState::kMember) return;
  const std::string& id = m.persisted.id;
  const uint64_t generation = node_->config_generation(id);
  if (generation == 0 || generation == m.applied_generation) return;
  const Time t = now();
  if (m.retry_at != kNever && t < m.retry_at) return;
  auto desired = node_->desired_config(id);
  if (!desired) return;
  if (config_.stub_wg) {
    m.applied_generation = generation;
    return;
  }
  auto fail = [&](const Status& s) {
    ++m.counters.apply_errors;
    m.last_error = s.message();
    m.retry_backoff =
        m.retry_backoff.count() == 0 ? kFirstRetry : std::min(kMaxRetry, m.retry_backoff * 2);
    m.retry_at = t + m.retry_backoff;
    log_error("mesh " + id, s.message() + " (retrying in " +
                                std::to_string(m.retry_backoff.count() / 1000000) + " s)");
  };
  if (!m.interface_ready) {
    if (Status s = set_up_interface(m); !s) return fail(s);
  }
  if (desired->forwarding) {
    if (Status s = enable_ipv6_forwarding(); !s) log_warning("mesh " + id, s.message());
  }
  const auto start = std::chrono::steady_clock::now();
  auto report = m.iface->apply(*desired);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++m.counters.applies;
  m.counters.apply_seconds_sum += seconds;
  m.counters.apply_seconds_last = seconds;
  if (!report) return fail(report.status());
  m.applied_generation = generation;
  m.retry_at = kNever;
  m.retry_backoff = Duration(0);
  m.last_error.clear();
  if (report->changed()) {
    log_debug("mesh " + id, "applied " + std::to_string(report->change.peers.size()) +
                                " peer changes to " + m.persisted.ifname);
  }
  if (m.iface->installed_routes() != m.persisted.installed_routes) persist(m, false);
  if (m.post_up_pending) {
    m.post_up_pending = false;
    HookEnvironment env = hook_env("postUp", m);
    env.address = desired->address.to_string();
    if (Status s = run_hook(config_.base.hooks.post_up, env); !s) {
      m.last_error = s.message();
      log_error("mesh " + id, s.message());
    }
  }
}

void Daemon::tear_down_mesh(MeshRuntime& m, bool delete_interface) {
  if (config_.stub_wg || !delete_interface) return;
  if (!m.backend) {
    auto b = backends::select_backend(config_.wg_backend, m.persisted.ifname);
    if (!b) return;
    m.backend = std::move(*b);
  }
  if (!m.backend->get_link(m.persisted.ifname)) return;
  HookEnvironment env = hook_env("preDown", m);
  if (Status s = run_hook(config_.base.hooks.pre_down, env); !s) log_error("mesh", s.message());
  if (Status s = m.backend->delete_interface(m.persisted.ifname); !s) {
    log_error("mesh " + m.persisted.id, s.message());
  }
  env.hook = "postDown";
  if (Status s = run_hook(config_.base.hooks.post_down, env); !s) log_error("mesh", s.message());
  m.iface.reset();
  m.interface_ready = false;
}

Result<backends::DeviceState> Daemon::read_device(const std::string& mesh_id) const {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return Status::not_found("not in mesh " + mesh_id);
  if (!it->second.backend) return Status::not_found("mesh " + mesh_id + " has no interface");
  return it->second.backend->get_device(it->second.persisted.ifname);
}

}  // namespace smeg::daemon
