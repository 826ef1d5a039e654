// run_real(): setup, formation and the polling loop of a real run. The faults are in
// real_run_faults.cc.
#include "tests/realrun/runner.h"

#include <cstdio>
#include <fstream>
#include <thread>

#include "daemon/api/http_client.h"
#include "tests/realrun/real_run.h"
#include "tests/realrun/smegd_config.h"

namespace smeg::realrun {
namespace {

constexpr int kApiTimeoutMs = 2000;
constexpr int kJoinTimeoutMs = 30000;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int64_t kScrapeEveryUs = 1000000;

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  f.close();
  return f ? Status::ok() : Status::io_error(path + ": cannot write");
}

}  // namespace

RealRun::RealRun(const sim::Scenario& sc, const RealRunPlan& plan, const RunOptions& options)
    : sc_(sc),
      plan_(plan),
      opts_(options),
      n_(static_cast<uint32_t>(plan.hosts.size())),
      rng_(options.seed),
      keys_(n_),
      up_(n_, false),
      member_(n_, false),
      bytes_(n_),
      messages_(n_),
      views_(n_) {}

RealRun::~RealRun() {
  world_.reset();  // kills every smegd: waiting join requests fail at once
  for (auto& j : joins_) {
    if (j->thread.joinable()) j->thread.join();
  }
}

Result<RealRunSummary> RealRun::run() {
  started_ = Clock::now();
  t0_ = started_;
  deadline_ = started_ + opts_.time_limit;
  auto world = HostWorld::create(opts_.tag, n_, opts_.underlay_prefix, opts_.dir);
  if (!world) return world.status();
  world_ = std::move(*world);
  note("world " + world_->ns(1) + ".. with " + std::to_string(n_) + " hosts in " + opts_.dir);
  if (plan_.netem.any()) {
    for (uint32_t h = 0; h < n_; ++h) {
      if (Status s = world_->shape(h + 1, netem_args(plan_.netem)); !s) return s;
    }
  }
  if (Status s = start_hosts(); !s) return s;
  if (Status s = form_meshes(); !s) return s;
  if (Status s = wait_formed(); !s) return s;
  t0_ = Clock::now();
  formation_seconds_ = std::chrono::duration<double>(t0_ - started_).count();
  note("formed after " + std::to_string(formation_seconds_) + " s; this is t = 0");
  for (uint32_t h = 0; h < n_; ++h) scrape(h);  // the baseline of the traffic figure
  if (Status s = play(); !s) return s;
  real_seconds_ = static_cast<double>(now_us()) / 1e6;
  return summarize();
}

