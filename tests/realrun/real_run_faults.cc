// The faults of a real run, as the simulator plays them (sim/engine_faults.cc): a crash is a
// kill -9 of the host's smegd and wireguard-go, a restart starts smegd again on its kept state
// directory, a join starts a spare host's join through a random live member's invite.
#include <algorithm>
#include <cmath>
#include <variant>

#include "daemon/api/http_client.h"
#include "tests/realrun/real_run.h"

namespace smeg::realrun {
namespace {

constexpr int kApiTimeoutMs = 2000;
constexpr int kJoinTimeoutMs = 30000;

// The first `want` of v, drawn at random (a partial Fisher-Yates shuffle).
void pick(std::vector<uint32_t>& v, size_t want, Rng& rng) {
  want = std::min(want, v.size());
  for (size_t k = 0; k < want; ++k) std::swap(v[k], v[k + rng.uniform(v.size() - k)]);
  v.resize(want);
}

}  // namespace

std::vector<uint32_t> RealRun::live_members(const std::string& mesh) const {
  std::vector<uint32_t> out;
  for (uint32_t h = 0; h < n_; ++h) {
    if (up_[h] && member_[h] && (mesh.empty() || plan_.hosts[h].mesh == mesh)) out.push_back(h);
  }
  return out;
}

Status RealRun::run_fault(const sim::Fault& f) {
  if (const auto* c = std::get_if<sim::CrashFault>(&f.action)) {
    if (c->target == sim::CrashFault::Target::kLeader) {
      auto leader = leader_of(sc_.meshes.front().id);
      if (!leader) return leader.status();
      return crash(*leader, "the leader");
    }
    std::vector<uint32_t> live = live_members("");
    const size_t want = c->count > 0
                            ? c->count
                            : static_cast<size_t>(c->fraction * static_cast<double>(live.size()));
    pick(live, want, rng_);
    for (uint32_t x : live) {
      if (Status s = crash(x, "a random member"); !s) return s;
    }
    return Status::ok();
  }
  if (const auto* r = std::get_if<sim::RestartFault>(&f.action)) return restart(*r);
  if (const auto* j = std::get_if<sim::JoinFault>(&f.action)) return join(*j);
  // plan_real_run() refused every other kind.
  return Status::unsupported("line " + std::to_string(f.line) + ": " +
                             std::string(sim::fault_kind(f.action)) + " is not for a real run");
}

Status RealRun::crash(uint32_t x, const std::string& why) {
  scrape(x);  // what it sent up to now counts
  world_->kill(x + 1);
  up_[x] = false;
  views_.crashed(x, now_us(), up_);
  crashed_.push_back(x);
  note("crash of host " + std::to_string(x + 1) + " (" + why + ")");
  return Status::ok();
}

Result<uint32_t> RealRun::leader_of(const std::string& mesh) {
  // As the first live member sees it, like the simulator.
  Status last = Status::not_found("no live member of mesh " + mesh + " to ask for its leader");
  for (uint32_t h : live_members(mesh)) {
    auto doc = call(h, "GET", "/v1/meshes/" + mesh_id_[mesh], nullptr, kApiTimeoutMs);
    if (!doc) {
      last = doc.status();
      continue;
    }
    const api::Json& nodes = (*doc)["nodes"];
    for (size_t i = 0; i < nodes.size(); ++i) {
      const auto key = nodes[i]["key"].get_string();
      if (nodes[i]["leader"].get_bool().value_or(false) && key) {
        if (auto it = host_of_.find(std::string(*key)); it != host_of_.end()) return it->second;
      }
    }
    last = Status::not_found("host " + std::to_string(h + 1) + " names no leader of mesh " + mesh);
  }
  return last;
}

Status RealRun::restart(const sim::RestartFault& r) {
  std::vector<uint32_t> down;
  for (uint32_t x : crashed_) {
    if (!up_[x] && std::find(down.begin(), down.end(), x) == down.end()) down.push_back(x);
  }
  pick(down, static_cast<size_t>(std::llround(r.fraction * static_cast<double>(down.size()))),
       rng_);
  for (uint32_t x : down) {
    if (Status s = world_->start(x + 1, opts_.smegd, world_->host_dir(x + 1) + "/smegd.yaml"); !s) {
      return s;
    }
    up_[x] = true;
    bytes_[x].restarted();
    messages_[x].restarted();
    views_.restarted(x, now_us());
    note("restart of host " + std::to_string(x + 1));
  }
  return Status::ok();
}

Status RealRun::join(const sim::JoinFault& j) {
  for (uint32_t k = 0; k < j.count; ++k) {
    uint32_t joiner = n_;
    for (uint32_t h = 0; h < n_ && joiner == n_; ++h) {
      if (plan_.hosts[h].spare && plan_.hosts[h].mesh == j.mesh && !member_[h]) joiner = h;
    }
    if (joiner == n_) return Status::ok();  // as in the simulator: no spare left
    std::vector<uint32_t> contacts = live_members(j.mesh);
    if (contacts.empty()) return Status::not_found("no live member of mesh " + j.mesh + " to join");
    const uint32_t contact = contacts[rng_.uniform(contacts.size())];
    const std::string& id = mesh_id_[j.mesh];
    auto invite = call(contact, "GET", "/v1/meshes/" + id + "/invite", nullptr, kApiTimeoutMs);
    if (!invite) return invite.status();
    auto text = invite->string_field("invite");
    if (!text)
      return Status::io_error("GET /v1/meshes/" + id + "/invite: " + text.status().message());
    std::vector<bool> observers(n_, false);
    for (uint32_t y : contacts) observers[y] = true;
    views_.joining(joiner, now_us(), observers);
    member_[joiner] = true;
    auto pending = std::make_unique<PendingJoin>();
    PendingJoin* p = pending.get();
    p->host = joiner;
    const std::string body = api::Json::object().set("invite", *text).dump();
    const std::string socket = world_->socket(joiner + 1);
    p->thread = std::thread([p, body, socket] {
      auto r = daemon::http_request(socket, "POST", "/v1/meshes/join", body, kJoinTimeoutMs);
      if (!r) {
        p->error = r.status().message();
      } else if (r->status / 100 != 2) {
        p->error = "status " + std::to_string(r->status) + ": " + r->body;
      }
      p->done = true;
    });
    joins_.push_back(std::move(pending));
    note("join of host " + std::to_string(joiner + 1) + " through host " +
         std::to_string(contact + 1));
  }
  return Status::ok();
}

void RealRun::report_joins() {
  for (const auto& j : joins_) {
    if (j->done && !j->error.empty()) {
      note("the join of host " + std::to_string(j->host + 1) + " failed: " + j->error);
    }
  }
}

}  // namespace smeg::realrun
