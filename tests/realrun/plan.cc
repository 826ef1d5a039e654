#include "tests/realrun/plan.h"

#include <cstdio>
#include <variant>

namespace smeg::realrun {
namespace {

Status refuse(const std::string& source, const std::string& key, const std::string& why) {
  return Status::unsupported(source + ": " + key + ": " + why);
}

// A fault's key, with the line the loader recorded: "FILE:LINE: faults[2].partition".
Status refuse_fault(const std::string& source, const sim::Fault& f, size_t index,
                    const std::string& sub, const std::string& why) {
  std::string key =
      "faults[" + std::to_string(index) + "]." + std::string(sim::fault_kind(f.action));
  if (!sub.empty()) key += "." + sub;
  const std::string where = f.line > 0 ? source + ":" + std::to_string(f.line) : source;
  return Status::unsupported(where + ": " + key + ": " + why);
}

Status check_network(const sim::Scenario& sc, const std::string& source,
                     const HostCapabilities& caps) {
  const sim::NetworkModel& n = sc.network;
  if (n.duplicate > 0) {
    return refuse(source, "network.duplicate", "a real run does not duplicate packets");
  }
  if (n.reorder > 0) {
    return refuse(source, "network.reorder", "a real run does not reorder packets");
  }
  const char* no_netem = "needs tc netem, which does not work on this machine (sch_netem)";
  if (!caps.netem && n.latency.mean.count() > 0) return refuse(source, "network.latency", no_netem);
  if (!caps.netem && n.loss > 0) return refuse(source, "network.loss", no_netem);
  return Status::ok();
}

Status check_fault(const sim::Fault& f, size_t i, const std::string& source) {
  const auto& a = f.action;
  if (const auto* c = std::get_if<sim::CrashFault>(&a)) {
    if (c->target == sim::CrashFault::Target::kExit) {
      return refuse_fault(source, f, i, "who", "a real run has no exits to crash");
    }
    return Status::ok();
  }
  if (const auto* r = std::get_if<sim::RestartFault>(&a)) {
    if (r->wipe) {
      return refuse_fault(source, f, i, "wipe",
                          "a real run restarts smegd with its state directory kept");
    }
    return Status::ok();
  }
  if (std::holds_alternative<sim::JoinFault>(a)) return Status::ok();
  if (std::holds_alternative<sim::PartitionFault>(a)) {
    return refuse_fault(source, f, i, "", "a real run cannot partition its hosts");
  }
  if (std::holds_alternative<sim::LossFault>(a)) {
    return refuse_fault(source, f, i, "", "a real run does not change the loss during the run");
  }
  if (std::holds_alternative<sim::ClogFault>(a)) {
    return refuse_fault(source, f, i, "", "a real run cannot clog links");
  }
  if (std::holds_alternative<sim::LeaveFault>(a)) {
    return refuse_fault(source, f, i, "", "a real run does not leave meshes");
  }
  // Skew, drift and slow nodes: the hosts share one kernel clock and run at full speed.
  return refuse_fault(source, f, i, "", "a real run cannot skew, drift or slow a host");
}

}  // namespace

Result<RealRunPlan> plan_real_run(const sim::Scenario& sc, const std::string& source,
                                  const HostCapabilities& caps) {
  if (sc.duration > kMaxDuration) {
    return refuse(source, "duration", "a real run lasts at most 10m of real time");
  }
  if (!sc.bridges.empty()) return refuse(source, "bridges", "a real run has no bridges");
  RealRunPlan plan;
  for (size_t m = 0; m < sc.meshes.size(); ++m) {
    const sim::MeshSpec& spec = sc.meshes[m];
    const std::string key = "meshes[" + std::to_string(m) + "]";
    if (spec.clients > 0) return refuse(source, key + ".clients", "a real run has peers only");
    if (spec.exits > 0) return refuse(source, key + ".exits", "a real run has no exits");
    for (uint32_t p = 0; p < spec.peers && plan.hosts.size() <= kMaxHosts; ++p) {
      plan.hosts.push_back(HostPlan{spec.id, false});
    }
  }
  if (Status s = check_network(sc, source, caps); !s) return s;
  for (size_t i = 0; i < sc.faults.size(); ++i) {
    if (Status s = check_fault(sc.faults[i], i, source); !s) return s;
    if (const auto* j = std::get_if<sim::JoinFault>(&sc.faults[i].action)) {
      for (uint32_t k = 0; k < j->count && plan.hosts.size() <= kMaxHosts; ++k) {
        plan.hosts.push_back(HostPlan{j->mesh, true});
      }
    }
  }
  if (plan.hosts.size() > kMaxHosts) {
    return refuse(source, "meshes",
                  "more than " + std::to_string(kMaxHosts) +
                      " hosts (peers plus joiners) do not fit a real run on this machine");
  }
  plan.netem.delay = sc.network.latency.mean;
  plan.netem.jitter = sc.network.latency.mean - sc.network.latency.min;
  plan.netem.loss = sc.network.loss;
  return plan;
}

std::vector<std::string> netem_args(const Netem& n) {
  std::vector<std::string> args{"netem"};
  if (n.delay.count() > 0) {
    args.push_back("delay");
    args.push_back(std::to_string(n.delay.count()) + "us");
    if (n.jitter.count() > 0) args.push_back(std::to_string(n.jitter.count()) + "us");
  }
  if (n.loss > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g%%", n.loss * 100.0);
    args.push_back("loss");
    args.push_back(buf);
  }
  return args;
}

}  // namespace smeg::realrun
