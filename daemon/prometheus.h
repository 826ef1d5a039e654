// Prometheus text exposition (format 0.0.4), written at scrape time: smegd keeps its counters
// where they are counted (the core, the sealer, the DNS server, the daemon) and turns them into
// text only when someone asks, so there is no registry to keep in step. A family's HELP and
// TYPE lines come once, before its first sample; label values are escaped as the format
// requires (backslash, double quote, newline), so a mesh id or alias cannot break a line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smeg::daemon {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // Starts a family: type is "counter" or "gauge". Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family (or of name_bucket-style children of it).
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // The text so far; the object is empty afterwards.
  std::string take();

 private:
  std::string out_;
};

// Escapes a label value: \ -> \\, " -> \", newline -> \n.
std::string escape_label_value(std::string_view v);

}  // namespace smeg::daemon
