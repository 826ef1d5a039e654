#include "daemon/prometheus.h"

#include <gtest/gtest.h>

#include <limits>

namespace smeg::daemon {
namespace {

TEST(PrometheusText, FamiliesAndSamples) {
  PrometheusText t;
  t.family("smeg_members", "gauge", "Members in this node's view of a mesh.");
  t.sample("smeg_members", {{"mesh", "alpha"}}, 3);
  t.sample("smeg_members", {{"mesh", "beta"}}, 12);
  t.family("smeg_apply_seconds_sum", "counter", "Time spent applying.");
  t.sample("smeg_apply_seconds_sum", 0.25);
  EXPECT_EQ(t.take(),
            "# HELP smeg_members Members in this node's view of a mesh.\n"
            "# TYPE smeg_members gauge\n"
            "smeg_members{mesh=\"alpha\"} 3\n"
            "smeg_members{mesh=\"beta\"} 12\n"
            "# HELP smeg_apply_seconds_sum Time spent applying.\n"
            "# TYPE smeg_apply_seconds_sum counter\n"
            "smeg_apply_seconds_sum 0.25\n");
  EXPECT_EQ(t.take(), "");
}

TEST(PrometheusText, LabelValuesCannotBreakTheLine) {
  PrometheusText t;
  t.sample("x", {{"alias", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(t.take(), "x{alias=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusText, SpecialValues) {
  PrometheusText t;
  t.sample("a", std::numeric_limits<double>::infinity());
  t.sample("b", -std::numeric_limits<double>::infinity());
  t.sample("c", 12345678901.0);
  EXPECT_EQ(t.take(), "a +Inf\nb -Inf\nc 12345678901\n");
}

}  // namespace
}  // namespace smeg::daemon
