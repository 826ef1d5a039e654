// smegsim: runs simulation scenarios (scenarios/*.yaml) on the unmodified protocol core.
//
//   smegsim run SCENARIO.yaml [--seed N] [--nodes N] [--out DIR] [--json] [--quiet]
//   smegsim check SCENARIO.yaml [--seed N] [--nodes N]
//   smegsim swarm --seeds A..B [--nodes N] [--print-scenario]
//
// Exit codes: 0 ok; 1 an `expect:` bound failed, an invariant was violated (sim/oracle.h), two
// runs of one seed differed, or a swarm seed failed (the seed and the command that replays it
// are printed); 2 bad usage, a bad scenario file, or an --out directory or file that could not
// be written.
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sim/bare_heap.h"
#include "sim/engine.h"
#include "sim/report.h"
#include "sim/scaling.h"
#include "sim/scenario.h"
#include "sim/swarm.h"

namespace smeg::sim {
namespace {

constexpr const char* kUsage =
    "usage: smegsim run SCENARIO.yaml [--seed N] [--nodes N] [--out DIR] [--json] [--quiet]\n"
    "       smegsim check SCENARIO.yaml [--seed N] [--nodes N] [--out DIR] [--json] [--quiet]\n"
    "       smegsim swarm --seeds A..B [--nodes N] [--print-scenario]\n"
    "\n"
    "  run     simulate the scenario and report its figures (--json: one JSON object on stdout;\n"
    "          --quiet: no progress bar on stderr); exit 1 if an expect: bound fails or an\n"
    "          invariant is violated\n"
    "  check   run the scenario twice with one seed; exit 1 if the digests differ (the\n"
    "          first run reports as `run` does, with the same options, and its expect:\n"
    "          bounds are reported but do not change the exit code)\n"
    "  swarm   for each seed A..B, draw a random fault scenario of N nodes (default 40), run it\n"
    "          with the invariant oracles and print one line; exit 1 if any seed failed\n"
    "          (--print-scenario: print the drawn scenarios as YAML instead of running them)\n"
    "  --seed N   the run seed (default: the scenario's `seed`)\n"
    "  --nodes N  scale the planned nodes (peers, clients, bridges) to N, in proportion per\n"
    "             mesh; join-fault spares come on top (swarm: the nodes of each drawn scenario)\n"
    "  --out DIR  also write summary.json, samples.csv, cdf.svg and topology-*.dot into DIR\n";

struct Args {
  std::string command;
  std::string scenario;
  std::optional<uint64_t> seed;
  std::optional<uint32_t> nodes;
  std::string out;  // empty: no --out
  bool json = false;
  bool quiet = false;
};

int usage_error(const std::string& what) {
  std::fprintf(stderr, "smegsim: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

// A non-negative decimal integer (strtoull's syntax, no sign), or nullopt.
std::optional<uint64_t> parse_uint(const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || v[0] == '-' || *end != '\0' || errno != 0) return std::nullopt;
  return n;
}

// Parses argv; on error prints it and returns the exit code through `exit_code`.
bool parse_args(int argc, char** argv, Args& a, int& exit_code) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    exit_code = args.empty() ? 2 : 0;
    return false;
  }
  a.command = args[0];
  if (a.command != "run" && a.command != "check") {
    exit_code = usage_error("unknown command '" + a.command + "'");
    return false;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    const bool takes_value = s == "--seed" || s == "--nodes" || s == "--out";
    if (takes_value && i + 1 >= args.size()) {
      exit_code = usage_error(s + " needs a value");
      return false;
    }
    if (s == "--seed") {
      const std::string& v = args[++i];
      const auto n = parse_uint(v);
      if (!n) {
        exit_code = usage_error("--seed '" + v + "' is not a non-negative integer");
        return false;
      }
      a.seed = *n;
    } else if (s == "--nodes") {
      // 0 and sizes too small for the scenario are refused once it is loaded (scale_scenario).
      const std::string& v = args[++i];
      const auto n = parse_uint(v);
      if (!n) {
        exit_code = usage_error("--nodes '" + v + "' is not a whole number");
        return false;
      }
      if (*n > kMaxScaledNodes) {
        exit_code = usage_error("--nodes " + v + " is too large (at most " +
                                std::to_string(kMaxScaledNodes) + ")");
        return false;
      }
      a.nodes = static_cast<uint32_t>(*n);
    } else if (s == "--out") {
      a.out = args[++i];
      if (a.out.empty()) {
        exit_code = usage_error("--out needs a directory");
        return false;
      }
    } else if (s == "--json") {
      a.json = true;
    } else if (s == "--quiet") {
      a.quiet = true;
    } else if (s == "--help" || s == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return false;
    } else if (!s.empty() && s[0] == '-') {
      exit_code = usage_error("unknown option '" + s + "' for " + a.command);
      return false;
    } else if (a.scenario.empty()) {
      a.scenario = s;
    } else {
      exit_code = usage_error("unexpected argument '" + s + "'");
      return false;
    }
  }
  if (a.scenario.empty()) {
    exit_code = usage_error(a.command + " needs a scenario file");
    return false;
  }
  return true;
}

uint64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;  // Linux reports kilobytes
}

