#include "sim/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace smeg::sim {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A fresh directory under the test temp dir.
fs::path scratch(const std::string& name) {
  const fs::path p = fs::path(::testing::TempDir()) / ("smeg_report_test_" + name);
  fs::remove_all(p);
  return p;
}

TEST(SummaryJson, FieldsInOrderAndNameEscaped) {
  RunSummary r;
  r.name = "a\"b";
  r.seed = 7;
  r.nodes = 23;
  r.sim_seconds = 30;
  r.events = 1000;
  r.failure_convergence = {19, 4.03, 4.04, 4.05, 1};
  r.false_prunes = 2;
  r.control_bytes_per_node_per_second = 2264.5;
  r.messages_per_node_per_second = 20.36;
  r.type_messages_per_node_per_second[3] = 1.5;
  r.type_bytes_per_node_per_second[3] = 100;
  r.digest = 0xab;
  r.leader_changes_per_node = 0.25;
  r.exits.exit_crashes = 1;
  r.exits.choosers = 4;
  r.exits.had_crashed = 1;
  r.exits.moved = 1;
  EXPECT_EQ(summary_json(r, RunTiming{2.0, 4096, 31.6, 2000}),
            "{\"name\": \"a\\\"b\", \"seed\": 7, \"nodes\": 23, \"sim_seconds\": 30.000, "
            "\"wall_seconds\": 2.000, \"speedup\": 15.00, \"events\": 1000, "
            "\"events_per_second\": 500, \"peak_rss_bytes\": 4096, \"digest\": "
            "\"00000000000000ab\", \"failure_convergence\": {\"count\": 19, \"p50\": 4.030000, "
            "\"p99\": 4.040000, \"max\": 4.050000, \"unconverged\": 1}, \"join_dissemination\": "
            "{\"count\": 0, \"p50\": 0.000000, \"p99\": 0.000000, \"max\": 0.000000, "
            "\"unconverged\": 0}, \"false_prunes\": 2, \"control_bytes_per_node_per_second\": "
            "2264.5, \"invariant_violations\": 0, \"messages_per_node_per_second\": 20.36, "
            "\"traffic_by_type\": {\"" +
                std::string(message_type_name(static_cast<MessageType>(3))) +
                "\": {\"messages\": 1.500, \"bytes\": 100.0}}, \"mean_pending_events\": 32, "
                "\"bare_heap_events_per_second\": 2000, \"heap_ratio\": 0.2500, "
                "\"leader_changes_per_node\": "
                "0.250, \"route_changes_per_node\": 0.000, \"exits\": {\"exit_crashes\": 1, "
                "\"choosers\": 4, \"had_crashed\": 1, \"moved\": 1, \"moved_fraction\": 0.2500, "
                "\"needless\": 0}}\n");
  EXPECT_EQ(json_quote("x\n\\"), "\"x\\u000a\\\\\"");
}

TEST(SamplesCsv, HeaderAndOneRowPerSample) {
  const std::string csv =
      samples_csv({{3, 0, 10'000'000, 2'500'000}, {3, 1, 10'000'000, -1}}, {{2, 1, 500, 300}});
  EXPECT_EQ(csv,
            "kind,subject,observer,t0_seconds,latency_seconds\n"
            "failure_convergence,3,0,10.000000,2.500000\n"
            "failure_convergence,3,1,10.000000,\n"
            "join_dissemination,2,1,0.000500,0.000300\n");
}

TEST(RunOutput, WritesEveryFileOfCiSmoke) {
  auto sc = load_scenario_file(std::string(SMEG_SCENARIO_DIR) + "/ci-smoke.yaml");
  ASSERT_TRUE(sc.is_ok());
  const fs::path dir = scratch("ci_smoke") / "nested";
  RunOutput out(dir.string());
  ASSERT_TRUE(out.create().is_ok());
  Simulation sim(*sc, 1);
  out.attach(sim);
  const RunSummary r = sim.run();
  const std::string json = summary_json(r, RunTiming{1.0, 1, 0, 0});
  ASSERT_TRUE(out.finish(sim, json).is_ok()) << out.status().message();
  EXPECT_EQ(out.written(),
            (std::vector<std::string>{"topology-start.dot", "topology-fault-0-crash.dot",
                                      "topology-fault-1-join.dot", "summary.json", "samples.csv",
                                      "cdf.svg", "topology-end.dot"}));
  EXPECT_EQ(slurp(dir / "summary.json"), json);
  // One CSV row per sample behind the summaries, converged or not.
  const std::string csv = slurp(dir / "samples.csv");
  EXPECT_EQ(lines(csv) - 1, r.failure_convergence.count + r.failure_convergence.unconverged +
                                r.join_dissemination.count + r.join_dissemination.unconverged);
  EXPECT_EQ(lines(csv) - 1, 19u + 57u);
  EXPECT_NE(csv.find("\njoin_dissemination,20,0,15.000000,0."), std::string::npos);
  EXPECT_NE(slurp(dir / "cdf.svg").find("CDF of ci-smoke, seed 1, 23 nodes"), std::string::npos);
  // The start snapshot: formation is over, the leader (crashed at 10 s) is still up.
  const std::string start = slurp(dir / "topology-start.dot");
  EXPECT_NE(start.find("20 members"), std::string::npos);
  EXPECT_EQ(start.find("crashed"), std::string::npos);
  EXPECT_NE(slurp(dir / "topology-end.dot").find("22 members"), std::string::npos);
  fs::remove_all(dir.parent_path());
}

TEST(RunOutput, ErrorsNameThePathAndTheReason) {
  const fs::path base = scratch("errors");
  fs::create_directories(base);
  const fs::path file = base / "file";
  ASSERT_TRUE(write_file(file.string(), "x").is_ok());
  const Status under_file = make_directories((file / "sub").string());
  EXPECT_FALSE(under_file.is_ok());
  EXPECT_NE(under_file.message().find((file / "sub").string() + ": Not a directory"),
            std::string::npos)
      << under_file.message();
  const Status is_file = make_directories(file.string());
  EXPECT_NE(is_file.message().find(file.string() + ": Not a directory"), std::string::npos)
      << is_file.message();
  const Status missing = write_file((base / "no" / "such.txt").string(), "x");
  EXPECT_NE(missing.message().find("such.txt: No such file or directory"), std::string::npos)
      << missing.message();
  fs::remove_all(base);
}

}  // namespace
}  // namespace smeg::sim
