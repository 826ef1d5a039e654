#include "sim/swarm.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/rng.h"
#include "sim/engine.h"

namespace smeg::sim {
namespace {

using std::chrono::milliseconds;

// Uniform integer in [lo, hi].
int64_t between(Rng& r, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(r.uniform(static_cast<uint64_t>(hi - lo + 1)));
}

Duration ms_between(Rng& r, int64_t lo, int64_t hi) { return milliseconds(between(r, lo, hi)); }

// A share in [lo, hi] in steps of 0.001 (short to print, exact to read back).
double share(Rng& r, int lo_permille, int hi_permille) {
  return static_cast<double>(between(r, lo_permille, hi_permille)) / 1000.0;
}

NodePick pick_few(Rng& r) { return NodePick{0.0, static_cast<uint32_t>(between(r, 1, 3))}; }

// Group sizes for a partition into 2 or 3 groups, each at least 5 %, summing to exactly 1.
std::vector<double> draw_groups(Rng& r) {
  const int k = r.chance(0.7) ? 2 : 3;
  std::vector<int> permille;
  int left = 1000;
  for (int g = 0; g + 1 < k; ++g) {
    const int p = static_cast<int>(between(r, 50, left - 50 * (k - 1 - g)));
    permille.push_back(p);
    left -= p;
  }
  permille.push_back(left);
  std::vector<double> groups;
  double sum = 0;
  for (size_t g = 0; g + 1 < permille.size(); ++g) {
    groups.push_back(permille[g] / 1000.0);
    sum += groups.back();
  }
  groups.push_back(1.0 - sum);  // exactly 1 in floating point, as the loader checks
  return groups;
}

enum class Kind { kCrash, kRestart, kPartition, kLoss, kClog, kJoin, kLeave, kSkew, kDrift, kSlow };

// Weights of the kinds (restart only after a crash).
constexpr std::pair<Kind, int> kWeights[] = {
    {Kind::kCrash, 3}, {Kind::kRestart, 2}, {Kind::kPartition, 3}, {Kind::kLoss, 2},
    {Kind::kClog, 2},  {Kind::kJoin, 2},    {Kind::kLeave, 1},     {Kind::kSkew, 2},
    {Kind::kDrift, 1}, {Kind::kSlow, 2},
};

Kind draw_kind(Rng& r, bool crashed) {
  int total = 0;
  for (const auto& [k, w] : kWeights) total += (k == Kind::kRestart && !crashed) ? 0 : w;
  int x = static_cast<int>(r.uniform(static_cast<uint64_t>(total)));
  for (const auto& [k, w] : kWeights) {
    if (k == Kind::kRestart && !crashed) continue;
    if (x < w) return k;
    x -= w;
  }
  return Kind::kCrash;
}

// One fault at `at` that is over by `heal` (`room` = heal - at, at least 6 s).
FaultAction draw_fault(Rng& r, Kind kind, Duration room, const Scenario& sc) {
  // A timed fault lasts 1 s to 15 s and ends by the heal.
  const auto length = [&](Duration spare) {
    return ms_between(r, 1000, std::min<int64_t>(15'000, (room - spare).count() / 1000));
  };
  const std::string& mesh = sc.meshes[r.uniform(sc.meshes.size())].id;
  switch (kind) {
    case Kind::kCrash:
      if (r.chance(0.3)) return CrashFault{CrashFault::Target::kLeader, 0, 0};
      return CrashFault{CrashFault::Target::kCount, 0, static_cast<uint32_t>(between(r, 1, 3))};
    case Kind::kRestart:
      return RestartFault{r.chance(0.5) ? 1.0 : 0.5, r.chance(0.5)};
    case Kind::kPartition:
      return PartitionFault{draw_groups(r), length(Duration(0)), r.chance(0.3)};
    case Kind::kLoss:
      return LossFault{share(r, 0, 300), length(Duration(0))};
    case Kind::kClog:
      return ClogFault{share(r, 20, 150), length(Duration(0))};
    case Kind::kJoin:
      return JoinFault{mesh, static_cast<uint32_t>(between(r, 1, 3))};
    case Kind::kLeave:
      return LeaveFault{mesh, static_cast<uint32_t>(between(r, 1, 2))};
    case Kind::kSkew:  // a negative one slews for up to |offset| / (0.9 * 0.5) < 4.5 s
      return SkewFault{pick_few(r), ms_between(r, -2000, 2000)};
    case Kind::kDrift:
      return DriftFault{pick_few(r), share(r, 900, 1100)};
    case Kind::kSlow: {
      const Duration delay = ms_between(r, 10, 300);
      return SlowFault{pick_few(r), delay, length(delay)};
    }
  }
  return CrashFault{};
}

}  // namespace

SwarmDraw draw_swarm(uint64_t seed, uint32_t nodes) {
  Rng r(mix64(seed ^ 0x737761726d2d7363ULL));
  SwarmDraw d;
  Scenario& sc = d.scenario;
  sc.name = "swarm-" + std::to_string(seed);
  sc.seed = seed;
  const uint64_t shape = r.uniform(10);
  if (shape < 6 || nodes < 8) {
    sc.meshes.push_back(MeshSpec{"swarm", nodes, 0, 0});
  } else if (shape < 8) {
    const uint32_t clients = nodes / 4;
    sc.meshes.push_back(MeshSpec{"swarm", nodes - clients, clients, 2});
  } else {
    const uint32_t bridges = static_cast<uint32_t>(between(r, 1, 2));
    const uint32_t east = (nodes - bridges) / 2;
    sc.meshes.push_back(MeshSpec{"east", east, 0, 0});
    sc.meshes.push_back(MeshSpec{"west", nodes - bridges - east, 0, 0});
    sc.bridges.push_back(BridgeSpec{{"east", "west"}, bridges});
  }
  Params& p = sc.params;
  p.heartbeat_interval = ms_between(r, 500, 2000);
  p.sync_interval = ms_between(r, 100, 300);
  p.pull_interval = ms_between(r, 2000, 8000);
  NetworkModel& net = sc.network;
  net.latency.min = ms_between(r, 2, 30);
  net.latency.mean = net.latency.min + ms_between(r, 0, 30);
  net.loss = share(r, 0, 20);
  net.duplicate = share(r, 0, 50);
  net.reorder = share(r, 0, 100);

  // Formation takes nodes * 1 ms plus three heartbeats; the faults start after it.
  const Duration start = std::chrono::seconds(10);
  const Duration phase = milliseconds(between(r, 20'000, 60'000));
  const Duration heal = start + phase;
  const size_t count = static_cast<size_t>(between(r, 3, 10));
  std::vector<Duration> times;
  // The last 6 s before the heal are free of new faults: a negative skew needs up to 4.5 s to
  // slew, and a timed fault at least 1 s.
  for (size_t k = 0; k < count; ++k)
    times.push_back(start + ms_between(r, 0, (phase.count() / 1000) - 6000));
  std::sort(times.begin(), times.end());
  bool crashed = false;
  for (Duration at : times) {
    const Kind kind = draw_kind(r, crashed);
    crashed = crashed || kind == Kind::kCrash;
    sc.faults.push_back(Fault{at, draw_fault(r, kind, heal - at, sc), 0});
  }
  d.heal_at = heal.count();
  sc.expect.converge_within = convergence_bound(sc);
  sc.duration = heal + *sc.expect.converge_within;
  return d;
}

SwarmOutcome run_swarm(const SwarmDraw& draw) {
  const Scenario& sc = draw.scenario;
  OracleOptions options;
  options.track_convergence = true;
  Simulation sim(sc, sc.seed, options);
  const RunSummary r = sim.run();
  uint32_t planned = 0;
  for (const MeshSpec& m : sc.meshes) planned += m.peers + m.clients;
  for (const BridgeSpec& b : sc.bridges) planned += b.count;
  // Kinds in the order drawn, each once.
  std::string kinds;
  std::map<std::string_view, bool> seen;
  for (const Fault& f : sc.faults) {
    if (seen.emplace(fault_kind(f.action), true).second)
      kinds += (kinds.empty() ? "" : ", ") + std::string(fault_kind(f.action));
  }
  char head[128];
  std::snprintf(head, sizeof head, "nodes %u  faults %zu (%s)", planned, sc.faults.size(),
                kinds.c_str());
  SwarmOutcome out;
  const Oracle& o = *sim.oracle();
  const int64_t since = o.converged_since();
  char tail[160];
  if (r.invariant_violations > 0) {
    std::snprintf(tail, sizeof tail, "FAIL  %llu invariant violations (first at %.3f s)",
                  static_cast<unsigned long long>(r.invariant_violations),
                  static_cast<double>(r.first_violations.front().at) / 1e6);
  } else if (!o.convergence_checked() || since < 0) {
    // Cannot happen while every fault ends by the heal; a guard against a wrong draw.
    std::snprintf(tail, sizeof tail, "FAIL  convergence was not checked");
  } else {
    out.ok = true;
    std::snprintf(tail, sizeof tail, "converged by %.1f s (healed at %.1f s)",
                  static_cast<double>(since) / 1e6, static_cast<double>(draw.heal_at) / 1e6);
  }
  out.line = out.ok ? std::string("ok  ") + head + "  " + tail : std::string(tail) + "  " + head;
  for (const Violation& v : r.first_violations) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "t=%.3f s node %u: ", static_cast<double>(v.at) / 1e6, v.node);
    out.details.push_back(buf + v.what);
  }
  return out;
}

}  // namespace smeg::sim
