#include "sim/oracle.h"

#include <algorithm>

#include "sim/engine.h"

namespace smeg::sim {

VersionSnapshot snapshot_versions(const MeshState& state) {
  VersionSnapshot out;
  out.reserve(state.records().size());
  for (const auto& r : state.records()) out.emplace_back(r->key, r->version);
  return out;
}

std::vector<std::string> check_versions(const VersionSnapshot& before, const MeshState& now,
                                        const NodeNamer& name) {
  std::vector<std::string> problems;
  for (const auto& [key, version] : before) {
    if (const NodeRecord* r = now.find(key)) {
      if (r->version < version) {
        problems.push_back("record of " + name(key) + " went back from version " +
                           std::to_string(version) + " to " + std::to_string(r->version));
      }
    } else if (const uint64_t t = now.tombstone_version(key); t < version) {
      problems.push_back("record of " + name(key) + " (version " + std::to_string(version) +
                         ") vanished without a tombstone at least as new (tombstone " +
                         std::to_string(t) + ")");
    }
  }
  return problems;
}

std::optional<std::string> check_route_paths(std::string_view mesh_id,
                                             const std::vector<SelectedRoute>& routes,
                                             size_t max_path) {
  for (const SelectedRoute& r : routes) {
    // The traffic crosses the mesh the route was selected in first, then the advertised path.
    std::vector<std::string_view> crossed{mesh_id};
    crossed.insert(crossed.end(), r.path.begin(), r.path.end());
    std::string text(mesh_id);
    for (const auto& m : r.path) text += " > " + m;
    std::sort(crossed.begin(), crossed.end());
    if (std::adjacent_find(crossed.begin(), crossed.end()) != crossed.end()) {
      return "route loop: selected path " + text;
    }
    if (r.path.size() > max_path) {
      return "route path " + text + " is longer than maxPath " + std::to_string(max_path);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_leaders(const std::vector<std::pair<PublicKey, PublicKey>>& peers,
                                         const NodeNamer& name) {
  if (peers.empty()) return std::nullopt;
  PublicKey lowest = peers.front().first;
  std::map<PublicKey, size_t> seen;  // leader -> how many peers see it
  for (const auto& [peer, leader] : peers) {
    lowest = std::min(lowest, peer);
    ++seen[leader];
  }
  if (seen.size() > 1) {
    std::string what = "live peers disagree on the leader:";
    for (const auto& [leader, n] : seen) {
      what += " " + (leader.is_zero() ? std::string("none") : name(leader)) + " (" +
              std::to_string(n) + " peers)";
    }
    return what;
  }
  if (seen.begin()->first != lowest) {
    return "leader " + name(seen.begin()->first) + " is not the lowest live peer key (" +
           name(lowest) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> check_view(const std::vector<PublicKey>& expected,
                                      const std::vector<PublicKey>& view, const NodeNamer& name) {
  std::vector<PublicKey> missing, extra;
  std::set_difference(expected.begin(), expected.end(), view.begin(), view.end(),
                      std::back_inserter(missing));
  std::set_difference(view.begin(), view.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  if (missing.empty() && extra.empty()) return std::nullopt;
  const auto list = [&](const std::vector<PublicKey>& keys) {
    std::string s;
    for (size_t i = 0; i < keys.size() && i < 5; ++i) s += (i ? ", " : "") + name(keys[i]);
    if (keys.size() > 5) s += ", ... (" + std::to_string(keys.size()) + ")";
    return s;
  };
  std::string what = "view differs from the planned live members:";
  if (!missing.empty()) what += " misses " + list(missing) + ";";
  if (!extra.empty()) what += " holds " + list(extra) + " (dead, left or never planned);";
  what.pop_back();
  return what;
}

// ---------------------------------------------------------------------------------------------

Oracle::Oracle(const Simulation& sim, const Scenario& scenario, OracleOptions options)
    : sim_(sim), scenario_(scenario), options_(options) {
  for (uint32_t i = 0; i < sim.node_count(); ++i)
    key_index_.emplace_back(sim.node(i).public_key(), i);
  std::sort(key_index_.begin(), key_index_.end());
}

std::string Oracle::name(const PublicKey& key) const {
  auto it = std::lower_bound(key_index_.begin(), key_index_.end(), key,
                             [](const auto& e, const PublicKey& k) { return e.first < k; });
  if (it != key_index_.end() && it->first == key) return "node " + std::to_string(it->second);
  return "unknown key " + key.to_base64().substr(0, 8);
}

void Oracle::report(int64_t at, uint32_t node, std::string what) {
  ++count_;
  if (kept_.size() < kKept) kept_.push_back(Violation{at, node, std::move(what)});
}

bool Oracle::quiet(int64_t now, int64_t fault_end, int64_t split_end) const {
  const Params& p = scenario_.params;
  const int64_t settle = (p.prune_epochs + 2) * p.heartbeat_interval.count();
  return now - fault_end >= settle && now - split_end >= settle + 2 * p.pull_interval.count();
}

bool Oracle::expected_in(uint32_t i, const std::string& id) const {
  if (!sim_.alive(i) || !sim_.started(i)) return false;
  const auto& planned = sim_.planned_meshes(i);
  if (std::find(planned.begin(), planned.end(), id) == planned.end()) return false;
  return !(sim_.left(i) && sim_.node(i).mesh(id) == nullptr);
}

void Oracle::check(int64_t now, int64_t fault_end, int64_t split_end) {
  ++rounds_;
  check_versions_sample(now);
  check_self_and_routes(now);
  if (!quiet(now, fault_end, split_end)) {
    converged_since_ = -1;
    return;
  }
  const bool leaders = check_leaders_all(now, true);
  if (!options_.track_convergence) return;
  const bool views = check_views_all(now, false);
  if (!(leaders && views)) {
    converged_since_ = -1;
  } else if (converged_since_ < 0) {
    converged_since_ = now;
  }
}

void Oracle::finish(int64_t now, int64_t fault_end, int64_t split_end) {
  check(now, fault_end, split_end);
  if (now - fault_end < convergence_bound(scenario_).count()) return;
  convergence_checked_ = true;
  const bool views = check_views_all(now, true);
  // When quiet, check() has just reported leader problems; otherwise (a split fault ended
  // late against a short converge_within) the leaders are checked and reported here.
  const bool leaders = check_leaders_all(now, !quiet(now, fault_end, split_end));
  if (!(views && leaders)) {
    converged_since_ = -1;
  } else if (converged_since_ < 0) {
    converged_since_ = now;
  }
}

void Oracle::node_reset(uint32_t i) {
  for (size_t k = 0; k < sample_.size(); ++k) {
    if (sample_[k] == i) snapshots_[k].clear();
  }
}

void Oracle::check_versions_sample(int64_t now) {
  const uint32_t n = sim_.node_count();
  if (n == 0) return;
  if ((rounds_ - 1) % std::max<uint32_t>(options_.rounds_per_sample, 1) == 0) {
    // The next observers in index order: every node is observed in turn.
    sample_.clear();
    for (uint32_t k = 0; k < std::min(options_.sample, n); ++k)
      sample_.push_back((cursor_ + k) % n);
    cursor_ = (cursor_ + static_cast<uint32_t>(sample_.size())) % n;
    snapshots_.assign(sample_.size(), {});
  }
  const NodeNamer namer = [this](const PublicKey& k) { return name(k); };
  for (size_t k = 0; k < sample_.size(); ++k) {
    const uint32_t i = sample_[k];
    auto& snaps = snapshots_[k];
    if (!sim_.alive(i)) {
      snaps.clear();
      continue;
    }
    std::map<std::string, VersionSnapshot> next;
    for (const std::string& id : sim_.node(i).mesh_ids()) {
      const MeshState& state = sim_.node(i).mesh(id)->state();
      if (auto it = snaps.find(id); it != snaps.end()) {
        for (std::string& p : check_versions(it->second, state, namer))
          report(now, i, "mesh " + id + ": " + p);
      }
      next.emplace(id, snapshot_versions(state));
    }
    snaps = std::move(next);
  }
}

void Oracle::check_self_and_routes(int64_t now) {
  const size_t max_path = scenario_.params.max_path;
  for (uint32_t i = 0; i < sim_.node_count(); ++i) {
    if (!sim_.alive(i)) continue;
    const Node& node = sim_.node(i);
    const std::vector<std::string> ids = node.mesh_ids();
    for (const std::string& id : ids) {
      const Mesh* m = node.mesh(id);
      if (!m->joining() && !m->failed() && !m->is_live(node.public_key())) {
        report(now, i, "mesh " + id + ": removed itself from its own view");
      }
      if (const auto* routes = node.selected_routes(id)) {
        if (auto p = check_route_paths(id, *routes, max_path))
          report(now, i, "mesh " + id + ": " + *p);
      }
    }
    for (const RouteChoice& c : node.route_choices()) {
      if (c.path_len > max_path || std::find(ids.begin(), ids.end(), c.mesh_id) == ids.end()) {
        report(now, i,
               "kernel route through mesh " + c.mesh_id + " with path length " +
                   std::to_string(c.path_len) + " (maxPath " + std::to_string(max_path) +
                   ", or not a mesh of the node)");
      }
    }
  }
}

bool Oracle::check_leaders_all(int64_t now, bool report_problems) {
  const NodeNamer namer = [this](const PublicKey& k) { return name(k); };
  bool ok = true;
  for (const MeshSpec& spec : scenario_.meshes) {
    std::vector<std::pair<PublicKey, PublicKey>> peers;
    uint32_t first = 0;
    for (uint32_t i = 0; i < sim_.node_count(); ++i) {
      if (!expected_in(i, spec.id) || sim_.role(i) != Role::kPeer) continue;
      const Mesh* m = sim_.node(i).mesh(spec.id);
      if (!m || m->joining()) continue;  // not a member: the view check reports it
      if (peers.empty()) first = i;
      peers.emplace_back(sim_.node(i).public_key(), m->leader());
    }
    if (auto p = check_leaders(peers, namer)) {
      ok = false;
      if (report_problems) report(now, first, "mesh " + spec.id + ": " + *p);
    }
  }
  return ok;
}

bool Oracle::check_views_all(int64_t now, bool report_problems) {
  const NodeNamer namer = [this](const PublicKey& k) { return name(k); };
  bool ok = true;
  for (const MeshSpec& spec : scenario_.meshes) {
    std::vector<uint32_t> members;
    std::vector<PublicKey> expected;
    for (uint32_t i = 0; i < sim_.node_count(); ++i) {
      if (!expected_in(i, spec.id)) continue;
      members.push_back(i);
      expected.push_back(sim_.node(i).public_key());
    }
    std::sort(expected.begin(), expected.end());
    for (uint32_t i : members) {
      const Mesh* m = sim_.node(i).mesh(spec.id);
      std::optional<std::string> p;
      if (!m) {
        p = "not in the mesh (its join failed)";
      } else if (m->joining()) {
        p = "still joining";
      } else {
        std::vector<PublicKey> view;
        for (const RecordRef& r : m->live_members()) view.push_back(r->key);
        p = check_view(expected, view, namer);
      }
      if (!p) continue;
      ok = false;
      if (!report_problems) return false;
      report(now, i, "mesh " + spec.id + ": " + *p);
    }
  }
  return ok;
}

}  // namespace smeg::sim