std::string replay_command(const Args& a, uint64_t seed) {
  std::string cmd = "build/bin/smegsim run " + a.scenario + " --seed " + std::to_string(seed);
  if (a.nodes) cmd += " --nodes " + std::to_string(*a.nodes);
  return cmd;
}

// Runs to the end (or until writing --out fails), with a progress bar on stderr unless quiet.
RunSummary run_with_progress(Simulation& sim, double duration_s, bool quiet, const RunOutput* out,
                             double& wall_s) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t step = 1'000'000;  // report every simulated second
  for (int64_t t = step;; t += step) {
    const bool more = sim.run_until(t);
    if (!quiet) {
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double sim_s = static_cast<double>(sim.now()) / 1e6;
      const int width = 30;
      const int filled = static_cast<int>(width * sim_s / duration_s);
      std::fprintf(stderr, "\r[%.*s%*s] %7.1f / %.1f s simulated, %.0f events/s  ", filled,
                   "==============================", width - filled, "", sim_s, duration_s,
                   wall > 0 ? static_cast<double>(sim.events()) / wall : 0.0);
    }
    if (!more || (out && !out->status())) break;
  }
  if (!quiet) std::fputs("\n", stderr);
  wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sim.summary();
}

// The expect: bounds that failed, as readable lines.
std::vector<std::string> check_expectations(const Scenario& sc, const RunSummary& r) {
  std::vector<std::string> failed;
  const Expectations& e = sc.expect;
  auto secs = [](Duration d) { return static_cast<double>(d.count()) / 1e6; };
  auto add = [&](const std::string& what, double got, double bound) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: %.3f exceeds the bound %.3f", what.c_str(), got, bound);
    failed.emplace_back(buf);
  };
  if (e.failure_convergence_p99 && r.failure_convergence.p99 > secs(*e.failure_convergence_p99)) {
    add("failure_convergence_p99", r.failure_convergence.p99, secs(*e.failure_convergence_p99));
  }
  if (e.failure_convergence_max && r.failure_convergence.max > secs(*e.failure_convergence_max)) {
    add("failure_convergence_max", r.failure_convergence.max, secs(*e.failure_convergence_max));
  }
  if ((e.failure_convergence_p99 || e.failure_convergence_max) &&
      r.failure_convergence.unconverged > 0) {
    failed.push_back("failure_convergence: " + std::to_string(r.failure_convergence.unconverged) +
                     " observers still hold a crashed node at the end");
  }
  if (e.join_dissemination_p99 && r.join_dissemination.p99 > secs(*e.join_dissemination_p99)) {
    add("join_dissemination_p99", r.join_dissemination.p99, secs(*e.join_dissemination_p99));
  }
  if (e.false_prunes && r.false_prunes > *e.false_prunes) {
    add("false_prunes", static_cast<double>(r.false_prunes), static_cast<double>(*e.false_prunes));
  }
  if (e.control_bytes_per_node_per_second &&
      r.control_bytes_per_node_per_second > *e.control_bytes_per_node_per_second) {
    add("control_bytes_per_node_per_second", r.control_bytes_per_node_per_second,
        *e.control_bytes_per_node_per_second);
  }
  return failed;
}

// The first violations, with the virtual time and the node.
void print_violations(const RunSummary& r) {
  if (r.invariant_violations == 0) return;
  std::fprintf(stderr, "smegsim: %" PRIu64 " invariant violations; the first:\n",
               r.invariant_violations);
  for (const Violation& v : r.first_violations) {
    std::fprintf(stderr, "  t=%.3f s node %u: %s\n", static_cast<double>(v.at) / 1e6, v.node,
                 v.what.c_str());
  }
}

