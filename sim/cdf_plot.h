// The CDF plot of a run's latency samples (smegsim --out: cdf.svg), as hand-written SVG: one
// step curve per kind of sample, with p50 and p99 marked. No plotting dependency; a plot of
// 100k samples stays small because curves are downsampled to kCdfMaxPoints steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smeg::sim {

struct CdfCurve {
  std::string label;                // "failure convergence"
  std::vector<int64_t> samples_us;  // converged samples, any order
  size_t unconverged = 0;           // shown in the legend; not part of the curve
};

// A corner of the step curve: the fraction of samples at or below `seconds`.
struct CdfPoint {
  double seconds = 0;
  double fraction = 0;
};

inline constexpr size_t kCdfMaxPoints = 1000;

// The step curve of the samples with at most max_points corners (> 0), at evenly spaced ranks;
// the last corner is always the maximum at fraction 1, so the tail end stays exact.
std::vector<CdfPoint> cdf_steps(std::vector<int64_t> samples_us, size_t max_points);

// A complete SVG document (UTF-8 XML); "no samples" when no curve has any.
std::string cdf_svg(std::string_view title, const std::vector<CdfCurve>& curves);

// Text with &, <, >, " and ' escaped, for XML content and attributes.
std::string xml_escape(std::string_view text);

}  // namespace smeg::sim
