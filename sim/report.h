// What a run leaves behind: the JSON summary (`smegsim run --json`) and the files of
// `smegsim run --out DIR` — summary.json, samples.csv, cdf.svg and topology snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sim/engine.h"
#include "sim/metrics.h"

namespace smeg::sim {

// What a run measured outside the simulation: wall time (of the simulation proper; speedup and
// events per second follow from it), memory, and the bare event heap timed after the run.
struct RunTiming {
  double wall_seconds = 0;
  uint64_t peak_rss_bytes = 0;
  double mean_pending_events = 0;
  double bare_heap_events_per_second = 0;
};

// The one-line JSON object (newline-terminated) that --json prints and summary.json holds.
std::string summary_json(const RunSummary& r, const RunTiming& t);

// A JSON string literal, quotes included.
std::string json_quote(std::string_view text);

// samples.csv: the header `kind,subject,observer,t0_seconds,latency_seconds`, then one row per
// sample (kind failure_convergence or join_dissemination; latency empty when unconverged).
std::string samples_csv(const std::vector<Sample>& failure, const std::vector<Sample>& join);

// Creates dir and its parents; writes a whole file. Errors read "PATH: strerror".
Status make_directories(const std::string& dir);
Status write_file(const std::string& path, std::string_view text);

// The files of --out DIR. attach() before the run takes topology-start.dot (when formation is
// over; none if the run ends first) and topology-fault-INDEX-KIND.dot (just before each fault
// starts); finish() after it writes summary.json, samples.csv, cdf.svg and topology-end.dot.
// The first failure sticks: later files are skipped and status() reports it.
class RunOutput {
 public:
  explicit RunOutput(std::string dir) : dir_(std::move(dir)) {}
  RunOutput(const RunOutput&) = delete;
  RunOutput& operator=(const RunOutput&) = delete;

  Status create() { return note(make_directories(dir_)); }
  void attach(Simulation& sim);
  // json: exactly what --json prints.
  Status finish(const Simulation& sim, const std::string& json);

  const Status& status() const { return status_; }
  const std::vector<std::string>& written() const { return written_; }
  // Wall time spent writing snapshots during the run (kept out of the speed figures).
  double snapshot_seconds() const { return snapshot_seconds_; }

 private:
  Status note(Status s);
  void write(const std::string& name, std::string_view text);
  void snapshot(const Simulation& sim, const std::string& name, const std::string& what);

  std::string dir_;
  Status status_;
  std::vector<std::string> written_;  // file names, in the order written
  double snapshot_seconds_ = 0;
};

}  // namespace smeg::sim