// One run with every report; `digest` receives the run's digest.
int run(const Args& a, const Scenario& sc, uint64_t* digest = nullptr) {
  const uint64_t seed = a.seed.value_or(sc.seed);
  // The directory first: a bad --out fails before a long run, not after it.
  std::optional<RunOutput> out;
  if (!a.out.empty()) {
    out.emplace(a.out);
    if (Status s = out->create(); !s) {
      std::fprintf(stderr, "smegsim: --out: %s\n", s.message().c_str());
      return 2;
    }
  }
  Simulation sim(sc, seed);
  if (out) out->attach(sim);
  double wall = 0;
  const RunSummary r = run_with_progress(sim, static_cast<double>(sc.duration.count()) / 1e6,
                                         a.quiet, out ? &*out : nullptr, wall);
  if (digest) *digest = r.digest;
  // Writing snapshots is not simulating: the speed figures leave it out.
  if (out) wall = std::max(0.0, wall - out->snapshot_seconds());
  const double speedup = wall > 0 ? r.sim_seconds / wall : 0;
  const double eps = wall > 0 ? static_cast<double>(r.events) / wall : 0;
  // The bare heap at the run's mean queue size, timed now, in this process.
  RunTiming timing;
  timing.wall_seconds = wall;
  timing.mean_pending_events = sim.mean_pending();
  timing.bare_heap_events_per_second =
      bare_heap_events_per_second(static_cast<size_t>(sim.mean_pending()), 2'000'000);
  const double heap_eps = timing.bare_heap_events_per_second;
  const double heap_ratio = heap_eps > 0 ? eps / heap_eps : 0;
  const uint64_t rss = timing.peak_rss_bytes = peak_rss_bytes();
  const std::string json = summary_json(r, timing);
  if (out) {
    // Nothing goes to stdout unless every file was written.
    if (Status s = out->finish(sim, json); !s) {
      std::fprintf(stderr, "smegsim: --out: %s\n", s.message().c_str());
      return 2;
    }
    if (!a.quiet) {
      std::fprintf(stderr, "smegsim: wrote %zu files to %s\n", out->written().size(),
                   a.out.c_str());
    }
  }
  if (a.json) {
    std::fputs(json.c_str(), stdout);
  } else {
    std::printf("%s  seed %" PRIu64 "  nodes %u  %.1f s simulated in %.2f s (%.1fx), %" PRIu64
                " events (%.0f/s), peak RSS %.1f MB\n",
                r.name.c_str(), r.seed, r.nodes, r.sim_seconds, wall, speedup, r.events, eps,
                static_cast<double>(rss) / 1e6);
    std::printf(
        "event heap: %.0f pending on average; the bare heap does %.0f events/s there, "
        "the run did %.1f%% of that\n",
        sim.mean_pending(), heap_eps, 100.0 * heap_ratio);
    std::printf(
        "failure convergence: %zu samples, p50 %.3f s, p99 %.3f s, max %.3f s, %zu "
        "unconverged\n",
        r.failure_convergence.count, r.failure_convergence.p50, r.failure_convergence.p99,
        r.failure_convergence.max, r.failure_convergence.unconverged);
    std::printf(
        "join dissemination:  %zu samples, p50 %.3f s, p99 %.3f s, max %.3f s, %zu "
        "unconverged\n",
        r.join_dissemination.count, r.join_dissemination.p50, r.join_dissemination.p99,
        r.join_dissemination.max, r.join_dissemination.unconverged);
    if (r.exits.exit_crashes > 0) {
      std::printf(
          "exits: %zu crashed; %zu of %zu nodes moved (%.1f%%): %zu had chosen a crashed exit, "
          "%zu moved needlessly\n",
          r.exits.exit_crashes, r.exits.moved, r.exits.choosers, 100.0 * r.exits.moved_fraction(),
          r.exits.had_crashed, r.exits.needless);
    }
    std::printf("false prunes: %" PRIu64 "; control traffic %.0f B/s per node; digest %016" PRIx64
                "\n",
                r.false_prunes, r.control_bytes_per_node_per_second, r.digest);
    std::printf("invariant violations: %" PRIu64 "\n", r.invariant_violations);
  }
  const auto failed = check_expectations(sc, r);
  if (failed.empty() && r.invariant_violations == 0) return 0;
  for (const auto& f : failed) std::fprintf(stderr, "smegsim: expect failed: %s\n", f.c_str());
  print_violations(r);
  std::fprintf(stderr, "smegsim: seed %" PRIu64 "; replay: %s\n", seed,
               replay_command(a, seed).c_str());
  return 1;
}

int check(const Args& a, const Scenario& sc) {
  const uint64_t seed = a.seed.value_or(sc.seed);
  uint64_t d1 = 0;
  if (!a.out.empty() || a.json) {
    // The first run reports like `run`, so that one check also yields a run's results.
    if (run(a, sc, &d1) == 2) return 2;  // --out could not be written
  } else {
    Simulation first(sc, seed);
    d1 = first.run().digest;
  }
  Simulation second(sc, seed);
  const uint64_t d2 = second.run().digest;
  // With --json, stdout holds the first run's JSON object only.
  std::fprintf(a.json ? stderr : stdout,
               "%s seed %" PRIu64 ": digests %016" PRIx64 " %016" PRIx64 "\n", sc.name.c_str(),
               seed, d1, d2);
  if (d1 == d2) return 0;
  std::fprintf(stderr, "smegsim: two runs of seed %" PRIu64 " differ; replay: %s\n", seed,
               replay_command(a, seed).c_str());
  return 1;
}

