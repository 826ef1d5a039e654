#include "tests/realrun/summary.h"

#include <gtest/gtest.h>

#include "daemon/api/json.h"

namespace smeg::realrun {
namespace {

using std::chrono::microseconds;

RealRunSummary example() {
  RealRunSummary r;
  r.name = "real-crash-5";
  r.seed = 1;
  r.hosts = 6;
  r.formation_seconds = 3.5;
  r.real_seconds = 40.0;
  r.poll_interval_seconds = 0.05;
  r.mean_poll_period_seconds = 0.052;
  r.failure_convergence = {4, 3.1, 3.4, 3.4, 0};
  r.join_dissemination = {5, 0.2, 0.3, 0.3, 0};
  r.false_prunes = 0;
  r.control_bytes_per_node_per_second = 812.25;
  r.messages_per_node_per_second = 9.5;
  r.traffic_by_type["sync"] = TypeTraffic{9.5, 812.25};
  r.events = {"10.001 s: crash of host 3 (the leader)"};
  return r;
}

TEST(Summary, TextReadsLikeSmegsim) {
  const std::string t = summary_text(example());
  EXPECT_NE(t.find("real-crash-5  seed 1  hosts 6  40.0 s measured after forming in 3.5 s"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("failure convergence: 4 samples, p50 3.100 s, p99 3.400 s, max 3.400 s, 0 "
                   "unconverged"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("false prunes: 0; control traffic 812 B/s per node (sealed), 9.50 messages/s"),
            std::string::npos)
      << t;
}

TEST(Summary, JsonHasTheSimulatorsKeys) {
  const std::string line = summary_json(example());
  ASSERT_EQ(line.back(), '\n');
  auto j = api::parse(line);
  ASSERT_TRUE(j.is_ok()) << j.status().message();
  EXPECT_EQ((*j)["failure_convergence"]["count"].get_int(), 4);
  EXPECT_EQ((*j)["failure_convergence"]["unconverged"].get_int(), 0);
  EXPECT_EQ((*j)["join_dissemination"]["p99"].get_number(), 0.3);
  EXPECT_EQ((*j)["false_prunes"].get_int(), 0);
  EXPECT_EQ((*j)["control_bytes_per_node_per_second"].get_number(), 812.25);
  EXPECT_EQ((*j)["messages_per_node_per_second"].get_number(), 9.5);
  EXPECT_EQ((*j)["traffic_by_type"]["sync"]["bytes"].get_number(), 812.25);
  EXPECT_EQ((*j)["events"].size(), 1u);
  // The CTest check greps the compact form.
  EXPECT_NE(line.find("\"failure_convergence\":{\"count\":4,"), std::string::npos) << line;
}

TEST(Summary, ExpectationsNameTheMissedBound) {
  sim::Expectations e;
  EXPECT_TRUE(check_expectations(e, example()).empty());
  e.failure_convergence_p99 = microseconds(3'000'000);
  e.false_prunes = 0;
  e.control_bytes_per_node_per_second = 1000;
  auto failed = check_expectations(e, example());
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], "failure_convergence_p99: 3.400 exceeds the bound 3.000");
  RealRunSummary r = example();
  r.false_prunes = 2;
  r.join_dissemination.p99 = 2;
  e.join_dissemination_p99 = microseconds(1'000'000);
  e.failure_convergence_max = microseconds(3'000'000);
  failed = check_expectations(e, r);
  ASSERT_EQ(failed.size(), 4u);
  EXPECT_EQ(failed[1], "failure_convergence_max: 3.400 exceeds the bound 3.000");
  EXPECT_EQ(failed[2], "join_dissemination_p99: 2.000 exceeds the bound 1.000");
  EXPECT_EQ(failed[3], "false_prunes: 2 exceeds the bound 0");
}

}  // namespace
}  // namespace smeg::realrun
