#include "sim/metrics.h"

#include <algorithm>

namespace smeg::sim {

SampleSummary summarize(std::vector<int64_t> samples_us, size_t unconverged) {
  SampleSummary s;
  s.count = samples_us.size();
  s.unconverged = unconverged;
  if (samples_us.empty()) return s;
  std::sort(samples_us.begin(), samples_us.end());
  // Nearest rank: the smallest sample with at least p of the samples at or below it.
  auto rank = [&](double p) {
    size_t r = static_cast<size_t>(p * static_cast<double>(samples_us.size()) + 0.999999);
    r = std::clamp<size_t>(r, 1, samples_us.size());
    return static_cast<double>(samples_us[r - 1]) / 1e6;
  };
  s.p50 = rank(0.50);
  s.p99 = rank(0.99);
  s.max = static_cast<double>(samples_us.back()) / 1e6;
  return s;
}

SampleSummary summarize(const std::vector<Sample>& samples) {
  std::vector<int64_t> latencies;
  latencies.reserve(samples.size());
  for (const Sample& s : samples) {
    if (s.converged()) latencies.push_back(s.latency_us);
  }
  return summarize(std::move(latencies), samples.size() - latencies.size());
}

// Every membership event asks for the node's measurements: an index per node, not a scan.
Metrics::Crash* Metrics::open_crash(uint32_t x) {
  const int32_t i = x < latest_crash_.size() ? latest_crash_[x] : -1;
  if (i < 0) return nullptr;
  Crash& c = crashes_[static_cast<size_t>(i)];
  return c.closed_at < 0 ? &c : nullptr;
}

Metrics::Join* Metrics::open_join(uint32_t x) {
  const int32_t i = x < latest_join_.size() ? latest_join_[x] : -1;
  return i < 0 ? nullptr : &joins_[static_cast<size_t>(i)];
}

void Metrics::crashed(uint32_t x, int64_t t0, std::vector<uint16_t> views,
                      const std::vector<bool>& up) {
  views.resize(nodes_, 0);
  std::vector<int64_t> removed(nodes_, -1);
  for (uint32_t y = 0; y < nodes_; ++y) {
    if (y < up.size() && !up[y]) {
      views[y] = 0;
      removed[y] = kExcluded;
    }
  }
  latest_crash_[x] = static_cast<int32_t>(crashes_.size());
  crashes_.push_back(Crash{x, t0, -1, std::move(views), std::move(removed)});
}

void Metrics::restarted(uint32_t x, int64_t t) {
  if (Crash* c = open_crash(x)) c->closed_at = t;
}

void Metrics::node_down(uint32_t y) {
  for (Crash& c : crashes_) {
    if (c.closed_at < 0 && y < c.views.size() && c.views[y] > 0) {
      c.views[y] = 0;
      c.removed[y] = kExcluded;
    }
  }
  for (Join& j : joins_) {
    if (y < j.first_seen.size() && j.first_seen[y] == -1) j.first_seen[y] = kExcluded;
  }
  if (Join* j = open_join(y)) {
    for (int64_t& seen : j->first_seen) {
      if (seen == -1) seen = kExcluded;
    }
  }
}

void Metrics::joining(uint32_t j, int64_t t0, const std::vector<bool>& up) {
  std::vector<int64_t> first_seen(nodes_, -1);
  for (uint32_t y = 0; y < nodes_ && y < up.size(); ++y) {
    if (!up[y]) first_seen[y] = kExcluded;
  }
  latest_join_[j] = static_cast<int32_t>(joins_.size());
  joins_.push_back(Join{j, t0, std::move(first_seen)});
}

void Metrics::member_added(uint32_t y, uint32_t x, int64_t t) {
  if (Crash* c = open_crash(x); c && c->removed[y] != kExcluded) c->views[y]++;
  if (Join* j = open_join(x); j && j->first_seen[y] == -1 && t >= j->t0) j->first_seen[y] = t;
}

void Metrics::member_removed(uint32_t y, uint32_t x, int64_t t, bool alive_and_reachable) {
  if (alive_and_reachable) ++false_prunes_;
  if (Crash* c = open_crash(x); c && c->removed[y] != kExcluded) {
    if (c->views[y] > 0) c->views[y]--;
    if (c->views[y] == 0) c->removed[y] = t;
  }
}

std::vector<Sample> Metrics::failure_sample_list(const std::vector<bool>& live_at_end) const {
  std::vector<Sample> out;
  for (const Crash& c : crashes_) {
    for (uint32_t y = 0; y < nodes_; ++y) {
      if (y == c.node || y >= live_at_end.size() || !live_at_end[y]) continue;
      // Still holding the crashed node: unconverged. Never held it (nor re-learned it): no sample.
      if (c.views[y] > 0) {
        out.push_back(Sample{c.node, y, c.t0, -1});
      } else if (c.removed[y] >= 0) {
        out.push_back(Sample{c.node, y, c.t0, c.removed[y] - c.t0});
      }
    }
  }
  return out;
}

std::vector<Sample> Metrics::join_sample_list(const std::vector<bool>& live_at_end) const {
  std::vector<Sample> out;
  for (const Join& j : joins_) {
    for (uint32_t y = 0; y < nodes_; ++y) {
      if (y == j.node || y >= live_at_end.size() || !live_at_end[y]) continue;
      if (j.first_seen[y] == kExcluded) continue;  // went down before seeing it
      out.push_back(Sample{j.node, y, j.t0, j.first_seen[y] >= 0 ? j.first_seen[y] - j.t0 : -1});
    }
  }
  return out;
}

std::vector<int64_t> Metrics::failure_samples(const std::vector<bool>& live_at_end) const {
  std::vector<int64_t> out;
  for (const Sample& s : failure_sample_list(live_at_end)) {
    if (s.converged()) out.push_back(s.latency_us);
  }
  return out;
}

SampleSummary Metrics::failure_convergence(const std::vector<bool>& live_at_end) const {
  return summarize(failure_sample_list(live_at_end));
}

SampleSummary Metrics::join_dissemination(const std::vector<bool>& live_at_end) const {
  return summarize(join_sample_list(live_at_end));
}

}  // namespace smeg::sim
