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

namespace {

// Reads `{k="v",...}` at the front of text (removing it); the value of `label` goes to out.
// Values may hold escaped quotes and backslashes, and any other byte, '}' included.
bool read_labels(std::string_view& text, std::string_view label, std::string& out) {
  if (text.empty() || text[0] != '{') return true;
  size_t i = 1;
  while (i < text.size() && text[i] != '}') {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    const std::string_view key = text.substr(i, eq - i);
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        value += text[j] == 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return false;
    if (key == label) out = std::move(value);
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  if (i >= text.size()) return false;
  text.remove_prefix(i + 1);
  return true;
}

}  // namespace

Result<std::map<std::string, double>> counter_by_label(std::string_view text, std::string_view name,
                                                       std::string_view label) {
  std::map<std::string, double> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    if (line.substr(0, name.size()) != name) continue;
    std::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;  // a longer name
    std::string value_of_label;
    if (!read_labels(rest, label, value_of_label)) {
      return Status::invalid_argument("metrics line " + std::to_string(line_no) +
                                      ": unterminated labels");
    }
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    const std::string_view number = rest.substr(0, rest.find(' '));  // a timestamp may follow
    double v = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(v)) {
      return Status::invalid_argument("metrics line " + std::to_string(line_no) + ": " +
                                      std::string(name) + ": not a number: \"" +
                                      std::string(number) + "\"");
    }
    out[value_of_label] += v;
  }
  return out;
}

Result<double> counter_sum(std::string_view text, std::string_view name) {
  auto by = counter_by_label(text, name, "");
  if (!by) return by.status();
  double sum = 0;
  for (const auto& [label, v] : *by) sum += v;
  return sum;
}

void CounterTotal::scrape(double value) {
  if (seen_) total_ += value >= last_ ? value - last_ : value;  // below: a new process
  seen_ = true;
  last_ = value;
}

void LabelledCounterTotal::scrape(const std::map<std::string, double>& values) {
  for (const auto& [label, v] : values) {
    auto [it, fresh] = by_.try_emplace(label);
    if (fresh && seen_) it->second.scrape(0);
    it->second.scrape(v);
  }
  seen_ = true;
}

void LabelledCounterTotal::restarted() {
  for (auto& [label, c] : by_) c.restarted();
}

double LabelledCounterTotal::total() const {
  double sum = 0;
  for (const auto& [label, c] : by_) sum += c.total();
  return sum;
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
