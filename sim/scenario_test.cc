#include "sim/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace smeg::sim {
namespace {

using std::chrono::microseconds;

// The example of issue 3, with an expect block and out-of-order faults.
constexpr std::string_view kExample = R"(name: failure-3000
seed: 1
duration: 300s
network: {latency: {min: 20ms, mean: 50ms}, loss: 0.01}
params: {heartbeatInterval: 1s, syncInterval: 200ms, branch: 3, infectionCount: 3,
         clusterSize: 64, interClusterChance: 0.15, pullInterval: 20s}   # smegd's names
meshes:
  - {id: alpha, peers: 3000, clients: 0}
  - {id: beta, peers: 200, clients: 400, exits: 4}
bridges: [{meshes: [alpha, beta], count: 2}]
faults:
  - {at: 60s, crash: {who: leader}}
  - {at: 90s, crash: {fraction: 0.05}}
  - {at: 120s, partition: {groups: [0.5, 0.5], for: 30s}}
  - {at: 200s, restart: {fraction: 1.0}}
  - {at: 150s, join: {mesh: alpha, count: 20}}
expect:
  failure_convergence_p99: 12s
  failure_convergence_max: 20s
  join_dissemination_p99: 1.5s
  false_prunes: 0
  control_bytes_per_node_per_second: 800.5
)";

