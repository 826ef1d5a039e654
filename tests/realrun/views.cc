#include "tests/realrun/views.h"

#include <charconv>
#include <cmath>

namespace smeg::realrun {

Result<std::vector<std::string>> wireguard_peer_keys(const api::Json& doc) {
  auto nodes = doc.array_field("nodes");
  if (!nodes) return nodes.status();
  std::vector<std::string> keys;
  for (size_t i = 0; i < (*nodes)->size(); ++i) {
    const api::Json& n = (**nodes)[i];
    if (!n.object_members()) {
      return Status::invalid_argument("nodes[" + std::to_string(i) + "]: expected an object");
    }
    if (!n.object_members()->contains("wireguard")) continue;
    auto key = n.string_field("key");
    if (!key) {
      return Status::invalid_argument("nodes[" + std::to_string(i) +
                                      "]: " + key.status().message());
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<double> counter_sum(std::string_view text, std::string_view name) {
  double sum = 0;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    if (line.substr(0, name.size()) != name) continue;
    std::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;  // a longer name
    if (rest[0] == '{') {
      // Label values may hold '}' only escaped inside quotes; the set ends at the last '}'.
      const size_t close = rest.rfind('}');
      if (close == std::string_view::npos) {
        return Status::invalid_argument("metrics line " + std::to_string(line_no) +
                                        ": unterminated labels");
      }
      rest = rest.substr(close + 1);
    }
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    const size_t end = rest.find(' ');  // an optional timestamp follows
    const std::string_view number = rest.substr(0, end);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(v)) {
      return Status::invalid_argument("metrics line " + std::to_string(line_no) + ": " +
                                      std::string(name) + ": not a number: \"" +
                                      std::string(number) + "\"");
    }
    sum += v;
  }
  return sum;
}

void CounterTotal::scrape(double value) {
  if (seen_) total_ += value >= last_ ? value - last_ : value;  // below: a new process
  seen_ = true;
  last_ = value;
}

ViewTracker::ViewTracker(uint32_t hosts)
    : hosts_(hosts), views_(hosts, std::vector<bool>(hosts, false)), metrics_(hosts) {}

void ViewTracker::observe(uint32_t y, const std::vector<bool>& in_view, int64_t t,
                          const std::vector<bool>& up) {
  std::vector<bool>& v = views_[y];
  for (uint32_t x = 0; x < hosts_; ++x) {
    const bool now = x != y && x < in_view.size() && in_view[x];
    if (now == v[x]) continue;
    v[x] = now;
    if (now) {
      metrics_.member_added(y, x, t);
    } else {
      metrics_.member_removed(y, x, t, x < up.size() && up[x]);
    }
  }
}

void ViewTracker::crashed(uint32_t x, int64_t t0, const std::vector<bool>& up) {
  // As the simulator does: x stops observing first, then every view that holds x is counted.
  metrics_.node_down(x);
  views_[x].assign(hosts_, false);
  std::vector<uint16_t> holding(hosts_, 0);
  for (uint32_t y = 0; y < hosts_; ++y) holding[y] = y != x && views_[y][x] ? 1 : 0;
  metrics_.crashed(x, t0, std::move(holding), up);
}

void ViewTracker::restarted(uint32_t x, int64_t t) { metrics_.restarted(x, t); }

void ViewTracker::joining(uint32_t j, int64_t t0, const std::vector<bool>& observers) {
  metrics_.joining(j, t0, observers);
}

}  // namespace smeg::realrun
