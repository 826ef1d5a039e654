#include "tests/realrun/plan.h"

#include <gtest/gtest.h>

#include <string>

namespace smeg::realrun {
namespace {

using std::chrono::microseconds;

constexpr const char* kBase = R"(name: t
duration: 30s
params: {heartbeatInterval: 1s}
)";

sim::Scenario scenario(const std::string& rest) {
  auto sc = sim::parse_scenario(std::string(kBase) + rest, "t.yaml");
  EXPECT_TRUE(sc.is_ok()) << sc.status().message();
  return sc ? *sc : sim::Scenario{};
}

// The refusal's message for rest, with netem working or not.
std::string refusal(const std::string& rest, bool netem = false) {
  auto plan = plan_real_run(scenario(rest), "t.yaml", HostCapabilities{netem});
  EXPECT_FALSE(plan.is_ok());
  return plan ? "" : plan.status().message();
}

TEST(PlanRealRun, ThePeersOfEachMeshThenTheJoinersAreTheHosts) {
  auto plan = plan_real_run(scenario(R"(meshes: [{id: a, peers: 3}, {id: b, peers: 2}]
faults:
  - {at: 5s, crash: {who: leader}}
  - {at: 6s, crash: {count: 1}}
  - {at: 9s, restart: {fraction: 1.0}}
  - {at: 10s, join: {mesh: b, count: 2}}
)"),
                            "t.yaml", HostCapabilities{});
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  ASSERT_EQ(plan->hosts.size(), 7u);
  EXPECT_EQ(plan->hosts[0].mesh, "a");
  EXPECT_FALSE(plan->hosts[2].spare);
  EXPECT_EQ(plan->hosts[3].mesh, "b");
  EXPECT_EQ(plan->hosts[5].mesh, "b");
  EXPECT_TRUE(plan->hosts[5].spare);
  EXPECT_TRUE(plan->hosts[6].spare);
  EXPECT_FALSE(plan->netem.any());
}

TEST(PlanRealRun, TheRealCrashScenarioFits) {
  auto sc = sim::load_scenario_file(std::string(SMEG_SCENARIO_DIR) + "/real-crash-5.yaml");
  ASSERT_TRUE(sc.is_ok()) << sc.status().message();
  auto plan = plan_real_run(*sc, "real-crash-5.yaml", HostCapabilities{});
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(plan->hosts.size(), 6u);
}

TEST(PlanRealRun, RefusesWhatARealRunCannotDoNamingTheKey) {
  EXPECT_EQ(refusal("meshes: [{id: a, peers: 9}]\n"),
            "t.yaml: meshes: more than 8 hosts (peers plus joiners) do not fit a real run on "
            "this machine");
  EXPECT_NE(refusal("meshes: [{id: a, peers: 8}]\nfaults: [{at: 1s, join: {mesh: a, count: 1}}]\n")
                .find("t.yaml: meshes: more than 8 hosts"),
            std::string::npos);
  EXPECT_NE(refusal("meshes: [{id: a, peers: 3, clients: 1}]\n").find("meshes[0].clients:"),
            std::string::npos);
  EXPECT_NE(refusal("meshes: [{id: a, peers: 2}, {id: b, peers: 3, exits: 1}]\n")
                .find("meshes[1].exits:"),
            std::string::npos);
  EXPECT_NE(refusal("meshes: [{id: a, peers: 2}, {id: b, peers: 2}]\n"
                    "bridges: [{meshes: [a, b]}]\n")
                .find("t.yaml: bridges:"),
            std::string::npos);
  sim::Scenario long_run = scenario("meshes: [{id: a, peers: 2}]\n");
  long_run.duration = std::chrono::minutes(11);
  auto plan = plan_real_run(long_run, "t.yaml", HostCapabilities{});
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().message(), "t.yaml: duration: a real run lasts at most 10m of real time");
}

TEST(PlanRealRun, RefusesTheNetworkModelsItCannotApply) {
  const std::string mesh = "meshes: [{id: a, peers: 3}]\n";
  EXPECT_NE(refusal(mesh + "network: {duplicate: 0.01}\n", true).find("t.yaml: network.duplicate:"),
            std::string::npos);
  EXPECT_NE(refusal(mesh + "network: {reorder: 0.01}\n", true).find("t.yaml: network.reorder:"),
            std::string::npos);
  // Without netem, latency and loss are refused; with it they become its arguments.
  EXPECT_NE(refusal(mesh + "network: {latency: {min: 5ms}}\n").find("t.yaml: network.latency:"),
            std::string::npos);
  EXPECT_NE(refusal(mesh + "network: {loss: 0.01}\n").find("t.yaml: network.loss: needs tc netem"),
            std::string::npos);
  auto plan =
      plan_real_run(scenario(mesh + "network: {latency: {min: 20ms, mean: 50ms}, loss: 0.01}\n"),
                    "t.yaml", HostCapabilities{true});
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(plan->netem.delay, microseconds(50000));
  EXPECT_EQ(plan->netem.jitter, microseconds(30000));
  EXPECT_EQ(netem_args(plan->netem),
            (std::vector<std::string>{"netem", "delay", "50000us", "30000us", "loss", "1%"}));
}

TEST(PlanRealRun, RefusesFaultsNamingTheFaultAndItsLine) {
  const std::string head =
      "meshes: [{id: a, peers: 4}]\nfaults:\n  - {at: 1s, crash: {count: 1}}\n";
  EXPECT_EQ(refusal(head + "  - {at: 2s, partition: {groups: [0.5, 0.5], for: 5s}}\n"),
            "t.yaml:7: faults[1].partition: a real run cannot partition its hosts");
  EXPECT_NE(refusal(head + "  - {at: 2s, restart: {fraction: 1.0, wipe: true}}\n")
                .find("t.yaml:7: faults[1].restart.wipe:"),
            std::string::npos);
  EXPECT_NE(refusal(head + "  - {at: 2s, crash: {who: exit}}\n").find("faults[1].crash.who:"),
            std::string::npos);
  EXPECT_NE(refusal(head + "  - {at: 2s, loss: {value: 0.5, for: 1s}}\n").find("faults[1].loss:"),
            std::string::npos);
  EXPECT_NE(
      refusal(head + "  - {at: 2s, clog: {fraction: 0.5, for: 1s}}\n").find("faults[1].clog:"),
      std::string::npos);
  EXPECT_NE(refusal(head + "  - {at: 2s, leave: {mesh: a, count: 1}}\n").find("faults[1].leave:"),
            std::string::npos);
  EXPECT_NE(refusal(head + "  - {at: 2s, skew: {count: 1, offset: 2s}}\n").find("faults[1].skew:"),
            std::string::npos);
  EXPECT_NE(
      refusal(head + "  - {at: 2s, drift: {count: 1, rate: 1.05}}\n").find("faults[1].drift:"),
      std::string::npos);
  EXPECT_NE(refusal(head + "  - {at: 2s, slow: {count: 1, delay: 1s, for: 2s}}\n")
                .find("faults[1].slow:"),
            std::string::npos);
}

TEST(NetemArgs, LossAloneAndDelayWithoutJitter) {
  EXPECT_EQ(netem_args(Netem{microseconds(0), microseconds(0), 0.005}),
            (std::vector<std::string>{"netem", "loss", "0.5%"}));
  EXPECT_EQ(netem_args(Netem{microseconds(10000), microseconds(0), 0}),
            (std::vector<std::string>{"netem", "delay", "10000us"}));
}

}  // namespace
}  // namespace smeg::realrun
