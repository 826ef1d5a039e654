#include "tests/realrun/summary.h"

#include <cinttypes>
#include <cstdio>

#include "daemon/api/json.h"

namespace smeg::realrun {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string samples_line(const char* what, const sim::SampleSummary& s) {
  return format("%s %zu samples, p50 %.3f s, p99 %.3f s, max %.3f s, %zu unconverged\n", what,
                s.count, s.p50, s.p99, s.max, s.unconverged);
}

api::Json samples_json(const sim::SampleSummary& s) {
  return api::Json::object()
      .set("count", s.count)
      .set("p50", s.p50)
      .set("p99", s.p99)
      .set("max", s.max)
      .set("unconverged", s.unconverged);
}

std::string bound_failure(const char* what, double got, double bound) {
  return format("%s: %.3f exceeds the bound %.3f", what, got, bound);
}

double seconds(Duration d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

std::string summary_text(const RealRunSummary& r) {
  std::string out = format("%s  seed %" PRIu64
                           "  hosts %u  %.1f s measured after forming in %.1f s; polled every "
                           "%.0f ms (each host answered every %.0f ms on average)\n",
                           r.name.c_str(), r.seed, r.hosts, r.real_seconds, r.formation_seconds,
                           r.poll_interval_seconds * 1e3, r.mean_poll_period_seconds * 1e3);
  out += samples_line("failure convergence:", r.failure_convergence);
  out += samples_line("join dissemination: ", r.join_dissemination);
  out +=
      format("false prunes: %" PRIu64
             "; control traffic %.0f B/s per node (sealed), %.2f messages/s per node\n",
             r.false_prunes, r.control_bytes_per_node_per_second, r.messages_per_node_per_second);
  return out;
}

std::string summary_json(const RealRunSummary& r) {
  api::Json traffic = api::Json::object();
  for (const auto& [type, t] : r.traffic_by_type) {
    traffic.set(type, api::Json::object().set("messages", t.messages).set("bytes", t.bytes));
  }
  api::Json events = api::Json::array();
  for (const std::string& e : r.events) events.push(e);
  api::Json j = api::Json::object()
                    .set("name", r.name)
                    .set("seed", r.seed)
                    .set("hosts", r.hosts)
                    .set("formation_seconds", r.formation_seconds)
                    .set("real_seconds", r.real_seconds)
                    .set("poll_interval_seconds", r.poll_interval_seconds)
                    .set("mean_poll_period_seconds", r.mean_poll_period_seconds)
                    .set("failure_convergence", samples_json(r.failure_convergence))
                    .set("join_dissemination", samples_json(r.join_dissemination))
                    .set("false_prunes", r.false_prunes)
                    .set("control_bytes_per_node_per_second", r.control_bytes_per_node_per_second)
                    .set("messages_per_node_per_second", r.messages_per_node_per_second)
                    .set("traffic_by_type", std::move(traffic))
                    .set("events", std::move(events));
  return j.dump() + "\n";
}

std::vector<std::string> check_expectations(const sim::Expectations& e, const RealRunSummary& r) {
  std::vector<std::string> failed;
  if (e.failure_convergence_p99 && r.failure_convergence.p99 > seconds(*e.failure_convergence_p99))
    failed.push_back(bound_failure("failure_convergence_p99", r.failure_convergence.p99,
                                   seconds(*e.failure_convergence_p99)));
  if (e.failure_convergence_max && r.failure_convergence.max > seconds(*e.failure_convergence_max))
    failed.push_back(bound_failure("failure_convergence_max", r.failure_convergence.max,
                                   seconds(*e.failure_convergence_max)));
  if (e.join_dissemination_p99 && r.join_dissemination.p99 > seconds(*e.join_dissemination_p99))
    failed.push_back(bound_failure("join_dissemination_p99", r.join_dissemination.p99,
                                   seconds(*e.join_dissemination_p99)));
  if (e.false_prunes && r.false_prunes > *e.false_prunes)
    failed.push_back(format("false_prunes: %" PRIu64 " exceeds the bound %" PRIu64, r.false_prunes,
                            *e.false_prunes));
  if (e.control_bytes_per_node_per_second &&
      r.control_bytes_per_node_per_second > *e.control_bytes_per_node_per_second)
    failed.push_back(bound_failure("control_bytes_per_node_per_second",
                                   r.control_bytes_per_node_per_second,
                                   *e.control_bytes_per_node_per_second));
  return failed;
}

}  // namespace smeg::realrun
