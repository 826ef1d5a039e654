// smeg-realrun: runs a simulator scenario (scenarios/*.yaml) on real daemons, a few hosts in
// network namespaces with smegd over wireguard-go, and reports the simulator's figures.
//
//   smeg-realrun SCENARIO.yaml [--json] [--quiet] [--seed N] [--poll MS] [--time-limit S]
//                              [--bin DIR] [--keep]
//
// Exit codes: 0 ok; 1 the run failed or an `expect:` bound was missed; 2 bad usage, a bad
// scenario, or one a real run cannot do (the message names the key); 77 this machine cannot
// run it (not root, no wireguard-go, no /dev/net/tun, no network namespaces): CTest's skip.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "sim/scenario.h"
#include "tests/realrun/command.h"
#include "tests/realrun/plan.h"
#include "tests/realrun/runner.h"
#include "tests/realrun/summary.h"
#include "tests/realrun/world.h"

namespace smeg::realrun {
namespace {

constexpr const char* kUsage =
    "usage: smeg-realrun SCENARIO.yaml [--json] [--quiet] [--seed N] [--poll MS]\n"
    "                    [--time-limit S] [--bin DIR] [--keep]\n"
    "\n"
    "Runs the scenario on real smegd daemons, one per host in a network namespace (root,\n"
    "wireguard-go), and reports failure convergence, join dissemination, false prunes and\n"
    "control bytes as `smegsim run` does. Faults start once every mesh has formed (t = 0).\n"
    "  --json          one JSON object on stdout\n"
    "  --quiet         no progress lines on stderr\n"
    "  --seed N        picks random crash targets and join contacts (default: the scenario's)\n"
    "  --poll MS       how often every host's view is read (default 50)\n"
    "  --time-limit S  hard limit of the whole run (default: duration + 120 s + 6 heartbeats)\n"
    "  --bin DIR       where smegd is (default: next to smeg-realrun)\n"
    "  --keep          keep the scratch directory (configs, state, logs)\n";

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Args {
  std::string scenario;
  bool json = false, quiet = false, keep = false;
  std::optional<uint64_t> seed;
  int poll_ms = 50;
  std::optional<int> time_limit_s;
  std::string bin;
};

int usage(const std::string& what) {
  std::fprintf(stderr, "smeg-realrun: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

bool parse_number(const std::string& text, long long lo, long long hi, long long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && errno == 0 && out >= lo && out <= hi;
}

std::optional<std::string> parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    long long n = 0;
    if (arg == "--json") {
      a.json = true;
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (arg == "--keep") {
      a.keep = true;
    } else if (arg == "--seed" || arg == "--poll" || arg == "--time-limit" || arg == "--bin") {
      auto v = value();
      if (!v) return arg + " needs a value";
      if (arg == "--bin") {
        a.bin = *v;
      } else if (arg == "--seed") {
        if (!parse_number(*v, 0, LLONG_MAX, n)) return "--seed " + *v + ": not a number";
        a.seed = static_cast<uint64_t>(n);
      } else if (arg == "--poll") {
        if (!parse_number(*v, 1, 10000, n)) return "--poll " + *v + ": must be 1..10000 (ms)";
        a.poll_ms = static_cast<int>(n);
      } else {
        if (!parse_number(*v, 1, 3600, n)) return "--time-limit " + *v + ": must be 1..3600 (s)";
        a.time_limit_s = static_cast<int>(n);
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return "unknown option " + arg;
    } else if (a.scenario.empty()) {
      a.scenario = arg;
    } else {
      return "one scenario only (" + a.scenario + ", " + arg + ")";
    }
  }
  if (a.scenario.empty()) return "no scenario given";
  return std::nullopt;
}

// Why this machine cannot run hosts in namespaces, or nothing.
std::optional<std::string> missing_prerequisite(const std::string& tag) {
  if (geteuid() != 0) return "needs root (network namespaces)";
  for (const char* tool : {"ip", "wireguard-go"}) {
    if (!have_tool(tool)) return std::string("missing ") + tool + " (scripts/setup installs it)";
  }
  struct stat st {};
  if (stat("/dev/net/tun", &st) != 0 || !S_ISCHR(st.st_mode)) {
    return "no /dev/net/tun for wireguard-go";
  }
  const std::string probe = "smeg-" + tag + "-probe";
  if (!run_command({"ip", "netns", "add", probe})) return "cannot create network namespaces here";
  (void)run_command({"ip", "netns", "del", probe});
  return std::nullopt;
}

std::string hex(unsigned long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%lx", v);
  return buf;
}

int run(int argc, char** argv) {
  Args a;
  if (auto err = parse_args(argc, argv, a)) return usage(*err);
  auto sc = sim::load_scenario_file(a.scenario);
  if (!sc) {
    std::fprintf(stderr, "smeg-realrun: %s\n", sc.status().message().c_str());
    return 2;
  }
  // What no real run can do is refused before the machine is looked at; a latency or loss
  // model is refused once netem turns out not to work here.
  auto plan = plan_real_run(*sc, a.scenario, HostCapabilities{true});
  if (!plan) {
    std::fprintf(stderr, "smeg-realrun: %s\n", plan.status().message().c_str());
    return 2;
  }
  const unsigned long pid = static_cast<unsigned long>(getpid());
  const std::string tag = "rr" + hex(pid);
  if (auto why = missing_prerequisite(tag)) {
    std::printf("SKIP: %s\n", why->c_str());
    return 77;
  }
  if (plan->netem.any() && !(have_tool("tc") && netem_works(tag))) {
    plan = plan_real_run(*sc, a.scenario, HostCapabilities{false});
    std::fprintf(stderr, "smeg-realrun: %s\n", plan.status().message().c_str());
    return 2;
  }
  RunOptions o;
  if (a.bin.empty()) {
    std::error_code ec;
    a.bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
  }
  o.smegd = a.bin + "/smegd";
  if (!have_tool(o.smegd)) {
    std::fprintf(stderr, "smeg-realrun: %s is not built\n", o.smegd.c_str());
    return 1;
  }
  char dir[] = "/tmp/smeg-realrun.XXXXXX";
  if (!mkdtemp(dir)) {
    std::fprintf(stderr, "smeg-realrun: mkdtemp: %s\n", std::strerror(errno));
    return 1;
  }
  o.dir = dir;
  o.tag = tag;
  o.underlay_prefix = "fd00:5f:" + hex(pid % 65000 + 1) + "::";
  o.seed = a.seed.value_or(sc->seed);
  o.poll_interval = std::chrono::milliseconds(a.poll_ms);
  o.time_limit = a.time_limit_s
                     ? Duration(std::chrono::seconds(*a.time_limit_s))
                     : sc->duration + std::chrono::seconds(120) + 6 * sc->params.heartbeat_interval;
  o.stop = &g_stop;
  o.progress = !a.quiet;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  auto summary = run_real(*sc, *plan, o);
  if (!summary) {
    std::fprintf(stderr, "smeg-realrun: %s\nsmeg-realrun: logs kept in %s\n",
                 summary.status().message().c_str(), dir);
    return 1;
  }
  if (!a.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::fputs(a.json ? summary_json(*summary).c_str() : summary_text(*summary).c_str(), stdout);
  const auto failed = check_expectations(sc->expect, *summary);
  for (const auto& f : failed) std::fprintf(stderr, "smeg-realrun: expect failed: %s\n", f.c_str());
  return failed.empty() ? 0 : 1;
}

}  // namespace
}  // namespace smeg::realrun

int main(int argc, char** argv) { return smeg::realrun::run(argc, argv); }
