#include "sim/cdf_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "sim/metrics.h"
#include "sim/strformat.h"

namespace smeg::sim {
namespace {

// Layout of the canvas, in pixels.
constexpr double kWidth = 720, kHeight = 470;
constexpr double kLeft = 70, kRight = 700, kTop = 50, kBottom = 360;
constexpr const char* kColors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};

// A round tick step (1, 2 or 5 times a power of ten) giving at most about `ticks` intervals.
double nice_step(double range, int ticks) {
  const double raw = range / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

struct Axes {
  double x_max = 1;  // seconds at the right edge
  double x_step = 0.2;
  double x(double seconds) const { return kLeft + (kRight - kLeft) * seconds / x_max; }
  static double y(double fraction) { return kBottom - (kBottom - kTop) * fraction; }
};

void draw_axes(std::string& svg, const Axes& a) {
  svg += strformat(
      "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
      "stroke=\"#000\"/>\n",
      kLeft, kTop, kRight - kLeft, kBottom - kTop);
  const int x_ticks = static_cast<int>(std::lround(a.x_max / a.x_step));
  for (int k = 0; k <= x_ticks; ++k) {
    const double s = k * a.x_step;
    svg += strformat("<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>",
                     a.x(s), kTop, a.x(s), kBottom);
    svg += strformat("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g</text>\n", a.x(s),
                     kBottom + 18, s);
  }
  for (int k = 0; k <= 4; ++k) {
    const double f = k * 0.25;
    svg += strformat("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
                     kLeft, Axes::y(f), kRight, Axes::y(f));
    svg += strformat("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", kLeft - 6,
                     Axes::y(f) + 4, f);
  }
  svg += strformat("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">latency (seconds)</text>\n",
                   (kLeft + kRight) / 2, kBottom + 40);
  svg += strformat(
      "<text transform=\"translate(%.0f %.0f) rotate(-90)\" text-anchor=\"middle\">"
      "fraction of samples at or below</text>\n",
      kLeft - 45, (kTop + kBottom) / 2);
}

void draw_curve(std::string& svg, const Axes& a, const CdfCurve& c, const char* color, int row) {
  const SampleSummary s = summarize(c.samples_us, c.unconverged);
  // The legend line below the axes.
  const double ly = kBottom + 62 + 18.0 * row;
  svg += strformat("<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke-width=\"2\" ",
                   kLeft, ly - 4, kLeft + 24, ly - 4);
  svg += "stroke=\"" + std::string(color) + "\"/>";
  svg += strformat("<text x=\"%.0f\" y=\"%.0f\">", kLeft + 30, ly) + xml_escape(c.label);
  if (s.count == 0) {
    svg += ": no samples";
  } else {
    svg += strformat(": %zu samples, p50 %.3f s, p99 %.3f s, max %.3f s", s.count, s.p50, s.p99,
                     s.max);
  }
  if (c.unconverged > 0) svg += strformat(", %zu unconverged", c.unconverged);
  svg += "</text>\n";
  if (s.count == 0) return;
  // The step curve: flat at 0 up to the first sample, then up at each corner.
  std::string d = strformat("M%.1f %.1f", a.x(0), Axes::y(0));
  for (const CdfPoint& p : cdf_steps(c.samples_us, kCdfMaxPoints))
    d += strformat("H%.1fV%.1f", a.x(p.seconds), Axes::y(p.fraction));
  svg += "<path fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(color) + "\" d=\"" + d +
         "\"/>\n";
  // p50 and p99, marked on the curve; labelled on its inner side so they stay on the canvas.
  struct Mark {
    const char* name;
    double at, fraction;
  };
  for (const Mark& m : {Mark{"p50", s.p50, 0.5}, Mark{"p99", s.p99, 0.99}}) {
    const double x = a.x(m.at), y = Axes::y(m.fraction);
    const bool right_half = x > (kLeft + kRight) / 2;
    svg += strformat(
        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"none\" "
        "stroke-width=\"1.5\" stroke=\"%s\"/>",
        x, y, color);
    svg += strformat(
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">%s %.3f s</text>\n",
        right_half ? x - 6 : x + 6, y + 14 + 12.0 * row, right_half ? "end" : "start", m.name,
        m.at);
  }
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 at all; show them as '?'.
        out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') ? '?' : ch;
    }
  }
  return out;
}

std::vector<CdfPoint> cdf_steps(std::vector<int64_t> samples_us, size_t max_points) {
  std::vector<CdfPoint> out;
  const size_t n = samples_us.size();
  if (n == 0 || max_points == 0) return out;
  std::sort(samples_us.begin(), samples_us.end());
  const size_t points = std::min(n, max_points);
  out.reserve(points);
  for (size_t k = 1; k <= points; ++k) {
    const size_t rank = (k * n + points - 1) / points;  // ceil(k n / points); k = points: n
    out.push_back({static_cast<double>(samples_us[rank - 1]) / 1e6,
                   static_cast<double>(rank) / static_cast<double>(n)});
  }
  return out;
}

std::string cdf_svg(std::string_view title, const std::vector<CdfCurve>& curves) {
  std::string svg = strformat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  svg +=
      strformat("<text x=\"%.0f\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">", kWidth / 2) +
      xml_escape(title) + "</text>\n";
  int64_t max_us = -1;
  for (const CdfCurve& c : curves) {
    for (int64_t v : c.samples_us) max_us = std::max(max_us, v);
  }
  if (max_us < 0) {
    svg += strformat(
        "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" font-size=\"20\" "
        "fill=\"#888\">no samples</text>\n",
        kWidth / 2, (kTop + kBottom) / 2);
    return svg + "</svg>\n";
  }
  Axes a;
  const double max_s = std::max(static_cast<double>(max_us) / 1e6, 1e-6);
  a.x_step = nice_step(max_s, 8);
  a.x_max = std::ceil(max_s / a.x_step) * a.x_step;
  draw_axes(svg, a);
  for (size_t i = 0; i < curves.size(); ++i)
    draw_curve(svg, a, curves[i], kColors[i % std::size(kColors)], static_cast<int>(i));
  return svg + "</svg>\n";
}

}  // namespace smeg::sim
