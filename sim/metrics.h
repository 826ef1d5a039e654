// What a simulation run measures (DESIGN.md §6), fed with the cores' membership events.
//
// - failure convergence of a crash of X at t0: for each observer Y live at the end, the first
//   time after which Y's view never again contains X, minus t0 (the last removal, if none
//   followed it); an observer that still holds X at the end counts as unconverged;
// - join dissemination of J at t0: for each observer Y live at the end, the first time Y's view
//   contains J, minus t0;
// - false prunes: Y drops X from its view while X is alive and reachable from Y.
// A node is in several meshes' views at once when it bridges them: views are counted per
// (observer, node) across meshes, and "contains" means in at least one mesh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace smeg::sim {

struct SampleSummary {
  size_t count = 0;
  double p50 = 0, p99 = 0, max = 0;  // seconds
  size_t unconverged = 0;            // observers that never got there
};

// Nearest-rank percentiles of samples in microseconds, reported in seconds.
SampleSummary summarize(std::vector<int64_t> samples_us, size_t unconverged);

// One measurement: what `observer` made of the crash or join of `subject` at t0.
struct Sample {
  uint32_t subject = 0;
  uint32_t observer = 0;
  int64_t t0_us = 0;
  int64_t latency_us = -1;  // -1: the observer never got there (unconverged)
  bool converged() const { return latency_us >= 0; }
};

// The summary of samples: the latencies of the converged ones, the count of the others.
SampleSummary summarize(const std::vector<Sample>& samples);

class Metrics {
 public:
  explicit Metrics(uint32_t nodes)
      : nodes_(nodes), latest_crash_(nodes, -1), latest_join_(nodes, -1) {}

  // X crashed at t0; views[y] is how many of y's mesh views contained X then; up[y]: y is
  // running (observers that are down do not count until the measurement's end).
  void crashed(uint32_t x, int64_t t0, std::vector<uint16_t> views, const std::vector<bool>& up);
  // X is back: an open crash measurement of X is closed at t (late observers are unconverged).
  void restarted(uint32_t x, int64_t t);
  // Y went down: measurements Y has not completed yet (it still holds a crashed node, or has
  // not seen a joiner) no longer count Y as an observer; its frozen view says nothing. If Y
  // itself was joining, observers that have not seen it yet are not counted either.
  void node_down(uint32_t y);
  // J asked to join a mesh at t0; observer[y]: y is a running member of that mesh (only
  // those count).
  void joining(uint32_t j, int64_t t0, const std::vector<bool>& observer);

  void member_added(uint32_t y, uint32_t x, int64_t t);
  // alive_and_reachable: X was alive and could reach Y's side when Y dropped it.
  void member_removed(uint32_t y, uint32_t x, int64_t t, bool alive_and_reachable);

  SampleSummary failure_convergence(const std::vector<bool>& live_at_end) const;
  SampleSummary join_dissemination(const std::vector<bool>& live_at_end) const;
  // Every sample behind those summaries, converged or not, in crash (join) order and then by
  // observer: the summaries are computed from exactly these (for CSV and plots).
  std::vector<Sample> failure_sample_list(const std::vector<bool>& live_at_end) const;
  std::vector<Sample> join_sample_list(const std::vector<bool>& live_at_end) const;
  // The converged failure-convergence latencies (microseconds).
  std::vector<int64_t> failure_samples(const std::vector<bool>& live_at_end) const;
  uint64_t false_prunes() const { return false_prunes_; }

 private:
  struct Crash {
    uint32_t node;
    int64_t t0;
    int64_t closed_at;             // restart time, or -1 while open
    std::vector<uint16_t> views;   // per observer: mesh views currently holding the node
    std::vector<int64_t> removed;  // per observer: time of the latest removal (-1: none,
                                   // kExcluded: went down before converging)
  };
  struct Join {
    uint32_t node;
    int64_t t0;
    std::vector<int64_t> first_seen;  // per observer (-1: not yet, kExcluded: went down first)
  };
  static constexpr int64_t kExcluded = -2;
  Crash* open_crash(uint32_t x);
  Join* open_join(uint32_t x);

  uint32_t nodes_;
  std::vector<Crash> crashes_;
  std::vector<Join> joins_;
  std::vector<int32_t> latest_crash_;  // per node: index of its latest crash (-1: none)
  std::vector<int32_t> latest_join_;   // per node: index of its latest join (-1: none)
  uint64_t false_prunes_ = 0;
};

}  // namespace smeg::sim