// ---------------------------------------------------------------------------------------------
// smegsim swarm

struct SwarmArgs {
  uint64_t first = 0, last = 0;
  uint32_t nodes = 40;
  bool print = false;
};

bool parse_u64(const std::string& v, uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(v.c_str(), &end, 10);
  return !v.empty() && v[0] != '-' && v[0] != '+' && *end == '\0' && errno == 0;
}

// Parses `swarm ...`; on error prints it and returns false with the exit code.
bool parse_swarm_args(const std::vector<std::string>& args, SwarmArgs& a, int& exit_code) {
  bool have_seeds = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    const bool takes_value = s == "--seeds" || s == "--nodes";
    if (takes_value && i + 1 >= args.size()) {
      exit_code = usage_error(s + " needs a value");
      return false;
    }
    if (s == "--seeds") {
      const std::string& v = args[++i];
      const size_t dots = v.find("..");
      if (dots == std::string::npos || !parse_u64(v.substr(0, dots), a.first) ||
          !parse_u64(v.substr(dots + 2), a.last) || a.first > a.last) {
        exit_code = usage_error("--seeds '" + v + "' must be A..B with A <= B (e.g. 1..200)");
        return false;
      }
      have_seeds = true;
    } else if (s == "--nodes") {
      const std::string& v = args[++i];
      uint64_t n = 0;
      if (!parse_u64(v, n) || n < 2 || n > 100000) {
        exit_code = usage_error("--nodes '" + v + "' must be an integer from 2 to 100000");
        return false;
      }
      a.nodes = static_cast<uint32_t>(n);
    } else if (s == "--print-scenario") {
      a.print = true;
    } else if (s == "--help" || s == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return false;
    } else {
      exit_code = usage_error("unknown argument '" + s + "' for swarm");
      return false;
    }
  }
  if (!have_seeds) {
    exit_code = usage_error("swarm needs --seeds A..B");
    return false;
  }
  return true;
}

int swarm(const SwarmArgs& a) {
  int failed = 0;
  for (uint64_t seed = a.first;; ++seed) {
    const SwarmDraw draw = draw_swarm(seed, a.nodes);
    if (a.print) {
      std::printf("%s# swarm seed %" PRIu64 ": every fault is over at %.3f s\n%s",
                  seed == a.first ? "" : "---\n", seed, static_cast<double>(draw.heal_at) / 1e6,
                  scenario_to_yaml(draw.scenario).c_str());
    } else {
      const SwarmOutcome o = run_swarm(draw);
      std::printf("seed %" PRIu64 ": %s", seed, o.line.c_str());
      if (!o.ok) {
        ++failed;
        std::printf("  replay: build/bin/smegsim swarm --seeds %" PRIu64 "..%" PRIu64 " --nodes %u",
                    seed, seed, a.nodes);
        for (const std::string& d : o.details)
          std::fprintf(stderr, "smegsim: seed %" PRIu64 ": %s\n", seed, d.c_str());
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    if (seed == a.last) break;
  }
  if (!a.print) {
    std::printf("%" PRIu64 " seeds, %" PRIu64 " passed, %d failed\n", a.last - a.first + 1,
                a.last - a.first + 1 - static_cast<uint64_t>(failed), failed);
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace
}  // namespace smeg::sim

int main(int argc, char** argv) {
  using namespace smeg::sim;
  if (argc > 1 && std::strcmp(argv[1], "swarm") == 0) {
    SwarmArgs sa;
    int code = 0;
    if (!parse_swarm_args(std::vector<std::string>(argv + 1, argv + argc), sa, code)) return code;
    return swarm(sa);
  }
  Args a;
  int exit_code = 0;
  if (!parse_args(argc, argv, a, exit_code)) return exit_code;
  auto sc = load_scenario_file(a.scenario);
  if (!sc) {
    std::fprintf(stderr, "smegsim: %s\n", sc.status().message().c_str());
    return 2;
  }
  if (a.nodes) {
    sc = scale_scenario(*sc, *a.nodes);
    if (!sc) {
      std::fprintf(stderr, "smegsim: %s\n", sc.status().message().c_str());
      return 2;
    }
  }
  return a.command == "run" ? run(a, *sc) : check(a, *sc);
}
