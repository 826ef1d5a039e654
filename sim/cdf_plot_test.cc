#include "sim/cdf_plot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/xml_check.h"

namespace smeg::sim {
namespace {

size_t count(const std::string& s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(CdfSteps, EverySampleWhenFewAndEvenRanksWhenMany) {
  const auto few = cdf_steps({3'000'000, 1'000'000, 2'000'000}, 10);
  ASSERT_EQ(few.size(), 3u);
  EXPECT_DOUBLE_EQ(few[0].seconds, 1.0);
  EXPECT_DOUBLE_EQ(few[0].fraction, 1.0 / 3);
  EXPECT_DOUBLE_EQ(few[2].seconds, 3.0);
  EXPECT_DOUBLE_EQ(few[2].fraction, 1.0);
  EXPECT_TRUE(cdf_steps({}, 10).empty());

  std::vector<int64_t> many;
  for (int64_t i = 0; i < 100'000; ++i) many.push_back((i * 7919) % 100'003);
  const int64_t max = *std::max_element(many.begin(), many.end());
  const auto steps = cdf_steps(many, kCdfMaxPoints);
  ASSERT_EQ(steps.size(), kCdfMaxPoints);
  EXPECT_DOUBLE_EQ(steps.back().seconds, static_cast<double>(max) / 1e6);  // the max is exact
  EXPECT_DOUBLE_EQ(steps.back().fraction, 1.0);
  for (size_t k = 1; k < steps.size(); ++k) {
    EXPECT_LE(steps[k - 1].seconds, steps[k].seconds);
    EXPECT_LT(steps[k - 1].fraction, steps[k].fraction);
  }
}

TEST(CdfSvg, WellFormedWithCurvesPercentilesAndLegend) {
  CdfCurve failure{"failure convergence", {}, 2};
  for (int64_t i = 1; i <= 100; ++i) failure.samples_us.push_back(i * 100'000);  // 0.1 .. 10 s
  CdfCurve join{"join dissemination", {50'000, 70'000}, 0};
  const std::string svg = cdf_svg("CDF of ci-smoke, seed 1, 23 nodes", {failure, join});
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("CDF of ci-smoke, seed 1, 23 nodes"), std::string::npos);
  EXPECT_EQ(count(svg, "<path"), 2u);
  EXPECT_NE(svg.find("p50 5.000 s"), std::string::npos);
  EXPECT_NE(svg.find("p99 9.900 s"), std::string::npos);
  EXPECT_NE(svg.find("max 10.000 s, 2 unconverged"), std::string::npos);
  EXPECT_NE(svg.find("join dissemination: 2 samples"), std::string::npos);
  EXPECT_NE(svg.find("latency (seconds)"), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);  // a tick at 10 s: the axis covers the max
}

TEST(CdfSvg, HundredThousandSamplesStaySmall) {
  CdfCurve c{"failure convergence", {}, 0};
  for (int64_t i = 0; i < 100'000; ++i) c.samples_us.push_back(1'000'000 + (i * 7919) % 4'000'000);
  const std::string svg = cdf_svg("big", {c});
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_LT(svg.size(), 40'000u);
  EXPECT_LE(count(svg, "V"), kCdfMaxPoints + 10);  // one vertical step per corner (+ a few)
}

TEST(CdfSvg, NoSamplesAndEscapedTitle) {
  const std::string svg = cdf_svg("a <b> & \"c\"", {CdfCurve{"failure convergence", {}, 3}});
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find(">no samples</text>"), std::string::npos);
  EXPECT_NE(svg.find("a &lt;b&gt; &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_EQ(count(svg, "<path"), 0u);
  // A curve without samples next to one with: still a plot, the empty one says so.
  const std::string mixed = cdf_svg(
      "t", {CdfCurve{"failure convergence", {}, 0}, CdfCurve{"join dissemination", {1000}, 0}});
  EXPECT_EQ(xml_problem(mixed), "");
  EXPECT_NE(mixed.find("failure convergence: no samples"), std::string::npos);
  EXPECT_EQ(count(mixed, "<path"), 1u);
}

}  // namespace
}  // namespace smeg::sim