TEST(Scenario, ExampleParses) {
  Result<Scenario> r = parse_scenario(kExample, "example.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Scenario& sc = *r;
  EXPECT_EQ(sc.name, "failure-3000");
  EXPECT_EQ(sc.seed, 1u);
  EXPECT_EQ(sc.duration, microseconds(300'000'000));
  EXPECT_EQ(sc.network.latency.min, microseconds(20'000));
  EXPECT_EQ(sc.network.latency.mean, microseconds(50'000));
  EXPECT_DOUBLE_EQ(sc.network.loss, 0.01);
  EXPECT_DOUBLE_EQ(sc.network.duplicate, 0.0);

  EXPECT_EQ(sc.params.heartbeat_interval, microseconds(1'000'000));
  EXPECT_EQ(sc.params.sync_interval, microseconds(200'000));
  EXPECT_EQ(sc.params.pull_interval, microseconds(20'000'000));
  EXPECT_EQ(sc.params.branch, 3u);
  EXPECT_EQ(sc.params.infection_count, 3u);
  EXPECT_EQ(sc.params.cluster_size, 64u);
  EXPECT_DOUBLE_EQ(sc.params.inter_cluster_chance, 0.15);
  EXPECT_EQ(sc.params.prune_epochs, Params{}.prune_epochs);  // not in the file: the default

  ASSERT_EQ(sc.meshes.size(), 2u);
  EXPECT_EQ(sc.meshes[0].id, "alpha");
  EXPECT_EQ(sc.meshes[0].peers, 3000u);
  EXPECT_EQ(sc.meshes[1].id, "beta");
  EXPECT_EQ(sc.meshes[1].clients, 400u);
  EXPECT_EQ(sc.meshes[1].exits, 4u);
  ASSERT_EQ(sc.bridges.size(), 1u);
  EXPECT_EQ(sc.bridges[0].meshes, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(sc.bridges[0].count, 2u);

  // Sorted by time: the join at 150s moves before the restart at 200s.
  ASSERT_EQ(sc.faults.size(), 5u);
  std::vector<std::string_view> kinds;
  for (const Fault& f : sc.faults) kinds.push_back(fault_kind(f.action));
  EXPECT_EQ(kinds,
            (std::vector<std::string_view>{"crash", "crash", "partition", "join", "restart"}));
  EXPECT_EQ(sc.faults[0].at, microseconds(60'000'000));
  EXPECT_EQ(sc.faults[0].line, 12);
  EXPECT_EQ(std::get<CrashFault>(sc.faults[0].action).target, CrashFault::Target::kLeader);
  const auto& crash = std::get<CrashFault>(sc.faults[1].action);
  EXPECT_EQ(crash.target, CrashFault::Target::kFraction);
  EXPECT_DOUBLE_EQ(crash.fraction, 0.05);
  const auto& part = std::get<PartitionFault>(sc.faults[2].action);
  EXPECT_EQ(part.groups, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(part.length, microseconds(30'000'000));
  EXPECT_FALSE(part.one_way);
  const auto& join = std::get<JoinFault>(sc.faults[3].action);
  EXPECT_EQ(sc.faults[3].at, microseconds(150'000'000));
  EXPECT_EQ(join.mesh, "alpha");
  EXPECT_EQ(join.count, 20u);
  const auto& restart = std::get<RestartFault>(sc.faults[4].action);
  EXPECT_DOUBLE_EQ(restart.fraction, 1.0);
  EXPECT_FALSE(restart.wipe);

  EXPECT_EQ(sc.expect.failure_convergence_p99, microseconds(12'000'000));
  EXPECT_EQ(sc.expect.failure_convergence_max, microseconds(20'000'000));
  EXPECT_EQ(sc.expect.join_dissemination_p99, microseconds(1'500'000));
  EXPECT_EQ(sc.expect.false_prunes, 0u);
  EXPECT_EQ(sc.expect.control_bytes_per_node_per_second, 800.5);
}

// Five lines every case below builds on; the lines a case appends start at 6.
constexpr std::string_view kBase =
    "name: t\n"
    "duration: 60s\n"
    "meshes:\n"
    "  - {id: a, peers: 5}\n"
    "  - {id: b, peers: 5}\n";

TEST(Scenario, BaseAndOptionalKeysParse) {
  Result<Scenario> r = parse_scenario(std::string(kBase) +
                                          "network: {duplicate: 0.1, reorder: 0.2}\n"
                                          "faults:\n"
                                          "  - {at: 5s, leave: {mesh: b, count: 2}}\n"
                                          "  - {at: 5s, loss: {value: 0.3, for: 10s}}\n"
                                          "  - {at: 1s, clog: {fraction: 0.1, for: 500ms}}\n"
                                          "  - {at: 5s, crash: {count: 2}}\n"
                                          "  - {at: 6s, restart: {wipe: true}}\n"
                                          "  - {at: 7s, restart: }\n"
                                          "  - {at: 60s, partition: {groups: [0.2, 0.8], "
                                          "for: 1m, one_way: true}}\n",
                                      "t.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Scenario& sc = *r;
  EXPECT_EQ(sc.seed, 1u);  // default
  EXPECT_DOUBLE_EQ(sc.network.reorder, 0.2);
  std::vector<std::string_view> kinds;
  for (const Fault& f : sc.faults) kinds.push_back(fault_kind(f.action));
  // Stable: the three faults at 5s keep their file order.
  EXPECT_EQ(kinds, (std::vector<std::string_view>{"clog", "leave", "loss", "crash", "restart",
                                                  "restart", "partition"}));
  EXPECT_EQ(std::get<LeaveFault>(sc.faults[1].action).count, 2u);
  EXPECT_DOUBLE_EQ(std::get<LossFault>(sc.faults[2].action).value, 0.3);
  EXPECT_EQ(std::get<CrashFault>(sc.faults[3].action).count, 2u);
  EXPECT_TRUE(std::get<RestartFault>(sc.faults[4].action).wipe);
  EXPECT_DOUBLE_EQ(std::get<RestartFault>(sc.faults[5].action).fraction, 1.0);
  EXPECT_TRUE(std::get<PartitionFault>(sc.faults[6].action).one_way);
  EXPECT_FALSE(sc.expect.false_prunes.has_value());
}

struct BadCase {
  const char* what;
  std::string yaml;
  std::string where;  // "t.yaml:LINE: KEY:"
  std::string why;    // a piece of the explanation
};

std::string base_plus(std::string_view extra) { return std::string(kBase) + std::string(extra); }

std::vector<BadCase> bad_cases() {
  const std::string fault = "faults:\n  - ";  // the fault itself is on line 7
  return {
      {"unknown top key", base_plus("colour: red\n"), "t.yaml:6: colour:", "unknown key"},
      {"unknown latency key", base_plus("network: {latency: {min: 1ms, max: 2ms}}\n"),
       "t.yaml:6: network.latency.max:", "unknown key"},
      {"unknown mesh key", "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 5, colour: 1}\n",
       "t.yaml:4: meshes[0].colour:", "unknown key"},
      {"unknown params key", base_plus("params: {heartbeat: 1s}\n"),
       "t.yaml:6: params.heartbeat:", "unknown key"},
      {"unknown expect key", base_plus("expect:\n  false_prune: 0\n"),
       "t.yaml:7: expect.false_prune:", "unknown key"},
      {"unknown fault kind", base_plus(fault + "{at: 1s, explode: {}}\n"),
       "t.yaml:7: faults[0].explode:", "unknown key"},
      {"unknown crash key", base_plus(fault + "{at: 1s, crash: {who: leader, how: hard}}\n"),
       "t.yaml:7: faults[0].crash.how:", "unknown key"},
      {"unknown bridge key", base_plus("bridges: [{meshes: [a, b], size: 2}]\n"),
       "t.yaml:6: bridges[0].size:", "unknown key"},
      {"duplicate key", base_plus("seed: 1\nseed: 2\n"), "t.yaml:7: seed:", "duplicate key"},
      {"seed is a list", base_plus("seed: [1]\n"), "t.yaml:6: seed:", "non-negative integer"},
      {"name is a map", "name: {a: 1}\nduration: 1s\nmeshes: [{id: a, peers: 1}]\n",
       "t.yaml:1: name:", "must be a string"},
      {"network is a list", base_plus("network: [1]\n"), "t.yaml:6: network:", "mapping"},
      {"meshes is a map", "name: t\nduration: 1s\nmeshes: {id: a}\n", "t.yaml:3: meshes:", "list"},
      {"loss is text", base_plus("network: {loss: lots}\n"),
       "t.yaml:6: network.loss:", "must be a number"},
      {"bool is text", base_plus(fault + "{at: 1s, restart: {wipe: maybe}}\n"),
       "t.yaml:7: faults[0].restart.wipe:", "true or false"},
      {"bad duration", "name: t\nduration: 5x\nmeshes: [{id: a, peers: 1}]\n",
       "t.yaml:2: duration:", "unknown unit"},
      {"zero duration", "name: t\nduration: 0s\nmeshes: [{id: a, peers: 1}]\n",
       "t.yaml:2: duration:", "positive"},
      {"bad latency", base_plus("network:\n  latency:\n    mean: -5ms\n"),
       "t.yaml:8: network.latency.mean:", "not a duration"},
      {"mean below min", base_plus("network:\n  latency:\n    min: 20ms\n    mean: 10ms\n"),
       "t.yaml:9: network.latency.mean:", "below latency.min"},
      {"bad partition for",
       base_plus(fault + "{at: 1s, partition: {groups: [1, 0], for: 1e3ms}}\n"),
       "t.yaml:7: faults[0].partition.for:", "unknown unit"},
      {"bad params duration", base_plus("params: {syncInterval: soon}\n"),
       "t.yaml:6: params.syncInterval:", "not a duration"},
      {"negative peers", "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: -3}\n",
       "t.yaml:4: meshes[0].peers:", "negative"},
      {"fractional peers", "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 2.5}\n",
       "t.yaml:4: meshes[0].peers:", "non-negative integer"},
      {"zero peers", "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 0}\n",
       "t.yaml:4: meshes[0].peers:", "at least 1"},
      {"negative join", base_plus(fault + "{at: 1s, join: {mesh: a, count: -1}}\n"),
       "t.yaml:7: faults[0].join.count:", "negative"},
      {"fractional clients",
       "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 2, clients: 1.5}\n",
       "t.yaml:4: meshes[0].clients:", "integer"},
      {"huge count", base_plus(fault + "{at: 1s, crash: {count: 99999999999}}\n"),
       "t.yaml:7: faults[0].crash.count:", "at most"},
      {"fraction above 1", base_plus(fault + "{at: 1s, crash: {fraction: 1.5}}\n"),
       "t.yaml:7: faults[0].crash.fraction:", "[0, 1]"},
      {"fraction below 0", base_plus(fault + "{at: 1s, clog: {fraction: -0.1, for: 1s}}\n"),
       "t.yaml:7: faults[0].clog.fraction:", "[0, 1]"},
      {"network loss of 1", base_plus("network: {loss: 1}\n"), "t.yaml:6: network.loss:", "[0, 1)"},
      {"fault loss of 1", base_plus(fault + "{at: 1s, loss: {value: 1.0, for: 1s}}\n"),
       "t.yaml:7: faults[0].loss.value:", "[0, 1)"},
      {"duplicate above 1", base_plus("network: {duplicate: 2}\n"),
       "t.yaml:6: network.duplicate:", "[0, 1]"},
      {"groups sum", base_plus(fault + "{at: 1s, partition: {groups: [0.5, 0.4], for: 1s}}\n"),
       "t.yaml:7: faults[0].partition.groups:", "sum to 1"},
      {"one group", base_plus(fault + "{at: 1s, partition: {groups: [1], for: 1s}}\n"),
       "t.yaml:7: faults[0].partition.groups:", "at least 2"},
      {"partition without for", base_plus(fault + "{at: 1s, partition: {groups: [0.5, 0.5]}}\n"),
       "t.yaml:7: faults[0].partition.for:", "missing"},
      {"bridge to unknown mesh", base_plus("bridges: [{meshes: [a, c]}]\n"),
       "t.yaml:6: bridges[0].meshes[1]:", "unknown mesh 'c'"},
      {"bridge of one mesh", base_plus("bridges:\n  - meshes: [a]\n"),
       "t.yaml:7: bridges[0].meshes:", "at least 2"},
      {"bridge repeats a mesh", base_plus("bridges: [{meshes: [a, a]}]\n"),
       "t.yaml:6: bridges[0].meshes[1]:", "twice"},
      {"join unknown mesh", base_plus(fault + "{at: 1s, join: {mesh: zz, count: 1}}\n"),
       "t.yaml:7: faults[0].join.mesh:", "unknown mesh 'zz'"},
      {"leave unknown mesh", base_plus(fault + "{at: 1s, leave: {mesh: zz, count: 1}}\n"),
       "t.yaml:7: faults[0].leave.mesh:", "unknown mesh 'zz'"},
      {"duplicate mesh id",
       "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 5}\n"
       "  - {id: a, peers: 5}\n",
       "t.yaml:5: meshes[1].id:", "duplicate mesh id 'a'"},
      {"invalid mesh id", "name: t\nduration: 1s\nmeshes:\n  - {id: -bad, peers: 5}\n",
       "t.yaml:4: meshes[0].id:", "'-'"},
      {"upper-case mesh id", "name: t\nduration: 1s\nmeshes:\n  - {id: Alpha, peers: 5}\n",
       "t.yaml:4: meshes[0].id:", "invalid character"},
      {"no meshes", "name: t\nduration: 1s\nmeshes: []\n", "t.yaml:3: meshes:", "at least one"},
      {"exits beyond peers", "name: t\nduration: 1s\nmeshes:\n  - {id: a, peers: 2, exits: 3}\n",
       "t.yaml:4: meshes[0].exits:", "must not exceed peers"},
      {"fault after the end", base_plus(fault + "{at: 61s, crash: {who: leader}}\n"),
       "t.yaml:7: faults[0].at:", "after the end"},
      {"second fault bad",
       base_plus(fault + "{at: 1s, crash: {who: leader}}\n  - {at: 2s, crash: {who: me}}\n"),
       "t.yaml:8: faults[1].crash.who:", "leader"},
      {"fault without kind", base_plus(fault + "{at: 1s}\n"),
       "t.yaml:7: faults[0]:", "needs a fault kind"},
      {"fault without at", base_plus(fault + "{crash: {who: leader}}\n"),
       "t.yaml:7: faults[0].at:", "missing"},
      {"two kinds",
       base_plus(fault + "{at: 1s, crash: {who: leader}, join: {mesh: a, count: 1}}\n"),
       "t.yaml:7: faults[0].join:", "one fault kind"},
      {"crash two targets", base_plus(fault + "{at: 1s, crash: {who: leader, count: 2}}\n"),
       "t.yaml:7: faults[0].crash:", "exactly one"},
      {"missing name", "duration: 1s\nmeshes: [{id: a, peers: 1}]\n", "t.yaml:1: name:", "missing"},
      {"missing duration", "name: t\nmeshes: [{id: a, peers: 1}]\n",
       "t.yaml:1: duration:", "missing"},
      {"missing meshes", "name: t\nduration: 1s\n", "t.yaml:1: meshes:", "missing"},
      {"missing mesh peers", "name: t\nduration: 1s\nmeshes:\n  - {id: a}\n",
       "t.yaml:4: meshes[0].peers:", "missing"},
      {"params rejected by the core", base_plus("params: {branch: 0}\n"),
       "t.yaml:6: params:", "branch must be in 1..64"},
      {"params block rejected", base_plus("params:\n  interClusterChance: 2\n"),
       "t.yaml:7: params:", "interClusterChance"},
      {"negative false_prunes", base_plus("expect: {false_prunes: -1}\n"),
       "t.yaml:6: expect.false_prunes:", "negative"},
      {"negative bytes bound", base_plus("expect: {control_bytes_per_node_per_second: -1}\n"),
       "t.yaml:6: expect.control_bytes_per_node_per_second:", "negative"},
      {"crash who", base_plus("faults: [{at: 1s, crash: {who: everyone}}]\n"),
       "t.yaml:6: faults[0].crash.who:", "'leader' or 'exit'"},
      {"unknown formation", base_plus("formation: gossip\n"),
       "t.yaml:6: formation:", "'image' or 'joins'"},
      {"empty document", "", "t.yaml:1: scenario:", "mapping"},
      {"document is a list", "- a\n- b\n", "t.yaml:1: scenario:", "mapping"},
      {"syntax error", "name: t\nduration: 1s\nbad: x: y\n", "t.yaml:3: yaml:", "illegal"},
      {"unclosed flow", "name: t\nmeshes: [\n", "t.yaml:3: yaml:", "flow"},
  };
}

TEST(Scenario, MalformedIsRefusedWithFileLineAndKey) {
  for (const BadCase& c : bad_cases()) {
    Result<Scenario> r = parse_scenario(c.yaml, "t.yaml");
    ASSERT_FALSE(r.is_ok()) << c.what;
    const std::string& msg = r.status().message();
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << c.what;
    EXPECT_EQ(msg.rfind(c.where, 0), 0u) << c.what << ": got \"" << msg << "\"";
    EXPECT_NE(msg.find(c.why), std::string::npos) << c.what << ": got \"" << msg << "\"";
  }
}

TEST(Scenario, GroupsSummingToOneWithinRoundingAreAccepted) {
  Result<Scenario> r = parse_scenario(
      base_plus("faults: [{at: 1s, partition: {groups: [0.1, 0.2, 0.3, 0.4], for: 1s}}]\n"),
      "t.yaml");
  EXPECT_TRUE(r.is_ok()) << r.status().message();
}

TEST(ScenarioFile, MissingFileNamesThePath) {
  Result<Scenario> r = load_scenario_file("/nonexistent/dir/none.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("/nonexistent/dir/none.yaml"), std::string::npos);
}

TEST(ScenarioFile, ErrorsNameTheFile) {
  const std::string path = testing::TempDir() + "/scenario_test_bad.yaml";
  {
    std::ofstream out(path);
    out << kBase << "seed: -4\n";
  }
  Result<Scenario> r = load_scenario_file(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind(path + ":6: seed:", 0), 0u) << r.status().message();
}

TEST(ScenarioFile, EveryShippedScenarioLoads) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SMEG_SCENARIO_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    Result<Scenario> r = load_scenario_file(entry.path().string());
    EXPECT_TRUE(r.is_ok()) << r.status().message();
  }
  EXPECT_GE(count, 1u);
}

TEST(ScenarioFile, SmokeScenarioIsWhatCiExpects) {
  Result<Scenario> r = load_scenario_file(std::string(SMEG_SCENARIO_DIR) + "/ci-smoke.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->meshes.size(), 1u);
  EXPECT_EQ(r->meshes[0].peers, 20u);
  EXPECT_EQ(r->duration, microseconds(30'000'000));
  ASSERT_EQ(r->faults.size(), 2u);
  EXPECT_EQ(fault_kind(r->faults[0].action), "crash");
  EXPECT_EQ(std::get<JoinFault>(r->faults[1].action).count, 3u);
  EXPECT_EQ(r->expect.false_prunes, 0u);
}

}  // namespace
}  // namespace smeg::sim
