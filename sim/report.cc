#include "sim/report.h"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/messages.h"
#include "sim/cdf_plot.h"
#include "sim/strformat.h"
#include "sim/topology.h"

namespace smeg::sim {
namespace {

void samples_json(std::string& out, const char* name, const SampleSummary& s) {
  appendf(out,
          "\"%s\": {\"count\": %zu, \"p50\": %.6f, \"p99\": %.6f, \"max\": %.6f, "
          "\"unconverged\": %zu}",
          name, s.count, s.p50, s.p99, s.max, s.unconverged);
}

// Per message type: {"sync": {"messages": m, "bytes": b}, ...} per live node per second.
void traffic_json(std::string& out, const RunSummary& r) {
  bool first = true;
  for (size_t t = 0; t < Traffic::kTypes; ++t) {
    if (r.type_messages_per_node_per_second[t] == 0) continue;
    const char* name = t == 0 ? "unknown" : message_type_name(static_cast<MessageType>(t));
    appendf(out, "%s\"%s\": {\"messages\": %.3f, \"bytes\": %.1f}", first ? "" : ", ", name,
            r.type_messages_per_node_per_second[t], r.type_bytes_per_node_per_second[t]);
    first = false;
  }
}

void sample_rows(std::string& out, const char* kind, const std::vector<Sample>& samples) {
  for (const Sample& s : samples) {
    appendf(out, "%s,%u,%u,%.6f,", kind, s.subject, s.observer, static_cast<double>(s.t0_us) / 1e6);
    if (s.converged()) appendf(out, "%.6f", static_cast<double>(s.latency_us) / 1e6);
    out += '\n';
  }
}

std::string path_error(const std::string& path, int err) {
  return path + ": " + std::strerror(err);
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      appendf(out, "\\u%04x", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string summary_json(const RunSummary& r, const RunTiming& t) {
  const double wall = t.wall_seconds;
  const double speedup = wall > 0 ? r.sim_seconds / wall : 0;
  const double eps = wall > 0 ? static_cast<double>(r.events) / wall : 0;
  const double heap_eps = t.bare_heap_events_per_second;
  const double heap_ratio = heap_eps > 0 ? eps / heap_eps : 0;
  std::string out = "{\"name\": " + json_quote(r.name);
  appendf(out,
          ", \"seed\": %" PRIu64
          ", \"nodes\": %u, \"sim_seconds\": %.3f, "
          "\"wall_seconds\": %.3f, \"speedup\": %.2f, \"events\": %" PRIu64
          ", \"events_per_second\": %.0f, \"peak_rss_bytes\": %" PRIu64
          ", \"digest\": \"%016" PRIx64 "\", ",
          r.seed, r.nodes, r.sim_seconds, wall, speedup, r.events, eps, t.peak_rss_bytes, r.digest);
  samples_json(out, "failure_convergence", r.failure_convergence);
  out += ", ";
  samples_json(out, "join_dissemination", r.join_dissemination);
  appendf(out,
          ", \"false_prunes\": %" PRIu64
          ", \"control_bytes_per_node_per_second\": %.1f, \"invariant_violations\": %" PRIu64
          ", \"messages_per_node_per_second\": %.2f, \"traffic_by_type\": {",
          r.false_prunes, r.control_bytes_per_node_per_second, r.invariant_violations,
          r.messages_per_node_per_second);
  traffic_json(out, r);
  appendf(out,
          "}, \"mean_pending_events\": %.0f, \"bare_heap_events_per_second\": %.0f, "
          "\"heap_ratio\": %.4f",
          t.mean_pending_events, heap_eps, heap_ratio);
  appendf(out,
          ", \"leader_changes_per_node\": %.3f, \"route_changes_per_node\": %.3f, "
          "\"exits\": {\"exit_crashes\": %zu, \"choosers\": %zu, \"had_crashed\": %zu, "
          "\"moved\": %zu, \"moved_fraction\": %.4f, \"needless\": %zu}}\n",
          r.leader_changes_per_node, r.route_changes_per_node, r.exits.exit_crashes,
          r.exits.choosers, r.exits.had_crashed, r.exits.moved, r.exits.moved_fraction(),
          r.exits.needless);
  return out;
}

std::string samples_csv(const std::vector<Sample>& failure, const std::vector<Sample>& join) {
  std::string out = "kind,subject,observer,t0_seconds,latency_seconds\n";
  sample_rows(out, "failure_convergence", failure);
  sample_rows(out, "join_dissemination", join);
  return out;
}

Status make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::invalid_argument(path_error(dir, ec.value()));
  // An existing file of that name is no error to create_directories.
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::invalid_argument(path_error(dir, ec ? ec.value() : ENOTDIR));
  }
  return Status::ok();
}

Status write_file(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::invalid_argument(path_error(path, errno));
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  // fclose flushes: a full disk can show up only here.
  if (std::fclose(f) != 0 || !wrote)
    return Status::invalid_argument(path_error(path, wrote ? errno : write_errno));
  return Status::ok();
}

Status RunOutput::note(Status s) {
  if (status_ && !s) status_ = s;
  return s;
}

void RunOutput::write(const std::string& name, std::string_view text) {
  if (!status_) return;
  if (note(write_file((std::filesystem::path(dir_) / name).string(), text)))
    written_.push_back(name);
}

void RunOutput::snapshot(const Simulation& sim, const std::string& name, const std::string& what) {
  if (!status_) return;
  const auto start = std::chrono::steady_clock::now();
  write(name, topology_dot(sim, what));
  snapshot_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void RunOutput::attach(Simulation& sim) {
  sim.set_hook([this](const Simulation& s, std::optional<size_t> fault) {
    if (!fault) return snapshot(s, "topology-start.dot", "start (formation over)");
    const Fault& f = s.scenario().faults[*fault];
    const std::string kind(fault_kind(f.action));
    snapshot(s, "topology-fault-" + std::to_string(*fault) + "-" + kind + ".dot",
             "before fault " + std::to_string(*fault) + " (" + kind + ")");
  });
}

Status RunOutput::finish(const Simulation& sim, const std::string& json) {
  if (!status_) return status_;
  write("summary.json", json);
  const std::vector<bool> live = sim.live_nodes();
  const std::vector<Sample> failure = sim.metrics().failure_sample_list(live);
  const std::vector<Sample> join = sim.metrics().join_sample_list(live);
  write("samples.csv", samples_csv(failure, join));
  // The plot: failure convergence, and join dissemination when the run had joins.
  auto curve = [](std::string label, const std::vector<Sample>& samples) {
    CdfCurve c{std::move(label), {}, 0};
    for (const Sample& s : samples) {
      if (s.converged()) {
        c.samples_us.push_back(s.latency_us);
      } else {
        ++c.unconverged;
      }
    }
    return c;
  };
  std::vector<CdfCurve> curves{curve("failure convergence", failure)};
  if (!join.empty()) curves.push_back(curve("join dissemination", join));
  const std::string title = "CDF of " + sim.scenario().name + ", seed " +
                            std::to_string(sim.seed()) + ", " + std::to_string(sim.node_count()) +
                            " nodes";
  write("cdf.svg", cdf_svg(title, curves));
  write("topology-end.dot", topology_dot(sim, "end of run"));
  return status_;
}

}  // namespace smeg::sim