Status RealRun::start_hosts() {
  for (uint32_t h = 0; h < n_; ++h) {
    const HostLayout layout{world_->host_dir(h + 1) + "/state", world_->socket(h + 1),
                            world_->interface_prefix(h + 1), world_->underlay(h + 1)};
    const std::string path = world_->host_dir(h + 1) + "/smegd.yaml";
    if (Status s = write_text(path, smegd_config(layout, sc_.params)); !s) return s;
    if (Status s = world_->start(h + 1, opts_.smegd, path); !s) return s;
    up_[h] = true;
  }
  for (uint32_t h = 0; h < n_; ++h) {
    const auto give_up = Clock::now() + kStartTimeout;
    Result<api::Json> status = Status::io_error("not asked yet");
    while (!(status = call(h, "GET", "/v1/status", nullptr, 1000))) {
      if (Status s = check_time(); !s) return s;
      if (Clock::now() > give_up) {
        return Status::io_error("smegd on host " + std::to_string(h + 1) +
                                " did not answer within 10 s (see " + world_->host_dir(h + 1) +
                                "/smegd.log): " + status.status().message());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto key = status->string_field("node");
    if (!key)
      return Status::io_error("host " + std::to_string(h + 1) +
                              ": /v1/status: " + key.status().message());
    keys_[h] = *key;
    host_of_[*key] = h;
  }
  note("smegd runs on every host");
  return Status::ok();
}

Status RealRun::form_meshes() {
  for (const sim::MeshSpec& spec : sc_.meshes) {
    std::string invite;
    for (uint32_t h = 0; h < n_; ++h) {
      if (plan_.hosts[h].mesh != spec.id || plan_.hosts[h].spare) continue;
      if (invite.empty()) {
        const api::Json empty = api::Json::object();
        auto created = call(h, "POST", "/v1/meshes", &empty, kApiTimeoutMs);
        if (!created) return created.status();
        auto id = created->string_field("id");
        auto inv = created->string_field("invite");
        if (!id || !inv) return Status::io_error("POST /v1/meshes: no id and invite in the answer");
        mesh_id_[spec.id] = *id;
        invite = *inv;
        note("host " + std::to_string(h + 1) + " created mesh " + spec.id + " (" + *id + ")");
      } else {
        const api::Json body = api::Json::object().set("invite", invite);
        auto joined = call(h, "POST", "/v1/meshes/join", &body, kJoinTimeoutMs);
        if (!joined) return joined.status();
      }
      member_[h] = true;
      if (Status s = check_time(); !s) return s;
    }
    note("every peer of mesh " + spec.id + " joined");
  }
  return Status::ok();
}

Status RealRun::wait_formed() {
  const Duration bound = std::chrono::seconds(60) + 6 * sc_.params.heartbeat_interval;
  const auto give_up = Clock::now() + bound;
  for (;;) {
    poll_all();
    std::string missing;
    for (uint32_t y = 0; y < n_ && missing.empty(); ++y) {
      for (uint32_t x = 0; x < n_ && member_[y]; ++x) {
        if (x != y && member_[x] && plan_.hosts[x].mesh == plan_.hosts[y].mesh &&
            !views_.view(y)[x]) {
          missing = "host " + std::to_string(y + 1) + " lacks host " + std::to_string(x + 1);
          break;
        }
      }
    }
    if (missing.empty()) return Status::ok();
    if (Status s = check_time(); !s) return s;
    if (Clock::now() > give_up) {
      return Status::io_error("the meshes did not form within " +
                              std::to_string(bound.count() / 1000000) + " s: " + missing);
    }
    std::this_thread::sleep_for(opts_.poll_interval);
  }
}

Status RealRun::play() {
  rounds_ = 0;
  size_t next = 0;
  const int64_t end = sc_.duration.count();
  int64_t last_scrape = 0;
  auto tick = Clock::now();
  for (;;) {
    if (Status s = check_time(); !s) return s;
    while (next < sc_.faults.size() && sc_.faults[next].at.count() <= now_us()) {
      if (Status s = run_fault(sc_.faults[next++]); !s) return s;
    }
    if (now_us() >= end) break;
    poll_all();
    ++rounds_;
    if (now_us() - last_scrape >= kScrapeEveryUs) {
      for (uint32_t h = 0; h < n_; ++h) scrape(h);
      last_scrape = now_us();
    }
    // The next round, or the next fault or the end if sooner; never in the past.
    tick += opts_.poll_interval;
    int64_t wake = std::chrono::duration_cast<Duration>(tick - t0_).count();
    if (next < sc_.faults.size()) wake = std::min(wake, sc_.faults[next].at.count());
    wake = std::min(wake, end);
    const auto wake_at = t0_ + Duration(wake);
    if (wake_at > Clock::now()) std::this_thread::sleep_until(wake_at);
    if (tick < Clock::now() - opts_.poll_interval) tick = Clock::now();
  }
  poll_all();
  for (uint32_t h = 0; h < n_; ++h) scrape(h);
  report_joins();
  return Status::ok();
}

void RealRun::poll_all() {
  for (uint32_t h = 0; h < n_; ++h) poll(h);
}

void RealRun::poll(uint32_t h) {
  if (!up_[h] || !member_[h]) return;
  const auto id = mesh_id_.find(plan_.hosts[h].mesh);
  if (id == mesh_id_.end()) return;
  // A host that does not answer (starting again, or joining) keeps its last view.
  auto doc = call(h, "GET", "/v1/meshes/" + id->second, nullptr, kApiTimeoutMs);
  if (!doc) return;
  auto keys = wireguard_peer_keys(*doc);
  if (!keys) return;
  std::vector<bool> in_view(n_, false);
  for (const std::string& k : *keys) {
    if (auto it = host_of_.find(k); it != host_of_.end()) in_view[it->second] = true;
  }
  views_.observe(h, in_view, now_us(), up_);
}

void RealRun::scrape(uint32_t h) {
  if (!up_[h]) return;
  auto text = call_text(h, "GET", "/metrics", "", kApiTimeoutMs);
  if (!text) return;
  auto bytes = counter_by_label(*text, "smeg_gossip_bytes_total", "type");
  auto messages = counter_by_label(*text, "smeg_gossip_messages_total", "type");
  if (bytes && messages) {
    bytes_[h].scrape(*bytes);
    messages_[h].scrape(*messages);
  }
}

RealRunSummary RealRun::summarize() const {
  RealRunSummary r;
  r.name = sc_.name;
  r.seed = opts_.seed;
  r.hosts = n_;
  r.formation_seconds = formation_seconds_;
  r.real_seconds = real_seconds_;
  r.poll_interval_seconds = static_cast<double>(opts_.poll_interval.count()) / 1e6;
  r.mean_poll_period_seconds = rounds_ > 0 ? real_seconds_ / static_cast<double>(rounds_) : 0;
  std::vector<bool> live(n_);
  size_t live_count = 0;
  double bytes = 0;
  double messages = 0;
  std::map<std::string, TypeTraffic> traffic;
  for (uint32_t h = 0; h < n_; ++h) {
    live[h] = up_[h] && member_[h];
    live_count += live[h];
    bytes += bytes_[h].total();
    messages += messages_[h].total();
    for (const auto& [type, c] : bytes_[h].by_label()) traffic[type].bytes += c.total();
    for (const auto& [type, c] : messages_[h].by_label()) traffic[type].messages += c.total();
  }
  r.failure_convergence = views_.metrics().failure_convergence(live);
  r.join_dissemination = views_.metrics().join_dissemination(live);
  r.false_prunes = views_.metrics().false_prunes();
  if (live_count > 0 && real_seconds_ > 0) {
    const double per = static_cast<double>(live_count) * real_seconds_;
    r.control_bytes_per_node_per_second = bytes / per;
    r.messages_per_node_per_second = messages / per;
    for (const auto& [type, t] : traffic) {
      r.traffic_by_type[type] = TypeTraffic{t.messages / per, t.bytes / per};
    }
  }
  r.events = events_;
  return r;
}

Result<std::string> RealRun::call_text(uint32_t h, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       int timeout_ms) {
  const std::string what = "host " + std::to_string(h + 1) + ": " + method + " " + target;
  auto r = daemon::http_request(world_->socket(h + 1), method, target, body, timeout_ms);
  if (!r) return Status::io_error(what + ": " + r.status().message());
  if (r->status / 100 != 2) {
    auto j = api::parse(r->body);
    const auto err = j ? (*j)["error"].get_string() : std::nullopt;
    return Status::io_error(what + ": status " + std::to_string(r->status) + ": " +
                            (err ? std::string(*err) : r->body));
  }
  return std::move(r->body);
}

Result<api::Json> RealRun::call(uint32_t h, const std::string& method, const std::string& target,
                                const api::Json* body, int timeout_ms) {
  auto text = call_text(h, method, target, body ? body->dump() : "", timeout_ms);
  if (!text) return text.status();
  auto j = api::parse(*text);
  if (!j) {
    return Status::io_error("host " + std::to_string(h + 1) + ": " + method + " " + target + ": " +
                            j.status().message());
  }
  return j;
}

Status RealRun::check_time() const {
  if (opts_.stop && *opts_.stop) return Status::io_error("interrupted");
  if (Clock::now() > deadline_) {
    return Status::io_error("the time limit of " +
                            std::to_string(opts_.time_limit.count() / 1000000) + " s was reached");
  }
  return Status::ok();
}

int64_t RealRun::now_us() const {
  return std::chrono::duration_cast<Duration>(Clock::now() - t0_).count();
}

void RealRun::note(const std::string& event) {
  char at[32];
  std::snprintf(at, sizeof at, "%.3f s: ", static_cast<double>(now_us()) / 1e6);
  if (opts_.progress) std::fprintf(stderr, "smeg-realrun: %s%s\n", at, event.c_str());
  events_.push_back(at + event);
}

Result<RealRunSummary> run_real(const sim::Scenario& sc, const RealRunPlan& plan,
                                const RunOptions& options) {
  RealRun run(sc, plan, options);
  return run.run();
}

}  // namespace smeg::realrun
