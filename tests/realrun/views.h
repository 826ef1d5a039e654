// What a real run measures, read from the daemons: each host's view is the set of hosts its
// WireGuard device holds as peers (the judge of DESIGN.md §6), polled through the API; changes
// between two polls become the membership events of the simulator's own measurements
// (sim/metrics.h), so both report failure convergence, join dissemination and false prunes by
// one definition. Control bytes come from each smegd's /metrics. Hosts are numbered from 0
// here. Pure: the caller does the polling. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "daemon/api/json.h"
#include "sim/metrics.h"

namespace smeg::realrun {

// The keys of the nodes of a mesh document (GET /v1/meshes/ID) that its host's WireGuard
// device holds as peers (those with a "wireguard" member). The error names the field.
Result<std::vector<std::string>> wireguard_peer_keys(const api::Json& mesh_document);

// The samples of the counter `name` in Prometheus text, summed by the value of their label
// `label` ("" for samples without it); empty when it has none. An unreadable label set or
// value is an error naming the line.
Result<std::map<std::string, double>> counter_by_label(std::string_view text, std::string_view name,
                                                       std::string_view label);
// The sum of every sample of the counter `name` (any labels); 0 when it has none.
Result<double> counter_sum(std::string_view text, std::string_view name);

// A counter scraped again and again from a process that may restart, its count then starting
// from 0 again: the total of what it counted since the first scrape.
class CounterTotal {
 public:
  void scrape(double value);
  // The process was started again: its next scrape counts from 0.
  void restarted() { last_ = 0; }
  double total() const { return total_; }

 private:
  bool seen_ = false;
  double last_ = 0;
  double total_ = 0;
};

// CounterTotal per value of a label (smeg_gossip_bytes_total by type): a value that first
// appears after the first scrape is counted from 0.
class LabelledCounterTotal {
 public:
  void scrape(const std::map<std::string, double>& values);
  void restarted();
  const std::map<std::string, CounterTotal>& by_label() const { return by_; }
  double total() const;

 private:
  bool seen_ = false;
  std::map<std::string, CounterTotal> by_;
};

// Views of every host, turned into sim::Metrics events as polls arrive.
class ViewTracker {
 public:
  explicit ViewTracker(uint32_t hosts);

  // Host y's view as polled at t (microseconds since the run's t = 0): in_view[x] if y's
  // WireGuard holds x. up[x]: x's smegd is running, so dropping it is a false prune.
  void observe(uint32_t y, const std::vector<bool>& in_view, int64_t t,
               const std::vector<bool>& up);
  // x was killed at t0; up: the hosts running after the kill.
  void crashed(uint32_t x, int64_t t0, const std::vector<bool>& up);
  // x's smegd was started again at t.
  void restarted(uint32_t x, int64_t t);
  // j was told to join at t0; observers[y]: y is a running member of that mesh.
  void joining(uint32_t j, int64_t t0, const std::vector<bool>& observers);

  const std::vector<bool>& view(uint32_t y) const { return views_[y]; }
  const sim::Metrics& metrics() const { return metrics_; }

 private:
  uint32_t hosts_;
  std::vector<std::vector<bool>> views_;  // per observer, per host
  sim::Metrics metrics_;
};

}  // namespace smeg::realrun
